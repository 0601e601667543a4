//! Docker's stdcopy framing for non-TTY attach streams: `[stream,0,0,0,len_be32]` + payload.

pub const STDIN: u8 = 0;
pub const STDOUT: u8 = 1;
pub const STDERR: u8 = 2;

/// One frame carrying `payload` on `stream`. Payloads above u32::MAX are split by the caller
/// (pipe reads are far smaller).
pub fn frame(stream: u8, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&[stream, 0, 0, 0]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload[..len as usize]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn frame_header_is_big_endian_length() {
        assert_eq!(
            super::frame(super::STDERR, b"hi"),
            vec![2, 0, 0, 0, 0, 0, 0, 2, b'h', b'i']
        );
    }
}
