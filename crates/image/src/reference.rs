//! Image references (`busybox`, `localhost:5000/team/app:1.0`, `name@sha256:…`), parsed and normalized
//! like Docker's `distribution/reference` (`ParseNormalizedNamed`, `FamiliarString`).

use std::fmt;

use crate::error::{ImageError, Result};

/// The registry Docker assumes when a name has no domain.
pub const DEFAULT_DOMAIN: &str = "docker.io";
/// The namespace Docker Hub puts single-component names in.
const OFFICIAL_REPO_PREFIX: &str = "library/";
/// The tag Docker adds when a name has neither tag nor digest.
pub const DEFAULT_TAG: &str = "latest";
/// Docker's limit on the length of a repository name (domain + path).
const NAME_MAX: usize = 255;

const INVALID_FORMAT: &str = "invalid reference format";

/// A normalized, named image reference: a domain, a path, an optional tag and an optional digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    domain: String,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// Parses a reference as the docker CLI and dockerd do (`ParseNormalizedNamed`): a missing domain
    /// becomes `docker.io`, a single component on Docker Hub gets `library/`. No default tag is added;
    /// see [`Reference::with_default_tag`].
    pub fn parse(s: &str) -> Result<Reference> {
        if is_full_hex_id(s) {
            return Err(ImageError::InvalidReference(format!(
                "invalid repository name ({s}), cannot specify 64-byte hexadecimal strings"
            )));
        }
        let (domain, remainder) = split_docker_domain(s);
        let remote = match remainder.find(':') {
            Some(i) => &remainder[..i],
            None => remainder.as_str(),
        };
        if remote.to_lowercase() != remote {
            return Err(ImageError::InvalidReference(format!(
                "{INVALID_FORMAT}: repository name ({remote}) must be lowercase"
            )));
        }
        parse_parts(&domain, &remainder)
    }

    /// Builds a reference from a repository (`busybox`, `docker.io/library/busybox`) and a tag, as the
    /// `repo`/`tag` query parameters of `tag`, `commit` and `import` give them. An empty tag means
    /// the repository's own tag, or `latest`.
    pub fn from_repo_tag(repo: &str, tag: &str) -> Result<Reference> {
        let reference = Reference::parse(repo)?;
        if tag.is_empty() {
            return Ok(reference.with_default_tag());
        }
        if reference.digest.is_some() {
            return Err(ImageError::InvalidReference(
                "cannot combine a digest reference with a tag".to_string(),
            ));
        }
        if !is_valid_tag(tag) {
            return Err(ImageError::InvalidReference(format!(
                "{INVALID_FORMAT}: invalid tag {tag:?}"
            )));
        }
        Ok(Reference {
            tag: Some(tag.to_string()),
            ..reference
        })
    }

    /// The registry domain, e.g. `docker.io` or `localhost:5000`.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The repository path inside the registry, e.g. `library/busybox`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The fully qualified repository name, e.g. `docker.io/library/busybox`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// The repository name as Docker displays it, e.g. `busybox` or `localhost:5000/team/app`.
    pub fn familiar_name(&self) -> String {
        if self.domain == DEFAULT_DOMAIN {
            match self.path.strip_prefix(OFFICIAL_REPO_PREFIX) {
                Some(rest) if !rest.contains('/') => rest.to_string(),
                _ => self.path.clone(),
            }
        } else {
            self.name()
        }
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest, e.g. `sha256:<64 hex>`.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// The same reference with `:latest` when it has neither a tag nor a digest (Docker's `TagNameOnly`).
    pub fn with_default_tag(&self) -> Reference {
        let mut r = self.clone();
        if r.tag.is_none() && r.digest.is_none() {
            r.tag = Some(DEFAULT_TAG.to_string());
        }
        r
    }

    /// The same repository with another tag and no digest.
    pub fn with_tag(&self, tag: &str) -> Result<Reference> {
        if !is_valid_tag(tag) {
            return Err(ImageError::InvalidReference(format!(
                "{INVALID_FORMAT}: invalid tag {tag:?}"
            )));
        }
        Ok(Reference {
            domain: self.domain.clone(),
            path: self.path.clone(),
            tag: Some(tag.to_string()),
            digest: None,
        })
    }

    /// The short form Docker displays: `busybox:latest`, `localhost:5000/team/app:1.0`.
    pub fn familiar(&self) -> String {
        self.render(&self.familiar_name())
    }

    fn render(&self, name: &str) -> String {
        let mut s = name.to_string();
        if let Some(tag) = &self.tag {
            s.push(':');
            s.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            s.push('@');
            s.push_str(digest);
        }
        s
    }
}

impl fmt::Display for Reference {
    /// The fully qualified form, e.g. `docker.io/library/busybox:latest` (the key in repositories.json).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&self.name()))
    }
}

impl std::str::FromStr for Reference {
    type Err = ImageError;
    fn from_str(s: &str) -> Result<Reference> {
        Reference::parse(s)
    }
}

/// True for exactly 64 lowercase hex digits (an image id without `sha256:`).
pub(crate) fn is_full_hex_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Docker's `splitDockerDomain`: the first component is a domain when it has a `.` or `:`, is
/// `localhost`, or has an uppercase letter.
fn split_docker_domain(name: &str) -> (String, String) {
    let (mut domain, mut remainder) = match name.find('/') {
        Some(i) => {
            let first = &name[..i];
            if !first.contains(['.', ':']) && first != "localhost" && first.to_lowercase() == first
            {
                (DEFAULT_DOMAIN.to_string(), name.to_string())
            } else {
                (first.to_string(), name[i + 1..].to_string())
            }
        }
        None => (DEFAULT_DOMAIN.to_string(), name.to_string()),
    };
    if domain == "index.docker.io" {
        domain = DEFAULT_DOMAIN.to_string();
    }
    if domain == DEFAULT_DOMAIN && !remainder.contains('/') {
        remainder = format!("{OFFICIAL_REPO_PREFIX}{remainder}");
    }
    (domain, remainder)
}

/// Validates `domain` and splits `remainder` (`path[:tag][@digest]`) like Docker's reference grammar.
fn parse_parts(domain: &str, remainder: &str) -> Result<Reference> {
    let invalid = || ImageError::InvalidReference(INVALID_FORMAT.to_string());
    let (before_digest, digest) = match remainder.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (remainder, None),
    };
    let (path, tag) = match before_digest.rfind(':') {
        Some(i) if !before_digest[i..].contains('/') => {
            (&before_digest[..i], Some(&before_digest[i + 1..]))
        }
        _ => (before_digest, None),
    };
    if !is_valid_domain(domain) || path.is_empty() || !path.split('/').all(is_valid_path_component)
    {
        return Err(invalid());
    }
    if let Some(tag) = tag {
        if !is_valid_tag(tag) {
            return Err(invalid());
        }
    }
    if let Some(digest) = digest {
        validate_digest(digest)?;
    }
    if domain.len() + 1 + path.len() > NAME_MAX {
        return Err(ImageError::InvalidReference(format!(
            "repository name must not be more than {NAME_MAX} characters"
        )));
    }
    Ok(Reference {
        domain: domain.to_string(),
        path: path.to_string(),
        tag: tag.map(str::to_string),
        digest: digest.map(str::to_string),
    })
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        // A separator run: ".", "_", "__" or one or more "-".
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `host(:port)?` where host is dot-separated `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?` or `[ipv6]`.
fn is_valid_domain(d: &str) -> bool {
    let (host, port) = if let Some(rest) = d.strip_prefix('[') {
        match rest.split_once(']') {
            Some((v6, after)) => {
                if v6.is_empty() || !v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
                    return false;
                }
                match after {
                    "" => return true,
                    p => match p.strip_prefix(':') {
                        Some(port) => {
                            return !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                        }
                        None => return false,
                    },
                }
            }
            None => return false,
        }
    } else {
        match d.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if let Some(port) = port {
        if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
        })
}

/// `[\w][\w.-]{0,127}`
pub(crate) fn is_valid_tag(t: &str) -> bool {
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// `algorithm:hex` with a known algorithm and the right length (go-digest's checks and messages).
pub(crate) fn validate_digest(d: &str) -> Result<()> {
    let invalid = |m: &str| Err(ImageError::InvalidReference(m.to_string()));
    let Some((alg, hex)) = d.split_once(':') else {
        return invalid("invalid checksum digest format");
    };
    let want = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ if alg.is_empty() || hex.is_empty() => return invalid("invalid checksum digest format"),
        _ => return invalid("unsupported digest algorithm"),
    };
    if hex.len() != want {
        return invalid("invalid checksum digest length");
    }
    if !hex
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return invalid("invalid checksum digest format");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(s: &str) -> String {
        Reference::parse(s).unwrap().to_string()
    }

    #[test]
    fn normalizes_like_docker() {
        assert_eq!(full("busybox"), "docker.io/library/busybox");
        assert_eq!(full("busybox:1.36"), "docker.io/library/busybox:1.36");
        assert_eq!(full("team/app"), "docker.io/team/app");
        assert_eq!(full("index.docker.io/busybox"), "docker.io/library/busybox");
        assert_eq!(full("localhost/app"), "localhost/app");
        assert_eq!(
            full("localhost:5000/team/app:1.0"),
            "localhost:5000/team/app:1.0"
        );
        assert_eq!(
            full("127.0.0.1:5000/demo/busybox:v1"),
            "127.0.0.1:5000/demo/busybox:v1"
        );
        assert_eq!(full("[::1]:5000/a"), "[::1]:5000/a");
        let r = Reference::parse("busybox").unwrap().with_default_tag();
        assert_eq!(r.to_string(), "docker.io/library/busybox:latest");
        assert_eq!(r.familiar(), "busybox:latest");
        assert_eq!(r.familiar_name(), "busybox");
        assert_eq!(r.path(), "library/busybox");
    }

    #[test]
    fn familiar_form() {
        let f = |s: &str| Reference::parse(s).unwrap().familiar();
        assert_eq!(f("docker.io/library/busybox:latest"), "busybox:latest");
        assert_eq!(f("docker.io/library/a/b:1"), "library/a/b:1");
        assert_eq!(f("docker.io/team/app"), "team/app");
        assert_eq!(
            f("localhost:5000/team/app:1.0"),
            "localhost:5000/team/app:1.0"
        );
    }

    #[test]
    fn digests_and_tags() {
        let hex = "a".repeat(64);
        let r = Reference::parse(&format!("busybox@sha256:{hex}")).unwrap();
        assert_eq!(r.tag(), None);
        assert_eq!(r.digest(), Some(format!("sha256:{hex}").as_str()));
        assert_eq!(
            r.with_default_tag().tag(),
            None,
            "a digest reference gets no default tag"
        );
        let r = Reference::parse(&format!("host:5000/a/b:tag@sha256:{hex}")).unwrap();
        assert_eq!(r.domain(), "host:5000");
        assert_eq!(r.path(), "a/b");
        assert_eq!(r.tag(), Some("tag"));
        assert_eq!(r.familiar(), format!("host:5000/a/b:tag@sha256:{hex}"));
        let err = Reference::parse("busybox@sha256:abc")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "invalid checksum digest length");
        let err = Reference::parse(&format!("busybox@md5:{hex}"))
            .unwrap_err()
            .to_string();
        assert_eq!(err, "unsupported digest algorithm");
    }

    #[test]
    fn rejects_like_docker() {
        let e = |s: &str| Reference::parse(s).unwrap_err().to_string();
        assert_eq!(
            e("UPPER"),
            "invalid reference format: repository name (library/UPPER) must be lowercase"
        );
        assert_eq!(
            e("team/App:1"),
            "invalid reference format: repository name (team/App) must be lowercase"
        );
        assert_eq!(e(""), "invalid reference format");
        assert_eq!(e("busybox:"), "invalid reference format");
        assert_eq!(e("busy box"), "invalid reference format");
        assert_eq!(e("a//b"), "invalid reference format");
        assert_eq!(e("-a"), "invalid reference format");
        assert_eq!(e("a_-b"), "invalid reference format");
        assert_eq!(e("busybox:-tag"), "invalid reference format");
        assert_eq!(
            e(&format!("busybox:{}", "t".repeat(129))),
            "invalid reference format"
        );
        assert_eq!(
            e(&"a".repeat(64)),
            format!(
                "invalid repository name ({}), cannot specify 64-byte hexadecimal strings",
                "a".repeat(64)
            )
        );
        assert!(e(&format!("a/{}", "b".repeat(260))).contains("must not be more than 255"));
        let err = Reference::parse("UPPER").unwrap_err();
        assert_eq!(
            errdefs::HasKind::kind(&err),
            errdefs::ErrorKind::InvalidArgument
        );
    }

    #[test]
    fn separators() {
        assert!(Reference::parse("a.b_c__d-e---f").is_ok());
        assert!(Reference::parse("a..b").is_err());
        assert!(Reference::parse("a___b").is_err());
        assert!(Reference::parse("a.").is_err());
    }

    #[test]
    fn repo_and_tag_parameters() {
        let r = Reference::from_repo_tag("docker.io/library/committed", "v1").unwrap();
        assert_eq!(r.familiar(), "committed:v1");
        let r = Reference::from_repo_tag("imported:v1", "").unwrap();
        assert_eq!(r.familiar(), "imported:v1");
        let r = Reference::from_repo_tag("imported", "").unwrap();
        assert_eq!(r.familiar(), "imported:latest");
        assert!(Reference::from_repo_tag("x", "bad tag").is_err());
    }
}
