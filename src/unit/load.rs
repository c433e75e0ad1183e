//! Loading one unit as systemd's offline manager does: name → fragment (aliases, templates,
//! links, masks) → drop-ins → parsed files, in the order they apply.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::dropins;
use super::name::{self, NameKind};
use super::search::{SearchPath, UnitIndex, is_null_or_empty};
use super::syntax::{self, ParsedFile};

/// The sections each unit type reads; every other section is skipped.
pub fn sections_for(unit_type: &str) -> &'static [&'static str] {
    match unit_type {
        "service" => &["Unit", "Service", "Install"],
        "socket" => &["Unit", "Socket", "Install"],
        "mount" => &["Unit", "Mount", "Install"],
        "swap" => &["Unit", "Swap", "Install"],
        "timer" => &["Unit", "Timer", "Install"],
        "path" => &["Unit", "Path", "Install"],
        "slice" => &["Unit", "Slice", "Install"],
        "automount" => &["Unit", "Automount", "Install"],
        "scope" => &["Unit", "Scope", "Install"],
        _ => &["Unit", "Install"],
    }
}

/// A unit whose files were found and read.
#[derive(Debug, Clone)]
pub struct LoadedUnit {
    /// The name systemd reports: the alias target for an alias, `@i` for a template.
    pub id: String,
    /// The name the unit was asked for. A failure while reading the fragment is reported
    /// under it, because systemd only switches to the fragment's name after that.
    pub requested: String,
    pub fragment: PathBuf,
    pub aliases: Vec<String>,
    /// The fragment first (unless `fragment` is empty: a slice or device without one), then
    /// the drop-ins in the order they apply.
    pub files: Vec<ParsedFile>,
    /// Drop-ins that could not be read (systemd skips them).
    pub unreadable_dropins: Vec<(PathBuf, String)>,
}

impl LoadedUnit {
    pub fn unit_type(&self) -> &str {
        name::unit_type(&self.id)
    }
}

/// Why a unit could not be loaded, with systemd's own message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    #[error("Failed to prepare filename {arg}: Invalid argument")]
    InvalidName { arg: String },
    #[error("Unit {id} not found.")]
    NotFound { id: String, detail: Option<String> },
    #[error("Unit {id} is masked.")]
    Masked { id: String, fragment: PathBuf },
    #[error("Unit {id} has a bad unit file setting.")]
    BadSetting {
        id: String,
        detail: String,
        /// Whether systemd got as far as giving the unit all its names (true for the unit
        /// type's own checks, false for a fatal assignment in the fragment).
        merged: bool,
    },
    /// A load failure with EPERM/EACCES: systemd prints only this, without the unit's name.
    #[error("Access denied")]
    Denied { id: String, detail: String },
    #[error(
        "Unit {id} failed to load properly, please adjust/correct and reload service manager: {errno}"
    )]
    Failed {
        id: String,
        errno: String,
        detail: String,
    },
}

impl LoadError {
    /// The name systemd reports for this unit.
    pub fn unit(&self) -> &str {
        match self {
            LoadError::InvalidName { arg } => arg,
            LoadError::NotFound { id, .. }
            | LoadError::Masked { id, .. }
            | LoadError::BadSetting { id, .. }
            | LoadError::Denied { id, .. }
            | LoadError::Failed { id, .. } => id,
        }
    }

    /// unitguard's own explanation (file and line), beyond systemd's message.
    pub fn detail(&self) -> Option<String> {
        match self {
            LoadError::InvalidName { .. } => Some("not a valid unit name".into()),
            LoadError::NotFound { detail, .. } => detail.clone(),
            LoadError::Masked { fragment, .. } => Some(format!(
                "{} is empty or a link to /dev/null",
                fragment.display()
            )),
            LoadError::BadSetting { detail, .. }
            | LoadError::Denied { detail, .. }
            | LoadError::Failed { detail, .. } => Some(detail.clone()),
        }
    }
}

/// The unit name an argument stands for (systemd's verify_prepare_filename()): the file's
/// base name, with a template turned into the version's instance (`i`, or `test_instance`
/// from systemd 257).
pub fn name_for_argument(arg: &Path, template_instance: &str) -> Result<String, LoadError> {
    let base = arg
        .file_name()
        .and_then(|b| b.to_str())
        .ok_or_else(|| LoadError::InvalidName {
            arg: arg.display().to_string(),
        })?;
    match name::classify(base) {
        None => Err(LoadError::InvalidName {
            arg: arg.display().to_string(),
        }),
        Some(NameKind::Template) => Ok(name::with_instance(base, template_instance)),
        Some(_) => Ok(base.to_string()),
    }
}

const EISDIR: i32 = 21;

/// What a non-regular file is, in words.
fn file_kind(ft: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_symlink() {
        "a symlink"
    } else {
        "not a regular file"
    }
}

/// The most of one unit file or drop-in unitguard reads. systemd's longest line is 1 MiB
/// and real unit files are a few KiB; a larger file (say a sparse 15 TB one) is refused with
/// a clear error instead of being read into memory.
pub const UNIT_FILE_CAP: u64 = 4 << 20;

/// Reads a unit file or drop-in, following symlinks as systemd's fopen() does. A directory
/// fails with EISDIR, as systemd's read does; anything else that is not a regular file (a
/// FIFO, socket or device) is refused with `InvalidInput` before it is opened, since reading a
/// FIFO would block forever (systemd-analyze hangs on one). Under a `root`, a file that a
/// symlink leads to outside the root is refused too: the tree is not unitguard's to trust.
pub fn read_unit_file(path: &Path, root: Option<&Path>) -> std::io::Result<Vec<u8>> {
    let meta = std::fs::metadata(path)?;
    read_regular(path, &meta, root)
}

/// A fragment's contents, or the mark of a masked unit.
enum Fragment {
    /// Empty, or a character device such as /dev/null (systemd's null_or_empty()).
    Masked,
    Data(Vec<u8>),
}

/// [`read_unit_file`] for a fragment, with the masked check on the same stat.
fn read_fragment(path: &Path, root: Option<&Path>) -> std::io::Result<Fragment> {
    use std::os::unix::fs::FileTypeExt;
    let meta = std::fs::metadata(path)?;
    if meta.file_type().is_char_device() || (meta.is_file() && meta.len() == 0) {
        return Ok(Fragment::Masked);
    }
    read_regular(path, &meta, root).map(Fragment::Data)
}

/// Reads `path`, whose metadata is `meta`, refusing what is not a regular file, what lies
/// outside `root`, and what is larger than [`UNIT_FILE_CAP`].
fn read_regular(
    path: &Path,
    meta: &std::fs::Metadata,
    root: Option<&Path>,
) -> std::io::Result<Vec<u8>> {
    if meta.is_dir() {
        return Err(std::io::Error::from_raw_os_error(EISDIR));
    }
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{}, not a regular file", file_kind(meta.file_type())),
        ));
    }
    let file = match root.filter(|r| *r != Path::new("/")) {
        None => crate::files::open_regular(path)?,
        Some(root) => crate::files::open_inside(root, path)?,
    };
    let mut data = Vec::new();
    file.take(UNIT_FILE_CAP + 1).read_to_end(&mut data)?;
    if data.len() as u64 <= UNIT_FILE_CAP {
        return Ok(data);
    }
    // Too large to read whole. systemd reads line by line and stops at the first line it
    // cannot take (over 1 MiB, not UTF-8, a broken section header): when that happens within
    // the head, it fails there too, and the head gives the same result. The last, cut line is
    // left out unless it is already too long by itself.
    data.truncate(UNIT_FILE_CAP as usize);
    let tail = data
        .iter()
        .rev()
        .position(|b| matches!(b, b'\n' | b'\r' | 0))
        .unwrap_or(data.len());
    if tail < syntax::LONG_LINE_MAX {
        data.truncate(data.len() - tail);
    }
    if syntax::parse(path, &data, &[]).error.is_some() {
        return Ok(data);
    }
    Err(too_large())
}

fn too_large() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "larger than {} MiB, far more than any unit file; not read",
            UNIT_FILE_CAP >> 20
        ),
    )
}

/// The unit id for a fragment found for `unit`: the fragment's name, with `unit`'s instance
/// when the fragment is a template.
fn id_for_fragment(unit: &str, fragment: &Path) -> String {
    let base = fragment
        .file_name()
        .map(|b| b.to_string_lossy().into_owned())
        .unwrap_or_default();
    match (name::classify(&base), name::instance(unit)) {
        (Some(NameKind::Template), Some(inst)) => name::with_instance(&base, inst),
        _ => base,
    }
}

/// The names a unit with id `id` carries besides its id (templates given `id`'s instance).
fn aliases_of(names: Vec<String>, id: &str) -> Vec<String> {
    names
        .into_iter()
        .map(|n| match name::classify(&n) {
            Some(NameKind::Template) => name::with_instance(&n, name::instance(id).unwrap_or("")),
            _ => n,
        })
        .filter(|n| *n != id)
        .collect()
}

/// How far systemd's manager got with one unit of a run, which decides the names it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// No fragment: the unit holds only the requested name, and may be merged into later.
    NotFound,
    /// Failed while reading or parsing the fragment: only the requested name.
    BeforeMerge,
    /// Loaded (also masked, or refused by the type's own checks): all its names.
    Merged,
}

/// One argument of a run, as far as [`Run`] needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunUnit<'a> {
    /// The unit name the argument asks for.
    pub name: &'a str,
    pub state: RunState,
    /// BusName= of a service that got through parsing (systemd watches it while adding the
    /// service's extras, before the service's own checks).
    pub bus_name: Option<&'a str>,
}

/// What one argument of a run turns out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunSlot {
    /// A unit of its own: its outcome stands.
    Own,
    /// A name an earlier argument's unit already took: the same unit, the same outcome.
    SameAs(usize),
    /// One of its names belongs to a unit loaded earlier, so systemd cannot merge them and
    /// the load fails with EEXIST ("File exists"), reported under the requested name. This
    /// happens with aliases of masked units, which are not in the name map.
    NameClash,
    /// An earlier service of the run watches the same BusName=: EEXIST, reported under the
    /// unit's id ("Two services allocated for the same bus name").
    BusNameClash,
}

/// systemd-analyze loads all arguments into one manager, one after the other, before it
/// scores any. Fed each argument in order (`None` for arguments that are not unit names) with
/// how far its load got, [`Run::add`] says whether it is the same unit as an earlier argument,
/// or fails because its names cannot be merged. Each answer depends only on the arguments
/// before it, so a long run can be scored a chunk at a time.
#[derive(Debug, Default)]
pub struct Run {
    /// Every name taken so far → the argument that took it.
    owner: HashMap<String, usize>,
    bus_owner: HashMap<String, usize>,
    not_found: Vec<bool>,
    slots: Vec<RunSlot>,
}

impl Run {
    /// Adds the next argument and returns what it turns out to be.
    pub fn add(&mut self, loader: &Loader, unit: Option<RunUnit>) -> RunSlot {
        let i = self.slots.len();
        let slot = self.place(loader, i, unit);
        self.slots.push(slot);
        slot
    }

    /// The slot of argument `i`, once added.
    pub fn slot(&self, i: usize) -> RunSlot {
        self.slots[i]
    }

    fn place(&mut self, loader: &Loader, i: usize, unit: Option<RunUnit>) -> RunSlot {
        self.not_found.push(false);
        let Some(RunUnit {
            name: requested,
            state,
            bus_name,
        }) = unit
        else {
            return RunSlot::Own;
        };
        if let Some(&j) = self.owner.get(requested) {
            return match self.slots[j] {
                RunSlot::SameAs(k) => RunSlot::SameAs(k),
                _ => RunSlot::SameAs(j),
            };
        }
        let names = match state {
            RunState::Merged => loader.merged_names(requested),
            RunState::NotFound | RunState::BeforeMerge => vec![requested.to_string()],
        };
        self.not_found[i] = state == RunState::NotFound;
        let clash = names
            .iter()
            .filter_map(|n| self.owner.get(n))
            .any(|&j| !self.not_found[j]);
        if clash {
            self.owner.insert(requested.to_string(), i);
            return RunSlot::NameClash;
        }
        for n in names {
            self.owner.insert(n, i);
        }
        match bus_name {
            Some(bus) if self.bus_owner.contains_key(bus) => RunSlot::BusNameClash,
            Some(bus) => {
                self.bus_owner.insert(bus.to_string(), i);
                RunSlot::Own
            }
            None => RunSlot::Own,
        }
    }
}

/// Finds and reads units; built once per run.
#[derive(Debug)]
pub struct Loader {
    pub search: SearchPath,
    pub index: UnitIndex,
    dropins: dropins::DropinCache,
}

impl Loader {
    pub fn new(search: SearchPath) -> Self {
        let index = UnitIndex::build(&search);
        Loader {
            search,
            index,
            dropins: Default::default(),
        }
    }

    /// The drop-ins of a unit with id `id` and `aliases`, parsed, and the ones that could not
    /// be read with the reason.
    fn dropins(
        &self,
        id: &str,
        aliases: &[String],
        sections: &[&str],
    ) -> (Vec<ParsedFile>, Vec<(PathBuf, String)>) {
        let dirs = dropins::dropin_dirs(&self.search, &self.index, id, aliases);
        let mut files = Vec::new();
        let mut unreadable = Vec::new();
        for path in self.dropins.files(&dirs) {
            match &*self.dropins.read(&path, self.search.root.as_deref()) {
                Ok(data) => files.push(syntax::parse(&path, data, sections)),
                Err(e) => unreadable.push((path, e.clone())),
            }
        }
        (files, unreadable)
    }

    /// Why `unit` has no fragment, naming the file that is in the way when there is one.
    fn why_not_found(&self, unit: &str) -> String {
        let mut names = vec![unit.to_string()];
        if let Some(t) = name::template_of(unit) {
            names.push(t);
        }
        for n in &names {
            if self.index.resolve(n) == Err(super::search::LookupError::Loop) {
                let first = self.search.dirs.iter().map(|d| d.join(n)).find(|p| {
                    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
                });
                let at = first.map_or_else(|| n.clone(), |p| p.display().to_string());
                return format!("{at}: the chain of unit symlinks loops or is too long");
            }
            for d in &self.search.dirs {
                let p = d.join(n);
                if let Ok(m) = std::fs::symlink_metadata(&p) {
                    if m.file_type().is_symlink() {
                        let target = std::fs::read_link(&p).unwrap_or_default();
                        return format!(
                            "{} is a symlink to {}, which leads to no unit file",
                            p.display(),
                            target.display()
                        );
                    }
                    if !m.is_file() {
                        return format!(
                            "{} is {}, not a unit file (skipped, as systemd does)",
                            p.display(),
                            file_kind(m.file_type())
                        );
                    }
                }
            }
        }
        format!(
            "no unit file named {unit} in the search path ({} directories)",
            self.search.dirs.len()
        )
    }

    /// A unit that loads without a fragment: only its drop-ins apply.
    fn without_fragment(&self, unit: &str, names: Vec<String>) -> LoadedUnit {
        let id = unit.to_string();
        let aliases = aliases_of(names, &id);
        let sections = sections_for(name::unit_type(&id));
        let (files, unreadable) = self.dropins(&id, &aliases, sections);
        LoadedUnit {
            requested: id.clone(),
            id,
            fragment: PathBuf::new(),
            aliases,
            files,
            unreadable_dropins: unreadable,
        }
    }

    /// Every name the unit loaded as `unit` would get (the requested name first).
    pub fn merged_names(&self, unit: &str) -> Vec<String> {
        let (fragment, names) = self.index.find_fragment(unit);
        let mut all = vec![unit.to_string()];
        if let Some(f) = fragment {
            let id = id_for_fragment(unit, &f);
            for n in std::iter::once(id.clone()).chain(aliases_of(names, &id)) {
                if !all.contains(&n) {
                    all.push(n);
                }
            }
        }
        all
    }

    /// Loads `unit` (a valid unit name).
    pub fn load(&self, unit: &str) -> Result<LoadedUnit, LoadError> {
        let unit_type = name::unit_type(unit);
        if unit_type == "scope" {
            // scope_load() refuses every scope that was not created at run time.
            return Err(LoadError::NotFound {
                id: unit.to_string(),
                detail: Some("scope units cannot be loaded from unit files".into()),
            });
        }
        // The root slice, the system slice and the root mount always exist ("perpetual"),
        // and so does every slice and device: their fragment is optional.
        let perpetual = matches!(unit, "-.slice" | "system.slice" | "-.mount");
        let fragment_optional = perpetual || matches!(unit_type, "slice" | "device");
        let (fragment, names) = self.index.find_fragment(unit);
        let fragment = match fragment {
            Some(f) if !(perpetual && is_null_or_empty(&f)) => f,
            _ if fragment_optional => return Ok(self.without_fragment(unit, names)),
            _ => {
                return Err(LoadError::NotFound {
                    id: unit.to_string(),
                    detail: Some(self.why_not_found(unit)),
                });
            }
        };
        let id = id_for_fragment(unit, &fragment);
        let not_found = |why: String| LoadError::NotFound {
            id: id.clone(),
            detail: Some(why),
        };
        let data = match read_fragment(&fragment, self.search.root.as_deref()) {
            Ok(Fragment::Masked) => return Err(LoadError::Masked { id, fragment }),
            Ok(Fragment::Data(d)) => d,
            // systemd opens a directory fine and then fails to read it.
            Err(e) if e.raw_os_error() == Some(EISDIR) => {
                return Err(LoadError::Failed {
                    id: unit.to_string(),
                    errno: crate::error::io_message(&e),
                    detail: format!("{} is a directory", fragment.display()),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(LoadError::Failed {
                    id: unit.to_string(),
                    errno: "File too large".into(),
                    detail: format!("{}: {}", fragment.display(), e),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                return Err(LoadError::Failed {
                    id: unit.to_string(),
                    errno: "Invalid argument".into(),
                    detail: format!("{}: {}", fragment.display(), e),
                });
            }
            Err(e) => {
                return Err(not_found(format!(
                    "{}: {}",
                    fragment.display(),
                    crate::error::io_message(&e)
                )));
            }
        };
        let sections = sections_for(name::unit_type(&id));
        let mut files = vec![syntax::parse(&fragment, &data, sections)];
        let aliases = aliases_of(names, &id);
        let (more, unreadable) = self.dropins(&id, &aliases, sections);
        files.extend(more);
        Ok(LoadedUnit {
            id,
            requested: unit.to_string(),
            fragment,
            aliases,
            files,
            unreadable_dropins: unreadable,
        })
    }
}
