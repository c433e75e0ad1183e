//! strace as the tracer: the command line that runs a program under it ([`command`]), its
//! output parsed line by line ([`line`], [`args`]) and calls split by another process put
//! back together ([`Reader`]).

pub mod args;
pub mod command;
pub mod line;

use std::collections::HashMap;

pub use line::{Call, Line, Ret};

/// How many unknown lines a reader keeps as samples for the report.
const SAMPLES: usize = 5;

/// What a reader hands on: a complete call, or the start of one another process's line
/// interrupted (a fork still running in the parent while its child already shows up).
#[derive(Debug)]
pub enum Seen<'a> {
    Call(u32, &'a Call<'a>),
    Started(u32, &'a str),
}

/// Reads strace output line by line and hands each complete call to a callback. Lines it
/// does not know are counted (and the first few kept), never fatal.
#[derive(Debug, Default)]
pub struct Reader {
    /// `NAME(ARGS` of calls interrupted by another process's line, by pid.
    pending: HashMap<u32, String>,
    pub lines: u64,
    pub unknown: u64,
    pub samples: Vec<String>,
}

impl Reader {
    pub fn feed(&mut self, text: &str, on: &mut dyn FnMut(Seen)) {
        self.lines += 1;
        match line::parse(text) {
            Line::Call { pid, call } => on(Seen::Call(pid, &call)),
            Line::Unfinished { pid, name, head } => {
                on(Seen::Started(pid, name));
                self.pending.insert(pid, head.to_string());
            }
            Line::Resumed { pid, name, tail } => match self.pending.remove(&pid) {
                Some(head) if head.starts_with(name) => {
                    let joined = format!("{head}{tail}");
                    match line::call(&joined) {
                        Some(call) => on(Seen::Call(pid, &call)),
                        None => self.unknown(text),
                    }
                }
                _ => self.unknown(text),
            },
            Line::Event { .. } => {}
            Line::Unknown if text.trim().is_empty() => {}
            Line::Unknown => self.unknown(text),
        }
    }

    fn unknown(&mut self, text: &str) {
        self.unknown += 1;
        if self.samples.len() < SAMPLES {
            self.samples.push(text.chars().take(300).collect());
        }
    }

    /// Calls still waiting for their second half when the trace ended (a process killed
    /// inside a call): counted as unknown.
    pub fn finish(&mut self) {
        let left: Vec<String> = self.pending.drain().map(|(_, h)| h).collect();
        for h in left {
            self.unknown(&format!("{h} <unfinished ...> (never resumed)"));
        }
    }
}
