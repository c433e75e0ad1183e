//! OnCalendar= values (systemd's calendar_spec_from_string()), as far as loading a timer
//! needs: is the specification valid?

/// Whether systemd accepts `s` as a calendar specification.
pub fn is_valid(s: &str) -> bool {
    const SHORTCUTS: &[&str] = &[
        "minutely",
        "hourly",
        "daily",
        "monthly",
        "annually",
        "yearly",
        "anually",
        "weekly",
        "quarterly",
        "biannually",
        "bi-annually",
        "semiannually",
        "semi-annually",
    ];
    let t = s.trim();
    if SHORTCUTS.iter().any(|x| x.eq_ignore_ascii_case(t)) {
        return true;
    }
    !t.is_empty() && t.chars().any(|c| c.is_ascii_digit() || c == '*')
}
