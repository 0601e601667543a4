//! Where a registry host is reached: HTTPS, or — for insecure registries — HTTPS tried first
//! and plain HTTP when TLS fails, as dockerd does (transcript 11a: a TLS hello, a 400, then HTTP).

use std::time::Duration;

use crate::error::{RegistryError, Result};
use crate::settings::RegistryConfig;

pub(crate) const USER_AGENT: &str = concat!("berth/", env!("CARGO_PKG_VERSION"));
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the TLS probe of an insecure registry may take before we try plain HTTP.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Https,
    Http,
}

impl Scheme {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scheme::Https => "https",
            Scheme::Http => "http",
        }
    }
}

/// A resolved registry endpoint and the HTTP client configured for it.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub host: String,
    pub scheme: Scheme,
    pub insecure: bool,
    pub ca_certificates: Vec<Vec<u8>>,
    pub http: reqwest::Client,
    /// The scheme was seen to answer; an unconfirmed choice (registry down) is not cached.
    pub confirmed: bool,
}

impl Endpoint {
    /// `http://127.0.0.1:5000/v2/`
    pub fn v2_url(&self) -> String {
        format!("{}://{}/v2/", self.scheme.as_str(), self.host)
    }

    /// Resolves `host` (the registry domain of a reference, e.g. `127.0.0.1:5000`).
    pub async fn resolve(config: &RegistryConfig, host: &str) -> Result<Endpoint> {
        let ca_certificates = config.ca_certificates(host)?;
        let insecure = config.is_insecure(host) || resolves_insecure(config, host).await;
        let http = http_client(&ca_certificates, insecure)?;
        // Secure registries are HTTPS only; insecure ones are HTTPS if TLS answers.
        let (scheme, confirmed) = if !insecure || answers(&http, Scheme::Https, host).await {
            (Scheme::Https, true)
        } else {
            (Scheme::Http, answers(&http, Scheme::Http, host).await)
        };
        tracing::debug!(
            host,
            scheme = scheme.as_str(),
            insecure,
            "registry endpoint"
        );
        Ok(Endpoint {
            host: host.to_string(),
            scheme,
            insecure,
            ca_certificates,
            http,
            confirmed,
        })
    }
}

/// A reqwest client trusting the system roots plus `certs.d` CAs; insecure registries skip verification.
fn http_client(ca_certificates: &[Vec<u8>], insecure: bool) -> Result<reqwest::Client> {
    let mut certs = Vec::new();
    for pem in ca_certificates {
        certs.push(reqwest::Certificate::from_pem(pem).map_err(|e| {
            RegistryError::Io(std::io::Error::other(format!("bad CA certificate: {e}")))
        })?);
    }
    reqwest::Client::builder()
        .tls_certs_merge(certs)
        .danger_accept_invalid_certs(insecure)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| RegistryError::Registry(format!("cannot build HTTP client: {e}")))
}

/// Whether `<scheme>://host/v2/` answers at all (any status): a plain-HTTP registry fails the
/// TLS handshake, and a down registry fails both.
async fn answers(http: &reqwest::Client, scheme: Scheme, host: &str) -> bool {
    let url = format!("{}://{host}/v2/", scheme.as_str());
    match http.get(&url).timeout(PROBE_TIMEOUT).send().await {
        Ok(_) => true,
        Err(e) => {
            tracing::debug!(%e, host, scheme = scheme.as_str(), "registry probe failed");
            false
        }
    }
}

/// For a host name (not an IP literal) and CIDR entries: whether an address it resolves to is insecure.
async fn resolves_insecure(config: &RegistryConfig, host: &str) -> bool {
    let bare = crate::settings::strip_port(host);
    if !config.has_cidrs() || bare.parse::<std::net::IpAddr>().is_ok() {
        return false;
    }
    match tokio::net::lookup_host((bare, 0)).await {
        Ok(addrs) => addrs.into_iter().any(|a| config.is_insecure_ip(a.ip())),
        Err(e) => {
            tracing::debug!(%e, host, "cannot resolve registry host");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn host_names_are_resolved_against_cidrs() {
        let with_cidr = RegistryConfig {
            insecure_registries: vec!["10.0.0.0/8".into()],
            ca_dirs: vec![],
        };
        // /etc/hosts answers for localhost: no network traffic.
        assert!(resolves_insecure(&with_cidr, "localhost:5000").await);
        assert!(
            !resolves_insecure(&RegistryConfig::default(), "localhost:5000").await,
            "no CIDR configured: no lookup"
        );
        assert!(
            !resolves_insecure(&with_cidr, "10.1.1.1:5000").await,
            "IP literals are not looked up"
        );
    }
}
