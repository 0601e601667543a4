//! Docker's `AuthConfig`: the credentials a client hands the daemon in `X-Registry-Auth`
//! (base64url JSON) and in the body of `POST /auth`.

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{CredentialsError, Result};

/// Credentials for one registry, in Docker's JSON shape. All fields empty means anonymous.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthConfig {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password: String,
    /// base64 of `user:pass`, as config.json stores it; some clients send only this.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub auth: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    #[serde(
        default,
        rename = "serveraddress",
        skip_serializing_if = "String::is_empty"
    )]
    pub server_address: String,
    /// An OAuth2 refresh token (Docker Desktop style logins).
    #[serde(
        default,
        rename = "identitytoken",
        skip_serializing_if = "String::is_empty"
    )]
    pub identity_token: String,
    /// A bearer token to send to the registry as is.
    #[serde(
        default,
        rename = "registrytoken",
        skip_serializing_if = "String::is_empty"
    )]
    pub registry_token: String,
}

// Never print secrets, even in debug logs.
impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("username", &self.username)
            .field("server_address", &self.server_address)
            .field("has_password", &!self.password.is_empty())
            .field("has_identity_token", &!self.identity_token.is_empty())
            .field("has_registry_token", &!self.registry_token.is_empty())
            .finish()
    }
}

impl AuthConfig {
    /// Anonymous access.
    pub fn anonymous() -> AuthConfig {
        AuthConfig::default()
    }

    /// Username and password for `server_address`.
    pub fn basic(
        username: impl Into<String>,
        password: impl Into<String>,
        server_address: impl Into<String>,
    ) -> AuthConfig {
        AuthConfig {
            username: username.into(),
            password: password.into(),
            server_address: server_address.into(),
            ..AuthConfig::default()
        }
    }

    /// Decodes an `X-Registry-Auth` header: base64url (padded or not) or standard base64 of the
    /// JSON object. An empty header or `e30=` (`{}`) is anonymous.
    pub fn from_header(value: &str) -> Result<AuthConfig> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(AuthConfig::anonymous());
        }
        let json = URL_SAFE
            .decode(value)
            .or_else(|_| URL_SAFE_NO_PAD.decode(value))
            .or_else(|_| STANDARD.decode(value))
            .map_err(|e| CredentialsError::InvalidCredentials(format!("bad base64: {e}")))?;
        let mut auth: AuthConfig = serde_json::from_slice(&json)
            .map_err(|e| CredentialsError::InvalidCredentials(format!("bad JSON: {e}")))?;
        auth.fill_from_auth_field()?;
        Ok(auth)
    }

    /// Encodes as the `X-Registry-Auth` header the docker CLI sends (base64url of the JSON).
    pub fn to_header(&self) -> String {
        // Serialising a struct of strings cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec());
        URL_SAFE.encode(json)
    }

    /// When only `auth` (base64 `user:pass`) is set, splits it into username and password.
    pub fn fill_from_auth_field(&mut self) -> Result<()> {
        if !self.username.is_empty() || self.auth.is_empty() {
            return Ok(());
        }
        let (user, pass) = decode_basic(&self.auth)?;
        self.username = user;
        self.password = pass;
        Ok(())
    }

    /// True when no credential of any kind is present.
    pub fn is_anonymous(&self) -> bool {
        self.username.is_empty()
            && self.password.is_empty()
            && self.auth.is_empty()
            && self.identity_token.is_empty()
            && self.registry_token.is_empty()
    }
}

/// base64 of `user:pass`, the `auth` field of config.json.
pub fn encode_basic(username: &str, password: &str) -> String {
    STANDARD.encode(format!("{username}:{password}"))
}

/// Splits the `auth` field of config.json back into username and password.
pub fn decode_basic(auth: &str) -> Result<(String, String)> {
    let bytes = STANDARD
        .decode(auth.trim())
        .map_err(|e| CredentialsError::InvalidCredentials(format!("bad base64 in auth: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CredentialsError::InvalidCredentials("auth is not UTF-8".to_string()))?;
    match text.split_once(':') {
        Some((user, pass)) => Ok((user.to_string(), pass.to_string())),
        None => Err(CredentialsError::InvalidCredentials(
            "auth is not user:password".to_string(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_cli_header() {
        // What docker 28 sends: base64url of {"username","password","serveraddress"}.
        let json =
            r#"{"username":"testuser","password":"p+s/w?","serveraddress":"127.0.0.1:5000"}"#;
        let header = URL_SAFE.encode(json);
        let auth = AuthConfig::from_header(&header).unwrap();
        assert_eq!(auth.username, "testuser");
        assert_eq!(auth.password, "p+s/w?");
        assert_eq!(auth.server_address, "127.0.0.1:5000");
        assert!(!auth.is_anonymous());
    }

    #[test]
    fn accepts_standard_and_unpadded_base64() {
        let json = r#"{"username":"u","password":"~~~>>>","serveraddress":"h"}"#;
        for header in [STANDARD.encode(json), URL_SAFE_NO_PAD.encode(json)] {
            let auth = AuthConfig::from_header(&header).unwrap();
            assert_eq!(
                (auth.username.as_str(), auth.password.as_str()),
                ("u", "~~~>>>")
            );
        }
    }

    #[test]
    fn empty_object_and_empty_header_are_anonymous() {
        assert!(AuthConfig::from_header("e30=").unwrap().is_anonymous());
        assert!(AuthConfig::from_header("").unwrap().is_anonymous());
    }

    #[test]
    fn identity_token_and_auth_field() {
        let json = format!(
            r#"{{"auth":"{}","identitytoken":"tok","serveraddress":"https://index.docker.io/v1/"}}"#,
            encode_basic("alice", "se:cret")
        );
        let auth = AuthConfig::from_header(&URL_SAFE.encode(json)).unwrap();
        assert_eq!(auth.username, "alice");
        assert_eq!(auth.password, "se:cret", "only the first colon separates");
        assert_eq!(auth.identity_token, "tok");
    }

    #[test]
    fn garbage_is_invalid_argument() {
        use errdefs::{ErrorKind, HasKind};
        let err = AuthConfig::from_header("!!!not base64").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        let err = AuthConfig::from_header(&URL_SAFE.encode("[1,2]")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
        assert!(
            err.to_string()
                .starts_with("invalid registry credentials: bad JSON: "),
            "{err}"
        );
        let err = decode_basic(&STANDARD.encode("no-colon")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid registry credentials: auth is not user:password"
        );
    }

    #[test]
    fn header_round_trip_and_debug_hides_secrets() {
        let auth = AuthConfig::basic("bob", "hunter2", "127.0.0.1:5000");
        assert_eq!(AuthConfig::from_header(&auth.to_header()).unwrap(), auth);
        assert!(!format!("{auth:?}").contains("hunter2"));
    }
}
