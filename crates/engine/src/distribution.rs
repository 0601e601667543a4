//! The daemon's registry side: one registry client, the layer ↔ blob knowledge, and the
//! transfer limits (dockerd's `max-concurrent-downloads` / `max-concurrent-uploads`).

use std::path::Path;

use registry::{AuthConfig, RegistryClient, RegistryConfig};

use crate::blob_sources::BlobSources;
use crate::engine::RegistrySettings;
use crate::error::{EngineError, Result};
use crate::ingest::{ContentIngest, STALE_PARTIAL_AGE};

pub struct Distribution {
    pub client: RegistryClient,
    pub sources: BlobSources,
    /// Layer blobs being downloaded or verified but not yet unpacked.
    pub ingest: ContentIngest,
    pub max_concurrent_downloads: usize,
    pub max_concurrent_uploads: usize,
}

impl Distribution {
    pub fn new(data_root: &Path, settings: &RegistrySettings) -> Distribution {
        let ingest = ContentIngest::new(data_root);
        ingest.remove_stale_partials(STALE_PARTIAL_AGE);
        Distribution {
            ingest,
            client: RegistryClient::new(RegistryConfig {
                insecure_registries: settings.insecure_registries.clone(),
                ca_dirs: vec![
                    std::path::PathBuf::from("/etc/berth/certs.d"),
                    std::path::PathBuf::from("/etc/docker/certs.d"),
                ],
            }),
            sources: BlobSources::open(data_root),
            max_concurrent_downloads: settings.max_concurrent_downloads.max(1),
            max_concurrent_uploads: settings.max_concurrent_uploads.max(1),
        }
    }
}

/// Credentials from the `X-Registry-Auth` header (empty = anonymous).
pub fn auth_from_header(header: &str) -> Result<AuthConfig> {
    AuthConfig::from_header(header).map_err(|e| EngineError::Registry(e.into()))
}
