//! `GET /events`: the daemon's event stream.

use api::Filters;
use hyper::Method;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::{ByteStream, Client, ClientError, Query, RequestBody};

/// The object an event is about.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct EventActor {
    #[serde(rename = "ID", default)]
    pub id: String,
    #[serde(rename = "Attributes", default)]
    pub attributes: BTreeMap<String, String>,
}

/// One event message (`events.Message`), with the legacy `status`/`id`/`from` fields kept.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct EventMessage {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub from: String,
    #[serde(rename = "Type", default)]
    pub kind: String,
    #[serde(rename = "Action", default)]
    pub action: String,
    #[serde(rename = "Actor", default)]
    pub actor: EventActor,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub time: i64,
    #[serde(rename = "timeNano", default)]
    pub time_nano: i64,
}

impl Client {
    /// `GET /events[?filters=][&since=][&until=]`: `\n`-separated JSON messages; the body ends
    /// at `until` (or never without it).
    pub async fn events(
        &self,
        since: Option<&str>,
        until: Option<&str>,
        filters: &Filters,
    ) -> Result<ByteStream, ClientError> {
        let mut query = Query::new();
        if !filters.is_empty() {
            query = query.push("filters", filters.to_json());
        }
        let query = query.opt("since", since).opt("until", until);
        self.stream(Method::GET, "/events", &query, RequestBody::Empty)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_daemon_event() {
        let m: EventMessage = serde_json::from_str(
            r#"{"status":"die","id":"68","from":"busybox","Type":"container","Action":"die","Actor":{"ID":"68","Attributes":{"exitCode":"0","name":"evdemo"}},"scope":"local","time":1795341357,"timeNano":1795341357791971396}"#,
        )
        .unwrap();
        assert_eq!(m.kind, "container");
        assert_eq!(m.actor.attributes["exitCode"], "0");
        assert_eq!(m.time_nano, 1795341357791971396);
    }
}
