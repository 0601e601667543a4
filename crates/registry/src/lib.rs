//! Registry client for berth: ping and login, manifest and blob pull with verification, blob and
//! manifest push, and Docker's credential formats (`X-Registry-Auth`, `config.json`, helpers).
//! Built on oci-client (design.md §6); the daemon wires it into pull/push.

pub mod auth;
mod blob_stream;
mod client;
pub mod config_json;
mod endpoint;
mod error;
mod login;
pub mod manifest;
mod oci_error;
mod retry;
mod settings;

pub use auth::AuthConfig;
pub use blob_stream::BlobStream;
pub use client::{registry_host, RegistryClient};
pub use error::{RegistryError, Result};
pub use manifest::{Descriptor, Platform, ResolvedManifest};
pub use settings::RegistryConfig;
/// The hasher type `resume_blob_stream` takes.
pub use sha2::Sha256;
