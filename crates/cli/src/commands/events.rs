//! `berth events [--since] [--until] [--filter]... [--format]`: the daemon's event stream, one
//! line per event in docker's layout, or through a template.

use std::io::Write;

use client::EventMessage;
use serde_json::{json, Value};

use crate::args::EventsArgs;
use crate::commands::ps::parse_filters;
use crate::template::Template;
use crate::timestamp::get_timestamp;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: EventsArgs) -> Result<i32, CliError> {
    let now = chrono::Local::now();
    let since = args
        .since
        .as_deref()
        .map(|s| get_timestamp(s, now, "since"))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| get_timestamp(s, now, "until"))
        .transpose()?;
    let filters = parse_filters(&args.filter)?;
    let printer = EventPrinter::new(args.format.as_deref())?;
    let mut stream = ctx
        .client
        .events(since.as_deref(), until.as_deref(), &filters)
        .await?;
    let mut pending: Vec<u8> = Vec::new();
    let result = async {
        while let Some(chunk) = stream.next_chunk().await {
            pending.extend_from_slice(&chunk?);
            while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = pending.drain(..=pos).collect();
                printer.print_line(&line)?;
            }
        }
        printer.print_line(&pending)
    }
    .await;
    match result {
        Ok(()) | Err(CliError::Exit { code: 0, .. }) => Ok(0),
        Err(e) => Err(e),
    }
}

/// How each event is printed.
pub enum EventPrinter {
    /// docker's `prettyPrintEvent`.
    Pretty,
    /// `json` / `{{json .}}`: the message as the daemon's JSON.
    Json,
    Template(Template),
}

impl EventPrinter {
    pub fn new(format: Option<&str>) -> Result<EventPrinter, CliError> {
        Ok(match format.map(str::trim) {
            None | Some("") => EventPrinter::Pretty,
            Some("json") | Some("{{json .}}") => EventPrinter::Json,
            Some(other) => {
                EventPrinter::Template(Template::parse(other).map_err(CliError::Message)?)
            }
        })
    }

    fn print_line(&self, line: &[u8]) -> Result<(), CliError> {
        let line = String::from_utf8_lossy(line);
        let line = line.trim();
        if line.is_empty() {
            return Ok(());
        }
        let message: EventMessage = serde_json::from_str(line)
            .map_err(|e| CliError::message(format!("error decoding event: {e}")))?;
        let text = self.render(&message);
        let mut out = std::io::stdout().lock();
        // A reader that went away (`| head -1`) ends the stream.
        if out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            return Err(CliError::silent(0));
        }
        Ok(())
    }

    /// One event as printed, newline included.
    pub fn render(&self, message: &EventMessage) -> String {
        match self {
            EventPrinter::Pretty => pretty_event(message, &chrono::Local),
            EventPrinter::Json => {
                format!("{}\n", serde_json::to_string(message).unwrap_or_default())
            }
            EventPrinter::Template(t) => format!("{}\n", t.render(&go_fields(message))),
        }
    }
}

/// `2026-11-22T09:55:57.791971396Z container die <id> (exitCode=0, image=busybox, name=x)`:
/// the time in the local zone with nine fraction digits (`Z` in UTC), attributes sorted.
pub fn pretty_event<Tz: chrono::TimeZone>(message: &EventMessage, zone: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let mut out = String::new();
    let nanos = if message.time_nano != 0 {
        Some(message.time_nano)
    } else if message.time != 0 {
        message.time.checked_mul(1_000_000_000)
    } else {
        None
    };
    if let Some(nanos) = nanos {
        let t = chrono::DateTime::from_timestamp_nanos(nanos).with_timezone(zone);
        let stamp = t.format("%Y-%m-%dT%H:%M:%S%.9f").to_string();
        let offset = t.format("%:z").to_string();
        let offset = if offset == "+00:00" {
            "Z".to_string()
        } else {
            offset
        };
        out.push_str(&format!("{stamp}{offset} "));
    }
    out.push_str(&format!(
        "{} {} {}",
        message.kind, message.action, message.actor.id
    ));
    if !message.actor.attributes.is_empty() {
        let attrs: Vec<String> = message
            .actor
            .attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        out.push_str(&format!(" ({})", attrs.join(", ")));
    }
    out.push('\n');
    out
}

/// The message under the Go field names templates use (`.Type`, `.Actor.ID`, `.TimeNano`).
fn go_fields(m: &EventMessage) -> Value {
    json!({
        "Status": m.status,
        "ID": m.id,
        "From": m.from,
        "Type": m.kind,
        "Action": m.action,
        "Actor": {"ID": m.actor.id, "Attributes": m.actor.attributes},
        "Scope": m.scope,
        "Time": m.time,
        "TimeNano": m.time_nano,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn die() -> EventMessage {
        serde_json::from_str(r#"{"status":"die","id":"68","from":"busybox","Type":"container","Action":"die","Actor":{"ID":"68","Attributes":{"name":"evdemo","exitCode":"0","image":"busybox"}},"scope":"local","time":1795341357,"timeNano":1795341357791971396}"#).unwrap()
    }

    #[test]
    fn pretty_line_like_docker() {
        assert_eq!(
            pretty_event(&die(), &chrono::Utc),
            "2026-11-22T09:55:57.791971396Z container die 68 (exitCode=0, image=busybox, name=evdemo)\n"
        );
    }

    #[test]
    fn json_and_template_formats() {
        let json = EventPrinter::new(Some("{{json .}}"))
            .unwrap()
            .render(&die());
        assert!(json.starts_with(r#"{"status":"die","id":"68","from":"busybox","Type":"container","Action":"die","Actor":{"ID":"68","Attributes":{"exitCode":"0","#));
        let t = EventPrinter::new(Some("{{.Type}} {{.Action}} {{.Actor.ID}}"))
            .unwrap()
            .render(&die());
        assert_eq!(t, "container die 68\n");
    }
}
