//! How output reaches a person: colour, the pager and notes, decided once per run from the
//! global options (`--color`, `--no-pager`, `-q`) and the environment, the way systemd's
//! tools decide them.

use std::io::{self, IsTerminal, Write};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use crate::cli::{ColorWhen, OutputArgs};

#[derive(Debug, Clone, Copy)]
struct Settings {
    quiet: bool,
    color: ColorWhen,
    pager: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

fn settings() -> Settings {
    *SETTINGS.get_or_init(|| Settings {
        quiet: false,
        color: ColorWhen::Auto,
        pager: false,
    })
}

/// Takes the global options of this run; only the first call counts.
pub fn init(o: &OutputArgs) {
    let _ = SETTINGS.set(Settings {
        quiet: o.quiet,
        color: o.color,
        pager: !o.no_pager,
    });
}

/// `-q`: notes and hints are not printed.
pub fn quiet() -> bool {
    settings().quiet
}

/// Prints a note on stderr ("unitguard: ..."), unless `-q` was given.
pub fn note(text: &str) {
    if !quiet() {
        eprintln!("unitguard: {text}");
    }
}

/// Whether stdout gets ANSI colours: `--color=always|never`, else (auto) only on a terminal,
/// with `NO_COLOR` unset (no-color.org), `SYSTEMD_COLORS` not false and `TERM` not dumb.
pub fn color() -> bool {
    let var = |k: &str| std::env::var_os(k).map(|v| v.to_string_lossy().into_owned());
    decide_color(settings().color, io::stdout().is_terminal(), var)
}

fn decide_color(when: ColorWhen, tty: bool, var: impl Fn(&str) -> Option<String>) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            tty && var("NO_COLOR").is_none_or(|v| v.is_empty())
                && var("SYSTEMD_COLORS")
                    .and_then(|v| crate::settings::values::parse_bool(&v))
                    .unwrap_or(true)
                && !matches!(var("TERM").as_deref(), Some("dumb"))
        }
    }
}

/// Wraps `text` in an SGR colour when colours are on.
pub fn paint(text: &str, sgr: &str, on: bool) -> String {
    if on && !sgr.is_empty() {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Bright red, yellow, green: systemd's highlight colours for bad, medium and good.
pub const RED: &str = "1;31";
pub const YELLOW: &str = "1;33";
pub const GREEN: &str = "1;32";

/// Standard output, through a pager when systemd would use one: stdout is a terminal, no
/// `--no-pager`, and `$SYSTEMD_PAGER` (else `$PAGER`, else `less`) is not empty or `cat`.
/// `less` gets `LESS=FRSXMK` unless `$SYSTEMD_LESS` says otherwise, as in systemd.
pub struct Stdout {
    pager: Option<Child>,
}

impl Stdout {
    pub fn open() -> Stdout {
        let var = |k: &str| std::env::var(k).ok();
        let command = settings()
            .pager
            .then(|| pager_command(io::stdout().is_terminal(), var))
            .flatten();
        let pager = command.and_then(|cmd| {
            let less = var("SYSTEMD_LESS").unwrap_or_else(|| "FRSXMK".into());
            Command::new("sh")
                .arg("-c")
                .arg(&cmd)
                .env("LESS", less)
                .stdin(Stdio::piped())
                .spawn()
                .ok()
        });
        Stdout { pager }
    }

    /// Closes the pager's input and waits until the reader quits it.
    pub fn finish(mut self) {
        if let Some(mut p) = self.pager.take() {
            drop(p.stdin.take());
            let _ = p.wait();
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.pager.as_mut().and_then(|p| p.stdin.as_mut()) {
            Some(stdin) => stdin.write(buf),
            None => io::stdout().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.pager.as_mut().and_then(|p| p.stdin.as_mut()) {
            Some(stdin) => stdin.flush(),
            None => io::stdout().flush(),
        }
    }
}

/// The pager's command line, or `None` for no pager.
fn pager_command(tty: bool, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    if !tty {
        return None;
    }
    let cmd = var("SYSTEMD_PAGER")
        .or_else(|| var("PAGER"))
        .unwrap_or_else(|| "less".into());
    let trimmed = cmd.trim();
    (!trimmed.is_empty() && trimmed != "cat").then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::{ColorWhen, decide_color, pager_command};

    fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn colour_follows_flag_terminal_and_no_color() {
        assert!(decide_color(
            ColorWhen::Always,
            false,
            env(&[("NO_COLOR", "1")])
        ));
        assert!(!decide_color(ColorWhen::Never, true, env(&[])));
        assert!(decide_color(
            ColorWhen::Auto,
            true,
            env(&[("TERM", "xterm")])
        ));
        assert!(!decide_color(ColorWhen::Auto, false, env(&[])));
        assert!(!decide_color(
            ColorWhen::Auto,
            true,
            env(&[("NO_COLOR", "1")])
        ));
        assert!(decide_color(
            ColorWhen::Auto,
            true,
            env(&[("NO_COLOR", "")])
        ));
        assert!(!decide_color(
            ColorWhen::Auto,
            true,
            env(&[("SYSTEMD_COLORS", "0")])
        ));
        assert!(!decide_color(
            ColorWhen::Auto,
            true,
            env(&[("TERM", "dumb")])
        ));
    }

    #[test]
    fn pager_like_systemd() {
        assert_eq!(pager_command(false, env(&[])), None);
        assert_eq!(pager_command(true, env(&[])).as_deref(), Some("less"));
        assert_eq!(
            pager_command(true, env(&[("PAGER", "more")])).as_deref(),
            Some("more")
        );
        assert_eq!(
            pager_command(true, env(&[("SYSTEMD_PAGER", "most"), ("PAGER", "more")])).as_deref(),
            Some("most")
        );
        assert_eq!(pager_command(true, env(&[("SYSTEMD_PAGER", "cat")])), None);
        assert_eq!(pager_command(true, env(&[("PAGER", "")])), None);
    }
}
