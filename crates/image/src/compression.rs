//! Detects the compression of a layer stream from its magic bytes.

use std::io::{self, Cursor, Read};

use crate::error::{ImageError, Result};

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];
const XZ_MAGIC: &[u8] = &[0xfd, b'7', b'z', b'X', b'Z', 0x00];
const BZIP2_MAGIC: &[u8] = b"BZh";

/// Returns a reader of the uncompressed stream: plain tar as is, gzip and zstd decompressed.
pub(crate) fn decompressed<'a>(mut reader: impl Read + 'a) -> Result<Box<dyn Read + 'a>> {
    let mut magic = Vec::with_capacity(6);
    (&mut reader)
        .take(6)
        .read_to_end(&mut magic)
        .map_err(|e| ImageError::io("read archive", e))?;
    let head = Cursor::new(magic.clone()).chain(reader);
    if magic.starts_with(GZIP_MAGIC) {
        return Ok(Box::new(flate2::read::MultiGzDecoder::new(
            io::BufReader::with_capacity(64 * 1024, head),
        )));
    }
    let unsupported = |what: &str| {
        Err(ImageError::InvalidArgument(format!(
            "unsupported archive compression: {what}"
        )))
    };
    if magic.starts_with(ZSTD_MAGIC) {
        let decoder = zstd::stream::read::Decoder::new(head)
            .map_err(|e| ImageError::io("start zstd decoder", e))?;
        return Ok(Box::new(decoder));
    }
    if magic.starts_with(XZ_MAGIC) {
        return unsupported("xz");
    }
    if magic.starts_with(BZIP2_MAGIC) {
        return unsupported("bzip2");
    }
    Ok(Box::new(head))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn passes_plain_and_gunzips() {
        let mut out = String::new();
        decompressed(&b"plain tar bytes"[..])
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "plain tar bytes");

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"compressed").unwrap();
        let gz = gz.finish().unwrap();
        let mut out = String::new();
        decompressed(&gz[..])
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "compressed");

        let mut out = Vec::new();
        decompressed(&b""[..])
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert!(out.is_empty());
        let mut out = Vec::new();
        let truncated_zstd = decompressed(&[0x28, 0xb5, 0x2f, 0xfd, 0, 0][..]).and_then(|mut r| {
            r.read_to_end(&mut out)
                .map_err(|e| ImageError::io("read", e))
        });
        assert!(truncated_zstd.is_err());
    }

    #[test]
    fn unzstds() {
        let zst = zstd::stream::encode_all(&b"zstd compressed layer"[..], 3).unwrap();
        let mut out = String::new();
        decompressed(&zst[..])
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "zstd compressed layer");
    }
}
