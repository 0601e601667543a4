//! `docker save` (`GET /images/get`, `GET /images/{name}/get`) and `docker load`
//! (`POST /images/load`) over the image store's docker-archive support. The archive is written
//! by a blocking task into a bounded channel, so a slow client holds back the writer instead of
//! filling memory.

use std::io::Write;
use std::pin::Pin;

use api::ProgressMessage;
use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::engine::Engine;
use crate::error::Result;

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

    /// Loads a `docker save` archive from the request body; one `Loaded image: …` message per
    /// tag (`Loaded image ID: sha256:…` for an untagged image).
    pub async fn load_images<S>(&self, body: S) -> Result<Vec<ProgressMessage>>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Unpin + 'static,
    {
        let reader = SyncIoBridge::new(StreamReader::new(body));
        let loaded = self.blocking(move |store| store.load(reader)).await?;
        let mut messages = Vec::new();
        for image in loaded {
            if image.tags.is_empty() {
                self.image_event("load", image.id.as_str());
                messages.push(ProgressMessage {
                    stream: Some(format!("Loaded image ID: {}\n", image.id.as_str())),
                    ..Default::default()
                });
            }
            for tag in image.tags {
                self.image_event("load", &tag);
                messages.push(ProgressMessage {
                    stream: Some(format!("Loaded image: {tag}\n")),
                    ..Default::default()
                });
            }
        }
        Ok(messages)
    }
}
