//! The image store: references, image configs, content blobs, layers, repositories.json, the
//! secure layer applier and `import`. State layout: see docs/architecture.md.

mod apply;
mod archive;
mod archive_oci;
mod archive_save;
mod archive_tar;
mod atomic;
mod build_commit;
mod changes;
mod commit;
mod compression;
mod config;
mod delete;
mod diff_tar;
mod digest;
mod error;
mod ingest;
mod layer_gc;
mod layer_size;
mod layer_store;
mod oci_layout;
mod reference;
mod rooted;
mod store;
mod tar_split;

pub use apply::{
    apply_layer, apply_layer_with, extract_archive_at, ExtractOptions, LayerStats, WhiteoutMode,
};
pub use archive::{LayerLoadProgress, LoadedImage};
pub use changes::apply_changes;
pub use commit::CommitOptions;
pub use config::{ContainerConfig, Healthcheck, History, ImageConfig, RootFs};
pub use delete::{DeleteItem, ImageUser};
pub use diff_tar::write_layer_tar;
pub use digest::{chain_id, chain_ids, sha256_digest, ImageId};
pub use error::{ImageError, Result};
pub use layer_gc::{LayerGcHooks, LayerLease, RemovedLayer};
pub use reference::{Reference, DEFAULT_DOMAIN, DEFAULT_TAG};
pub use store::{Image, ImageStore};
