//! Writes an overlay layer directory (a container's upper dir, or a layer's `diff/`) as a layer
//! tar: overlay whiteouts (0:0 character devices) become `.wh.<name>` entries and opaque directories
//! (`trusted.overlay.opaque=y`) get a `.wh..wh..opq` entry, the inverse of the applier.
//!
//! The output is deterministic (names sorted, metadata from the files only), so the same directory
//! always gives the same diff id.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use crate::error::{ImageError, Result};

const OPAQUE_XATTR: &str = "trusted.overlay.opaque";
/// The only xattr carried into layers, as dockerd does: file capabilities.
const CAPABILITY_XATTR: &str = "security.capability";

/// Writes the tar of `dir` to `out`; returns the number of entries written.
pub fn write_layer_tar(dir: &Path, out: impl Write) -> Result<u64> {
    let mut writer = DiffWriter {
        builder: tar::Builder::new(out),
        links: HashMap::new(),
        entries: 0,
    };
    writer.builder.follow_symlinks(false);
    writer.walk(dir, "")?;
    writer
        .builder
        .finish()
        .map_err(|e| ImageError::io("write layer tar", e))?;
    Ok(writer.entries)
}

struct DiffWriter<W: Write> {
    builder: tar::Builder<W>,
    /// (device, inode) → first path written, for hardlinks.
    links: HashMap<(u64, u64), String>,
    entries: u64,
}

impl<W: Write> DiffWriter<W> {
    fn walk(&mut self, dir: &Path, prefix: &str) -> Result<()> {
        let io_err = |e: io::Error| ImageError::io(format!("read {}", dir.display()), e);
        let mut names: Vec<_> = fs::read_dir(dir)
            .map_err(io_err)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()
            .map_err(io_err)?;
        names.sort();
        for name in names {
            let path = dir.join(&name);
            let rel = format!("{prefix}{}", name.to_string_lossy());
            let meta = fs::symlink_metadata(&path).map_err(io_err)?;
            let ft = meta.file_type();
            if ft.is_char_device() && meta.rdev() == 0 {
                let wh = match rel.rsplit_once('/') {
                    Some((parent, base)) => format!("{parent}/.wh.{base}"),
                    None => format!(".wh.{rel}"),
                };
                self.append_empty_file(&wh, &meta)?;
            } else if ft.is_dir() {
                let mut header = base_header(&meta, tar::EntryType::Directory);
                self.append(&mut header, &format!("{rel}/"), io::empty())?;
                if xattr(&path, OPAQUE_XATTR).as_deref() == Some(b"y") {
                    self.append_empty_file(&format!("{rel}/.wh..wh..opq"), &meta)?;
                }
                self.walk(&path, &format!("{rel}/"))?;
            } else if ft.is_symlink() {
                let target = fs::read_link(&path).map_err(io_err)?;
                let mut header = base_header(&meta, tar::EntryType::Symlink);
                self.entries += 1;
                self.builder
                    .append_link(&mut header, &rel, &target)
                    .map_err(|e| ImageError::io("write layer tar", e))?;
            } else if ft.is_file() {
                if meta.nlink() > 1 {
                    if let Some(first) = self.links.get(&(meta.dev(), meta.ino())).cloned() {
                        let mut header = base_header(&meta, tar::EntryType::Link);
                        self.entries += 1;
                        self.builder
                            .append_link(&mut header, &rel, &first)
                            .map_err(|e| ImageError::io("write layer tar", e))?;
                        continue;
                    }
                    self.links.insert((meta.dev(), meta.ino()), rel.clone());
                }
                if let Some(cap) = xattr(&path, CAPABILITY_XATTR) {
                    let key = format!("SCHILY.xattr.{CAPABILITY_XATTR}");
                    self.builder
                        .append_pax_extensions([(key.as_str(), &cap[..])])
                        .map_err(|e| ImageError::io("write layer tar", e))?;
                }
                let mut header = base_header(&meta, tar::EntryType::Regular);
                header.set_size(meta.len());
                let file = fs::File::open(&path).map_err(io_err)?;
                self.append(&mut header, &rel, file)?;
            } else if ft.is_char_device() || ft.is_block_device() || ft.is_fifo() {
                let kind = if ft.is_char_device() {
                    tar::EntryType::Char
                } else if ft.is_block_device() {
                    tar::EntryType::Block
                } else {
                    tar::EntryType::Fifo
                };
                let mut header = base_header(&meta, kind);
                let dev = meta.rdev();
                let set = header
                    .set_device_major(rustix::fs::major(dev))
                    .and_then(|()| header.set_device_minor(rustix::fs::minor(dev)));
                set.map_err(|e| ImageError::io("write layer tar", e))?;
                self.append(&mut header, &rel, io::empty())?;
            }
            // Sockets are not carried in layers, as in dockerd.
        }
        Ok(())
    }

    fn append_empty_file(&mut self, rel: &str, meta: &fs::Metadata) -> Result<()> {
        let mut header = base_header(meta, tar::EntryType::Regular);
        header.set_mode(0o600);
        header.set_size(0);
        self.append(&mut header, rel, io::empty())
    }

    fn append(&mut self, header: &mut tar::Header, rel: &str, data: impl io::Read) -> Result<()> {
        self.entries += 1;
        self.builder
            .append_data(header, rel, data)
            .map_err(|e| ImageError::io(format!("write layer tar entry {rel:?}"), e))
    }
}

fn base_header(meta: &fs::Metadata, kind: tar::EntryType) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(meta.mode() & 0o7777);
    h.set_uid(u64::from(meta.uid()));
    h.set_gid(u64::from(meta.gid()));
    h.set_mtime(u64::try_from(meta.mtime()).unwrap_or(0));
    h.set_size(0);
    h
}

fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 256];
    let n = rustix::fs::lgetxattr(path, name, &mut buf).ok()?;
    buf.truncate(n);
    Some(buf)
}
