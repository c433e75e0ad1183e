//! The smoke command: a shell command that must succeed after the restart. Its output is
//! drained as it comes (only the tail is kept for the message), so a command that prints
//! megabytes never blocks on a full pipe.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::systemd::journal::drain_tail;

/// How much of the command's stderr (or stdout, when stderr is empty) the message shows.
const TAIL: usize = 2048;

/// Runs `cmd` with `sh -c`, killed after `timeout`; `Err` says why it failed.
pub fn run(cmd: &str, timeout: Duration) -> Result<(), String> {
    let mut child = Command::new("sh")
        .args(["-c", cmd])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run smoke command: {e}"))?;
    let out = child
        .stdout
        .take()
        .map(|o| std::thread::spawn(move || drain_tail(o, TAIL)));
    let err = child
        .stderr
        .take()
        .map(|e| std::thread::spawn(move || drain_tail(e, TAIL)));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("smoke command: {e}")),
        }
    };
    // The command is gone; a background process it left holding the pipes must not keep
    // us waiting, so the readers are only joined when they have finished.
    let tail = |h: Option<std::thread::JoinHandle<Vec<u8>>>| {
        h.filter(|h| {
            let t0 = Instant::now();
            while !h.is_finished() && t0.elapsed() < Duration::from_secs(2) {
                std::thread::sleep(Duration::from_millis(10));
            }
            h.is_finished()
        })
        .and_then(|h| h.join().ok())
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default()
    };
    let (stdout, stderr) = (tail(out), tail(err));
    match status {
        Some(s) if s.success() => Ok(()),
        Some(s) => {
            let shown = if stderr.is_empty() { stdout } else { stderr };
            Err(format!(
                "smoke command `{cmd}` failed ({s}){}",
                if shown.is_empty() {
                    String::new()
                } else {
                    format!(": {}", crate::denials::escape_control(&shown))
                }
            ))
        }
        None => Err(format!(
            "smoke command `{cmd}` did not finish within {}s",
            timeout.as_secs()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_printing_a_lot_neither_blocks_nor_floods_the_message() {
        let t0 = Instant::now();
        // 200 KB on each pipe, more than a pipe holds: a reader that waits for the exit
        // would deadlock here.
        run(
            "head -c 200000 /dev/zero | tr '\\0' x; head -c 200000 /dev/zero >&2",
            Duration::from_secs(20),
        )
        .unwrap();
        assert!(t0.elapsed() < Duration::from_secs(10));
        let e = run(
            "head -c 200000 /dev/zero | tr '\\0' y >&2; exit 3",
            Duration::from_secs(20),
        )
        .unwrap_err();
        assert!(e.contains("exit status: 3"), "{e}");
        assert!(e.len() < TAIL + 200, "{} bytes", e.len());
        assert!(e.ends_with("yyyy"), "{e}");
    }

    #[test]
    fn a_hanging_command_times_out() {
        let e = run("sleep 30", Duration::from_millis(300)).unwrap_err();
        assert!(e.contains("did not finish within 0s"), "{e}");
    }
}
