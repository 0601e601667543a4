//! Docker's credential formats, shared by the daemon and the CLI: the `X-Registry-Auth` header
//! ([`AuthConfig`]), the client's `config.json` ([`ConfigFile`]) and `docker-credential-*`
//! helpers. A crate of its own, without any network dependency, so that the `berth` CLI stores
//! and sends credentials without linking the registry client's TLS stack.
//!
//! The CLI: `ConfigFile::load(default_path()?)`, then `get`/`store`/`erase` per server, and
//! `AuthConfig::to_header` for the requests. The daemon: `AuthConfig::from_header` on
//! `X-Registry-Auth`; a malformed header is [`errdefs::ErrorKind::InvalidArgument`] (400).

pub mod auth;
pub mod config_json;
mod error;
mod helper;
mod server_address;

pub use auth::{decode_basic, encode_basic, AuthConfig};
pub use config_json::{default_path, ConfigFile};
pub use error::{CredentialsError, Result};
pub use server_address::{registry_host, server_key, DOCKER_HUB_DOMAIN, INDEX_SERVER};
