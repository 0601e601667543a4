//! `ADD local.tar[.gz|.bz2|.xz|.zst] /dest/`: a local file that is a tar archive (plain, gzip,
//! bzip2, xz or zstd, detected by content as dockerd does) is extracted into the destination
//! directory with the image crate's confined extractor (no `..` or symlink escapes), keeping the
//! archive's owners. xz has no streaming reader here: it is decoded into an unnamed temp file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::os::fd::AsFd;
use std::path::Path;

use crate::error::BuildError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
    Bzip2,
    Xz,
}

fn detect(magic: &[u8]) -> Compression {
    if magic.starts_with(&[0x1f, 0x8b, 0x08]) {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else if magic.starts_with(b"BZh") {
        Compression::Bzip2
    } else if magic.starts_with(&[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) {
        Compression::Xz
    } else {
        Compression::None
    }
}

fn open_decompressed(path: &Path, scratch: &Path) -> io::Result<(Compression, Box<dyn Read>)> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 6];
    let n = read_up_to(&mut file, &mut magic)?;
    file.seek(SeekFrom::Start(0))?;
    let compression = detect(&magic[..n]);
    let reader: Box<dyn Read> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file)?),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(file)),
        Compression::Xz => {
            let mut decoded = tempfile::tempfile_in(scratch)?;
            let mut input = io::BufReader::new(file);
            if lzma_rs::xz_decompress(&mut input, &mut decoded).is_err() {
                // Not a valid xz stream: no archive (the file is copied as it is).
                return Ok((Compression::None, Box::new(io::empty())));
            }
            decoded.seek(SeekFrom::Start(0))?;
            Box::new(decoded)
        }
        Compression::None => Box::new(file),
    };
    Ok((compression, reader))
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Whether the file at `path` is a tar archive ADD extracts (dockerd: its first header reads).
pub fn is_archive(path: &Path, scratch: &Path) -> Result<bool, BuildError> {
    let (_, mut reader) = open_decompressed(path, scratch)
        .map_err(|e| BuildError::io(format!("open {}", path.display()), e))?;
    let mut header = [0u8; 512];
    match read_up_to(&mut reader, &mut header) {
        Ok(512) => {}
        _ => return Ok(false),
    }
    Ok(header_is_valid(&header))
}

/// A ustar/GNU/v7 header: a name, octal size and a checksum that matches.
fn header_is_valid(header: &[u8; 512]) -> bool {
    if header[0] == 0 {
        return false;
    }
    let field = &header[148..156];
    let text: String = field
        .iter()
        .take_while(|b| **b != 0 && **b != b' ')
        .map(|b| *b as char)
        .skip_while(|c| *c == ' ')
        .collect();
    let Ok(stored) = u32::from_str_radix(text.trim(), 8) else {
        return false;
    };
    let unsigned: u32 = header
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(*b)
            }
        })
        .sum();
    let signed: i64 = header
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                32
            } else {
                i64::from(*b as i8)
            }
        })
        .sum();
    stored == unsigned || i64::from(stored) == signed
}

/// Extracts the archive into `dest` (an existing directory of the staging tree).
pub fn extract(path: &Path, dest: &Path, scratch: &Path) -> Result<(), BuildError> {
    let (_, reader) = open_decompressed(path, scratch)
        .map_err(|e| BuildError::io(format!("open {}", path.display()), e))?;
    let dir =
        File::open(dest).map_err(|e| BuildError::io(format!("open {}", dest.display()), e))?;
    image::extract_archive_at(dir.as_fd(), reader, image::ExtractOptions::default())
        .map_err(|e| BuildError::Invalid(format!("failed to extract {}: {e}", path.display())))?;
    Ok(())
}
