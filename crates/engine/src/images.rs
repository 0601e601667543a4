//! Image operations over the image store (all blocking work in `spawn_blocking`).

use std::collections::HashMap;

use api::{
    Config, Filters, GraphDriverData, ImageDeleteResponseItem, ImageInspect, ImageMetadata,
    ImageSummary, ProgressMessage, RootFs, ZERO_TIME,
};
use futures_util::Stream;
use image::{DeleteItem, Image, ImageId, ImageUser, Reference};
use registry::url_download::DownloadStream;
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::options::ImportOptions;
use crate::progress::{bar_text, Progress, ProgressStream, Throttle};

/// `dangling`, `label`, `reference`, `before`, `since` for `GET /images/json`.
fn image_matches(img: &Image, f: &Filters, before_since: &(Option<i64>, Option<i64>)) -> bool {
    let labels = img.config.config.labels.clone().unwrap_or_default();
    let dangling_ok = f.any_matches("dangling", |v| {
        api::query::parse_bool(v) == img.repo_tags.is_empty()
    });
    let reference_ok = f.any_matches("reference", |v| {
        img.repo_tags.iter().any(|t| {
            t == v
                || t.split_once(':')
                    .map(|(repo, _)| repo == v)
                    .unwrap_or(false)
                || glob_match(v, t)
        })
    });
    let created = img.created_unix();
    let before_ok = before_since.0.map(|b| created < b).unwrap_or(true);
    let since_ok = before_since.1.map(|s| created > s).unwrap_or(true);
    dangling_ok && reference_ok && f.match_labels("label", &labels) && before_ok && since_ok
}

/// `*` wildcards only (enough for `reference=busy*`).
fn glob_match(pattern: &str, s: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == s,
        Some((head, tail)) => {
            s.starts_with(head) && {
                let rest = &s[head.len()..];
                (0..=rest.len()).any(|i| rest.is_char_boundary(i) && glob_match(tail, &rest[i..]))
            }
        }
    }
}

/// An image's container config in the API's shape.
pub fn api_config(c: &image::ContainerConfig) -> Config {
    Config {
        user: c.user.clone(),
        exposed_ports: c.exposed_ports.clone(),
        env: c.env.clone(),
        cmd: c.cmd.clone(),
        args_escaped: c.args_escaped.unwrap_or(false),
        volumes: c.volumes.clone(),
        working_dir: c.working_dir.clone(),
        entrypoint: c.entrypoint.clone(),
        on_build: c.on_build.clone(),
        labels: c.labels.clone(),
        stop_signal: c.stop_signal.clone().unwrap_or_default(),
        shell: c.shell.clone(),
        healthcheck: c
            .healthcheck
            .as_ref()
            .and_then(|h| serde_json::to_value(h).ok()),
        ..Default::default()
    }
}

fn inspect_of(img: Image) -> ImageInspect {
    let size = img.size as i64;
    let cfg = &img.config;
    ImageInspect {
        id: img.id.as_str().to_string(),
        repo_tags: img.repo_tags.clone(),
        repo_digests: img.repo_digests.clone(),
        // The image a build step or `commit` was made on, as dockerd's `Parent`.
        parent: img
            .parent
            .as_ref()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        comment: cfg.comment.clone(),
        created: cfg.created.clone().unwrap_or_else(|| ZERO_TIME.to_string()),
        container: cfg.container.clone().unwrap_or_default(),
        container_config: Config::default(),
        docker_version: cfg.docker_version.clone().unwrap_or_default(),
        author: cfg.author.clone(),
        config: api_config(&cfg.config),
        architecture: cfg.architecture.clone(),
        variant: cfg.variant.clone().unwrap_or_default(),
        os: cfg.os.clone(),
        size,
        virtual_size: size,
        graph_driver: GraphDriverData {
            data: Some(Default::default()),
            name: "overlay2".into(),
        },
        root_fs: RootFs {
            kind: "layers".into(),
            layers: cfg.rootfs.diff_ids.clone(),
        },
        metadata: ImageMetadata {
            last_tag_time: ZERO_TIME.into(),
        },
    }
}

impl Engine {
    /// `all`: also the untagged images other images were built on (a build's intermediate
    /// steps), which dockerd hides by default.
    pub async fn list_images(&self, all: bool, filters: Filters) -> Result<Vec<ImageSummary>> {
        let before = filters.get("before").first().map(|s| s.to_string());
        let since = filters.get("since").first().map(|s| s.to_string());
        self.blocking(move |store| {
            let created_of = |name: &Option<String>| -> image::Result<Option<i64>> {
                match name {
                    Some(n) => Ok(Some(store.resolve(n)?.created_unix())),
                    None => Ok(None),
                }
            };
            let bounds = (created_of(&before)?, created_of(&since)?);
            let images = store.list()?;
            let parents: std::collections::BTreeSet<image::ImageId> =
                images.iter().filter_map(|img| img.parent.clone()).collect();
            Ok(images
                .into_iter()
                .filter(|img| {
                    all || !img.repo_tags.is_empty()
                        || !img.repo_digests.is_empty()
                        || !parents.contains(&img.id)
                })
                .filter(|img| image_matches(img, &filters, &bounds))
                .map(|img| ImageSummary {
                    // dockerd computes this only for `system df`; the list says -1.
                    containers: -1,
                    created: img.created_unix(),
                    id: img.id.as_str().to_string(),
                    labels: img.config.config.labels.clone(),
                    parent_id: img
                        .parent
                        .as_ref()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_default(),
                    repo_digests: Some(img.repo_digests.clone()),
                    repo_tags: Some(img.repo_tags.clone()),
                    shared_size: -1,
                    size: img.size as i64,
                    virtual_size: img.size as i64,
                })
                .collect())
        })
        .await
    }

    pub async fn inspect_image(&self, name: &str) -> Result<ImageInspect> {
        let name = name.to_string();
        self.blocking(move |store| store.inspect(&name).map(inspect_of))
            .await
    }

    /// image id → containers using it (id, running).
    fn image_usage(&self) -> HashMap<String, Vec<(String, bool)>> {
        let mut m: HashMap<String, Vec<(String, bool)>> = HashMap::new();
        for h in self.inner.registry.all() {
            m.entry(h.image_id.clone())
                .or_default()
                .push((h.id.clone(), h.is_running()));
        }
        m
    }

    pub async fn remove_image(
        &self,
        name: &str,
        force: bool,
        prune: bool,
    ) -> Result<Vec<ImageDeleteResponseItem>> {
        let users = self.image_usage();
        let name = name.to_string();
        let items = self
            .blocking(move |store| {
                let user_of = |id: &ImageId| -> Option<ImageUser> {
                    let list = users.get(id.as_str())?;
                    let (cid, running) = list.iter().find(|(_, r)| *r).or_else(|| list.first())?;
                    Some(ImageUser {
                        container_id: cid.clone(),
                        running: *running,
                    })
                };
                let parent = if prune {
                    store.resolve(&name).ok().and_then(|img| img.parent)
                } else {
                    None
                };
                let mut items = store.delete(&name, force, &user_of)?;
                prune_untagged_parents(store, parent, &user_of, &mut items);
                Ok(items)
            })
            .await?;
        for item in &items {
            match item {
                DeleteItem::Untagged(r) => self.image_event("untag", r),
                DeleteItem::Deleted(d) => self.image_event("delete", d),
            }
        }
        Ok(items
            .into_iter()
            .map(|i| match i {
                DeleteItem::Untagged(r) => ImageDeleteResponseItem {
                    untagged: Some(r),
                    deleted: None,
                },
                DeleteItem::Deleted(d) => ImageDeleteResponseItem {
                    untagged: None,
                    deleted: Some(d),
                },
            })
            .collect())
    }

    /// Imports a rootfs tar from the request body; returns `sha256:<id>`.
    pub async fn import_image<S>(&self, body: S, opts: ImportOptions) -> Result<String>
    where
        S: Stream<Item = std::result::Result<bytes::Bytes, std::io::Error>>
            + Send
            + Unpin
            + 'static,
    {
        let reference = import_reference(&opts)?;
        let message = import_message(&opts, "-");
        let reader = SyncIoBridge::new(StreamReader::new(body));
        let changes = opts.changes.clone();
        let id = self
            .blocking(move |store| store.import(reader, &message, &changes, reference.as_ref()))
            .await?;
        self.image_event("import", id.as_str());
        Ok(id.as_str().to_string())
    }

    /// `POST /images/create?fromSrc=<url>` (`docker import http://…`): GETs the URL (a source
    /// without `://` means `http://`, as dockerd) and imports its body. The stream says
    /// `Downloading from <url>`, `Importing` with bytes read, then the new image id. Errors
    /// before the download starts (bad reference, unreachable server, status ≥ 400) are
    /// returned; later ones end the stream, and nothing is stored unless the whole body was
    /// read and imported.
    pub async fn import_image_from_url(
        &self,
        source: &str,
        opts: ImportOptions,
    ) -> Result<ProgressStream> {
        let reference = import_reference(&opts)?;
        let message = import_message(&opts, source);
        let url = if source.contains("://") {
            source.to_string()
        } else {
            format!("http://{source}")
        };
        let download = registry::url_download::download(&url).await?;
        let (progress, stream) = Progress::channel();
        progress.status(format!("Downloading from {}", download.url));
        let body = ImportProgress::new(download.body, download.content_length, progress.clone());
        let changes = opts.changes;
        let engine = self.clone();
        tokio::spawn(async move {
            let reader = SyncIoBridge::new(StreamReader::new(body));
            let result = engine
                .blocking(move |store| store.import(reader, &message, &changes, reference.as_ref()))
                .await;
            match result {
                Ok(id) => {
                    engine.image_event("import", id.as_str());
                    progress.status(id.as_str());
                }
                Err(e) => progress.error(e.to_string()),
            }
        });
        Ok(stream)
    }

    pub async fn tag_image(&self, name: &str, repo: &str, tag: &str) -> Result<()> {
        let target = Reference::from_repo_tag(repo, tag)?;
        let name = name.to_string();
        let familiar = target.familiar();
        self.blocking(move |store| store.tag(&name, &target))
            .await?;
        self.image_event("tag", &familiar);
        Ok(())
    }

    /// Registry pulls are a later issue: succeeds only when the image is already present.
    pub async fn pull_image(&self, image: &str, tag: &str) -> Result<String> {
        let name = if tag.is_empty() {
            image.to_string()
        } else {
            format!("{image}:{tag}")
        };
        let lookup = name.clone();
        match self.blocking(move |store| store.resolve(&lookup)).await {
            Ok(img) => Ok(format!(
                "Status: Image is up to date for {}",
                img.repo_tags.first().cloned().unwrap_or(name)
            )),
            Err(EngineError::Image(image::ImageError::NotFound(_))) => Err(EngineError::NotImplemented(format!(
                "registry pulls are not supported yet: {name} is not present locally (use docker import or load)"
            ))),
            Err(e) => Err(e),
        }
    }
}

/// dockerd's `rmi` without `noprune`: after an image is deleted, its parent goes too when
/// nothing else needs it (untagged, no other child, no container), and so on up the chain: the
/// intermediate images of a build disappear with the image built.
fn prune_untagged_parents(
    store: &image::ImageStore,
    mut next: Option<ImageId>,
    user_of: &dyn Fn(&ImageId) -> Option<ImageUser>,
    items: &mut Vec<DeleteItem>,
) {
    while let Some(id) = next.take() {
        let Ok(images) = store.list() else { return };
        let Some(image) = images.iter().find(|img| img.id == id) else {
            return;
        };
        let needed = !image.repo_tags.is_empty()
            || !image.repo_digests.is_empty()
            || images.iter().any(|img| img.parent.as_ref() == Some(&id))
            || user_of(&id).is_some();
        if needed {
            return;
        }
        next = image.parent.clone();
        match store.delete(id.as_str(), false, user_of) {
            Ok(more) => items.extend(more),
            Err(_) => return,
        }
    }
}

/// The tag an import gets (`repo` may hold the tag itself, as the docker CLI sends it).
fn import_reference(opts: &ImportOptions) -> Result<Option<Reference>> {
    if opts.repo.is_empty() {
        return Ok(None);
    }
    Ok(Some(Reference::from_repo_tag(&opts.repo, &opts.tag)?))
}

/// The image comment: the user's message, else dockerd's `Imported from <source>`.
fn import_message(opts: &ImportOptions, source: &str) -> String {
    if opts.message.is_empty() {
        format!("Imported from {source}")
    } else {
        opts.message.clone()
    }
}

/// The downloaded body of a URL import, reporting `Importing` progress as it is read (dockerd's
/// progress reader: at most every 1% or 512 kB, and 10 times a second, plus the end).
struct ImportProgress {
    body: DownloadStream,
    /// `Content-Length`; dockerd reports -1 when unknown.
    total: Option<u64>,
    current: u64,
    last_reported: u64,
    step: u64,
    throttle: Throttle,
    progress: Progress,
}

impl ImportProgress {
    fn new(body: DownloadStream, total: Option<u64>, progress: Progress) -> ImportProgress {
        const MAX_STEP: u64 = 512 * 1024;
        let step = total.map_or(MAX_STEP, |t| (t / 100).min(MAX_STEP));
        ImportProgress {
            body,
            total,
            current: 0,
            last_reported: 0,
            step,
            throttle: Throttle::new(),
            progress,
        }
    }

    fn report(&mut self, force: bool) {
        let total = self
            .total
            .map_or(-1, |t| i64::try_from(t).unwrap_or(i64::MAX));
        let due = force
            || self.total == Some(self.current)
            || (self.current - self.last_reported > self.step && self.throttle.ready(false));
        if !due {
            return;
        }
        self.last_reported = self.current;
        self.progress.send(ProgressMessage {
            status: Some("Importing".to_string()),
            progress_detail: Some(serde_json::json!({"current": self.current, "total": total})),
            progress: Some(bar_text(self.current, self.total.unwrap_or(0))),
            ..Default::default()
        });
    }
}

impl Stream for ImportProgress {
    type Item = std::result::Result<bytes::Bytes, std::io::Error>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let next = std::task::ready!(self.body.as_mut().poll_next(cx));
        match &next {
            Some(Ok(chunk)) => {
                self.current += chunk.len() as u64;
                self.report(false);
            }
            // The end of the body: the final count, unless it went out already.
            None if self.last_reported != self.current => self.report(true),
            _ => {}
        }
        std::task::Poll::Ready(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    /// Reads `chunks` through an [`ImportProgress`] and returns the progress messages it sent.
    async fn import_progress_of(
        chunks: Vec<&'static [u8]>,
        total: Option<u64>,
    ) -> Vec<ProgressMessage> {
        let body: DownloadStream = Box::pin(futures_util::stream::iter(
            chunks.into_iter().map(|c| Ok(bytes::Bytes::from_static(c))),
        ));
        let (progress, stream) = Progress::channel();
        let mut reader = ImportProgress::new(body, total, progress);
        while let Some(chunk) = reader.next().await {
            chunk.unwrap();
        }
        drop(reader);
        stream.collect().await
    }

    #[tokio::test]
    async fn import_progress_ends_with_the_full_count() {
        let messages = import_progress_of(vec![b"abc", b"defg"], Some(7)).await;
        let last = messages.last().unwrap();
        assert_eq!(last.status.as_deref(), Some("Importing"));
        assert_eq!(last.id, None);
        assert_eq!(
            last.progress_detail,
            Some(serde_json::json!({"current": 7, "total": 7}))
        );
        // Unknown length: dockerd's total of -1, and the count at the end of the body.
        let messages = import_progress_of(vec![b"abc", b"defg"], None).await;
        assert_eq!(
            messages.last().unwrap().progress_detail,
            Some(serde_json::json!({"current": 7, "total": -1}))
        );
    }

    #[test]
    fn inspect_shows_the_parent_of_a_local_image() {
        let child = ImageId::of_config(b"{\"child\":1}");
        let parent = ImageId::of_config(b"{\"parent\":1}");
        let mut img = Image {
            id: child,
            repo_tags: Vec::new(),
            repo_digests: Vec::new(),
            config: Default::default(),
            parent: Some(parent.clone()),
            chain_ids: Vec::new(),
            size: 0,
        };
        assert_eq!(inspect_of(img.clone()).parent, parent.as_str());
        assert!(parent.as_str().starts_with("sha256:"));
        img.parent = None;
        assert_eq!(inspect_of(img).parent, "");
    }

    #[test]
    fn glob_matches_star() {
        assert!(glob_match("busy*", "busybox:latest"));
        assert!(glob_match("*:latest", "busybox:latest"));
        assert!(!glob_match("alp*", "busybox:latest"));
        assert!(glob_match("busybox:latest", "busybox:latest"));
    }
}
