//! COPY and ADD: sources from the context (or `--from` a stage or image), the cache probe keyed
//! by their content hashes, then a layer staged from the sources onto the current image.

use std::path::{Path, PathBuf};

use crate::add_archive;
use crate::builder::BuildContext;
use crate::chown::resolve_chown;
use crate::commands::CopySpec;
use crate::copy_source::{multi_hash, CopySource, SourceRoot};
use crate::error::BuildError;
use crate::executor::MountedImage;
use crate::layer_stage::{LayerStage, Owner};
use crate::rooted_path::resolve_in_root;
use crate::shell_lex::{expand_word, Env};
use crate::stage_plan::stage_ref;
use crate::stage_run::{ends_in_slash, normalize_dest, StageRun};

const BUILDKIT_CHMOD: &str = "the --chmod option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled";

fn is_url(source: &str) -> bool {
    source.starts_with("http://") || source.starts_with("https://")
}

/// The base name a file keeps when copied into a directory.
fn base_name(source: &CopySource) -> PathBuf {
    Path::new(&source.name)
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            source
                .path
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_default()
        })
}

/// Runs filesystem work on tokio's blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, BuildError> + Send + 'static,
) -> Result<T, BuildError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| BuildError::Executor {
            kind: errdefs::ErrorKind::Internal,
            message: format!("build step task: {e}"),
        })?
}

impl StageRun {
    pub(crate) async fn copy(
        &mut self,
        ctx: &mut BuildContext<'_>,
        spec: CopySpec,
        is_add: bool,
        env: Option<&Env>,
    ) -> Result<(), BuildError> {
        let name = if is_add { "ADD" } else { "COPY" };
        let escape = ctx.dockerfile.escape;
        let expand = |s: &str| -> Result<String, BuildError> {
            match env {
                Some(env) => expand_word(s, env, escape).map_err(BuildError::Invalid),
                None => Ok(s.to_string()),
            }
        };
        if spec.chmod.is_some() {
            return Err(BuildError::Invalid(BUILDKIT_CHMOD.into()));
        }
        let mut sources = Vec::new();
        for s in &spec.sources {
            sources.push(expand(s)?);
        }
        let dest = expand(&spec.dest)?;
        let chown = spec.chown.as_deref().map(expand).transpose()?;
        let chown = chown.filter(|c| !c.is_empty());

        // `--from`: an earlier stage's image, or any image (pulled when missing).
        let from_image = match &spec.from {
            None => None,
            Some(reference) => {
                let current = self.index;
                let image = match stage_ref(ctx.dockerfile, reference, current) {
                    Some(i) => ctx.results[i].clone().ok_or_else(|| {
                        BuildError::Invalid(format!(
                            "invalid from flag value {reference}: stage {i} was not built"
                        ))
                    })?,
                    None => match reference.parse::<usize>() {
                        Ok(i) if i == current => {
                            return Err(BuildError::Invalid(format!(
                                "invalid from flag value {reference}: refers to current build stage"
                            )))
                        }
                        Ok(_) => {
                            return Err(BuildError::Invalid(format!(
                                "invalid from flag value {reference}: index out of bounds"
                            )))
                        }
                        Err(_) => ctx
                            .exec
                            .base_image(reference, false, ctx.out)
                            .await
                            .map_err(|e| match e {
                                BuildError::NotFound(m) => BuildError::NotFound(format!(
                                    "invalid from flag value {reference}: {m}"
                                )),
                                other => other,
                            })?,
                    },
                };
                Some(image)
            }
        };
        let from_mount: Option<Box<dyn MountedImage>> = match &from_image {
            Some(image) => Some(ctx.exec.mount_image(image).await?),
            None => None,
        };
        let (src_root, ignore) = match &from_mount {
            Some(m) => (m.root().to_path_buf(), None),
            None => (ctx.opts.context_dir.clone(), Some(&ctx.ignore)),
        };
        if sources.iter().any(|s| is_url(s)) {
            return Err(if is_add {
                BuildError::NotSupported("ADD from URL is not supported yet".into())
            } else {
                BuildError::Invalid("source can't be a URL for COPY".into())
            });
        }
        // Walking and hashing the sources reads files: off the async threads.
        let infos = {
            let root_path = src_root.clone();
            let ignore = ignore.cloned();
            let is_context = from_mount.is_none();
            let sources = sources.clone();
            blocking(move || {
                let root = SourceRoot {
                    root: &root_path,
                    ignore: ignore.as_ref(),
                    is_context,
                };
                let mut infos = Vec::new();
                for source in &sources {
                    let found = root.collect(source).map_err(|e| match e {
                        BuildError::Invalid(m) => {
                            BuildError::Invalid(format!("{name} failed: {m}"))
                        }
                        other => other,
                    })?;
                    infos.extend(found);
                }
                Ok(infos)
            })
            .await?
        };
        if infos.is_empty() {
            return Err(BuildError::Invalid("no source files were specified".into()));
        }
        if infos.len() > 1 && !dest.ends_with('/') {
            return Err(BuildError::Invalid(format!("When using {name} with more than one source file, the destination must be a directory and end with a /")));
        }

        let chown_part = chown
            .as_deref()
            .map(|c| format!("--chown={c} "))
            .unwrap_or_default();
        let comment = format!("{name} {chown_part}{} in {dest} ", multi_hash(&infos));
        let (created_by, container) = self.created_by_copy(&comment);
        let config = self.layer_config(&created_by, &container);
        if self.probe_step(ctx, &config).await? {
            return Ok(());
        }

        let target_mount = ctx.exec.mount_image(&self.image).await?;
        let image_root = target_mount.root().to_path_buf();
        let owner = match &chown {
            Some(spec) => {
                let (uid, gid) = resolve_chown(spec, &image_root)?;
                Owner::Fixed(uid, gid)
            }
            None if from_mount.is_some() => Owner::Preserve,
            None => Owner::Fixed(0, 0),
        };
        let dest_path = normalize_dest(&self.run.working_dir, &dest);
        let staged = {
            let scratch = ctx.opts.scratch_dir.clone();
            let src_root = src_root.clone();
            let ignore = ignore.cloned();
            blocking(move || {
                let stage = LayerStage::create(&scratch, &image_root)?;
                match stage_sources(
                    &stage,
                    &src_root,
                    ignore.as_ref(),
                    &infos,
                    &dest_path,
                    owner,
                    is_add,
                ) {
                    Ok(()) => Ok(stage),
                    Err(e) => {
                        stage.remove();
                        Err(e)
                    }
                }
            })
            .await
        };
        let stage = match staged {
            Ok(stage) => stage,
            Err(e) => {
                drop(target_mount);
                drop(from_mount);
                return Err(e);
            }
        };
        let result = ctx
            .exec
            .commit(&self.image, Some(&stage.dir), config, &created_by)
            .await;
        stage.remove();
        drop(target_mount);
        drop(from_mount);
        self.image = result?;
        Ok(())
    }
}

/// Lays the sources out in the staging tree (dockerd's performCopyForInfo for each).
fn stage_sources(
    stage: &LayerStage,
    src_root: &Path,
    ignore: Option<&dockerignore::DockerIgnore>,
    infos: &[CopySource],
    dest: &str,
    owner: Owner,
    decompress: bool,
) -> Result<(), BuildError> {
    let resolve = |p: &str| {
        resolve_in_root(&stage.image_root, p)
            .map_err(|e| BuildError::io(format!("resolve destination {p}"), e))
    };
    let dest_resolved = resolve(dest)?;
    for info in infos {
        let src = src_root.join(&info.path);
        if info.is_dir {
            stage.copy_dir(src_root, &info.path, &dest_resolved, owner, ignore)?;
            continue;
        }
        let scratch = stage.dir.parent().unwrap_or(&stage.dir);
        if decompress && add_archive::is_archive(&src, scratch)? {
            let new_dirs = match owner {
                Owner::Fixed(uid, gid) => (uid, gid),
                Owner::Preserve => (0, 0),
            };
            stage.ensure_dir(&dest_resolved, new_dirs)?;
            add_archive::extract(&src, &stage.dir.join(&dest_resolved), scratch)?;
            continue;
        }
        let target = if ends_in_slash(dest) || stage.is_dir(&dest_resolved) {
            let joined = Path::new(dest).join(base_name(info));
            resolve(&joined.to_string_lossy())?
        } else {
            dest_resolved.clone()
        };
        if target.as_os_str().is_empty() {
            return Err(BuildError::Invalid(format!(
                "cannot copy {} onto /",
                info.name
            )));
        }
        stage.copy_entry(&src, &target, owner)?;
    }
    Ok(())
}
