//! Documentation generated from the clap definitions (src/cli.rs), the way uv keeps its CLI
//! reference: the README's usage block, the man pages in man/ (clap_mangen) and the shell
//! completions in completions/ (clap_complete) must equal what the CLI generates now. With
//! UNITGUARD_UPDATE_DOCS=1 the test writes them instead of failing.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn command() -> clap::Command {
    let mut cmd = unitguard::cli::Cli::command();
    cmd.build();
    cmd
}

/// Every file the CLI generates: path (relative to the repository) and contents.
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let cmd = command();
    let mut out = Vec::new();
    let mut page = |name: String, c: &clap::Command| {
        let mut buf = Vec::new();
        clap_mangen::Man::new(c.clone())
            .title(name.to_uppercase())
            .render(&mut buf)
            .expect("render man page");
        out.push((PathBuf::from(format!("man/{name}.1")), buf));
    };
    page("unitguard".into(), &cmd);
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("unitguard-{}", sub.get_name());
        // A subcommand's page is named and used like git's: unitguard-audit(1).
        let leaked: &'static str = Box::leak(name.clone().into_boxed_str());
        let c = sub
            .clone()
            .name(leaked)
            .bin_name(format!("unitguard {}", sub.get_name()));
        page(name, &c);
    }
    for (shell, file) in [
        (Shell::Bash, "completions/unitguard.bash"),
        (Shell::Zsh, "completions/_unitguard"),
        (Shell::Fish, "completions/unitguard.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut command(), "unitguard", &mut buf);
        out.push((PathBuf::from(file), buf));
    }
    out
}

/// The README's usage block: per command its usage line, then its options.
fn usage_block() -> String {
    let mut cmd = command();
    let mut lines = Vec::new();
    let names: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub = cmd.find_subcommand_mut(&name).unwrap();
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ").trim().to_string();
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        lines.push(format!("{usage}\n    {about}"));
        let opts: Vec<String> = sub
            .get_arguments()
            .filter(|a| !a.is_positional() && !a.is_hide_set() && !a.is_global_set())
            .filter_map(|a| {
                let long = a.get_long()?;
                if long == "help" || long == "version" {
                    return None;
                }
                let value = a
                    .get_value_names()
                    .map(|v| v.join(" "))
                    .filter(|_| a.get_action().takes_values());
                Some(match value {
                    Some(v) if a.get_num_args().is_some_and(|n| n.min_values() == 0) => {
                        format!("--{long}[={v}]")
                    }
                    Some(v) => format!("--{long} {v}"),
                    None => format!("--{long}"),
                })
            })
            .collect();
        if !opts.is_empty() {
            let mut line = String::from("    options:");
            for o in opts {
                if line.len() + o.len() + 1 > 96 {
                    lines.push(std::mem::take(&mut line));
                    line = String::from("            ");
                }
                line.push(' ');
                line.push_str(&o);
            }
            lines.push(line);
        }
    }
    lines.join("\n")
}

fn readme_with(block: &str) -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme
        .find("```text\n")
        .expect("README has the usage block")
        + "```text\n".len();
    let end = start + readme[start..].find("```").unwrap();
    format!("{}{}\n{}", &readme[..start], block, &readme[end..])
}

#[test]
fn generated_docs_match_the_cli() {
    let update = std::env::var_os("UNITGUARD_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    let mut files = generated();
    files.push((
        PathBuf::from("README.md"),
        readme_with(&usage_block()).into_bytes(),
    ));
    for (rel, want) in &files {
        let path = repo().join(rel);
        if std::fs::read(&path).ok().as_ref() != Some(want) {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, want).unwrap();
            } else {
                stale.push(rel.display().to_string());
            }
        }
    }
    // No stray pages of commands that are gone.
    let pages: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    for e in std::fs::read_dir(repo().join("man")).unwrap().flatten() {
        let rel = PathBuf::from("man").join(e.file_name());
        assert!(
            pages.contains(&rel),
            "{} is not generated any more",
            rel.display()
        );
    }
    assert!(
        stale.is_empty(),
        "out of date with src/cli.rs: {} (UNITGUARD_UPDATE_DOCS=1 cargo test --release --test cli docs::)",
        stale.join(", ")
    );
}

#[test]
fn man_pages_name_every_option() {
    for (rel, text) in generated() {
        if !rel.starts_with("man") {
            continue;
        }
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.starts_with(".ie \\n(.g .ds Aq") || text.contains(".TH "),
            "{rel:?}"
        );
    }
    let audit =
        String::from_utf8(std::fs::read(repo().join("man/unitguard-audit.1")).unwrap()).unwrap();
    for opt in [
        "offline",
        "json",
        "threshold",
        "max\\-exposure",
        "image",
        "user",
        "no\\-legend",
        "format",
        "base",
    ] {
        assert!(
            audit.contains(&format!("\\-\\-{opt}")),
            "--{opt} missing from unitguard-audit(1)"
        );
    }
}

#[test]
fn bash_completion_completes_commands_and_values() {
    // The installed file, sourced by a real bash: `unitguard au<TAB>` and `--format <TAB>`.
    let script = format!(
        r#"source {}
COMP_WORDS=(unitguard au); COMP_CWORD=1; COMP_LINE="unitguard au"; COMP_POINT=${{#COMP_LINE}}
_unitguard unitguard au unitguard; echo "cmds: ${{COMPREPLY[*]}}"
COMP_WORDS=(unitguard lint --format ""); COMP_CWORD=3; COMP_LINE="unitguard lint --format "; COMP_POINT=${{#COMP_LINE}}
_unitguard unitguard "" --format; echo "formats: ${{COMPREPLY[*]}}"
"#,
        repo().join("completions/unitguard.bash").display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("cmds: audit"),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in ["text", "json", "sarif", "junit", "gitlab"] {
        assert!(
            text.lines()
                .any(|l| l.starts_with("formats:") && l.contains(f)),
            "{f}: {text}"
        );
    }
    insta::assert_snapshot!(text, @"
    cmds: audit
    formats: text json sarif junit gitlab
    ");
}

#[test]
fn version_names_the_systemd_versions_scored() {
    let out = crate::support::ug(["--version"]).output();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("unitguard {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(text.contains("systemd 252"), "{text}");
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        &crate::support::regex_escape(env!("CARGO_PKG_VERSION")),
        "[VERSION]",
    );
    let _s = settings.bind_to_scope();
    insta::assert_snapshot!(text, @"unitguard [VERSION] (scores as systemd-analyze security of systemd 252, 254 and 257)");
}
