//! The users and groups of a root's /etc/passwd and /etc/group (the host's without a root),
//! read as every file under a root is: a regular file, inside the tree, up to a cap.

use std::path::Path;

use super::{READ_CAP, read_head_in};

/// One line of /etc/passwd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
}

fn lines(root: Option<&Path>, file: &str) -> Vec<Vec<String>> {
    let path = root.unwrap_or(Path::new("/")).join(file);
    let data = read_head_in(root, &path, READ_CAP).unwrap_or_default();
    String::from_utf8_lossy(&data)
        .lines()
        .map(|l| l.split(':').map(str::to_string).collect())
        .collect()
}

/// Every well-formed entry of /etc/passwd (none when it cannot be read).
pub fn users(root: Option<&Path>) -> Vec<Account> {
    lines(root, "etc/passwd")
        .into_iter()
        .filter_map(|f| {
            Some(Account {
                uid: f.get(2)?.parse().ok()?,
                gid: f.get(3)?.parse().ok()?,
                home: f.get(5)?.clone(),
                name: f.into_iter().next()?,
            })
        })
        .collect()
}

/// The name of group `gid` in /etc/group.
pub fn group_name(root: Option<&Path>, gid: u32) -> Option<String> {
    lines(root, "etc/group")
        .into_iter()
        .find(|f| f.get(2).and_then(|g| g.parse().ok()) == Some(gid))
        .and_then(|f| f.into_iter().next())
}
