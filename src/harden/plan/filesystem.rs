//! Filesystem: ProtectSystem=strict with exactly the paths written, ProtectHome, PrivateTmp,
//! PrivateMounts, UMask and NoExecPaths/ExecPaths from what ran.

use std::collections::BTreeSet;
use std::path::Path;

use super::{Ctx, Plan, absent};
use crate::harden::needs::{Need, NeedKind};
use crate::learn::knowledge::under;
use crate::settings::modes::PrivateTmp;
use crate::unit::search::under_root;

fn rank(order: &[&str], v: &str) -> usize {
    order.iter().position(|x| *x == v).unwrap_or(0)
}

/// Directories the unit already makes writable (ReadWritePaths= and the *Directory= settings).
fn already_writable(ctx: &Ctx) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["ReadWritePaths", "ReadWriteDirectories"] {
        for v in crate::harden::inspect::raw_values(ctx.scored, key) {
            out.extend(
                v.split_whitespace()
                    .map(|p| p.trim_start_matches(['-', '+']).to_string()),
            );
        }
    }
    for (key, base) in [
        ("StateDirectory", "/var/lib"),
        ("CacheDirectory", "/var/cache"),
        ("LogsDirectory", "/var/log"),
        ("RuntimeDirectory", "/run"),
    ] {
        for v in crate::harden::inspect::raw_values(ctx.scored, key) {
            for d in v.split_whitespace() {
                let d = d.split(':').next().unwrap_or(d);
                out.push(format!("{base}/{d}"));
            }
        }
    }
    out
}

/// The directories to keep writable, collapsed under each other and without those the unit
/// already makes writable: from a trace, each written file's directory; without one, what
/// is known of the service ([`known_writable`]).
pub fn writable_dirs(ctx: &Ctx) -> Vec<(String, String)> {
    let candidates = if ctx.needs.observed {
        written_dirs(ctx)
    } else {
        known_writable(ctx)
    };
    let have = already_writable(ctx);
    let mut dirs: Vec<(String, String)> = Vec::new();
    for (dir, why) in candidates {
        if dir == "/" || have.iter().any(|h| under(&dir, h)) {
            continue;
        }
        if !dirs.iter().any(|(d, _)| d == &dir) {
            dirs.push((dir, why));
        }
    }
    dirs.sort();
    let all = dirs.clone();
    dirs.retain(|(d, _)| !all.iter().any(|(o, _)| o != d && under(d, o)));
    dirs
}

/// Each written file's directory (its parent, as files are often replaced by rename).
fn written_dirs(ctx: &Ctx) -> Vec<(String, String)> {
    let mut dirs = Vec::new();
    for s in ctx.needs.of_kind(NeedKind::Writes) {
        let Need::Writes(path) = &s.need else {
            continue;
        };
        if under(path, "/tmp") || under(path, "/var/tmp") || under(path, "/dev/shm") {
            continue; // PrivateTmp= gives a writable /tmp; /dev is not read-only
        }
        let u = ctx.evidence.and_then(|ev| ev.files.get(path));
        let is_dir = u.is_some_and(|u| u.dir) && Path::new(path).is_dir();
        let created_dir = u.is_some_and(|u| u.dir && u.create);
        let dir = if is_dir && !created_dir {
            path.clone()
        } else {
            Path::new(path)
                .parent()
                .map_or("/".to_string(), |p| p.display().to_string())
        };
        dirs.push((dir, s.why.clone()));
    }
    dirs
}

/// Without a trace: the directories its profile writes (`Need::Writes`), the usual
/// per-service directories and its PID file's directory, those that exist under the root (a
/// missing ReadWritePaths= entry fails with 226/NAMESPACE).
fn known_writable(ctx: &Ctx) -> Vec<(String, String)> {
    let mut dirs: Vec<(String, String)> = ctx
        .needs
        .of_kind(NeedKind::Writes)
        .filter_map(|s| match &s.need {
            Need::Writes(path) => Some((path.clone(), s.why.clone())),
            _ => None,
        })
        .collect();
    let mut names: Vec<String> = vec![crate::unit::name::prefix(&ctx.scored.unit.id).to_string()];
    names.extend(ctx.facts.binary_name.clone());
    names.extend(ctx.exec().user.clone());
    for n in names
        .iter()
        .filter(|n| !n.is_empty() && !n.contains('/') && *n != "root")
    {
        for base in ["/var/lib", "/var/log", "/var/cache", "/run"] {
            let path = format!("{base}/{n}");
            if under_root(ctx.root, Path::new(&path)).is_dir() {
                dirs.push((path.clone(), format!("{path} is there for it")));
            }
        }
    }
    if let Some(pid) = &ctx.facts.pid_file {
        if let Some(dir) = Path::new(pid).parent() {
            let dir = dir.display().to_string();
            let dir = if dir == "/var/run" {
                "/run".to_string()
            } else {
                dir.replace("/var/run/", "/run/")
            };
            dirs.push((dir, format!("writes its PID file {pid}")));
        }
    }
    dirs.retain(|(d, _)| under_root(ctx.root, Path::new(d)).exists());
    dirs
}

pub fn plan(ctx: &Ctx, p: &mut Plan) {
    let e = ctx.exec();
    if ctx.needs.has(NeedKind::EarlyBoot) {
        return;
    }
    // Without a trace, strict only at strict, and not for a service running setuid programs
    // (they write where they like: crontab, passwd, ...).
    let strict_fs =
        ctx.needs.observed || (ctx.strict() && !ctx.needs.has(NeedKind::SetuidPrograms));
    let target = if strict_fs { "strict" } else { "full" };
    let order = ["no", "yes", "full", "strict"];
    let tighter = rank(&order, target) > rank(&order, e.protect_system.as_str());
    if tighter && !strict_fs && ctx.blocked("ProtectSystem").is_none() {
        p.push(
            "ProtectSystem",
            "full",
            absent(ctx, "writes to /usr, /boot or /etc"),
        );
    } else if tighter && ctx.blocked("ProtectSystem").is_none() {
        let dirs = writable_dirs(ctx);
        let why = if !ctx.needs.observed {
            absent(ctx, "writes outside the paths below and /tmp")
        } else if dirs.is_empty() {
            absent(ctx, "writes outside /tmp")
        } else {
            "writes only the paths below".to_string()
        };
        p.push("ProtectSystem", "strict", why);
        for (dir, why) in dirs {
            // Without a trace only existing paths were chosen (under the root).
            let value = if !ctx.needs.observed || Path::new(&dir).exists() {
                dir.clone()
            } else {
                format!("-{dir}")
            };
            p.push("ReadWritePaths", value, why);
        }
    }
    // ProtectHome: hidden unless something below /home, /root or /run/user was used.
    let home = if let Some(w) = ctx.blocked("ProtectHome") {
        let _ = w;
        None
    } else if let Some(r) = ctx.needs.why(NeedKind::HomeRead) {
        Some(("read-only", r.to_string()))
    } else if !ctx.needs.observed && !ctx.strict() {
        // Without a trace, hidden only at strict.
        Some(("read-only", absent(ctx, "writes to home directories")))
    } else {
        let looked = ctx
            .evidence
            .into_iter()
            .flat_map(|ev| ev.files.keys())
            .find(|f| ["/home", "/root", "/run/user"].iter().any(|h| under(f, h)));
        let why = match looked {
            Some(f) => format!(
                "only looked up {f}; {}",
                absent(ctx, "reads of home directories")
            ),
            None => absent(ctx, "use of /home, /root or /run/user"),
        };
        Some(("yes", why))
    };
    if let Some((value, why)) = home {
        let order = ["no", "read-only", "tmpfs", "yes"];
        if rank(&order, value) > rank(&order, e.protect_home.as_str()) {
            p.push("ProtectHome", value, why);
        }
    }
    // 257: a /tmp of its own that no other unit can join (strict only: it lives in memory).
    if ctx.strict()
        && ctx.offers("PrivateTmp", "disconnected")
        && !ctx.shares_namespaces()
        && e.private_tmp != PrivateTmp::Disconnected
        && ctx.blocked("PrivateTmp").is_none()
    {
        p.push(
            "PrivateTmp",
            "disconnected",
            absent(
                ctx,
                "sockets or files shared with other programs in /tmp (and no JoinsNamespaceOf=)",
            ),
        );
    } else {
        p.bool_on(
            ctx,
            "PrivateTmp",
            e.private_tmp.is_set(),
            "sockets or files shared with other programs in /tmp",
        );
    }
    p.bool_on(ctx, "PrivateMounts", e.private_mounts.is_yes(), "mounts");
    if ctx.strict() && !ctx.needs.has(NeedKind::SetuidPrograms) {
        // Private (0077) unless it was seen making something others read by its mode;
        // without a trace, only group-readable (0027).
        let (mask, why) = match ctx.needs.why(NeedKind::SharedFiles) {
            Some(why) => (0o027, why.to_string()),
            None if ctx.needs.observed => (
                0o077,
                absent(ctx, "logs or shared files created for other users"),
            ),
            None => (
                0o027,
                absent(ctx, "other users reading the files it creates"),
            ),
        };
        if (e.umask | mask) != e.umask {
            p.push("UMask", format!("{:04o}", e.umask | mask), why);
        }
    }
    if ctx.strict()
        && ctx.needs.observed
        && ctx.blocked("NoExecPaths").is_none()
        && crate::harden::inspect::raw_values(ctx.scored, "NoExecPaths").is_empty()
        && crate::harden::inspect::raw_values(ctx.scored, "ExecPaths").is_empty()
    {
        let mut dirs: BTreeSet<String> = BTreeSet::new();
        for s in ctx.needs.of_kind(NeedKind::Executes) {
            let Need::Executes(path) = &s.need else {
                continue;
            };
            let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.into());
            let parts: Vec<String> = real
                .components()
                .skip(1)
                .take(2)
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if !parts.is_empty() {
                dirs.insert(format!("/{}", parts.join("/")));
            }
        }
        let all = dirs.clone();
        dirs.retain(|d| !all.iter().any(|o| o != d && under(d, o)));
        dirs.retain(|d| Path::new(d).exists());
        if !dirs.is_empty() {
            p.push(
                "NoExecPaths",
                "/",
                absent(ctx, "programs or libraries run from elsewhere"),
            );
            let list: Vec<String> = dirs.into_iter().collect();
            p.push(
                "ExecPaths",
                list.join(" "),
                "programs and libraries it ran or mapped live here",
            );
        }
    }
}
