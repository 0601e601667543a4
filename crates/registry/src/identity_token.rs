//! Docker's identity tokens: an OAuth2 refresh token stored instead of a password (by credential
//! helpers and SSO logins). dockerd exchanges it at the token realm (`grant_type=refresh_token`)
//! for an access token; oci-client then uses that token as Bearer auth.

use reqwest::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use reqwest::StatusCode;

use crate::endpoint::Endpoint;
use crate::error::{RegistryError, Result};
use crate::login::Challenge;
use crate::retry::{is_transient_http, with_retries};

/// An access token for `scope` (e.g. `repository:a/b:pull,push`; `None` for a login check).
pub(crate) async fn exchange(
    endpoint: &Endpoint,
    refresh_token: &str,
    scope: Option<&str>,
) -> Result<String> {
    let url = endpoint.v2_url();
    let probe = with_retries("registry request", is_transient_http, || {
        endpoint.http.get(&url).send()
    })
    .await
    .map_err(|e| RegistryError::Unreachable(format!("Get \"{url}\": {e}")))?;
    let challenge = probe
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(Challenge::parse);
    let Some(Challenge::Bearer { realm, service }) = challenge else {
        return Err(RegistryError::Unauthorized(format!(
            "{url}: an identity token needs a registry with token authentication"
        )));
    };
    let mut form: Vec<(&str, &str)> = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", "berth"),
        ("access_type", "offline"),
    ];
    if let Some(service) = service.as_deref() {
        form.push(("service", service));
    }
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let body = serde_urlencoded::to_string(&form)
        .map_err(|e| RegistryError::Registry(format!("cannot encode token request: {e}")))?;
    let response = with_retries("token request", is_transient_http, || {
        endpoint
            .http
            .post(&realm)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body.clone())
            .send()
    })
    .await
    .map_err(|e| RegistryError::Unreachable(format!("Post \"{realm}\": {e}")))?;
    if response.status() != StatusCode::OK {
        return Err(RegistryError::LoginFailed {
            url: realm,
            status: response.status().to_string(),
        });
    }
    #[derive(serde::Deserialize)]
    struct TokenResponse {
        #[serde(default)]
        access_token: String,
    }
    let token: TokenResponse = response
        .json()
        .await
        .map_err(|e| RegistryError::Registry(format!("bad token response from {realm}: {e}")))?;
    if token.access_token.is_empty() {
        return Err(RegistryError::Registry(format!(
            "token response from {realm} has no access_token"
        )));
    }
    Ok(token.access_token)
}
