//! Docker's human-readable durations (`go-units.HumanDuration`) and `ps` status texts.

use chrono::{DateTime, Utc};

/// go-units `HumanDuration` of a signed span (a negative one, from clock skew, reads as
/// "Less than a second").
pub fn human_duration(d: chrono::Duration) -> String {
    api::human_duration::human_duration(d.to_std().unwrap_or_default())
}

/// Parses an RFC 3339 time; `None` for Go's zero time or garbage.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if s.is_empty() || s.starts_with("0001-") {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The current time formatted like dockerd (RFC 3339, nanoseconds, `Z`).
pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// The `Status` column of `ps`.
pub fn status_text(state: &api::ContainerState, now: DateTime<Utc>) -> String {
    if state.restarting {
        let ago = parse_time(&state.finished_at)
            .map(|t| human_duration(now - t))
            .unwrap_or_else(|| "Less than a second".into());
        return format!("Restarting ({}) {ago} ago", state.exit_code);
    }
    if state.running {
        let up = parse_time(&state.started_at)
            .map(|t| human_duration(now - t))
            .unwrap_or_else(|| "Less than a second".into());
        return if state.paused {
            format!("Up {up} (Paused)")
        } else if let Some(health) = &state.health {
            format!("Up {up} ({})", crate::health::status_suffix(health))
        } else {
            format!("Up {up}")
        };
    }
    if state.dead {
        return "Dead".into();
    }
    if state.status == "created" {
        return "Created".into();
    }
    match parse_time(&state.finished_at) {
        Some(t) => format!(
            "Exited ({}) {} ago",
            state.exit_code,
            human_duration(now - t)
        ),
        None => format!("Exited ({})", state.exit_code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn durations_like_go_units() {
        assert_eq!(
            human_duration(Duration::milliseconds(300)),
            "Less than a second"
        );
        assert_eq!(human_duration(Duration::seconds(1)), "1 second");
        assert_eq!(human_duration(Duration::seconds(3)), "3 seconds");
        assert_eq!(human_duration(Duration::seconds(90)), "About a minute");
        assert_eq!(human_duration(Duration::minutes(5)), "5 minutes");
        assert_eq!(human_duration(Duration::minutes(61)), "About an hour");
        assert_eq!(human_duration(Duration::hours(5)), "5 hours");
        assert_eq!(human_duration(Duration::days(4)), "4 days");
        assert_eq!(human_duration(Duration::days(15)), "2 weeks");
        assert_eq!(human_duration(Duration::days(800)), "2 years");
    }

    #[test]
    fn status_texts() {
        let now = Utc::now();
        let five_ago =
            (now - Duration::seconds(5)).to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        let running = api::ContainerState {
            status: "running".into(),
            running: true,
            started_at: five_ago.clone(),
            ..Default::default()
        };
        assert_eq!(status_text(&running, now), "Up 5 seconds");
        let healthy = api::ContainerState {
            health: Some(api::Health {
                status: "healthy".into(),
                ..Default::default()
            }),
            ..running.clone()
        };
        assert_eq!(status_text(&healthy, now), "Up 5 seconds (healthy)");
        let restarting = api::ContainerState {
            status: "restarting".into(),
            restarting: true,
            exit_code: 1,
            finished_at: five_ago.clone(),
            ..Default::default()
        };
        assert_eq!(
            status_text(&restarting, now),
            "Restarting (1) 5 seconds ago"
        );
        let exited = api::ContainerState {
            status: "exited".into(),
            exit_code: 3,
            finished_at: five_ago,
            ..Default::default()
        };
        assert_eq!(status_text(&exited, now), "Exited (3) 5 seconds ago");
        assert_eq!(status_text(&api::ContainerState::default(), now), "Created");
    }
}
