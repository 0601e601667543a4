//! Finding COPY/ADD sources: in the build context (where `.dockerignore`d files are invisible) or
//! in a `--from` image root. Paths never leave the root (symlinks are resolved inside it), globs
//! follow Go's `filepath.Match` over every path of the root, and each source gets dockerd's
//! content hash (`file:<sha256>`, `dir:<sha256>`), which goes into the step's history text and so
//! into the cache key.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use dockerignore::DockerIgnore;
use sha2::{Digest, Sha256};

use crate::error::BuildError;
use crate::rooted_path::resolve_in_root;

/// Where sources are looked up.
pub struct SourceRoot<'a> {
    pub root: &'a Path,
    /// The context's `.dockerignore` (None for an image root).
    pub ignore: Option<&'a DockerIgnore>,
    /// Whether this is the build context (for dockerd's "not found" wording).
    pub is_context: bool,
}

/// One resolved source.
#[derive(Clone, Debug, PartialEq)]
pub struct CopySource {
    /// Root-relative path with symlinks resolved.
    pub path: PathBuf,
    /// The name as given, cleaned: its last element names the copy inside a directory
    /// destination (a symlink source keeps the link's name, as in dockerd).
    pub name: String,
    pub is_dir: bool,
    /// `file:<hex>` or `dir:<hex>`.
    pub hash: String,
}

impl SourceRoot<'_> {
    fn excluded(&self, rel: &str) -> bool {
        self.ignore
            .is_some_and(|i| !rel.is_empty() && i.excludes(rel))
    }

    /// Whether a directory's walk must go inside it.
    fn descend(&self, rel: &str) -> bool {
        match self.ignore {
            None => true,
            Some(i) => !i.excludes(rel) || i.may_include_below(rel),
        }
    }

    /// Every source a COPY/ADD argument names.
    pub fn collect(&self, spec: &str) -> Result<Vec<CopySource>, BuildError> {
        let mut orig = spec;
        if orig.len() > 1 {
            orig = orig.strip_prefix('/').unwrap_or(orig);
        }
        let orig = orig.strip_prefix("./").unwrap_or(orig);
        if contains_wildcards(orig) {
            let mut found = Vec::new();
            let mut error = None;
            self.walk("", &mut |rel, _| {
                if error.is_some() {
                    return;
                }
                if dockerignore::path_match(orig, rel).unwrap_or(false) {
                    match self.single(rel) {
                        Ok(source) => found.push(source),
                        Err(e) => error = Some(e),
                    }
                }
            })?;
            if let Some(e) = error {
                return Err(e);
            }
            return Ok(found);
        }
        Ok(vec![self.single(orig)?])
    }

    fn not_found(&self, name: &str) -> BuildError {
        if self.is_context {
            BuildError::Invalid(format!(
                "file not found in build context or excluded by .dockerignore: stat {name}: file does not exist"
            ))
        } else {
            BuildError::Invalid(format!("stat {name}: file does not exist"))
        }
    }

    fn single(&self, orig: &str) -> Result<CopySource, BuildError> {
        let name = dockerignore::clean_path(orig);
        let lexical = if name == "." {
            String::new()
        } else {
            name.clone()
        };
        if self.excluded(&lexical) {
            return Err(self.not_found(orig));
        }
        let path = resolve_in_root(self.root, orig)
            .map_err(|e| BuildError::io(format!("resolve {orig}"), e))?;
        let rel = path.to_string_lossy().into_owned();
        if self.excluded(&rel) {
            return Err(self.not_found(orig));
        }
        let full = self.root.join(&path);
        let meta = fs::symlink_metadata(&full).map_err(|_| self.not_found(orig))?;
        if meta.is_dir() {
            let mut entries = Vec::new();
            self.walk(&rel, &mut |entry_rel, meta| {
                let hash = entry_hash(&self.root.join(entry_rel), meta).unwrap_or_default();
                let inside = entry_rel
                    .strip_prefix(rel.as_str())
                    .unwrap_or(entry_rel)
                    .trim_start_matches('/');
                entries.push(format!("{inside}:{hash}"));
            })?;
            return Ok(CopySource {
                path,
                name,
                is_dir: true,
                hash: hash_list("dir", &entries),
            });
        }
        let hash =
            entry_hash(&full, &meta).map_err(|e| BuildError::io(format!("read {orig}"), e))?;
        Ok(CopySource {
            path,
            name,
            is_dir: false,
            hash,
        })
    }

    /// Visits every visible path below `rel` (root-relative, `/`-separated) in lexical order,
    /// without following symlinks.
    pub fn walk(
        &self,
        rel: &str,
        visit: &mut dyn FnMut(&str, &fs::Metadata),
    ) -> Result<(), BuildError> {
        let dir = self.root.join(rel);
        let mut names: Vec<String> = fs::read_dir(&dir)
            .map_err(|e| BuildError::io(format!("read directory {}", dir.display()), e))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in names {
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            let Ok(meta) = fs::symlink_metadata(self.root.join(&child)) else {
                continue;
            };
            let excluded = self.excluded(&child);
            if !excluded {
                visit(&child, &meta);
            }
            if meta.is_dir() && (!excluded || self.descend(&child)) {
                self.walk(&child, visit)?;
            }
        }
        Ok(())
    }
}

/// Whether a source has glob characters not escaped by a backslash (dockerd's rule).
fn contains_wildcards(name: &str) -> bool {
    let mut escaped = false;
    for c in name.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

fn hash_list(prefix: &str, items: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(items.join(",").as_bytes());
    format!("{prefix}:{}", hex::encode(hasher.finalize()))
}

/// dockerd's `multi:<sha>` for several sources.
pub fn multi_hash(sources: &[CopySource]) -> String {
    if let [only] = sources {
        return only.hash.clone();
    }
    let hashes: Vec<String> = sources.iter().map(|s| s.hash.clone()).collect();
    hash_list("multi", &hashes)
}

/// The content hash of one entry: the permission bits and the content (a symlink's target, a
/// file's bytes). The bits are included so that a chmod in the context busts the cache, as
/// dockerd's tarsum-based hash does.
fn entry_hash(path: &Path, meta: &fs::Metadata) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mode = meta.permissions().mode() & 0o7777;
    if meta.file_type().is_symlink() {
        hasher.update(format!("link {mode:o}\0").as_bytes());
        hasher.update(fs::read_link(path)?.as_os_str().as_encoded_bytes());
    } else if meta.is_file() {
        hasher.update(format!("file {mode:o}\0").as_bytes());
        let mut file = fs::File::open(path)?;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
    } else if meta.is_dir() {
        hasher.update(format!("dir {mode:o}\0").as_bytes());
    } else {
        hasher.update(format!("special {mode:o}\0").as_bytes());
    }
    let kind = if meta.is_dir() { "dir" } else { "file" };
    Ok(format!("{kind}:{}", hex::encode(hasher.finalize())))
}
