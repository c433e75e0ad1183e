//! The unit search path and the name map built from it (systemd's lookup paths and
//! unit_file_build_name_map()). Each directory is read once per run; every later lookup of
//! a fragment, an alias or a drop-in directory is answered from memory.

use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::name::{self, NameKind};

/// The directories units are looked up in, as real paths on this machine (root-prefixed).
#[derive(Debug, Clone)]
pub struct SearchPath {
    pub root: Option<PathBuf>,
    pub dirs: Vec<PathBuf>,
}

/// Joins `root` and an absolute path the way systemd's path_join() does.
pub fn under_root(root: Option<&Path>, path: &Path) -> PathBuf {
    match root {
        None => path.to_path_buf(),
        Some(r) => r.join(path.strip_prefix("/").unwrap_or(path)),
    }
}

/// The names and `..` of a path, last first (a stack to pop from).
fn reversed_parts(path: &Path) -> Vec<std::ffi::OsString> {
    let mut parts: Vec<std::ffi::OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect();
    parts.reverse();
    parts
}

/// `path` (under `root`) with every symlink among its directories resolved, as systemd's
/// chase(CHASE_NOFOLLOW|CHASE_NONEXISTENT) does: absolute link targets stay under `root`, the
/// last component is not followed, missing parts are kept as written.
pub fn chase_directories(root: Option<&Path>, path: &Path) -> PathBuf {
    let base = root.unwrap_or(Path::new("/"));
    let Ok(rel) = path.strip_prefix(base) else {
        return path.to_path_buf();
    };
    let mut todo = reversed_parts(rel);
    let mut done = PathBuf::new();
    let mut hops = 0;
    while let Some(part) = todo.pop() {
        if part == ".." {
            done.pop();
            continue;
        }
        let cand = done.join(&part);
        let is_last = todo.is_empty();
        if !is_last && hops < 32 {
            if let Ok(target) = std::fs::read_link(base.join(&cand)) {
                hops += 1;
                if target.is_absolute() {
                    done = PathBuf::new();
                }
                todo.extend(reversed_parts(&target));
                continue;
            }
        }
        done = cand;
    }
    normalize(&base.join(done))
}

/// Removes `.` and `..` components and duplicate slashes without touching the disk.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => out.push(n),
            _ => {}
        }
    }
    out
}

impl SearchPath {
    /// The search path `systemd-analyze security --offline=true` uses for these arguments:
    /// the directories of the unit files given (when they exist), then `$SYSTEMD_UNIT_PATH`
    /// or the version's default path (`unit_path`), everything under `root`.
    pub fn for_arguments(
        args: &[PathBuf],
        root: Option<&Path>,
        cwd: &Path,
        unit_path: &[String],
    ) -> Self {
        // An argument that names an existing file (or an instance of an existing template)
        // puts its directory first. One stat per argument: done in parallel for long runs.
        let own_dirs: Vec<Option<PathBuf>> = args
            .par_iter()
            .map(|arg| {
                let abs = normalize(&cwd.join(arg));
                let dir = abs.parent()?;
                let base = abs
                    .file_name()
                    .map(|b| b.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let template_exists =
                    || name::template_of(&base).is_some_and(|t| dir.join(t).exists());
                (abs.exists()
                    || (name::classify(&base) == Some(NameKind::Instance) && template_exists()))
                .then(|| dir.to_path_buf())
            })
            .collect();
        let mut dirs: Vec<PathBuf> = own_dirs.into_iter().flatten().collect();
        let env = std::env::var("SYSTEMD_UNIT_PATH").ok();
        let mut rest: Vec<PathBuf> = Vec::new();
        let defaults = || -> Vec<PathBuf> {
            match super::scope::current() {
                super::scope::Scope::System => unit_path.iter().map(PathBuf::from).collect(),
                super::scope::Scope::User => {
                    super::scope::user_unit_path(|k| std::env::var(k).ok(), cwd)
                }
            }
        };
        match env.as_deref() {
            None => rest.extend(defaults()),
            Some("") => {}
            Some(v) => {
                for part in v.split(':') {
                    if !part.is_empty() {
                        rest.push(PathBuf::from(part));
                    }
                }
                if v.ends_with(':') {
                    rest.extend(defaults());
                }
            }
        }
        dirs.extend(rest);
        let mut seen = HashSet::new();
        let dirs = dirs
            .into_iter()
            .filter(|d| d.is_absolute())
            .map(|d| under_root(root, &d))
            .filter(|d| seen.insert(d.clone()))
            .collect();
        SearchPath {
            root: root.map(Path::to_path_buf),
            dirs,
        }
    }

    /// If `path` lies inside one of the search directories, the rest of it.
    fn tail_inside<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        self.dirs.iter().find_map(|d| path.strip_prefix(d).ok())
    }
}

/// Where a name in the search path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    /// A file (or a link to outside the search path): this path is the fragment.
    File(PathBuf),
    /// A symlink inside the search path: another unit name.
    Alias(String),
}

/// Why a name has no fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupError {
    NotFound,
    Loop,
}

/// Every unit name in the search path, what it leads to, and which directories exist.
#[derive(Debug, Default)]
pub struct UnitIndex {
    ids: HashMap<String, Entry>,
    /// fragment basename → every name that resolves to it (systemd's unit_name_map).
    aliases: HashMap<String, Vec<String>>,
    /// `*.d` directories (or links to one) → the search directories holding one by that
    /// name, by position in the search path.
    dropin_dirs: HashMap<String, Vec<usize>>,
    /// Names of the valid unit files found, in search order (for listing).
    listing: Vec<String>,
}

const FOLLOW_MAX: usize = 8;

impl UnitIndex {
    pub fn build(search: &SearchPath) -> Self {
        let mut index = UnitIndex::default();
        for (position, dir) in search.dirs.iter().enumerate() {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut names: Vec<(String, std::fs::FileType)> = entries
                .flatten()
                .filter_map(|e| {
                    let n = e.file_name().into_string().ok()?;
                    Some((n, e.file_type().ok()?))
                })
                .collect();
            names.sort_by(|a, b| a.0.cmp(&b.0));
            for (n, file_type) in names {
                let is_link = file_type.is_symlink();
                let valid = name::is_valid(&n);
                if !(valid
                    || n.ends_with(".wants")
                    || n.ends_with(".requires")
                    || n.ends_with(".d"))
                {
                    continue;
                }
                let filename = dir.join(&n);
                if n.ends_with(".d") && (file_type.is_dir() || (is_link && filename.is_dir())) {
                    let at = index.dropin_dirs.entry(n.clone()).or_default();
                    if at.last() != Some(&position) {
                        at.push(position);
                    }
                }
                // Only regular files and symlinks can be units: systemd 252 passes over a
                // directory, FIFO, socket or device with a unit's name ("not found").
                if !valid || index.ids.contains_key(&n) || !(file_type.is_file() || is_link) {
                    continue;
                }
                let entry = if is_link {
                    match index.classify_link(search, dir, &n, &filename) {
                        Some(e) => e,
                        None => continue,
                    }
                } else {
                    Entry::File(filename)
                };
                index.listing.push(n.clone());
                index.ids.insert(n, entry);
            }
        }
        index.build_alias_map();
        index
    }

    fn classify_link(
        &self,
        search: &SearchPath,
        dir: &Path,
        n: &str,
        filename: &Path,
    ) -> Option<Entry> {
        let target = std::fs::read_link(filename).ok()?;
        let root = search.root.as_deref();
        let abs = if target.is_absolute() {
            under_root(root, &target)
        } else {
            dir.join(&target)
        };
        // systemd chases every directory of the target (CHASE_NOFOLLOW: not the last part):
        // on a merged-/usr host /lib/systemd/system/x is /usr/lib/systemd/system/x.
        let mut simplified = normalize(&abs);
        if search.tail_inside(&simplified).is_none() {
            simplified = chase_directories(root, &simplified);
        }
        match search.tail_inside(&simplified) {
            None => Some(Entry::File(filename.to_path_buf())),
            Some(_) => {
                let dst = simplified.file_name()?.to_string_lossy().into_owned();
                if dst == n || !alias_symlink_is_valid(n, &dst) {
                    return None;
                }
                Some(Entry::Alias(dst))
            }
        }
    }

    fn build_alias_map(&mut self) {
        // Resolving is in memory; the masked check stats each fragment, in parallel.
        let names: Vec<&String> = self.ids.keys().collect();
        let resolved: Vec<(String, PathBuf)> = names
            .par_iter()
            .filter_map(|src| {
                let dst = self.resolve(src).ok()?;
                (!is_null_or_empty(&dst)).then(|| ((*src).clone(), dst))
            })
            .collect();
        for (src, dst) in resolved {
            let mut base = dst
                .file_name()
                .map(|b| b.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name::classify(&base) == Some(NameKind::Template) {
                if let (Some(NameKind::Instance), Some(inst)) =
                    (name::classify(&src), name::instance(&src))
                {
                    base = name::with_instance(&base, inst);
                }
            }
            self.aliases.entry(base).or_default().push(src);
        }
        for v in self.aliases.values_mut() {
            v.sort();
        }
    }

    /// Follows aliases to the fragment path (systemd's unit_ids_map_get()).
    pub fn resolve(&self, unit: &str) -> Result<PathBuf, LookupError> {
        let mut id: Option<String> = None;
        for _ in 0..FOLLOW_MAX {
            let key = id.as_deref().unwrap_or(unit);
            let entry = match self.ids.get(key) {
                Some(e) => e,
                None => {
                    let Some(ref i) = id else {
                        return Err(LookupError::NotFound);
                    };
                    let template = name::template_of(i).ok_or(LookupError::NotFound)?;
                    self.ids.get(&template).ok_or(LookupError::NotFound)?
                }
            };
            match entry {
                Entry::File(p) => return Ok(p.clone()),
                Entry::Alias(next) => id = Some(next.clone()),
            }
        }
        Err(LookupError::Loop)
    }

    /// The fragment of `unit` and every name the loaded unit will carry (systemd's
    /// unit_file_find_fragment()).
    pub fn find_fragment(&self, unit: &str) -> (Option<PathBuf>, Vec<String>) {
        let kind = name::classify(unit);
        let instance = name::instance(unit).unwrap_or("");
        let mut names: Vec<String> = Vec::new();
        self.add_names(&mut names, unit, None, kind, instance);
        let mut fragment = self.resolve(unit).ok();
        if fragment.is_none() && kind == Some(NameKind::Instance) {
            if let Some(t) = name::template_of(unit) {
                fragment = self.resolve(&t).ok();
            }
        }
        if let Some(f) = &fragment {
            let base = f
                .file_name()
                .map(|b| b.to_string_lossy().into_owned())
                .unwrap_or_default();
            if base != unit {
                self.add_names(&mut names, &base, Some(&base), kind, instance);
            }
        }
        (fragment, names)
    }

    fn add_names(
        &self,
        names: &mut Vec<String>,
        name_: &str,
        fragment_base: Option<&str>,
        kind: Option<NameKind>,
        instance: &str,
    ) {
        let mut push = |n: String| {
            if !names.contains(&n) {
                names.push(n);
            }
        };
        if kind != Some(NameKind::Template) {
            push(name_.to_string());
        }
        for alias in self.aliases.get(name_).into_iter().flatten() {
            if kind == Some(NameKind::Instance) && name::classify(alias) == Some(NameKind::Template)
            {
                let inst = name::with_instance(alias, instance);
                if let Ok(f) = self.resolve(&inst) {
                    let fb = f.file_name().map(|b| b.to_string_lossy().into_owned());
                    if fb.as_deref() != fragment_base {
                        continue;
                    }
                }
                push(inst);
            } else {
                push(alias.clone());
            }
        }
    }

    /// Whether `unit` is a symlink to another unit in the search path.
    pub fn is_alias(&self, unit: &str) -> bool {
        matches!(self.ids.get(unit), Some(Entry::Alias(_)))
    }

    /// The search directories (by position) that have a drop-in directory with this name
    /// (`foo.service.d`), in search order.
    pub fn dropin_dir_positions(&self, name: &str) -> &[usize] {
        self.dropin_dirs.get(name).map_or(&[], Vec::as_slice)
    }

    /// Every valid unit name found in the search path, first directory first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.listing.iter().map(String::as_str)
    }
}

/// systemd's unit_validate_alias_symlink_and_warn(): may `src` be an alias of `dst`?
fn alias_symlink_is_valid(src: &str, dst: &str) -> bool {
    let Some(src_kind) = name::classify(src) else {
        return false;
    };
    let src_type = name::unit_type(src);
    if !matches!(
        src_type,
        "service" | "socket" | "target" | "device" | "timer" | "path"
    ) {
        return false;
    }
    let Some(dst_kind) = name::classify(dst) else {
        return false;
    };
    if !(dst_kind == src_kind || (src_kind == NameKind::Instance && dst_kind == NameKind::Template))
    {
        return false;
    }
    if dst_kind == NameKind::Instance && name::instance(src) != name::instance(dst) {
        return false;
    }
    name::unit_type(dst) == src_type
}

/// A masked file: empty, or a character device such as /dev/null (systemd's null_or_empty()).
pub fn is_null_or_empty(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path)
        .is_ok_and(|m| m.file_type().is_char_device() || (m.is_file() && m.len() == 0))
}
