//! Where things live on disk (docs/architecture.md, "State on disk").

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Paths {
    pub data_root: PathBuf,
    pub exec_root: PathBuf,
}

impl Paths {
    pub fn containers_dir(&self) -> PathBuf {
        self.data_root.join("containers")
    }
    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.containers_dir().join(id)
    }
    pub fn shims_dir(&self) -> PathBuf {
        self.exec_root.join("shims")
    }
    /// `<exec-root>/shims/<id12>.sock`: 12 chars keep the path under the 108-byte limit.
    pub fn shim_socket(&self, id: &str) -> PathBuf {
        self.shims_dir().join(format!("{}.sock", short_id(id)))
    }
}

/// Files inside a container's directory.
pub struct ContainerFiles<'a>(pub &'a Path);

impl ContainerFiles<'_> {
    pub fn record(&self) -> PathBuf {
        self.0.join("container.json")
    }
    pub fn spec(&self) -> PathBuf {
        self.0.join("config.json")
    }
    pub fn hostname(&self) -> PathBuf {
        self.0.join("hostname")
    }
    pub fn hosts(&self) -> PathBuf {
        self.0.join("hosts")
    }
    pub fn resolv_conf(&self) -> PathBuf {
        self.0.join("resolv.conf")
    }
    pub fn exit(&self) -> PathBuf {
        self.0.join("exit.json")
    }
    pub fn rootfs(&self) -> PathBuf {
        self.0.join("rootfs")
    }
    pub fn log(&self, id: &str) -> PathBuf {
        self.0.join(format!("{id}-json.log"))
    }
}

/// The 12-character short form of an id.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}
