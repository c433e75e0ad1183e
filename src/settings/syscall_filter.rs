//! SystemCallFilter= exactly as systemd 252 keeps it: a map from syscall number to action
//! plus an allow/deny mode (spec §3.1).

use std::collections::BTreeMap;

use super::values::{self, PLAIN};
use crate::tables::SystemdTables;

/// No errno/kill action: the call is simply listed.
const PLAIN_ACTION: i32 = -1;
/// `:kill` (systemd's SECCOMP_ERROR_NUMBER_KILL).
const KILL_ACTION: i32 = i32::MAX - 1;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyscallFilter {
    /// `None`: no filter at all.
    pub map: Option<BTreeMap<i32, i32>>,
    pub allow_list: bool,
}

impl SyscallFilter {
    /// What a `SystemCallFilter=` line that gives calls back after a deny line may keep when
    /// this filter is an allow list: the calls of `value` (names and `@groups`) it allows, so
    /// the drop-in only narrows the unit's list. `None` when it allows none of them; `value`
    /// unchanged when there is no allow list (or `reset`: the drop-in replaces the filter).
    pub fn narrow_give_back(
        &self,
        value: &str,
        reset: bool,
        tables: &SystemdTables,
    ) -> Option<String> {
        let allowed = match &self.map {
            Some(map) if self.allow_list && !reset => map,
            _ => return Some(value.to_string()),
        };
        let mut names = Vec::new();
        for w in value.split(' ') {
            if w.starts_with('@') {
                tables.expand_group(w, &mut names);
            } else {
                names.push(w.to_string());
            }
        }
        names.retain(|n| {
            tables
                .syscall_number(n)
                .is_some_and(|nr| allowed.contains_key(&nr))
        });
        names.sort();
        names.dedup();
        (!names.is_empty()).then(|| names.join(" "))
    }

    /// Applies one `SystemCallFilter=` value. Returns warnings.
    pub fn apply(&mut self, value: &str, tables: &SystemdTables) -> Vec<String> {
        let mut warnings = Vec::new();
        if value.is_empty() {
            *self = SyscallFilter::default();
            return warnings;
        }
        let (invert, rest) = match value.strip_prefix('~') {
            Some(r) => (true, r),
            None => (false, value),
        };
        if self.map.is_none() {
            let mut map = BTreeMap::new();
            self.allow_list = !invert;
            if !invert {
                self.put_group(&mut map, "@default", PLAIN_ACTION, false, tables);
            }
            self.map = Some(map);
        }
        let mut map = self.map.take().unwrap_or_default();
        let words = match values::words(rest, PLAIN) {
            Ok(w) => w,
            Err(w) => {
                warnings.push(format!("Invalid syntax, ignoring: {value}"));
                w
            }
        };
        for word in words {
            let (name, action) = match word.split_once(':') {
                Some((n, e)) => match parse_errno_or_action(e, tables) {
                    Some(a) => (n, a),
                    None => {
                        warnings.push(format!("Failed to parse syscall:errno, ignoring: {word}"));
                        continue;
                    }
                },
                None => (word.as_str(), PLAIN_ACTION),
            };
            if name.is_empty() {
                warnings.push(format!("Failed to parse syscall:errno, ignoring: {word}"));
                continue;
            }
            if !invert && action >= 0 {
                warnings.push(format!(
                    "Allow-listed system calls cannot take error number, ignoring: {word}"
                ));
                continue;
            }
            if name.starts_with('@') {
                if tables.group(name).is_none() {
                    warnings.push(format!("Unknown system call group, ignoring: {name}"));
                    continue;
                }
                self.put_group(&mut map, name, action, invert, tables);
            } else if tables.syscall_number(name).is_none() {
                warnings.push(format!("Failed to parse system call, ignoring: {name}"));
            } else {
                self.put_one(&mut map, name, action, invert, tables);
            }
        }
        self.map = Some(map);
        warnings
    }

    fn put_group(
        &self,
        map: &mut BTreeMap<i32, i32>,
        group: &str,
        action: i32,
        invert: bool,
        t: &SystemdTables,
    ) {
        for &nr in t.group_syscall_numbers(group) {
            self.put_number(map, nr, action, invert);
        }
    }

    fn put_one(
        &self,
        map: &mut BTreeMap<i32, i32>,
        name: &str,
        action: i32,
        invert: bool,
        t: &SystemdTables,
    ) {
        if let Some(nr) = t.syscall_number(name) {
            self.put_number(map, nr, action, invert);
        }
    }

    fn put_number(&self, map: &mut BTreeMap<i32, i32>, nr: i32, action: i32, invert: bool) {
        if (invert != self.allow_list) || (invert && self.allow_list && action >= 0) {
            map.insert(nr, action);
        } else {
            map.remove(&nr);
        }
    }

    /// The syscall names the scorer sees: in an allow list, entries with an errno are not
    /// really allowed and are left out.
    pub fn scored_numbers(&self) -> std::collections::BTreeSet<i32> {
        match &self.map {
            None => Default::default(),
            Some(m) => m
                .iter()
                .filter(|&(_, &a)| !(self.allow_list && a >= 0))
                .map(|(&nr, _)| nr)
                .collect(),
        }
    }
}

/// systemd's seccomp_parse_errno_or_action(): `kill`, an errno name, or 0..4095.
fn parse_errno_or_action(s: &str, tables: &SystemdTables) -> Option<i32> {
    if s == "kill" {
        return Some(KILL_ACTION);
    }
    if let Some(e) = tables.errno(s).filter(|&e| e > 0) {
        return Some(e);
    }
    let n = values::parse_c_long(s)?;
    (0..=4095).contains(&n).then_some(n as i32)
}
