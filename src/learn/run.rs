//! Running a program under strace and reading the trace while it runs: strace writes to a
//! FIFO that unitguard reads, so nothing is stored on disk and the traced program's sandbox
//! needs no writable path (a FIFO opens for writing even on a read-only mount).

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustix::fs::{Mode, OFlags};

use super::evidence::{Evidence, Run};
use super::fanotify::{OpenWatch, Watched};
use super::observe::{Cred, Observer};
use super::strace::Reader;
use super::strace::command::Strace;
use crate::error::{Error, Result};

/// What a FIFO's reader saw: the evidence and the parser's counts.
#[derive(Debug, Default)]
pub struct Traced {
    pub evidence: Evidence,
    pub lines: u64,
    pub unknown: u64,
    pub samples: Vec<String>,
}

/// A FIFO being read by a thread into evidence.
pub struct Tap {
    pub path: PathBuf,
    /// Our own writer, so the reader sees no end of file before we say so (strace opens
    /// and closes the FIFO once per traced start).
    keep_open: Option<File>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<(Observer, Reader)>>,
}

impl Tap {
    /// Makes the FIFO `path` (mode `mode`: 0622 lets a service running as another user
    /// write to it) and starts reading it.
    pub fn open(path: &Path, mode: u32, initial: Cred) -> Result<Tap> {
        let _ = std::fs::remove_file(path);
        rustix::fs::mknodat(
            rustix::fs::CWD,
            path,
            rustix::fs::FileType::Fifo,
            Mode::from_raw_mode(mode),
            0,
        )
        .map_err(|e| Error::io(path, std::io::Error::from_raw_os_error(e.raw_os_error())))?;
        // mknod applies the umask; set the mode the services need.
        rustix::fs::chmod(path, Mode::from_raw_mode(mode))
            .map_err(|e| Error::io(path, std::io::Error::from_raw_os_error(e.raw_os_error())))?;
        let fd = rustix::fs::open(
            path,
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::io(path, std::io::Error::from_raw_os_error(e.raw_os_error())))?;
        let keep_open = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        // Room for a burst of lines while the reader naps (see read_loop); the default 64 KiB
        // would block strace, and so the traced service, after some 700 lines.
        let _ = rustix::pipe::fcntl_setpipe_size(&fd, PIPE_SIZE);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let reader_file = File::from(fd);
        let thread = std::thread::spawn(move || read_loop(reader_file, initial, &stop2));
        Ok(Tap {
            path: path.to_path_buf(),
            keep_open: Some(keep_open),
            stop,
            thread: Some(thread),
        })
    }

    /// Stops reading once every writer has closed the FIFO (or `grace` has passed without
    /// data after that, should a tracer hang around) and returns what was seen, with the
    /// opens `watched` by fanotify while strace left them untraced.
    pub fn finish(mut self, grace: Duration, watched: Option<&Watched>) -> Traced {
        self.keep_open = None;
        let deadline = Instant::now() + grace;
        let thread = self.thread.take().expect("finished once");
        while !thread.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop.store(true, Ordering::SeqCst);
        let (mut obs, reader) = thread
            .join()
            .unwrap_or_else(|_| (Observer::new(Cred::ROOT), Reader::default()));
        let _ = std::fs::remove_file(&self.path);
        if let Some(w) = watched {
            obs.opened(w);
        }
        Traced {
            evidence: obs.finish(),
            lines: reader.lines,
            unknown: reader.unknown,
            samples: reader.samples,
        }
    }
}

/// The FIFO's buffer: 1 MiB, the most an unprivileged process may ask for (pipe-max-size).
const PIPE_SIZE: usize = 1 << 20;

/// How long the reader lets lines gather before it reads them. strace writes each call
/// with one or two write()s; a reader that wakes on each one costs a busy service as much
/// CPU as a third of strace's own (measured on nginx: 300 ms per 20,000 requests). Napping
/// wakes it at most 100 times a second, and 10 ms of even a very busy trace (some 1.5 MB/s
/// measured) fit in the buffer many times over.
const NAP: Duration = Duration::from_millis(10);

/// Reads lines until end of file (every writer gone) or `stop`. The FIFO was opened
/// non-blocking; poll() waits for data so that `stop` is checked now and then.
fn read_loop(file: File, initial: Cred, stop: &AtomicBool) -> (Observer, Reader) {
    let mut obs = Observer::new(initial);
    let mut reader = Reader::default();
    let mut buf = BufReader::with_capacity(PIPE_SIZE, file);
    let mut line: Vec<u8> = Vec::with_capacity(512);
    loop {
        let mut pfd = [rustix::event::PollFd::new(
            buf.get_ref(),
            rustix::event::PollFlags::IN,
        )];
        let timeout = rustix::event::Timespec {
            tv_sec: 0,
            tv_nsec: 200_000_000,
        };
        if buf.buffer().is_empty() {
            match rustix::event::poll(&mut pfd, Some(&timeout)) {
                Ok(0) => {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    continue;
                }
                Ok(_) => std::thread::sleep(NAP),
                Err(rustix::io::Errno::INTR) => continue,
                Err(_) => break,
            }
        }
        match buf.read_until(b'\n', &mut line) {
            Ok(0) => {
                // No writer left: everything has been read (an unterminated last line too).
                if !line.is_empty() {
                    let text = String::from_utf8_lossy(&line).into_owned();
                    reader.feed(&text, &mut |s| obs.seen(s));
                }
                break;
            }
            Ok(_) if line.ends_with(b"\n") => {
                let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                reader.feed(&text, &mut |s| obs.seen(s));
                line.clear();
            }
            // A partial line stays in `line` until the rest (or the end) arrives.
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    reader.finish();
    (obs, reader)
}

/// Runs `command` under strace (as the caller), and returns its evidence and exit status.
pub fn trace_command(command: &[String]) -> Result<(Evidence, std::process::ExitStatus)> {
    let mut strace = Strace::find()?;
    let dir = std::env::temp_dir().join(format!(
        "unitguard-learn-{}-{}",
        std::process::id(),
        random_u64()
    ));
    std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    let fifo = dir.join("trace");
    let uid = rustix::process::geteuid().as_raw();
    let tap = Tap::open(&fifo, 0o600, Cred::user(Some(uid), false));
    let tap = match tap {
        Ok(t) => t,
        Err(e) => {
            let _ = std::fs::remove_dir(&dir);
            return Err(e);
        }
    };
    let watch = OpenWatch::start(&strace.path);
    strace.opens = watch.is_none();
    let started = Instant::now();
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let status = std::process::Command::new(&strace.path)
        .args(strace.args(&fifo, false, true))
        .args(command)
        .status()
        .map_err(|e| Error::io(&strace.path, e));
    let Traced {
        evidence: mut ev,
        lines,
        unknown,
        samples,
    } = {
        let watched = watch.map(OpenWatch::finish);
        tap.finish(Duration::from_secs(5), watched.as_ref())
    };
    let _ = std::fs::remove_dir(&dir);
    let status = status?;
    ev.runs.push(Run {
        what: "command".into(),
        command: command.to_vec(),
        started: wall,
        duration_s: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        exercise: None,
        reloaded: false,
        tracer: strace.describe(),
        untraced: strace.untraced(),
        lines,
        unknown_lines: unknown,
        unknown_samples: samples,
        ..Run::default()
    });
    Ok((ev, status))
}

fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    let _ = rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty());
    u64::from_ne_bytes(b)
}
