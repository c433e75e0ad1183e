//! Shared helpers for the tests that boot the real-systemd test-bed (`scripts/testbed`, see
//! testbed/README.md): a container guard that is stopped when dropped (also on panic), command
//! helpers, the online `systemd-analyze security` score, and the functional check of every
//! daemon in it (the same checks as `scripts/testbed-smoke`).
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where the test's unitguard binary is bind-mounted in the container.
pub const BIN_IN_CONTAINER: &str = "/opt/unitguard/unitguard";

/// A running test-bed container; stopped when dropped.
pub struct Testbed {
    pub name: String,
    script: PathBuf,
    /// `TB_SUITE` for this container when it is not the environment's (bookworm, trixie).
    suite: Option<String>,
}

impl Testbed {
    /// Boots a container named `<prefix>-<pid>` with the binary's directory bind-mounted
    /// read-only at /opt/unitguard. Panics (after stopping what was started) if it fails.
    pub fn start(prefix: &str) -> Testbed {
        Testbed::start_suite(prefix, None)
    }

    /// Like [`Testbed::start`], with this Debian suite (`TB_SUITE`: trixie has systemd 257),
    /// so that hosts of both versions run side by side.
    pub fn start_suite(prefix: &str, suite: Option<&str>) -> Testbed {
        let uid = Command::new("id").arg("-u").output().expect("run id -u");
        assert_eq!(
            String::from_utf8_lossy(&uid.stdout).trim(),
            "0",
            "the test-bed tests must run as root (scripts/testbed boots systemd-nspawn)"
        );
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/testbed");
        let bin = Path::new(env!("CARGO_BIN_EXE_unitguard"));
        let bin_dir = bin.parent().expect("binary directory");
        // The guard exists before the start, so a half-started container is stopped too.
        let tb = Testbed {
            name: format!("{prefix}-{}", std::process::id()),
            script,
            suite: suite.map(str::to_string),
        };
        let out = tb
            .script("start")
            .env(
                "TB_NSPAWN_ARGS",
                format!("--bind-ro={}:/opt/unitguard", bin_dir.display()),
            )
            .output()
            .expect("run scripts/testbed start");
        assert!(
            out.status.success(),
            "scripts/testbed start failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        tb
    }

    /// `scripts/testbed SUBCOMMAND` for this container.
    fn script(&self, subcommand: &str) -> Command {
        let mut c = Command::new(&self.script);
        c.arg(subcommand).env("TB_NAME", &self.name);
        if let Some(s) = &self.suite {
            c.env("TB_SUITE", s);
        }
        c
    }

    /// Runs a command inside the container (nsenter: host capabilities, no seccomp filter,
    /// outside the container's cgroups; LANG=C.UTF-8, TERM=dumb).
    pub fn exec(&self, args: &[&str]) -> Output {
        self.exec_input(args, None)
    }

    /// Like [`Self::exec`], with `input` on standard input.
    pub fn exec_input(&self, args: &[&str], input: Option<&[u8]>) -> Output {
        let mut child = self
            .script("exec")
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("scripts/testbed exec {args:?}: {e}"));
        if let Some(data) = input {
            let mut stdin = child.stdin.take().expect("stdin");
            stdin.write_all(data).expect("write stdin");
        }
        child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("scripts/testbed exec {args:?}: {e}"))
    }

    /// Like [`Self::exec`], but the command must succeed; returns stdout.
    pub fn exec_ok(&self, args: &[&str]) -> String {
        let out = self.exec(args);
        assert!(
            out.status.success(),
            "{args:?} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// `sh -c SCRIPT` inside the container.
    pub fn sh(&self, script: &str) -> Output {
        self.exec(&["sh", "-c", script])
    }

    /// Writes a file inside the container (its directory is created).
    pub fn write_file(&self, path: &str, content: &str) {
        let out = self.exec_input(
            &[
                "sh",
                "-c",
                "mkdir -p \"$(dirname \"$1\")\" && cat >\"$1\"",
                "sh",
                path,
            ],
            Some(content.as_bytes()),
        );
        assert!(out.status.success(), "writing {path}: {out:?}");
    }

    /// A file's content inside the container, or `None` if it does not exist.
    pub fn read_file(&self, path: &str) -> Option<String> {
        let out = self.exec(&["sh", "-c", "[ -e \"$1\" ] && cat \"$1\"", "sh", path]);
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `unitguard ARGS...` inside the container, with `env` (e.g. UNITGUARD_FAULT_AFTER) and
    /// core dumps off (the fault hook aborts).
    pub fn unitguard(&self, env: &[(&str, &str)], args: &[&str]) -> Run {
        let mut cmd: Vec<String> = vec![
            "sh".into(),
            "-c".into(),
            "ulimit -c 0; exec \"$@\"".into(),
            "sh".into(),
            "env".into(),
        ];
        cmd.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        cmd.push(BIN_IN_CONTAINER.into());
        cmd.extend(args.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = cmd.iter().map(String::as_str).collect();
        let t0 = Instant::now();
        let out = self.exec(&refs);
        Run {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            elapsed: t0.elapsed(),
        }
    }

    /// `systemctl is-active UNIT`.
    pub fn active_state(&self, unit: &str) -> String {
        let out = self.exec(&["systemctl", "is-active", unit]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Waits up to `timeout` for the unit to be active.
    pub fn wait_active(&self, unit: &str, timeout: Duration) -> bool {
        let t0 = Instant::now();
        loop {
            if self.active_state(unit) == "active" {
                return true;
            }
            if t0.elapsed() > timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The online score: the number on the last line of `systemd-analyze security UNIT`.
    pub fn score(&self, unit: &str) -> f64 {
        let text = self.exec_ok(&["systemd-analyze", "security", "--no-pager", unit]);
        let line = text
            .lines()
            .rev()
            .find(|l| l.contains("Overall exposure level for "))
            .unwrap_or_else(|| panic!("no summary line for {unit}:\n{text}"));
        let rest = line.rsplit(": ").next().unwrap_or_default();
        rest.split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no score in {line:?}"))
    }

    /// The container's clock (shared with the host) as `@SECONDS.MICROS`, for `--since`.
    pub fn now_since(&self) -> String {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock");
        format!("@{}.{:06}", t.as_secs(), t.subsec_micros())
    }

    /// `systemctl status UNIT` and its last journal lines, for failure messages.
    pub fn diagnose(&self, unit: &str) -> String {
        let out = self.sh(&format!(
            "systemctl status --no-pager -n 0 {unit}; journalctl --no-pager -n 25 -u {unit}"
        ));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Testbed {
    fn drop(&mut self) {
        let status = self
            .script("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("scripts/testbed stop for {} failed: {status:?}", self.name);
        }
    }
}

/// One unitguard run inside the container.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    /// The exit code; `None` when a signal ended it. (The fault hook's abort arrives as
    /// 134 = 128 + SIGABRT: nsenter re-raises the signal and the shell script reports it.)
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unitguard {} -> {:?} in {:.1}s\n--- stdout\n{}--- stderr\n{}",
            self.args.join(" "),
            self.code,
            self.elapsed.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
}

/// A daemon of the test-bed and how to prove that it serves.
#[derive(Debug, Clone, Copy)]
pub struct Daemon {
    pub unit: &'static str,
    /// Listens on localhost only in its stock configuration (so `--allow-ip` fits it).
    pub local_only: bool,
    check: fn(&Testbed) -> Result<String, String>,
}

impl Daemon {
    /// The functional check, retried for up to `timeout` (a unit can be active a moment
    /// before it answers).
    pub fn check(&self, tb: &Testbed, timeout: Duration) -> Result<String, String> {
        let t0 = Instant::now();
        loop {
            match (self.check)(tb) {
                Ok(s) => return Ok(s),
                Err(e) if t0.elapsed() > timeout => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(500)),
            }
        }
    }

    /// The functional check, once.
    pub fn check_once(&self, tb: &Testbed) -> Result<String, String> {
        (self.check)(tb)
    }

    /// The short name used in tables ("postgresql@15-main").
    pub fn name(&self) -> &'static str {
        self.unit.trim_end_matches(".service")
    }
}

fn out_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout).trim(),
        String::from_utf8_lossy(&o.stderr).trim()
    )
}

fn http(tb: &Testbed, url: &str) -> Result<String, String> {
    let o = tb.exec(&[
        "curl",
        "-sS",
        "-m",
        "5",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        url,
    ]);
    let code = String::from_utf8_lossy(&o.stdout).trim().to_string();
    if code == "200" {
        Ok(format!("GET {url}: HTTP 200"))
    } else {
        Err(format!(
            "GET {url}: HTTP {code} {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ))
    }
}

fn chk_nginx(tb: &Testbed) -> Result<String, String> {
    http(tb, "http://127.0.0.1/")
}

fn chk_redis(tb: &Testbed) -> Result<String, String> {
    let o = tb.exec(&["redis-cli", "-h", "127.0.0.1", "ping"]);
    let t = out_text(&o);
    if t == "PONG" {
        Ok("redis-cli ping: PONG".into())
    } else {
        Err(format!("redis-cli ping: {t}"))
    }
}

fn chk_postgres(tb: &Testbed) -> Result<String, String> {
    let o = tb.exec(&[
        "su",
        "postgres",
        "-s",
        "/bin/sh",
        "-c",
        "psql -tAc 'select 1'",
    ]);
    let t = out_text(&o);
    if t == "1" {
        Ok("psql select 1: 1".into())
    } else {
        Err(format!("psql select 1: {t}"))
    }
}

/// PostgreSQL compiles expensive queries with LLVM (W+X memory); this forces it.
pub fn postgres_jit(tb: &Testbed) -> Result<String, String> {
    let o = tb.exec(&[
        "su",
        "postgres",
        "-s",
        "/bin/sh",
        "-c",
        "psql -tAc 'set jit_above_cost = 0; select count(*) from generate_series(1, 1000)'",
    ]);
    let t = out_text(&o);
    if o.status.success() && t.ends_with("1000") {
        Ok("psql with JIT forced: 1000".into())
    } else {
        Err(format!("psql with JIT forced: {t}"))
    }
}

fn chk_mariadb(tb: &Testbed) -> Result<String, String> {
    let o = tb.exec(&["mariadb", "-N", "-B", "-e", "select 1"]);
    let t = out_text(&o);
    if t == "1" {
        Ok("mariadb select 1: 1".into())
    } else {
        Err(format!("mariadb select 1: {t}"))
    }
}

fn chk_memcached(tb: &Testbed) -> Result<String, String> {
    let o = tb.exec(&[
        "timeout",
        "5",
        "bash",
        "-c",
        "exec 3<>/dev/tcp/127.0.0.1/11211 && printf 'stats\\r\\nquit\\r\\n' >&3 && cat <&3",
    ]);
    let t = String::from_utf8_lossy(&o.stdout).replace('\r', "");
    if t.lines().any(|l| l.starts_with("STAT pid ")) {
        Ok(format!(
            "memcached stats: {} STAT lines",
            t.lines().filter(|l| l.starts_with("STAT ")).count()
        ))
    } else {
        Err(format!("memcached stats: {}", out_text(&o)))
    }
}

fn chk_ssh(tb: &Testbed) -> Result<String, String> {
    let o = tb.exec(&["ssh-keyscan", "-T", "5", "127.0.0.1"]);
    let keys: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_string))
        .collect();
    if keys.is_empty() {
        Err(format!("ssh-keyscan: no host keys ({})", out_text(&o)))
    } else {
        Ok(format!("ssh-keyscan: {}", keys.join(" ")))
    }
}

fn chk_pyapp(tb: &Testbed) -> Result<String, String> {
    // GET / rewrites /var/lib/pyapp/state.json: 200 only if the state directory is writable.
    http(tb, "http://127.0.0.1:8000/")
}

pub const NGINX: Daemon = Daemon {
    unit: "nginx.service",
    local_only: false,
    check: chk_nginx,
};
pub const REDIS: Daemon = Daemon {
    unit: "redis-server.service",
    local_only: true,
    check: chk_redis,
};
/// PostgreSQL's cluster unit: 15/main in bookworm, 17/main in trixie (`TB_SUITE`).
pub fn postgres() -> Daemon {
    Daemon {
        unit: match std::env::var("TB_SUITE").as_deref() {
            Ok("trixie") => "postgresql@17-main.service",
            _ => "postgresql@15-main.service",
        },
        local_only: true,
        check: chk_postgres,
    }
}
pub const MARIADB: Daemon = Daemon {
    unit: "mariadb.service",
    local_only: true,
    check: chk_mariadb,
};
pub const MEMCACHED: Daemon = Daemon {
    unit: "memcached.service",
    local_only: true,
    check: chk_memcached,
};
pub const SSH: Daemon = Daemon {
    unit: "ssh.service",
    local_only: false,
    check: chk_ssh,
};
pub const PYAPP: Daemon = Daemon {
    unit: "pyapp.service",
    local_only: true,
    check: chk_pyapp,
};

/// Every daemon of the test-bed, in the order of testbed/README.md.
pub fn daemons() -> [Daemon; 7] {
    [NGINX, REDIS, postgres(), MARIADB, MEMCACHED, SSH, PYAPP]
}
