//! Reading the journal (`journalctl -o json`) and the kernel's audit lines, as log lines
//! for the denial signatures.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::denials::LogLine;
use crate::error::{Error, Result};

/// The current time in microseconds since the epoch (journal timestamps).
pub fn now_usec() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

fn message_of(v: &serde_json::Value) -> Option<String> {
    match v.get("MESSAGE")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(bytes) => {
            let b: Vec<u8> = bytes
                .iter()
                .filter_map(|x| x.as_u64().map(|n| n as u8))
                .collect();
            Some(String::from_utf8_lossy(&b).into_owned())
        }
        _ => None,
    }
}

/// Converts one `journalctl -o json` record.
pub fn parse_record(json: &str) -> Option<LogLine> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    // UNIT= names the unit a message is about (systemd's own lines, logged from init.scope);
    // _SYSTEMD_UNIT= the unit of the process that logged it.
    let unit = ["UNIT", "USER_UNIT", "_SYSTEMD_UNIT"]
        .iter()
        .find_map(|k| v.get(*k).and_then(|u| u.as_str()).map(str::to_string));
    let kernel = v
        .get("_TRANSPORT")
        .and_then(|t| t.as_str())
        .is_some_and(|t| t == "kernel" || t == "audit");
    Some(LogLine {
        timestamp: v
            .get("__REALTIME_TIMESTAMP")
            .and_then(|t| t.as_str())
            .and_then(|t| t.parse().ok()),
        unit,
        source: if kernel { "kernel" } else { "journal" }.into(),
        message: message_of(&v)?,
    })
}

/// journalctl arguments selecting a unit's lines (its processes' and systemd's about it)
/// plus kernel audit lines, since a time.
/// A journalctl --since value for a time in microseconds since the epoch.
pub fn since_arg(usec: u64) -> String {
    format!("@{}.{:06}", usec / 1_000_000, usec % 1_000_000)
}

fn args(unit: Option<&str>, since: Option<&str>, follow: bool) -> Vec<String> {
    let mut a = vec!["-o".to_string(), "json".into(), "--no-pager".into()];
    if let Some(s) = since {
        a.push(format!("--since={s}"));
    }
    if follow {
        a.push("--follow".into());
        a.push("--lines=0".into());
    }
    if let Some(u) = unit {
        // Matches are ORed across fields with "+".
        a.extend([
            format!("_SYSTEMD_UNIT={u}"),
            "+".into(),
            format!("UNIT={u}"),
            "+".into(),
            "_TRANSPORT=kernel".into(),
            "+".into(),
            "_TRANSPORT=audit".into(),
        ]);
    }
    a
}

/// Reads the journal (and kernel lines) since `since` (a journalctl time).
pub fn read(
    unit: Option<&str>,
    since: Option<&str>,
    since_usec: Option<u64>,
) -> Result<Vec<LogLine>> {
    let out = Command::new("journalctl")
        .args(args(unit, since, false))
        .output()
        .map_err(|e| Error::Other(format!("cannot run journalctl: {e}")))?;
    let mut lines: Vec<LogLine> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(parse_record)
        .collect();
    // `--since @SECONDS[.FRACTION]` cuts the kernel lines too; other forms of `since` are
    // journalctl's to interpret, and then every kernel audit line is read.
    let since_usec = since_usec.or_else(|| since.and_then(parse_at_seconds));
    let mut kernel = kernel_audit_lines(since_usec);
    if let Some(u) = unit {
        // The kernel lines name a process, not a unit: keep those of the unit's programs.
        let names = crate::systemd::control::program_names(u);
        kernel.retain(|l| kernel_line_is_from(&l.message, &names));
        for l in &mut kernel {
            l.unit = Some(u.to_string());
        }
    }
    lines.extend(kernel);
    Ok(lines)
}

fn quoted_field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {key}=\""))? + key.len() + 3;
    let rest = &line[start..];
    Some(&rest[..rest.find('"')?])
}

/// Whether a kernel audit line (`comm="nginx" exe="/usr/sbin/nginx"`) is from one of the
/// programs in `names` (paths, executables or command names). `comm` is cut to 15 bytes.
pub fn kernel_line_is_from(line: &str, names: &[String]) -> bool {
    let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let cut = |s: &str| s.chars().take(15).collect::<String>();
    let exe = quoted_field(line, "exe");
    let comm = quoted_field(line, "comm");
    names.iter().any(|n| {
        exe.is_some_and(|e| e == n || base(e) == base(n))
            || comm.is_some_and(|c| !c.is_empty() && c == cut(&base(n)))
    })
}

/// "@1700000000.25" → microseconds since the epoch.
fn parse_at_seconds(s: &str) -> Option<u64> {
    let rest = s.strip_prefix('@')?;
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut usec: String = frac.chars().take(6).collect();
    while usec.len() < 6 {
        usec.push('0');
    }
    Some(int.parse::<u64>().ok()? * 1_000_000 + usec.parse::<u64>().ok()?)
}

/// The event time of a kernel audit line, `audit(1700000000.123:45)`, in microseconds.
fn audit_time_usec(line: &str) -> Option<u64> {
    let start = line.find("audit(")? + "audit(".len();
    let rest = &line[start..];
    let end = rest.find(':')?;
    parse_at_seconds(&format!("@{}", &rest[..end]))
}

/// Calls `f` for every new line until it returns false.
pub fn follow(unit: Option<&str>, mut f: impl FnMut(LogLine) -> bool) -> Result<()> {
    let mut child = Command::new("journalctl")
        .args(args(unit, None, true))
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Other(format!("cannot run journalctl: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::Other("journalctl: no output".into()))?;
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        if let Some(l) = parse_record(&line) {
            if !f(l) {
                break;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}

/// Seccomp audit lines (type=1326) from the kernel ring buffer: in containers they never
/// reach the container's journal, only the host's.
fn kernel_audit_lines(since_usec: Option<u64>) -> Vec<LogLine> {
    let Ok(out) = Command::new("dmesg")
        .args(["--time-format=iso", "--nopager"])
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("type=1326"))
        .filter_map(|l| {
            // The audit record's own time, audit(SECONDS.MILLIS:SERIAL), is exact; dmesg's
            // "2026-11-22T10:00:00,123456+00:00" is derived from the boot clock and can drift
            // by seconds, so it is only the fallback (to the second).
            let exact = audit_time_usec(l);
            if let Some(cut) = since_usec {
                let keep = match exact {
                    Some(t) => t >= cut,
                    None => {
                        let ts = l.split_whitespace().next().unwrap_or_default();
                        parse_iso_seconds(ts).is_none_or(|t| t >= cut / 1_000_000)
                    }
                };
                if !keep {
                    return None;
                }
            }
            Some(LogLine {
                timestamp: exact,
                unit: None,
                source: "kernel".into(),
                message: l.to_string(),
            })
        })
        .collect()
}

/// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS,ffffff+HH:MM" (UTC offsets honoured).
fn parse_iso_seconds(s: &str) -> Option<u64> {
    let (date, rest) = s.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = &rest[..8.min(rest.len())];
    let mut t = time.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    let offset = rest.rfind(['+', '-']).and_then(|i| {
        let sign = if &rest[i..i + 1] == "-" { -1 } else { 1 };
        let (oh, om) = rest[i + 1..].split_once(':')?;
        Some(sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60))
    })?;
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    u64::try_from(days * 86400 + hh * 3600 + mm * 60 + ss - offset).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_journal_json_and_iso_times() {
        let l = parse_record(r#"{"__REALTIME_TIMESTAMP":"1700000000000000","_SYSTEMD_UNIT":"nginx.service","MESSAGE":"hello"}"#).unwrap();
        assert_eq!(
            (l.timestamp, l.unit.as_deref(), l.message.as_str()),
            (Some(1_700_000_000_000_000), Some("nginx.service"), "hello")
        );
        let l = parse_record(r#"{"MESSAGE":[104,105],"_TRANSPORT":"kernel"}"#).unwrap();
        assert_eq!((l.message.as_str(), l.source.as_str()), ("hi", "kernel"));
        assert_eq!(
            parse_iso_seconds("2023-11-14T22:13:20,000000+00:00"),
            Some(1_700_000_000)
        );
        assert_eq!(
            parse_iso_seconds("2023-11-14T23:13:20,5+01:00"),
            Some(1_700_000_000)
        );
        assert_eq!(parse_at_seconds("@1700000000"), Some(1_700_000_000_000_000));
        assert_eq!(
            parse_at_seconds("@1700000000.25"),
            Some(1_700_000_000_250_000)
        );
        assert_eq!(parse_at_seconds("-1h"), None);
        let audit = r#"audit: type=1326 audit(1.2:3): pid=9 comm="systemd-memcach" exe="/usr/bin/perl" sig=31 syscall=50"#;
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(kernel_line_is_from(
            audit,
            &names(&["/usr/share/memcached/scripts/systemd-memcached-wrapper"])
        ));
        assert!(kernel_line_is_from(audit, &names(&["/usr/bin/perl"])));
        assert!(!kernel_line_is_from(
            audit,
            &names(&["/usr/sbin/nginx", "nginx"])
        ));
        assert_eq!(
            audit_time_usec(
                r#"[ 6125.359587] audit: type=1326 audit(1795485536.440:2): auid=4294967295 pid=3 comm="nginx" syscall=50"#
            ),
            Some(1_795_485_536_440_000)
        );
    }
}
