//! Hijacked connections: `POST .../attach` answered with `101`, then a raw bidirectional pipe.

use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The byte pipe left after a `101 UPGRADED`. Reads give the daemon's output (stdcopy frames
/// unless the container has a TTY); writes go to the container's stdin; `shutdown()` half-closes
/// our side, which the daemon takes as stdin EOF.
pub struct HijackedStream {
    io: TokioIo<Upgraded>,
}

impl HijackedStream {
    pub(crate) fn new(upgraded: Upgraded) -> HijackedStream {
        HijackedStream {
            io: TokioIo::new(upgraded),
        }
    }
}

impl AsyncRead for HijackedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for HijackedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
