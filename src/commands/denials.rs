//! `unitguard denials [UNIT] [--since T] [--follow] [--json]`.

use crate::cli::DenialsArgs;
use crate::denials::{self, Denial};
use crate::error::Result;
use crate::systemd::journal;
use crate::{EXIT_FAILED, EXIT_OK};

fn print(d: &Denial, json: bool) {
    if json {
        println!("{}", serde_json::to_string(d).unwrap_or_default());
    } else {
        let unit = d.unit.as_deref().unwrap_or("-");
        println!(
            "{unit}: {}= — {}\n    fix:  {}\n    line: {}",
            d.directive, d.explanation, d.fix, d.line
        );
    }
}

pub fn run(args: &DenialsArgs) -> Result<i32> {
    let unit = args.unit.as_deref();
    if args.follow {
        journal::follow(unit, |l| {
            if let Some(d) = denials::recognise(&l) {
                print(&d, args.json);
            }
            true
        })?;
        return Ok(EXIT_OK);
    }
    let lines = journal::read(unit, args.since.as_deref(), None)?;
    let found: Vec<Denial> = lines.iter().filter_map(denials::recognise).collect();
    for d in &found {
        print(d, args.json);
    }
    if !args.json {
        eprintln!("{} denial(s)", found.len());
    }
    Ok(if found.is_empty() {
        EXIT_OK
    } else {
        EXIT_FAILED
    })
}
