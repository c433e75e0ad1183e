//! `harden`: a drop-in fitted to the service, each line commented from the catalogue, with
//! the exposure before and after predicted by the scorer on the unit merged with it.

pub mod inspect;
pub mod knowledge;
pub mod needs;
pub mod plan;
pub mod render;
pub mod run_as;
pub mod write;

use std::path::PathBuf;

pub use plan::{Level, Line};

use crate::assess::Assessment;
use crate::context::Context;
use crate::pipeline::{self, Scored};
use crate::unit::syntax;

/// The drop-in's file name; unitguard only ever writes this one file per unit.
pub const DROPIN_NAME: &str = "hardening.conf";

pub struct Options<'a> {
    pub level: Level,
    pub allow_ip: &'a [String],
    /// Plan for a template's drop-in directory (`foo@.service.d/`, every instance) rather
    /// than the unit's own.
    pub template: bool,
    /// What `learn` saw the service do: the drop-in is fitted to it (`harden --from`).
    pub evidence: Option<&'a crate::learn::evidence::Evidence>,
    /// With evidence: leave out what the trace saw but the daemon profile's daemon is known
    /// to run without, and the capabilities the trace is not sure were needed
    /// (`Evidence::uncertain_capabilities`). `apply --learn` tries that drop-in first,
    /// verifies it with the smoke check and falls back to the plain fit when it fails.
    pub within_profile: bool,
}

/// A planned drop-in and its predicted effect.
pub struct Hardening {
    pub unit: String,
    /// The unit whose drop-in directory the file goes to: the unit, or its template.
    pub dropin_unit: String,
    pub lines: Vec<Line>,
    pub text: String,
    /// Where it goes: /etc/systemd/system/<unit>.d/hardening.conf (under the root).
    pub path: PathBuf,
    pub before: Assessment,
    pub after: Assessment,
    pub facts: inspect::Facts,
    /// What the trace saw that this drop-in denies because the daemon profile runs without
    /// it (`Options::within_profile`); empty otherwise.
    pub waived: Vec<String>,
}

/// The drop-in path of a unit (relative to the root).
pub fn dropin_path(unit: &str) -> PathBuf {
    PathBuf::from(format!("/etc/systemd/system/{unit}.d/{DROPIN_NAME}"))
}

/// The unit's assessment with `text` applied as /etc/systemd/system/<unit>.d/hardening.conf,
/// exactly where systemd would put it among the unit's other drop-ins.
pub fn predict(
    scored: &Scored,
    text: &str,
    ctx: &Context,
) -> Result<Assessment, crate::unit::LoadError> {
    with_dropin(scored, text, ctx).map(|s| s.assessment)
}

/// The unit with `text` applied as its hardening.conf, scored.
fn with_dropin(
    scored: &Scored,
    text: &str,
    ctx: &Context,
) -> Result<Scored, crate::unit::LoadError> {
    let mut unit = scored.unit.clone();
    let path = dropin_path(&unit.id);
    let sections = crate::unit::load::sections_for(unit.unit_type());
    let parsed = syntax::parse(&path, text.as_bytes(), sections);
    // Drop-ins apply in file-name order; ours replaces any earlier file of the same name.
    let mut dropins: Vec<_> = unit
        .files
        .drain(1..)
        .filter(|f| f.path.file_name() != path.file_name())
        .collect();
    dropins.push(parsed);
    dropins.sort_by(|a, b| a.path.file_name().cmp(&b.path.file_name()));
    unit.files.extend(dropins);
    pipeline::score_loaded(unit, ctx)
}

/// The unit as it would be without any drop-in named hardening.conf: what the plan starts
/// from. A file of that name is replaced by the one planned, so planning on top of it would
/// leave out lines because the file being replaced already has them (a second `--write`
/// would then loosen the unit), and "before" would not be the unit the file is applied to.
pub fn without_dropin(scored: &Scored, ctx: &Context) -> Result<Scored, crate::Error> {
    let ours = Some(std::ffi::OsStr::new(DROPIN_NAME));
    if scored
        .unit
        .files
        .iter()
        .skip(1)
        .all(|f| f.path.file_name() != ours)
    {
        return Ok(scored.clone());
    }
    let mut unit = scored.unit.clone();
    let fragment = unit.files.remove(0);
    unit.files.retain(|f| f.path.file_name() != ours);
    unit.files.insert(0, fragment);
    pipeline::score_loaded(unit, ctx)
        .map_err(|e| crate::Error::Other(format!("{}: {e}", scored.unit.id)))
}

/// The drop-in for the context's systemd version: only directives and values it knows, and
/// the scores as it computes them.
pub fn harden(scored: &Scored, opts: &Options, ctx: &Context) -> Result<Hardening, crate::Error> {
    build(scored, opts, ctx, false).map(|h| h.expect("a drop-in unless as_user"))
}

/// The drop-in that also starts the daemon as the user it switches to ([`run_as`]), from
/// the evidence in `opts`; None when the evidence shows no such switch or the daemon needs
/// more than that user can have.
pub fn harden_as_user(
    scored: &Scored,
    opts: &Options,
    ctx: &Context,
) -> Result<Option<Hardening>, crate::Error> {
    build(scored, opts, ctx, true)
}

fn build(
    scored: &Scored,
    opts: &Options,
    ctx: &Context,
    as_user: bool,
) -> Result<Option<Hardening>, crate::Error> {
    let base = without_dropin(scored, ctx)?;
    let scored = &base;
    let run_as = match opts.evidence.filter(|_| as_user) {
        Some(ev) => match run_as::candidate(scored, ev, ctx.root()) {
            Some(r) => Some((r, ev)),
            None => return Ok(None),
        },
        None if as_user => return Ok(None),
        None => None,
    };
    if scored.settings.exec.is_none() {
        return Err(crate::Error::Usage(format!(
            "{} has no process to sandbox ({} units have no [Service]-like settings)",
            scored.unit.id,
            scored.unit.unit_type()
        )));
    }
    let facts = inspect::inspect(scored, ctx.root());
    let elevation = opts
        .evidence
        .map(|ev| plan::helpers::plan(scored, ev, runs_as_root(scored)));
    let (mut needs, waived) = service_needs(scored, &facts, opts, ctx.tables, elevation.as_ref());
    // Started as its user: planned on the unit with User= and Group= set.
    let mut user_lines = Vec::new();
    let with_user;
    let planned = match &run_as {
        Some((r, _)) => {
            if !run_as::waive_switch(&mut needs, ctx.tables) {
                return Ok(None);
            }
            user_lines = run_as::user_lines(r, &needs);
            with_user = with_dropin(scored, &render::body(&user_lines), ctx)
                .map_err(|e| crate::Error::Other(format!("{}: {e}", scored.unit.id)))?;
            &with_user
        }
        None => scored,
    };
    let mut lines = plan::plan(&plan::Ctx {
        scored: planned,
        facts: &facts,
        needs: &needs,
        evidence: opts.evidence,
        level: opts.level,
        systemd_version: ctx.version(),
        tables: ctx.tables,
        allow_ip: opts.allow_ip,
        root: ctx.root(),
    });
    let helpers = match elevation {
        Some(e) => elevate(&mut lines, e),
        None => Vec::new(),
    };
    match run_as {
        Some((_, ev)) => {
            lines.splice(0..0, user_lines);
            lines.extend(run_as::helper_lines(scored, &helpers, ev));
        }
        None => lines.extend(helpers),
    }
    let mut body = render::body(&lines);
    if !waived.is_empty() {
        let mut note = match facts.profile.as_ref() {
            Some(p) => format!(
                "# Tighter than the trace: profile {} runs without what the trace saw here, or the trace is not sure it was needed:\n",
                p.name
            ),
            None => "# Tighter than the trace: left out what the trace is not sure was needed:\n"
                .to_string(),
        };
        for w in &waived {
            note.push_str(&format!("#   {w}\n"));
        }
        body = format!("{note}{body}");
    }
    let after = predict(scored, &body, ctx)
        .map_err(|e| crate::Error::Other(format!("the generated drop-in does not load: {e}")))?;
    let text = render::document(
        &scored.unit.id,
        opts,
        ctx.version(),
        &scored.assessment,
        &after,
        &body,
    );
    let dropin_unit = if opts.template {
        crate::unit::name::template_of(&scored.unit.id).unwrap_or_else(|| scored.unit.id.clone())
    } else {
        scored.unit.id.clone()
    };
    Ok(Some(Hardening {
        unit: scored.unit.id.clone(),
        path: dropin_path(&dropin_unit),
        dropin_unit,
        lines,
        text,
        before: scored.assessment.clone(),
        after,
        facts,
        waived,
    }))
}

/// What the service needs, and what the trace saw that the profile waives
/// (`Options::within_profile`). With evidence: the evidence's needs, plus what the daemon
/// profile and the need rules know of code paths a short run may not reach (JIT, setuid
/// helpers, ...). Without: everything the profile and the need rules say.
fn service_needs(
    scored: &Scored,
    facts: &inspect::Facts,
    opts: &Options,
    tables: &crate::tables::SystemdTables,
    elevation: Option<&plan::helpers::Elevation>,
) -> (needs::Needs, Vec<String>) {
    let (mut needs, waived) = match opts.evidence {
        Some(ev) => {
            let mut needs = needs::from_evidence(ev);
            // Capabilities only helper commands used go to those commands (`+`), not the
            // daemon.
            // The calls only those lines (and the unit's own `+` lines) made are no need of
            // the daemon's filter either.
            if let Some(e) = elevation {
                needs.items.retain(|s| match &s.need {
                    needs::Need::Capability(c) => !e.moved.contains(c),
                    needs::Need::Syscall(c) => !e.moved_syscalls.contains(c),
                    _ => true,
                });
            }
            let mut waived = match facts.profile.as_ref().filter(|_| opts.within_profile) {
                Some(p) => needs::waive_by_profile(&mut needs, p, tables),
                None => Vec::new(),
            };
            if opts.within_profile {
                waived.extend(needs::waive_uncertain(&mut needs, ev));
            }
            // A trace shows what a shell's script ran: the guesses about it give way.
            needs::merge(&mut needs, needs::from_facts(&facts.traced(), true));
            (needs, waived)
        }
        None => {
            let mut needs = needs::from_facts(facts, false);
            needs::known::add(
                &mut needs,
                &needs::known::Known {
                    facts,
                    strict: opts.level == Level::Strict,
                    runs_as_root: runs_as_root(scored),
                    tables,
                    clock_widens_devices: plan::kernel::clock_widens_devices(scored),
                },
            );
            (needs, Vec::new())
        }
    };
    if runs_as_root(scored) {
        needs.add(needs::Need::RunsAsRoot, "runs as root");
    }
    (needs, waived)
}

/// Whether the unit's processes start as root (no User=, no DynamicUser=).
fn runs_as_root(scored: &Scored) -> bool {
    scored.settings.exec.as_ref().is_some_and(|e| {
        !e.dynamic_user && matches!(e.user.as_deref(), None | Some("root" | "0" | ""))
    })
}

/// Gives the capabilities only helper commands used to those commands: the bounding set's
/// comment says what it left out; returns the helper lines, which run with full privileges
/// (`+`).
fn elevate(lines: &mut [Line], elevation: plan::helpers::Elevation) -> Vec<Line> {
    if !elevation.moved.is_empty() {
        let moved: Vec<&str> = elevation.moved.iter().map(String::as_str).collect();
        let note = format!(
            "not kept: {}, used only by command lines that run with full privileges (+)",
            moved.join(" ")
        );
        if let Some(l) = lines
            .iter_mut()
            .find(|l| l.directive == "CapabilityBoundingSet")
        {
            l.why = Some(match l.why.take() {
                Some(w) => format!("{w}; {note}"),
                None => note,
            });
        }
    }
    elevation.lines
}
