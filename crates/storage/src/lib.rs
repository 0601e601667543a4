//! Container root filesystems: the overlay upper/work dirs of a container and the overlay mount
//! data the runtime mounts inside the container's mount namespace (docs/architecture.md).

mod container_fs;
mod error;

pub use container_fs::{ContainerFs, RootfsPlan, MOUNT_DATA_LIMIT};
pub use error::{Result, StorageError};
