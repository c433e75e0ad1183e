//! Writing structured entries to the journal with journald's native protocol: one datagram
//! to /run/systemd/journal/socket holding `FIELD=value` lines, values with a newline in the
//! binary form (`FIELD\n`, the length as 64-bit little endian, the bytes, `\n`), as
//! sd_journal_sendv() sends them. Every forwarder that reads the journal (rsyslog's
//! imjournal, journal-upload, Vector, Fluent Bit) then carries the fields.

use std::io;
use std::os::unix::net::UnixDatagram;
use std::path::Path;

/// journald's socket for native entries.
pub const SOCKET: &str = "/run/systemd/journal/socket";

/// Whether a field name is one a client may set: `A-Z`, `0-9` and `_`, not starting with
/// `_` (journald keeps those for the fields it adds itself) or a digit, at most 64 bytes.
pub fn valid_field_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// One entry in the native protocol's wire form.
pub fn encode(fields: &[(&str, &str)]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    for (k, v) in fields {
        if !valid_field_name(k) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{k}: not a journal field name"),
            ));
        }
        out.extend_from_slice(k.as_bytes());
        if v.contains('\n') {
            out.push(b'\n');
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            out.extend_from_slice(v.as_bytes());
        } else {
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
        }
        out.push(b'\n');
    }
    Ok(out)
}

/// A connection to journald.
pub struct Journal {
    socket: UnixDatagram,
}

impl Journal {
    /// journald's socket on this host.
    pub fn open() -> io::Result<Journal> {
        Journal::open_at(Path::new(SOCKET))
    }

    pub fn open_at(path: &Path) -> io::Result<Journal> {
        let socket = UnixDatagram::unbound()?;
        socket.connect(path)?;
        Ok(Journal { socket })
    }

    /// Sends one entry. Entries are small (a denial and its line); one too big for a
    /// datagram is refused by the kernel with EMSGSIZE and reported.
    pub fn send(&self, fields: &[(&str, &str)]) -> io::Result<()> {
        let data = encode(fields)?;
        let n = self.socket.send(&data)?;
        if n != data.len() {
            return Err(io::Error::other(format!(
                "journald took {n} of {} bytes",
                data.len()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form() {
        let data = encode(&[("MESSAGE", "hi"), ("UNITGUARD_LINE", "a\nb")]).unwrap();
        let mut want = b"MESSAGE=hi\nUNITGUARD_LINE\n".to_vec();
        want.extend_from_slice(&3u64.to_le_bytes());
        want.extend_from_slice(b"a\nb\n");
        assert_eq!(data, want);
        assert!(encode(&[("_PID", "1")]).is_err());
        assert!(encode(&[("lower", "1")]).is_err());
        assert!(valid_field_name("UNITGUARD_FIX"));
    }

    /// A datagram socket standing in for journald receives exactly the encoded entry.
    #[test]
    fn sends_one_datagram() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("socket");
        let server = UnixDatagram::bind(&path).unwrap();
        Journal::open_at(&path)
            .unwrap()
            .send(&[("MESSAGE", "x"), ("PRIORITY", "4")])
            .unwrap();
        let mut buf = [0u8; 256];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"MESSAGE=x\nPRIORITY=4\n");
    }
}
