//! The CLI tests: `unitguard` run as a user runs it, one module per command, on trees built
//! with the one builder in `support` and checked against a real oracle wherever one exists
//! (systemd-analyze, the SARIF Multitool, jsonschema, poppler), with what the user sees kept as
//! insta snapshots on top. The differential, corpus and test-bed suites are separate binaries.

mod support;

#[path = "../common/mod.rs"]
mod common;

mod audit;
mod bad_input;
mod cat;
mod cheatsheet;
mod ci;
mod denials;
mod docs;
mod fleet;
mod harden;
mod learn;
mod lint;
mod safety;
mod schemas;
