//! Random units (and drop-ins) compared with the live `systemd-analyze security
//! --offline=true`. Each proptest case is a batch of about 50 units written into one tree
//! and analysed by both tools in one invocation each (see tests/common/mod.rs).
//!
//! `UNITGUARD_PROPTEST_CASES` sets the total number of units (default 256).

mod common;

use common::*;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;

/// Units per systemd-analyze invocation, at most.
const MAX_BATCH: usize = 50;

fn total_units() -> usize {
    std::env::var("UNITGUARD_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
        .max(1)
}

fn batches() -> usize {
    total_units().div_ceil(MAX_BATCH)
}

fn batch_size() -> usize {
    total_units().div_ceil(batches())
}

/// A value that is sometimes changed to random case, a junk word, or empty.
fn twist(valid: Vec<&'static str>) -> BoxedStrategy<String> {
    let pool = select(valid);
    prop_oneof![
        8 => pool.clone().prop_map(str::to_string),
        1 => pool.prop_map(|v| {
            v.chars()
                .enumerate()
                .map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c })
                .collect()
        }),
        1 => Just(String::new()),
        1 => select(vec!["junk", "~", "-", "\"", "yes no", "%Z"]).prop_map(str::to_string),
    ]
    .boxed()
}

/// A whitespace-separated list of 0..n words from `pool`, optionally with a `~` prefix.
fn list(pool: Vec<&'static str>, n: usize, tilde: bool) -> BoxedStrategy<String> {
    (
        proptest::collection::vec(select(pool), 0..=n),
        if tilde {
            any::<bool>().boxed()
        } else {
            Just(false).boxed()
        },
    )
        .prop_map(|(words, t)| format!("{}{}", if t { "~" } else { "" }, words.join(" ")))
        .boxed()
}

const BOOL_KEYS: &[&str] = &[
    "PrivateDevices",
    "PrivateMounts",
    "PrivateNetwork",
    "PrivateTmp",
    "PrivateUsers",
    "ProtectControlGroups",
    "ProtectKernelModules",
    "ProtectKernelTunables",
    "ProtectKernelLogs",
    "ProtectClock",
    "ProtectHostname",
    "LockPersonality",
    "MemoryDenyWriteExecute",
    "NoNewPrivileges",
    "RemoveIPC",
    "RestrictRealtime",
    "RestrictSUIDSGID",
    "Delegate",
];

const BOOLS: &[&str] = &[
    "yes", "no", "true", "false", "1", "0", "on", "off", "y", "t",
];

const CAPS: &[&str] = &[
    "CAP_SYS_ADMIN",
    "cap_net_admin",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_RAW",
    "CAP_SETUID",
    "CAP_SETGID",
    "CAP_SETPCAP",
    "CAP_SYS_PTRACE",
    "CAP_SYS_TIME",
    "CAP_WAKE_ALARM",
    "CAP_MKNOD",
    "CAP_SYS_RAWIO",
    "CAP_SYS_MODULE",
    "CAP_SYSLOG",
    "CAP_AUDIT_WRITE",
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_KILL",
    "CAP_BPF",
    "CAP_IPC_LOCK",
    "CAP_SYS_NICE",
    "21",
    "12",
    "40",
    "63",
    "bogus",
];

const FAMILIES: &[&str] = &[
    "AF_INET",
    "AF_INET6",
    "AF_UNIX",
    "AF_LOCAL",
    "AF_NETLINK",
    "AF_PACKET",
    "AF_BLUETOOTH",
    "AF_CAN",
    "af_inet",
    "AF_BOGUS",
    "AF_UNSPEC",
];

const SYSCALLS: &[&str] = &[
    "@system-service",
    "@privileged",
    "@resources",
    "@mount",
    "@clock",
    "@swap",
    "@debug",
    "@obsolete",
    "@cpu-emulation",
    "@raw-io",
    "@reboot",
    "@module",
    "@chown",
    "@default",
    "@bogus",
    "mount",
    "chown",
    "swapon",
    "ioprio_set",
    "clock_settime",
    "_sysctl",
    "bogus_call",
    "@privileged:EPERM",
    "@resources:EPERM",
    "@mount:kill",
    "mount:13",
    "chown:ebogus",
];

const NAMESPACES: &[&str] = &[
    "cgroup", "ipc", "net", "mnt", "pid", "user", "uts", "time", "bogus",
];

const ADDRESSES: &[&str] = &[
    "any",
    "localhost",
    "link-local",
    "multicast",
    "10.0.0.0/8",
    "127.0.0.1",
    "127.0.0.0/8",
    "::1",
    "::1/64",
    "::/0",
    "0.0.0.0/0",
    "192.168.1.1/24",
    "bogus",
];

/// One `[Section]` + `Key=Value` line.
fn directive() -> BoxedStrategy<(&'static str, String)> {
    let svc = |k: &'static str, v: BoxedStrategy<String>| {
        v.prop_map(move |v| ("Service", format!("{k}={v}"))).boxed()
    };
    prop_oneof![
        6 => (select(BOOL_KEYS), twist(BOOLS.to_vec()))
            .prop_map(|(k, v)| ("Service", format!("{k}={v}"))),
        3 => svc("User", twist(vec!["root", "0", "nobody", "svc", "1000", "65534", "00", "-1", "%i", "%I", "%j", "%f", "%p", "a b"])),
        1 => svc("DynamicUser", twist(vec!["yes", "no", "true", "0"])),
        1 => svc("SupplementaryGroups", twist(vec!["wheel", "a b", "adm", "00"])),
        2 => svc("ProtectSystem", twist(vec!["yes", "no", "full", "strict", "true"])),
        2 => svc("ProtectHome", twist(vec!["yes", "no", "read-only", "tmpfs", "true"])),
        1 => svc("RootDirectory", twist(vec!["/", "/srv/root", "rel", "/srv/%n"])),
        1 => svc("RootImage", twist(vec!["/img.raw", "/"])),
        3 => svc("CapabilityBoundingSet", list(CAPS.to_vec(), 4, true)),
        1 => svc("AmbientCapabilities", list(CAPS.to_vec(), 2, true)),
        2 => svc("UMask", prop_oneof![
                4 => (0u32..0o10000).prop_map(|m| format!("{m:04o}")),
                1 => twist(vec!["0022", "077", "8", "0x22"]),
            ].boxed()),
        1 => svc("KeyringMode", twist(vec!["inherit", "private", "shared"])),
        1 => svc("ProtectProc", twist(vec!["default", "noaccess", "invisible", "ptraceable"])),
        1 => svc("ProcSubset", twist(vec!["all", "pid"])),
        1 => svc("NotifyAccess", twist(vec!["none", "main", "exec", "all"])),
        2 => svc("RestrictNamespaces", prop_oneof![
                2 => list(NAMESPACES.to_vec(), 3, true),
                1 => twist(BOOLS.to_vec()),
            ].boxed()),
        3 => svc("RestrictAddressFamilies", prop_oneof![
                4 => list(FAMILIES.to_vec(), 3, true),
                1 => Just("none".to_string()),
            ].boxed()),
        2 => svc("SystemCallArchitectures", list(vec!["native", "native", "x86-64", "x86", "junk"], 2, false)),
        4 => svc("SystemCallFilter", list(SYSCALLS.to_vec(), 3, true)),
        2 => svc("IPAddressDeny", list(ADDRESSES.to_vec(), 2, false)),
        2 => svc("IPAddressAllow", list(ADDRESSES.to_vec(), 2, false)),
        1 => svc("IPIngressFilterPath", twist(vec!["/sys/fs/bpf/x", "relative"])),
        2 => svc("DevicePolicy", twist(vec!["auto", "closed", "strict"])),
        2 => svc("DeviceAllow", twist(vec!["/dev/null rw", "char-rtc r", "block-loop", "/dev/sda m", "/tmp/x", "/dev/zero rwx"])),
        1 => svc("LoadCredentialEncrypted", twist(vec!["foo:/etc/foo.cred", "foo"])),
        1 => svc("MountImages", twist(vec!["/a.raw:/mnt"])),
        1 => twist(vec!["no", "yes"]).prop_map(|v| ("Unit", format!("DefaultDependencies={v}"))),
        1 => svc("Type", twist(vec!["simple", "oneshot", "notify", "forking", "exec"])),
        1 => svc("ExecStart", twist(vec![
                "/bin/false", "-/bin/false %Z", "/bin/a ; /bin/b", "-relative/x", "@/bin/x argv0",
                "+/bin/x", "!/bin/x", "!!/bin/x", ":/bin/x", "-+!/bin/x", "/bin/x \\;", "/bin/x \"a b",
            ])),
        1 => svc("BusName", twist(vec!["org.example.A", "org.example.B", "bad name", "org.%p.x"])),
        1 => svc("RemainAfterExit", twist(vec!["yes", "no"])),
        1 => svc("privatenetwork", twist(vec!["yes"])),
        // The values some versions add (257) or read differently (PrivateMounts= from 254).
        2 => svc("PrivateTmp", twist(vec!["disconnected", "yes", "", "connected"])),
        2 => svc("PrivateUsers", twist(vec!["self", "identity", "full", "", "no"])),
        2 => svc("ProtectControlGroups", twist(vec!["private", "strict", "", "yes"])),
        1 => svc("ProtectHostname", twist(vec!["private", "", "yes"])),
        2 => svc("PrivateMounts", twist(vec!["", "no", "yes"])),
        1 => svc("WorkingDirectory", twist(vec!["~", "-~", "/srv", "-/srv"])),
    ]
    .boxed()
}

/// How a line is written: plain, or with some of systemd's syntax around it.
#[derive(Debug, Clone, Copy)]
enum Noise {
    Plain,
    Comment,
    Continuation,
    Spaces,
}

fn noise() -> impl Strategy<Value = Noise> {
    prop_oneof![
        12 => Just(Noise::Plain),
        1 => Just(Noise::Comment),
        1 => Just(Noise::Continuation),
        1 => Just(Noise::Spaces),
    ]
}

fn body(lines: &[(&'static str, String)]) -> String {
    body_with(lines, &[], false)
}

/// The file text: each line after its section header, with `noise` (cycled) applied, and
/// optionally CRLF line ends.
fn body_with(lines: &[(&'static str, String)], noise: &[Noise], crlf: bool) -> String {
    let mut s = String::new();
    for (i, (section, line)) in lines.iter().enumerate() {
        s.push_str(&format!("[{section}]\n"));
        let n = if noise.is_empty() {
            Noise::Plain
        } else {
            noise[i % noise.len()]
        };
        match n {
            Noise::Plain => s.push_str(line),
            Noise::Comment => s.push_str(&format!("# {line}\n  ; comment\n{line}")),
            Noise::Continuation => match line.split_once(' ') {
                Some((a, b)) => s.push_str(&format!("{a} \\\n# inside\n {b}")),
                None => s.push_str(&format!("{line}\\\n")),
            },
            Noise::Spaces => match line.split_once('=') {
                Some((k, v)) => s.push_str(&format!("  {k} =\t{v}  ")),
                None => s.push_str(line),
            },
        }
        s.push('\n');
    }
    if crlf { s.replace('\n', "\r\n") } else { s }
}

/// Where a drop-in of unit `i` goes.
#[derive(Debug, Clone, Copy)]
enum DropinPlace {
    Own,
    DashPrefix,
    Lib,
}

/// Other names the unit is reached by.
#[derive(Debug, Clone, Copy)]
enum Extra {
    None,
    /// An alias symlink, passed as an argument after the unit.
    AliasAfter,
    /// An alias symlink, passed as an argument before the unit.
    AliasBefore,
    /// A /dev/null link in /etc over the unit, which then lives in /lib.
    Masked,
}

#[derive(Debug, Clone)]
struct RandomUnit {
    template: bool,
    /// The instance a template is analysed as.
    instance: &'static str,
    exec_start: bool,
    extra: Extra,
    crlf: bool,
    noise: Vec<Noise>,
    lines: Vec<(&'static str, String)>,
    dropins: Vec<(DropinPlace, Vec<(&'static str, String)>)>,
}

fn random_unit() -> impl Strategy<Value = RandomUnit> {
    (
        (
            proptest::bool::weighted(0.15),
            select(vec![
                "inst", "root", "nobody", "0", "a-b", "x\\x2dy", "-", "a--b",
            ]),
            proptest::bool::weighted(0.97),
            prop_oneof![
                20 => Just(Extra::None),
                1 => Just(Extra::AliasAfter),
                1 => Just(Extra::AliasBefore),
                1 => Just(Extra::Masked),
            ],
            proptest::bool::weighted(0.05),
            proptest::collection::vec(noise(), 1..4),
        ),
        proptest::collection::vec(directive(), 0..10),
        proptest::collection::vec(
            (
                select(vec![
                    DropinPlace::Own,
                    DropinPlace::DashPrefix,
                    DropinPlace::Lib,
                ]),
                proptest::collection::vec(directive(), 1..4),
            ),
            0..3,
        ),
    )
        .prop_map(
            |((template, instance, exec_start, extra, crlf, noise), lines, dropins)| RandomUnit {
                template,
                instance,
                exec_start,
                extra,
                crlf,
                noise,
                lines,
                dropins,
            },
        )
}

fn run_batch(units: &[RandomUnit], type_dropin: &[(&'static str, String)]) {
    let mut t = Test::new();
    for (i, u) in units.iter().enumerate() {
        let prefix = format!("r{i}-");
        let file = if u.template {
            format!("{prefix}x@.service")
        } else {
            format!("{prefix}x.service")
        };
        let head = if u.exec_start { EXEC } else { "[Service]\n" };
        let text = format!("{head}{}", body_with(&u.lines, &u.noise, u.crlf));
        let arg = if u.template {
            format!("{prefix}x@{}.service", u.instance)
        } else {
            file.clone()
        };
        let alias = if u.template {
            format!("{prefix}alias@.service")
        } else {
            format!("{prefix}alias.service")
        };
        let alias_arg = alias.replace("@.", &format!("@{}.", u.instance));
        match u.extra {
            Extra::Masked => {
                t = t
                    .file(&format!("lib/systemd/system/{file}"), text)
                    .symlink(&format!("{UNIT_DIR}/{file}"), "/dev/null");
            }
            Extra::AliasAfter | Extra::AliasBefore => {
                t = t
                    .file(&format!("{UNIT_DIR}/{file}"), text)
                    .symlink(&format!("{UNIT_DIR}/{alias}"), &file);
            }
            Extra::None => t = t.file(&format!("{UNIT_DIR}/{file}"), text),
        }
        if let Extra::AliasBefore = u.extra {
            t = t.arg_unit(&alias_arg);
        }
        for (k, (place, lines)) in u.dropins.iter().enumerate() {
            let dir = match place {
                DropinPlace::Own => format!("{UNIT_DIR}/{file}.d"),
                DropinPlace::DashPrefix => format!("{UNIT_DIR}/{prefix}.service.d"),
                DropinPlace::Lib => format!("lib/systemd/system/{arg}.d"),
            };
            t = t.file(&format!("{dir}/{k:02}-random.conf"), body(lines));
        }
        t = t.arg_unit(&arg);
        if let Extra::AliasAfter = u.extra {
            t = t.arg_unit(&alias_arg);
        }
    }
    if !type_dropin.is_empty() {
        t = t.file(
            &format!("{UNIT_DIR}/service.d/50-random.conf"),
            body(type_dropin),
        );
    }
    t.run();
}

proptest! {
    #![proptest_config(Config {
        cases: batches() as u32,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    })]

    #[test]
    fn random_units_match_systemd(
        units in proptest::collection::vec(random_unit(), batch_size()),
        type_dropin in prop_oneof![
            4 => Just(Vec::new()),
            1 => proptest::collection::vec(directive(), 1..3),
        ],
    ) {
        run_batch(&units, &type_dropin);
    }
}
