//! File opens watched with fanotify instead of strace. A traced `openat` stops the service
//! twice (entry and exit) and wakes strace each time: nginx opens its page twice per
//! request, and under strace spent 2.5 times the CPU per request (scripts/learn-bench).
//! fanotify queues an event in the kernel without stopping anybody, and merges repeats of an
//! event still queued, so a page served 20,000 times costs a few dozen events.
//!
//! Every mounted filesystem is marked (`FAN_MARK_FILESYSTEM`: a service's own mount
//! namespace sees the same filesystems through its bind mounts), in one group that hands
//! over a descriptor of each file (opened read-only, non-blocking), so that events come in
//! the order they happened. Device filesystems are marked in a second group that reports a
//! handle (`FAN_REPORT_FID`), opened `O_PATH`: a device node is never opened for real on the
//! service's behalf (opening /dev/watchdog arms it).
//!
//! What fanotify cannot tell, and strace did: opens that failed (no event), `O_PATH` opens,
//! the path asked for when a symlink led elsewhere, reads of a file also written (a file
//! closed after writing counts as written), and opens on a filesystem only the service
//! mounted (its private /dev, a `TemporaryFileSystem=`). Creation is told by the file's
//! birth time: born after the watch started.

use std::collections::{HashMap, HashSet};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How one process used one file, as fanotify saw it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Opened {
    /// Opened (for reading, unless `write` says it was written).
    pub opened: bool,
    pub write: bool,
    pub exec: bool,
    pub dir: bool,
    pub created: bool,
}

/// What a watch saw: uses by (pid, path), and whether events were lost.
#[derive(Debug, Default)]
pub struct Watched {
    pub opens: HashMap<(u32, String), Opened>,
    pub lost: bool,
}

/// A running watch of every mounted filesystem.
pub struct OpenWatch {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Watched>>,
}

/// How often the queue is read: events of the same file by the same process merge while
/// they wait, so reading seldom is what keeps the watch cheap.
const PERIOD: Duration = Duration::from_millis(50);

const MASK: u64 = libc::FAN_OPEN | libc::FAN_OPEN_EXEC | libc::FAN_CLOSE_WRITE | libc::FAN_ONDIR;

/// Filesystems whose files are never opened on a service's behalf (device nodes).
const DEVICE_FS: &[&str] = &["devtmpfs", "devpts"];

struct Group {
    fd: OwnedFd,
    /// FID groups: a descriptor of each marked filesystem, by fsid, for open_by_handle_at.
    mounts: HashMap<[i32; 2], OwnedFd>,
}

impl OpenWatch {
    /// Starts watching, or `None` where fanotify is unavailable (not root, an old kernel, a
    /// seccomp filter) or UNITGUARD_LEARN_TRACE_ALL=1 asks strace to trace every call:
    /// strace then traces the opens itself.
    ///
    /// `tracer` is strace's binary: a unit's process runs it first (the process keeps its
    /// pid and execs the service's command once traced), and what it opens until then is
    /// the tracer's (and systemd's, before that), not the service's.
    pub fn start(tracer: &Path) -> Option<OpenWatch> {
        if std::env::var("UNITGUARD_LEARN_TRACE_ALL").is_ok_and(|v| v == "1") {
            return None;
        }
        let base = libc::FAN_CLASS_NOTIF
            | libc::FAN_CLOEXEC
            | libc::FAN_NONBLOCK
            | libc::FAN_UNLIMITED_QUEUE;
        let event_flags = (libc::O_RDONLY | libc::O_LARGEFILE | libc::O_CLOEXEC | libc::O_NONBLOCK)
            as libc::c_uint;
        let init = |flags| {
            // SAFETY: plain system call; the result is checked.
            let fd = unsafe { libc::fanotify_init(flags, event_flags) };
            // SAFETY: a fresh descriptor owned by nobody else.
            (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
        };
        let mut fid = Group {
            fd: init(base | libc::FAN_REPORT_FID)?,
            mounts: HashMap::new(),
        };
        let plain = Group {
            fd: init(base)?,
            mounts: HashMap::new(),
        };
        let started = coarse_now_ns();
        let mut marked = 0;
        for (point, fstype) in mounts() {
            let device = DEVICE_FS.contains(&fstype.as_str())
                || crate::learn::knowledge::under(&point, "/dev");
            if device {
                // Device nodes only by handle; a device filesystem that cannot name its files
                // by handle is left unwatched.
                if mark(&fid, &point) {
                    if let Some((fsid, fd)) = fsid_of(&point) {
                        fid.mounts.entry(fsid).or_insert(fd);
                    }
                    marked += 1;
                }
            } else if mark(&plain, &point) {
                marked += 1;
            }
        }
        if marked == 0 {
            return None;
        }
        let tracer = std::fs::canonicalize(tracer)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || watch(&[plain, fid], started, &tracer, &stop2));
        Some(OpenWatch {
            stop,
            thread: Some(thread),
        })
    }

    /// Reads what is still queued and returns everything seen.
    pub fn finish(mut self) -> Watched {
        self.stop.store(true, Ordering::SeqCst);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for OpenWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Mount points and filesystem types of this mount namespace, of the mounts that show a
/// whole filesystem (their root is the filesystem's): a filesystem seen only through a bind
/// mount of one of its directories (the test-bed's /opt/unitguard) has files this
/// namespace cannot name, the layers of an overlay among them.
fn mounts() -> Vec<(String, String)> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(dash) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        let (Some(root), Some(point), Some(fstype)) =
            (fields.get(3), fields.get(4), fields.get(dash + 1))
        else {
            continue;
        };
        if *root != "/" {
            continue;
        }
        let point = unescape(point);
        if !out.iter().any(|(p, _)| *p == point) {
            out.push((point, fstype.to_string()));
        }
    }
    out
}

/// mountinfo's octal escapes (`\040` for a space).
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(u8::is_ascii_digit) {
            let n = (b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0');
            out.push(n);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn mark(g: &Group, point: &str) -> bool {
    let Ok(c) = CString::new(point) else {
        return false;
    };
    // SAFETY: a valid descriptor and NUL-terminated path; the result is checked.
    unsafe {
        libc::fanotify_mark(
            g.fd.as_raw_fd(),
            libc::FAN_MARK_ADD | libc::FAN_MARK_FILESYSTEM,
            MASK,
            libc::AT_FDCWD,
            c.as_ptr(),
        ) == 0
    }
}

/// The fsid of the filesystem at `point` and a descriptor of it.
fn fsid_of(point: &str) -> Option<([i32; 2], OwnedFd)> {
    let c = CString::new(point).ok()?;
    // SAFETY: NUL-terminated path; the result is checked.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            // Not O_PATH: open_by_handle_at refuses such a descriptor (EBADF).
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        return None;
    }
    // SAFETY: a fresh descriptor owned by nobody else.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: statfs is plain data, filled by the kernel.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid descriptor and buffer.
    if unsafe { libc::fstatfs(fd.as_raw_fd(), &mut st) } != 0 {
        return None;
    }
    // SAFETY: fsid_t is two ints.
    let fsid: [i32; 2] = unsafe { std::mem::transmute(st.f_fsid) };
    Some((fsid, fd))
}

/// Now, by the clock filesystems stamp files with (the coarse real-time clock, up to a tick
/// behind the precise one): a file born after this was created while watched.
fn coarse_now_ns() -> i128 {
    // SAFETY: timespec is plain data, filled by the kernel.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid clock id and buffer.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) } != 0 {
        return SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
    }
    ts.tv_sec as i128 * 1_000_000_000 + ts.tv_nsec as i128
}

fn watch(groups: &[Group], start_ns: i128, tracer: &str, stop: &AtomicBool) -> Watched {
    let mut out = Watched::default();
    let mut s = State {
        start_ns,
        tracer,
        in_tracer: HashSet::new(),
    };
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let last = stop.load(Ordering::SeqCst);
        for g in groups {
            drain(g, &mut buf, &mut s, &mut out);
        }
        if last {
            return out;
        }
        std::thread::sleep(PERIOD);
    }
}

/// The order events are read in: a process that exec'd the tracer and has not exec'd
/// anything else since.
struct State<'a> {
    start_ns: i128,
    tracer: &'a str,
    in_tracer: HashSet<u32>,
}

fn drain(g: &Group, buf: &mut [u8], s: &mut State, out: &mut Watched) {
    loop {
        // SAFETY: reading into our own buffer.
        let n = unsafe { libc::read(g.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            let err = std::io::Error::last_os_error().raw_os_error();
            // EAGAIN: empty. Another error drops one event the kernel could not hand
            // over (a file it could not open): read on.
            if n == 0 || err == Some(libc::EAGAIN) || err == Some(libc::EBADF) {
                return;
            }
            continue;
        }
        let n = n as usize;
        let mut off = 0;
        let meta_len = std::mem::size_of::<libc::fanotify_event_metadata>();
        while off + meta_len <= n {
            // SAFETY: the kernel wrote a whole metadata record at `off`.
            let m: libc::fanotify_event_metadata =
                unsafe { std::ptr::read_unaligned(buf[off..].as_ptr().cast()) };
            let len = m.event_len as usize;
            if len < meta_len || off + len > n {
                break;
            }
            if m.mask & libc::FAN_Q_OVERFLOW != 0 {
                out.lost = true;
            } else if m.fd >= 0 {
                // SAFETY: the kernel gave us this descriptor; we own it now.
                let fd = unsafe { OwnedFd::from_raw_fd(m.fd) };
                record(out, s, m.pid, m.mask, fd.as_raw_fd());
            } else if let Some(fd) = by_handle(g, &buf[off + m.metadata_len as usize..off + len]) {
                record(out, s, m.pid, m.mask, fd.as_raw_fd());
            }
            off += len;
        }
    }
}

/// Opens (O_PATH) the file named by an event's FID record.
fn by_handle(g: &Group, info: &[u8]) -> Option<OwnedFd> {
    let mut off = 0;
    while off + 4 <= info.len() {
        let kind = info[off];
        let len = u16::from_ne_bytes([info[off + 2], info[off + 3]]) as usize;
        if len < 4 || off + len > info.len() {
            return None;
        }
        if kind == libc::FAN_EVENT_INFO_TYPE_FID && len >= 4 + 8 + 8 {
            let rec = &info[off..off + len];
            let fsid = [
                i32::from_ne_bytes(rec[4..8].try_into().ok()?),
                i32::from_ne_bytes(rec[8..12].try_into().ok()?),
            ];
            let mount = g.mounts.get(&fsid)?;
            // struct file_handle, copied to aligned memory.
            let handle = &rec[12..];
            let mut aligned = vec![0u64; handle.len().div_ceil(8)];
            // SAFETY: `aligned` holds at least handle.len() bytes.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    handle.as_ptr(),
                    aligned.as_mut_ptr().cast::<u8>(),
                    handle.len(),
                );
            }
            // SAFETY: a valid mount descriptor and a file_handle as the kernel wrote it.
            let fd = unsafe {
                libc::open_by_handle_at(
                    mount.as_raw_fd(),
                    aligned.as_mut_ptr().cast(),
                    libc::O_PATH | libc::O_CLOEXEC,
                )
            };
            // SAFETY: a fresh descriptor owned by nobody else.
            return (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) });
        }
        off += len;
    }
    None
}

fn record(out: &mut Watched, s: &mut State, pid: i32, mask: u64, fd: RawFd) {
    let Ok(target) = std::fs::read_link(format!("/proc/self/fd/{fd}")) else {
        return;
    };
    let mut path = target.to_string_lossy().into_owned();
    if !path.starts_with('/') {
        return;
    }
    if let Some(p) = path.strip_suffix(" (deleted)") {
        path = p.to_string();
    }
    let path = private_tmp(&path);
    let pid = pid as u32;
    if mask & libc::FAN_OPEN_EXEC != 0 {
        if path == s.tracer {
            // Everything so far was systemd's and strace's set-up of this process.
            out.opens.retain(|(p, _), _| *p != pid);
            s.in_tracer.insert(pid);
            return;
        }
        // The tracer's ELF interpreter (ld-linux-x86-64.so.2) comes right after it.
        if s.in_tracer.contains(&pid) && is_interpreter(&path) {
            return;
        }
        s.in_tracer.remove(&pid);
    } else if s.in_tracer.contains(&pid) {
        return;
    }
    let (born, is_dir) = born_ns(fd);
    let created = born.is_some_and(|b| b >= s.start_ns);
    let u = out.opens.entry((pid, path)).or_default();
    let dir = is_dir || mask & libc::FAN_ONDIR != 0;
    u.dir |= dir;
    u.exec |= mask & libc::FAN_OPEN_EXEC != 0;
    u.write |= mask & libc::FAN_CLOSE_WRITE != 0;
    u.opened |= mask & (libc::FAN_OPEN | libc::FAN_OPEN_EXEC) != 0;
    u.created |= created && !dir;
}

/// An ELF program interpreter (`/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2`): the
/// kernel opens it for exec right after the program that names it.
fn is_interpreter(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    name.starts_with("ld-") && name.contains(".so")
}

/// The birth time of a file, in nanoseconds since the epoch (where the filesystem keeps
/// it), and whether it is a directory.
fn born_ns(fd: RawFd) -> (Option<i128>, bool) {
    // SAFETY: statx is plain data, filled by the kernel.
    let mut st: libc::statx = unsafe { std::mem::zeroed() };
    let empty = c"";
    // SAFETY: a valid descriptor, an empty path with AT_EMPTY_PATH, our buffer.
    let r = unsafe {
        libc::statx(
            fd,
            empty.as_ptr(),
            libc::AT_EMPTY_PATH,
            libc::STATX_BTIME | libc::STATX_TYPE,
            &mut st,
        )
    };
    if r != 0 {
        return (None, false);
    }
    let dir = u32::from(st.stx_mode) & libc::S_IFMT == libc::S_IFDIR;
    let born = (st.stx_mask & libc::STATX_BTIME != 0)
        .then(|| st.stx_btime.tv_sec as i128 * 1_000_000_000 + st.stx_btime.tv_nsec as i128);
    (born, dir)
}

/// A file in a service's `PrivateTmp=` directory, as the service sees it: the host's
/// `/tmp/systemd-private-ID-UNIT-RAND/tmp/x` is its `/tmp/x`.
fn private_tmp(path: &str) -> String {
    for base in ["/tmp/", "/var/tmp/"] {
        if let Some(rest) = path.strip_prefix(base) {
            if let Some(rest) = rest.strip_prefix("systemd-private-") {
                if let Some((_, inner)) = rest.split_once('/') {
                    if let Some(tail) = inner.strip_prefix("tmp") {
                        if tail.is_empty() || tail.starts_with('/') {
                            return format!("{}{tail}", base.trim_end_matches('/'));
                        }
                    }
                }
            }
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_tmp_paths_are_the_services_view() {
        assert_eq!(
            private_tmp("/tmp/systemd-private-0f3a-nginx.service-AbC123/tmp/x.sock"),
            "/tmp/x.sock"
        );
        assert_eq!(
            private_tmp("/var/tmp/systemd-private-0f3a-a.service-Zz9/tmp"),
            "/var/tmp"
        );
        assert_eq!(private_tmp("/tmp/other/tmp/x"), "/tmp/other/tmp/x");
        assert_eq!(private_tmp("/etc/hosts"), "/etc/hosts");
    }

    #[test]
    fn interpreters_are_told_from_programs() {
        assert!(is_interpreter(
            "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
        ));
        assert!(is_interpreter("/lib/ld-musl-x86_64.so.1"));
        assert!(!is_interpreter("/usr/sbin/nginx"));
        assert!(!is_interpreter("/usr/bin/ld"));
    }

    #[test]
    fn mountinfo_escapes_are_decoded() {
        assert_eq!(unescape("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape("/plain"), "/plain");
    }
}
