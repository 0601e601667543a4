//! The events bus: container lifecycle events for `/events` subscribers.

use std::collections::BTreeMap;

use serde::Serialize;
use tokio::sync::broadcast;

/// One event, in dockerd's `events.Message` shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Action")]
    pub action: String,
    #[serde(rename = "Actor")]
    pub actor: EventActor,
    pub scope: String,
    pub time: i64,
    #[serde(rename = "timeNano")]
    pub time_nano: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventActor {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Attributes")]
    pub attributes: BTreeMap<String, String>,
}

/// Fan-out of events; publishing never blocks and nobody listening is fine.
pub struct EventBus {
    tx: broadcast::Sender<Event>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(256).0,
        }
    }
}

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    /// Publishes an event of any type (`image`: pull, push, tag, untag, delete, load, save…).
    pub fn publish(
        &self,
        kind: &str,
        action: &str,
        id: &str,
        attributes: BTreeMap<String, String>,
    ) {
        let now = chrono::Utc::now();
        let _ = self.tx.send(Event {
            kind: kind.into(),
            action: action.into(),
            actor: EventActor {
                id: id.into(),
                attributes,
            },
            scope: "local".into(),
            time: now.timestamp(),
            time_nano: now.timestamp_nanos_opt().unwrap_or(0),
        });
    }

    /// Publishes a container event (`create`, `start`, `die`, `destroy`).
    pub fn container(&self, action: &str, id: &str, attributes: BTreeMap<String, String>) {
        let now = chrono::Utc::now();
        let nanos = now.timestamp_nanos_opt().unwrap_or(0);
        let _ = self.tx.send(Event {
            kind: "container".into(),
            action: action.into(),
            actor: EventActor {
                id: id.into(),
                attributes,
            },
            scope: "local".into(),
            time: now.timestamp(),
            time_nano: nanos,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_receive_events() {
        let bus = EventBus::default();
        let mut rx = bus.subscribe();
        bus.container("start", "abc", BTreeMap::new());
        let e = rx.try_recv().unwrap();
        assert_eq!(
            (e.kind.as_str(), e.action.as_str(), e.actor.id.as_str()),
            ("container", "start", "abc")
        );
    }
}
