//! A chunked response body as a stream of byte chunks (logs, wait, import/pull progress).

use bytes::Bytes;
use futures_util::Stream;
use http_body_util::BodyExt;
use hyper::body::Body;
use hyper::body::Incoming;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::ClientError;

/// The body of a streaming response; each item is one chunk as the daemon flushed it.
pub struct ByteStream {
    body: Incoming,
}

impl ByteStream {
    pub(crate) fn new(body: Incoming) -> ByteStream {
        ByteStream { body }
    }

    /// The next chunk of data, or `None` at the end of the body. Trailers are skipped.
    pub async fn next_chunk(&mut self) -> Option<Result<Bytes, ClientError>> {
        loop {
            match self.body.frame().await? {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        return Some(Ok(data));
                    }
                }
                Err(e) => return Some(Err(e.into())),
            }
        }
    }

    /// Collects the whole remaining body.
    pub async fn collect(self) -> Result<Bytes, ClientError> {
        Ok(self.body.collect().await?.to_bytes())
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let frame = match Pin::new(&mut self.body).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => frame,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            };
            if let Ok(data) = frame.into_data() {
                return Poll::Ready(Some(Ok(data)));
            }
        }
    }
}
