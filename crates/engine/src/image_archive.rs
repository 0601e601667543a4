//! `docker save` (`GET /images/get`, `GET /images/{name}/get`) and `docker load`
//! (`POST /images/load`) over the image store's docker-archive support. The archive is written
//! by a blocking task into a bounded channel, so a slow client holds back the writer instead of
//! filling memory.

use std::io::Write;
use std::pin::Pin;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use api::ProgressMessage;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::engine::Engine;
use crate::error::Result;
use crate::progress::{Progress, ProgressStream, Throttle};

/// Bytes of an archive being written.
pub type ArchiveStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Forwards writes as chunks of at most `CHUNK` bytes to the response body.
struct ChannelWriter {
    tx: mpsc::Sender<std::io::Result<Bytes>>,
    buf: Vec<u8>,
}

const CHUNK: usize = 256 * 1024;

impl ChannelWriter {
    fn send_buf(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send_buf()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.send_buf()
    }
}

impl Engine {
    /// A `docker save` archive of `names`. Unknown names fail before any byte is sent.
    pub async fn save_images(&self, names: Vec<String>) -> Result<ArchiveStream> {
        let check = names.clone();
        // `busybox` means every tag of busybox (the store resolves names as save does).
        self.blocking(move |store| store.save_selection(&check).map(drop))
            .await?;
        let (tx, mut rx) = mpsc::channel::<std::io::Result<Bytes>>(8);
        let store = self.inner.images.clone();
        let saved = names.clone();
        tokio::task::spawn_blocking(move || {
            let mut writer = ChannelWriter {
                tx: tx.clone(),
                buf: Vec::with_capacity(CHUNK),
            };
            let result = store
                .save(&saved, &mut writer)
                .map_err(|e| std::io::Error::other(e.to_string()))
                .and_then(|_| writer.flush());
            if let Err(e) = result {
                let _ = tx.blocking_send(Err(e));
            }
        });
        for name in &names {
            self.image_event("save", name);
        }
        Ok(Box::pin(futures_util::stream::poll_fn(move |cx| {
            rx.poll_recv(cx)
        })))
    }

    /// Loads a `docker save` archive from the request body. Unless `quiet`, each layer stored
    /// is shown as dockerd's `Loading layer` progress (id: the diff id's first 12 hex digits).
    /// Then one `Loaded image: …` message per tag (`Loaded image ID: sha256:…` for an untagged
    /// image). As in dockerd, an error before the first message is the answer's status; a later
    /// one travels in the stream.
    pub async fn load_images<S>(&self, body: S, quiet: bool) -> Result<ProgressStream>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
    {
        let reader = SyncIoBridge::new(StreamReader::new(body));
        let (progress, mut stream) = Progress::channel();
        let (early_tx, early_rx) = oneshot::channel();
        let engine = self.clone();
        tokio::spawn(async move {
            let reported = Arc::new(AtomicBool::new(false));
            let layer_progress = progress.clone();
            let started = reported.clone();
            let result = engine
                .blocking(move |store| {
                    let mut throttle = Throttle::new();
                    let mut layer = String::new();
                    store.load_reporting(reader, &mut |p| {
                        let id = p.diff_id.strip_prefix("sha256:").unwrap_or(p.diff_id);
                        let id = id.get(..12).unwrap_or(id);
                        let first = layer != id;
                        if first {
                            layer = id.to_string();
                        }
                        if !quiet && throttle.ready(first || p.current == p.total) {
                            started.store(true, Ordering::SeqCst);
                            layer_progress.layer_bytes(id, "Loading layer", p.current, p.total);
                        }
                    })
                })
                .await;
            if !reported.load(Ordering::SeqCst) && result.is_err() {
                let _ = early_tx.send(result);
                return;
            }
            match result {
                Ok(loaded) => engine.announce_loaded(loaded, &progress),
                Err(e) => progress.error(e.to_string()),
            }
        });
        // Either the stream has begun, or the load failed before saying anything.
        tokio::select! {
            biased;
            Ok(Err(e)) = early_rx => Err(e),
            first = stream.next() => Ok(match first {
                Some(m) => Box::pin(futures_util::stream::once(async { m }).chain(stream)),
                None => Box::pin(futures_util::stream::empty()),
            }),
        }
    }

    fn announce_loaded(&self, loaded: Vec<image::LoadedImage>, progress: &Progress) {
        for image in loaded {
            if image.tags.is_empty() {
                self.image_event("load", image.id.as_str());
                progress.send(ProgressMessage {
                    stream: Some(format!("Loaded image ID: {}\n", image.id.as_str())),
                    ..Default::default()
                });
            }
            for tag in image.tags {
                self.image_event("load", &tag);
                progress.send(ProgressMessage {
                    stream: Some(format!("Loaded image: {tag}\n")),
                    ..Default::default()
                });
            }
        }
    }
}
