//! Byte streams the engine and the CLI decode: the stdcopy multiplexing of attach/logs
//! (`api::stdcopy::Demuxer`, fed in uneven chunks) and json-file log lines
//! (`engine::logs::parse_lines`).
//! Properties: no panic; each frame's stream, length and payload are the bytes it was cut from; the log
//! parser consumes only whole lines.
#![no_main]

use api::stdcopy::{frame_header, Demuxer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size, so frames straddle chunk boundaries.
    let Some((&chunk, rest)) = data.split_first() else {
        return;
    };
    let chunk = usize::from(chunk).max(1);
    let mut demux = Demuxer::new();
    // Where the next frame starts in `rest`.
    let mut offset = 0;
    'feed: for piece in rest.chunks(chunk) {
        demux.push(piece);
        loop {
            match demux.next_frame() {
                Ok(Some(frame)) => {
                    // Header bytes 1..4 are padding the decoder ignores; the rest must match.
                    let header = frame_header(frame.stream, frame.payload.len());
                    assert_eq!(rest[offset], header[0], "stream byte at {offset}");
                    assert_eq!(
                        &rest[offset + 4..offset + 8],
                        &header[4..8],
                        "length at {offset}"
                    );
                    let payload = &rest[offset + 8..offset + 8 + frame.payload.len()];
                    assert_eq!(payload, &frame.payload[..], "payload at {offset}");
                    offset += 8 + frame.payload.len();
                }
                Ok(None) => break,
                Err(_) => break 'feed,
            }
        }
    }

    let (entries, consumed) = engine::logs::parse_lines(rest);
    assert!(consumed <= rest.len());
    assert!(
        consumed == 0 || rest[consumed - 1] == b'\n',
        "stopped inside a line"
    );
    for entry in &entries {
        let _ = engine::logs::frame(entry, true);
        let _ = engine::logs::frame(entry, false);
    }
});
