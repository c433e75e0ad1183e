//! Drop-in discovery (systemd's unit_file_find_dropin_paths()): `<name>.d/`, the template's
//! `.d/`, dash-prefix directories (`foo-.service.d/`), the same for every alias, then the
//! type-wide `service.d/`; `*.conf` files merged by file name (first directory wins) and
//! applied in file-name order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::name::{self, NameKind};
use super::search::{SearchPath, UnitIndex};

/// The drop-in directories for `name` in one search directory, most specific first.
fn dirs_for_name(index: &UnitIndex, dir: &Path, unit: &str, out: &mut Vec<PathBuf>) {
    let path = dir.join(format!("{unit}.d"));
    if index.has_dir(&path) && path.is_dir() {
        out.push(path);
    }
    let kind = name::classify(unit);
    if kind == Some(NameKind::Instance) {
        if let Some(t) = name::template_of(unit) {
            dirs_for_name(index, dir, &t, out);
        }
    }
    // Top-level type drop-ins ("service") end the walk.
    if name::UNIT_TYPES.contains(&unit) {
        return;
    }
    let mut prefix = name::prefix(unit).to_string();
    let mut chopped = false;
    loop {
        let Some(dash) = prefix.rfind('-') else {
            return;
        };
        if dash == 0 {
            return;
        }
        if dash + 1 != prefix.len() || chopped {
            prefix.truncate(dash + 1);
            break;
        }
        prefix.truncate(dash);
        chopped = true;
    }
    let unit_type = name::unit_type(unit);
    let built = match name::instance(unit) {
        Some(inst) if kind == Some(NameKind::Instance) => format!("{prefix}@{inst}.{unit_type}"),
        _ => format!("{prefix}.{unit_type}"),
    };
    if !name::is_valid(&built) {
        return;
    }
    dirs_for_name(index, dir, &built, out);
}

/// All drop-in directories of a unit with id `id` and `aliases`, in systemd's order.
pub fn dropin_dirs(
    search: &SearchPath,
    index: &UnitIndex,
    id: &str,
    aliases: &[String],
) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for d in &search.dirs {
        dirs_for_name(index, d, id, &mut dirs);
    }
    for alias in aliases {
        for d in &search.dirs {
            dirs_for_name(index, d, alias, &mut dirs);
        }
    }
    let unit_type = name::unit_type(id);
    for d in &search.dirs {
        dirs_for_name(index, d, unit_type, &mut dirs);
    }
    dirs
}

/// The `*.conf` files of `dirs`, merged by file name (first directory wins), sorted by name.
pub fn dropin_files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut files: BTreeMap<Vec<u8>, PathBuf> = BTreeMap::new();
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(d) else {
            continue;
        };
        for e in entries.flatten() {
            let n = e.file_name();
            let bytes = n.as_encoded_bytes();
            if bytes.starts_with(b".") || !bytes.ends_with(b".conf") {
                continue;
            }
            files.entry(bytes.to_vec()).or_insert_with(|| d.join(&n));
        }
    }
    files.into_values().collect()
}
