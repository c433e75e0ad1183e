//! What makes a socket, timer, path, mount, swap or automount unit loadable: the settings
//! their `*_verify()` functions look at, parsed as systemd parses them.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::values;

/// One `Listen*=` entry that systemd accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenPort {
    /// A socket (`ListenStream=`, `ListenDatagram=`, `ListenSequentialPacket=`,
    /// `ListenNetlink=`), not a FIFO, special file, message queue or USB function.
    pub socket: bool,
    /// A stream or sequential-packet socket: one that Accept=yes can accept on.
    pub can_accept: bool,
    /// The file system node it creates, if any (an AF_UNIX path or a FIFO/special file).
    pub node: Option<String>,
}

/// The type-specific settings the unit types' own checks read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeSettings {
    pub ports: Vec<ListenPort>,
    pub accept: bool,
    pub max_connections: u64,
    /// Service= of a socket.
    pub service_set: bool,
    pub symlinks: usize,
    /// OnCalendar= and the On*Sec= values of a timer.
    pub timer_values: usize,
    pub on_clock_change: bool,
    pub on_timezone_change: bool,
    /// Path*= and DirectoryNotEmpty= of a path unit.
    pub path_specs: usize,
    /// Where= of a mount or automount.
    pub where_: Option<String>,
    /// What= of a mount or swap.
    pub what: Option<String>,
    pub pam_name: Option<String>,
    /// "control-group", "process", "mixed" or "none".
    pub kill_mode: String,
}

impl Default for TypeSettings {
    fn default() -> Self {
        TypeSettings {
            ports: Vec::new(),
            accept: false,
            max_connections: 64,
            service_set: false,
            symlinks: 0,
            timer_values: 0,
            on_clock_change: false,
            on_timezone_change: false,
            path_specs: 0,
            where_: None,
            what: None,
            pam_name: None,
            kill_mode: "control-group".into(),
        }
    }
}

/// sun_path of struct sockaddr_un.
const SUN_PATH_MAX: usize = 108;

/// systemd's parse_ip_port(): an unsigned number (C base rules) from 1 to 65535.
fn parse_ip_port(s: &str) -> Option<u16> {
    if s.starts_with('-') {
        return None;
    }
    let v = values::parse_c_long(s)?;
    (1..=65535).contains(&v).then_some(v as u16)
}

/// ifname_valid_full(IFNAME_VALID_ALTERNATIVE | IFNAME_VALID_NUMERIC), then the interface must
/// exist on this machine (rtnl_resolve_interface()).
fn interface_exists(name: &str) -> bool {
    if name.is_empty() || name.len() >= 128 || name == "." || name == ".." {
        return false;
    }
    if name
        .chars()
        .any(|c| c == '/' || c == ':' || c.is_whitespace() || !c.is_ascii_graphic())
    {
        return false;
    }
    if let Ok(idx) = name.parse::<u32>() {
        if idx == 0 {
            return false;
        }
        let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
            return false;
        };
        return dir.flatten().any(|e| {
            std::fs::read_to_string(e.path().join("ifindex"))
                .is_ok_and(|s| s.trim() == idx.to_string())
        });
    }
    std::path::Path::new("/sys/class/net").join(name).exists()
}

/// in_addr_from_string(): inet_pton() for the family.
fn ipv4(s: &str) -> Option<Ipv4Addr> {
    s.parse().ok()
}

fn ipv6(s: &str) -> Option<Ipv6Addr> {
    s.parse().ok()
}

/// socket_address_parse() for `ListenStream=`/`ListenDatagram=`/`ListenSequentialPacket=`:
/// `Some(true)` for an AF_UNIX address, `Some(false)` for the others, `None` if invalid.
pub fn socket_address(s: &str) -> Option<bool> {
    if let Some(rest) = s.strip_prefix('@') {
        return (rest.len() < SUN_PATH_MAX - 1).then_some(true);
    }
    if s.starts_with('/') {
        return (s.len() < SUN_PATH_MAX).then_some(true);
    }
    if let Some(rest) = s.strip_prefix("vsock:") {
        let (cid, port) = rest.split_once(':')?;
        let unsigned = |x: &str| {
            !x.starts_with('-')
                && values::parse_c_long(x).is_some_and(|v| (0..=u32::MAX as i64).contains(&v))
        };
        return (unsigned(port) && (cid.is_empty() || unsigned(cid))).then_some(false);
    }
    // A port alone; a number that is too large for a port is no address either.
    if s.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_digit() || b == b'+')
    {
        if let Some(v) = values::parse_c_long(s) {
            return (1..=65535).contains(&v).then_some(false);
        }
    }
    // in_addr_port_ifindex_name_from_string_auto() without a server name.
    if s.contains('#') {
        return None;
    }
    let mut s = s;
    if let Some((addr, iface)) = s.split_once('%') {
        if !interface_exists(iface) {
            return None;
        }
        s = addr;
    }
    let port = match s.rfind(':') {
        Some(m) => {
            if s.starts_with('[') {
                if m < 2 || s.as_bytes()[m - 1] != b']' {
                    return None;
                }
                let port = parse_ip_port(&s[m + 1..])?;
                ipv6(&s[1..m - 1])?;
                port
            } else if ipv6(s).is_some() {
                0
            } else {
                ipv4(&s[..m])?;
                parse_ip_port(&s[m + 1..])?
            }
        }
        None => {
            ipv4(s)?;
            0
        }
    };
    (port != 0).then_some(false)
}

/// netlink_family_from_string() with numeric fallback.
const NETLINK_FAMILIES: &[&str] = &[
    "route",
    "firewall",
    "inet-diag",
    "nflog",
    "xfrm",
    "selinux",
    "iscsi",
    "audit",
    "fib-lookup",
    "connector",
    "netfilter",
    "ip6-fw",
    "dnrtmsg",
    "kobject-uevent",
    "generic",
    "scsitransport",
    "ecryptfs",
    "rdma",
];

/// socket_address_parse_netlink(): `FAMILY [GROUP]`.
pub fn netlink_address(s: &str) -> bool {
    let s = s.trim_start_matches([' ', '\t', '\n', '\r']);
    let (family, rest) = match s.find([' ', '\t', '\n', '\r']) {
        Some(i) => (&s[..i], s[i..].trim_start_matches([' ', '\t', '\n', '\r'])),
        None => (s, ""),
    };
    if family.is_empty() {
        return false;
    }
    let family_ok = NETLINK_FAMILIES.contains(&family)
        || (family.bytes().all(|b| b.is_ascii_digit()) && family.parse::<i32>().is_ok());
    let group_ok = rest.is_empty()
        || (!rest.starts_with('-')
            && values::parse_c_long(rest).is_some_and(|v| (0..=u32::MAX as i64).contains(&v)));
    family_ok && group_ok
}

/// unit_name_from_path(): the unit name (without suffix) a mount point or device path maps to.
pub fn escape_path(path: &str) -> String {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return "-".into();
    }
    // path_simplify() has already collapsed duplicate slashes.
    let mut out = String::new();
    for (i, b) in trimmed.bytes().enumerate() {
        match b {
            b'/' => out.push('-'),
            b'.' if i == 0 => out.push_str("\\x2e"),
            b if b.is_ascii_alphanumeric() || b == b':' || b == b'_' || b == b'.' => {
                out.push(b as char)
            }
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// mount_point_is_api() || mount_point_ignore().
pub fn mount_point_is_api_or_ignored(p: &str) -> bool {
    const API: &[&str] = &[
        "/proc",
        "/sys",
        "/dev",
        "/dev/shm",
        "/dev/pts",
        "/run",
        "/sys/kernel/security",
        "/sys/fs/cgroup",
        "/sys/fs/cgroup/unified",
        "/sys/fs/cgroup/systemd",
        "/sys/fs/pstore",
        "/sys/firmware/efi/efivars",
        "/sys/fs/bpf",
        "/proc/sys/fs/binfmt_misc",
        "/sys/fs/selinux",
        "/dev/console",
        "/proc/kmsg",
        "/proc/sys",
        "/proc/sys/kernel/random/boot_id",
    ];
    API.contains(&p)
        || p.starts_with("/sys/fs/cgroup/")
        || p == "/run/host"
        || p.starts_with("/run/host/")
}

/// parse_sec(): a time span such as `5min`, `1h 30s`, `2.5s` or `infinity`.
pub fn parse_timespan(s: &str) -> bool {
    let t = s.trim_matches([' ', '\t', '\n', '\r']);
    if t == "infinity" {
        return true;
    }
    if t.is_empty() {
        return false;
    }
    const UNITS: &[&str] = &[
        "seconds", "second", "sec", "s", "minutes", "minute", "min", "months", "month", "M",
        "msec", "ms", "m", "hours", "hour", "hr", "h", "days", "day", "d", "weeks", "week", "w",
        "years", "year", "y", "usec", "us", "μs", "µs", "nsec", "ns",
    ];
    let mut rest = t;
    let mut something = false;
    while !rest.is_empty() {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        if rest.is_empty() {
            break;
        }
        if rest.starts_with('-') {
            return false;
        }
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let int = &rest[..digits];
        rest = &rest[digits..];
        let mut frac = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            frac = &r[..n];
            rest = &r[n..];
        }
        if int.is_empty() && frac.is_empty() {
            return false;
        }
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        let unit = UNITS
            .iter()
            .find(|u| {
                rest.starts_with(**u)
                    && !rest[u.len()..]
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphabetic())
            })
            .copied()
            .unwrap_or("");
        if unit.is_empty() && rest.chars().next().is_some_and(|c| c.is_alphabetic()) {
            return false;
        }
        rest = &rest[unit.len()..];
        something = true;
    }
    something
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_addresses() {
        assert_eq!(socket_address("/run/x.sock"), Some(true));
        assert_eq!(socket_address("@abstract"), Some(true));
        assert_eq!(socket_address("80"), Some(false));
        assert_eq!(socket_address("0"), None);
        assert_eq!(socket_address("65536"), None);
        assert_eq!(socket_address("127.0.0.1:80"), Some(false));
        assert_eq!(socket_address("127.0.0.1"), None);
        assert_eq!(socket_address("[::1]:80"), Some(false));
        assert_eq!(socket_address("::1"), None);
        assert_eq!(socket_address("bogus:addr:x"), None);
        assert_eq!(socket_address("vsock:2:1234"), Some(false));
        assert!(netlink_address("kobject-uevent 1"));
        assert!(!netlink_address("bogus"));
    }

    #[test]
    fn path_escaping() {
        assert_eq!(escape_path("/"), "-");
        assert_eq!(escape_path("/srv"), "srv");
        assert_eq!(escape_path("/a/b-c"), "a-b\\x2dc");
        assert_eq!(escape_path("/.x"), "\\x2ex");
    }

    #[test]
    fn timespans() {
        for ok in [
            "5min", "1h 30s", "2.5s", "infinity", "10", "1h30min", "3 days",
        ] {
            assert!(parse_timespan(ok), "{ok}");
        }
        for bad in ["", "-5s", "5 parsecs", "min"] {
            assert!(!parse_timespan(bad), "{bad}");
        }
    }
}
