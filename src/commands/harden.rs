//! `unitguard harden UNIT`: print (or write) the drop-in.

use crate::assess;
use crate::cli::HardenArgs;
use crate::error::Result;
use crate::files::Root;
use crate::harden::{self, Options, write};
use crate::unit::name;
use crate::{EXIT_FAILED, EXIT_OK};

pub fn run(args: &HardenArgs) -> Result<i32> {
    let ctx = super::context(&args.load, args.security_policy.as_deref(), None)?;
    let root = ctx.root();
    let Some(scored) = super::score_one(&args.unit, &ctx) else {
        return Ok(EXIT_FAILED);
    };
    let base = args
        .unit
        .file_name()
        .map(|b| b.to_string_lossy().into_owned())
        .unwrap_or_default();
    let evidence = match &args.from {
        Some(f) => Some(crate::learn::evidence::Evidence::load(f)?),
        None => None,
    };
    let opts = Options {
        level: args.profile,
        allow_ip: &args.allow_ip,
        template: name::classify(&base) == Some(name::NameKind::Template),
        evidence: evidence.as_ref(),
        within_profile: false,
    };
    let h = if args.as_user {
        let within = Options {
            within_profile: true,
            ..opts
        };
        harden::harden_as_user(&scored, &within, &ctx)?.ok_or_else(|| {
            crate::Error::Usage(format!(
                "{}: --as-user: the evidence shows no start as root that switches to one user \
                 and needs nothing else of root (see `unitguard learn`'s summary)",
                scored.unit.id
            ))
        })?
    } else {
        harden::harden(&scored, &opts, &ctx)?
    };
    let score = |a: &assess::Assessment| assess::format_exposure(a.exposure);
    eprintln!(
        "{}: {} -> {} (predicted)",
        h.unit,
        score(&h.before),
        score(&h.after)
    );
    if !args.write {
        print!("{}", h.text);
        return Ok(EXIT_OK);
    }
    let written = write::write_dropin(&Root::open(root)?, &h.dropin_unit, &h.text)?;
    println!("wrote {}", written.path.display());
    if let Some(b) = &written.backup {
        println!("previous version kept as {}", b.display());
    }
    // What to restart: the unit, or for a template every running instance of it.
    let restart = if opts.template {
        println!(
            "this drop-in applies to every instance of {} (each picks it up when restarted)",
            h.dropin_unit
        );
        format!("'{}'", name::with_instance(&h.dropin_unit, "*"))
    } else {
        h.unit.clone()
    };
    println!("apply:     systemctl daemon-reload && systemctl restart {restart}");
    match &written.backup {
        Some(b) => println!(
            "roll back: mv {} {} && systemctl daemon-reload && systemctl restart {restart}",
            b.display(),
            written.path.display(),
        ),
        None => println!(
            "roll back: rm {} && systemctl daemon-reload && systemctl restart {restart}",
            written.path.display(),
        ),
    }
    Ok(EXIT_OK)
}
