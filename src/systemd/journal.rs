//! Reading the journal (`journalctl -o json`, streamed record by record) and the kernel's
//! audit lines, as log lines for the denial signatures.
//!
//! Only what the system wrote decides which unit a line is about: journald's trusted
//! `_SYSTEMD_UNIT=` (from the sender's cgroup), or `UNIT=` on a message from PID 1. Any
//! program can log `UNIT=nginx.service` or name itself `nginx`; neither makes its lines
//! nginx's. Kernel lines carry a pid, which the caller matches against the unit's processes.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use crate::denials::LogLine;
use crate::error::{Error, Result};

/// The current time in microseconds since the epoch (journal timestamps).
pub fn now_usec() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// A journalctl --since value for a time in microseconds since the epoch.
pub fn since_arg(usec: u64) -> String {
    format!("@{}.{:06}", usec / 1_000_000, usec % 1_000_000)
}

/// Every value of a field: journalctl gives a string, a byte array for binary data, or an
/// array of those when the field has several values.
fn values(v: &serde_json::Value, key: &str) -> Vec<String> {
    fn one(x: &serde_json::Value) -> Option<String> {
        match x {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Array(b) if b.iter().all(|n| n.is_u64()) => {
                let bytes: Vec<u8> = b
                    .iter()
                    .filter_map(|n| n.as_u64())
                    .map(|n| n as u8)
                    .collect();
                Some(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => None,
        }
    }
    match v.get(key) {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) if !items.iter().all(|n| n.is_u64()) => {
            items.iter().filter_map(one).collect()
        }
        Some(x) => one(x).into_iter().collect(),
    }
}

fn first(v: &serde_json::Value, key: &str) -> Option<String> {
    values(v, key).into_iter().next()
}

/// `key=NUMBER` in a kernel audit line.
fn number_field(line: &str, key: &str) -> Option<u32> {
    let at = line.find(&format!(" {key}="))? + key.len() + 2;
    let digits: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// `key="text"` in a kernel audit line.
pub fn quoted_field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {key}=\""))? + key.len() + 3;
    let rest = &line[start..];
    Some(&rest[..rest.find('"')?])
}

/// Converts one `journalctl -o json` record: one line per value of MESSAGE.
pub fn parse_record(json: &str) -> Vec<LogLine> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    let transport = first(&v, "_TRANSPORT").unwrap_or_default();
    let kernel = transport == "kernel" || transport == "audit";
    let pid = first(&v, "_PID").and_then(|p| p.parse::<u32>().ok());
    // journald writes its trusted _PID in plain decimal; "+1" or "0001" (which parse as 1) are
    // not PID 1 and must not unlock the client-set UNIT= field.
    let from_pid1 = first(&v, "_PID").as_deref() == Some("1");
    let unit = if kernel {
        None
    } else if from_pid1 {
        // systemd's own lines about a unit (logged from init.scope).
        first(&v, "UNIT").or_else(|| first(&v, "_SYSTEMD_UNIT"))
    } else {
        first(&v, "_SYSTEMD_UNIT")
    };
    let received = first(&v, "__REALTIME_TIMESTAMP").and_then(|t| t.parse().ok());
    let uid = first(&v, "_UID").and_then(|u| u.parse().ok());
    // systemd's record of a process it started that seccomp killed: trusted from PID 1 only.
    let sigsys_command = (from_pid1
        && first(&v, "EXIT_CODE").as_deref() == Some("killed")
        && first(&v, "EXIT_STATUS").as_deref() == Some("31"))
    .then(|| first(&v, "COMMAND"))
    .flatten();
    let comm = first(&v, "_COMM");
    values(&v, "MESSAGE")
        .into_iter()
        .map(|message| LogLine {
            // A kernel audit line carries the exact time of the event.
            timestamp: if kernel {
                audit_time_usec(&message).or(received)
            } else {
                received
            },
            unit: unit.clone(),
            source: if kernel { "kernel" } else { "journal" }.into(),
            pid: if kernel {
                number_field(&message, "pid").or(pid)
            } else {
                pid
            },
            uid: if kernel {
                number_field(&message, "uid").or(uid)
            } else {
                uid
            },
            comm: if kernel {
                quoted_field(&message, "comm")
                    .map(str::to_string)
                    .or(comm.clone())
            } else {
                comm.clone()
            },
            sigsys_command: sigsys_command.clone(),
            message,
        })
        .collect()
}

/// journalctl's arguments: a unit's lines (its processes', and PID 1's about it) plus the
/// kernel and audit lines, which the caller attributes by pid.
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
        // Terms of different fields are ANDed; "+" ORs the groups.
        a.extend([
            format!("_SYSTEMD_UNIT={u}"),
            "+".into(),
            format!("UNIT={u}"),
            "_PID=1".into(),
            "+".into(),
            "_TRANSPORT=kernel".into(),
            "+".into(),
            "_TRANSPORT=audit".into(),
        ]);
    }
    a
}

/// Whether this machine has any journal files to read.
fn journal_files_exist() -> bool {
    ["/var/log/journal", "/run/log/journal"].iter().any(|d| {
        std::fs::read_dir(d).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let p = e.path();
                if p.is_dir() {
                    std::fs::read_dir(&p).is_ok_and(|inner| {
                        inner
                            .flatten()
                            .any(|f| f.file_name().to_string_lossy().contains(".journal"))
                    })
                } else {
                    p.to_string_lossy().contains(".journal")
                }
            })
        })
    })
}

/// Keeps the last `max` bytes read from `r` (a child's stderr), so a chatty child never
/// blocks on a full pipe.
pub fn drain_tail(mut r: impl Read, max: usize) -> Vec<u8> {
    let mut tail = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > 2 * max {
                    tail.drain(..tail.len() - max);
                }
            }
        }
    }
    if tail.len() > max {
        tail.drain(..tail.len() - max);
    }
    tail
}

/// Streams the journal's records (and, without `follow`, nothing else) to `f`, one line at
/// a time in constant memory, until the journal ends or `f` returns false. A journal that
/// cannot be read (no journal files, journalctl missing or failing, a user who cannot see the
/// system's messages) is an error, never an empty result.
pub fn stream(
    unit: Option<&str>,
    since: Option<&str>,
    follow: bool,
    mut f: impl FnMut(LogLine) -> bool,
) -> Result<()> {
    if !journal_files_exist() {
        return Err(Error::Other(
            "no journal to read: neither /var/log/journal nor /run/log/journal holds journal files (is systemd-journald running here?)"
                .into(),
        ));
    }
    let mut child = Command::new("journalctl")
        .args(args(unit, since, follow))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Other(format!("cannot run journalctl: {e}")))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| Error::Other("journalctl: no output".into()))?;
    let stderr = child.stderr.take();
    let errors =
        std::thread::spawn(move || stderr.map(|e| drain_tail(e, 4096)).unwrap_or_default());
    let mut reader = BufReader::new(stdout);
    let mut record = Vec::new();
    let mut stopped = false;
    loop {
        record.clear();
        match reader.read_until(b'\n', &mut record) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Other(format!("reading journalctl's output: {e}")));
            }
        }
        // journalctl writes binary fields as byte arrays, so a record is UTF-8; a damaged one
        // is read as far as it goes rather than ending the stream.
        let text = String::from_utf8_lossy(&record);
        if parse_record(&text).into_iter().any(|l| !f(l)) {
            stopped = true;
            break;
        }
    }
    if stopped {
        let _ = child.kill();
    }
    let status = child
        .wait()
        .map_err(|e| Error::Other(format!("journalctl: {e}")))?;
    let err = String::from_utf8_lossy(&errors.join().unwrap_or_default()).into_owned();
    let denied = err.contains("not seeing messages from other users and the system")
        || err.contains("insufficient permissions");
    if !stopped && !status.success() && !denied {
        return Err(Error::Other(format!(
            "journalctl failed ({status}): {}",
            err.trim()
        )));
    }
    if denied {
        return Err(Error::Other(format!(
            "cannot read the system journal as this user (journalctl: {}); run as root or in the systemd-journal group",
            err.lines().next().unwrap_or_default().trim()
        )));
    }
    Ok(())
}

/// "@1700000000.25" → microseconds since the epoch.
pub fn parse_at_seconds(s: &str) -> Option<u64> {
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
    // A forged `audit(99999999999999999999.1:2)` must not overflow.
    int.parse::<u64>()
        .ok()?
        .checked_mul(1_000_000)?
        .checked_add(usec.parse::<u64>().ok()?)
}

/// The event time of a kernel audit line, `audit(1700000000.123:45)`, in microseconds.
fn audit_time_usec(line: &str) -> Option<u64> {
    let start = line.find("audit(")? + "audit(".len();
    let rest = &line[start..];
    let end = rest.find(':')?;
    parse_at_seconds(&format!("@{}", &rest[..end]))
}

/// Seccomp audit lines (type=1326) from the kernel ring buffer, since a time: in containers
/// they never reach the container's journal, only the host's. Each carries the pid, uid and
/// comm of the process the kernel acted on.
pub fn kernel_audit_lines(since_usec: Option<u64>) -> Vec<LogLine> {
    let Ok(out) = Command::new("dmesg")
        .args(["--time-format=iso", "--nopager"])
        .stdin(Stdio::null())
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
                pid: number_field(l, "pid"),
                uid: number_field(l, "uid"),
                comm: quoted_field(l, "comm").map(str::to_string),
                sigsys_command: None,
                message: l.to_string(),
            })
        })
        .collect()
}

/// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS,ffffff+HH:MM" (UTC offsets honoured).
/// Works on bytes: a line of any content never makes it panic.
fn parse_iso_seconds(s: &str) -> Option<u64> {
    let (date, rest) = s.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = rest.get(..8)?;
    let mut t = time.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    // Fields out of range are not a time (and keep the arithmetic below from overflowing).
    let fields_ok = (0..=9999).contains(&y)
        && (1..=12).contains(&m)
        && (1..=31).contains(&day)
        && (0..=24).contains(&hh)
        && (0..=59).contains(&mm)
        && (0..=60).contains(&ss);
    if !fields_ok {
        return None;
    }
    let offset = rest.rfind(['+', '-']).and_then(|i| {
        let sign = if rest.as_bytes()[i] == b'-' { -1 } else { 1 };
        let (oh, om) = rest.get(i + 1..)?.split_once(':')?;
        let (oh, om) = (oh.parse::<i64>().ok()?, om.parse::<i64>().ok()?);
        ((0..=99).contains(&oh) && (0..=59).contains(&om)).then(|| sign * (oh * 3600 + om * 60))
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
        let l = parse_record(
            r#"{"__REALTIME_TIMESTAMP":"1700000000000000","_SYSTEMD_UNIT":"nginx.service","MESSAGE":"hello","_PID":"7"}"#,
        );
        assert_eq!(
            (
                l[0].timestamp,
                l[0].unit.as_deref(),
                l[0].message.as_str(),
                l[0].pid
            ),
            (
                Some(1_700_000_000_000_000),
                Some("nginx.service"),
                "hello",
                Some(7)
            )
        );
        let l = parse_record(r#"{"MESSAGE":[104,105],"_TRANSPORT":"kernel"}"#);
        assert_eq!(
            (l[0].message.as_str(), l[0].source.as_str()),
            ("hi", "kernel")
        );
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
        // Found by fuzz/journal_record: seconds beyond u64 microseconds.
        assert_eq!(parse_at_seconds("@18446744073709551615.5"), None);
        assert_eq!(parse_at_seconds("@18446744073709.551615"), Some(u64::MAX));
        assert_eq!(
            audit_time_usec(
                r#"[ 6125.359587] audit: type=1326 audit(1795485536.440:2): auid=4294967295 pid=3 comm="nginx" syscall=50"#
            ),
            Some(1_795_485_536_440_000)
        );
    }

    #[test]
    fn only_trusted_fields_name_the_unit() {
        // A user's `logger --journald` with UNIT=nginx.service: journald puts the sender's own
        // unit (or none) in _SYSTEMD_UNIT, and the UNIT= it wrote counts for nothing.
        let forged = parse_record(
            r#"{"UNIT":"nginx.service","_PID":"4242","_UID":"1000","_SYSTEMD_UNIT":"session-1.scope","MESSAGE":"open() failed (30: Read-only file system)"}"#,
        );
        assert_eq!(forged[0].unit.as_deref(), Some("session-1.scope"));
        let no_unit = parse_record(r#"{"UNIT":"nginx.service","_PID":"4242","MESSAGE":"x"}"#);
        assert_eq!(no_unit[0].unit, None);
        let pid1 = parse_record(
            r#"{"UNIT":"nginx.service","_PID":"1","_SYSTEMD_UNIT":"init.scope","EXIT_CODE":"killed","EXIT_STATUS":"31","COMMAND":"ExecStart","MESSAGE":"nginx.service: Main process exited, code=killed, status=31/SYS"}"#,
        );
        assert_eq!(pid1[0].unit.as_deref(), Some("nginx.service"));
        assert_eq!(pid1[0].sigsys_command.as_deref(), Some("ExecStart"));
        // The same fields from any other process mean nothing.
        let forged = parse_record(
            r#"{"UNIT":"nginx.service","_PID":"77","EXIT_CODE":"killed","EXIT_STATUS":"31","COMMAND":"ExecStart","MESSAGE":"x"}"#,
        );
        assert_eq!(forged[0].sigsys_command, None);
        // Only journald's own spelling of PID 1 counts: "0001" and "+1" parse as 1 but are not
        // what journald writes (found by the journal_record fuzz target).
        for spelled in ["0001", "+1"] {
            let odd = parse_record(&format!(
                r#"{{"UNIT":"nginx.service","_PID":"{spelled}","EXIT_CODE":"killed","EXIT_STATUS":"31","COMMAND":"ExecStart","MESSAGE":"x"}}"#
            ));
            assert_eq!(odd[0].unit, None, "{spelled}");
            assert_eq!(odd[0].sigsys_command, None, "{spelled}");
        }
        // USER_UNIT= is never trusted here.
        let user = parse_record(r#"{"USER_UNIT":"nginx.service","_PID":"9","MESSAGE":"x"}"#);
        assert_eq!(user[0].unit, None);
    }

    #[test]
    fn multi_valued_fields_are_kept() {
        let l = parse_record(
            r#"{"_SYSTEMD_UNIT":"a.service","MESSAGE":["first",[115,101,99,111,110,100]]}"#,
        );
        let messages: Vec<&str> = l.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(messages, ["first", "second"]);
        assert!(l.iter().all(|x| x.unit.as_deref() == Some("a.service")));
    }

    #[test]
    fn kernel_lines_carry_the_process_not_a_unit() {
        let l = parse_record(
            r#"{"_TRANSPORT":"kernel","MESSAGE":"audit: type=1326 audit(1.2:3): auid=4294967295 uid=33 gid=33 ses=4294967295 pid=812 comm=\"nginx\" exe=\"/usr/sbin/nginx\" sig=31 syscall=50"}"#,
        );
        assert_eq!(l[0].unit, None);
        assert_eq!(
            (l[0].pid, l[0].uid, l[0].comm.as_deref()),
            (Some(812), Some(33), Some("nginx"))
        );
    }

    #[test]
    fn iso_times_of_any_bytes_never_panic() {
        for s in [
            "2023-11-14Té",
            "2023-11-14T22:13:2é",
            "T",
            "2023-11-14T22:13:20,0+é:00",
            "1-1-1T00:00:00+",
        ] {
            let _ = parse_iso_seconds(s);
        }
        assert_eq!(parse_iso_seconds("2023-11-14T2é:13:20+00:00"), None);
        // Out of range, and no overflow in debug builds (fuzz/journal_record).
        assert_eq!(
            parse_iso_seconds("2023-11-14T22:13:20+9223372036854775807:00"),
            None
        );
        assert_eq!(
            parse_iso_seconds("9223372036854775807-11-14T22:13:20+00:00"),
            None
        );
    }
}
