//! A minimal tar writer whose headers are those Go's `archive/tar` writes for dockerd's `save`
//! (`archive.Tar` of a temporary directory): USTAR magic `ustar\0` `00`, uid/gid 0, empty user and
//! group names, permission bits only (`0000644`, `0000755`: moby dropped the type bits in v24),
//! devmajor/devminor `0000000`, and the checksum as six octal digits, NUL, space. Sizes of 8 GiB and more get a PAX `size` record,
//! as Go's PAX format does.

use std::io::{self, Write};

use crate::error::{ImageError, Result};

const BLOCK: usize = 512;
/// The largest size an 11-digit octal field holds.
const MAX_OCTAL_SIZE: u64 = 0o77777777777;

const MODE_FILE: u64 = 0o644;
const MODE_DIR: u64 = 0o755;

/// Writes tar members one after the other, then the two zero blocks that end the archive.
pub(crate) struct TarWriter<W: Write> {
    out: W,
}

impl<W: Write> TarWriter<W> {
    pub(crate) fn new(out: W) -> Self {
        TarWriter { out }
    }

    /// A directory member (`name` ends with `/`).
    pub(crate) fn dir(&mut self, name: &str, mtime: u64) -> Result<()> {
        let block = header(name, b'5', MODE_DIR, 0, mtime)?;
        self.out.write_all(&block).map_err(write_err)
    }

    /// A regular file held in memory.
    pub(crate) fn file(&mut self, name: &str, bytes: &[u8], mtime: u64) -> Result<()> {
        self.file_with(name, bytes.len() as u64, mtime, |out| {
            out.write_all(bytes).map_err(write_err)?;
            Ok(bytes.len() as u64)
        })
    }

    /// A regular file of `size` bytes that `write` streams; it must write exactly `size` bytes.
    pub(crate) fn file_with(
        &mut self,
        name: &str,
        size: u64,
        mtime: u64,
        write: impl FnOnce(&mut dyn Write) -> Result<u64>,
    ) -> Result<()> {
        if size > MAX_OCTAL_SIZE {
            let record = pax_record("size", &size.to_string());
            let pax_name = pax_header_name(name);
            let block = header(&pax_name, b'x', 0, record.len() as u64, 0)?;
            self.out.write_all(&block).map_err(write_err)?;
            self.out.write_all(&record).map_err(write_err)?;
            self.pad(record.len() as u64)?;
        }
        let block = header(name, b'0', MODE_FILE, size.min(MAX_OCTAL_SIZE + 1), mtime)?;
        self.out.write_all(&block).map_err(write_err)?;
        let mut counting = CountingWriter {
            out: &mut self.out,
            count: 0,
        };
        write(&mut counting)?;
        let written = counting.count;
        if written != size {
            return Err(ImageError::Corrupt(format!(
                "{name}: wrote {written} bytes, the header said {size}"
            )));
        }
        self.pad(size)
    }

    fn pad(&mut self, len: u64) -> Result<()> {
        let rem = (len % BLOCK as u64) as usize;
        if rem != 0 {
            self.out
                .write_all(&[0u8; BLOCK][..BLOCK - rem])
                .map_err(write_err)?;
        }
        Ok(())
    }

    /// Writes the end-of-archive blocks and flushes.
    pub(crate) fn finish(mut self) -> Result<W> {
        self.out.write_all(&[0u8; 2 * BLOCK]).map_err(write_err)?;
        self.out.flush().map_err(write_err)?;
        Ok(self.out)
    }
}

fn write_err(e: io::Error) -> ImageError {
    ImageError::io("write archive", e)
}

/// One USTAR header block as Go writes it. A size above the octal limit leaves the field zero
/// (the PAX record before it carries the size).
fn header(name: &str, typeflag: u8, mode: u64, size: u64, mtime: u64) -> Result<[u8; BLOCK]> {
    let mut block = [0u8; BLOCK];
    let name_bytes = name.as_bytes();
    if name_bytes.len() > 100 {
        return Err(ImageError::Corrupt(format!(
            "archive member name too long: {name}"
        )));
    }
    block[..name_bytes.len()].copy_from_slice(name_bytes);
    octal(&mut block[100..108], mode);
    octal(&mut block[108..116], 0); // uid
    octal(&mut block[116..124], 0); // gid
    octal(
        &mut block[124..136],
        if size > MAX_OCTAL_SIZE { 0 } else { size },
    );
    octal(&mut block[136..148], mtime.min(MAX_OCTAL_SIZE));
    block[156] = typeflag;
    block[257..263].copy_from_slice(b"ustar\0");
    block[263..265].copy_from_slice(b"00");
    if typeflag != b'x' {
        // Go leaves the device fields of a PAX header block empty.
        octal(&mut block[329..337], 0); // devmajor
        octal(&mut block[337..345], 0); // devminor
    }
    // The checksum is computed with its own field as spaces.
    block[148..156].copy_from_slice(b"        ");
    let sum: u64 = block.iter().map(|&b| u64::from(b)).sum();
    let digits = format!("{sum:06o}");
    block[148..154].copy_from_slice(&digits.as_bytes()[digits.len() - 6..]);
    block[154] = 0;
    block[155] = b' ';
    Ok(block)
}

/// Zero-padded octal filling the field but its last byte, which is NUL.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let digits = format!("{value:0width$o}");
    field[..width].copy_from_slice(&digits.as_bytes()[digits.len() - width..]);
    field[width] = 0;
}

/// `"<len> key=value\n"` where `<len>` counts the whole record, itself included.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while (len.to_string().len() + body.len()) != len {
        len = len.to_string().len() + body.len();
    }
    format!("{len}{body}").into_bytes()
}

/// Go's name for a member's PAX header: `<dir>/PaxHeaders.0/<base>`.
fn pax_header_name(name: &str) -> String {
    let (dir, base) = match name.rsplit_once('/') {
        Some((dir, base)) => (dir, base),
        None => ("", name),
    };
    let full = if dir.is_empty() {
        format!("PaxHeaders.0/{base}")
    } else {
        format!("{dir}/PaxHeaders.0/{base}")
    };
    full.chars().take(100).collect()
}

struct CountingWriter<'a, W: Write> {
    out: &'a mut W,
    count: u64,
}

impl<W: Write> Write for CountingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// The fields Go's archive/tar writes (compare the recorded `docker save` output in
    /// shared/specs/transcripts/16: same layout, minus the type bits and user names that moby
    /// stopped writing in v24/v25).
    #[test]
    fn headers_match_go_layout() {
        let block = header("x/VERSION", b'0', MODE_FILE, 3, 1_700_000_000).unwrap();
        assert_eq!(&block[100..108], b"0000644\0");
        assert_eq!(&block[108..116], b"0000000\0");
        assert_eq!(&block[124..136], b"00000000003\0");
        assert_eq!(&block[136..148], b"14524770400\0");
        assert_eq!(&block[257..265], b"ustar\x0000");
        assert_eq!(&block[329..345], b"0000000\x000000000\0");
        assert_eq!(block[154], 0);
        assert_eq!(block[155], b' ');
        let sum: u64 = block
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(b)
                }
            })
            .sum();
        let field = std::str::from_utf8(&block[148..154]).unwrap();
        assert_eq!(u64::from_str_radix(field, 8).unwrap(), sum);
    }

    /// A block from its non-zero fields.
    fn block_of(fields: &[(usize, &[u8])]) -> [u8; BLOCK] {
        let mut block = [0u8; BLOCK];
        for (offset, bytes) in fields {
            block[*offset..offset + bytes.len()].copy_from_slice(bytes);
        }
        block
    }

    /// Byte for byte what Go 1.19's archive/tar writes (`tar.FormatPAX` headers, as moby's
    /// `archive.Tar`) for a directory `blobs/` (mtime 1700000000) and a 3-byte `index.json`
    /// (mtime 0): the blocks were produced with Go and transcribed field by field.
    #[test]
    fn whole_archive_matches_go() {
        let mut w = TarWriter::new(Vec::new());
        w.dir("blobs/", 1_700_000_000).unwrap();
        w.file("index.json", b"{}\n", 0).unwrap();
        let bytes = w.finish().unwrap();
        let common: [(usize, &[u8]); 5] = [
            (108, b"0000000\0"),
            (116, b"0000000\0"),
            (257, b"ustar\x0000"),
            (329, b"0000000\0"),
            (337, b"0000000\0"),
        ];
        let mut dir = common.to_vec();
        dir.extend([
            (0, &b"blobs/"[..]),
            (100, b"0000755\0"),
            (124, b"00000000000\0"),
            (136, b"14524770400\0"),
            (148, b"010350\0 "),
            (156, b"5"),
        ]);
        let mut file = common.to_vec();
        file.extend([
            (0, &b"index.json"[..]),
            (100, b"0000644\0"),
            (124, b"00000000003\0"),
            (136, b"00000000000\0"),
            (148, b"011200\0 "),
            (156, b"0"),
        ]);
        assert_eq!(bytes.len(), 2560, "2 headers, 1 data block, 2 end blocks");
        assert_eq!(bytes[..512], block_of(&dir));
        assert_eq!(bytes[512..1024], block_of(&file));
        assert_eq!(bytes[1024..1536], block_of(&[(0, b"{}\n")]));
        assert!(bytes[1536..].iter().all(|&b| b == 0));
    }

    #[test]
    fn archives_read_back_with_the_tar_crate() {
        let mut w = TarWriter::new(Vec::new());
        w.dir("blobs/", 5).unwrap();
        w.file("blobs/a", b"hello", 0).unwrap();
        w.file_with("b", 3, 0, |out| {
            out.write_all(b"abc").unwrap();
            Ok(3)
        })
        .unwrap();
        let bytes = w.finish().unwrap();
        assert_eq!(bytes.len() % BLOCK, 0);
        let mut archive = tar::Archive::new(&bytes[..]);
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut data = String::new();
            entry.read_to_string(&mut data).unwrap();
            seen.push((
                entry.path().unwrap().display().to_string(),
                entry.header().mode().unwrap(),
                data,
            ));
        }
        assert_eq!(
            seen,
            [
                ("blobs/".to_string(), 0o755, String::new()),
                ("blobs/a".to_string(), 0o644, "hello".to_string()),
                ("b".to_string(), 0o644, "abc".to_string()),
            ]
        );
    }

    #[test]
    fn a_writer_that_lies_about_the_size_fails() {
        let mut w = TarWriter::new(Vec::new());
        let err = w
            .file_with("short", 10, 0, |out| {
                out.write_all(b"abc").unwrap();
                Ok(3)
            })
            .unwrap_err();
        assert!(err.to_string().contains("header said 10"), "{err}");
    }

    /// Go 1.19's blocks for an 8 GiB member: a PAX header (`x`, mode 0, no device fields)
    /// carrying the size, then the member's header with a zero size field.
    #[test]
    fn huge_sizes_go_into_a_pax_record_as_go_writes_it() {
        let mut w = TarWriter::new(Vec::new());
        let size = 1u64 << 33;
        let err = w
            .file_with("blobs/sha256/ab", size, 5, |_| Ok(0))
            .unwrap_err();
        assert!(err.to_string().contains("header said"), "{err}");
        let bytes = w.out;
        let common: [(usize, &[u8]); 3] = [
            (108, b"0000000\0"),
            (116, b"0000000\0"),
            (257, b"ustar\x0000"),
        ];
        let mut pax = common.to_vec();
        pax.extend([
            (0, &b"blobs/sha256/PaxHeaders.0/ab"[..]),
            (100, b"0000000\0"),
            (124, b"00000000023\0"),
            (136, b"00000000000\0"),
            (148, b"012632\0 "),
            (156, b"x"),
        ]);
        let mut file = common.to_vec();
        file.extend([
            (0, &b"blobs/sha256/ab"[..]),
            (100, b"0000644\0"),
            (124, b"00000000000\0"),
            (136, b"00000000005\0"),
            (148, b"011616\0 "),
            (156, b"0"),
            (329, b"0000000\0"),
            (337, b"0000000\0"),
        ]);
        assert_eq!(bytes[..512], block_of(&pax));
        assert_eq!(bytes[512..1024], block_of(&[(0, b"19 size=8589934592\n")]));
        assert_eq!(bytes[1024..1536], block_of(&file));
    }

    #[test]
    fn pax_records_count_themselves() {
        let r = pax_record("size", "8589934592");
        assert_eq!(r, b"19 size=8589934592\n");
        assert_eq!(
            pax_header_name("blobs/sha256/ab"),
            "blobs/sha256/PaxHeaders.0/ab"
        );
    }
}
