//! Image references as the docker CLI normalizes them for pulls and messages.

use ::credentials::DOCKER_HUB_DOMAIN;

/// A reference split into repository and tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// The repository as the user wrote it (`busybox`, `127.0.0.1:5000/demo/app`).
    pub repository: String,
    /// The tag, `latest` when none was given (empty when a digest is used).
    pub tag: String,
    /// `sha256:...` when the reference was `repo@sha256:...`.
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(reference: &str) -> ImageRef {
        if let Some((repo, digest)) = reference.split_once('@') {
            return ImageRef {
                repository: repo.to_string(),
                tag: String::new(),
                digest: Some(digest.to_string()),
            };
        }
        let last_slash = reference.rfind('/').map(|i| i + 1).unwrap_or(0);
        match reference[last_slash..].rfind(':') {
            Some(colon) => {
                let at = last_slash + colon;
                ImageRef {
                    repository: reference[..at].to_string(),
                    tag: reference[at + 1..].to_string(),
                    digest: None,
                }
            }
            None => ImageRef {
                repository: reference.to_string(),
                tag: "latest".to_string(),
                digest: None,
            },
        }
    }

    /// True when `reference` has neither a tag nor a digest (docker then says "Using default tag").
    pub fn is_name_only(reference: &str) -> bool {
        let last = &reference[reference.rfind('/').map_or(0, |i| i + 1)..];
        !reference.contains('@') && !last.contains(':')
    }

    /// `busybox:latest`, as in "Unable to find image 'busybox:latest' locally".
    pub fn familiar(&self) -> String {
        match &self.digest {
            Some(d) => format!("{}@{d}", self.repository),
            None => format!("{}:{}", self.repository, self.tag),
        }
    }

    /// The fully qualified repository docker sends in `fromImage` (`docker.io/library/busybox`).
    pub fn full_repository(&self) -> String {
        let repo = &self.repository;
        if explicit_domain(repo).is_some() {
            repo.clone()
        } else if repo.contains('/') {
            format!("{DOCKER_HUB_DOMAIN}/{repo}")
        } else {
            format!("{DOCKER_HUB_DOMAIN}/library/{repo}")
        }
    }
}

/// The registry a repository name starts with, as docker's `splitDockerDomain` decides: a first
/// component holding a `.` or a `:`, or `localhost`. `None` for Docker Hub names.
pub fn explicit_domain(repository: &str) -> Option<&str> {
    let (first, _) = repository.split_once('/')?;
    (first.contains('.') || first.contains(':') || first == "localhost").then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_tags_after_the_last_slash() {
        let r = ImageRef::parse("busybox");
        assert_eq!(
            (r.repository.as_str(), r.tag.as_str()),
            ("busybox", "latest")
        );
        assert_eq!(r.familiar(), "busybox:latest");
        assert_eq!(r.full_repository(), "docker.io/library/busybox");
        let r = ImageRef::parse("127.0.0.1:5000/demo/missing:1");
        assert_eq!(
            (r.repository.as_str(), r.tag.as_str()),
            ("127.0.0.1:5000/demo/missing", "1")
        );
        assert_eq!(r.full_repository(), "127.0.0.1:5000/demo/missing");
        let r = ImageRef::parse("localhost:5000/app");
        assert_eq!(
            (r.repository.as_str(), r.tag.as_str()),
            ("localhost:5000/app", "latest")
        );
        assert_eq!(
            ImageRef::parse("user/app:v2").full_repository(),
            "docker.io/user/app"
        );
        assert!(ImageRef::is_name_only("127.0.0.1:5000/demo/app"));
        assert!(!ImageRef::is_name_only("127.0.0.1:5000/demo/app:1"));
        assert!(!ImageRef::is_name_only("app@sha256:abc"));
        let r = ImageRef::parse("busybox@sha256:abc");
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
    }
}
