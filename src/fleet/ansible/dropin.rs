//! A drop-in as the role's Jinja template, and what its header says.
//!
//! The text is kept as unitguard wrote it; only Jinja's own delimiters are escaped. A
//! directive named with `--per-host` becomes a loop over a list variable whose default is
//! the generated values, so group_vars can give each host group its own (IPAddressAllow=).

use crate::error::{Error, Result};

/// A per-host variable: its name and default values (one line of the directive each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerHostVar {
    pub var: String,
    pub directive: String,
    pub values: Vec<String>,
}

/// Jinja's delimiters written as expressions that print them.
fn escape_jinja(s: &str) -> String {
    s.replace("{{", "{{ '{{' }}")
        .replace("{%", "{{ '{%' }}")
        .replace("{#", "{{ '{#' }}")
}

/// `Key=value` of a setting line (not a comment or a section header).
fn setting(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    if t.starts_with(['#', ';', '[']) {
        return None;
    }
    let (k, v) = t.split_once('=')?;
    Some((k.trim(), v.trim()))
}

/// The template for `unit`'s drop-in `text`; the directives of `per_host` that it sets (with
/// a value: an empty reset line stays as it is) become variables.
pub fn template(unit: &str, text: &str, per_host: &[String]) -> (String, Vec<PerHostVar>) {
    let mut vars: Vec<PerHostVar> = Vec::new();
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let hit = setting(line).and_then(|(k, v)| {
            per_host
                .iter()
                .find(|d| d.as_str() == k && !v.is_empty())
                .map(|d| (d, v))
        });
        let Some((directive, value)) = hit else {
            out += &escape_jinja(line);
            continue;
        };
        if let Some(var) = vars.iter_mut().find(|v| &v.directive == directive) {
            var.values.push(value.to_string());
            continue;
        }
        let var = super::var_name(unit, directive);
        // Ansible's template module trims the newline after a block tag (trim_blocks).
        out += &format!(
            "{{% for v in ([{var}] if {var} is string else {var}) %}}\n{directive}={{{{ v }}}}\n{{% endfor %}}\n"
        );
        vars.push(PerHostVar {
            var,
            directive: directive.clone(),
            values: vec![value.to_string()],
        });
    }
    (out, vars)
}

/// What the header unitguard writes says about a drop-in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// From `# /etc/systemd/system/UNIT.d/hardening.conf`.
    pub unit: Option<String>,
    /// From `(profile P, systemd N)`.
    pub systemd_version: Option<u32>,
    /// From `Predicted exposure (systemd-analyze security): B LABEL -> A LABEL`, in tenths.
    pub before: Option<u64>,
    pub expected: Option<u64>,
}

/// Reads the header comments of a drop-in (the lines before the first section).
pub fn header(text: &str) -> Header {
    let mut h = Header::default();
    for line in text.lines().take_while(|l| !l.starts_with('[')) {
        let Some(c) = line.strip_prefix('#').map(str::trim) else {
            continue;
        };
        if let Some(unit) = c
            .strip_prefix("/etc/systemd/system/")
            .and_then(|r| r.strip_suffix(".d/hardening.conf"))
        {
            h.unit = Some(unit.to_string());
        }
        if let Some(v) = c
            .split_once(", systemd ")
            .and_then(|(_, r)| r.split(')').next())
            .and_then(|n| n.parse().ok())
        {
            h.systemd_version = Some(v);
        }
        if let Some(r) = c.strip_prefix("Predicted exposure (systemd-analyze security): ") {
            let mut nums = r
                .split_whitespace()
                .filter_map(|w| crate::cli::parse_exposure(w).ok());
            h.before = nums.next();
            h.expected = nums.next();
        }
    }
    h
}

/// Unit names the role can carry: a valid name without systemd's `\x2d` escapes (they would
/// need quoting in every YAML and Jinja context) and not a template (a template's drop-in
/// applies to every instance; give the instance to restart and verify).
pub fn check_unit_name(unit: &str, whence: &str) -> Result<()> {
    use crate::unit::name::{NameKind, classify};
    match classify(unit) {
        None => Err(Error::Usage(format!(
            "{whence}: {unit:?} is not a unit name"
        ))),
        Some(_) if unit.contains('\\') => Err(Error::Usage(format!(
            "{whence}: {unit}: unit names with escapes (\\x..) are not supported by the role"
        ))),
        Some(NameKind::Template) => Err(Error::Usage(format!(
            "{whence}: {unit} is a template; name the instance to restart and verify (e.g. {})",
            crate::unit::name::with_instance(unit, "main")
        ))),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DROPIN: &str = "# /etc/systemd/system/nginx.service.d/hardening.conf\n\
        # Hardening for nginx.service, written by unitguard 0.1.0 (profile baseline, systemd 252).\n\
        # Predicted exposure (systemd-analyze security): 9.6 UNSAFE -> 4.9 OK\n\
        # Remove this file and run `systemctl daemon-reload` to undo.\n\
        [Service]\n# a {{ brace\nIPAddressDeny=any\nIPAddressAllow=\nIPAddressAllow=localhost\nIPAddressAllow=10.0.0.0/8\nPrivateTmp=yes\n";

    #[test]
    fn header_fields() {
        assert_eq!(
            header(DROPIN),
            Header {
                unit: Some("nginx.service".into()),
                systemd_version: Some(252),
                before: Some(96),
                expected: Some(49),
            }
        );
        assert_eq!(header("[Service]\nPrivateTmp=yes\n"), Header::default());
    }

    #[test]
    fn per_host_directive_becomes_a_loop() {
        let (t, vars) = template("nginx.service", DROPIN, &["IPAddressAllow".into()]);
        assert_eq!(
            vars,
            [PerHostVar {
                var: "unitguard_nginx_service_ipaddressallow".into(),
                directive: "IPAddressAllow".into(),
                values: vec!["localhost".into(), "10.0.0.0/8".into()],
            }]
        );
        assert!(t.contains("# a {{ '{{' }} brace\n"), "{t}");
        assert!(
            t.contains("IPAddressAllow=\n{% for v in"),
            "the reset stays first: {t}"
        );
        assert_eq!(t.matches("IPAddressAllow={{ v }}").count(), 1, "{t}");
        assert!(t.ends_with("{% endfor %}\nPrivateTmp=yes\n"), "{t}");
        let (plain, none) = template("nginx.service", DROPIN, &[]);
        assert!(none.is_empty());
        assert_eq!(plain, DROPIN.replace("{{", "{{ '{{' }}"));
    }
}
