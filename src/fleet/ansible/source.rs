//! Where the role's drop-ins come from: hardened now (as `harden` does, or `harden --from`
//! with a learned evidence file), or a directory of drop-ins unitguard wrote (harden's output
//! saved as `UNIT.conf`, or an `/etc/systemd/system` with `UNIT.d/hardening.conf`, such as a
//! staging host's after `apply`). The smoke check is the one given (`--smoke UNIT=CMD`), else
//! the exercise `learn` ran, else the daemon profile's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::dropin::{self, check_unit_name};
use super::{RoleUnit, Smoke};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::files::{READ_CAP, Root};
use crate::harden::{self, DROPIN_NAME, Level, Options};
use crate::learn::evidence::Evidence;
use crate::pipeline::{self, Scored};

/// What every source needs: the explicit smoke checks and the evidence files, by unit.
pub struct Knowledge {
    pub smoke: BTreeMap<String, String>,
    pub evidence: BTreeMap<String, (PathBuf, Evidence)>,
}

impl Knowledge {
    /// `--smoke UNIT=CMD` and `--evidence FILE` (each file names its unit).
    pub fn load(smoke: &[String], evidence: &[PathBuf]) -> Result<Knowledge> {
        let mut by_unit = BTreeMap::new();
        for s in smoke {
            let (unit, cmd) = s
                .split_once('=')
                .ok_or_else(|| Error::Usage(format!("--smoke {s:?}: expected UNIT=CMD")))?;
            check_unit_name(unit, "--smoke")?;
            by_unit.insert(unit.to_string(), cmd.to_string());
        }
        let mut ev = BTreeMap::new();
        for f in evidence {
            let e = Evidence::load(f)?;
            let unit = e.unit.clone().ok_or_else(|| Error::BadInput {
                path: f.clone(),
                message: "this evidence was learned from a command, not a unit (learn UNIT)".into(),
            })?;
            if let Some((other, _)) = ev.insert(unit.clone(), (f.clone(), e)) {
                return Err(Error::Usage(format!(
                    "{} and {} are both evidence for {unit}; merge them with `unitguard learn --merge`",
                    other.display(),
                    f.display()
                )));
            }
        }
        Ok(Knowledge {
            smoke: by_unit,
            evidence: ev,
        })
    }

    /// The unit's smoke check: the one given, else learn's exercise, else the profile's.
    fn smoke(&self, unit: &str, scored: Option<&Scored>, ctx: &Context) -> Option<Smoke> {
        if let Some(c) = self.smoke.get(unit) {
            return Some(Smoke {
                command: c.clone(),
                from: "--smoke".into(),
            });
        }
        let learned = self.evidence.get(unit).and_then(|(f, e)| {
            e.runs
                .iter()
                .rev()
                .find_map(|r| r.exercise.clone())
                .map(|c| Smoke {
                    command: c,
                    from: format!("the exercise learn ran ({})", f.display()),
                })
        });
        learned.or_else(|| {
            let profile = match scored {
                Some(s) => harden::inspect::inspect(s, ctx.root()).profile,
                None => harden::knowledge::Knowledge::get()
                    .profile_for(unit, None)
                    .cloned(),
            }?;
            let command = profile.smoke?;
            Some(Smoke {
                command,
                from: format!("daemon profile {}", profile.name),
            })
        })
    }
}

fn score(unit: &str, ctx: &Context) -> Option<Scored> {
    pipeline::score_arguments(&[PathBuf::from(unit)], ctx)
        .pop()
        .and_then(|o| o.ok())
}

/// Hardens each unit now, as `harden` does (`--from` when there is evidence for it).
pub fn harden_now(
    units: &[String],
    level: Level,
    allow_ip: &[String],
    know: &Knowledge,
    ctx: &Context,
) -> Result<Vec<RoleUnit>> {
    let mut out = Vec::new();
    for unit in units {
        check_unit_name(unit, "ansible")?;
        let scored = match pipeline::score_arguments(&[PathBuf::from(unit)], ctx).pop() {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                return Err(Error::Other(match e.detail() {
                    Some(d) => format!("{e} ({d})"),
                    None => e.to_string(),
                }));
            }
            None => return Err(Error::Other(format!("{unit}: not loaded"))),
        };
        let evidence = know.evidence.get(unit);
        let opts = Options {
            level,
            allow_ip,
            template: false,
            evidence: evidence.map(|(_, e)| e),
            within_profile: false,
        };
        let h = harden::harden(&scored, &opts, ctx)?;
        let how = match evidence {
            Some((f, _)) => format!("harden --from {}", f.display()),
            None => format!(
                "harden --profile {}",
                if level == Level::Strict {
                    "strict"
                } else {
                    "baseline"
                }
            ),
        };
        out.push(RoleUnit {
            unit: h.unit.clone(),
            text: h.text.clone(),
            source: format!("drop-in made by `{how}`"),
            systemd_version: Some(ctx.version()),
            before: Some(h.before.exposure),
            expected: Some(h.after.exposure),
            smoke: know.smoke(unit, Some(&scored), ctx),
        });
    }
    Ok(out)
}

/// Reads the drop-ins of `dir`: `UNIT.d/hardening.conf`, and `*.conf` files directly in it
/// (the unit from the header unitguard writes, else the file name without `.conf`). When the
/// unit loads here (under --root or on this host) the exposures are predicted again for this
/// systemd; otherwise the header's numbers are kept.
pub fn from_dir(dir: &Path, know: &Knowledge, ctx: &Context) -> Result<Vec<RoleUnit>> {
    let abs = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| Error::io(".", e))?
            .join(dir)
    };
    let host = Root::host()?;
    let top = host.dir(&abs, None)?;
    let mut found: Vec<(String, PathBuf, String)> = Vec::new();
    let mut subdirs: Vec<String> = std::fs::read_dir(&abs)
        .map_err(|e| Error::io(&abs, e))?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".d"))
        .collect();
    subdirs.sort();
    for d in subdirs {
        let sub = host.dir(&abs.join(&d), None)?;
        if let Some(f) = sub.read(DROPIN_NAME, READ_CAP)? {
            let unit = d.trim_end_matches(".d").to_string();
            found.push((
                unit,
                sub.shown(DROPIN_NAME),
                text_of(&sub.shown(DROPIN_NAME), f.data)?,
            ));
        }
    }
    for name in top.regular_files()? {
        let Some(stem) = name.strip_suffix(".conf") else {
            continue;
        };
        let shown = top.shown(&name);
        let data = top
            .read(&name, READ_CAP)?
            .ok_or_else(|| Error::io(&shown, std::io::ErrorKind::NotFound.into()))?;
        let text = text_of(&shown, data.data)?;
        let unit = dropin::header(&text)
            .unit
            .unwrap_or_else(|| stem.to_string());
        found.push((unit, shown, text));
    }
    if found.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no drop-ins here (UNIT.conf files or UNIT.d/{DROPIN_NAME})",
            abs.display()
        )));
    }
    let mut out = Vec::new();
    for (unit, path, text) in found {
        check_unit_name(&unit, &path.display().to_string())?;
        let head = dropin::header(&text);
        let scored = score(&unit, ctx);
        let (before, expected, version, note) = match &scored {
            Some(s) => {
                let base = harden::without_dropin(s, ctx)?;
                let after = harden::predict(&base, &text, ctx).map_err(|e| Error::BadInput {
                    path: path.clone(),
                    message: format!("the drop-in does not load: {e}"),
                })?;
                (
                    Some(base.assessment.exposure),
                    Some(after.exposure),
                    Some(ctx.version()),
                    "exposures predicted with this unit",
                )
            }
            None => (
                head.before,
                head.expected,
                head.systemd_version,
                "exposures from its header (the unit is not here)",
            ),
        };
        if scored.is_none() {
            eprintln!(
                "unitguard: {unit} does not load here; {} the exposures its header predicts",
                if head.expected.is_some() {
                    "the role checks"
                } else {
                    "its header predicts none, so the role checks no"
                }
            );
        }
        out.push(RoleUnit {
            smoke: know.smoke(&unit, scored.as_ref(), ctx),
            unit,
            text,
            source: format!("drop-in read from {}; {note}", path.display()),
            systemd_version: version,
            before,
            expected,
        });
    }
    Ok(out)
}

fn text_of(path: &Path, data: Vec<u8>) -> Result<String> {
    String::from_utf8(data).map_err(|e| Error::BadInput {
        path: path.to_path_buf(),
        message: format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
    })
}
