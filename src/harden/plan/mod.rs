//! The planner fed by needs ([`super::needs`]): the tightest drop-in the service's needs
//! allow. One file per directive group, so each rule is found where its directive is:
//! [`filesystem`], [`kernel`], [`process`], [`capabilities`], [`syscalls`], [`network`],
//! [`devices`]. Which need rules a directive out is the catalogue's `blocked_by`; every line
//! only narrows what the unit already sets, and says why: the evidence that allowed it, or
//! "not seen" where it rests on the absence of evidence a short run may miss.

pub mod capabilities;
pub mod devices;
pub mod filesystem;
pub mod helpers;
pub mod kernel;
pub mod network;
pub mod process;
pub mod syscalls;

use std::path::Path;

use super::inspect::Facts;
use super::needs::{NeedKind, Needs};
use crate::catalogue::Catalogue;
use crate::learn::evidence::Evidence;
use crate::pipeline::Scored;
use crate::settings::ExecSettings;
use crate::tables::SystemdTables;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Level {
    /// Settings that rarely break a daemon
    Baseline,
    /// The tightest settings that fit what unitguard can see of the service
    Strict,
}

/// One line of the drop-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub directive: String,
    pub value: String,
    /// Why this value (beyond the catalogue's comment), e.g. "keeps CAP_SETUID: nginx drops privileges itself".
    pub why: Option<String>,
}

pub struct Ctx<'a> {
    pub scored: &'a Scored,
    pub facts: &'a Facts,
    pub needs: &'a Needs,
    /// What `learn` saw, when the needs come from watching the service.
    pub evidence: Option<&'a Evidence>,
    pub level: Level,
    pub systemd_version: u32,
    pub tables: &'a SystemdTables,
    /// Peers the user allows through the IP firewall (`--allow-ip`).
    pub allow_ip: &'a [String],
    /// The root the unit lives under (paths are checked there).
    pub root: Option<&'a Path>,
}

impl Ctx<'_> {
    pub fn exec(&self) -> &ExecSettings {
        self.scored
            .settings
            .exec
            .as_ref()
            .expect("harden needs a unit with an exec context")
    }

    pub fn strict(&self) -> bool {
        self.level == Level::Strict
    }

    pub fn is_root(&self) -> bool {
        let e = self.exec();
        !e.dynamic_user && matches!(e.user.as_deref(), None | Some("root" | "0" | ""))
    }

    /// Whether the target systemd accepts `value` for a multi-valued setting (a value newer
    /// than `yes`, such as 257's `PrivateTmp=disconnected`).
    pub fn offers(&self, directive: &str, value: &str) -> bool {
        self.tables
            .rules
            .values(directive)
            .iter()
            .any(|w| w == value)
    }

    /// Another unit joins this one's namespaces (or it joins theirs): /tmp is shared then.
    pub fn shares_namespaces(&self) -> bool {
        self.scored
            .unit
            .files
            .iter()
            .flat_map(|f| &f.assignments)
            .any(|a| a.key == "JoinsNamespaceOf" && !a.value.is_empty())
    }

    /// The need that rules `directive` out (its catalogue `blocked_by`), and why.
    pub fn blocked(&self, directive: &str) -> Option<String> {
        let d = Catalogue::get().directive(directive)?;
        self.needs
            .blocking(&d.blocked_by)
            .map(|(_, why)| why.to_string())
    }
}

/// The lines being planned.
#[derive(Default)]
pub struct Plan {
    pub lines: Vec<Line>,
    systemd_version: u32,
}

impl Plan {
    pub fn push(&mut self, directive: &str, value: impl Into<String>, why: impl Into<String>) {
        let known = Catalogue::get()
            .directive(directive)
            .is_none_or(|d| d.since <= self.systemd_version);
        if known {
            let why: String = why.into();
            self.lines.push(Line {
                directive: directive.to_string(),
                value: value.into(),
                why: (!why.is_empty()).then_some(why),
            });
        }
    }

    /// `directive=yes` unless the unit has it or a need rules it out; `unseen` says what
    /// was not seen (the absence this line rests on).
    pub fn bool_on(&mut self, ctx: &Ctx, directive: &str, current: bool, unseen: &str) {
        if current || ctx.blocked(directive).is_some() {
            return;
        }
        self.push(directive, "yes", absent(ctx, unseen));
    }
}

/// The comment of a line that rests on something not seen.
pub fn absent(ctx: &Ctx, what: &str) -> String {
    if ctx.needs.observed {
        format!("not seen while learning: {what}; a path not exercised could need it")
    } else {
        format!("{what}: not known to be needed")
    }
}

/// The tightest drop-in lines for the service.
pub fn plan(ctx: &Ctx) -> Vec<Line> {
    let mut p = Plan {
        lines: Vec::new(),
        systemd_version: ctx.systemd_version,
    };
    if ctx.needs.has(NeedKind::UserSessions) {
        // Logins keep root's powers: their sandbox would be every admin session's.
        p.bool_on(
            ctx,
            "LockPersonality",
            ctx.exec().lock_personality,
            "personality() changes",
        );
        return p.lines;
    }
    filesystem::plan(ctx, &mut p);
    kernel::plan(ctx, &mut p);
    process::plan(ctx, &mut p);
    capabilities::plan(ctx, &mut p);
    syscalls::plan(ctx, &mut p);
    network::plan(ctx, &mut p);
    devices::plan(ctx, &mut p);
    p.lines
}
