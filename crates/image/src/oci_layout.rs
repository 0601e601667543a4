//! The OCI image layout's JSON documents (`oci-layout`, `index.json`, manifests, descriptors), with
//! the field order Go's `encoding/json` gives the image-spec structs, so what `save` writes is what
//! dockerd writes, byte for byte.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{ImageError, Result};
use crate::reference::is_full_hex_id;

/// The content of the `oci-layout` file, exactly as dockerd writes it.
pub(crate) const OCI_LAYOUT_CONTENT: &str = r#"{"imageLayoutVersion": "1.0.0"}"#;
pub(crate) const OCI_LAYOUT_VERSION: &str = "1.0.0";
pub(crate) const OCI_LAYOUT_FILE: &str = "oci-layout";
pub(crate) const INDEX_FILE: &str = "index.json";
/// Where blobs live: `blobs/sha256/<hex>`.
pub(crate) const BLOBS_DIR: &str = "blobs/sha256";

pub(crate) const MEDIA_TYPE_OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub(crate) const MEDIA_TYPE_OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub(crate) const MEDIA_TYPE_OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub(crate) const MEDIA_TYPE_OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";
pub(crate) const MEDIA_TYPE_DOCKER_LIST: &str =
    "application/vnd.docker.distribution.manifest.list.v2+json";
pub(crate) const MEDIA_TYPE_DOCKER_MANIFEST: &str =
    "application/vnd.docker.distribution.manifest.v2+json";

/// containerd's annotation with the full image name (`docker.io/library/busybox:latest`).
pub(crate) const ANNOTATION_IMAGE_NAME: &str = "io.containerd.image.name";
/// The OCI reference name; dockerd writes the tag (`latest`) there.
pub(crate) const ANNOTATION_REF_NAME: &str = "org.opencontainers.image.ref.name";

/// An OCI descriptor (`ocispec.Descriptor`: mediaType, digest, size, annotations, platform).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
}

impl Descriptor {
    /// The 64 hex digits of a `sha256:` digest: the blob's file name, never a path.
    pub(crate) fn hex(&self) -> Result<&str> {
        blob_hex(&self.digest)
    }

    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }
}

/// `sha256:<64 lowercase hex>` → the hex; anything else (other algorithms, paths) is refused.
pub(crate) fn blob_hex(digest: &str) -> Result<&str> {
    match digest.strip_prefix("sha256:") {
        Some(hex) if is_full_hex_id(hex) => Ok(hex),
        _ => Err(ImageError::InvalidArgument(format!(
            "invalid archive: unsupported or invalid digest {digest:?}"
        ))),
    }
}

/// `ocispec.Platform` (only what choosing a manifest needs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Platform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Platform {
    /// linux/amd64, any variant: what this engine runs (the registry pull picks the same).
    pub(crate) fn is_host(&self) -> bool {
        self.os == "linux" && self.architecture == "amd64"
    }
}

/// `ocispec.Manifest` as dockerd's save marshals it.
#[derive(Debug, Serialize)]
pub(crate) struct ManifestOut<'a> {
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "mediaType")]
    pub media_type: &'a str,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

/// `ocispec.Index` as dockerd's save marshals it.
#[derive(Debug, Serialize)]
pub(crate) struct IndexOut<'a> {
    #[serde(rename = "schemaVersion")]
    pub schema_version: u32,
    #[serde(rename = "mediaType")]
    pub media_type: &'a str,
    pub manifests: Vec<Descriptor>,
}

/// An index or a manifest as read from an archive: which one it is shows in its media type or,
/// when that is absent, in whether it has `manifests`.
#[derive(Debug, Deserialize)]
pub(crate) struct Document {
    #[serde(rename = "schemaVersion", default)]
    pub schema_version: u32,
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    #[serde(default)]
    pub manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Option<Vec<Descriptor>>,
}

/// The `oci-layout` file.
#[derive(Debug, Deserialize)]
pub(crate) struct ImageLayout {
    #[serde(rename = "imageLayoutVersion", default)]
    pub version: String,
}

/// Whether a descriptor or document media type names an index (OCI index or Docker manifest list).
pub(crate) fn is_index_media_type(media_type: &str) -> bool {
    media_type == MEDIA_TYPE_OCI_INDEX || media_type == MEDIA_TYPE_DOCKER_LIST
}

/// Whether a media type names a single-image manifest (OCI or Docker schema2).
pub(crate) fn is_manifest_media_type(media_type: &str) -> bool {
    media_type == MEDIA_TYPE_OCI_MANIFEST || media_type == MEDIA_TYPE_DOCKER_MANIFEST
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_serialise_in_go_field_order() {
        let d = Descriptor {
            media_type: MEDIA_TYPE_OCI_MANIFEST.to_string(),
            digest: format!("sha256:{}", "a".repeat(64)),
            size: 7,
            annotations: Some(BTreeMap::from([
                (ANNOTATION_REF_NAME.to_string(), "latest".to_string()),
                (
                    ANNOTATION_IMAGE_NAME.to_string(),
                    "docker.io/library/busybox:latest".to_string(),
                ),
            ])),
            platform: None,
        };
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{}","size":7,"annotations":{{"io.containerd.image.name":"docker.io/library/busybox:latest","org.opencontainers.image.ref.name":"latest"}}}}"#,
                "a".repeat(64)
            )
        );
    }

    #[test]
    fn digests_are_sha256_hex_never_paths() {
        let hex = "0".repeat(64);
        assert_eq!(blob_hex(&format!("sha256:{hex}")).unwrap(), hex);
        for bad in [
            "sha256:../../etc/passwd".to_string(),
            format!("sha512:{hex}"),
            format!("sha256:{}", "A".repeat(64)),
            format!("sha256:{hex}/x"),
            hex.clone(),
        ] {
            assert!(blob_hex(&bad).is_err(), "{bad}");
        }
    }
}
