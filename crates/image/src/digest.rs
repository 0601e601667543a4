//! Content digests: image ids, layer diff ids and chain ids, all `sha256:<64 hex>`.

use std::fmt;
use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

use crate::error::{ImageError, Result};
use crate::reference::is_full_hex_id;

/// `sha256:<hex>` of some bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// An image id: `sha256:<64 hex>` of the exact stored config bytes.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct ImageId(String);

impl ImageId {
    /// Parses `sha256:<64 hex>` or a bare 64-hex id.
    pub fn parse(s: &str) -> Result<ImageId> {
        let hex = s.strip_prefix("sha256:").unwrap_or(s);
        if !is_full_hex_id(hex) {
            return Err(ImageError::InvalidArgument(format!(
                "invalid image id {s:?}"
            )));
        }
        Ok(ImageId(format!("sha256:{hex}")))
    }

    /// The id of a config blob.
    pub fn of_config(config_bytes: &[u8]) -> ImageId {
        ImageId(sha256_digest(config_bytes))
    }

    /// `sha256:<hex>`, as the API shows it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 64 hex digits (the blob's file name).
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }

    /// The first 12 hex digits, as `docker images` and conflict messages show them.
    pub fn short(&self) -> &str {
        &self.hex()[..12]
    }
}

impl fmt::Display for ImageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ImageId {
    type Error = ImageError;
    fn try_from(s: String) -> Result<ImageId> {
        ImageId::parse(&s)
    }
}

impl From<ImageId> for String {
    fn from(id: ImageId) -> String {
        id.0
    }
}

/// The chain id of a layer stack (OCI image spec): `ChainID(L0) = DiffID(L0)`,
/// `ChainID(L0..Ln) = sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln))`.
pub fn chain_id(parent: Option<&str>, diff_id: &str) -> String {
    match parent {
        None => diff_id.to_string(),
        Some(parent) => sha256_digest(format!("{parent} {diff_id}").as_bytes()),
    }
}

/// The chain ids of every prefix of a list of diff ids, bottom first.
pub fn chain_ids(diff_ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(diff_ids.len());
    for diff_id in diff_ids {
        let id = chain_id(out.last().map(String::as_str), diff_id);
        out.push(id);
    }
    out
}

/// Strips `sha256:` and checks that what is left is 64 hex digits (safe as a file name).
pub(crate) fn digest_hex(digest: &str) -> Result<&str> {
    match digest.strip_prefix("sha256:") {
        Some(hex) if is_full_hex_id(hex) => Ok(hex),
        _ => Err(ImageError::Corrupt(format!("invalid digest {digest:?}"))),
    }
}

/// A reader that hashes everything read through it (the diff id of an uncompressed layer stream).
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        HashingReader {
            inner,
            hasher: Sha256::new(),
            count: 0,
        }
    }

    /// Reads the rest of the stream (tar's trailing padding) and returns `sha256:<hex>` and the length.
    pub(crate) fn finish(mut self) -> io::Result<(String, u64)> {
        io::copy(&mut self, &mut io::sink())?;
        Ok((
            format!("sha256:{}", hex::encode(self.hasher.finalize())),
            self.count,
        ))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// A writer that only hashes (to check a reproduced layer stream against its diff id).
pub(crate) struct HashingWriter {
    hasher: Sha256,
}

impl HashingWriter {
    pub(crate) fn new() -> Self {
        HashingWriter {
            hasher: Sha256::new(),
        }
    }

    /// `sha256:<hex>` of everything written.
    pub(crate) fn digest(self) -> String {
        format!("sha256:{}", hex::encode(self.hasher.finalize()))
    }
}

impl io::Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_id_forms() {
        let id = ImageId::of_config(b"{}");
        assert_eq!(
            id.as_str(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert_eq!(id.short(), "44136fa355b3");
        assert_eq!(ImageId::parse(id.hex()).unwrap(), id);
        assert!(ImageId::parse("sha256:xyz").is_err());
    }

    #[test]
    fn chain_ids_follow_the_spec() {
        let a = sha256_digest(b"a");
        let b = sha256_digest(b"b");
        let ids = chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(ids[0], a);
        assert_eq!(ids[1], sha256_digest(format!("{a} {b}").as_bytes()));
    }

    #[test]
    fn hashing_reader_hashes_the_whole_stream() {
        let mut r = HashingReader::new(&b"hello world"[..]);
        let mut first = [0u8; 5];
        r.read_exact(&mut first).unwrap();
        let (digest, len) = r.finish().unwrap();
        assert_eq!(len, 11);
        assert_eq!(digest, sha256_digest(b"hello world"));
    }
}
