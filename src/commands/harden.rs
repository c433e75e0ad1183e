//! `unitguard harden UNIT`: print (or write) the drop-in.

use crate::assess;
use crate::cli::HardenArgs;
use crate::error::Result;
use crate::harden::{self, Options, write};
use crate::tables::SystemdTables;
use crate::unit::search::under_root;
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &HardenArgs) -> Result<i32> {
    let root = args.load.root.as_deref();
    let policy = super::policy_for(args.security_policy.as_deref(), root)?;
    let Some(scored) = super::score_one(&args.unit, root, &policy) else {
        return Ok(EXIT_FAILED);
    };
    let opts = Options {
        level: args.profile,
        allow_ip: &args.allow_ip,
        systemd_version: args.systemd_version,
        root,
    };
    let h = harden::harden(&scored, &opts, &policy, SystemdTables::default_tables())?;
    let score = |a: &assess::Assessment| {
        format!(
            "{} {}",
            assess::format_tenths(a.exposure),
            assess::label(a.exposure)
        )
    };
    if !args.write {
        print!("{}", h.text);
        eprintln!(
            "{}: {} -> {} (predicted)",
            h.unit,
            score(&h.before),
            score(&h.after)
        );
        return Ok(EXIT_OK);
    }
    let target = under_root(root, &h.path);
    let backup = write::write_atomic(&target, &h.text)?;
    eprintln!(
        "{}: {} -> {} (predicted)",
        h.unit,
        score(&h.before),
        score(&h.after)
    );
    println!("wrote {}", target.display());
    if let Some(b) = &backup {
        println!("previous version kept as {}", b.display());
    }
    println!(
        "apply:     systemctl daemon-reload && systemctl restart {}",
        h.unit
    );
    match &backup {
        Some(b) => println!(
            "roll back: mv {} {} && systemctl daemon-reload && systemctl restart {}",
            b.display(),
            target.display(),
            h.unit
        ),
        None => println!(
            "roll back: rm {} && systemctl daemon-reload && systemctl restart {}",
            target.display(),
            h.unit
        ),
    }
    Ok(EXIT_OK)
}
