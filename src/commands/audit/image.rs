//! `--image`: a disk image mounted read-only for the run and used as the root, as
//! systemd-analyze does. Two layouts are understood, the ones systemd-dissect accepts most
//! often: a bare file system, and a GPT disk whose root partition is marked with the
//! Discoverable Partitions type for this architecture (or that has a single Linux data
//! partition). The mount goes through mount(8)'s loop support; it is undone when the run ends.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// x86-64 root partition (Discoverable Partitions Specification).
const ROOT_X86_64: &str = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";
/// aarch64 root partition.
const ROOT_ARM64: &str = "b921b045-1df0-41c3-af44-4c6f280d3fae";
/// Linux file system data: a root when it is the only one.
const LINUX_DATA: &str = "0fc63daf-8483-4772-8e79-3d69d8477de4";

/// A mounted image; unmounted and its directory removed when dropped.
pub struct MountedImage {
    dir: PathBuf,
}

impl MountedImage {
    pub fn root(&self) -> &Path {
        &self.dir
    }
}

impl Drop for MountedImage {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Mounts `image` read-only.
pub fn mount(image: &Path) -> Result<MountedImage> {
    let fail = |what: String| Error::Other(format!("{}: {what}", image.display()));
    let mut file = File::open(image).map_err(|e| Error::io(image, e))?;
    let (offset, size) = match gpt_root(&mut file).map_err(|e| Error::io(image, e))? {
        Gpt::None => (0, None),
        Gpt::Root { offset, size } => (offset, Some(size)),
        Gpt::NoRoot => {
            return Err(fail(
                "Couldn't identify a suitable partition table or file system \
                 (a GPT disk needs a root partition for this architecture)."
                    .into(),
            ));
        }
    };
    if !rustix::process::geteuid().is_root() {
        return Err(fail(
            "--image needs root: the image is loop-mounted read-only for the run".into(),
        ));
    }
    let dir = std::env::temp_dir().join(format!(
        "unitguard-image.{}.{:x}",
        std::process::id(),
        random()
    ));
    std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut options = format!("ro,loop,offset={offset}");
    if let Some(s) = size {
        options.push_str(&format!(",sizelimit={s}"));
    }
    let out = Command::new("mount")
        .args(["-o", &options, "--"])
        .arg(image)
        .arg(&dir)
        .output();
    match out {
        Ok(o) if o.status.success() => Ok(MountedImage { dir }),
        Ok(o) => {
            let _ = std::fs::remove_dir(&dir);
            let why = String::from_utf8_lossy(&o.stderr).trim().to_string();
            Err(fail(format!(
                "Couldn't identify a suitable partition table or file system (mount: {why})"
            )))
        }
        Err(e) => {
            let _ = std::fs::remove_dir(&dir);
            Err(fail(format!("cannot run mount(8): {e}")))
        }
    }
}

fn random() -> u64 {
    let mut b = [0u8; 8];
    let _ = rustix::rand::getrandom(&mut b, rustix::rand::GetRandomFlags::empty());
    u64::from_ne_bytes(b)
}

enum Gpt {
    /// No GPT: the image is a file system by itself.
    None,
    Root {
        offset: u64,
        size: u64,
    },
    NoRoot,
}

/// The root partition of a GPT image (512-byte sectors), if the image has a GPT.
fn gpt_root(f: &mut File) -> std::io::Result<Gpt> {
    let mut header = [0u8; 92];
    f.seek(SeekFrom::Start(512))?;
    if f.read_exact(&mut header).is_err() || &header[0..8] != b"EFI PART" {
        return Ok(Gpt::None);
    }
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    let u64_at = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
    let entries_lba = u64_at(&header, 72);
    let count = u32_at(&header, 80).min(1024) as usize;
    let size = u32_at(&header, 84) as usize;
    if size < 128 {
        return Ok(Gpt::NoRoot);
    }
    let mut table = vec![0u8; count * size];
    f.seek(SeekFrom::Start(entries_lba * 512))?;
    f.read_exact(&mut table)?;
    let mut roots = Vec::new();
    let mut data = Vec::new();
    for e in table.chunks(size) {
        let kind = guid(&e[0..16]);
        let first = u64_at(e, 32);
        let last = u64_at(e, 40);
        if kind == "00000000-0000-0000-0000-000000000000" || last < first {
            continue;
        }
        let part = (first * 512, (last - first + 1) * 512);
        let native_root = if cfg!(target_arch = "aarch64") {
            ROOT_ARM64
        } else {
            ROOT_X86_64
        };
        if kind == native_root {
            roots.push(part);
        } else if kind == LINUX_DATA {
            data.push(part);
        }
    }
    Ok(match (roots.first(), data.as_slice()) {
        (Some(&(offset, size)), _) => Gpt::Root { offset, size },
        (None, [(offset, size)]) => Gpt::Root {
            offset: *offset,
            size: *size,
        },
        _ => Gpt::NoRoot,
    })
}

/// A GPT GUID (mixed-endian on disk) in its usual lower-case text form.
fn guid(b: &[u8]) -> String {
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3],
        b[2],
        b[1],
        b[0],
        b[5],
        b[4],
        b[7],
        b[6],
        b[8],
        b[9],
        b[10],
        b[11],
        b[12],
        b[13],
        b[14],
        b[15]
    )
}

#[cfg(test)]
mod tests {
    use super::guid;

    #[test]
    fn guid_text_form() {
        // The x86-64 root type as it is stored on disk.
        let on_disk = [
            0xe3, 0xbc, 0x68, 0x4f, 0xcd, 0xe8, 0xb1, 0x4d, 0x96, 0xe7, 0xfb, 0xca, 0xf9, 0x84,
            0xb7, 0x09,
        ];
        assert_eq!(guid(&on_disk), super::ROOT_X86_64);
    }
}
