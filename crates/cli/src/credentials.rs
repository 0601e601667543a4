//! Stored registry credentials for the CLI: which registry a reference names, and the
//! `X-Registry-Auth` header docker sends for it. The config.json format (and credential helpers)
//! is the `credentials` crate.

// `::credentials` is the crate; this module shares its name.
use ::credentials::{
    default_path, server_key, AuthConfig, ConfigFile, DOCKER_HUB_DOMAIN, INDEX_SERVER,
};

use crate::reference::explicit_domain;
use crate::CliError;

/// The registry host of a repository name as the user wrote it (`docker.io` when none).
pub fn registry_of(repository: &str) -> String {
    explicit_domain(repository)
        .unwrap_or(DOCKER_HUB_DOMAIN)
        .to_string()
}

/// How docker names a registry in messages and config keys: Docker Hub is
/// `https://index.docker.io/v1/`, others `host[:port]`.
pub fn server_display(server: &str) -> String {
    server_key(server)
}

/// The configuration file `login` writes: `$BERTH_CONFIG`, `$DOCKER_CONFIG`, `~/.docker`.
pub fn config_file() -> Result<ConfigFile, CliError> {
    let path = default_path()
        .ok_or_else(|| CliError::message("cannot find the config directory: HOME is not set"))?;
    ConfigFile::load(path).map_err(|e| CliError::message(e.to_string()))
}

/// The `X-Registry-Auth` value for pulling or pushing `repository`: the stored credentials as
/// base64url JSON, `e30=` (`{}`) when there are none or they cannot be read.
pub fn registry_auth_header(repository: &str) -> String {
    let server = registry_of(repository);
    let stored = config_file()
        .ok()
        .and_then(|config| config.get(&server).ok().flatten());
    match stored {
        Some(auth) if !auth.is_anonymous() => auth_header(&auth),
        _ => client::ANONYMOUS_AUTH.to_string(),
    }
}

/// docker's `{"username","password","serveraddress"}` (plus the identity token when one was
/// stored) as base64url.
pub fn auth_header(auth: &AuthConfig) -> String {
    let sent = AuthConfig {
        username: auth.username.clone(),
        password: auth.password.clone(),
        server_address: auth.server_address.clone(),
        identity_token: auth.identity_token.clone(),
        ..AuthConfig::default()
    };
    sent.to_header()
}

/// True when the config names a credential helper for `server` (then no plaintext warning).
pub fn uses_credential_helper(path: &std::path::Path, server: &str) -> bool {
    let Ok(text) = std::fs::read(path) else {
        return false;
    };
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return false;
    };
    let key = server_display(server);
    let store = doc
        .get("credsStore")
        .and_then(|v| v.as_str())
        .is_some_and(|s| !s.is_empty());
    let helper = doc
        .get("credHelpers")
        .and_then(|h| h.get(&key))
        .and_then(|v| v.as_str())
        .is_some_and(|s| !s.is_empty());
    store || helper
}

/// The default login server.
pub fn default_server() -> &'static str {
    INDEX_SERVER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_of_references() {
        assert_eq!(registry_of("busybox"), "docker.io");
        assert_eq!(registry_of("user/app"), "docker.io");
        assert_eq!(registry_of("127.0.0.1:5000/demo/busybox"), "127.0.0.1:5000");
        assert_eq!(registry_of("localhost/app"), "localhost");
        assert_eq!(registry_of("prof.example/fr/iut"), "prof.example");
    }

    #[test]
    fn header_matches_the_docker_cli() {
        let auth = AuthConfig::basic("testuser", "testpass", "127.0.0.1:5000");
        assert_eq!(
            auth_header(&auth),
            "eyJ1c2VybmFtZSI6InRlc3R1c2VyIiwicGFzc3dvcmQiOiJ0ZXN0cGFzcyIsInNlcnZlcmFkZHJlc3MiOiIxMjcuMC4wLjE6NTAwMCJ9"
        );
    }
}
