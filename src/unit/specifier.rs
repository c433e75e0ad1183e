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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown specifier '%{0}'")]
pub struct BadSpecifier(pub char);

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

fn lookup(spec: char, ctx: &SpecifierContext) -> Result<String, BadSpecifier> {
    let id = ctx.id;
    let prefix = name::prefix(id);
    let instance = name::instance(id).unwrap_or("");
    let last_component = |p: &str| p.rsplit_once('-').map_or(p, |(_, l)| l).to_string();
    Ok(match spec {
        '%' => "%".into(),
        'n' => id.into(),
        'N' => name::without_suffix(id).into(),
        'p' => prefix.into(),
        'P' => name::unescape(prefix),
        'i' => instance.into(),
        'I' => name::unescape(instance),
        'j' => last_component(prefix),
        'J' => name::unescape(&last_component(prefix)),
        'f' => {
            if name::instance(id).is_some() {
                name::unescape_path(instance)
            } else {
                name::unescape_path(prefix)
            }
        }
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
        'h' => "/root".into(),
        's' => "/bin/sh".into(),
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
        other => return Err(BadSpecifier(other)),
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
        assert_eq!(expand("%Z", &ctx), Err(BadSpecifier('Z')));
        assert_eq!(expand("50%", &ctx).unwrap(), "50%");
    }
}
