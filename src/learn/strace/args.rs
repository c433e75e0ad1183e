//! Typed values read out of strace's argument text: strings, descriptors with their
//! decorations, flag sets, structures and socket addresses.

use super::line::{parse_int, split_args, split_until};

/// A C string as strace prints it (`"/etc/hosts"`, `"a\nb"...`, `@"abstract"`), unescaped.
/// An abstract unix socket name keeps its `@`. `None` when the argument is not a string
/// (a pointer strace did not read, `NULL`).
pub fn string(arg: &str) -> Option<String> {
    let (abstract_, s) = match arg.strip_prefix('@') {
        Some(s) => (true, s),
        None => (false, arg),
    };
    let s = s.strip_prefix('"')?;
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    if abstract_ {
        out.push(b'@');
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
            b'\\' if i + 1 < b.len() => {
                i += 1;
                match b[i] {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'v' => out.push(0x0b),
                    b'f' => out.push(0x0c),
                    b'x' => {
                        let hex = s.get(i + 1..i + 3)?;
                        out.push(u8::from_str_radix(hex, 16).ok()?);
                        i += 2;
                    }
                    c @ b'0'..=b'7' => {
                        let mut v = u32::from(c - b'0');
                        let mut n = 1;
                        while n < 3 && i + 1 < b.len() && (b'0'..=b'7').contains(&b[i + 1]) {
                            i += 1;
                            n += 1;
                            v = v * 8 + u32::from(b[i] - b'0');
                        }
                        out.push(v as u8);
                    }
                    c => out.push(c),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    None
}

/// A descriptor argument: its number (`-100` for `AT_FDCWD`) and its `-yy` decoration.
pub fn fd(arg: &str) -> Option<(i64, Option<&str>)> {
    let (num, deco) = match arg.find('<') {
        Some(i) if arg.ends_with('>') => {
            (&arg[..i], Some(strip_device(&arg[i + 1..arg.len() - 1])))
        }
        _ => (arg, None),
    };
    let n = if num == "AT_FDCWD" {
        -100
    } else {
        parse_int(num)?
    };
    Some((n, deco))
}

/// The names of a flag set (`O_WRONLY|O_CREAT|O_CLOEXEC`); numbers stay as written.
pub fn flags(arg: &str) -> impl Iterator<Item = &str> {
    arg.split('|').map(str::trim)
}

pub fn has_flag(arg: &str, flag: &str) -> bool {
    flags(arg).any(|f| f == flag)
}

/// The members of a structure `{a=1, b="x", ...}` as (key, value) pairs; members printed
/// without a key (`inet_pton(AF_INET6, "::1", &sin6_addr)`) have an empty key.
pub fn fields(arg: &str) -> Vec<(&str, &str)> {
    let Some(inner) = arg.strip_prefix('{') else {
        return Vec::new();
    };
    let Some((parts, _)) = split_until(inner, b'}') else {
        return Vec::new();
    };
    parts
        .into_iter()
        .map(|p| match p.split_once('=') {
            Some((k, v)) if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => (k, v),
            _ => ("", p),
        })
        .collect()
}

/// A socket address as strace decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SockAddr {
    Inet {
        family: String,
        addr: String,
        port: u16,
    },
    Unix {
        /// A filesystem path, `@name` for an abstract socket, empty for an unnamed one.
        path: String,
    },
    Netlink,
    Other {
        family: String,
    },
}

impl SockAddr {
    pub fn family(&self) -> &str {
        match self {
            SockAddr::Inet { family, .. } | SockAddr::Other { family } => family,
            SockAddr::Unix { .. } => "AF_UNIX",
            SockAddr::Netlink => "AF_NETLINK",
        }
    }
}

/// Reads `{sa_family=AF_INET, sin_port=htons(81), sin_addr=inet_addr("0.0.0.0")}` and its
/// IPv6, unix and netlink forms.
pub fn sockaddr(arg: &str) -> Option<SockAddr> {
    let f = fields(arg);
    let family = f.iter().find(|(k, _)| *k == "sa_family")?.1.to_string();
    let get = |key: &str| f.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    match family.as_str() {
        "AF_INET" | "AF_INET6" => {
            let port_text = get("sin_port").or_else(|| get("sin6_port"))?;
            let port = call_arg(port_text, "htons")
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            let addr = if family == "AF_INET" {
                get("sin_addr")
                    .and_then(|a| call_arg(a, "inet_addr"))
                    .and_then(string)?
            } else {
                // `inet_pton(AF_INET6, "::1", &sin6_addr)` is printed without a key.
                f.iter()
                    .find_map(|(_, v)| {
                        v.strip_prefix("inet_pton(")
                            .and_then(|r| split_args(r).map(|(a, _)| a))
                            .and_then(|a| a.get(1).and_then(|s| string(s)))
                    })
                    .unwrap_or_default()
            };
            Some(SockAddr::Inet { family, addr, port })
        }
        "AF_UNIX" => Some(SockAddr::Unix {
            path: get("sun_path").and_then(string).unwrap_or_default(),
        }),
        "AF_NETLINK" => Some(SockAddr::Netlink),
        _ => Some(SockAddr::Other { family }),
    }
}

/// `x` of `name(x)`.
fn call_arg<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.strip_prefix(name)?
        .strip_prefix('(')?
        .strip_suffix(')')
}

/// What a `-yy` socket decoration says: `TCP:[127.0.0.1:81->127.0.0.1:33708]`,
/// `UDPv6:[[::]:44246]`, `NETLINK:[ROUTE:18022]`, `UNIX-STREAM:[67944]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketDeco<'a> {
    /// TCP, TCPv6, UDP, UDPv6, UNIX, UNIX-STREAM, NETLINK, ...
    pub proto: &'a str,
    pub body: &'a str,
}

pub fn socket_decoration(deco: &str) -> Option<SocketDeco<'_>> {
    let (proto, body) = deco.split_once(":[")?;
    let body = body.strip_suffix(']')?;
    proto
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-')
        .then_some(SocketDeco { proto, body })
}

/// The address family a decoration's protocol implies.
pub fn family_of_proto(proto: &str) -> Option<&'static str> {
    Some(match proto {
        "TCP" | "UDP" | "UDPLITE" | "RAW" | "PING" | "SCTP" | "DCCP" | "MPTCP" => "AF_INET",
        "TCPv6" | "UDPv6" | "UDPLITEv6" | "RAWv6" | "PINGv6" | "SCTPv6" | "DCCPv6" => "AF_INET6",
        "UNIX" | "UNIX-STREAM" | "UNIX-SEQPACKET" => "AF_UNIX",
        "NETLINK" => "AF_NETLINK",
        _ => return None,
    })
}

/// A device node's path without the `<char 1:3>` strace adds to it.
pub fn strip_device(deco: &str) -> &str {
    match deco.rfind("<char ").or_else(|| deco.rfind("<block ")) {
        Some(i) if deco.starts_with('/') && deco.ends_with('>') => &deco[..i],
        _ => deco,
    }
}
