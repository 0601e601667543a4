//! `POST /auth`: checks credentials against the registry, as dockerd does (nothing is stored on
//! the daemon side; the CLI keeps them in its config.json).

use registry::AuthConfig;
use serde::Deserialize;

use crate::engine::Engine;
use crate::error::Result;

/// The `POST /auth` body (Docker's `AuthConfig`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    pub auth: String,
    pub email: String,
    pub serveraddress: String,
    pub identitytoken: String,
    pub registrytoken: String,
}

impl Engine {
    /// `Ok` when the registry accepts the credentials; the refusal is the registry crate's
    /// `login attempt to … failed with status: 401 Unauthorized` (a 500, as in dockerd).
    pub async fn login(&self, request: LoginRequest) -> Result<()> {
        let mut auth = AuthConfig::basic(
            request.username,
            request.password,
            request.serveraddress.clone(),
        );
        auth.auth = request.auth;
        auth.email = request.email;
        auth.identity_token = request.identitytoken;
        auth.registry_token = request.registrytoken;
        auth.fill_from_auth_field()
            .map_err(registry::RegistryError::from)?;
        let server = if request.serveraddress.is_empty() {
            "https://index.docker.io/v1/".to_string()
        } else {
            request.serveraddress
        };
        self.inner.distribution.client.login(&server, &auth).await?;
        Ok(())
    }
}
