//! The build context of `POST /build`: the request body (a tar: plain, gzip, bzip2 or xz) is
//! unpacked into a private temp dir under `<data-root>/build/` with the image crate's confined
//! extractor, so an entry like `../escape` or a symlink in the archive never writes outside it.
//! The Dockerfile is then read from inside that dir, resolved in it (`RESOLVE_IN_ROOT`).

use std::io::{Read, Seek};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use errdefs::{ErrorKind, HasKind};
use rustix::fs::{Mode, OFlags, ResolveFlags};

/// The directory under the data root holding unpacked contexts and COPY staging dirs.
pub(crate) fn build_root(data_root: &Path) -> PathBuf {
    data_root.join("build")
}

/// Why the context could not be used: reported before the build stream starts.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// The archive is not a tar this daemon reads, or an entry is refused.
    #[error("{0}")]
    BadArchive(String),
    /// `dockerfile=` names something that is not a readable file in the context.
    #[error("Cannot locate specified Dockerfile: {0}")]
    NoDockerfile(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl HasKind for ContextError {
    fn kind(&self) -> ErrorKind {
        match self {
            ContextError::BadArchive(_) | ContextError::NoDockerfile(_) => {
                ErrorKind::InvalidArgument
            }
            ContextError::Io { .. } => ErrorKind::Internal,
        }
    }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ContextError {
    let context = context.into();
    move |source| ContextError::Io { context, source }
}

/// A private temp dir under `<data-root>/build`, removed on drop.
pub(crate) fn temp_dir(data_root: &Path, prefix: &str) -> Result<tempfile::TempDir, ContextError> {
    let root = build_root(data_root);
    std::fs::create_dir_all(&root).map_err(io_err(format!("create {}", root.display())))?;
    tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&root)
        .map_err(io_err("create build temp dir"))
}

/// Unpacks the context tar read from `body` (blocking) into `dir`.
pub(crate) fn unpack_context(body: impl Read, dir: &Path) -> Result<(), ContextError> {
    let spool_dir = dir.parent().unwrap_or(dir);
    let mut reader = EndPadded::new(decompressed(body, spool_dir)?);
    let handle = std::fs::File::open(dir).map_err(io_err(format!("open {}", dir.display())))?;
    image::extract_archive_at(
        handle.as_fd(),
        &mut reader,
        image::ExtractOptions::default(),
    )
    .map_err(|e| ContextError::BadArchive(format!("failed to unpack the build context: {e}")))?;
    // The tar reader stops at the first end-of-archive block. The rest of the request body
    // (padding) is read too, so the request ends cleanly: an HTTP server that is left with
    // unread body bytes stops reading the connection and would not notice the client going
    // away during a long RUN step.
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(io_err("read build context"))?;
    Ok(())
}

/// The reader of the uncompressed tar: gzip and bzip2 are decompressed as they stream, xz into
/// an unnamed temp file in `spool_dir` first (lzma-rs has no streaming reader), a plain tar
/// passes; zstd is refused with a clear message (dockerd's legacy builder reads the same three).
fn decompressed<'a>(
    mut body: impl Read + 'a,
    spool_dir: &Path,
) -> Result<Box<dyn Read + 'a>, ContextError> {
    let mut magic = Vec::with_capacity(6);
    (&mut body)
        .take(6)
        .read_to_end(&mut magic)
        .map_err(io_err("read build context"))?;
    let head = std::io::Cursor::new(magic.clone()).chain(body);
    if magic.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::read::MultiGzDecoder::new(
            std::io::BufReader::new(head),
        )))
    } else if magic.starts_with(b"BZh") {
        Ok(Box::new(bzip2::read::MultiBzDecoder::new(head)))
    } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        let mut spool = tempfile::tempfile_in(spool_dir).map_err(io_err("create xz spool"))?;
        lzma_rs::xz_decompress(&mut std::io::BufReader::new(head), &mut spool).map_err(|e| {
            ContextError::BadArchive(format!("failed to decompress the build context: {e}"))
        })?;
        spool
            .seek(std::io::SeekFrom::Start(0))
            .map_err(io_err("rewind xz spool"))?;
        Ok(Box::new(std::io::BufReader::new(spool)))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Err(ContextError::BadArchive(
            "unsupported build context compression: zstd".to_string(),
        ))
    } else {
        Ok(Box::new(head))
    }
}

/// A tar stream completed to whole blocks plus the end-of-archive marker. The docker CLI's
/// context with a Dockerfile from outside the context (`-f /elsewhere/Dockerfile`, added by its
/// tar rewriter) ends right after that file's bytes, without padding or the two zero blocks;
/// dockerd reads it, so berth must too.
struct EndPadded<R> {
    inner: R,
    read: u64,
    /// Zero bytes still to give after the inner stream ended (`None` before it ends).
    padding: Option<u64>,
}

impl<R: Read> EndPadded<R> {
    fn new(inner: R) -> Self {
        EndPadded {
            inner,
            read: 0,
            padding: None,
        }
    }
}

impl<R: Read> Read for EndPadded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.padding.is_none() {
            let n = self.inner.read(buf)?;
            if n > 0 || buf.is_empty() {
                self.read += n as u64;
                return Ok(n);
            }
            let to_block = (512 - self.read % 512) % 512;
            self.padding = Some(to_block + 1024);
        }
        let left = self.padding.unwrap_or(0);
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        buf[..n].fill(0);
        self.padding = Some(left - n as u64);
        Ok(n)
    }
}

/// Reads the Dockerfile at the context-relative `path`, resolved inside `dir` (a symlink or
/// `..` never leaves it).
pub(crate) fn read_dockerfile(dir: &Path, path: &str) -> Result<String, ContextError> {
    let missing = || ContextError::NoDockerfile(path.to_string());
    let root = rustix::fs::open(
        dir,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| ContextError::Io {
        context: format!("open {}", dir.display()),
        source: e.into(),
    })?;
    let relative = path.trim_start_matches('/');
    let relative = if relative.is_empty() { "." } else { relative };
    let fd = rustix::fs::openat2(
        &root,
        relative,
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
    )
    .map_err(|_| missing())?;
    let mut file = std::fs::File::from(fd);
    let is_file = file.metadata().map(|m| m.is_file()).unwrap_or(false);
    if !is_file {
        return Err(missing());
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| ContextError::BadArchive(format!("read Dockerfile {path}: {e}")))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in entries {
            let mut header = [0u8; 512];
            header[..name.len()].copy_from_slice(name.as_bytes());
            header[100..108].copy_from_slice(b"0000644\0");
            header[108..116].copy_from_slice(b"0000000\0");
            header[116..124].copy_from_slice(b"0000000\0");
            header[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
            header[136..148].copy_from_slice(b"00000000000\0");
            header[156] = b'0';
            header[257..263].copy_from_slice(b"ustar\0");
            header[263..265].copy_from_slice(b"00");
            header[148..156].copy_from_slice(b"        ");
            let sum: u32 = header.iter().map(|b| *b as u32).sum();
            header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
            out.extend_from_slice(&header);
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    #[test]
    fn unpacks_plain_and_gzip_and_reads_the_dockerfile() {
        let d = tempfile::tempdir().unwrap();
        let tar = tar_of(&[("Dockerfile", b"FROM busybox\n"), ("sub/x", b"x")]);
        unpack_context(&tar[..], d.path()).unwrap();
        assert_eq!(
            read_dockerfile(d.path(), "Dockerfile").unwrap(),
            "FROM busybox\n"
        );
        assert_eq!(std::fs::read(d.path().join("sub/x")).unwrap(), b"x");

        let gz_dir = d.path().join("gz");
        std::fs::create_dir(&gz_dir).unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        unpack_context(&gz.finish().unwrap()[..], &gz_dir).unwrap();
        assert!(gz_dir.join("sub/x").is_file());
    }

    #[test]
    fn refuses_entries_above_the_context_and_outside_dockerfiles() {
        let d = tempfile::tempdir().unwrap();
        let ctx = d.path().join("ctx");
        std::fs::create_dir(&ctx).unwrap();
        let tar = tar_of(&[("../escape", b"bad")]);
        let err = unpack_context(&tar[..], &ctx).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
        assert!(!d.path().join("escape").exists());

        std::fs::write(d.path().join("outside"), "FROM x").unwrap();
        std::os::unix::fs::symlink("../outside", ctx.join("link")).unwrap();
        assert!(matches!(
            read_dockerfile(&ctx, "../outside"),
            Err(ContextError::NoDockerfile(_))
        ));
        assert!(matches!(
            read_dockerfile(&ctx, "link"),
            Err(ContextError::NoDockerfile(_))
        ));
        assert!(matches!(
            read_dockerfile(&ctx, "Dockerfile"),
            Err(ContextError::NoDockerfile(_))
        ));
    }

    #[test]
    fn reads_a_context_cut_right_after_its_last_file() {
        let d = tempfile::tempdir().unwrap();
        let tar = tar_of(&[
            ("Dockerfile", b"FROM busybox\n"),
            (".dockerfile.x", b"FROM x"),
        ]);
        // No padding after the last file's 6 bytes, no end-of-archive blocks.
        let cut = &tar[..512 * 3 + 6];
        unpack_context(cut, d.path()).unwrap();
        assert_eq!(
            std::fs::read(d.path().join(".dockerfile.x")).unwrap(),
            b"FROM x"
        );
    }

    #[test]
    fn unpacks_bzip2_and_xz_and_refuses_zstd() {
        let d = tempfile::tempdir().unwrap();
        let tar = tar_of(&[("Dockerfile", b"FROM busybox\n")]);
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        bz.write_all(&tar).unwrap();
        let bz_dir = d.path().join("bz");
        std::fs::create_dir(&bz_dir).unwrap();
        unpack_context(&bz.finish().unwrap()[..], &bz_dir).unwrap();
        assert!(bz_dir.join("Dockerfile").is_file());

        let mut xz = Vec::new();
        lzma_rs::xz_compress(&mut &tar[..], &mut xz).unwrap();
        let xz_dir = d.path().join("xz");
        std::fs::create_dir(&xz_dir).unwrap();
        unpack_context(&xz[..], &xz_dir).unwrap();
        assert!(xz_dir.join("Dockerfile").is_file());

        let err = unpack_context(&[0x28, 0xb5, 0x2f, 0xfd, 0, 0][..], d.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unsupported build context compression: zstd"
        );
    }
}
