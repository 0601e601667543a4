//! The events bus: container lifecycle events for `/events` subscribers.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::broadcast;

/// How many past events `/events?since=` can replay (dockerd keeps 1024 too).
pub const HISTORY_LEN: usize = 1024;

/// One event, in dockerd's `events.Message` shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Legacy fields dockerd still sends for container and image events: status = Action,
    /// id = Actor.ID, from = the image.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from: String,
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
    /// The last [`HISTORY_LEN`] events; sends happen under this lock so that a subscriber taking
    /// the history and a receiver together sees every event exactly once.
    history: Mutex<VecDeque<Event>>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            tx: broadcast::channel(1024).0,
            history: Mutex::new(VecDeque::with_capacity(HISTORY_LEN)),
        }
    }
}

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }

    /// The remembered past events (oldest first) and a receiver for every later one.
    pub fn subscribe_with_history(&self) -> (Vec<Event>, broadcast::Receiver<Event>) {
        let history = self.history.lock().unwrap_or_else(|p| p.into_inner());
        let rx = self.tx.subscribe();
        (history.iter().cloned().collect(), rx)
    }

    /// Records and broadcasts one event; the single entry point every publisher goes through.
    pub fn send(&self, mut event: Event) {
        if event.kind == "container" || event.kind == "image" {
            event.status = event.action.clone();
            event.id = event.actor.id.clone();
            if event.kind == "container" {
                event.from = event
                    .actor
                    .attributes
                    .get("image")
                    .cloned()
                    .unwrap_or_default();
            }
        }
        let mut history = self.history.lock().unwrap_or_else(|p| p.into_inner());
        if history.len() == HISTORY_LEN {
            history.pop_front();
        }
        history.push_back(event.clone());
        let _ = self.tx.send(event);
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
        self.send(Event {
            status: String::new(),
            id: String::new(),
            from: String::new(),
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
        self.send(Event {
            status: String::new(),
            id: String::new(),
            from: String::new(),
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
