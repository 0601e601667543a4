//! A recording fake [`Executor`]: images are directories holding their whole root filesystem
//! (parent's tree plus the committed layer), the cache compares parent, config and step as the
//! engine does, and every call is recorded for assertions.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use image::{History, ImageConfig};
use sha2::{Digest, Sha256};

use crate::{BuildError, BuildOutput, Executor, ImageState, MountedImage, RunStep};

pub struct FakeImage {
    pub state: ImageState,
    pub parent: Option<String>,
    pub root: PathBuf,
    /// The committed layer as `path kind mode uid:gid [content|target]` lines.
    pub layer: Vec<String>,
}

pub struct Fake {
    pub dir: tempfile::TempDir,
    pub images: Mutex<Vec<FakeImage>>,
    pub calls: Mutex<Vec<String>>,
    /// Local images by name.
    pub names: Mutex<BTreeMap<String, String>>,
    pub tags: Mutex<Vec<(String, String)>>,
}

struct Mounted(PathBuf);

impl MountedImage for Mounted {
    fn root(&self) -> &Path {
        &self.0
    }
}

/// Copies a tree (symlinks as symlinks), keeping modes and, as root, owners.
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let src = entry.path();
        let dest = to.join(entry.file_name());
        let meta = fs::symlink_metadata(&src).unwrap();
        if meta.is_dir() {
            copy_tree(&src, &dest);
            fs::set_permissions(&dest, meta.permissions()).unwrap();
        } else {
            if let Ok(existing) = fs::symlink_metadata(&dest) {
                if existing.is_dir() {
                    fs::remove_dir_all(&dest).unwrap();
                } else {
                    fs::remove_file(&dest).unwrap();
                }
            }
            if meta.file_type().is_symlink() {
                std::os::unix::fs::symlink(fs::read_link(&src).unwrap(), &dest).unwrap();
            } else {
                fs::copy(&src, &dest).unwrap();
            }
        }
        if rustix::process::geteuid().is_root() {
            std::os::unix::fs::lchown(&dest, Some(meta.uid()), Some(meta.gid())).unwrap();
            if !meta.file_type().is_symlink() {
                fs::set_permissions(&dest, meta.permissions()).unwrap();
            }
        }
    }
}

/// `path kind mode uid:gid detail` for every entry of a tree, sorted.
pub fn describe_tree(root: &Path) -> Vec<String> {
    fn walk(root: &Path, rel: &Path, out: &mut Vec<String>) {
        let mut entries: Vec<_> = fs::read_dir(root.join(rel))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        entries.sort();
        for name in entries {
            let child = rel.join(&name);
            let meta = fs::symlink_metadata(root.join(&child)).unwrap();
            let mode = meta.mode() & 0o7777;
            let owner = format!("{}:{}", meta.uid(), meta.gid());
            let path = format!("/{}", child.display());
            if meta.is_dir() {
                out.push(format!("{path} dir {mode:o} {owner}"));
                walk(root, &child, out);
            } else if meta.file_type().is_symlink() {
                let target = fs::read_link(root.join(&child)).unwrap();
                out.push(format!("{path} link {mode:o} {owner} {}", target.display()));
            } else {
                let content = fs::read_to_string(root.join(&child)).unwrap_or_default();
                out.push(format!(
                    "{path} file {mode:o} {owner} {}",
                    content.trim_end()
                ));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, Path::new(""), &mut out);
    out
}

impl Fake {
    pub fn new() -> Fake {
        Fake {
            dir: tempfile::tempdir().unwrap(),
            images: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
            names: Mutex::new(BTreeMap::new()),
            tags: Mutex::new(Vec::new()),
        }
    }

    fn record(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    /// Adds a local image `name` whose root is made by `fill`.
    pub fn add_base(&self, name: &str, config: image::ContainerConfig, fill: impl FnOnce(&Path)) {
        let mut image_config = ImageConfig {
            architecture: "amd64".into(),
            os: "linux".into(),
            config,
            ..Default::default()
        };
        image_config
            .rootfs
            .diff_ids
            .push(format!("sha256:{}", "b".repeat(64)));
        image_config.history.push(History {
            created_by: format!("base {name}"),
            ..Default::default()
        });
        let id = self.store(None, image_config, |root| fill(root), Vec::new());
        self.names.lock().unwrap().insert(name.to_string(), id);
    }

    fn store(
        &self,
        parent: Option<&ImageState>,
        config: ImageConfig,
        fill: impl FnOnce(&Path),
        layer: Vec<String>,
    ) -> String {
        let mut images = self.images.lock().unwrap();
        let bytes = serde_json::to_vec(&config).unwrap();
        let mut hasher = Sha256::new();
        hasher.update(&bytes);
        hasher.update(images.len().to_le_bytes());
        let id = format!("sha256:{}", hex::encode(hasher.finalize()));
        let root = self.dir.path().join(format!("image-{}", images.len()));
        fs::create_dir_all(&root).unwrap();
        if let Some(parent_root) = parent
            .and_then(|p| p.id.as_ref())
            .and_then(|pid| images.iter().find(|i| i.state.id.as_ref() == Some(pid)))
            .map(|i| i.root.clone())
        {
            copy_tree(&parent_root, &root);
        }
        fill(&root);
        images.push(FakeImage {
            state: ImageState {
                id: Some(id.clone()),
                config,
            },
            parent: parent.and_then(|p| p.id.clone()),
            root,
            layer,
        });
        id
    }

    pub fn image(&self, id: &str) -> (ImageState, PathBuf, Vec<String>) {
        let images = self.images.lock().unwrap();
        let image = images
            .iter()
            .find(|i| i.state.id.as_deref() == Some(id))
            .expect("image exists");
        (image.state.clone(), image.root.clone(), image.layer.clone())
    }

    fn state(&self, id: &str) -> ImageState {
        self.image(id).0
    }
}

fn same_step(candidate: &ImageConfig, wanted: &ImageConfig) -> bool {
    candidate.config == wanted.config
        && candidate.history.last().map(|h| &h.created_by)
            == wanted.history.last().map(|h| &h.created_by)
        && candidate.history.len() == wanted.history.len()
        && candidate.extra.get("container_config") == wanted.extra.get("container_config")
}

#[async_trait::async_trait]
impl Executor for Fake {
    async fn base_image(
        &self,
        name: &str,
        pull: bool,
        _out: &BuildOutput,
    ) -> Result<ImageState, BuildError> {
        self.record(format!("base {name} pull={pull}"));
        let id = self.names.lock().unwrap().get(name).cloned();
        match id {
            Some(id) => Ok(self.state(&id)),
            None => Err(BuildError::NotFound(format!(
                "pull access denied for {name}, repository does not exist or may require 'docker login'"
            ))),
        }
    }

    async fn cached(
        &self,
        parent: &ImageState,
        config: &ImageConfig,
    ) -> Result<Option<ImageState>, BuildError> {
        let step = config
            .history
            .last()
            .map(|h| h.created_by.clone())
            .unwrap_or_default();
        self.record(format!("cached {step}"));
        let images = self.images.lock().unwrap();
        Ok(images
            .iter()
            .rev()
            .find(|i| i.parent == parent.id && same_step(&i.state.config, config))
            .map(|i| i.state.clone()))
    }

    async fn run(
        &self,
        parent: &ImageState,
        step: &RunStep,
        config: ImageConfig,
        out: &BuildOutput,
    ) -> Result<ImageState, BuildError> {
        self.record(format!(
            "run {:?} env={:?} user={:?} workdir={:?} created_by={:?}",
            step.args, step.env, step.user, step.working_dir, step.created_by
        ));
        out.stream(" ---> Running in 0123456789ab\n");
        let script = step.args.last().cloned().unwrap_or_default();
        if let Some(code) = script.strip_prefix("exit ") {
            return Err(BuildError::RunFailed {
                command: step.args.join(" "),
                code: code.trim().parse().unwrap_or(1),
            });
        }
        let id = self.store(Some(parent), config, |_| {}, Vec::new());
        out.stream("Removing intermediate container 0123456789ab\n");
        Ok(self.state(&id))
    }

    async fn commit(
        &self,
        parent: &ImageState,
        layer_dir: Option<&Path>,
        config: ImageConfig,
        created_by: &str,
    ) -> Result<ImageState, BuildError> {
        self.record(format!("commit {created_by}"));
        assert_eq!(
            config.history.last().map(|h| h.created_by.as_str()),
            Some(created_by),
            "the builder writes the step's history entry"
        );
        let layer = layer_dir.map(describe_tree).unwrap_or_default();
        let layer_dir = layer_dir.map(Path::to_path_buf);
        let id = self.store(
            Some(parent),
            config,
            |root| {
                if let Some(dir) = &layer_dir {
                    copy_tree(dir, root);
                }
            },
            layer,
        );
        Ok(self.state(&id))
    }

    async fn mount_image(&self, image: &ImageState) -> Result<Box<dyn MountedImage>, BuildError> {
        self.record(format!(
            "mount {}",
            image.id.as_deref().unwrap_or("scratch")
        ));
        let root = match &image.id {
            Some(id) => self.image(id).1,
            None => {
                let empty = self.dir.path().join("scratch-root");
                fs::create_dir_all(&empty).unwrap();
                empty
            }
        };
        Ok(Box::new(Mounted(root)))
    }

    async fn tag(&self, image_id: &str, tag: &str) -> Result<(), BuildError> {
        self.record(format!("tag {tag}"));
        self.tags
            .lock()
            .unwrap()
            .push((image_id.to_string(), tag.to_string()));
        Ok(())
    }
}
