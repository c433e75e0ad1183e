//! The whole path of one unit: name → files → settings → assessment.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::assess::{self, Assessment, Policy};
use crate::context::Context;
use crate::settings::{self, Settings};
use crate::tables::SystemdTables;
use crate::unit::{LoadError, LoadedUnit, Loader, Run, RunSlot, RunState, RunUnit};

/// A scored unit, with what systemd would have warned about while loading it.
#[derive(Debug, Clone)]
pub struct Scored {
    pub unit: LoadedUnit,
    pub settings: Settings,
    pub assessment: Assessment,
}

/// Why one unit of a run has no score. The other units of the run are still scored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// systemd's own load failure (its message is the Display text).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The security policy gives this unit numbers systemd-analyze cannot score: it aborts on
    /// an assertion (`badness <= range`, `weight_sum > 0`). We report the unit instead.
    #[error("Unit {unit} cannot be scored: {location}: {message}")]
    Policy {
        unit: String,
        /// The policy file, with the line of the offending entry when there is one.
        location: String,
        message: String,
    },
}

impl UnitError {
    /// The name systemd reports for this unit.
    pub fn unit(&self) -> &str {
        match self {
            UnitError::Load(e) => e.unit(),
            UnitError::Policy { unit, .. } => unit,
        }
    }

    /// unitguard's own explanation (file and line), beyond systemd's message.
    pub fn detail(&self) -> Option<String> {
        match self {
            UnitError::Load(e) => e.detail(),
            UnitError::Policy { .. } => None,
        }
    }
}

pub type Outcome = Result<Scored, UnitError>;

/// Loads and scores one unit by name, refusing scores systemd-analyze would abort on.
pub fn score_name(loader: &Loader, name: &str, ctx: &Context) -> Outcome {
    let unit = loader.load(name)?;
    let scored = score_loaded(unit, ctx)?;
    check_policy_limits(&scored.assessment, &ctx.policy)?;
    Ok(scored)
}

pub fn score_loaded(unit: LoadedUnit, ctx: &Context) -> Result<Scored, LoadError> {
    let settings = settings::build(&unit, ctx.tables)?;
    let assessment = assess::assess(&unit.id, &settings, &ctx.policy, ctx.tables);
    Ok(Scored {
        unit,
        settings,
        assessment,
    })
}

/// The 1-based line of the first `"key"` member name in a JSON text, if it can be found.
fn json_key_line(text: &str, key: &str) -> Option<usize> {
    let quoted = serde_json::to_string(key).ok()?;
    let mut from = 0;
    while let Some(i) = text[from..].find(&quoted) {
        let at = from + i;
        let after = text[at + quoted.len()..].trim_start();
        if after.starts_with(':') {
            return Some(text[..at].bytes().filter(|&b| b == b'\n').count() + 1);
        }
        from = at + quoted.len();
    }
    None
}

/// The line of a check's entry in the policy file, if it can be found.
fn policy_line(policy: &Policy, json_field: &str) -> Option<usize> {
    let text = std::fs::read_to_string(policy.source.as_ref()?).ok()?;
    json_key_line(&text, json_field)
}

/// `FILE:LINE` (or just `FILE`) of a check's entry in the policy file.
fn policy_location(policy: &Policy, json_field: &str) -> String {
    let file = policy
        .source
        .as_deref()
        .map_or_else(|| "<built-in>".into(), |p| p.display().to_string());
    match policy_line(policy, json_field) {
        Some(l) => format!("{file}:{l}"),
        None => file,
    }
}

/// Whole-policy problems that make systemd-analyze abort for every unit: a `range` of 0 on a
/// check it knows (`assert(range > 0)` runs for every row, even n/a ones). Checked before any
/// unit is loaded, so the run stops with one message naming the file and line.
pub fn validate_policy(policy: &Policy, tables: &'static SystemdTables) -> crate::Result<()> {
    let Some(path) = &policy.source else {
        return Ok(());
    };
    for def in &tables.checks {
        if policy.get(&def.json_field).and_then(|o| o.range) == Some(0) {
            let at = policy_line(policy, &def.json_field)
                .map(|l| format!("line {l}: "))
                .unwrap_or_default();
            return Err(crate::Error::Policy {
                path: path.clone(),
                message: format!(
                    "{at}\"{}\": range must be at least 1, not 0 (systemd-analyze aborts on it)",
                    def.json_field
                ),
            });
        }
    }
    Ok(())
}

/// Per-unit conditions on which systemd-analyze aborts with an assertion failure: a policy
/// range below the badness a check reaches, or every scored check weighted 0 by the policy.
fn check_policy_limits(a: &Assessment, policy: &Policy) -> Result<(), UnitError> {
    let fail = |location: String, message: String| UnitError::Policy {
        unit: a.unit.clone(),
        location,
        message,
    };
    let mut by_table = a.checks.iter().collect::<Vec<_>>();
    by_table.sort_by_key(|c| c.index);
    for c in by_table {
        if c.range == 0 {
            return Err(fail(
                policy_location(policy, c.json_field),
                format!(
                    "\"{}\": range 0 (systemd-analyze aborts here)",
                    c.json_field
                ),
            ));
        }
        if let Some(b) = c.badness {
            if b > c.range {
                return Err(fail(
                    policy_location(policy, c.json_field),
                    format!(
                        "\"{}\": range {} is below the badness {b} this unit gets (systemd-analyze aborts here)",
                        c.json_field, c.range
                    ),
                ));
            }
        }
    }
    // In uint64_t, as systemd sums: weights that wrap around to 0 abort it as well.
    let weight_sum = a
        .checks
        .iter()
        .filter(|c| c.badness.is_some())
        .fold(0u64, |s, c| s.wrapping_add(c.weight));
    if weight_sum == 0 {
        let file = policy
            .source
            .as_deref()
            .map_or_else(|| "<built-in>".into(), |p| p.display().to_string());
        return Err(fail(
            file,
            "every check that applies to this unit has weight 0, so there is nothing to score (systemd-analyze aborts here)"
                .into(),
        ));
    }
    Ok(())
}

/// Scores the units named by command-line arguments (names or paths), in argument order,
/// exactly as `systemd-analyze security --offline=true [--root=DIR] ARGS...` would.
pub fn score_arguments(args: &[PathBuf], ctx: &Context) -> Vec<Outcome> {
    let mut outcomes = Vec::with_capacity(args.len());
    for_each_argument(args, ctx, |o| o, |o| outcomes.push(o));
    outcomes
}

/// How many arguments [`for_each_argument`] loads before it scores and hands them on.
const CHUNK: usize = 256;

/// [`score_arguments`] a chunk of arguments at a time: each outcome goes to `render` on the
/// worker thread that scored it, and what `render` returns goes to `emit`, in argument order.
/// Only one chunk of units is held at once, however many arguments there are.
pub fn for_each_argument<R, F, E>(args: &[PathBuf], ctx: &Context, render: F, mut emit: E)
where
    R: Send,
    F: Fn(Outcome) -> R + Sync,
    E: FnMut(R),
{
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let loader = ctx.loader(args, &cwd);
    let names: Vec<Result<String, LoadError>> =
        args.iter().map(|a| ctx.name_for_argument(a)).collect();
    let parse = |name: &Result<String, LoadError>| -> Result<(LoadedUnit, Settings), UnitError> {
        let unit = loader.load(name.as_ref().map_err(Clone::clone)?)?;
        let settings = settings::build_unverified(&unit, ctx.tables)?;
        Ok((unit, settings))
    };
    // systemd-analyze loads every argument into one manager before it scores any: later
    // arguments can be an earlier unit again, or clash with one. Which one an argument is
    // depends only on the arguments before it, so chunks can be loaded and scored in turn.
    let mut run = Run::default();
    for start in (0..names.len()).step_by(CHUNK) {
        let chunk = &names[start..(start + CHUNK).min(names.len())];
        let parsed: Vec<_> = chunk.par_iter().map(parse).collect();
        let slots: Vec<RunSlot> = chunk
            .iter()
            .zip(&parsed)
            .map(|(name, p)| {
                let unit = name.as_deref().ok().map(|name| RunUnit {
                    name,
                    state: run_state(p),
                    bus_name: p
                        .as_ref()
                        .ok()
                        .and_then(|(_, s)| s.service.as_ref()?.bus_name.as_deref()),
                });
                run.add(&loader, unit)
            })
            .collect();
        let run = &run;
        let rendered: Vec<R> = parsed
            .into_par_iter()
            .zip(slots)
            .enumerate()
            .map(|(k, (p, slot))| {
                let outcome = match slot {
                    // The same unit as argument j: its outcome again (loading is repeatable).
                    RunSlot::SameAs(j) => {
                        finish_run_unit(parse(&names[j]), run.slot(j), &names[j], ctx)
                    }
                    _ => finish_run_unit(p, slot, &names[start + k], ctx),
                };
                render(outcome)
            })
            .collect();
        rendered.into_iter().for_each(&mut emit);
    }
}

/// The outcome of an argument that is a unit of its own in the run: a clash, or the unit
/// type's own checks and the score.
fn finish_run_unit(
    parsed: Result<(LoadedUnit, Settings), UnitError>,
    slot: RunSlot,
    name: &Result<String, LoadError>,
    ctx: &Context,
) -> Outcome {
    let clash = |id: String, detail: String| {
        Err(UnitError::Load(LoadError::Failed {
            id,
            errno: "File exists".into(),
            detail,
        }))
    };
    if slot == RunSlot::NameClash {
        let id = name.clone().unwrap_or_default();
        let detail = format!(
            "{id} shares a name with a unit loaded earlier in this run, which systemd cannot merge"
        );
        return clash(id, detail);
    }
    let (unit, settings) = parsed?;
    match slot {
        RunSlot::Own | RunSlot::SameAs(_) | RunSlot::NameClash => {}
        RunSlot::BusNameClash => {
            let bus = settings.service.as_ref().and_then(|s| s.bus_name.clone());
            let detail = format!(
                "an earlier service of this run has the same BusName={}",
                bus.unwrap_or_default()
            );
            return clash(unit.id.clone(), detail);
        }
    }
    settings::verify(&unit, &settings, ctx.tables)?;
    let assessment = assess::assess(&unit.id, &settings, &ctx.policy, ctx.tables);
    check_policy_limits(&assessment, &ctx.policy)?;
    Ok(Scored {
        unit,
        settings,
        assessment,
    })
}

/// How far loading got, for [`Loader::run`].
fn run_state<T>(o: &Result<T, UnitError>) -> RunState {
    match o {
        Err(UnitError::Load(LoadError::NotFound { .. })) => RunState::NotFound,
        Err(UnitError::Load(LoadError::Failed { .. }))
        | Err(UnitError::Load(LoadError::BadSetting { merged: false, .. })) => {
            RunState::BeforeMerge
        }
        _ => RunState::Merged,
    }
}

/// Every service in the search path (templates with the version's instance, aliases skipped,
/// masked units left out), scored.
pub fn score_all_services(ctx: &Context) -> Vec<Outcome> {
    let loader = ctx.loader(&[], Path::new("/"));
    let instance = ctx.tables.rules.template_instance.as_str();
    let mut names: Vec<String> = loader
        .index
        .names()
        .filter(|n| n.ends_with(".service") && !loader.index.is_alias(n))
        .map(|n| match crate::unit::name::classify(n) {
            Some(crate::unit::name::NameKind::Template) => {
                crate::unit::name::with_instance(n, instance)
            }
            _ => n.to_string(),
        })
        .collect();
    names.sort();
    names.dedup();
    names
        .par_iter()
        .map(|n| score_name(&loader, n, ctx))
        .filter(|o| !matches!(o, Err(UnitError::Load(LoadError::Masked { .. }))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::json_key_line;

    #[test]
    fn key_lines() {
        let t = "{\n  \"UMask\": {\"range\": 0},\n  \"x\": \"UMask\"\n}";
        assert_eq!(json_key_line(t, "UMask"), Some(2));
        assert_eq!(json_key_line("{\"a\": \"b\"}", "b"), None);
        assert_eq!(json_key_line("{\"a)\" : 1}", "a)"), Some(1));
    }
}
