//! OnCalendar= values: whether systemd's calendar_spec_from_string() accepts them. The parser
//! follows systemd 252's calendarspec.c (weekdays, date, time, time zone, shortcuts and
//! `@TIMESTAMP`) and its validity rules (ranges per field, repetitions that fit, years
//! 1970–2199, end-of-month days).

const USEC_PER_SEC: i64 = 1_000_000;
const MIN_YEAR: i64 = 1970;
const MAX_YEAR: i64 = 2199;

/// One element of a component chain (`start[..stop][/repeat]`).
#[derive(Debug, Clone, Copy)]
struct Component {
    start: i64,
    stop: i64,
    repeat: i64,
}

type Chain = Option<Vec<Component>>;

/// Whether systemd accepts `s` as a calendar specification.
pub fn is_valid(s: &str) -> bool {
    parse(s).is_some()
}

fn ends_with_no_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let n = s.len().checked_sub(suffix.len())?;
    (s.is_char_boundary(n) && s[n..].eq_ignore_ascii_case(suffix)).then(|| &s[..n])
}

/// The local time zone's standard and daylight-saving abbreviations (tzname[]).
fn local_tznames() -> Vec<String> {
    fn footer(path: &str) -> Option<String> {
        let data = std::fs::read(path).ok()?;
        if !data.starts_with(b"TZif") {
            return None;
        }
        let text = data.strip_suffix(b"\n")?;
        let start = text.iter().rposition(|&b| b == b'\n')? + 1;
        String::from_utf8(text[start..].to_vec()).ok()
    }
    fn names(posix: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = posix.trim_start_matches(':');
        for _ in 0..2 {
            let (name, after) = if let Some(r) = rest.strip_prefix('<') {
                match r.split_once('>') {
                    Some((n, a)) => (n.to_string(), a),
                    None => break,
                }
            } else {
                let n = rest
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(rest.len());
                (rest[..n].to_string(), &rest[n..])
            };
            if name.is_empty() {
                break;
            }
            out.push(name);
            rest = after
                .trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | ':'));
        }
        if out.len() == 1 {
            out.push(out[0].clone());
        }
        out
    }
    let tz = std::env::var("TZ").ok().filter(|t| !t.is_empty());
    let posix = match tz {
        Some(t) => {
            let zone = t.trim_start_matches(':');
            footer(&format!("/usr/share/zoneinfo/{zone}")).unwrap_or(t)
        }
        None => footer("/etc/localtime").unwrap_or_else(|| "UTC0".into()),
    };
    names(&posix)
}

/// verify_timezone(): a name under /usr/share/zoneinfo holding a TZif file ("UTC" always).
fn timezone_is_valid(name: &str) -> bool {
    if name == "UTC" {
        return true;
    }
    if name.is_empty() || name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return false;
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '/'))
    {
        return false;
    }
    let path = format!("/usr/share/zoneinfo/{name}");
    std::fs::metadata(&path).is_ok_and(|m| m.is_file())
        && std::fs::read(&path).is_ok_and(|d| d.starts_with(b"TZif"))
}

fn parse(input: &str) -> Option<()> {
    let mut p: String = input.to_string();
    if let Some(rest) = ends_with_no_case(input, " UTC") {
        p = rest.to_string();
    } else {
        let mut found = None;
        for name in local_tznames() {
            if name.is_empty() {
                continue;
            }
            if let Some(rest) = ends_with_no_case(input, &name) {
                if !rest.is_empty() && rest.ends_with(' ') {
                    found = Some(rest[..rest.len() - 1].to_string());
                    break;
                }
            }
        }
        if let Some(rest) = found {
            p = rest;
        } else if let Some(i) = input.rfind(' ') {
            if timezone_is_valid(&input[i + 1..]) {
                p = input[..i].to_string();
            }
        }
    }
    if p.is_empty() {
        return None;
    }
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
    if SHORTCUTS.iter().any(|s| s.eq_ignore_ascii_case(&p)) {
        return Some(());
    }
    let b = p.as_bytes();
    let mut i = 0;
    parse_weekdays(b, &mut i)?;
    let mut spec = Spec::default();
    let done = parse_date(b, &mut i, &mut spec)?;
    if !done {
        parse_time(b, &mut i, &mut spec)?;
    }
    if i != b.len() {
        return None;
    }
    spec.valid().then_some(())
}

#[derive(Default)]
struct Spec {
    year: Chain,
    month: Chain,
    day: Chain,
    hour: Chain,
    minute: Chain,
    usec: Chain,
    end_of_month: bool,
}

impl Spec {
    fn valid(&mut self) -> bool {
        if self.end_of_month && self.day.is_none() {
            self.end_of_month = false;
        }
        if let Some(years) = &mut self.year {
            for c in years.iter_mut() {
                for v in [&mut c.start, &mut c.stop] {
                    if (0..70).contains(v) {
                        *v += 2000;
                    } else if (70..100).contains(v) {
                        *v += 1900;
                    }
                }
            }
        }
        for chain in [
            &mut self.year,
            &mut self.month,
            &mut self.day,
            &mut self.hour,
            &mut self.minute,
            &mut self.usec,
        ]
        .into_iter()
        .flatten()
        {
            normalize(chain);
        }
        chain_valid(&self.year, MIN_YEAR, MAX_YEAR, false)
            && chain_valid(&self.month, 1, 12, false)
            && chain_valid(&self.day, 1, 31, self.end_of_month)
            && chain_valid(&self.hour, 0, 23, false)
            && chain_valid(&self.minute, 0, 59, false)
            && chain_valid(&self.usec, 0, 60 * USEC_PER_SEC - 1, false)
    }
}

/// normalize_chain(): trims `stop` to a whole number of repetitions and drops repetitions that
/// never trigger.
fn normalize(chain: &mut [Component]) {
    for c in chain {
        if c.stop > c.start && c.repeat > 0 {
            c.stop -= (c.stop - c.start) % c.repeat;
        }
        if (c.stop > c.start && c.repeat > 0 && c.start + c.repeat > c.stop) || c.start == c.stop {
            c.repeat = 0;
            c.stop = -1;
        }
    }
}

fn chain_valid(chain: &Chain, from: i64, to: i64, end_of_month: bool) -> bool {
    let Some(chain) = chain else { return true };
    let to = if end_of_month { to - 3 } else { to };
    chain.iter().all(|c| {
        if c.start < from || c.start > to || c.repeat > to - from {
            return false;
        }
        if c.stop >= 0 {
            c.stop >= from && c.stop <= to && c.start + c.repeat <= c.stop
        } else if end_of_month {
            c.start - c.repeat >= from
        } else {
            c.start + c.repeat <= to
        }
    })
}

fn parse_weekdays(b: &[u8], i: &mut usize) -> Option<()> {
    const DAYS: &[(&str, i32)] = &[
        ("Monday", 0),
        ("Mon", 0),
        ("Tuesday", 1),
        ("Tue", 1),
        ("Wednesday", 2),
        ("Wed", 2),
        ("Thursday", 3),
        ("Thu", 3),
        ("Friday", 4),
        ("Fri", 4),
        ("Saturday", 5),
        ("Sat", 5),
        ("Sunday", 6),
        ("Sun", 6),
    ];
    let mut l: i32 = -1;
    let mut first = true;
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    loop {
        let rest = &b[*i..];
        let Some(&(name, nr)) = DAYS.iter().find(|(n, _)| {
            rest.len() >= n.len() && rest[..n.len()].eq_ignore_ascii_case(n.as_bytes())
        }) else {
            return if first { Some(()) } else { None };
        };
        if !matches!(at(*i + name.len()), 0 | b'-' | b'.' | b',' | b' ') {
            return None;
        }
        if l >= 0 && l > nr {
            return None;
        }
        *i += name.len();
        if at(*i) == 0 {
            return Some(());
        }
        if at(*i) == b' ' {
            while at(*i) == b' ' {
                *i += 1;
            }
            return Some(());
        }
        match at(*i) {
            b'.' => {
                if l >= 0 || at(*i + 1) != b'.' {
                    return None;
                }
                l = nr;
                *i += 2;
            }
            b'-' => {
                if l >= 0 {
                    return None;
                }
                l = nr;
                *i += 1;
            }
            b',' => {
                l = -1;
                *i += 1;
            }
            _ => {}
        }
        if matches!(at(*i), 0 | b' ') {
            while at(*i) == b' ' {
                *i += 1;
            }
            return (l < 0).then_some(());
        }
        first = false;
    }
}

/// Returns whether the specification is complete (`@TIMESTAMP`: no time follows).
fn parse_date(b: &[u8], i: &mut usize, spec: &mut Spec) -> Option<bool> {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    if *i == b.len() {
        return Some(false);
    }
    if at(*i) == b'@' {
        // A plain number of seconds since the epoch.
        let rest = std::str::from_utf8(&b[*i + 1..]).ok()?;
        if rest.is_empty() || !rest.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let secs: f64 = rest.parse().ok()?;
        // calendar_spec_from_unix_time(): the year must be within the valid range.
        if secs >= (MAX_YEAR + 1 - 1970) as f64 * 365.2425 * 86400.0 {
            return None;
        }
        *i = b.len();
        return Some(true);
    }
    let mut t = *i;
    let first = parse_chain(b, &mut t, false)?;
    if matches!(at(t), 0 | b':') {
        return Some(false);
    }
    match at(t) {
        b'~' => spec.end_of_month = true,
        b'-' => {}
        _ => return None,
    }
    t += 1;
    let second = parse_chain(b, &mut t, false)?;
    if matches!(at(t), 0 | b' ') {
        while at(t) == b' ' {
            t += 1;
        }
        *i = t;
        spec.month = first;
        spec.day = second;
        return Some(false);
    } else if spec.end_of_month {
        return None;
    }
    match at(t) {
        b'~' => spec.end_of_month = true,
        b'-' => {}
        _ => return None,
    }
    t += 1;
    let third = parse_chain(b, &mut t, false)?;
    if !matches!(at(t), 0 | b' ') {
        return None;
    }
    while at(t) == b' ' {
        t += 1;
    }
    *i = t;
    spec.year = first;
    spec.month = second;
    spec.day = third;
    Some(false)
}

fn parse_time(b: &[u8], i: &mut usize, spec: &mut Spec) -> Option<()> {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    if *i == b.len() {
        return Some(()); // 00:00:00
    }
    let mut t = *i;
    let hour = parse_chain(b, &mut t, false)?;
    if at(t) != b':' {
        return None;
    }
    t += 1;
    let minute = parse_chain(b, &mut t, false)?;
    let usec = if at(t) == 0 {
        None
    } else {
        if at(t) != b':' {
            return None;
        }
        t += 1;
        let s = parse_chain(b, &mut t, true)?;
        if at(t) != 0 {
            return None;
        }
        s
    };
    *i = t;
    spec.hour = hour;
    spec.minute = minute;
    spec.usec = usec;
    Some(())
}

/// parse_chain(): `*` (no restriction) or components separated by `,`.
fn parse_chain(b: &[u8], i: &mut usize, usec: bool) -> Option<Chain> {
    if b.get(*i) == Some(&b'*') {
        *i += 1;
        return Some(if usec {
            Some(vec![Component {
                start: 0,
                stop: -1,
                repeat: USEC_PER_SEC,
            }])
        } else {
            None
        });
    }
    let mut chain = vec![component(b, i, usec)?];
    while b.get(*i) == Some(&b',') {
        *i += 1;
        chain.push(component(b, i, usec)?);
    }
    Some(Some(chain))
}

fn component(b: &[u8], i: &mut usize, usec: bool) -> Option<Component> {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    let start = decimal(b, i, usec)?;
    let mut stop = -1;
    let mut repeat = 0;
    if at(*i) == b'.' && at(*i + 1) == b'.' {
        *i += 2;
        stop = decimal(b, i, usec)?;
        repeat = if usec { USEC_PER_SEC } else { 1 };
    }
    if at(*i) == b'/' {
        *i += 1;
        repeat = decimal(b, i, usec)?;
        if repeat == 0 {
            return None;
        }
    } else {
        if start > i64::from(i32::MAX) - repeat {
            return None;
        }
        if usec && stop >= 0 && start + repeat > stop {
            return None;
        }
    }
    if !matches!(at(*i), 0 | b' ' | b',' | b'-' | b'~' | b':') {
        return None;
    }
    Some(Component {
        start,
        stop,
        repeat,
    })
}

/// parse_component_decimal(): digits; in the seconds field a fraction with up to six digits.
fn decimal(b: &[u8], i: &mut usize, usec: bool) -> Option<i64> {
    let at = |k: usize| b.get(k).copied().unwrap_or(0);
    if !at(*i).is_ascii_digit() {
        return None;
    }
    let mut value: i64 = 0;
    while at(*i).is_ascii_digit() {
        value = value
            .checked_mul(10)?
            .checked_add(i64::from(at(*i) - b'0'))?;
        *i += 1;
    }
    if usec {
        value = value.checked_mul(USEC_PER_SEC)?;
        if at(*i) == b'.' && at(*i + 1) != b'.' {
            *i += 1;
            if !at(*i).is_ascii_digit() {
                return None;
            }
            let mut add: i64 = 0;
            let mut digits = 0;
            while digits < 6 && at(*i).is_ascii_digit() {
                add = add * 10 + i64::from(at(*i) - b'0');
                *i += 1;
                digits += 1;
            }
            for _ in digits..6 {
                add *= 10;
            }
            if (b'5'..=b'9').contains(&at(*i)) {
                add += 1;
            }
            while at(*i).is_ascii_digit() {
                *i += 1;
            }
            value += add;
        }
    }
    (value <= i64::from(i32::MAX)).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn calendar_specs_like_systemd() {
        for ok in [
            "daily",
            "Mon,Tue",
            "Mon..Fri",
            "Mon *-*-* 00:00:00",
            "*:0/15",
            "12:00",
            "2024-1-1",
            "*-*~01",
            "*-*-* 8..17/2:00",
            "*:*:0/10.5",
            "2003-03-05 05:40 UTC",
            "@1234567",
            "Mon-Fri",
            "*-02-30",
            "1..3,5:00",
            "*~1",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "12",
            "Wed..Mon",
            "Mon..Wed..Fri",
            "today",
            "*-*-* 24:00",
            "*-*-* 23:59:60",
            "1969-01-01",
            "Thursdays",
            "*/2:00",
            "Mon, Tue",
            "1/0:00",
            "5..1:00",
            "Jan",
            "2024-01-01T12:00",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
