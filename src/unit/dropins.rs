//! Drop-in discovery (systemd's unit_file_find_dropin_paths()): `<name>.d/`, the template's
//! `.d/`, dash-prefix directories (`foo-.service.d/`), the same for every alias, then the
//! type-wide `service.d/`; `*.conf` files merged by file name (first directory wins) and
//! applied in file-name order.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::name::{self, NameKind};
use super::search::{SearchPath, UnitIndex};

/// The names whose `.d` directories hold drop-ins for `unit`, most specific first: the name,
/// its template's chain, then its dash-prefixes (`a-b-c.service` → `a-b-.service` → `a-.service`).
fn name_chain(unit: &str, out: &mut Vec<String>) {
    out.push(unit.to_string());
    let kind = name::classify(unit);
    if kind == Some(NameKind::Instance) {
        if let Some(t) = name::template_of(unit) {
            name_chain(&t, out);
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
    name_chain(&built, out);
}

/// All drop-in directories of a unit with id `id` and `aliases`, in systemd's order: for each
/// of the id, every alias and the unit type, each search directory in turn, and in it that
/// name's chain (see [`name_chain`]).
pub fn dropin_dirs(
    search: &SearchPath,
    index: &UnitIndex,
    id: &str,
    aliases: &[String],
) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let unit_type = name::unit_type(id);
    let names = std::iter::once(id)
        .chain(aliases.iter().map(String::as_str))
        .chain(std::iter::once(unit_type));
    let mut chain = Vec::new();
    for unit in names {
        chain.clear();
        name_chain(unit, &mut chain);
        // Each name of the chain with a `.d` directory somewhere, and where.
        let present: Vec<(String, &[usize])> = chain
            .iter()
            .map(|n| format!("{n}.d"))
            .filter_map(|d| {
                let at = index.dropin_dir_positions(&d);
                (!at.is_empty()).then_some((d, at))
            })
            .collect();
        if present.is_empty() {
            continue;
        }
        for (position, d) in search.dirs.iter().enumerate() {
            for (n, at) in &present {
                if at.contains(&position) {
                    dirs.push(d.join(n));
                }
            }
        }
    }
    dirs
}

/// The `*.conf` entries of a drop-in directory: file name and path.
type Listing = Vec<(Vec<u8>, PathBuf)>;

/// A drop-in's bytes, or why it cannot be read.
pub type Contents = Result<Vec<u8>, String>;

/// Drop-in directory listings and drop-in files, read once per run: most units of a run share
/// the type-wide `service.d/` and often a dash-prefix directory.
#[derive(Debug, Default)]
pub struct DropinCache {
    listings: Mutex<HashMap<PathBuf, Arc<Listing>>>,
    files: Mutex<HashMap<PathBuf, Arc<Contents>>>,
}

impl DropinCache {
    /// The `*.conf` entries of `dir` (not hidden ones), with their paths.
    fn listing(&self, dir: &Path) -> Arc<Listing> {
        if let Some(l) = lock(&self.listings).get(dir) {
            return Arc::clone(l);
        }
        let mut entries = Vec::new();
        if let Ok(read) = std::fs::read_dir(dir) {
            for e in read.flatten() {
                let n = e.file_name();
                let bytes = n.as_encoded_bytes();
                if bytes.starts_with(b".") || !bytes.ends_with(b".conf") {
                    continue;
                }
                entries.push((bytes.to_vec(), dir.join(&n)));
            }
        }
        let entries = Arc::new(entries);
        lock(&self.listings).insert(dir.to_path_buf(), Arc::clone(&entries));
        entries
    }

    /// The bytes of a drop-in (under `root`), or why it cannot be read.
    pub fn read(&self, path: &Path, root: Option<&Path>) -> Arc<Contents> {
        if let Some(f) = lock(&self.files).get(path) {
            return Arc::clone(f);
        }
        let data = Arc::new(
            super::load::read_unit_file(path, root).map_err(|e| crate::error::io_message(&e)),
        );
        lock(&self.files).insert(path.to_path_buf(), Arc::clone(&data));
        data
    }

    /// The `*.conf` files of `dirs`, merged by file name (first directory wins), sorted by name.
    pub fn files(&self, dirs: &[PathBuf]) -> Vec<PathBuf> {
        let mut files: BTreeMap<Vec<u8>, PathBuf> = BTreeMap::new();
        for d in dirs {
            for (name, path) in self.listing(d).iter() {
                files.entry(name.clone()).or_insert_with(|| path.clone());
            }
        }
        files.into_values().collect()
    }
}

/// A poisoned lock only means another thread panicked; the map itself is still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
