//! The daemon's registry side: one registry client, the layer ↔ blob knowledge, and the
//! transfer limits (dockerd's `max-concurrent-downloads` / `max-concurrent-uploads`).

use std::path::Path;

use registry::{AuthConfig, RegistryClient, RegistryConfig};

use crate::blob_sources::BlobSources;
use crate::error::{EngineError, Result};

pub struct Distribution {
    pub client: RegistryClient,
    pub sources: BlobSources,
    pub max_concurrent_downloads: usize,
    pub max_concurrent_uploads: usize,
}

impl Distribution {
    /// Settings from the environment until berthd grows flags: `BERTH_INSECURE_REGISTRIES`
    /// (comma-separated; 127.0.0.0/8 is always insecure), `BERTH_MAX_CONCURRENT_DOWNLOADS`.
    pub fn new(data_root: &Path) -> Distribution {
        let insecure_registries = std::env::var("BERTH_INSECURE_REGISTRIES")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let limit = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|n| *n > 0)
                .unwrap_or(default)
        };
        Distribution {
            client: RegistryClient::new(RegistryConfig {
                insecure_registries,
                ca_dirs: vec![
                    std::path::PathBuf::from("/etc/berth/certs.d"),
                    std::path::PathBuf::from("/etc/docker/certs.d"),
                ],
            }),
            sources: BlobSources::open(data_root),
            max_concurrent_downloads: limit("BERTH_MAX_CONCURRENT_DOWNLOADS", 3),
            max_concurrent_uploads: limit("BERTH_MAX_CONCURRENT_UPLOADS", 5),
        }
    }
}

/// Credentials from the `X-Registry-Auth` header (empty = anonymous).
pub fn auth_from_header(header: &str) -> Result<AuthConfig> {
    AuthConfig::from_header(header).map_err(EngineError::from)
}
