//! `berth network ls [-q] [--no-trunc] [--filter k=v]... [--format F]`: networks sorted by name,
//! in docker's `NETWORK ID   NAME   DRIVER   SCOPE` table or the given format.

use api::NetworkResource;
use serde_json::{json, Value};

use crate::args::NetworkLsArgs;
use crate::commands::ps::parse_filters;
use crate::list_format::render_list;
use crate::template::default_header;
use crate::{CliError, Ctx};

const TABLE: &str = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
const QUIET: &str = "{{.ID}}";

pub async fn run(ctx: &Ctx, args: NetworkLsArgs) -> Result<i32, CliError> {
    let filters = parse_filters(&args.filter)?;
    let mut networks = ctx.client.list_networks(&filters).await?;
    networks.sort_by(|a, b| a.name.cmp(&b.name));
    print!(
        "{}",
        render(&networks, args.format.as_deref(), args.quiet, args.no_trunc)?
    );
    Ok(0)
}

pub fn render(
    networks: &[NetworkResource],
    format: Option<&str>,
    quiet: bool,
    no_trunc: bool,
) -> Result<String, CliError> {
    let rows: Vec<Value> = networks.iter().map(|n| network_row(n, no_trunc)).collect();
    let format = match format {
        None | Some("") | Some("table") if quiet => QUIET,
        other => other.unwrap_or(TABLE),
    };
    render_list(Some(format), TABLE, &rows, &header)
}

fn header(field: &str) -> String {
    match field {
        "ID" => "NETWORK ID".to_string(),
        "CreatedAt" => "CREATED AT".to_string(),
        other => default_header(other),
    }
}

/// RFC 3339 → Go's `time.Time.String()` (`2026-11-22 09:40:16.084887061 +0000 UTC`).
fn go_time(created: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(created) {
        Ok(t) => {
            let t = t.with_timezone(&chrono::Utc);
            let mut s = t.format("%Y-%m-%d %H:%M:%S").to_string();
            let nanos = t.timestamp_subsec_nanos();
            if nanos != 0 {
                let frac = format!("{nanos:09}");
                s.push('.');
                s.push_str(frac.trim_end_matches('0'));
            }
            s.push_str(" +0000 UTC");
            s
        }
        Err(_) => created.to_string(),
    }
}

/// The fields of docker's network formatter, as display strings.
pub fn network_row(n: &NetworkResource, no_trunc: bool) -> Value {
    let id = if no_trunc {
        n.id.clone()
    } else {
        n.id.chars().take(12).collect()
    };
    let labels = n
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    json!({
        "CreatedAt": go_time(&n.created),
        "Driver": n.driver,
        "ID": id,
        "IPv4": "false",
        "IPv6": n.enable_ipv6.to_string(),
        "Internal": n.internal.to_string(),
        "Labels": labels,
        "Name": n.name,
        "Scope": n.scope,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets() -> Vec<NetworkResource> {
        serde_json::from_str(r#"[{"Name":"bridge","Id":"a836ce2fc19f0000000000000000000000000000000000000000000000000000","Created":"2026-11-22T09:40:16.084887061Z","Scope":"local","Driver":"bridge"},{"Name":"mynet2","Id":"868fdab0b774b0f7f017107b6cf774db5640bf37dd555e4a75fa6fc933340e19","Created":"2026-11-22T09:56:29.946769816Z","Scope":"local","Driver":"bridge","Labels":{"team":"a"}}]"#).unwrap()
    }

    #[test]
    fn table_quiet_and_json_as_docker() {
        assert_eq!(
            render(&nets(), None, false, false).unwrap(),
            "NETWORK ID     NAME      DRIVER    SCOPE\na836ce2fc19f   bridge    bridge    local\n868fdab0b774   mynet2    bridge    local\n"
        );
        assert_eq!(
            render(&nets(), None, true, false).unwrap(),
            "a836ce2fc19f\n868fdab0b774\n"
        );
        assert_eq!(
            render(&nets()[1..], Some("json"), false, false).unwrap(),
            "{\"CreatedAt\":\"2026-11-22 09:56:29.946769816 +0000 UTC\",\"Driver\":\"bridge\",\"ID\":\"868fdab0b774\",\"IPv4\":\"false\",\"IPv6\":\"false\",\"Internal\":\"false\",\"Labels\":\"team=a\",\"Name\":\"mynet2\",\"Scope\":\"local\"}\n"
        );
        assert!(render(&nets(), None, true, true)
            .unwrap()
            .starts_with("a836ce2fc19f0000"));
    }
}
