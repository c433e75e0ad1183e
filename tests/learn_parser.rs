//! The strace parser and the observer on real strace 6.1 lines (captured with
//! `strace -f -qq --seccomp-bpf -yy -s 0`, the options `unitguard learn` uses): every
//! syscall family the observer interprets, calls split by other processes, device and socket
//! decorations. Unknown input is counted, never a panic.

use proptest::prelude::*;
use unitguard::learn::knowledge::LearnData;
use unitguard::learn::observe::{Cred, Observer};
use unitguard::learn::strace::{Line, Reader, line};
use unitguard::tables::SystemdTables;

const PROBE: &str = include_str!("fixtures/strace/probe.txt");

fn render(text: &str) -> String {
    match line::parse(text) {
        Line::Call { pid, call } => {
            let deco = call
                .ret
                .decoration
                .map_or(String::new(), |d| format!(" <{d}>"));
            let errno = call.ret.errno.map_or(String::new(), |e| format!(" {e}"));
            let value = call.ret.value.map_or("?".to_string(), |v| v.to_string());
            format!(
                "{pid} {}({}) = {value}{deco}{errno}",
                call.name,
                call.args.join(" | ")
            )
        }
        Line::Unfinished { pid, name, .. } => format!("{pid} {name} unfinished"),
        Line::Resumed { pid, name, tail } => format!("{pid} {name} resumed: {tail}"),
        Line::Event { pid } => format!("{pid} event"),
        Line::Unknown => format!("UNKNOWN {text}"),
    }
}

#[test]
fn real_lines_parse() {
    let out: Vec<String> = PROBE.lines().map(render).collect();
    assert!(
        out.iter().all(|l| !l.starts_with("UNKNOWN")),
        "{:#?}",
        out.iter()
            .filter(|l| l.starts_with("UNKNOWN"))
            .collect::<Vec<_>>()
    );
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn real_lines_become_evidence() {
    let mut obs = Observer::offline(Cred::ROOT);
    let mut reader = Reader::default();
    for l in PROBE.lines() {
        reader.feed(l, &mut |s| obs.seen(s));
    }
    reader.finish();
    // The fixture keeps a few `<unfinished ...>` halves whose second halves were cut out:
    // they are counted, not guessed.
    assert!(
        reader
            .samples
            .iter()
            .all(|s| s.ends_with("(never resumed)")),
        "{:?}",
        reader.samples
    );
    let ev = obs.finish();
    insta::assert_json_snapshot!(ev);
}

#[test]
fn a_shell_redirect_into_proc_creates_nothing() {
    // `echo -1000 > /proc/self/oom_score_adj` as root (an init script): O_CREAT on a file of
    // /proc, which no one can create, is no entry made in /proc/PID (mode 0555) and so no
    // reason for CAP_DAC_OVERRIDE.
    let mut obs = Observer::offline(Cred::ROOT);
    let mut reader = Reader::default();
    reader.feed(
        "4242 openat(AT_FDCWD, \"/proc/self/oom_score_adj\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3</proc/4242/oom_score_adj>",
        &mut |s| obs.seen(s),
    );
    let ev = obs.finish();
    assert!(
        !ev.capabilities.contains_key("CAP_DAC_OVERRIDE"),
        "{:?}",
        ev.capabilities
    );
    assert!(
        ev.files.values().all(|u| u.write && !u.create),
        "{:?}",
        ev.files
    );
}

#[test]
fn split_calls_are_joined() {
    let mut obs = Observer::offline(Cred::ROOT);
    let mut reader = Reader::default();
    for l in [
        "17131 bind(12<TCPv6:[109879]>, {sa_family=AF_INET6, sin6_port=htons(8080), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), sin6_scope_id=0}, 28 <unfinished ...>",
        "17132 getuid()                          = 0",
        "17131 <... bind resumed>)               = 0",
    ] {
        reader.feed(l, &mut |s| obs.seen(s));
    }
    let ev = obs.finish();
    let bind: Vec<_> = ev.sockets.iter().filter(|s| s.op == "bind").collect();
    assert_eq!(bind.len(), 1);
    assert_eq!(bind[0].address.as_deref(), Some("::1"));
    assert_eq!(bind[0].port, Some(8080));
    assert_eq!(bind[0].kind, "stream");
}

#[test]
fn a_resumed_call_without_its_start_is_counted_not_fatal() {
    let mut reader = Reader::default();
    let mut calls = 0;
    reader.feed("1 <... read resumed>) = 3", &mut |_| calls += 1);
    reader.feed("2 write(1, \"x\", 1 <unfinished ...>", &mut |_| calls += 1);
    reader.finish();
    assert_eq!(reader.unknown, 2);
    assert_eq!(calls, 1); // the start of the write is announced, the orphan is not a call
}

#[test]
fn every_prefix_of_every_real_line_is_harmless() {
    let mut reader = Reader::default();
    let mut obs = Observer::offline(Cred::ROOT);
    for l in PROBE.lines() {
        for (i, _) in l.char_indices() {
            reader.feed(&l[..i], &mut |s| obs.seen(s));
        }
    }
    reader.finish();
    assert!(reader.unknown > 0);
}

proptest! {
    #[test]
    fn garbage_never_panics(s in "\\PC{0,200}") {
        let mut reader = Reader::default();
        let mut obs = Observer::offline(Cred::ROOT);
        reader.feed(&s, &mut |x| obs.seen(x));
        reader.feed(&format!("123 {s}"), &mut |x| obs.seen(x));
        reader.feed(&format!("123 openat({s}) = 3</{s}>"), &mut |x| obs.seen(x));
        reader.finish();
    }
}

/// Not tracing a call must never make a drop-in tighter: every untraced call is allowed by
/// @system-service and belongs to none of the groups `harden --from` may deny.
#[test]
fn untraced_calls_are_never_denied() {
    // Every systemd version unitguard plans for: a group can gain calls from one to the next.
    for &v in unitguard::tables::SUPPORTED_VERSIONS {
        untraced_calls_are_never_denied_in(SystemdTables::for_version(v).unwrap());
    }
}

fn untraced_calls_are_never_denied_in(t: &SystemdTables) {
    let data = LearnData::get();
    let service = t.group_syscalls("@system-service");
    for call in &data.untraced {
        assert!(
            service.contains(call),
            "{call} is untraced but not in systemd {}'s @system-service",
            t.version
        );
        for g in &data.deniable {
            assert!(
                !t.group_syscalls(g).contains(call),
                "{call} is untraced but in systemd {}'s {g}, which harden --from may deny",
                t.version
            );
        }
    }
}
