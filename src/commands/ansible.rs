//! `unitguard ansible [UNIT...] [--from-dir DIR] --out DIR`.

use crate::EXIT_OK;
use crate::assess::format_tenths;
use crate::cli::AnsibleArgs;
use crate::error::{Error, Result};
use crate::fleet::ansible::{role, source};

pub fn run(a: &AnsibleArgs) -> Result<i32> {
    let ctx = super::context(&a.load, None, None)?;
    let know = source::Knowledge::load(&a.smoke, &a.evidence)?;
    let mut units = source::harden_now(&a.units, a.profile, &a.allow_ip, &know, &ctx)?;
    if let Some(dir) = &a.from_dir {
        units.extend(source::from_dir(dir, &know, &ctx)?);
    }
    let mut seen = std::collections::BTreeSet::new();
    for u in &units {
        if !seen.insert(u.unit.as_str()) {
            return Err(Error::Usage(format!(
                "{}: two drop-ins for this unit (a UNIT argument and --from-dir, or two files)",
                u.unit
            )));
        }
    }
    for s in know.smoke.keys().chain(know.evidence.keys()) {
        if !seen.contains(s.as_str()) {
            return Err(Error::Usage(format!(
                "{s}: --smoke or --evidence for a unit the role does not have"
            )));
        }
    }
    let host = crate::fleet::host::facts(ctx.root(), None).host;
    let origin = format!("units of {host}, systemd {}", ctx.version());
    let files = role::files(&units, &a.per_host, &origin)?;
    role::write(&a.out, &files)?;
    let show = |x: Option<u64>| x.map_or("?".to_string(), format_tenths);
    for u in &units {
        println!(
            "{}: {} -> {} predicted, smoke check: {}",
            u.unit,
            show(u.before),
            show(u.expected),
            u.smoke.as_ref().map_or("none", |s| s.from.as_str())
        );
    }
    println!(
        "wrote {} files to {} (role {}, rollout.yml, rollback.yml)",
        files.len(),
        a.out.display(),
        role::ROLE_DIR
    );
    println!(
        "next: ansible-playbook -i INVENTORY {}/rollout.yml --check --diff",
        a.out.display()
    );
    Ok(EXIT_OK)
}
