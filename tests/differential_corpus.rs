//! Real Debian unit files compared with the live `systemd-analyze security --offline=true`.
//!
//! The corpus comes from `scripts/fetch-corpus` (one directory per Debian package, holding what
//! the package ships under lib/systemd/system and usr/lib/systemd/system). `UNITGUARD_CORPUS`
//! names it (scripts/test sets it); otherwise this test runs scripts/fetch-corpus itself.
//! For each package, every regular `.service` file and every `.service` alias or mask link
//! of its unit directories is analysed in one invocation per tool, with `--root=<package>`,
//! so the package's own drop-ins and aliases apply and the host's do not.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("UNITGUARD_CORPUS").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/fetch-corpus");
    let out = Command::new(&script).output().unwrap_or_else(|e| {
        panic!(
            "UNITGUARD_CORPUS is not set and {} could not be run: {e}",
            script.display()
        )
    });
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .expect("scripts/fetch-corpus prints the corpus path on its last line");
    PathBuf::from(last.trim())
}

/// The arguments for each package: unit names (base names), sorted, no duplicates.
fn units_by_package(corpus: &Path) -> BTreeMap<String, Vec<String>> {
    let mut by_pkg: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let read = |f: &str| {
        let p = corpus.join(f);
        std::fs::read_to_string(&p).unwrap_or_else(|e| {
            panic!(
                "cannot read {} (run scripts/fetch-corpus): {e}",
                p.display()
            )
        })
    };
    for line in read("units.tsv").lines().filter(|l| !l.is_empty()) {
        let mut f = line.split('\t');
        let (Some(pkg), Some(path)) = (f.next(), f.next()) else {
            panic!("bad line in units.tsv: {line:?}");
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        by_pkg.entry(pkg.into()).or_default().push(name.into());
    }
    // Aliases and masks (not the links inside .wants/ directories).
    for line in read("symlinks.tsv").lines().filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let [pkg, path, _target, kind, ..] = f[..] else {
            panic!("bad line in symlinks.tsv: {line:?}");
        };
        if matches!(kind, "alias" | "mask") {
            let name = path.rsplit('/').next().unwrap_or(path);
            by_pkg.entry(pkg.into()).or_default().push(name.into());
        }
    }
    for names in by_pkg.values_mut() {
        names.sort();
        names.dedup();
    }
    by_pkg
}

#[test]
fn debian_units_match_systemd() {
    let corpus = corpus_dir();
    let packages = units_by_package(&corpus);
    assert!(
        !packages.is_empty(),
        "the corpus at {} lists no .service units",
        corpus.display()
    );
    let jobs: Vec<(&String, &Vec<String>)> = packages.iter().collect();
    let threads = std::thread::available_parallelism()
        .map_or(4, |n| n.get())
        .min(16);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(String, Result<Summary, String>)>> = Default::default();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((pkg, names)) = jobs.get(i) else {
                        break;
                    };
                    let root = corpus.join(pkg);
                    // Versions that search /lib/systemd/system read the package as shipped;
                    // the others (257) as a merged-/usr system installs it.
                    let (split, merged) = common::split_by_lib(&common::oracle_versions());
                    let outcome = std::panic::catch_unwind(|| {
                        let mut total = Summary::default();
                        for (versions, tree) in [
                            (split, None),
                            (merged, Some(common::merged_usr_copy(&root))),
                        ] {
                            if versions.is_empty() {
                                continue;
                            }
                            let at = tree.as_ref().map_or(root.as_path(), |t| t.path());
                            let s = names
                                .iter()
                                .fold(Test::existing_root(at), |t, n| t.arg_unit(n))
                                .versions(&versions)
                                .check()?;
                            total.units += s.units;
                            total.scored += s.scored;
                            total.errors += s.errors;
                            total.rows += s.rows;
                        }
                        Ok(total)
                    })
                    .unwrap_or_else(|e| {
                        Err(e
                            .downcast_ref::<String>()
                            .cloned()
                            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                            .unwrap_or_else(|| "the comparison panicked".into()))
                    });
                    results.lock().unwrap().push(((*pkg).clone(), outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let (mut units, mut scored, mut errors, mut rows) = (0, 0, 0, 0);
    let mut failed = Vec::new();
    for (pkg, r) in &results {
        match r {
            Ok(s) => {
                units += s.units;
                scored += s.scored;
                errors += s.errors;
                rows += s.rows;
            }
            Err(report) => failed.push(format!("=== package {pkg}\n{report}")),
        }
    }
    let total: usize = packages.values().map(Vec::len).sum();
    eprintln!(
        "corpus {}: {} packages, {total} units; matching: {units} units ({scored} scored, \
         {errors} load failures, {rows} rows)",
        corpus.display(),
        packages.len()
    );
    assert!(
        failed.is_empty(),
        "{} of {} packages differ from systemd-analyze ({units} of {total} units in matching \
         packages: {scored} scored, {errors} load failures, {rows} rows):\n{}",
        failed.len(),
        packages.len(),
        failed.join("\n")
    );
}
