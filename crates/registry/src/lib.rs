//! Registry client for berth: ping and login, manifest and blob pull with verification, blob and
//! manifest push. Built on oci-client (design.md §6); the engine wires it into pull/push.
//! Docker's credential formats (`X-Registry-Auth`, `config.json`, helpers) are the
//! `credentials` crate, which the CLI uses without this crate's TLS stack.
//!
//! Typical pull, as the engine does it:
//! 1. `RegistryClient::new(RegistryConfig { insecure_registries, ca_dirs })`, once per daemon.
//! 2. `AuthConfig::from_header(x_registry_auth)` for the request's credentials.
//! 3. `pull_manifest(&reference, &auth, &Platform::default())` → [`ResolvedManifest`] with the
//!    raw manifest bytes and digest (for `RepoDigests`), the config and layer descriptors.
//! 4. `fetch_config` (verified bytes), then `blob_stream` per layer: the stream yields data as it
//!    arrives and ends with an error if the size or digest is wrong, so commit only after `None`.
//!    After a broken connection, `resume_blob_stream(…, offset, hasher)` continues with a range request.
//!
//! Push: `blob_exists` → `mount_blob` (same registry, other repository) → `push_blob` (stream)
//! or `push_blob_bytes`, then `push_manifest` with the exact bytes, which returns their digest.
//!
//! Errors implement [`errdefs::HasKind`] so that the API server answers as dockerd does:
//! unknown manifest → 404 `manifest for … not found: manifest unknown: …`, failed login →
//! 500 `login attempt to http://…/v2/ failed with status: 401 Unauthorized`.

mod blob_stream;
mod client;
mod endpoint;
mod error;
mod identity_token;
mod login;
pub mod manifest;
mod oci_error;
mod retry;
mod settings;
pub mod url_download;

pub use blob_stream::BlobStream;
pub use client::RegistryClient;
/// Credentials live in the `credentials` crate (no network stack, for the CLI); re-exported for
/// the daemon's callers of the registry client.
pub use credentials::{registry_host, AuthConfig, CredentialsError};
pub use error::{RegistryError, Result};
pub use login::Challenge;
pub use manifest::{Descriptor, Platform, ResolvedManifest};
pub use settings::RegistryConfig;
/// The hasher type `resume_blob_stream` takes.
pub use sha2::Sha256;
