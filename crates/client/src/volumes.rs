//! Volume endpoints: `/volumes` create, list, inspect, remove, prune.

use api::{Filters, Volume, VolumeCreateOptions, VolumeListResponse, VolumePruneReport};
use bytes::Bytes;
use hyper::Method;

use crate::transport::path_segment;
use crate::{Client, ClientError, Query, RequestBody};

/// `filters=<json>` when there are filters; docker sends no query at all otherwise.
fn filters_query(filters: &Filters) -> Query {
    if filters.is_empty() {
        Query::new()
    } else {
        Query::new().push("filters", filters.to_json())
    }
}

impl Client {
    /// `POST /volumes/create`: the volume as created (or the existing one of that name).
    pub async fn create_volume(
        &self,
        options: &VolumeCreateOptions,
    ) -> Result<Volume, ClientError> {
        self.json(
            Method::POST,
            "/volumes/create",
            &Query::new(),
            RequestBody::json(&CreateBody::from(options))?,
        )
        .await
    }

    /// `GET /volumes[?filters=]`.
    pub async fn list_volumes(&self, filters: &Filters) -> Result<VolumeListResponse, ClientError> {
        self.get_json("/volumes", &filters_query(filters)).await
    }

    /// `GET /volumes/{name}`.
    pub async fn inspect_volume(&self, name: &str) -> Result<Volume, ClientError> {
        self.get_json(&format!("/volumes/{}", path_segment(name)), &Query::new())
            .await
    }

    /// `GET /volumes/{name}` as the raw bytes the daemon sent (for `inspect`, which keeps the
    /// daemon's field order).
    pub async fn inspect_volume_raw(&self, name: &str) -> Result<Bytes, ClientError> {
        let path = format!("/volumes/{}", path_segment(name));
        self.bytes(Method::GET, &path, &Query::new(), RequestBody::Empty)
            .await
    }

    /// `DELETE /volumes/{name}[?force=1]`.
    pub async fn remove_volume(&self, name: &str, force: bool) -> Result<(), ClientError> {
        let path = format!("/volumes/{}", path_segment(name));
        let query = Query::new().flag("force", force);
        self.bytes(Method::DELETE, &path, &query, RequestBody::Empty)
            .await
            .map(drop)
    }

    /// `POST /volumes/prune[?filters=]`.
    pub async fn prune_volumes(&self, filters: &Filters) -> Result<VolumePruneReport, ClientError> {
        let report: PruneAnswer = self
            .json(
                Method::POST,
                "/volumes/prune",
                &filters_query(filters),
                RequestBody::Empty,
            )
            .await?;
        Ok(VolumePruneReport {
            volumes_deleted: report.volumes_deleted.unwrap_or_default(),
            space_reclaimed: report.space_reclaimed,
        })
    }
}

/// The create body as the docker CLI writes it: Go's `omitempty` on every field, so an
/// anonymous `volume create` sends `{"Driver":"local"}`.
#[derive(serde::Serialize)]
struct CreateBody<'a> {
    #[serde(rename = "Driver", skip_serializing_if = "str::is_empty")]
    driver: &'a str,
    #[serde(rename = "DriverOpts", skip_serializing_if = "is_empty_map")]
    driver_opts: &'a Option<api::StringMap>,
    #[serde(rename = "Labels", skip_serializing_if = "is_empty_map")]
    labels: &'a Option<api::StringMap>,
    #[serde(rename = "Name", skip_serializing_if = "str::is_empty")]
    name: &'a str,
}

fn is_empty_map(map: &&Option<api::StringMap>) -> bool {
    map.as_ref().is_none_or(|m| m.is_empty())
}

impl<'a> From<&'a VolumeCreateOptions> for CreateBody<'a> {
    fn from(options: &'a VolumeCreateOptions) -> Self {
        CreateBody {
            driver: &options.driver,
            driver_opts: &options.driver_opts,
            labels: &options.labels,
            name: &options.name,
        }
    }
}

/// The prune answer as dockerd may send it: `VolumesDeleted` is `null` when nothing went.
#[derive(serde::Deserialize)]
struct PruneAnswer {
    #[serde(rename = "VolumesDeleted", default)]
    volumes_deleted: Option<Vec<String>>,
    #[serde(rename = "SpaceReclaimed", default)]
    space_reclaimed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_body_matches_the_docker_cli() {
        // transcript 13: `docker volume create myvol`
        let plain = VolumeCreateOptions {
            name: "myvol".into(),
            driver: "local".into(),
            ..VolumeCreateOptions::default()
        };
        assert_eq!(
            serde_json::to_string(&CreateBody::from(&plain)).unwrap(),
            r#"{"Driver":"local","Name":"myvol"}"#
        );
        // `docker volume create --label env=test -d local --opt type=tmpfs --opt device=tmpfs labeled`
        let labeled = VolumeCreateOptions {
            name: "labeled".into(),
            driver: "local".into(),
            driver_opts: Some(
                [("type", "tmpfs"), ("device", "tmpfs")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            labels: Some([("env".to_string(), "test".to_string())].into()),
        };
        assert_eq!(
            serde_json::to_string(&CreateBody::from(&labeled)).unwrap(),
            r#"{"Driver":"local","DriverOpts":{"device":"tmpfs","type":"tmpfs"},"Labels":{"env":"test"},"Name":"labeled"}"#
        );
        // `docker volume create` (anonymous) and `docker volume create -d "" -o x`
        let anonymous = VolumeCreateOptions {
            driver: "local".into(),
            labels: Some(api::StringMap::new()),
            ..VolumeCreateOptions::default()
        };
        assert_eq!(
            serde_json::to_string(&CreateBody::from(&anonymous)).unwrap(),
            r#"{"Driver":"local"}"#
        );
        let no_driver = VolumeCreateOptions {
            driver_opts: Some([("x".to_string(), String::new())].into()),
            ..VolumeCreateOptions::default()
        };
        assert_eq!(
            serde_json::to_string(&CreateBody::from(&no_driver)).unwrap(),
            r#"{"DriverOpts":{"x":""}}"#
        );
    }

    #[test]
    fn prune_answer_with_null_list() {
        let a: PruneAnswer =
            serde_json::from_str(r#"{"VolumesDeleted":null,"SpaceReclaimed":0}"#).unwrap();
        assert_eq!(a.volumes_deleted, None);
        let a: PruneAnswer =
            serde_json::from_str(r#"{"VolumesDeleted":["a"],"SpaceReclaimed":12}"#).unwrap();
        assert_eq!(a.volumes_deleted, Some(vec!["a".to_string()]));
        assert_eq!(a.space_reclaimed, 12);
    }

    #[test]
    fn filters_become_one_query_parameter() {
        assert!(filters_query(&Filters::new()).is_empty());
        let mut f = Filters::new();
        f.add("label", "env=test");
        assert_eq!(
            filters_query(&f).encode(),
            "filters=%7B%22label%22%3A%7B%22env%3Dtest%22%3Atrue%7D%7D"
        );
    }
}
