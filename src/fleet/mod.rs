//! Beyond one unit: a host's whole state and a fleet of them.
//!
//! The data flows one way: [`inventory`] scores every service of a host (offline on a root,
//! or live over D-Bus, through the same scorer `audit` uses) and records what the fleet jobs
//! need about each; [`baseline`] writes and compares those scores; [`checklist`] judges the
//! five points of the practice; [`collect`] puts a host's state into one JSON document;
//! [`report`] aggregates many of them into one HTML file; [`ansible`] takes unitguard's
//! drop-ins from one staging host to the fleet as an Ansible role.

pub mod ansible;
pub mod baseline;
pub mod checklist;
pub mod collect;
pub mod forwarders;
pub mod host;
pub mod inventory;
pub mod output;
pub mod ownership;
pub mod progress;
pub mod report;
pub mod time;
