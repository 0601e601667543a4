//! Container root filesystems (the overlay upper/work dirs of a container and the overlay mount
//! data the runtime mounts inside the container's mount namespace, docs/architecture.md), local
//! volumes, and the parsing of a container's mounts (`-v`, `--mount`, `--tmpfs`).

mod container_files;
mod container_fs;
mod error;
mod mount_request;
mod volume_copy;
mod volume_name;
mod volume_store;

pub use container_files::{
    go_file_mode, ContainerFileError, ContainerRoot, ExtractOptions, PathStat,
};
pub use container_fs::{ContainerFs, RootfsPlan, MOUNT_DATA_LIMIT};
pub use error::{Result, StorageError};
pub use mount_request::{
    anonymous_volume, inherited, parse_bind, parse_mount, parse_tmpfs, parse_volumes_from,
    plan_mounts, validate_destination, MountInputs, MountKind, MountRequest,
};
pub use volume_copy::copy_image_content;
pub use volume_name::{anonymous_volume_name, validate_volume_name};
pub use volume_store::{
    local_volume_mount, LocalVolumeMount, NewVolume, VolumeRecord, VolumeStore, LOCAL_DRIVER,
};
