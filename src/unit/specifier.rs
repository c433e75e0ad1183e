//! `%` specifiers in unit settings (systemd.unit(5) "Specifiers"), for the settings the
//! scorer reads. Unknown specifiers are an error, as in systemd.

use super::name;

/// What a unit knows about itself when its settings are expanded.
#[derive(Debug, Clone)]
pub struct SpecifierContext<'a> {
    /// The unit id (`foo@i.service`).
    pub id: &'a str,
    /// The fragment path, for `%y` / `%Y`.
    pub fragment: Option<&'a std::path::Path>,
}

/// A specifier systemd cannot expand: unknown, or its value cannot be computed (for example
/// `%f` of an instance that is not a valid escaped path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSpecifier {
    #[error("unknown specifier '%{0}'")]
    Unknown(char),
    #[error("specifier '%{0}' cannot be expanded for this unit")]
    Invalid(char),
}

fn read_trimmed(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn os_release(key: &str) -> String {
    let text = std::fs::read_to_string("/etc/os-release")
        .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches(['"', '\'']).to_string())
        .unwrap_or_default()
}

/// Expands `%` specifiers in `text` as systemd's unit_full_printf() does for a system unit.
pub fn expand(text: &str, ctx: &SpecifierContext) -> Result<String, BadSpecifier> {
    if !text.contains('%') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            out.push('%'); // a stray trailing % is kept
            break;
        };
        out.push_str(&lookup(spec, ctx)?);
    }
    Ok(out)
}

/// An absolute path from the environment (get_home_dir() / get_shell()), else the default
/// for root.
fn env_path(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| v.starts_with('/') && v.len() < 4096)
        .map_or_else(
            || default.to_string(),
            |v| crate::settings::values::simplify_path(&v),
        )
}

/// cg_escape(): names that could clash with cgroupfs' own files get a `_` prefix.
fn cg_escape(id: &str) -> String {
    const CONTROLLERS: &[&str] = &[
        "cpu",
        "cpuacct",
        "cpuset",
        "io",
        "blkio",
        "memory",
        "devices",
        "pids",
        "bpf-firewall",
        "bpf-devices",
        "bpf-foreign",
        "bpf-socket-bind",
        "bpf-restrict-network-interfaces",
    ];
    let controller = id
        .rsplit_once('.')
        .is_some_and(|(head, _)| CONTROLLERS.contains(&head));
    if id.is_empty()
        || id.starts_with(['_', '.'])
        || matches!(id, "notify_on_release" | "release_agent" | "tasks")
        || id.starts_with("cgroup.")
        || controller
    {
        format!("_{id}")
    } else {
        id.to_string()
    }
}

/// The pretty hostname (`%q`): PRETTY_HOSTNAME= of /etc/machine-info, else the hostname.
fn pretty_hostname() -> String {
    let text = std::fs::read_to_string("/etc/machine-info").unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == "PRETTY_HOSTNAME")
        .map(|(_, v)| v.trim().trim_matches(['"', '\'']).to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| read_trimmed("/proc/sys/kernel/hostname"))
}

fn lookup(spec: char, ctx: &SpecifierContext) -> Result<String, BadSpecifier> {
    let id = ctx.id;
    let prefix = name::prefix(id);
    let instance = name::instance(id).unwrap_or("");
    let last_component = |p: &str| p.rsplit_once('-').map_or(p, |(_, l)| l).to_string();
    let invalid = |_| BadSpecifier::Invalid(spec);
    Ok(match spec {
        '%' => "%".into(),
        'n' => id.into(),
        'N' => name::without_suffix(id).into(),
        'p' => prefix.into(),
        'P' => name::unescape(prefix).map_err(invalid)?,
        'i' => instance.into(),
        'I' => name::unescape(instance).map_err(invalid)?,
        'j' => last_component(prefix),
        'J' => name::unescape(&last_component(prefix)).map_err(invalid)?,
        'f' => {
            if name::instance(id).is_some() {
                name::unescape_path(instance).map_err(invalid)?
            } else {
                name::unescape_path(prefix).map_err(invalid)?
            }
        }
        // Offline there is no cgroup root and (at parse time) no slice yet.
        'c' => format!("/{}", cg_escape(id)),
        'r' | 'R' => String::new(),
        'q' => pretty_hostname(),
        'y' => ctx
            .fragment
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        'Y' => ctx
            .fragment
            .and_then(|p| p.parent())
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        'u' | 'g' => "root".into(),
        'U' | 'G' => "0".into(),
        'h' => env_path("HOME", "/root"),
        's' => env_path("SHELL", "/bin/sh"),
        'T' => "/tmp".into(),
        'V' => "/var/tmp".into(),
        'C' => "/var/cache".into(),
        'E' => "/etc".into(),
        'L' => "/var/log".into(),
        'S' => "/var/lib".into(),
        't' => "/run".into(),
        'd' => format!("/run/credentials/{id}"),
        'H' => read_trimmed("/proc/sys/kernel/hostname"),
        'l' => read_trimmed("/proc/sys/kernel/hostname")
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string(),
        'm' => read_trimmed("/etc/machine-id"),
        'b' => read_trimmed("/proc/sys/kernel/random/boot_id").replace('-', ""),
        'v' => read_trimmed("/proc/sys/kernel/osrelease"),
        'a' => "x86-64".into(),
        'o' => os_release("ID"),
        'w' => os_release("VERSION_ID"),
        'B' => os_release("BUILD_ID"),
        'W' => os_release("VARIANT_ID"),
        'A' => os_release("IMAGE_VERSION"),
        'M' => os_release("IMAGE_ID"),
        other => return Err(BadSpecifier::Unknown(other)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_instance_specifiers() {
        let ctx = SpecifierContext {
            id: "getty@tty1.service",
            fragment: None,
        };
        assert_eq!(
            expand("%i-%p-%n-%N-%%", &ctx).unwrap(),
            "tty1-getty-getty@tty1.service-getty@tty1-%"
        );
        assert_eq!(expand("%Z", &ctx), Err(BadSpecifier::Unknown('Z')));
        assert_eq!(expand("50%", &ctx).unwrap(), "50%");
    }
}
