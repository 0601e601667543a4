//! `GET /events`: replay of the bus history selected by `since`/`until`/`filters`, then the live
//! stream (until `until`, if given), one JSON message per line, flushed per event.

use std::time::Duration;

use api::Filters;
use bytes::Bytes;
use tokio::sync::{broadcast, mpsc};

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::events::Event;
use crate::logs::LogStream;

/// The filter keys dockerd accepts on `/events` that berth evaluates.
const EVENT_FILTERS: &[&str] = &[
    "type",
    "event",
    "container",
    "image",
    "label",
    "scope",
    "network",
    "volume",
    "daemon",
    "plugin",
    "node",
    "service",
    "secret",
    "config",
];

/// `GET /events` parameters: unix seconds (fractional) and the filters.
#[derive(Debug, Clone, Default)]
pub struct EventsOptions {
    pub since: Option<f64>,
    pub until: Option<f64>,
    pub filters: Filters,
}

/// Whether `event` passes `filters` (keys AND, values OR, like dockerd's events filter).
pub fn event_matches(filters: &Filters, event: &Event) -> bool {
    let attrs = &event.actor.attributes;
    filters.any_matches("type", |t| t == event.kind)
        && filters.any_matches("event", |a| {
            // exec events carry the command after a colon (`exec_start: sh -c …`).
            event.action == a || event.action.split(':').next() == Some(a)
        })
        && filters.any_matches("scope", |s| s == event.scope)
        && (event.kind != "container"
            || filters.any_matches("container", |c| {
                event.actor.id.starts_with(c) || attrs.get("name").map(String::as_str) == Some(c)
            }))
        && (!filters.contains("container") || event.kind == "container")
        && filters.any_matches("image", |i| {
            let image = attrs.get("image").map(String::as_str);
            let name = attrs.get("name").map(String::as_str);
            image == Some(i)
                || image
                    .map(|im| im.split(':').next() == Some(i))
                    .unwrap_or(false)
                || (event.kind == "image" && (event.actor.id == i || name == Some(i)))
        })
        && fuzzy_name_matches(filters, "network", event)
        && fuzzy_name_matches(filters, "volume", event)
        && filters.match_labels("label", attrs)
}

/// dockerd's `fuzzyMatchName` for the `network` and `volume` filters: a value is a prefix of the
/// actor's id or of its `name` attribute. Like dockerd, events of other types never match such a
/// filter (a network's `connect` carries the network as its actor, the container as an attribute).
fn fuzzy_name_matches(filters: &Filters, key: &str, event: &Event) -> bool {
    let name = event.actor.attributes.get("name").map(String::as_str);
    filters.any_matches(key, |v| {
        event.actor.id.starts_with(v) || name.is_some_and(|n| n.starts_with(v))
    })
}

fn event_time(event: &Event) -> f64 {
    event.time_nano as f64 / 1e9
}

fn encode(event: &Event) -> Option<Bytes> {
    let mut line = serde_json::to_vec(event).ok()?;
    line.push(b'\n');
    Some(Bytes::from(line))
}

impl Engine {
    /// The `/events` body. Without `since` only live events are sent; with `until` the stream
    /// ends once that time has passed.
    pub async fn events_stream(&self, opts: EventsOptions) -> Result<LogStream> {
        opts.filters
            .validate(EVENT_FILTERS)
            .map_err(|e| EngineError::InvalidArgument(e.to_string()))?;
        let (history, mut rx) = self.events().subscribe_with_history();
        let (tx, out) = mpsc::channel::<std::result::Result<Bytes, std::io::Error>>(64);
        let now = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) as f64 / 1e9;
        tokio::spawn(async move {
            let wanted = |e: &Event| {
                let t = event_time(e);
                opts.since.map(|s| t >= s).unwrap_or(true)
                    && opts.until.map(|u| t <= u).unwrap_or(true)
                    && event_matches(&opts.filters, e)
            };
            if opts.since.is_some() {
                for e in history.iter().filter(|e| wanted(e)) {
                    if let Some(b) = encode(e) {
                        if tx.send(Ok(b)).await.is_err() {
                            return;
                        }
                    }
                }
            }
            // The live part: until the client goes away, or `until` passes.
            let deadline = opts
                .until
                .map(|u| tokio::time::Instant::now() + Duration::from_secs_f64((u - now).max(0.0)));
            loop {
                let next = async {
                    match deadline {
                        Some(d) => tokio::time::timeout_at(d, rx.recv()).await.ok(),
                        None => Some(rx.recv().await),
                    }
                };
                tokio::select! {
                    r = next => match r {
                        None => return,
                        Some(Ok(e)) => {
                            if wanted(&e) {
                                if let Some(b) = encode(&e) {
                                    if tx.send(Ok(b)).await.is_err() {
                                        return;
                                    }
                                }
                            }
                        }
                        Some(Err(broadcast::error::RecvError::Lagged(n))) => {
                            tracing::debug!("events subscriber lagged by {n}");
                        }
                        Some(Err(broadcast::error::RecvError::Closed)) => return,
                    },
                    _ = tx.closed() => return,
                }
            }
        });
        Ok(Box::pin(tokio_stream_from(out)))
    }
}

/// An mpsc receiver as a `Stream`.
fn tokio_stream_from<T: Send + 'static>(
    rx: mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> + Send {
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|v| (v, rx)) })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::events::EventBus;

    fn container_event(action: &str, name: &str) -> Event {
        let bus = EventBus::default();
        let attrs = BTreeMap::from([
            ("name".to_string(), name.to_string()),
            ("image".to_string(), "busybox".to_string()),
            ("app".to_string(), "web".to_string()),
        ]);
        bus.container(action, &"ab".repeat(32), attrs);
        bus.subscribe_with_history().0.remove(0)
    }

    fn filters(json: &str) -> Filters {
        Filters::parse(json).unwrap()
    }

    #[test]
    fn legacy_fields_are_filled() {
        let e = container_event("start", "web");
        assert_eq!(
            (e.status.as_str(), e.from.as_str(), e.id.len()),
            ("start", "busybox", 64)
        );
    }

    #[test]
    fn filters_select_events() {
        let e = container_event("die", "web");
        assert!(event_matches(&Filters::new(), &e));
        assert!(event_matches(&filters(r#"{"type":["container"]}"#), &e));
        assert!(!event_matches(&filters(r#"{"type":["image"]}"#), &e));
        assert!(event_matches(&filters(r#"{"event":["start","die"]}"#), &e));
        assert!(!event_matches(&filters(r#"{"event":["start"]}"#), &e));
        assert!(event_matches(&filters(r#"{"container":["web"]}"#), &e));
        assert!(event_matches(&filters(r#"{"container":["abab"]}"#), &e));
        assert!(!event_matches(&filters(r#"{"container":["db"]}"#), &e));
        assert!(event_matches(&filters(r#"{"image":["busybox"]}"#), &e));
        assert!(event_matches(&filters(r#"{"label":["app=web"]}"#), &e));
        assert!(!event_matches(&filters(r#"{"label":["app=db"]}"#), &e));
        let exec = container_event("exec_start: sh -c true", "web");
        assert!(event_matches(
            &filters(r#"{"event":["exec_start"]}"#),
            &exec
        ));
    }

    #[test]
    fn network_and_volume_filters_match_id_or_name_prefixes() {
        let bus = EventBus::default();
        let network_id = "cd".repeat(32);
        let attrs = BTreeMap::from([
            ("name".to_string(), "py-net".to_string()),
            ("container".to_string(), "ab".repeat(32)),
        ]);
        bus.publish("network", "connect", &network_id, attrs);
        let volume_attrs = BTreeMap::from([("driver".to_string(), "local".to_string())]);
        bus.publish("volume", "create", "data", volume_attrs);
        let history = bus.subscribe_with_history().0;
        let (connect, volume) = (&history[0], &history[1]);
        assert!(event_matches(
            &filters(r#"{"network":["py-net"]}"#),
            connect
        ));
        assert!(event_matches(&filters(r#"{"network":["cdcd"]}"#), connect));
        assert!(event_matches(&filters(r#"{"network":["py"]}"#), connect));
        assert!(!event_matches(
            &filters(r#"{"network":["other"]}"#),
            connect
        ));
        assert!(!event_matches(
            &filters(r#"{"network":["py-net"]}"#),
            volume
        ));
        assert!(event_matches(&filters(r#"{"volume":["data"]}"#), volume));
        assert!(!event_matches(&filters(r#"{"volume":["logs"]}"#), volume));
        assert!(!event_matches(&filters(r#"{"volume":["data"]}"#), connect));
        let container = container_event("start", "web");
        assert!(!event_matches(
            &filters(r#"{"network":["py-net"]}"#),
            &container
        ));
    }

    #[test]
    fn history_is_bounded() {
        let bus = EventBus::default();
        for i in 0..(crate::events::HISTORY_LEN + 10) {
            bus.container("start", &i.to_string(), BTreeMap::new());
        }
        let (h, _rx) = bus.subscribe_with_history();
        assert_eq!(h.len(), crate::events::HISTORY_LEN);
        assert_eq!(h[0].actor.id, "10");
    }
}
