//! Hand-written units for every rule of the spec, each compared with the live
//! `systemd-analyze security --offline=true` (see tests/common/mod.rs). Every test puts many
//! units into one tree and runs both tools once for all of them.

mod common;

use common::*;

/// Adds one service per body, named `<prefix>-<n>.service`, each `[Service]` +
/// `ExecStart=/bin/true` + the body's lines.
fn services(mut t: Test, prefix: &str, bodies: &[&str]) -> Test {
    for (i, body) in bodies.iter().enumerate() {
        t = t.unit(&format!("{prefix}-{i}.service"), service(body));
    }
    t
}

/// Runs `bodies` as services, and asserts that systemd scored most of them (so a test that
/// silently turns into "everything fails to load" is noticed).
fn check_services(prefix: &str, bodies: &[&str]) {
    let s = services(Test::new(), prefix, bodies).run();
    assert!(
        s.scored * 2 >= s.units,
        "{prefix}: only {} of {} units were scored by systemd",
        s.scored,
        s.units
    );
}

/// The harness itself: a difference between the tools must fail the comparison, or every
/// other test here would prove nothing.
#[test]
fn harness_notices_differences() {
    let base = || {
        Test::new()
            .unit("a.service", EXEC)
            .unit("b.service", service("User=00"))
    };
    base().run();
    let tree_policy = base();
    let policy = tree_policy.path().join("other-policy.json");
    std::fs::write(&policy, r#"{"UserOrDynamicUser": {"weight": 0}}"#).unwrap();
    let report = tree_policy
        .ours_only_args(&["--security-policy", policy.to_str().unwrap()])
        .check()
        .expect_err("a different policy on one side must be noticed");
    assert!(report.contains("a.service"), "{report}");
}

// ---------------------------------------------------------------------------------------------
// Booleans, enums, UMask

#[test]
fn booleans_accept_systemd_spellings_and_ignore_junk() {
    let mut bodies = Vec::new();
    for key in [
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
    ] {
        for v in [
            "yes", "1", "TRUE", "On", "y", "t", "no", "0", "off", "junk", "", "yes\nX=", "2",
        ] {
            bodies.push(format!("User=svc\n{key}=yes\n{key}={v}"));
        }
        bodies.push(format!("User=svc\n{key}=no\n{key}=YES"));
        bodies.push(format!("User=svc\n{key}=true\n{key}="));
        bodies.push(format!("User=svc\n{key}= \t yes \t"));
    }
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    check_services("bool", &bodies);
}

#[test]
fn protect_system_and_protect_home_values() {
    check_services(
        "protect",
        &[
            "ProtectSystem=yes",
            "ProtectSystem=true",
            "ProtectSystem=1",
            "ProtectSystem=no",
            "ProtectSystem=full",
            "ProtectSystem=strict",
            "ProtectSystem=Strict",
            "ProtectSystem=FULL",
            "ProtectSystem=junk",
            "ProtectSystem=strict\nProtectSystem=",
            "ProtectSystem=strict\nProtectSystem=bogus",
            "ProtectSystem=full\nProtectSystem=off",
            "ProtectHome=yes",
            "ProtectHome=on",
            "ProtectHome=no",
            "ProtectHome=read-only",
            "ProtectHome=tmpfs",
            "ProtectHome=Tmpfs",
            "ProtectHome=readonly",
            "ProtectHome=",
            "ProtectHome=tmpfs\nProtectHome=",
            "ProtectHome=tmpfs\nProtectHome=read-only",
            "ProtectHome=yes\nProtectHome=false",
            "ProtectSystem=strict\nProtectHome=yes",
        ],
    );
}

#[test]
fn umask_values() {
    check_services(
        "umask",
        &[
            "UMask=0000",
            "UMask=0002",
            "UMask=0004",
            "UMask=0006",
            "UMask=0007",
            "UMask=0020",
            "UMask=0022",
            "UMask=0026",
            "UMask=0027",
            "UMask=0037",
            "UMask=0047",
            "UMask=0067",
            "UMask=0077",
            "UMask=077",
            "UMask=77",
            "UMask=7",
            "UMask=7777",
            "UMask=07777",
            "UMask=10000",
            "UMask=17777",
            "UMask=8",
            "UMask=0008",
            "UMask=-1",
            "UMask=+7",
            "UMask=0x22",
            "UMask=",
            "UMask=0077\nUMask=",
            "UMask=0077\nUMask=junk",
            "UMask= 0077",
            "UMask=0 77",
            "UMask=00000077",
        ],
    );
}

#[test]
fn keyring_protectproc_procsubset_notifyaccess_delegate() {
    check_services(
        "enums",
        &[
            "KeyringMode=inherit",
            "KeyringMode=private",
            "KeyringMode=shared",
            "KeyringMode=Private",
            "KeyringMode=shared\nKeyringMode=junk",
            "KeyringMode=shared\nKeyringMode=",
            "ProtectProc=default",
            "ProtectProc=noaccess",
            "ProtectProc=invisible",
            "ProtectProc=ptraceable",
            "ProtectProc=Invisible",
            "ProtectProc=invisible\nProtectProc=",
            "ProtectProc=noaccess\nUser=svc\nDynamicUser=yes\nCapabilityBoundingSet=",
            "ProcSubset=pid",
            "ProcSubset=all",
            "ProcSubset=PID",
            "ProcSubset=pid\nProcSubset=",
            "NotifyAccess=none",
            "NotifyAccess=main",
            "NotifyAccess=exec",
            "NotifyAccess=all",
            "NotifyAccess=ALL",
            "NotifyAccess=all\nNotifyAccess=",
            "Type=notify",
            "Type=notify\nNotifyAccess=all",
            "WatchdogSec=10",
            "Delegate=yes",
            "Delegate=no",
            "Delegate=",
            "Delegate=cpu memory",
            "Delegate=cpu bogus",
            "Delegate=yes\nDelegate=no",
            "Delegate=yes\nDelegate=junk",
            "Delegate=\"cpu",
            "Delegate=no\nDelegate=\"cpu",
            "Delegate=pids\nDelegate=0",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Capabilities

#[test]
fn capability_bounding_set_merge_and_replace() {
    check_services(
        "capbset",
        &[
            "CapabilityBoundingSet=",
            "CapabilityBoundingSet=~",
            "CapabilityBoundingSet=\nCapabilityBoundingSet=~",
            "CapabilityBoundingSet=CAP_SYS_ADMIN",
            "CapabilityBoundingSet=cap_sys_admin cap_net_admin",
            "CapabilityBoundingSet=~CAP_SYS_ADMIN",
            "CapabilityBoundingSet=~CAP_SYS_ADMIN CAP_SYS_PTRACE",
            "CapabilityBoundingSet=~CAP_SYS_ADMIN\nCapabilityBoundingSet=CAP_SYS_ADMIN",
            "CapabilityBoundingSet=~CAP_SYS_ADMIN\nCapabilityBoundingSet=~CAP_SYS_TIME",
            "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=CAP_KILL",
            "CapabilityBoundingSet=CAP_CHOWN CAP_KILL\nCapabilityBoundingSet=~CAP_KILL",
            "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=~CAP_CHOWN",
            "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=~CAP_CHOWN\nCapabilityBoundingSet=CAP_KILL",
            "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=",
            "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=~",
            "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=bogus",
            "CapabilityBoundingSet=CAP_CHOWN\nCapabilityBoundingSet=~bogus",
            "CapabilityBoundingSet=bogus",
            "CapabilityBoundingSet=~bogus",
            "CapabilityBoundingSet=21",
            "CapabilityBoundingSet=~21",
            "CapabilityBoundingSet=0 1 2 3",
            "CapabilityBoundingSet=40",
            "CapabilityBoundingSet=41",
            "CapabilityBoundingSet=63",
            "CapabilityBoundingSet=64",
            "CapabilityBoundingSet=~63",
            // 252 takes 62 and 63 as numbers; from 254 63 is an unknown word, so after another
            // value it empties the set instead of adding a bit.
            "CapabilityBoundingSet=CAP_SETGID\nCapabilityBoundingSet=62",
            "CapabilityBoundingSet=CAP_SETGID\nCapabilityBoundingSet=63",
            "CapabilityBoundingSet=CAP_SETGID\nCapabilityBoundingSet=~63",
            "CapabilityBoundingSet=-1",
            "CapabilityBoundingSet=0x15",
            "CapabilityBoundingSet=025",
            "CapabilityBoundingSet=sys_admin",
            "CapabilityBoundingSet=CAP_sys_ADMIN",
            "CapabilityBoundingSet=\"CAP_SYS_ADMIN CAP_KILL\"",
            "CapabilityBoundingSet=CAP_SYS_ADMIN \"CAP_KILL",
            "CapabilityBoundingSet=~ CAP_SYS_ADMIN",
            "CapabilityBoundingSet= ~CAP_SYS_ADMIN",
            "CapabilityBoundingSet=~~CAP_SYS_ADMIN",
            "CapabilityBoundingSet=CAP_SYS_ADMIN,CAP_KILL",
            "CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_RAW",
            "CapabilityBoundingSet=CAP_AUDIT_READ",
            "CapabilityBoundingSet=CAP_MAC_ADMIN CAP_MAC_OVERRIDE",
            "CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_CHECKPOINT_RESTORE",
            "CapabilityBoundingSet=CAP_SYS_TIME CAP_WAKE_ALARM\nProtectClock=yes",
            "CapabilityBoundingSet=CAP_MKNOD CAP_SYS_RAWIO\nPrivateDevices=yes",
            "CapabilityBoundingSet=CAP_SYS_MODULE\nProtectKernelModules=yes",
            "CapabilityBoundingSet=CAP_SYSLOG\nProtectKernelLogs=yes",
            "PrivateDevices=yes\nProtectKernelModules=yes\nProtectKernelLogs=yes\nProtectClock=yes",
            "PrivateDevices=yes\nCapabilityBoundingSet=~",
            "CapabilityBoundingSet=CAP_DAC_OVERRIDE\nCapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_FOWNER",
        ],
    );
}

#[test]
fn ambient_capabilities() {
    check_services(
        "ambient",
        &[
            "AmbientCapabilities=",
            "AmbientCapabilities=~",
            "AmbientCapabilities=CAP_NET_BIND_SERVICE",
            "AmbientCapabilities=~CAP_NET_BIND_SERVICE",
            "AmbientCapabilities=CAP_NET_BIND_SERVICE\nAmbientCapabilities=~CAP_NET_BIND_SERVICE",
            "AmbientCapabilities=CAP_NET_BIND_SERVICE\nAmbientCapabilities=",
            "AmbientCapabilities=CAP_NET_BIND_SERVICE\nAmbientCapabilities=bogus",
            "AmbientCapabilities=bogus",
            "AmbientCapabilities=12",
            "AmbientCapabilities=62",
            "AmbientCapabilities=63",
            "AmbientCapabilities=~12\nAmbientCapabilities=12",
            "AmbientCapabilities=CAP_KILL\nUser=svc",
            "AmbientCapabilities=CAP_KILL\nCapabilityBoundingSet=",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Namespaces and address families

#[test]
fn restrict_namespaces() {
    check_services(
        "ns",
        &[
            "RestrictNamespaces=yes",
            "RestrictNamespaces=true",
            "RestrictNamespaces=no",
            "RestrictNamespaces=",
            "RestrictNamespaces=yes\nRestrictNamespaces=",
            "RestrictNamespaces=net",
            "RestrictNamespaces=net ipc",
            "RestrictNamespaces=~net",
            "RestrictNamespaces=~user mnt",
            "RestrictNamespaces=~cgroup ipc net mnt pid user uts",
            "RestrictNamespaces=~cgroup ipc net mnt pid user uts time",
            "RestrictNamespaces=cgroup ipc net mnt pid user uts time",
            "RestrictNamespaces=net\nRestrictNamespaces=ipc",
            "RestrictNamespaces=net\nRestrictNamespaces=~net",
            "RestrictNamespaces=~net\nRestrictNamespaces=net",
            "RestrictNamespaces=~net\nRestrictNamespaces=~ipc",
            "RestrictNamespaces=yes\nRestrictNamespaces=~user",
            "RestrictNamespaces=yes\nRestrictNamespaces=user",
            "RestrictNamespaces=no\nRestrictNamespaces=~user",
            "RestrictNamespaces=no\nRestrictNamespaces=user",
            "RestrictNamespaces=net bogus",
            "RestrictNamespaces=~net bogus",
            "RestrictNamespaces=NET",
            "RestrictNamespaces=~",
            "RestrictNamespaces=user\nRestrictNamespaces=~",
            "RestrictNamespaces=time",
            "RestrictNamespaces=~time",
            "RestrictNamespaces=\"net ipc\"",
            "RestrictNamespaces=net  \t ipc",
            "RestrictNamespaces=~~net",
            "RestrictNamespaces=yes\nRestrictNamespaces=junk",
        ],
    );
}

#[test]
fn restrict_address_families() {
    check_services(
        "af",
        &[
            "RestrictAddressFamilies=none",
            "RestrictAddressFamilies=None",
            "RestrictAddressFamilies=",
            "RestrictAddressFamilies=AF_INET",
            "RestrictAddressFamilies=AF_INET6",
            "RestrictAddressFamilies=AF_INET AF_INET6",
            "RestrictAddressFamilies=AF_UNIX",
            "RestrictAddressFamilies=AF_LOCAL",
            "RestrictAddressFamilies=AF_FILE",
            "RestrictAddressFamilies=AF_NETLINK",
            "RestrictAddressFamilies=AF_ROUTE",
            "RestrictAddressFamilies=AF_PACKET",
            "RestrictAddressFamilies=AF_BLUETOOTH",
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET",
            "RestrictAddressFamilies=~AF_INET",
            "RestrictAddressFamilies=~AF_INET6",
            "RestrictAddressFamilies=~AF_UNIX",
            "RestrictAddressFamilies=~AF_LOCAL",
            "RestrictAddressFamilies=~AF_PACKET",
            "RestrictAddressFamilies=~AF_NETLINK",
            "RestrictAddressFamilies=~AF_BLUETOOTH",
            "RestrictAddressFamilies=~AF_ALG AF_CAN",
            "RestrictAddressFamilies=~",
            "RestrictAddressFamilies=~\nRestrictAddressFamilies=AF_INET",
            "RestrictAddressFamilies=AF_INET\nRestrictAddressFamilies=~AF_INET",
            "RestrictAddressFamilies=AF_INET AF_UNIX\nRestrictAddressFamilies=~AF_INET",
            "RestrictAddressFamilies=~AF_INET\nRestrictAddressFamilies=AF_INET",
            "RestrictAddressFamilies=~AF_INET AF_UNIX\nRestrictAddressFamilies=AF_UNIX",
            "RestrictAddressFamilies=~AF_INET\nRestrictAddressFamilies=~AF_UNIX",
            "RestrictAddressFamilies=AF_INET\nRestrictAddressFamilies=AF_UNIX",
            "RestrictAddressFamilies=AF_INET\nRestrictAddressFamilies=",
            "RestrictAddressFamilies=AF_INET\nRestrictAddressFamilies=\nRestrictAddressFamilies=~AF_INET",
            "RestrictAddressFamilies=none\nRestrictAddressFamilies=AF_UNIX",
            "RestrictAddressFamilies=none\nRestrictAddressFamilies=~AF_UNIX",
            "RestrictAddressFamilies=AF_UNIX\nRestrictAddressFamilies=none",
            "RestrictAddressFamilies=~AF_UNIX\nRestrictAddressFamilies=none",
            "RestrictAddressFamilies=~AF_UNIX\nRestrictAddressFamilies=none\nRestrictAddressFamilies=~AF_INET",
            "RestrictAddressFamilies=af_inet",
            "RestrictAddressFamilies=Af_Unix",
            "RestrictAddressFamilies=AF_DECnet",
            "RestrictAddressFamilies=AF_DECNET",
            "RestrictAddressFamilies=~af_decnet",
            "RestrictAddressFamilies=AF_BOGUS",
            "RestrictAddressFamilies=~AF_BOGUS",
            "RestrictAddressFamilies=AF_INET AF_BOGUS",
            "RestrictAddressFamilies=INET",
            "RestrictAddressFamilies=2",
            "RestrictAddressFamilies=AF_UNSPEC",
            "RestrictAddressFamilies=AF_MAX",
            "RestrictAddressFamilies=~AF_UNSPEC",
            "RestrictAddressFamilies=\"AF_INET AF_UNIX\"",
            "RestrictAddressFamilies=AF_INET \"AF_UNIX",
            "RestrictAddressFamilies=~ AF_INET",
            "RestrictAddressFamilies=~~AF_INET",
            "RestrictAddressFamilies=none AF_INET",
            "RestrictAddressFamilies=AF_INET none",
            "RestrictAddressFamilies=AF_MCTP AF_QIPCRTR AF_XDP AF_SMC AF_KCM",
            "RestrictAddressFamilies=~AF_MCTP",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// System calls

#[test]
fn system_call_filter_allow_lists() {
    check_services(
        "scf-allow",
        &[
            "SystemCallFilter=@system-service",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@privileged @resources",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@privileged:EPERM @resources:EPERM",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@privileged:kill",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@resources:1",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@resources:0",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@resources:4095",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@resources:4096",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@resources:eperm",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@resources:EBOGUS",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@resources:",
            "SystemCallFilter=@system-service\nSystemCallFilter=~@resources:KILL",
            "SystemCallFilter=@system-service\nSystemCallFilter=~ioprio_set setpriority sched_setattr",
            "SystemCallFilter=@system-service @clock",
            "SystemCallFilter=@system-service:EPERM",
            "SystemCallFilter=@basic-io",
            "SystemCallFilter=@default",
            "SystemCallFilter=read write",
            "SystemCallFilter=chown",
            "SystemCallFilter=@chown",
            "SystemCallFilter=swapon",
            "SystemCallFilter=@swap",
            "SystemCallFilter=@privileged",
            "SystemCallFilter=@resources",
            "SystemCallFilter=@obsolete",
            "SystemCallFilter=@debug @cpu-emulation @raw-io @reboot @module @mount",
            "SystemCallFilter=@known",
            "SystemCallFilter=@bogus-group",
            "SystemCallFilter=bogus_call",
            "SystemCallFilter=~@privileged",
            "SystemCallFilter=read\nSystemCallFilter=~@privileged",
            "SystemCallFilter=@privileged\nSystemCallFilter=~@privileged",
            "SystemCallFilter=@privileged\nSystemCallFilter=~@swap",
            "SystemCallFilter=@privileged\nSystemCallFilter=~@chown:EPERM",
            "SystemCallFilter=@system-service\nSystemCallFilter=",
            "SystemCallFilter=@system-service\nSystemCallFilter=\nSystemCallFilter=~@mount",
            "SystemCallFilter=arm_fadvise64_64",
            "SystemCallFilter=_llseek",
            "SystemCallFilter=@system-service _sysctl",
            "SystemCallFilter=\"@system-service @mount\"",
            "SystemCallFilter=@system-service \"@mount",
            "SystemCallFilter=@SYSTEM-SERVICE",
            "SystemCallFilter=READ",
            "SystemCallFilter=@aio @basic-io @chown @clock @cpu-emulation @debug @file-system @io-event @ipc @keyring @memlock @module @mount @network-io @obsolete @pkey @privileged @process @raw-io @reboot @resources @sandbox @setuid @signal @swap @sync @system-service @timer",
        ],
    );
}

#[test]
fn system_call_filter_deny_lists() {
    check_services(
        "scf-deny",
        &[
            "SystemCallFilter=~@mount",
            "SystemCallFilter=~@mount:EPERM",
            "SystemCallFilter=~@mount:kill",
            "SystemCallFilter=~@mount:13",
            "SystemCallFilter=~@swap @clock @cpu-emulation @debug @mount @module @raw-io @reboot @privileged @resources @obsolete",
            "SystemCallFilter=~@privileged",
            "SystemCallFilter=~@privileged @resources",
            "SystemCallFilter=~@privileged\nSystemCallFilter=chown",
            "SystemCallFilter=~@privileged\nSystemCallFilter=@chown",
            "SystemCallFilter=~@privileged\nSystemCallFilter=@privileged",
            "SystemCallFilter=~@privileged\nSystemCallFilter=@chown:EPERM",
            "SystemCallFilter=~@clock\nSystemCallFilter=clock_settime",
            "SystemCallFilter=~swapon swapoff",
            "SystemCallFilter=~swapon",
            "SystemCallFilter=~bogus_call",
            "SystemCallFilter=~@bogus",
            "SystemCallFilter=~",
            "SystemCallFilter=~\nSystemCallFilter=~@mount",
            "SystemCallFilter=~@mount\nSystemCallFilter=",
            "SystemCallFilter=~@mount\nSystemCallFilter=\nSystemCallFilter=@system-service",
            "SystemCallFilter=~_sysctl",
            "SystemCallFilter=~arm_fadvise64_64 mount",
            "SystemCallFilter=~@obsolete",
            "SystemCallFilter=~@cpu-emulation",
            "SystemCallFilter=~@debug",
            "SystemCallFilter=~@module @raw-io @reboot",
            "SystemCallFilter=~@resources:EPERM @privileged:EACCES",
            "SystemCallFilter=~@default",
            "SystemCallFilter=~@known",
            "SystemCallFilter=~mount:ebogus umount2",
            "SystemCallFilter=~ mount",
            "SystemCallFilter=~~mount",
            "SystemCallErrorNumber=EPERM\nSystemCallFilter=~@mount",
        ],
    );
}

#[test]
fn system_call_architectures() {
    check_services(
        "arch",
        &[
            "SystemCallArchitectures=native",
            "SystemCallArchitectures=x86-64",
            "SystemCallArchitectures=native x86-64",
            "SystemCallArchitectures=native native",
            "SystemCallArchitectures=native\nSystemCallArchitectures=native",
            "SystemCallArchitectures=native\nSystemCallArchitectures=x86",
            "SystemCallArchitectures=native\nSystemCallArchitectures=",
            "SystemCallArchitectures=",
            "SystemCallArchitectures=bogus",
            "SystemCallArchitectures=native bogus",
            "SystemCallArchitectures=Native",
            "SystemCallArchitectures=x32 x86 arm arm64 mips mips64 mips64-n32 mips-le mips64-le mips64-le-n32",
            "SystemCallArchitectures=parisc parisc64 ppc ppc64 ppc64-le riscv64 s390 s390x",
            "SystemCallArchitectures=loongarch64",
            "SystemCallArchitectures=\"native\"",
            "SystemCallArchitectures=\"native x86\"",
            "SystemCallArchitectures=native \"x86",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// IP access lists and BPF filters

#[test]
fn ip_address_allow_and_deny() {
    check_services(
        "ip",
        &[
            "IPAddressDeny=any",
            "IPAddressDeny=any\nIPAddressAllow=localhost",
            "IPAddressDeny=any\nIPAddressAllow=127.0.0.1",
            "IPAddressDeny=any\nIPAddressAllow=127.0.0.0/8",
            "IPAddressDeny=any\nIPAddressAllow=127.1.2.3/16",
            "IPAddressDeny=any\nIPAddressAllow=::1",
            "IPAddressDeny=any\nIPAddressAllow=::1/128",
            "IPAddressDeny=any\nIPAddressAllow=::1/64",
            "IPAddressDeny=any\nIPAddressAllow=::1/127",
            "IPAddressDeny=any\nIPAddressAllow=10.0.0.0/8",
            "IPAddressDeny=any\nIPAddressAllow=localhost 10.0.0.1",
            "IPAddressDeny=any\nIPAddressAllow=link-local",
            "IPAddressDeny=any\nIPAddressAllow=multicast",
            "IPAddressDeny=any\nIPAddressAllow=any",
            "IPAddressDeny=any\nIPAddressAllow=foo.localhost",
            "IPAddressDeny=any\nIPAddressAllow=LOCALHOST",
            "IPAddressDeny=any\nIPAddressAllow=localhost.localdomain",
            "IPAddressDeny=any\nIPAddressAllow=localhost.",
            "IPAddressDeny=any\nIPAddressAllow=localhost\nIPAddressAllow=",
            "IPAddressDeny=any\nIPAddressAllow=bogus",
            "IPAddressDeny=any\nIPAddressAllow=127.0.0.1/33",
            "IPAddressDeny=any\nIPAddressAllow=127.0.0.1/-1",
            "IPAddressDeny=any\nIPAddressAllow=127.0.0.1/0",
            "IPAddressDeny=any\nIPAddressAllow=128.0.0.1/0",
            "IPAddressDeny=any\nIPAddressAllow=127.1",
            "IPAddressDeny=any\nIPAddressAllow=0x7f.0.0.1",
            "IPAddressDeny=any\nIPAddressAllow=127.0.0.01",
            "IPAddressDeny=any\nIPAddressAllow=::ffff:127.0.0.1",
            "IPAddressDeny=any\nIPAddressAllow=::",
            "IPAddressDeny=any\nIPAddressAllow=fe80::1%eth0",
            "IPAddressDeny=any\nIPAddressAllow=127.0.0.1/8/8",
            "IPAddressDeny=any\nIPAddressAllow=127.0.0.1/08",
            "IPAddressDeny=any\nIPAddressAllow=127.0.0.1/ 8",
            "IPAddressDeny=0.0.0.0/0 ::/0",
            "IPAddressDeny=0.0.0.0/0",
            "IPAddressDeny=::/0",
            "IPAddressDeny=0.0.0.0/0\nIPAddressDeny=::/0",
            "IPAddressDeny=1.2.3.4/0 1::/0",
            "IPAddressDeny=any\nIPAddressDeny=",
            "IPAddressDeny=link-local multicast",
            "IPAddressDeny=localhost",
            "IPAddressDeny=any bogus",
            "IPAddressDeny=ANY",
            "IPAddressDeny=\"any\"",
            "IPAddressAllow=localhost",
            "IPAddressDeny=any\nIPIngressFilterPath=/sys/fs/bpf/x",
            "IPEgressFilterPath=/sys/fs/bpf/x",
            "IPIngressFilterPath=/sys/fs/bpf/x\nIPIngressFilterPath=",
            "IPIngressFilterPath=relative/path",
            "IPIngressFilterPath=/sys/fs/bpf/%n",
            "IPIngressFilterPath=/sys/fs/bpf/%Z",
            "IPEgressFilterPath=/sys/../x",
            "IPEgressFilterPath=/sys/fs/bpf/x\nIPEgressFilterPath=/sys/fs/bpf/x\nIPEgressFilterPath=",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Devices

#[test]
fn device_policy_and_device_allow() {
    check_services(
        "dev",
        &[
            "DevicePolicy=closed",
            "DevicePolicy=strict",
            "DevicePolicy=auto",
            "DevicePolicy=Closed",
            "DevicePolicy=closed\nDevicePolicy=",
            "DevicePolicy=closed\nDevicePolicy=junk",
            "DevicePolicy=closed\nDeviceAllow=/dev/null rw",
            "DevicePolicy=closed\nDeviceAllow=/dev/null",
            "DevicePolicy=closed\nDeviceAllow=/dev/null wr",
            "DevicePolicy=closed\nDeviceAllow=/dev/null mwr",
            "DevicePolicy=closed\nDeviceAllow=/dev/null m",
            "DevicePolicy=closed\nDeviceAllow=/dev/null rwx",
            "DevicePolicy=closed\nDeviceAllow=/dev/null rr",
            "DevicePolicy=closed\nDeviceAllow=/dev/null  r",
            "DevicePolicy=closed\nDeviceAllow=/dev/null r w",
            "DevicePolicy=closed\nDeviceAllow=/dev/null\nDeviceAllow=/dev/zero r\nDeviceAllow=char-pts rw",
            "DevicePolicy=closed\nDeviceAllow=char-pts rw\nDeviceAllow=block-loop r",
            "DevicePolicy=closed\nDeviceAllow=char-*\nDeviceAllow=block-* m",
            "DevicePolicy=closed\nDeviceAllow=/dev/null\nDeviceAllow=",
            "DevicePolicy=closed\nDeviceAllow=/dev/null\nDeviceAllow=\nDeviceAllow=/dev/zero",
            "DevicePolicy=closed\nDeviceAllow=/dev/null\nDeviceAllow=/dev/null",
            "DevicePolicy=closed\nDeviceAllow=/tmp/x",
            "DevicePolicy=closed\nDeviceAllow=dev/null",
            "DevicePolicy=closed\nDeviceAllow=/dev/../etc/passwd",
            "DevicePolicy=closed\nDeviceAllow=/dev//null/ r",
            "DevicePolicy=closed\nDeviceAllow=/dev/./null r",
            "DevicePolicy=closed\nDeviceAllow=/dev",
            "DevicePolicy=closed\nDeviceAllow=/dev/",
            "DevicePolicy=closed\nDeviceAllow=\"/dev/my dev\" r",
            "DevicePolicy=closed\nDeviceAllow=/dev/%n r",
            "DevicePolicy=closed\nDeviceAllow=/dev/%Z r",
            "DevicePolicy=closed\nDeviceAllow=char-%p",
            "DevicePolicy=closed\nDeviceAllow=bogus-x",
            "DeviceAllow=/dev/null rw",
            "DeviceAllow=/dev/null rw\nDevicePolicy=strict",
            "PrivateDevices=yes",
            "PrivateDevices=yes\nDevicePolicy=strict",
            "PrivateDevices=yes\nDevicePolicy=auto",
            "PrivateDevices=yes\nDeviceAllow=/dev/null r",
            "PrivateDevices=yes\nProtectClock=yes",
            "ProtectClock=yes",
            "ProtectClock=yes\nDevicePolicy=closed",
            "ProtectClock=yes\nDeviceAllow=/dev/null r",
            "ProtectClock=yes\nDevicePolicy=closed\nDeviceAllow=char-rtc r",
            "RootImage=/img.raw",
            "RootImage=/img.raw\nDevicePolicy=closed",
            "RootImage=/img.raw\nDeviceAllow=/dev/null r",
            "RootImage=/img.raw\nPrivateDevices=yes\nProtectClock=yes",
            "MountImages=/a.raw:/mnt",
            "MountImages=/a.raw:/mnt\nDevicePolicy=strict",
            "MountImages=/a.raw:/mnt\nMountImages=\nDevicePolicy=strict",
            "LoadCredentialEncrypted=foo:/etc/foo.cred\nDevicePolicy=closed",
            "LoadCredentialEncrypted=foo:/etc/foo.cred",
            "SetCredentialEncrypted=foo:abcdef\nDevicePolicy=closed",
            "SetCredentialEncrypted=foo:abcdef\nPrivateDevices=yes\nProtectClock=yes\nRootImage=/x.raw",
            "LoadCredentialEncrypted=\nDevicePolicy=closed",
            "LoadCredentialEncrypted=foo\nDevicePolicy=closed",
            "LoadCredential=foo:/etc/foo\nDevicePolicy=closed",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Users

#[test]
fn user_values() {
    check_services(
        "user",
        &[
            "User=root",
            "User=0",
            "User=nobody",
            "User=1000",
            "User=00",
            "User=-1",
            "User=a b",
            "User=ROOT",
            "User=root\nUser=",
            "User=svc\nUser=",
            "User=",
            "User=65534",
            "User=65535",
            "User=4294967294",
            "User=4294967295",
            "User=4294967296",
            "User=a:b",
            "User=a/b",
            "User=.",
            "User=..",
            "User=-",
            "User=-x",
            "User=x-",
            "User=%u",
            "User=%U",
            "User=%n",
            "User=%p",
            "User=%Z",
            "User=%%",
            "User=svc\nGroup=00",
            "User=svc\nGroup=root",
            "User=\"svc\"",
            "User='root'",
            "User=sv\\x63",
            "User=ünïcödé",
        ],
    );
}

#[test]
fn supplementary_groups() {
    check_services(
        "groups",
        &[
            "SupplementaryGroups=",
            "SupplementaryGroups=wheel",
            "User=svc\nSupplementaryGroups=wheel",
            "User=svc\nSupplementaryGroups=wheel\nSupplementaryGroups=",
            "User=svc\nSupplementaryGroups=\nSupplementaryGroups=adm",
            "User=svc\nSupplementaryGroups=a b c",
            "User=svc\nSupplementaryGroups=00",
            "User=svc\nSupplementaryGroups=a 00",
            "User=svc\nSupplementaryGroups=a:b",
            "User=svc\nSupplementaryGroups=%Z",
            "User=svc\nSupplementaryGroups=%p",
            "User=svc\nSupplementaryGroups=\"a b\"",
            "User=svc\nSupplementaryGroups=\"a b",
            "DynamicUser=yes\nSupplementaryGroups=adm",
            "User=root\nSupplementaryGroups=adm",
            "User=0\nSupplementaryGroups=adm\nRemoveIPC=yes",
            "User=svc\nRemoveIPC=yes",
            "User=svc\nRemoveIPC=no",
        ],
    );
}

#[test]
fn dynamic_user_and_unit_names() {
    let long = "a-very-long-service-name-more-than-31-chars";
    Test::new()
        .unit("nobody.service", service("DynamicUser=yes"))
        .unit("root.service", service("DynamicUser=yes"))
        .unit("0.service", service("DynamicUser=yes"))
        .unit("1000.service", service("DynamicUser=yes"))
        .unit("00.service", service("DynamicUser=yes"))
        .unit("9lives.service", service("DynamicUser=yes"))
        .unit(&format!("{long}.service"), service("DynamicUser=yes"))
        .unit(
            "abcdefghijklmnopqrstuvwxyz01234.service",
            service("DynamicUser=yes"),
        )
        .unit(
            "abcdefghijklmnopqrstuvwxyz012345.service",
            service("DynamicUser=yes"),
        )
        .unit("with.dot.service", service("DynamicUser=yes"))
        .unit("with\\x2ddash.service", service("DynamicUser=yes"))
        .unit("_under.service", service("DynamicUser=yes"))
        .unit("Upper-Case_9.service", service("DynamicUser=yes"))
        .unit(
            "du-root-user.service",
            service("DynamicUser=yes\nUser=root"),
        )
        .unit("du-zero-user.service", service("DynamicUser=yes\nUser=0"))
        .unit(
            "du-nobody-user.service",
            service("DynamicUser=yes\nUser=nobody"),
        )
        .unit("du-svc-user.service", service("DynamicUser=yes\nUser=svc"))
        .unit("du-no.service", service("DynamicUser=no"))
        .unit(
            "du-yes-then-no.service",
            service("DynamicUser=yes\nDynamicUser=no"),
        )
        .unit("du-bad.service", service("DynamicUser=junk"))
        .unit("du-empty.service", service("DynamicUser="))
        .unit(
            "du-home.service",
            service("DynamicUser=yes\nProtectHome=tmpfs"),
        )
        .unit(
            "du-home-yes.service",
            service("DynamicUser=yes\nProtectHome=yes"),
        )
        .unit(
            "du-sys.service",
            service("DynamicUser=yes\nProtectSystem=full"),
        )
        .unit(
            "du-reset.service",
            service("DynamicUser=yes\nPrivateTmp=no\nRemoveIPC=no\nNoNewPrivileges=no"),
        )
        .unit("root@.service", service("DynamicUser=yes"))
        .arg_unit("root@x.service")
        .unit("tmpl@.service", service("DynamicUser=yes"))
        .arg_unit("tmpl@nobody.service")
        .unit("nobody@.service", service("DynamicUser=yes"))
        .unit(
            "nobody.socket",
            "[Socket]\nListenStream=/run/x\nDynamicUser=yes\n",
        )
        .unit(
            "root.socket",
            "[Socket]\nListenStream=/run/x\nDynamicUser=yes\n",
        )
        .run();
}

#[test]
fn default_dependencies_no() {
    check_services(
        "defdeps",
        &[
            "[Unit]\nDefaultDependencies=no",
            "[Unit]\nDefaultDependencies=false\n[Service]\nProtectSystem=strict",
            "[Unit]\nDefaultDependencies=junk",
            "[Unit]\nDefaultDependencies=no\nDefaultDependencies=",
            "[Unit]\nDefaultDependencies=no\nDefaultDependencies=yes",
            "[Unit]\nDefaultDependencies=no\n[Service]\nUser=svc\nPrivateTmp=yes\nRootDirectory=/srv",
        ],
    );
}

#[test]
fn root_directory_and_root_image() {
    check_services(
        "rootdir",
        &[
            "RootDirectory=/srv/root",
            "RootDirectory=/",
            "RootDirectory=//",
            "RootDirectory=",
            "RootDirectory=/srv\nRootDirectory=",
            "RootDirectory=relative",
            "RootDirectory=/srv/../x",
            "RootDirectory=/srv/%n",
            "RootDirectory=/srv/%Z",
            "RootImage=/img.raw",
            "RootImage=/",
            "RootImage=relative.raw",
            "RootImage=/img.raw\nRootImage=",
            "RootDirectory=/\nRootImage=/",
            "RootDirectory=/./",
            "RootDirectory=-/srv",
        ],
    );
}

#[test]
fn encrypted_credentials_and_the_tpm_device() {
    let bodies: Vec<String> = [
        "LoadCredentialEncrypted=foo:/etc/foo.cred",
        "LoadCredentialEncrypted=foo",
        "LoadCredentialEncrypted=foo:",
        "LoadCredentialEncrypted=foo:relative",
        "LoadCredentialEncrypted=foo:rel/ative",
        "LoadCredentialEncrypted=foo:/etc/../x",
        "LoadCredentialEncrypted=foo:/etc//x",
        "LoadCredentialEncrypted=foo:/etc/./x",
        "LoadCredentialEncrypted=:/etc/x",
        "LoadCredentialEncrypted=a/b:/etc/x",
        "LoadCredentialEncrypted=..:/etc/x",
        "LoadCredentialEncrypted=%n:/etc/x",
        "LoadCredentialEncrypted=%Z:/etc/x",
        "LoadCredentialEncrypted=foo:/etc/%Z",
        "LoadCredentialEncrypted=fo\\:o:/etc/x",
        "LoadCredentialEncrypted=foo:/etc/x\nLoadCredential=foo:/etc/y",
        "LoadCredentialEncrypted=foo:/etc/x\nLoadCredential=bar:/etc/y",
        "LoadCredentialEncrypted=foo:/etc/x\nLoadCredential=",
        "LoadCredentialEncrypted=foo:/etc/x\nLoadCredentialEncrypted=",
        "LoadCredentialEncrypted=foo:/etc/x\nSetCredential=",
        "LoadCredential=foo:/etc/y\nLoadCredentialEncrypted=foo:/etc/x",
        "SetCredentialEncrypted=foo:",
        "SetCredentialEncrypted=foo",
        "SetCredentialEncrypted=foo:abcd",
        "SetCredentialEncrypted=foo:abcdef",
        "SetCredentialEncrypted=foo:abcdefg=",
        "SetCredentialEncrypted=foo:abcdef==",
        "SetCredentialEncrypted=foo:abcdeQ==",
        "SetCredentialEncrypted=foo:abcdeg==",
        "SetCredentialEncrypted=foo:ab cd\\nefgh",
        "SetCredentialEncrypted=foo:ab cd ef gh",
        "SetCredentialEncrypted=foo:ab-_",
        "SetCredentialEncrypted=foo:ab+/",
        "SetCredentialEncrypted=foo:abcd====",
        "SetCredentialEncrypted=foo:abc=abcd",
        "SetCredentialEncrypted=foo:a===",
        "SetCredentialEncrypted=foo:abcd\nSetCredential=foo:plain",
        "SetCredentialEncrypted=foo:abcd\nSetCredential=bar:plain",
        "SetCredentialEncrypted=foo:abcd\nSetCredential=",
        "SetCredentialEncrypted=foo:abcd\nLoadCredential=",
        "SetCredential=foo:x\nSetCredentialEncrypted=foo:abcd",
        "SetCredentialEncrypted=:abcd",
        "SetCredentialEncrypted=%p:abcd",
    ]
    .iter()
    .map(|b| format!("DevicePolicy=closed\n{b}"))
    .collect();
    let bodies: Vec<&str> = bodies.iter().map(String::as_str).collect();
    check_services("cred", &bodies);
}

#[test]
fn device_allow_inaccessible_nodes() {
    check_services(
        "devnode",
        &[
            "DevicePolicy=closed\nDeviceAllow=/run/systemd/inaccessible/chr r",
            "DevicePolicy=closed\nDeviceAllow=/run/systemd/inaccessible r",
            "DevicePolicy=closed\nDeviceAllow=/run/systemd/inaccessiblex r",
            "DevicePolicy=closed\nDeviceAllow=/devx r",
            "DevicePolicy=closed\nDeviceAllow=/ r",
            "DevicePolicy=strict\nDeviceAllow=/dev///",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Drop-ins

const LIB: &str = "lib/systemd/system";
const ETC: &str = "etc/systemd/system";
const RUN: &str = "run/systemd/system";

#[test]
fn dropins_for_names_templates_instances_and_types() {
    Test::new()
        // <name>.d
        .unit("plain.service", EXEC)
        .file(
            &format!("{ETC}/plain.service.d/10-user.conf"),
            "[Service]\nUser=svc\n",
        )
        .file(
            &format!("{ETC}/plain.service.d/20-net.conf"),
            "[Service]\nPrivateNetwork=yes\n",
        )
        .file(
            &format!("{ETC}/plain.service.d/notconf.txt"),
            "[Service]\nUser=root\n",
        )
        .file(
            &format!("{ETC}/plain.service.d/.hidden.conf"),
            "[Service]\nUser=nobody\n",
        )
        .file(
            &format!("{ETC}/plain.service.d/sub.conf/x.conf"),
            "[Service]\nUser=nobody\n",
        )
        // drop-ins apply in file-name order, whatever their directory
        .unit("order.service", EXEC)
        .file(
            &format!("{LIB}/order.service.d/10-a.conf"),
            "[Service]\nUser=nobody\n",
        )
        .file(
            &format!("{ETC}/order.service.d/20-b.conf"),
            "[Service]\nUser=svc\n",
        )
        .file(
            &format!("{RUN}/order.service.d/05-c.conf"),
            "[Service]\nUser=root\n",
        )
        .unit("order2.service", EXEC)
        .file(
            &format!("{ETC}/order2.service.d/a.conf"),
            "[Service]\nUser=nobody\n",
        )
        .file(
            &format!("{LIB}/order2.service.d/B.conf"),
            "[Service]\nUser=svc\n",
        )
        .file(
            &format!("{LIB}/order2.service.d/a-.conf"),
            "[Service]\nUser=root\n",
        )
        // same file name in several directories: the first directory of the path wins
        .unit("shadow.service", EXEC)
        .file(
            &format!("{LIB}/shadow.service.d/10.conf"),
            "[Service]\nUser=svc\n",
        )
        .file(
            &format!("{ETC}/shadow.service.d/10.conf"),
            "[Service]\nUser=nobody\n",
        )
        .file(
            &format!("{RUN}/shadow.service.d/10.conf"),
            "[Service]\nUser=root\n",
        )
        // masked drop-ins: empty file or /dev/null hide a lower one of the same name
        .unit("mask-empty.service", EXEC)
        .file(
            &format!("{LIB}/mask-empty.service.d/10.conf"),
            "[Service]\nUser=svc\n",
        )
        .file(&format!("{ETC}/mask-empty.service.d/10.conf"), "")
        .unit("mask-null.service", EXEC)
        .file(
            &format!("{LIB}/mask-null.service.d/10.conf"),
            "[Service]\nUser=svc\n",
        )
        .symlink(&format!("{ETC}/mask-null.service.d/10.conf"), "/dev/null")
        .unit("mask-only.service", service("User=svc"))
        .symlink(&format!("{ETC}/mask-only.service.d/10.conf"), "/dev/null")
        // a drop-in that is a symlink to a regular file elsewhere
        .unit("linked-dropin.service", EXEC)
        .file("elsewhere/x.conf", "[Service]\nUser=svc\n")
        .symlink(
            &format!("{ETC}/linked-dropin.service.d/x.conf"),
            "/elsewhere/x.conf",
        )
        .symlink(
            &format!("{ETC}/linked-dropin2.service.d/x.conf"),
            "../../../../elsewhere/x.conf",
        )
        .unit("linked-dropin2.service", EXEC)
        .symlink(
            &format!("{ETC}/dangling-dropin.service.d/x.conf"),
            "/nonexistent.conf",
        )
        .unit("dangling-dropin.service", service("User=svc"))
        // a drop-in directory that is a symlink
        .file("elsewhere/dir/x.conf", "[Service]\nUser=svc\n")
        .symlink(&format!("{ETC}/dirlink.service.d"), "/elsewhere/dir")
        .unit("dirlink.service", EXEC)
        // template and instance drop-ins
        .unit("tmpl@.service", EXEC)
        .file(
            &format!("{ETC}/tmpl@.service.d/10.conf"),
            "[Service]\nUser=svc\n",
        )
        .file(
            &format!("{ETC}/tmpl@one.service.d/20.conf"),
            "[Service]\nUser=nobody\n",
        )
        .file(
            &format!("{ETC}/tmpl@two.service.d/10.conf"),
            "[Service]\nUser=root\n",
        )
        .arg_unit("tmpl@one.service")
        .arg_unit("tmpl@two.service")
        .arg_unit("tmpl@three.service")
        .arg_unit("tmpl@i.service")
        // type-level drop-ins
        .unit("typed.service", EXEC)
        .unit("typed.socket", "[Socket]\nListenStream=/run/typed\n")
        .file(
            &format!("{LIB}/service.d/50-type.conf"),
            "[Service]\nProtectSystem=full\n",
        )
        .file(
            &format!("{ETC}/socket.d/50-type.conf"),
            "[Socket]\nProtectSystem=strict\n",
        )
        .file(
            &format!("{ETC}/typed.service.d/50-type.conf"),
            "[Service]\nProtectSystem=strict\n",
        )
        .file(
            &format!("{ETC}/timer.d/50-type.conf"),
            "[Unit]\nDefaultDependencies=no\n",
        )
        .unit("typed.timer", "[Timer]\nOnCalendar=daily\n")
        .run();
}

#[test]
fn dash_prefix_dropins() {
    Test::new()
        .unit("a-b-c.service", EXEC)
        .file(
            &format!("{ETC}/a-.service.d/10.conf"),
            "[Service]\nUser=svc\nPrivateTmp=yes\n",
        )
        .file(
            &format!("{ETC}/a-b-.service.d/10.conf"),
            "[Service]\nUser=nobody\n",
        )
        .file(
            &format!("{ETC}/a-b-.service.d/20.conf"),
            "[Service]\nPrivateNetwork=yes\n",
        )
        .file(
            &format!("{LIB}/a-.service.d/30.conf"),
            "[Service]\nProtectHome=yes\n",
        )
        .unit("a-x.service", EXEC)
        .unit("a.service", EXEC)
        .unit("a-.service", EXEC)
        .unit("a--b.service", EXEC)
        .file(
            &format!("{ETC}/a--.service.d/10.conf"),
            "[Service]\nProtectClock=yes\n",
        )
        .unit("-a-b.service", EXEC)
        .file(
            &format!("{ETC}/-.service.d/10.conf"),
            "[Service]\nProtectHostname=yes\n",
        )
        .file(
            &format!("{ETC}/-a-.service.d/10.conf"),
            "[Service]\nLockPersonality=yes\n",
        )
        .unit("b-c-.service", EXEC)
        .file(
            &format!("{ETC}/b-.service.d/10.conf"),
            "[Service]\nUser=svc\n",
        )
        .file(
            &format!("{ETC}/b-c-.service.d/10.conf"),
            "[Service]\nUser=nobody\n",
        )
        // instances and templates with dashes in the prefix
        .unit("foo-bar@.service", EXEC)
        .file(
            &format!("{ETC}/foo-@.service.d/10.conf"),
            "[Service]\nUser=svc\n",
        )
        .file(
            &format!("{ETC}/foo-.service.d/20.conf"),
            "[Service]\nPrivateNetwork=yes\n",
        )
        .file(
            &format!("{ETC}/foo-@x.service.d/30.conf"),
            "[Service]\nProtectClock=yes\n",
        )
        .file(
            &format!("{ETC}/foo-bar@x.service.d/40.conf"),
            "[Service]\nProtectHome=yes\n",
        )
        .arg_unit("foo-bar@x.service")
        .arg_unit("foo-bar@y.service")
        .arg_unit("foo-bar@a-b.service")
        // dash-prefix drop-ins of other types
        .unit("d-e.socket", "[Socket]\nListenStream=/run/x\n")
        .file(
            &format!("{ETC}/d-.socket.d/10.conf"),
            "[Socket]\nPrivateTmp=yes\n",
        )
        .file(
            &format!("{ETC}/d-.service.d/10.conf"),
            "[Service]\nPrivateTmp=yes\n",
        )
        .unit("user-1000.slice", "[Slice]\n")
        .file(
            &format!("{ETC}/user-.slice.d/10.conf"),
            "[Slice]\nDevicePolicy=closed\n",
        )
        .run();
}

#[test]
fn dropin_errors() {
    Test::new()
        // a syntax error in a drop-in: what came before it applies
        .unit("syntax.service", EXEC)
        .file(
            &format!("{ETC}/syntax.service.d/10.conf"),
            "[Service]\nUser=svc\n[Broken\nPrivateNetwork=yes\n",
        )
        .file(
            &format!("{ETC}/syntax.service.d/20.conf"),
            "[Service]\nProtectClock=yes\n",
        )
        // a bad User= in a drop-in
        .unit("baduser.service", EXEC)
        .file(
            &format!("{ETC}/baduser.service.d/10.conf"),
            "[Service]\nPrivateNetwork=yes\nUser=00\nProtectClock=yes\n",
        )
        .file(
            &format!("{ETC}/baduser.service.d/20.conf"),
            "[Service]\nProtectHostname=yes\n",
        )
        .unit("baddu.service", EXEC)
        .file(
            &format!("{ETC}/baddu.service.d/10.conf"),
            "[Service]\nPrivateNetwork=yes\nDynamicUser=maybe\nProtectClock=yes\n",
        )
        .unit("badspec.service", EXEC)
        .file(
            &format!("{ETC}/badspec.service.d/10.conf"),
            "[Service]\nPrivateNetwork=yes\nUser=%Z\nProtectClock=yes\n",
        )
        .unit("badgroups.service", EXEC)
        .file(
            &format!("{ETC}/badgroups.service.d/10.conf"),
            "[Service]\nUser=svc\nSupplementaryGroups=a 00\nProtectClock=yes\n",
        )
        // a drop-in with a NUL byte, invalid UTF-8, or an over-long line
        .unit("dropnul.service", EXEC)
        .file(
            &format!("{ETC}/dropnul.service.d/10.conf"),
            b"[Service]\nUser=svc\x00\nPrivateNetwork=yes\n".as_slice(),
        )
        .unit("dropbadutf8.service", EXEC)
        .file(
            &format!("{ETC}/dropbadutf8.service.d/10.conf"),
            b"[Service]\nUser=svc\nX=\xff\xfe\nPrivateNetwork=yes\n".as_slice(),
        )
        .unit("droplong.service", EXEC)
        .file(
            &format!("{ETC}/droplong.service.d/10.conf"),
            format!(
                "[Service]\nUser=svc\nX={}\nPrivateNetwork=yes\n",
                "x".repeat(1024 * 1024 + 10)
            ),
        )
        // a drop-in removing ExecStart= makes the unit invalid
        .unit("noexec.service", EXEC)
        .file(
            &format!("{ETC}/noexec.service.d/10.conf"),
            "[Service]\nExecStart=\n",
        )
        .unit("twoexec.service", EXEC)
        .file(
            &format!("{ETC}/twoexec.service.d/10.conf"),
            "[Service]\nExecStart=/bin/false\n",
        )
        .unit("resetexec.service", EXEC)
        .file(
            &format!("{ETC}/resetexec.service.d/10.conf"),
            "[Service]\nExecStart=\nExecStart=/bin/false\n",
        )
        // a drop-in with sections of another type
        .unit("othersection.service", EXEC)
        .file(
            &format!("{ETC}/othersection.service.d/10.conf"),
            "[Socket]\nUser=nobody\n[Install]\nWantedBy=x\n[X-Foo]\nUser=root\n",
        )
        .run();
}

// ---------------------------------------------------------------------------------------------
// Templates and specifiers

#[test]
fn templates_and_specifiers() {
    let spec =
        "DevicePolicy=closed\nDeviceAllow=/dev/n=%n|N=%N|p=%p|P=%P|i=%i|I=%I|j=%j|J=%J|f=%f|%% r";
    Test::new()
        .unit("spec@.service", service(spec))
        .arg_unit("spec@inst.service")
        .arg_unit("spec@a-b.service")
        .arg_unit("spec@a\\x2db.service")
        .arg_unit("spec@-a-b-.service")
        .arg_unit("spec@.service")
        .unit("spec-x-y@.service", service(spec))
        .arg_unit("spec-x-y@z.service")
        .unit("plain-x-y.service", service(spec))
        .unit("pl\\x2dain.service", service(spec))
        .unit("user@.service", service("User=%i"))
        .arg_unit("user@root.service")
        .arg_unit("user@0.service")
        .arg_unit("user@nobody.service")
        .arg_unit("user@svc.service")
        .arg_unit("user@00.service")
        .arg_unit("user@ro\\x6ft.service")
        .unit("useri@.service", service("User=%I"))
        .arg_unit("useri@ro\\x6ft.service")
        .arg_unit("useri@a-b.service")
        .unit("usern-root@.service", service("User=%j"))
        .arg_unit("usern-root@x.service")
        .unit("nobody@.service", service("User=%p"))
        .arg_unit("nobody@x.service")
        .unit("root@.service", service("User=%P"))
        .arg_unit("root@x.service")
        .unit("userf@.service", service("User=%f"))
        .arg_unit("userf@x.service")
        .unit(
            "groups@.service",
            service("User=svc\nSupplementaryGroups=%i"),
        )
        .arg_unit("groups@00.service")
        .arg_unit("groups@adm.service")
        .unit("rootdir@.service", service("RootDirectory=/srv/%i"))
        .arg_unit("rootdir@x.service")
        .unit("badexec@.service", "[Service]\nExecStart=/bin/%Z\n")
        .arg_unit("badexec@x.service")
        .unit("badexec-ignore@.service", "[Service]\nExecStart=-/bin/%Z\n")
        .arg_unit("badexec-ignore@x.service")
        .unit("badexec-arg.service", "[Service]\nExecStart=/bin/true %Z\n")
        .unit(
            "badexec-arg-ignore.service",
            "[Service]\nExecStart=-/bin/true %Z\n",
        )
        .unit(
            "badexec-ok.service",
            "[Service]\nExecStart=/bin/true %i %n %%\n",
        )
        .unit(
            "tailpct.service",
            service("DevicePolicy=closed\nDeviceAllow=/dev/x% r"),
        )
        .run();
}

// ---------------------------------------------------------------------------------------------
// Aliases, links, masks

#[test]
fn aliases_links_and_masks() {
    Test::new()
        .file(&format!("{LIB}/target.service"), service("User=svc"))
        .link_unit("alias.service", "target.service")
        .link_unit("abs-alias.service", "/lib/systemd/system/target.service")
        .file(
            &format!("{ETC}/alias.service.d/10.conf"),
            "[Service]\nPrivateNetwork=yes\n",
        )
        .file(
            &format!("{LIB}/target.service.d/10.conf"),
            "[Service]\nProtectClock=yes\n",
        )
        .arg_unit("target.service")
        // a chain and a loop
        .link_unit("chain1.service", "chain2.service")
        .link_unit("chain2.service", "chain3.service")
        .unit("chain3.service", service("User=nobody"))
        .link_unit("loop1.service", "loop2.service")
        .link_unit("loop2.service", "loop1.service")
        .link_unit("self.service", "self.service")
        // dangling
        .link_unit("dangling.service", "nonexistent.service")
        .link_unit("dangling-abs.service", "/nonexistent/x.service")
        // alias to another type, and to an invalid name
        .link_unit("othertype.service", "target.socket")
        .file(
            &format!("{ETC}/target.socket"),
            "[Socket]\nListenStream=/run/x\n",
        )
        .link_unit("badname.service", "not-a-unit")
        .file(&format!("{ETC}/not-a-unit"), EXEC)
        // linked units: a symlink to a file outside the search path keeps its own name
        .file(
            "opt/units/linked-target.service",
            service("User=svc\nPrivateTmp=yes"),
        )
        .link_unit("linked.service", "/opt/units/linked-target.service")
        .link_unit(
            "linked-rel.service",
            "../../../opt/units/linked-target.service",
        )
        .file("opt/units/same.service", service("User=nobody"))
        .link_unit("same.service", "/opt/units/same.service")
        // masks
        .link_unit("masked.service", "/dev/null")
        .unit("empty.service", "")
        .unit("blank.service", "\n")
        .unit("comment-only.service", "# nothing\n")
        .file(&format!("{LIB}/masked-in-etc.service"), EXEC)
        .symlink(&format!("{ETC}/masked-in-etc.service"), "/dev/null")
        .file(&format!("{ETC}/empty-in-etc.service"), "")
        .file(&format!("{LIB}/empty-in-etc.service"), EXEC)
        .arg_unit("masked-in-etc.service")
        .arg_unit("empty-in-etc.service")
        .link_unit("alias-of-masked.service", "masked.service")
        // templates and aliases
        .file(&format!("{LIB}/tmpl@.service"), service("User=%i"))
        .link_unit("talias@.service", "tmpl@.service")
        .arg_unit("talias@root.service")
        .arg_unit("talias@svc.service")
        .link_unit("tinst@x.service", "tmpl@x.service")
        .link_unit("tinst2@y.service", "tmpl@.service")
        .link_unit("inst-alias.service", "tmpl@nobody.service")
        .file(
            &format!("{ETC}/talias@.service.d/10.conf"),
            "[Service]\nPrivateNetwork=yes\n",
        )
        // the same unit under several names in one run
        .arg_unit("chain1.service")
        .arg_unit("chain3.service")
        // a directory where a unit file should be
        .dir(&format!("{ETC}/adir.service"))
        .arg_unit("adir.service")
        .run();
}

#[test]
fn aliases_in_several_directories() {
    Test::new()
        .file(&format!("{LIB}/real.service"), service("User=svc"))
        .file(&format!("{ETC}/real.service"), service("User=nobody"))
        .arg_unit("real.service")
        .file(&format!("{LIB}/over.service"), service("User=svc"))
        .symlink(
            &format!("{RUN}/over.service"),
            "/lib/systemd/system/real.service",
        )
        .arg_unit("over.service")
        .file(
            &format!("{LIB}/dbus-org.example.service"),
            service("User=nobody"),
        )
        .symlink(
            &format!("{ETC}/dbus-org.example.service"),
            "/lib/systemd/system/real.service",
        )
        .arg_unit("dbus-org.example.service")
        .symlink(&format!("{LIB}/lib-alias.service"), "real.service")
        .file(
            &format!("{LIB}/lib-alias.service.d/x.conf"),
            "[Service]\nProtectClock=yes\n",
        )
        .arg_unit("lib-alias.service")
        .arg_unit("not-there.service")
        .arg("not-a-name")
        .arg("bad@@.service")
        .arg("@x.service")
        .arg("foo.unknowntype")
        .run();
}

// ---------------------------------------------------------------------------------------------
// Settings that make the service invalid

#[test]
fn service_verification() {
    Test::new()
        .unit("noexec.service", "[Service]\nUser=svc\n")
        .unit("empty-service-section.service", "[Service]\n")
        .unit("only-unit.service", "[Unit]\nDescription=x\n")
        .unit(
            "two-exec.service",
            "[Service]\nExecStart=/bin/true\nExecStart=/bin/false\n",
        )
        .unit(
            "two-exec-reset.service",
            "[Service]\nExecStart=/bin/true\nExecStart=\nExecStart=/bin/false\n",
        )
        .unit(
            "two-exec-oneshot.service",
            "[Service]\nType=oneshot\nExecStart=/bin/true\nExecStart=/bin/false\n",
        )
        .unit(
            "semicolon.service",
            "[Service]\nExecStart=/bin/true ; /bin/false\n",
        )
        .unit("oneshot-noexec.service", "[Service]\nType=oneshot\n")
        .unit(
            "oneshot-remain.service",
            "[Service]\nType=oneshot\nRemainAfterExit=yes\n",
        )
        .unit(
            "oneshot-remain-stop.service",
            "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStop=/bin/true\n",
        )
        .unit(
            "oneshot-stop.service",
            "[Service]\nType=oneshot\nExecStop=/bin/true\n",
        )
        .unit(
            "simple-stop.service",
            "[Service]\nType=simple\nExecStop=/bin/true\nRemainAfterExit=yes\n",
        )
        .unit(
            "notype-stop-remain.service",
            "[Service]\nExecStop=/bin/true\nRemainAfterExit=yes\n",
        )
        .unit(
            "success-action.service",
            "[Unit]\nSuccessAction=reboot\n[Service]\nType=oneshot\n",
        )
        .unit(
            "success-action-none.service",
            "[Unit]\nSuccessAction=none\n[Service]\nType=oneshot\n",
        )
        .unit(
            "success-action-bad.service",
            "[Unit]\nSuccessAction=bogus\n[Service]\nType=oneshot\n",
        )
        .unit(
            "dbus-nobus.service",
            "[Service]\nType=dbus\nExecStart=/bin/true\n",
        )
        .unit(
            "dbus-bus.service",
            "[Service]\nType=dbus\nBusName=org.example.Foo\nExecStart=/bin/true\n",
        )
        .unit(
            "busname-only.service",
            "[Service]\nBusName=org.example.Foo\nExecStart=/bin/true\n",
        )
        .unit(
            "busname-invalid.service",
            "[Service]\nType=dbus\nBusName=not a bus\nExecStart=/bin/true\n",
        )
        .unit(
            "busname-reset.service",
            "[Service]\nType=dbus\nBusName=org.example.Foo\nBusName=\nExecStart=/bin/true\n",
        )
        .unit(
            "busname-oneshot.service",
            "[Service]\nBusName=org.example.Foo\n",
        )
        .unit(
            "pam-killmode.service",
            "[Service]\nExecStart=/bin/true\nPAMName=login\nKillMode=process\n",
        )
        .unit(
            "pam-mixed.service",
            "[Service]\nExecStart=/bin/true\nPAMName=login\nKillMode=mixed\n",
        )
        .unit(
            "pam-none.service",
            "[Service]\nExecStart=/bin/true\nPAMName=login\nKillMode=none\n",
        )
        .unit(
            "pam-reset.service",
            "[Service]\nExecStart=/bin/true\nPAMName=login\nPAMName=\nKillMode=process\n",
        )
        .unit(
            "restart-always-oneshot.service",
            "[Service]\nType=oneshot\nExecStart=/bin/true\nRestart=always\n",
        )
        .unit(
            "restart-onsuccess-oneshot.service",
            "[Service]\nType=oneshot\nExecStart=/bin/true\nRestart=on-success\n",
        )
        .unit(
            "restart-onfailure-oneshot.service",
            "[Service]\nType=oneshot\nExecStart=/bin/true\nRestart=on-failure\n",
        )
        .unit(
            "restart-always.service",
            "[Service]\nExecStart=/bin/true\nRestart=always\n",
        )
        .unit(
            "bad-type.service",
            "[Service]\nType=bogus\nExecStart=/bin/true\n",
        )
        .unit(
            "type-exec.service",
            "[Service]\nType=exec\nExecStart=/bin/true\n",
        )
        .unit(
            "type-forking.service",
            "[Service]\nType=forking\nExecStart=/bin/true\n",
        )
        .unit(
            "type-idle.service",
            "[Service]\nType=idle\nExecStart=/bin/true\n",
        )
        .unit("type-notify-oneshot.service", "[Service]\nType=notify\n")
        .unit("exec-relative.service", "[Service]\nExecStart=true\n")
        .unit(
            "exec-relative-slash.service",
            "[Service]\nExecStart=bin/true\n",
        )
        .unit("exec-dir.service", "[Service]\nExecStart=/bin/\n")
        .unit(
            "exec-prefixes.service",
            "[Service]\nExecStart=-@:+!/bin/true argv0\n",
        )
        .unit(
            "exec-double-bang.service",
            "[Service]\nExecStart=!!/bin/true\n",
        )
        .unit("exec-at-only.service", "[Service]\nExecStart=@/bin/true\n")
        .unit("exec-empty-prefix.service", "[Service]\nExecStart=-\n")
        .unit(
            "exec-quoted.service",
            "[Service]\nExecStart=\"/bin/true\" \"a b\"\n",
        )
        .unit(
            "exec-unbalanced.service",
            "[Service]\nExecStart=/bin/true \"a b\n",
        )
        .unit(
            "exec-unbalanced-ignore.service",
            "[Service]\nExecStart=-/bin/true \"a b\n",
        )
        .unit(
            "exec-special.service",
            "[Service]\nExecStart=/bin/tr\\x75e\n",
        )
        .unit(
            "exec-stop-bad.service",
            "[Service]\nExecStart=/bin/true\nExecStop=relative/x\n",
        )
        .unit(
            "exec-startpre-bad.service",
            "[Service]\nExecStart=/bin/true\nExecStartPre=relative/x\n",
        )
        .unit(
            "exec-startpre-only.service",
            "[Service]\nType=oneshot\nExecStartPre=/bin/true\n",
        )
        .unit("exec-percent.service", "[Service]\nExecStart=/bin/%n\n")
        .unit("exec-semicolon-only.service", "[Service]\nExecStart=;\n")
        .unit(
            "exec-escaped-semicolon.service",
            "[Service]\nExecStart=/bin/echo \\;\n",
        )
        .unit(
            "exec-trailing-semicolon.service",
            "[Service]\nExecStart=/bin/true ;\n",
        )
        .unit(
            "exec-two-semicolons.service",
            "[Service]\nExecStart=/bin/true ; ; /bin/false\n",
        )
        .unit(
            "remain-junk.service",
            "[Service]\nType=oneshot\nRemainAfterExit=junk\n",
        )
        .run();
}

// ---------------------------------------------------------------------------------------------
// File syntax

#[test]
fn file_syntax() {
    let long_value = "y".repeat(1024 * 1024);
    Test::new()
        .unit("comments.service", "# c\n; c\n  # indented\n[Service]\n# User=root\nExecStart=/bin/true\n  ;User=root\nUser=svc\n")
        .unit("continuation.service", "[Service]\nExecStart=/bin/true\nUser=sv\\\nc\nCapabilityBoundingSet=CAP_SYS_ADMIN \\\n  CAP_KILL\n")
        .unit("continuation-comment.service", "[Service]\nExecStart=/bin/true\nCapabilityBoundingSet=CAP_SYS_ADMIN \\\n# a comment\n CAP_KILL\n")
        .unit("continuation-eof.service", "[Service]\nExecStart=/bin/true\nUser=nobody\\")
        .unit("continuation-escaped.service", "[Service]\nExecStart=/bin/true\nUser=svc\\\\\nPrivateTmp=yes\n")
        .unit("continuation-empty.service", "[Service]\nExecStart=/bin/true\nUser=nobody\\\n\nPrivateTmp=yes\n")
        .unit("continuation-section.service", "[Service]\nExecStart=/bin/true\nUser=nobody\\\n[Unit]\n")
        .unit("crlf.service", "[Service]\r\nExecStart=/bin/true\r\nUser=nobody\r\nPrivateTmp=yes\r\n")
        .unit("cr.service", "[Service]\rExecStart=/bin/true\rUser=nobody\rPrivateTmp=yes\r")
        .unit("lfcr.service", "[Service]\n\rExecStart=/bin/true\n\rUser=nobody\\\n\rPrivateTmp=yes\n\r")
        .unit("crcr.service", "[Service]\r\rExecStart=/bin/true\r\rUser=nobody\\\r\rPrivateTmp=yes\n")
        .unit("nul.service", b"[Service]\nExecStart=/bin/true\nUser=no\x00body\nPrivateTmp=yes\n".as_slice())
        .unit("nul-cont.service", b"[Service]\nExecStart=/bin/true\nUser=nobody\\\x00PrivateTmp=yes\n".as_slice())
        .unit("nul-lf.service", b"[Service]\nExecStart=/bin/true\nUser=nobody\\\n\x00PrivateTmp=yes\n".as_slice())
        .unit("bom.service", b"\xef\xbb\xbf[Service]\nExecStart=/bin/true\nUser=nobody\n".as_slice())
        .unit("bom-later.service", b"[Service]\nExecStart=/bin/true\n\xef\xbb\xbfUser=nobody\n".as_slice())
        .unit("bom-twice.service", b"\xef\xbb\xbf[Service]\nExecStart=/bin/true\n\xef\xbb\xbfUser=nobody\n".as_slice())
        .unit("bom-comment.service", b"\xef\xbb\xbf# comment\n[Service]\nExecStart=/bin/true\n".as_slice())
        .unit("bad-utf8-value.service", b"[Service]\nExecStart=/bin/true\nUser=\xff\n".as_slice())
        .unit("bad-utf8-comment.service", b"# \xff\n[Service]\nExecStart=/bin/true\n".as_slice())
        .unit("bad-utf8-other-section.service", b"[X-Foo]\nA=\xff\n[Service]\nExecStart=/bin/true\n".as_slice())
        .unit("long-ok.service", format!("[Service]\nExecStart=/bin/true\nX={}\n", &long_value[..1024 * 1024 - 3]))
        .unit("long-limit.service", format!("[Service]\nExecStart=/bin/true\nX={}\n", &long_value[..1024 * 1024 - 2]))
        .unit("long-over.service", format!("[Service]\nExecStart=/bin/true\nX={long_value}\n"))
        .unit("long-cont.service", format!("[Service]\nExecStart=/bin/true\nX={}\\\n{}\n", &long_value[..600_000], &long_value[..600_000]))
        .unit("long-comment.service", format!("[Service]\nExecStart=/bin/true\n#{long_value}\n"))
        .unit("unknown-section.service", "[Bogus]\nUser=root\n[Service]\nExecStart=/bin/true\nUser=svc\n")
        .unit("x-section.service", "[Service]\nExecStart=/bin/true\nUser=svc\n[X-Mine]\nUser=root\n")
        .unit("lowercase-section.service", "[service]\nExecStart=/bin/true\n")
        .unit("outside.service", "User=root\n[Service]\nExecStart=/bin/true\n")
        .unit("missing-eq.service", "[Service]\nExecStart=/bin/true\nUser svc\nPrivateTmp\n")
        .unit("empty-key.service", "[Service]\nExecStart=/bin/true\n=svc\n")
        .unit("key-spaces.service", "[Service]\n  ExecStart  =  /bin/true  \n\tUser\t=\tsvc\t\n")
        .unit("key-case.service", "[Service]\nExecStart=/bin/true\nuser=svc\nUSER=svc\n")
        .unit("bad-header.service", "[Service\nExecStart=/bin/true\n")
        .unit("bad-header2.service", "[Service]x\nExecStart=/bin/true\n")
        .unit("header-quote.service", "[Service]\nExecStart=/bin/true\n[Ser'vice]\n")
        .unit("header-space.service", "[ Service ]\nExecStart=/bin/true\n")
        .unit("header-empty.service", "[]\n[Service]\nExecStart=/bin/true\n")
        .unit("header-indent.service", "  [Service]  \nExecStart=/bin/true\n")
        .unit("header-nested.service", "[[Service]]\nExecStart=/bin/true\n")
        .unit("section-twice.service", "[Service]\nExecStart=/bin/true\n[Unit]\n[Service]\nUser=svc\n")
        .unit("install-section.service", "[Service]\nExecStart=/bin/true\n[Install]\nUser=root\nWantedBy=multi-user.target\n")
        .unit("value-eq.service", "[Service]\nExecStart=/bin/true\nUser=a=b\n")
        .unit("trailing-ws.service", "[Service]\nExecStart=/bin/true\nUser=svc   \t\n")
        .unit("deprecated.service", "[Service]\nExecStart=/bin/true\nPermissionsStartOnly=yes\nMemoryLimit=1G\n")
        .run();
}

// ---------------------------------------------------------------------------------------------
// Other unit types

#[test]
fn other_unit_types() {
    Test::new()
        .unit("s.socket", "[Socket]\nListenStream=/run/s.sock\n")
        .unit("s2.socket", "[Socket]\nListenStream=/run/s.sock\nUser=svc\nPrivateTmp=yes\nIPAddressDeny=any\nDevicePolicy=closed\nRestrictAddressFamilies=AF_UNIX\nSystemCallFilter=@system-service\n")
        .unit("nolisten.socket", "[Socket]\nAccept=yes\n")
        .unit("emptylisten.socket", "[Socket]\nListenStream=/run/x\nListenStream=\n")
        .unit("fifo.socket", "[Socket]\nListenFIFO=/run/x.fifo\n")
        .unit("netlink.socket", "[Socket]\nListenNetlink=kobject-uevent 1\n")
        .unit("badlisten.socket", "[Socket]\nListenStream=bogus:addr:x\n")
        .unit("t.timer", "[Timer]\nOnCalendar=daily\n")
        .unit("t2.timer", "[Timer]\nOnBootSec=5min\n")
        .unit("novalue.timer", "[Timer]\nPersistent=yes\n")
        .unit("badcal.timer", "[Timer]\nOnCalendar=bogus\n")
        .unit("p.path", "[Path]\nPathExists=/etc/foo\n")
        .unit("p2.path", "[Path]\nPathChanged=/etc/foo\nDirectoryNotEmpty=/x\n")
        .unit("nopath.path", "[Path]\nMakeDirectory=yes\n")
        .unit("relpath.path", "[Path]\nPathExists=relative\n")
        .unit("tg.target", "[Unit]\nDescription=x\n")
        .unit("tg-nodeps.target", "[Unit]\nDefaultDependencies=no\n")
        .unit("empty-ish.target", "\n")
        .unit("x.slice", "[Slice]\nDevicePolicy=closed\nIPAddressDeny=any\nIPAddressAllow=localhost\n")
        .unit("y.slice", "[Slice]\nDelegate=yes\nDeviceAllow=/dev/null r\nDevicePolicy=strict\n")
        .unit("-.slice", "[Slice]\n")
        .unit("a-b.slice", "[Slice]\n")
        .unit("srv.mount", "[Mount]\nWhat=/dev/sda1\nWhere=/srv\nUser=svc\nPrivateTmp=yes\n")
        .unit("wrong.mount", "[Mount]\nWhat=/dev/sda1\nWhere=/other\n")
        .unit("nowhat.mount", "[Mount]\nWhere=/nowhat\n")
        .unit("swapfile.swap", "[Swap]\nWhat=/swapfile\n")
        .unit("dev-sda2.swap", "[Swap]\nWhat=/dev/sda2\nProtectSystem=strict\n")
        .unit("srv.automount", "[Automount]\nWhere=/srv\n")
        .unit("x.scope", "[Scope]\n")
        .unit("x.device", "[Unit]\nDescription=x\n")
        .unit("s@.socket", "[Socket]\nListenStream=/run/%i.sock\nUser=%i\n")
        .arg_unit("s@root.socket")
        .arg_unit("s@svc.socket")
        .run();
}

// ---------------------------------------------------------------------------------------------
// Security policies

const POLICY_UNITS: &[&str] = &[
    "",
    "User=svc\nDynamicUser=yes",
    "ProtectProc=noaccess\nUMask=0027\nProtectSystem=full\nProtectHome=tmpfs",
    "SystemCallFilter=@system-service\nSystemCallArchitectures=native\nRestrictAddressFamilies=AF_UNIX",
    "[Unit]\nDefaultDependencies=no",
    "User=svc\nPrivateNetwork=yes\nIPAddressDeny=any\nIPAddressAllow=localhost\nDevicePolicy=closed",
];

fn check_policy(prefix: &str, policy: &str) {
    services(Test::new(), prefix, POLICY_UNITS)
        .policy(policy)
        .run();
}

#[test]
fn policy_weights_ranges_and_descriptions() {
    check_policy(
        "pol-a",
        r#"{
            "UserOrDynamicUser": {"weight": 0},
            "PrivateNetwork": {"weight": 5000, "range": 1},
            "ProtectHome": {"weight": 10, "range": 20},
            "UMask": {"range": 100},
            "ProtectProc": {"range": 30, "description_bad": "custom bad", "description_good": "custom good"},
            "PrivateTmp": {"description_good": "tmp good", "description_bad": "tmp bad", "description_na": "tmp na"},
            "RemoveIPC": {"description_na": "ipc na"},
            "SystemCallFilter_swap": {"description_bad": "ignored: own description"},
            "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)": {"weight": 0},
            "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW": {"weight": 7777},
            "KeyringMode": {"weight": 1000.0, "range": 2.0},
            "Delegate": {"weight": 2.5},
            "NotifyAccess": {"weight": -1},
            "LockPersonality": {"weight": "10"},
            "MemoryDenyWriteExecute": {"weight": true},
            "RestrictRealtime": {"weight": null},
            "PrivateUsers": {"range": 5, "weight": 3},
            "ProcSubset": {"description_good": 5, "description_bad": ["x"]},
            "Bogus": {"weight": 0},
            "ProtectClock": "not an object",
            "ProtectHostname": [1, 2]
        }"#,
    );
}

#[test]
fn policy_top_level_not_an_object() {
    check_policy("pol-b", "[1, 2, 3]");
    check_policy("pol-c", "\"string\"");
    check_policy("pol-d", "{}");
    check_policy("pol-e", "null");
}

#[test]
fn policy_every_check_weighted() {
    check_policy(
        "pol-f",
        r#"{"UserOrDynamicUser": {"weight": 1}, "PrivateDevices": {"weight": 1, "range": 1},
            "SupplementaryGroups": {"weight": 0}, "RemoveIPC": {"weight": 0},
            "PrivateTmp": {"weight": 0}, "ProtectHome": {"weight": 0},
            "ProtectSystem": {"weight": 0}, "RootDirectoryOrRootImage": {"weight": 0}}"#,
    );
    check_policy(
        "pol-g",
        r#"{"UserOrDynamicUser": {"weight": 1e3, "range": 1E1}, "UMask": {"weight": 100.5}, "ProtectProc": {"weight": 0.0}}"#,
    );
}

// ---------------------------------------------------------------------------------------------
// Without --root: the unit file's own directory first, then the host's unit path

#[test]
fn without_root_paths() {
    Test::without_root()
        .unit("ug-plain.service", EXEC)
        .unit(
            "ug-hardened.service",
            service(
                "User=svc\nPrivateTmp=yes\nProtectSystem=strict\nSystemCallFilter=@system-service",
            ),
        )
        .file(
            "units/ug-hardened.service.d/10.conf",
            "[Service]\nPrivateNetwork=yes\n",
        )
        .unit("ug-tmpl@.service", service("User=%i"))
        .arg_unit("ug-tmpl@root.service")
        .arg_unit("ug-tmpl@svc.service")
        .arg_unit("ug-missing.service")
        .arg_unit("ug-missing@x.service")
        .unit("ug-dash-x.service", EXEC)
        .file(
            "units/ug-dash-.service.d/10.conf",
            "[Service]\nUser=nobody\n",
        )
        .link_unit("ug-alias.service", "ug-plain.service")
        .link_unit("ug-masked.service", "/dev/null")
        .unit("ug-empty.service", "")
        .unit("ug-bad.service", service("User=00"))
        .unit("ug.socket", "[Socket]\nListenStream=/run/ug.sock\n")
        .file("other/ug-other.service", service("User=nobody"))
        .arg("{tree}/other/ug-other.service")
        .arg("other/ug-other.service")
        .arg("./units/../units/ug-plain.service")
        .arg("{tree}/nonexistent-dir/ug-x.service")
        .arg("{tree}/units/not-a-unit-name")
        .run();
}

#[test]
fn without_root_host_units_are_found_by_name() {
    Test::without_root()
        .unit("ug-local.service", EXEC)
        .arg("systemd-journald.service")
        .arg("getty@tty1.service")
        .arg("systemd-timesyncd.service")
        .arg("dbus-org.freedesktop.timesync1.service")
        .arg("ug-definitely-not-installed.service")
        .arg("multi-user.target")
        .arg("-.slice")
        .run();
}

// ---------------------------------------------------------------------------------------------
// One run, several units: systemd loads all arguments into one manager

#[test]
fn units_of_one_run_interact() {
    Test::new()
        // Two services watching the same bus name: the second one fails to load.
        .unit("bus-a.service", service("BusName=org.example.Same"))
        .unit("bus-b.service", service("BusName=org.example.Same"))
        .unit("bus-c.service", "[Service]\nBusName=org.example.Same\n")
        .unit(
            "bus-d.service",
            service("Type=dbus\nBusName=org.example.Other"),
        )
        .link_unit("bus-d-alias.service", "bus-d.service")
        .unit("bus-e.service", service("BusName=org.example.Other"))
        // The first of a pair fails its own checks, but has already taken the name.
        .unit(
            "bus-f.service",
            "[Service]\nType=simple\nBusName=org.example.Third\n",
        )
        .unit("bus-g.service", service("BusName=org.example.Third"))
        // Masked units and their aliases, in both orders.
        .link_unit("m1.service", "/dev/null")
        .link_unit("m1-alias.service", "m1.service")
        .link_unit("m2-alias.service", "m2.service")
        .link_unit("m2.service", "/dev/null")
        .link_unit("m2-alias2.service", "m2-alias.service")
        .unit("m3.service", "")
        .link_unit("m3-alias.service", "m3.service")
        .arg_unit("m3-alias.service")
        .arg_unit("m1.service")
        // A bad fragment reached through an alias, before and after the unit itself.
        .unit("bad.service", service("User=00"))
        .link_unit("bad-alias.service", "bad.service")
        .arg_unit("bad.service")
        .link_unit("bad2-alias.service", "bad2.service")
        .unit("bad2.service", "[Service]\n[Broken\n")
        // A unit that fails its own checks, through an alias.
        .unit("verify.service", "[Service]\nUser=svc\n")
        .link_unit("verify-alias.service", "verify.service")
        .arg_unit("verify.service")
        .run();
}

#[test]
fn special_units_and_units_without_files() {
    Test::new()
        .arg("-.slice")
        .arg("system.slice")
        .arg("user.slice")
        .arg("nonexistent.slice")
        .arg("a-b-c.slice")
        .file(
            &format!("{ETC}/dropin-only.slice.d/10.conf"),
            "[Slice]\nDevicePolicy=closed\nIPAddressDeny=any\n",
        )
        .arg("dropin-only.slice")
        .file(
            &format!("{ETC}/-.slice.d/10.conf"),
            "[Slice]\nDevicePolicy=strict\n",
        )
        .file(
            &format!("{ETC}/system.slice"),
            "[Unit]\nDefaultDependencies=yes\n[Slice]\nDevicePolicy=closed\n",
        )
        .arg("dev-sda.device")
        .arg("sys-devices-foo.device")
        .unit("with-file.device", "[Unit]\nDescription=x\n")
        .arg("-.mount")
        .arg("init.scope")
        .arg("session-1.scope")
        .unit("x.scope", "[Scope]\nDelegate=yes\n")
        .arg("nonexistent.target")
        .arg("nonexistent.socket")
        .arg("nonexistent.automount")
        .link_unit("masked.slice", "/dev/null")
        .unit("empty.slice", "")
        .run();
}

#[test]
fn socket_units() {
    let sock = |body: &str| format!("[Socket]\n{body}\n");
    Test::new()
        .unit("stream-port.socket", sock("ListenStream=80"))
        .unit("stream-port0.socket", sock("ListenStream=0"))
        .unit("stream-port-big.socket", sock("ListenStream=65536"))
        .unit("stream-port-hex.socket", sock("ListenStream=0x50"))
        .unit("stream-v4.socket", sock("ListenStream=127.0.0.1:80"))
        .unit("stream-v4-noport.socket", sock("ListenStream=127.0.0.1"))
        .unit("stream-v6.socket", sock("ListenStream=[::1]:80"))
        .unit("stream-v6-any.socket", sock("ListenStream=[::]:80"))
        .unit("stream-v6-bare.socket", sock("ListenStream=::1"))
        .unit("stream-v6-nobracket.socket", sock("ListenStream=::1:80"))
        .unit("stream-iface.socket", sock("ListenStream=127.0.0.1:80%lo"))
        .unit("stream-iface-missing.socket", sock("ListenStream=127.0.0.1:80%nonexistent0"))
        .unit("stream-server.socket", sock("ListenStream=127.0.0.1:53#example.com"))
        .unit("stream-unix.socket", sock("ListenStream=/run/x.sock"))
        .unit("stream-varrun.socket", sock("ListenStream=/var/run/x.sock"))
        .unit("stream-long.socket", sock(&format!("ListenStream=/run/{}", "x".repeat(102))))
        .unit("stream-toolong.socket", sock(&format!("ListenStream=/run/{}", "x".repeat(103))))
        .unit("stream-abstract.socket", sock("ListenStream=@abstract"))
        .unit("stream-vsock.socket", sock("ListenStream=vsock:2:1234"))
        .unit("stream-vsock-anycid.socket", sock("ListenStream=vsock::1234"))
        .unit("stream-vsock-bad.socket", sock("ListenStream=vsock:x:1234"))
        .unit("stream-junk.socket", sock("ListenStream=junk"))
        .unit("stream-spec.socket", sock("ListenStream=/run/%n"))
        .unit("stream-badspec.socket", sock("ListenStream=/run/%Z"))
        .unit("dgram.socket", sock("ListenDatagram=/run/d.sock"))
        .unit("seqpacket-unix.socket", sock("ListenSequentialPacket=/run/s.sock"))
        .unit("seqpacket-inet.socket", sock("ListenSequentialPacket=127.0.0.1:80"))
        .unit("netlink.socket", sock("ListenNetlink=route 1"))
        .unit("netlink-num.socket", sock("ListenNetlink=9"))
        .unit("netlink-bad.socket", sock("ListenNetlink=bogus"))
        .unit("netlink-badgroup.socket", sock("ListenNetlink=route x"))
        .unit("fifo.socket", sock("ListenFIFO=/run/x.fifo"))
        .unit("fifo-rel.socket", sock("ListenFIFO=x.fifo"))
        .unit("special.socket", sock("ListenSpecial=/proc/kmsg"))
        .unit("mq.socket", sock("ListenMessageQueue=/mq"))
        .unit("usb.socket", sock("ListenUSBFunction=/run/usb"))
        .unit("reset.socket", sock("ListenStream=80\nListenStream=\nListenDatagram=/run/d"))
        .unit("accept.socket", sock("ListenStream=80\nAccept=yes"))
        .unit("accept-dgram.socket", sock("ListenDatagram=/run/d\nAccept=yes"))
        .unit("accept-fifo.socket", sock("ListenStream=80\nListenFIFO=/run/f\nAccept=yes"))
        .unit("accept-seqpacket.socket", sock("ListenSequentialPacket=/run/s\nAccept=yes"))
        .unit("accept-maxconn0.socket", sock("ListenStream=80\nAccept=yes\nMaxConnections=0"))
        .unit("accept-maxconn-bad.socket", sock("ListenStream=80\nAccept=yes\nMaxConnections=-1"))
        .unit("accept-service.socket", sock("ListenStream=80\nAccept=yes\nService=foo.service"))
        .unit("service.socket", sock("ListenStream=80\nService=foo.service"))
        .unit("service-bad.socket", sock("ListenStream=80\nService=foo.target"))
        .unit("service-tmpl.socket", sock("ListenStream=80\nService=foo@.service"))
        .unit("symlinks-one.socket", sock("ListenStream=/run/a.sock\nSymlinks=/run/b"))
        .unit("symlinks-none.socket", sock("ListenStream=80\nSymlinks=/run/b"))
        .unit("symlinks-two.socket", sock("ListenStream=/run/a\nListenFIFO=/run/f\nSymlinks=/run/b"))
        .unit("symlinks-reset.socket", sock("ListenStream=80\nSymlinks=/run/b\nSymlinks="))
        .unit("symlinks-rel.socket", sock("ListenStream=80\nSymlinks=rel"))
        .unit("pam.socket", sock("ListenStream=80\nPAMName=login\nKillMode=mixed"))
        .unit("pam-ok.socket", sock("ListenStream=80\nPAMName=login"))
        .unit("hardened.socket", sock("ListenStream=80\nUser=svc\nDynamicUser=yes\nPrivateNetwork=yes\nSystemCallFilter=@system-service\nExecStartPre=/bin/true"))
        .unit("execbad.socket", sock("ListenStream=80\nExecStartPre=relative/x"))
        .unit("execbad-ignore.socket", sock("ListenStream=80\nExecStartPre=-relative/x"))
        .run();
}

#[test]
fn mount_swap_automount_timer_path_units() {
    Test::new()
        .unit("srv.mount", "[Mount]\nWhat=/dev/sda1\nWhere=/srv\n")
        .unit(
            "srv-data.mount",
            "[Mount]\nWhat=/dev/sda1\nWhere=/srv/data\n",
        )
        .unit(
            "srv-data2.mount",
            "[Mount]\nWhat=/dev/sda1\nWhere=/srv/data/\n",
        )
        .unit("noWhere.mount", "[Mount]\nWhat=/dev/sda1\n")
        .unit("mnt-x.mount", "[Mount]\nWhat=/dev/sda1\n")
        .unit(
            "mnt-wrong.mount",
            "[Mount]\nWhat=/dev/sda1\nWhere=/mnt/other\n",
        )
        .unit(
            "mnt-empty-what.mount",
            "[Mount]\nWhat=\nWhere=/mnt/empty-what\n",
        )
        .unit("proc.mount", "[Mount]\nWhat=proc\nWhere=/proc\n")
        .unit("run-host-x.mount", "[Mount]\nWhat=x\nWhere=/run/host/x\n")
        .unit("mnt-a\\x2db.mount", "[Mount]\nWhat=x\nWhere=/mnt/a-b\n")
        .unit("mnt-rel.mount", "[Mount]\nWhat=x\nWhere=mnt/rel\n")
        .unit(
            "mnt-pam.mount",
            "[Mount]\nWhat=x\nPAMName=login\nKillMode=mixed\n",
        )
        .unit(
            "mnt-hardened.mount",
            "[Mount]\nWhat=x\nUser=svc\nPrivateTmp=yes\nProtectSystem=strict\n",
        )
        .unit("swapfile.swap", "[Swap]\nWhat=/swapfile\n")
        .unit("dev-sdb2.swap", "[Swap]\n")
        .unit("dev-sdb3.swap", "[Swap]\nWhat=/dev/sdb4\n")
        .unit("dev-sdb5.swap", "[Swap]\nWhat=/dev//sdb5\n")
        .unit("mnt-auto.automount", "[Automount]\n")
        .unit("mnt-auto2.automount", "[Automount]\nWhere=/mnt/other\n")
        .unit("-.automount", "[Automount]\n")
        .unit("cal.timer", "[Timer]\nOnCalendar=daily\n")
        .unit(
            "cal2.timer",
            "[Timer]\nOnCalendar=Mon..Fri *-*-* 10:00:00\n",
        )
        .unit("cal3.timer", "[Timer]\nOnCalendar=*:0/15\n")
        .unit("cal-bad.timer", "[Timer]\nOnCalendar=bogus\n")
        .unit(
            "cal-reset.timer",
            "[Timer]\nOnCalendar=daily\nOnCalendar=\n",
        )
        .unit("boot.timer", "[Timer]\nOnBootSec=5min\n")
        .unit(
            "boot2.timer",
            "[Timer]\nOnBootSec=1h 30s\nOnUnitActiveSec=2.5h\n",
        )
        .unit("boot-bad.timer", "[Timer]\nOnBootSec=5 parsecs\n")
        .unit("boot-neg.timer", "[Timer]\nOnBootSec=-5s\n")
        .unit("boot-inf.timer", "[Timer]\nOnBootSec=infinity\n")
        .unit("clock.timer", "[Timer]\nOnClockChange=yes\n")
        .unit("clock-no.timer", "[Timer]\nOnClockChange=no\n")
        .unit("tz.timer", "[Timer]\nOnTimezoneChange=true\n")
        .unit("p.path", "[Path]\nPathExists=/etc/x\n")
        .unit("p-rel.path", "[Path]\nPathExists=etc/x\n")
        .unit("p-dotdot.path", "[Path]\nPathChanged=/etc/../x\n")
        .unit("p-glob.path", "[Path]\nPathExistsGlob=/etc/*.conf\n")
        .unit(
            "p-reset.path",
            "[Path]\nPathModified=/etc/x\nPathModified=\n",
        )
        .unit("p-spec.path", "[Path]\nDirectoryNotEmpty=/run/%n\n")
        .run();
}

#[test]
fn mount_images() {
    check_services(
        "mi",
        &[
            "MountImages=/a.raw:/mnt\nDevicePolicy=closed",
            "MountImages=-/a.raw:/mnt\nDevicePolicy=closed",
            "MountImages=/a.raw\nDevicePolicy=closed",
            "MountImages=/a.raw:\nDevicePolicy=closed",
            "MountImages=a.raw:/mnt\nDevicePolicy=closed",
            "MountImages=/a.raw:mnt\nDevicePolicy=closed",
            "MountImages=~\nDevicePolicy=closed",
            "MountImages=:/mnt\nDevicePolicy=closed",
            "MountImages=/a.raw:/mnt:root:ro\nDevicePolicy=closed",
            "MountImages=/a.raw:/mnt:bogus:ro\nDevicePolicy=closed",
            "MountImages=/a.raw:/mnt /b.raw\nDevicePolicy=closed",
            "MountImages=/b.raw /a.raw:/mnt\nDevicePolicy=closed",
            "MountImages=\"/a b.raw:/mnt\"\nDevicePolicy=closed",
            "MountImages=/a\\:b.raw:/mnt\nDevicePolicy=closed",
            "MountImages=/%n:/mnt\nDevicePolicy=closed",
            "MountImages=/%Z:/mnt\nDevicePolicy=closed",
            "MountImages=/a.raw:/%Z\nDevicePolicy=closed",
            "MountImages=\"/a.raw:/mnt\nDevicePolicy=closed",
            "MountImages=/a.raw:/mnt\nMountImages=\nDevicePolicy=closed",
            "RootImage=/x.raw\nRootImage=\nDevicePolicy=closed",
        ],
    );
}

#[test]
fn policy_numbers_and_duplicate_members() {
    // Numbers systemd reads as doubles, with glibc's exp10() for exponents.
    for (i, w) in [
        "1e0",
        "1e1",
        "1e2",
        "1e3",
        "1e4",
        "1e5",
        "10e2",
        "1.0e3",
        "1000e0",
        "100000e-2",
        "20e-1",
        "2000e-3",
        "15e-1",
        "1e18",
        "1e19",
        "2e19",
        "-0",
        "-0.0",
        "0e5",
        "-1",
        "18446744073709551615",
        "18446744073709551616",
        "9007199254740993",
        "1e+3",
        "7e7",
    ]
    .iter()
    .enumerate()
    {
        check_policy(
            &format!("pol-num{i}"),
            &format!(
                r#"{{"UserOrDynamicUser": {{"weight": {w}}}, "ProcSubset": {{"weight": {w}}}}}"#
            ),
        );
    }
    check_policy(
        "pol-dup1",
        r#"{"UserOrDynamicUser": {"weight": 0}, "UserOrDynamicUser": {"weight": 1000}}"#,
    );
    check_policy(
        "pol-dup2",
        r#"{"UserOrDynamicUser": 5, "UserOrDynamicUser": {"weight": 1000},
            "PrivateTmp": {"description_good": "a", "description_good": "b", "weight": 1, "weight": 0}}"#,
    );
    check_policy(
        "pol-esc",
        r#"{"User\u004frDynamicUser": {"weight": 1000}, "PrivateTmp": {"description_bad": "t\u00e9st \"q\" \\ \n"}}"#,
    );
}

#[test]
fn timer_calendar_specifications() {
    let specs = [
        "daily",
        "Daily",
        "mon",
        "Mon,Tue",
        "Mon..Fri",
        "Mon *-*-* 00:00:00",
        "*-*-* *:*:*",
        "*:0/15",
        "12:00",
        "12:00:00",
        "12",
        "2024-01-01",
        "2024-1-1",
        "01-01",
        "*-01-01",
        "Sat,Sun 20..25:00",
        "*-*-1,15",
        "*-*~01",
        "*-02~03",
        "2003-03-05 05:40 UTC",
        "2003-03-05 05:40 Europe/Berlin",
        "2003-03-05 05:40 Mars/Olympus",
        "Wed..Mon",
        "Mon..Wed..Fri",
        "1..5:00",
        "*:*:0/10.5",
        "00:00:00.000001",
        "monthly UTC",
        "minutely",
        "quarterly",
        "semi-annually",
        "anually",
        "today",
        "now",
        "@1234567",
        "@5min",
        "@99999999999",
        "*-*-* 24:00",
        "*-*-* 23:60",
        "*-*-* 23:59:60",
        "*-13-01",
        "*-02-30",
        "2024-02-30",
        "1969-01-01",
        "10000-01-01",
        "69-01-01",
        "70-01-01",
        "99-12-31",
        "Monday",
        "Thursdays",
        "Mon-Fri",
        "*/2:00",
        "0/2:00",
        "*-*-* 8..17/2:00",
        "Mon 12:00 Tue",
        "12:00 Mon",
        "12:00 UTC UTC",
        "*:*",
        ":30",
        "1:",
        "1:2:3:4",
        "-1:00",
        "2024-01-01T12:00",
        "2024-01-01 12:00:00.5",
        "Mon,,Tue",
        "Mon, Tue",
        "Mon,Tue,",
        "Mon..",
        "12:00 utc",
        "12:00 CET",
        "12:00 EST",
        "*-*-* *:*:60",
        "1,2,3:00",
        "1..3,5:00",
        "1/0:00",
        "5..1:00",
        "*~1",
        "Jan",
        "*-*~29",
        "*-*~28",
        "*-*~1..3",
        "*-*-* *:*:1.5..3",
        "*-*-* *:*:1..1.5",
        "*-*-* *:*:59.9999995",
        "2199-12-31",
        "2200-01-01",
        "*:00/60",
        "*:00/59",
        "00/23:00",
        "*-*-31/1",
        "Mon *-*-* 12:00 UTC",
    ];
    let mut t = Test::new();
    for (i, spec) in specs.iter().enumerate() {
        t = t.unit(
            &format!("cal-{i}.timer"),
            format!("[Timer]\nOnCalendar={spec}\n"),
        );
    }
    t.run();
}

#[test]
fn root_with_path_arguments() {
    Test::new()
        .unit("rp.service", service("User=svc"))
        .file("other/rp-other.service", service("User=nobody"))
        .file("other/rp.service", EXEC)
        .arg("etc/systemd/system/rp.service")
        .arg("{tree}/etc/systemd/system/rp.service")
        .arg("other/rp-other.service")
        .arg("{tree}/other/rp-other.service")
        .arg("other/rp.service")
        .arg("./rp.service")
        .arg("{tree}/other/../other/rp-other.service")
        .arg("lib/systemd/system/rp.service")
        .run();
}

/// Every `[Unit]` and `[Service]` key systemd 252 knows, each with a few odd values, so that
/// any setting systemd treats as fatal (or that changes the score) is noticed.
#[test]
fn every_known_directive_with_odd_values() {
    let known = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/systemd-252/known-directives.txt"),
    )
    .expect("data/systemd-252/known-directives.txt");
    let values = [
        "",
        "rel/x",
        "%Z",
        "-1",
        "junk junk",
        "\"",
        "/a/../b",
        "~",
        "0",
    ];
    let mut t = Test::new();
    let mut n = 0;
    for line in known.lines() {
        let Some((section, key)) = line.split_once('\t') else {
            continue;
        };
        if !matches!(section, "Unit" | "Service") {
            continue;
        }
        for v in values {
            t = t.unit(
                &format!("key-{n}.service"),
                format!("[Service]\nExecStart=/bin/true\nUser=svc\n[{section}]\n{key}={v}\n"),
            );
            n += 1;
        }
    }
    assert!(n > 1000, "only {n} units");
    t.run();
}

/// The same for the keys of the other unit types, in units of those types.
#[test]
fn every_known_directive_of_other_unit_types() {
    let known = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/systemd-252/known-directives.txt"),
    )
    .expect("data/systemd-252/known-directives.txt");
    let values = ["", "rel/x", "%Z", "junk junk", "/a/../b", "0"];
    // (section, unit name pattern, base body)
    let kinds: &[(&str, &str, &str)] = &[
        (
            "Socket",
            "k{n}.socket",
            "[Socket]\nListenStream=/run/k.sock\n",
        ),
        ("Mount", "mnt-k{n}.mount", "[Mount]\nWhat=/dev/sdz1\n"),
        ("Swap", "dev-k{n}.swap", "[Swap]\n"),
        ("Timer", "k{n}.timer", "[Timer]\nOnBootSec=5min\n"),
        ("Path", "k{n}.path", "[Path]\nPathExists=/etc/k\n"),
        ("Slice", "k{n}.slice", "[Slice]\n"),
        ("Automount", "mnt-k{n}.automount", "[Automount]\n"),
    ];
    let mut t = Test::new();
    let mut n = 0;
    for line in known.lines() {
        let Some((section, key)) = line.split_once('\t') else {
            continue;
        };
        let Some((_, pattern, base)) = kinds.iter().find(|(s, _, _)| *s == section) else {
            continue;
        };
        for v in values {
            let name = pattern.replace("{n}", &n.to_string());
            t = t.unit(&name, format!("{base}[{section}]\n{key}={v}\n"));
            n += 1;
        }
    }
    assert!(n > 3000, "only {n} units");
    t.run();
}

#[test]
fn without_root_same_name_in_two_directories() {
    Test::without_root()
        .file("a/ug-same.service", service("User=svc"))
        .file("b/ug-same.service", service("User=nobody"))
        .file("b/ug-only-b.service", service("PrivateTmp=yes"))
        .file("a/ug-only-b.service.d/10.conf", "[Service]\nUser=nobody\n")
        .arg("{tree}/b/ug-same.service")
        .arg("{tree}/a/ug-same.service")
        .arg("{tree}/b/ug-only-b.service")
        .arg("{tree}/a/ug-only-b.service")
        .run();
}

/// A long run: unitguard loads and scores arguments a chunk at a time, so repeats, aliases,
/// name clashes and BusName= clashes must still refer back to arguments many chunks earlier.
#[test]
fn long_run_refers_back_across_chunks() {
    let mut t = Test::new();
    for i in 0..700 {
        let body = match i % 4 {
            0 => service("User=nobody"),
            1 => format!(
                "[Service]\nType=dbus\nBusName=org.example.B{}\nExecStart=/bin/true\n",
                i % 3
            ),
            2 => service("PrivateTmp=yes\nProtectSystem=strict"),
            _ => service(""),
        };
        t = t.unit(&format!("u{i}.service"), body);
        if i % 50 == 0 {
            t = t.link_unit(&format!("al{i}.service"), &format!("u{i}.service"));
        }
    }
    // Masked units whose aliases clash with an earlier name, late in the run.
    t = t
        .link_unit("masked.service", "/dev/null")
        .link_unit("masked-alias.service", "masked.service");
    // Every earlier argument again, in reverse, then aliases of early units.
    for i in (0..700).rev().step_by(7) {
        t = t.arg_unit(&format!("u{i}.service"));
    }
    for i in (0..700).step_by(50) {
        t = t.arg_unit(&format!("al{i}.service"));
    }
    t.arg_unit("masked-alias.service").run();
}
