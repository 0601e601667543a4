//! Manifests as pulled: Docker schema 2, OCI manifests, manifest lists and OCI indexes. Only the
//! fields needed to fetch content are parsed; the raw bytes are kept because digests are of bytes.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{RegistryError, Result};

pub const DOCKER_MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST_V1_SIGNED: &str =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";
pub const DOCKER_MANIFEST_V1: &str = "application/vnd.docker.distribution.manifest.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
pub const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";

/// What we send in `Accept` for manifests: the four current types, and schema 1 so that we can
/// name it in a clear error instead of getting a confusing 404.
pub(crate) const ACCEPTED_MANIFEST_TYPES: &[&str] = &[
    OCI_MANIFEST,
    OCI_INDEX,
    DOCKER_MANIFEST_V2,
    DOCKER_MANIFEST_LIST,
    DOCKER_MANIFEST_V1_SIGNED,
    DOCKER_MANIFEST_V1,
];

/// A content descriptor (OCI `descriptor`, Docker's `distribution.Descriptor`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

impl Descriptor {
    pub fn new(media_type: &str, digest: &str, size: i64) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest: digest.to_string(),
            size,
            urls: None,
            annotations: None,
            platform: None,
        }
    }
}

/// An OS/architecture pair as in manifest lists (`linux/amd64`, `linux/arm64/v8`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Default for Platform {
    /// linux/amd64: what this engine runs.
    fn default() -> Platform {
        Platform {
            os: "linux".to_string(),
            architecture: "amd64".to_string(),
            variant: None,
        }
    }
}

impl Platform {
    /// Parses `--platform` values: `linux/amd64`, `linux/arm64/v8`, `linux`.
    pub fn parse(s: &str) -> Option<Platform> {
        let mut parts = s.split('/');
        let os = parts.next().filter(|p| !p.is_empty())?.to_ascii_lowercase();
        let architecture = parts
            .next()
            .map(str::to_ascii_lowercase)
            .unwrap_or_else(|| "amd64".to_string());
        let variant = parts.next().map(str::to_ascii_lowercase);
        if parts.next().is_some() {
            return None;
        }
        Some(Platform {
            os,
            architecture,
            variant,
        })
    }

    /// Whether an index entry's platform satisfies this wanted platform. A wanted platform without
    /// a variant takes any variant.
    fn matches(&self, entry: &Platform) -> bool {
        self.os == entry.os
            && self.architecture == entry.architecture
            && (self.variant.is_none() || self.variant == entry.variant)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// A single-platform image manifest, resolved through an index when there was one.
#[derive(Debug, Clone)]
pub struct ResolvedManifest {
    /// `sha256:` of `raw_manifest`: what `RepoDigests` and `Digest:` show.
    pub manifest_digest: String,
    pub media_type: String,
    /// The manifest exactly as the registry served it.
    pub raw_manifest: Vec<u8>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    /// The digest of the manifest list / index the reference named, if it named one.
    pub index_digest: Option<String>,
}

/// A parsed manifest document of either kind.
// Built once per pulled manifest and matched right away: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Document {
    Image {
        media_type: String,
        config: Descriptor,
        layers: Vec<Descriptor>,
    },
    Index {
        manifests: Vec<Descriptor>,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Versioned {
    #[serde(default)]
    schema_version: i64,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
}

/// Docker's limit on manifest size; anything larger is refused rather than parsed.
pub const MANIFEST_SIZE_LIMIT: usize = 4 << 20;

/// Parses manifest bytes; `reference` only names the image in errors. Public for the fuzz target.
pub fn parse_document(bytes: &[u8], reference: &str) -> Result<Document> {
    let invalid = |reason: String| RegistryError::InvalidManifest {
        reference: reference.to_string(),
        reason,
    };
    if bytes.len() > MANIFEST_SIZE_LIMIT {
        return Err(invalid(format!(
            "{} bytes is over the {MANIFEST_SIZE_LIMIT}-byte limit",
            bytes.len()
        )));
    }
    let v: Versioned = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    if v.schema_version == 1 {
        return Err(RegistryError::Schema1 {
            reference: reference.to_string(),
        });
    }
    if v.schema_version != 2 {
        return Err(invalid(format!(
            "unsupported schemaVersion {}",
            v.schema_version
        )));
    }
    // OCI allows omitting mediaType; then the shape decides.
    let media_type = match v.media_type {
        Some(m) => m,
        None if v.manifests.is_some() => OCI_INDEX.to_string(),
        None => OCI_MANIFEST.to_string(),
    };
    match media_type.as_str() {
        OCI_INDEX | DOCKER_MANIFEST_LIST => Ok(Document::Index {
            manifests: v
                .manifests
                .ok_or_else(|| invalid("index without manifests".into()))?,
        }),
        OCI_MANIFEST | DOCKER_MANIFEST_V2 => Ok(Document::Image {
            config: v
                .config
                .ok_or_else(|| invalid("manifest without config".into()))?,
            layers: v.layers.unwrap_or_default(),
            media_type,
        }),
        DOCKER_MANIFEST_V1 | DOCKER_MANIFEST_V1_SIGNED => Err(RegistryError::Schema1 {
            reference: reference.to_string(),
        }),
        other => Err(invalid(format!("unsupported media type {other}"))),
    }
}

/// The first index entry for `platform`, in index order as Docker picks it.
pub fn select_platform<'a>(
    manifests: &'a [Descriptor],
    platform: &Platform,
) -> Result<&'a Descriptor> {
    manifests
        .iter()
        .find(|d| d.platform.as_ref().is_some_and(|p| platform.matches(p)))
        .ok_or_else(|| RegistryError::NoMatchingPlatform {
            platform: platform.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use errdefs::{ErrorKind, HasKind};

    const HEX_A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const HEX_B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn parses_docker_schema2() {
        let raw = format!(
            r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST_V2}","config":{{"mediaType":"{DOCKER_CONFIG}","size":7,"digest":"{HEX_A}"}},"layers":[{{"mediaType":"{DOCKER_LAYER_GZIP}","size":9,"digest":"{HEX_B}"}}]}}"#
        );
        match parse_document(raw.as_bytes(), "r").unwrap() {
            Document::Image {
                media_type,
                config,
                layers,
            } => {
                assert_eq!(media_type, DOCKER_MANIFEST_V2);
                assert_eq!(config.digest, HEX_A);
                assert_eq!(config.size, 7);
                assert_eq!(layers.len(), 1);
                assert_eq!(layers[0].media_type, DOCKER_LAYER_GZIP);
            }
            other => panic!("not an image: {other:?}"),
        }
    }

    #[test]
    fn oci_without_media_type_is_recognised_by_shape() {
        let index = r#"{"schemaVersion":2,"manifests":[]}"#;
        assert!(matches!(
            parse_document(index.as_bytes(), "r").unwrap(),
            Document::Index { .. }
        ));
        let image = format!(
            r#"{{"schemaVersion":2,"config":{{"digest":"{HEX_A}","size":1}},"layers":[]}}"#
        );
        assert!(matches!(
            parse_document(image.as_bytes(), "r").unwrap(),
            Document::Image { media_type, .. } if media_type == OCI_MANIFEST
        ));
    }

    #[test]
    fn refuses_schema1_and_garbage() {
        let err = parse_document(
            br#"{"schemaVersion":1,"name":"x","fsLayers":[]}"#,
            "host/x:1",
        )
        .unwrap_err();
        assert!(matches!(err, RegistryError::Schema1 { .. }));
        assert!(err.to_string().contains("host/x:1"));
        let huge = format!(
            r#"{{"schemaVersion":2,"x":"{}"}}"#,
            "a".repeat(MANIFEST_SIZE_LIMIT)
        );
        assert!(parse_document(huge.as_bytes(), "r")
            .unwrap_err()
            .to_string()
            .contains("limit"));
        let err = parse_document(b"<html>", "r").unwrap_err();
        assert!(matches!(err, RegistryError::InvalidManifest { .. }));
        let err = parse_document(
            br#"{"schemaVersion":2,"mediaType":"application/vnd.example+json"}"#,
            "r",
        )
        .unwrap_err();
        assert!(err.to_string().contains("application/vnd.example+json"));
    }

    #[test]
    fn selects_linux_amd64_in_order() {
        let mut arm = Descriptor::new(OCI_MANIFEST, HEX_A, 1);
        arm.platform = Platform::parse("linux/arm64/v8");
        let mut amd = Descriptor::new(OCI_MANIFEST, HEX_B, 1);
        amd.platform = Some(Platform::default());
        let list = vec![arm, amd];
        assert_eq!(
            select_platform(&list, &Platform::default()).unwrap().digest,
            HEX_B
        );
        assert_eq!(
            select_platform(&list, &Platform::parse("linux/arm64").unwrap())
                .unwrap()
                .digest,
            HEX_A
        );
        let err = select_platform(&list, &Platform::parse("windows/amd64").unwrap()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(
            err.to_string(),
            "no matching manifest for windows/amd64 in the manifest list entries"
        );
    }

    #[test]
    fn platform_strings() {
        assert_eq!(
            Platform::parse("linux/arm/v7").unwrap().to_string(),
            "linux/arm/v7"
        );
        assert_eq!(Platform::parse("linux").unwrap().to_string(), "linux/amd64");
        assert!(Platform::parse("").is_none());
        assert!(Platform::parse("a/b/c/d").is_none());
    }
}
