//! `POST /auth`: checks credentials against a registry's `/v2/` the way dockerd's `loginV2` does,
//! with Basic auth or the Bearer token flow announced in `WWW-Authenticate`.

use reqwest::header::WWW_AUTHENTICATE;
use reqwest::StatusCode;

use crate::endpoint::Endpoint;
use crate::error::{RegistryError, Result};
use crate::retry::{is_transient_http, with_retries};
use credentials::AuthConfig;

/// `GET /v2/` answers 200 or 401: the registry is up and speaks the v2 API.
pub(crate) async fn ping(endpoint: &Endpoint) -> Result<()> {
    let url = endpoint.v2_url();
    let response = get(endpoint, &url, |r| r).await?;
    match response.status() {
        StatusCode::OK | StatusCode::UNAUTHORIZED => Ok(()),
        status => Err(RegistryError::Registry(format!(
            "ping {url} failed with status: {status}"
        ))),
    }
}

/// Validates `auth` against the registry; `Err(LoginFailed)` carries Docker's message.
pub(crate) async fn login(endpoint: &Endpoint, auth: &AuthConfig) -> Result<()> {
    let url = endpoint.v2_url();
    let first = get(endpoint, &url, |r| r).await?;
    if first.status() == StatusCode::OK {
        return Ok(());
    }
    if first.status() != StatusCode::UNAUTHORIZED {
        return Err(login_failed(&url, first.status()));
    }
    let challenge = first
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(Challenge::parse)
        .unwrap_or(Challenge::Basic);
    let response = match challenge {
        Challenge::Basic => {
            get(endpoint, &url, |r| {
                r.basic_auth(&auth.username, Some(&auth.password))
            })
            .await?
        }
        Challenge::Bearer { realm, service } => {
            let token = if auth.registry_token.is_empty() {
                fetch_token(endpoint, auth, &realm, service.as_deref()).await?
            } else {
                auth.registry_token.clone()
            };
            get(endpoint, &url, |r| r.bearer_auth(&token)).await?
        }
    };
    match response.status() {
        StatusCode::OK => Ok(()),
        status => Err(login_failed(&url, status)),
    }
}

/// The token endpoint's answer with Basic credentials (no scope: a login only proves the account).
async fn fetch_token(
    endpoint: &Endpoint,
    auth: &AuthConfig,
    realm: &str,
    service: Option<&str>,
) -> Result<String> {
    let mut query: Vec<(&str, &str)> = vec![("client_id", "berth"), ("offline_token", "true")];
    if let Some(service) = service {
        query.push(("service", service));
    }
    if !auth.username.is_empty() {
        query.push(("account", &auth.username));
    }
    let response = get(endpoint, realm, |r| {
        r.query(&query)
            .basic_auth(&auth.username, Some(&auth.password))
    })
    .await?;
    if response.status() != StatusCode::OK {
        return Err(login_failed(realm, response.status()));
    }
    #[derive(serde::Deserialize)]
    struct TokenResponse {
        #[serde(default)]
        token: String,
        #[serde(default)]
        access_token: String,
    }
    let body: TokenResponse = response
        .json()
        .await
        .map_err(|e| RegistryError::Registry(format!("bad token response from {realm}: {e}")))?;
    match (body.token, body.access_token) {
        (t, _) if !t.is_empty() => Ok(t),
        (_, t) if !t.is_empty() => Ok(t),
        _ => Err(RegistryError::Registry(format!(
            "token response from {realm} has no token"
        ))),
    }
}

fn login_failed(url: &str, status: StatusCode) -> RegistryError {
    RegistryError::LoginFailed {
        url: url.to_string(),
        status: status.to_string(),
    }
}

/// A GET with bounded retries; a connection failure becomes `Unreachable` with Go's wording.
async fn get(
    endpoint: &Endpoint,
    url: &str,
    decorate: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<reqwest::Response> {
    with_retries("registry request", is_transient_http, || {
        decorate(endpoint.http.get(url)).send()
    })
    .await
    .map_err(|e| RegistryError::Unreachable(format!("Get \"{url}\": {e}")))
}

/// The parts of a `WWW-Authenticate` header that login needs.
#[derive(Debug, PartialEq, Eq)]
pub enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

impl Challenge {
    /// Never fails: anything that is not a Bearer challenge with a realm means Basic.
    pub fn parse(header: &str) -> Challenge {
        let header = header.trim();
        let (scheme, params) = header.split_once(' ').unwrap_or((header, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Challenge::Basic;
        }
        let mut realm = None;
        let mut service = None;
        for (key, value) in parse_params(params) {
            match key.to_ascii_lowercase().as_str() {
                "realm" => realm = Some(value),
                "service" => service = Some(value),
                _ => {}
            }
        }
        match realm {
            Some(realm) => Challenge::Bearer { realm, service },
            None => Challenge::Basic,
        }
    }
}

/// `k="v", k2=v2` → pairs; quoted values may hold commas and `\"`.
fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim().trim_start_matches(',').trim().to_string();
        rest = &rest[eq + 1..];
        let mut value = String::new();
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            rest = &quoted[end..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        out.push((key, value));
        rest = rest.trim_start().trim_start_matches(',').trim_start();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_challenges() {
        assert_eq!(
            Challenge::parse(r#"Basic realm="basic-realm""#),
            Challenge::Basic
        );
        assert_eq!(
            Challenge::parse(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push""#
            ),
            Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
            }
        );
        assert_eq!(
            Challenge::parse(r#"bearer service=svc, realm="http://127.0.0.1:9/t\"x""#),
            Challenge::Bearer {
                realm: "http://127.0.0.1:9/t\"x".into(),
                service: Some("svc".into()),
            }
        );
        assert_eq!(
            Challenge::parse("Bearer service=x"),
            Challenge::Basic,
            "no realm"
        );
    }

    #[test]
    fn quoted_values_keep_commas_equals_quotes_and_backslashes() {
        assert_eq!(
            Challenge::parse(r#"Bearer realm="a\"b\\c,d=e",service=" x y ""#),
            Challenge::Bearer {
                realm: r#"a"b\c,d=e"#.into(),
                service: Some(" x y ".into()),
            }
        );
    }
}
