//! Docker's stdcopy multiplexing: each frame is `[stream, 0, 0, 0, len_be32]` + payload.

use bytes::{Buf, Bytes, BytesMut};

/// Size of a frame header.
pub const HEADER_LEN: usize = 8;

/// Which stream a frame belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StdStream {
    Stdin = 0,
    Stdout = 1,
    Stderr = 2,
    /// dockerd's `Systemerr`: an error from the daemon itself, ends the stream.
    SystemErr = 3,
}

impl StdStream {
    pub fn from_byte(b: u8) -> Option<StdStream> {
        match b {
            0 => Some(StdStream::Stdin),
            1 => Some(StdStream::Stdout),
            2 => Some(StdStream::Stderr),
            3 => Some(StdStream::SystemErr),
            _ => None,
        }
    }
}

/// The 8-byte header of a frame carrying `len` bytes.
pub fn frame_header(stream: StdStream, len: usize) -> [u8; HEADER_LEN] {
    let len = u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes();
    [stream as u8, 0, 0, 0, len[0], len[1], len[2], len[3]]
}

/// Appends one frame (header + payload) to `out`. Payloads longer than `u32::MAX` are split.
pub fn encode_into(out: &mut Vec<u8>, stream: StdStream, payload: &[u8]) {
    if payload.is_empty() {
        out.extend_from_slice(&frame_header(stream, 0));
        return;
    }
    for chunk in payload.chunks(u32::MAX as usize) {
        out.extend_from_slice(&frame_header(stream, chunk.len()));
        out.extend_from_slice(chunk);
    }
}

/// One frame as a new buffer.
pub fn encode(stream: StdStream, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    encode_into(&mut out, stream, payload);
    out
}

/// A decoded frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub stream: StdStream,
    pub payload: Bytes,
}

/// A malformed stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DemuxError {
    #[error("unrecognized input header: {0}")]
    UnknownStream(u8),
}

/// Incremental demultiplexer: push bytes as they arrive, pop complete frames.
#[derive(Debug, Default)]
pub struct Demuxer {
    buf: BytesMut,
}

impl Demuxer {
    pub fn new() -> Self {
        Demuxer::default()
    }

    /// Adds received bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next complete frame, `Ok(None)` when more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, DemuxError> {
        if self.buf.len() < HEADER_LEN {
            return Ok(None);
        }
        let stream =
            StdStream::from_byte(self.buf[0]).ok_or(DemuxError::UnknownStream(self.buf[0]))?;
        let len = u32::from_be_bytes([self.buf[4], self.buf[5], self.buf[6], self.buf[7]]) as usize;
        if self.buf.len() < HEADER_LEN + len {
            return Ok(None);
        }
        self.buf.advance(HEADER_LEN);
        let payload = self.buf.split_to(len).freeze();
        Ok(Some(Frame { stream, payload }))
    }

    /// Bytes received but not yet returned as a frame (a partial frame at end of stream).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matches_transcript() {
        assert_eq!(
            encode(StdStream::Stdout, b"hi\n"),
            b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n"
        );
    }

    #[test]
    fn round_trip_byte_by_byte() {
        let mut wire = Vec::new();
        encode_into(&mut wire, StdStream::Stderr, b"err\n");
        encode_into(&mut wire, StdStream::Stdout, b"out\n");
        encode_into(&mut wire, StdStream::Stdout, b"");
        let mut d = Demuxer::new();
        let mut frames = Vec::new();
        for b in &wire {
            d.push(std::slice::from_ref(b));
            while let Some(f) = d.next_frame().unwrap() {
                frames.push(f);
            }
        }
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[0].stream, StdStream::Stderr);
        assert_eq!(&frames[0].payload[..], b"err\n");
        assert_eq!(&frames[1].payload[..], b"out\n");
        assert!(frames[2].payload.is_empty());
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn rejects_unknown_stream() {
        let mut d = Demuxer::new();
        d.push(b"\x09\x00\x00\x00\x00\x00\x00\x01x");
        assert_eq!(d.next_frame(), Err(DemuxError::UnknownStream(9)));
    }
}
