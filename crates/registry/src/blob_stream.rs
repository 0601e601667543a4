//! A blob download that checks size and digest as it goes, and fails at the end (before the
//! caller commits anything) when the content is not what the descriptor announced.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use sha2::{Digest as _, Sha256};

use crate::error::{RegistryError, Result};

/// Blob bytes from the registry. The last item is an error if the digest or size is wrong.
pub struct BlobStream {
    /// The registry ignored our range request: the bytes start at offset 0, so whatever the
    /// caller had kept from an earlier attempt must be discarded.
    pub restarted: bool,
    /// `Content-Length` of this response, if sent.
    pub content_length: Option<u64>,
    inner: BoxStream<'static, std::io::Result<Bytes>>,
    hasher: Sha256,
    seen: u64,
    expected_digest: String,
    expected_size: Option<u64>,
    done: bool,
}

impl BlobStream {
    /// `hasher` holds the first `offset` bytes already received; `seen` starts there.
    pub(crate) fn new(
        inner: BoxStream<'static, std::io::Result<Bytes>>,
        content_length: Option<u64>,
        restarted: bool,
        hasher: Sha256,
        offset: u64,
        expected_digest: &str,
        expected_size: Option<u64>,
    ) -> BlobStream {
        BlobStream {
            restarted,
            content_length,
            inner,
            hasher,
            seen: offset,
            expected_digest: expected_digest.to_string(),
            expected_size,
            done: false,
        }
    }

    /// Reads everything into memory (for small blobs such as configs), verified.
    pub async fn collect_verified(mut self, limit: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next().await {
            let chunk = chunk?;
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(RegistryError::Registry(format!(
                    "blob {} is larger than {limit} bytes",
                    self.expected_digest
                )));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    fn mismatch(&self, actual: String) -> RegistryError {
        RegistryError::DigestMismatch {
            what: format!("blob {}", self.expected_digest),
            expected: self.expected_digest.clone(),
            actual,
        }
    }
}

impl Stream for BlobStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.inner.poll_next_unpin(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                self.seen += chunk.len() as u64;
                if let Some(size) = self.expected_size {
                    // Stop a registry that sends more than announced before it fills the disk.
                    if self.seen > size {
                        self.done = true;
                        let seen = self.seen;
                        return Poll::Ready(Some(Err(self.mismatch(format!("{seen}+ bytes")))));
                    }
                }
                self.hasher.update(&chunk);
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                self.done = true;
                // oci-client verifies full responses itself and reports a mismatch as an io error.
                if let Some(oci_client::errors::DigestError::VerificationError { actual, .. }) =
                    e.get_ref().and_then(|inner| inner.downcast_ref())
                {
                    let actual = actual.clone();
                    return Poll::Ready(Some(Err(self.mismatch(actual))));
                }
                let digest = self.expected_digest.clone();
                Poll::Ready(Some(Err(RegistryError::Unreachable(format!(
                    "error reading blob {digest}: {e}"
                )))))
            }
            Poll::Ready(None) => {
                self.done = true;
                let actual = format!(
                    "sha256:{}",
                    hex::encode(std::mem::take(&mut self.hasher).finalize())
                );
                if let Some(size) = self.expected_size {
                    if self.seen != size {
                        let seen = self.seen;
                        return Poll::Ready(Some(Err(self.mismatch(format!("{seen} bytes")))));
                    }
                }
                if actual != self.expected_digest {
                    return Poll::Ready(Some(Err(self.mismatch(actual))));
                }
                Poll::Ready(None)
            }
        }
    }
}

/// Only sha256 content is supported, as in dockerd's default configuration.
pub(crate) fn check_algorithm(digest: &str) -> Result<()> {
    match digest.split_once(':') {
        Some(("sha256", hex)) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(())
        }
        _ => Err(RegistryError::Registry(format!(
            "unsupported or invalid digest {digest:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn digest_of(b: &[u8]) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(b)))
    }

    fn stream_of(parts: &[&'static [u8]]) -> BoxStream<'static, std::io::Result<Bytes>> {
        let items: Vec<std::io::Result<Bytes>> =
            parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        stream::iter(items).boxed()
    }

    #[tokio::test]
    async fn good_content_passes() {
        let d = digest_of(b"hello world");
        let s = BlobStream::new(
            stream_of(&[b"hello ", b"world"]),
            None,
            false,
            Sha256::new(),
            0,
            &d,
            Some(11),
        );
        assert_eq!(s.collect_verified(100).await.unwrap(), b"hello world");
    }

    #[tokio::test]
    async fn wrong_digest_fails_at_the_end() {
        let d = digest_of(b"hello world");
        let s = BlobStream::new(
            stream_of(&[b"hello", b" there"]),
            None,
            false,
            Sha256::new(),
            0,
            &d,
            None,
        );
        let err = s.collect_verified(100).await.unwrap_err();
        assert!(matches!(err, RegistryError::DigestMismatch { .. }), "{err}");
    }

    #[tokio::test]
    async fn oversize_and_undersize_fail() {
        let d = digest_of(b"abc");
        let s = BlobStream::new(
            stream_of(&[b"abcd"]),
            None,
            false,
            Sha256::new(),
            0,
            &d,
            Some(3),
        );
        assert!(s.collect_verified(100).await.is_err());
        let s = BlobStream::new(
            stream_of(&[b"ab"]),
            None,
            false,
            Sha256::new(),
            0,
            &d,
            Some(3),
        );
        assert!(s.collect_verified(100).await.is_err());
    }

    #[tokio::test]
    async fn resumed_stream_verifies_with_the_prefix_state() {
        let d = digest_of(b"hello world");
        let mut prefix = Sha256::new();
        prefix.update(b"hello ");
        let s = BlobStream::new(stream_of(&[b"world"]), None, false, prefix, 6, &d, Some(11));
        assert_eq!(s.collect_verified(100).await.unwrap(), b"world");
    }

    #[test]
    fn only_sha256() {
        assert!(check_algorithm(&digest_of(b"")).is_ok());
        assert!(check_algorithm("sha512:abcd").is_err());
        assert!(check_algorithm("sha256:../../etc").is_err());
    }
}
