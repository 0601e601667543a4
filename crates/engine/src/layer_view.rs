//! The container's filesystem as layers on the host: the writable upper dir over the image's
//! lower dirs (from the overlay annotation of `config.json`), with overlay whiteouts (0:0
//! character devices) and opaque directories (`trusted.overlay.opaque=y`).

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::error::{EngineError, Result};
use crate::spec::OVERLAY_ANNOTATION;

/// Upper dir first, then the lower dirs from top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerView {
    pub upper: PathBuf,
    pub lowers: Vec<PathBuf>,
}

impl LayerView {
    /// Reads the overlay mount data from the bundle's `config.json`.
    pub fn load(bundle: &Path) -> Result<LayerView> {
        let spec_path = bundle.join("config.json");
        let bytes = std::fs::read(&spec_path)
            .map_err(|e| EngineError::io(format!("read {}", spec_path.display()), e))?;
        let spec: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| EngineError::Internal(format!("parse {}: {e}", spec_path.display())))?;
        let data = spec
            .pointer(&format!(
                "/annotations/{}",
                OVERLAY_ANNOTATION.replace('/', "~1")
            ))
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        Ok(Self::from_mount_data(data, bundle))
    }

    /// `lowerdir=a:b,upperdir=u,workdir=w`; without it the upper dir is `<bundle>/upper`.
    pub fn from_mount_data(data: &str, bundle: &Path) -> LayerView {
        let mut upper = bundle.join("upper");
        let mut lowers = Vec::new();
        for opt in data.split(',') {
            if let Some(v) = opt.strip_prefix("lowerdir=") {
                lowers = v
                    .split(':')
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
                    .collect();
            } else if let Some(v) = opt.strip_prefix("upperdir=") {
                upper = PathBuf::from(v);
            }
        }
        LayerView { upper, lowers }
    }

    /// Whether `rel` exists in some lower layer (not hidden by a whiteout above it).
    pub fn in_lowers(&self, rel: &Path) -> bool {
        for lower in &self.lowers {
            let p = lower.join(rel);
            match p.symlink_metadata() {
                Ok(md) if is_whiteout(&md) => return false,
                Ok(_) => return true,
                Err(_) => {
                    if rel
                        .ancestors()
                        .skip(1)
                        .any(|a| !a.as_os_str().is_empty() && is_opaque(&lower.join(a)))
                    {
                        return false;
                    }
                }
            }
        }
        false
    }
}

/// An overlay whiteout: a character device with device number 0:0.
pub fn is_whiteout(md: &std::fs::Metadata) -> bool {
    md.file_type().is_char_device() && md.rdev() == 0
}

/// A directory marked `trusted.overlay.opaque=y`: lower layers' content below it is hidden.
pub fn is_opaque(dir: &Path) -> bool {
    let mut buf = [0u8; 4];
    matches!(
        rustix::fs::lgetxattr(dir, "trusted.overlay.opaque", &mut buf),
        Ok(1) if buf[0] == b'y'
    )
}

/// Every path below `root` (relative, sorted, parents before children), not following symlinks.
pub fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(root.join(&rel)) else {
            continue;
        };
        for e in rd.flatten() {
            let child = rel.join(e.file_name());
            if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                stack.push(child.clone());
            }
            out.push(child);
        }
    }
    out.sort();
    out
}

/// An image layer with `etc/motd` and `etc/gone`, under a container layer that rewrites
/// `etc/motd`, deletes `etc/gone` (overlay whiteout) and adds `new`.
#[cfg(test)]
pub(crate) fn sample_view(dir: &std::path::Path) -> LayerView {
    let lower = dir.join("lower");
    let upper = dir.join("upper");
    std::fs::create_dir_all(lower.join("etc")).unwrap();
    std::fs::write(lower.join("etc/motd"), "old").unwrap();
    std::fs::write(lower.join("etc/gone"), "x").unwrap();
    std::fs::create_dir_all(upper.join("etc")).unwrap();
    std::fs::write(upper.join("etc/motd"), "new").unwrap();
    std::fs::write(upper.join("new"), "x").unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        upper.join("etc/gone"),
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::empty(),
        0,
    )
    .unwrap();
    LayerView {
        upper,
        lowers: vec![lower],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mount_data() {
        let v =
            LayerView::from_mount_data("lowerdir=/a:/b,upperdir=/u,workdir=/w", Path::new("/x"));
        assert_eq!(v.upper, PathBuf::from("/u"));
        assert_eq!(v.lowers, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
    }

    #[test]
    fn lower_lookup() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("l1/etc")).unwrap();
        std::fs::write(d.path().join("l1/etc/passwd"), "x").unwrap();
        let v = LayerView {
            upper: d.path().join("u"),
            lowers: vec![d.path().join("l1")],
        };
        assert!(v.in_lowers(Path::new("etc/passwd")));
        assert!(!v.in_lowers(Path::new("etc/nope")));
    }
}
