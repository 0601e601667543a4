//! How Docker names a registry: the domain in image references (`docker.io`, `h:5000`) versus
//! the server address logins are stored under (`https://index.docker.io/v1/`, `h:5000`).

/// Docker Hub's domain in image references. The same value as `image::DEFAULT_DOMAIN`, repeated
/// here so that this crate (and the CLI) does not depend on the image store; a test in the
/// `registry` crate keeps the two equal.
pub const DOCKER_HUB_DOMAIN: &str = "docker.io";

/// The key Docker uses for Docker Hub in `auths` and with credential helpers.
pub const INDEX_SERVER: &str = "https://index.docker.io/v1/";

/// `https://index.docker.io/v1/`, `http://h:5000/v2/`, `h:5000` → the registry domain (`docker.io`, `h:5000`).
pub fn registry_host(server_address: &str) -> String {
    let s = server_address.trim();
    let s = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .unwrap_or(s);
    let host = s.split('/').next().unwrap_or(s);
    match host {
        "index.docker.io" | "registry-1.docker.io" | "" => DOCKER_HUB_DOMAIN.to_string(),
        h => h.to_string(),
    }
}

/// The config key for a registry domain: Docker Hub's is [`INDEX_SERVER`], others are `host[:port]`.
pub fn server_key(domain: &str) -> String {
    match registry_host(domain).as_str() {
        DOCKER_HUB_DOMAIN => INDEX_SERVER.to_string(),
        host => host.to_string(),
    }
}

/// Whether two spellings name the same registry (`old:5000` and `http://old:5000/v2/`).
pub(crate) fn same_server(a: &str, b: &str) -> bool {
    registry_host(a) == registry_host(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_to_hosts() {
        assert_eq!(registry_host("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(registry_host("registry-1.docker.io"), "docker.io");
        assert_eq!(registry_host("127.0.0.1:5000"), "127.0.0.1:5000");
        assert_eq!(registry_host("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
    }

    #[test]
    fn keys_follow_docker() {
        assert_eq!(server_key("docker.io"), INDEX_SERVER);
        assert_eq!(server_key(INDEX_SERVER), INDEX_SERVER);
        assert_eq!(server_key("127.0.0.1:5000"), "127.0.0.1:5000");
        assert!(same_server("http://old:5000/v2/", "old:5000"));
        assert!(!same_server("old:5000", "old:5001"));
    }
}
