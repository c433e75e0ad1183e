//! Finding, reading and merging unit files exactly as systemd does.

pub mod dropins;
pub mod load;
pub mod name;
pub mod scope;
pub mod search;
pub mod specifier;
pub mod syntax;
pub mod target;

pub use load::{LoadError, LoadedUnit, Loader, Run, RunSlot, RunState, RunUnit, name_for_argument};
pub use search::SearchPath;
