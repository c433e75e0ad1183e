//! `learn`: watch a service (or a plain command) under a tracer and record what it really
//! does as evidence (`evidence`), which `harden --from` turns into the service's needs.

pub mod evidence;
pub mod fanotify;
pub mod knowledge;
pub mod observe;
pub mod run;
pub mod strace;
pub mod unit;
