//! Reproduces a layer's exact tar stream from its unpacked directory, like dockerd's tar-split.
//!
//! A diff id is the digest of the *original* uncompressed tar, so `save` and `push` must give back
//! those exact bytes. While a layer is applied, every byte of the stream except regular-file
//! content is recorded in `tar-split.gz`; file content is replaced by a reference to the unpacked
//! file. Reproducing interleaves the two. Layers are immutable once stored, so the files still hold
//! the same content; the reproduction is checked against the diff id when the layer is stored.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::rc::Rc;

use rustix::fs::OFlags;

use crate::apply::ContentRange;
use crate::error::{ImageError, Result};
use crate::rooted::{clean_path, Root};

/// The recording's file name inside `layers/<chainid>/`.
pub(crate) const SPLIT_FILE: &str = "tar-split.gz";

const LITERAL: u8 = b'L';
const FILE: u8 = b'F';
const LITERAL_CHUNK: usize = 64 * 1024;

struct Mark {
    start: u64,
    end: u64,
    path: Vec<u8>,
}

/// The recording in progress, shared by the tee reader and the applier's content observer.
pub(crate) struct SplitRecorder {
    out: flate2::write::GzEncoder<BufWriter<File>>,
    literal: Vec<u8>,
    marks: VecDeque<Mark>,
    offset: u64,
    error: Option<io::Error>,
}

impl SplitRecorder {
    pub(crate) fn create(path: &Path) -> io::Result<Rc<RefCell<SplitRecorder>>> {
        let file = File::create(path)?;
        Ok(Rc::new(RefCell::new(SplitRecorder {
            out: flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::fast()),
            literal: Vec::new(),
            marks: VecDeque::new(),
            offset: 0,
            error: None,
        })))
    }

    /// The applier is about to read a file's content: do not record those bytes.
    pub(crate) fn mark(&mut self, range: ContentRange<'_>) {
        if range.len > 0 && range.offset >= self.offset {
            self.marks.push_back(Mark {
                start: range.offset,
                end: range.offset + range.len,
                path: range.path.to_vec(),
            });
        }
    }

    fn record(&mut self, buf: &[u8]) {
        let mut i = 0usize;
        while i < buf.len() {
            let pos = self.offset + i as u64;
            let rest = (buf.len() - i) as u64;
            let front = self.marks.front().map(|m| (m.start, m.end));
            match front {
                Some((_, end)) if pos >= end => {
                    self.marks.pop_front();
                }
                Some((start, end)) if pos >= start => {
                    if pos == start {
                        let path = self
                            .marks
                            .front()
                            .map(|m| m.path.clone())
                            .unwrap_or_default();
                        self.write_file_ref(end - start, &path);
                    }
                    let take = rest.min(end - pos);
                    i += take as usize;
                }
                next => {
                    let limit = next.map(|(start, _)| start - pos).unwrap_or(u64::MAX);
                    let take = rest.min(limit) as usize;
                    self.literal.extend_from_slice(&buf[i..i + take]);
                    i += take;
                    if self.literal.len() >= LITERAL_CHUNK {
                        self.flush_literal();
                    }
                }
            }
        }
        self.offset += buf.len() as u64;
    }

    fn write_file_ref(&mut self, len: u64, path: &[u8]) {
        self.flush_literal();
        let mut rec = Vec::with_capacity(13 + path.len());
        rec.push(FILE);
        rec.extend_from_slice(&len.to_le_bytes());
        rec.extend_from_slice(&(path.len() as u32).to_le_bytes());
        rec.extend_from_slice(path);
        self.write(&rec);
    }

    fn flush_literal(&mut self) {
        if self.literal.is_empty() {
            return;
        }
        let literal = std::mem::take(&mut self.literal);
        let mut rec = Vec::with_capacity(9);
        rec.push(LITERAL);
        rec.extend_from_slice(&(literal.len() as u64).to_le_bytes());
        self.write(&rec);
        self.write(&literal);
    }

    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_none() {
            if let Err(e) = self.out.write_all(bytes) {
                self.error = Some(e);
            }
        }
    }

    /// Flushes the recording to disk.
    pub(crate) fn finish(recorder: Rc<RefCell<SplitRecorder>>) -> io::Result<()> {
        let recorder = Rc::try_unwrap(recorder)
            .map_err(|_| io::Error::other("tar-split recorder still shared"))?
            .into_inner();
        let mut recorder = recorder;
        recorder.flush_literal();
        if let Some(e) = recorder.error {
            return Err(e);
        }
        let mut inner = recorder.out.finish()?;
        inner.flush()?;
        inner.into_inner().map_err(|e| e.into_error())?.sync_all()
    }
}

/// Passes a stream through while recording it.
pub(crate) struct TeeReader<R> {
    inner: R,
    recorder: Rc<RefCell<SplitRecorder>>,
}

impl<R> TeeReader<R> {
    pub(crate) fn new(inner: R, recorder: Rc<RefCell<SplitRecorder>>) -> Self {
        TeeReader { inner, recorder }
    }
}

impl<R: Read> Read for TeeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.recorder.borrow_mut().record(&buf[..n]);
        Ok(n)
    }
}

/// Writes the original tar stream of the layer in `layer_dir` (`diff/` + `tar-split.gz`).
pub(crate) fn reproduce(layer_dir: &Path, out: &mut dyn Write) -> Result<u64> {
    let split_path = layer_dir.join(SPLIT_FILE);
    let file = File::open(&split_path)
        .map_err(|e| ImageError::io(format!("open {}", split_path.display()), e))?;
    let mut split = flate2::read::GzDecoder::new(BufReader::new(file));
    let root = Root::open(&layer_dir.join("diff")).map_err(|e| ImageError::io("open layer", e))?;
    let bad = |what: &str| ImageError::Corrupt(format!("{}: {what}", split_path.display()));
    let io_err = |e: io::Error| ImageError::io("reproduce layer tar", e);
    let mut total = 0u64;
    loop {
        let mut kind = [0u8; 1];
        match split.read_exact(&mut kind) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(io_err(e)),
        }
        let mut len = [0u8; 8];
        split.read_exact(&mut len).map_err(io_err)?;
        let len = u64::from_le_bytes(len);
        match kind[0] {
            LITERAL => {
                let copied = io::copy(&mut (&mut split).take(len), out).map_err(io_err)?;
                if copied != len {
                    return Err(bad("truncated"));
                }
            }
            FILE => {
                let mut path_len = [0u8; 4];
                split.read_exact(&mut path_len).map_err(io_err)?;
                let mut path = vec![0u8; u32::from_le_bytes(path_len) as usize];
                split.read_exact(&mut path).map_err(io_err)?;
                let parts = clean_path(&path).ok_or_else(|| bad("bad path"))?;
                let fd = root
                    .open_at(&parts, OFlags::RDONLY | OFlags::NOFOLLOW)
                    .map_err(io_err)?;
                let copied = io::copy(&mut File::from(fd).take(len), out).map_err(io_err)?;
                if copied != len {
                    return Err(bad("layer file shorter than recorded"));
                }
            }
            _ => return Err(bad("unknown record")),
        }
        total += len;
    }
    Ok(total)
}

/// The length of the tar stream [`reproduce`] writes for the layer in `layer_dir`, read from the
/// recording alone (file content is not read), so `save` can write a tar header before the layer.
pub(crate) fn reproduced_len(layer_dir: &Path) -> Result<u64> {
    let split_path = layer_dir.join(SPLIT_FILE);
    let file = File::open(&split_path)
        .map_err(|e| ImageError::io(format!("open {}", split_path.display()), e))?;
    let mut split = flate2::read::GzDecoder::new(BufReader::new(file));
    let bad = |what: &str| ImageError::Corrupt(format!("{}: {what}", split_path.display()));
    let io_err = |e: io::Error| ImageError::io("read tar-split", e);
    let mut total = 0u64;
    loop {
        let mut kind = [0u8; 1];
        match split.read_exact(&mut kind) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(io_err(e)),
        }
        let mut len = [0u8; 8];
        split.read_exact(&mut len).map_err(io_err)?;
        let len = u64::from_le_bytes(len);
        let skip = match kind[0] {
            LITERAL => len,
            FILE => {
                let mut path_len = [0u8; 4];
                split.read_exact(&mut path_len).map_err(io_err)?;
                u64::from(u32::from_le_bytes(path_len))
            }
            _ => return Err(bad("unknown record")),
        };
        let skipped = io::copy(&mut (&mut split).take(skip), &mut io::sink()).map_err(io_err)?;
        if skipped != skip {
            return Err(bad("truncated"));
        }
        total = total
            .checked_add(len)
            .ok_or_else(|| bad("length overflow"))?;
    }
    Ok(total)
}
