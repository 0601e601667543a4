//! `berth ps`: the container list, formatted like docker 28.

use api::{ContainerSummary, Filters, Port};
use serde_json::{json, Value};

use crate::args::PsArgs;
use crate::gostr::{ellipsis, go_quote};
use crate::humanize::{human_since, now_unix_nanos};
use crate::list_format::render_list;
use crate::template::default_header;
use crate::{CliError, Ctx};

const DEFAULT_TABLE: &str =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
const DEFAULT_TABLE_SIZE: &str =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}";

pub async fn run(ctx: &Ctx, args: PsArgs) -> Result<i32, CliError> {
    let filters = parse_filters(&args.filter)?;
    let limit = if args.latest {
        Some(1)
    } else if args.last > 0 {
        Some(args.last)
    } else {
        None
    };
    let all = args.all || limit.is_some();
    let containers = ctx
        .client
        .list_containers(all, limit, args.size, &filters)
        .await?;
    let truncate = !args.no_trunc;
    if args.quiet {
        for c in &containers {
            println!("{}", short_id(&c.id, truncate));
        }
        return Ok(0);
    }
    let now = now_unix_nanos();
    let rows: Vec<Value> = containers
        .iter()
        .map(|c| container_row(c, truncate, now))
        .collect();
    let default = if args.size {
        DEFAULT_TABLE_SIZE
    } else {
        DEFAULT_TABLE
    };
    let text = render_list(args.format.as_deref(), default, &rows, &header)?;
    print!("{text}");
    Ok(0)
}

/// `-f key=value` flags into the `filters` query map.
pub fn parse_filters(flags: &[String]) -> Result<Filters, CliError> {
    let mut filters = Filters::new();
    for flag in flags {
        let Some((key, value)) = flag.split_once('=') else {
            return Err(CliError::message(
                "bad format of filter (expected name=value)".to_string(),
            ));
        };
        filters.add(key.trim().to_lowercase(), value);
    }
    Ok(filters)
}

fn header(field: &str) -> String {
    match field {
        "ID" => "CONTAINER ID".to_string(),
        "RunningFor" => "CREATED".to_string(),
        other => default_header(other),
    }
}

fn short_id(id: &str, truncate: bool) -> String {
    if truncate {
        id.chars().take(12).collect()
    } else {
        id.to_string()
    }
}

/// The display fields docker's container formatter offers, as strings.
pub fn container_row(c: &ContainerSummary, truncate: bool, now_nanos: i128) -> Value {
    let command = if truncate {
        ellipsis(&c.command, 20)
    } else {
        c.command.clone()
    };
    // Only the container's own names: link names contain a second `/`.
    let names: Vec<&str> = c
        .names
        .iter()
        .map(|n| n.strip_prefix('/').unwrap_or(n))
        .filter(|n| !n.contains('/'))
        .collect();
    let labels: Vec<String> = c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let networks: Vec<&str> = c
        .network_settings
        .networks
        .keys()
        .map(String::as_str)
        .collect();
    let mounts: Vec<&str> = c
        .mounts
        .iter()
        .map(|m| {
            if m.name.is_empty() {
                m.source.as_str()
            } else {
                m.name.as_str()
            }
        })
        .collect();
    let size = match (c.size_rw, c.size_root_fs) {
        (Some(rw), Some(root)) => format!("{} (virtual {})", human_size_3(rw), human_size_3(root)),
        (Some(rw), None) => human_size_3(rw),
        _ => "0B".to_string(),
    };
    json!({
        "ID": short_id(&c.id, truncate),
        "Image": c.image,
        "Command": go_quote(&command),
        "CreatedAt": created_at(c.created),
        "RunningFor": human_since(c.created, now_nanos),
        "Platform": null,
        "Ports": format_ports(&c.ports),
        "State": c.state,
        "Status": c.status,
        "Size": size,
        "Names": names.join(","),
        "Labels": labels.join(","),
        "Mounts": mounts.join(","),
        "Networks": networks.join(","),
        "LocalVolumes": c.mounts.iter().filter(|m| m.kind == "volume").count().to_string(),
    })
}

fn human_size_3(bytes: i64) -> String {
    crate::humanize::human_size_with_precision(bytes as f64, 3)
}

/// Go's `time.Time.String()` of a Unix timestamp in UTC: `2026-11-22 09:42:09 +0000 UTC`.
pub fn created_at(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S +0000 UTC").to_string())
        .unwrap_or_default()
}

/// `0.0.0.0:8080->80/tcp, 53/udp`.
pub fn format_ports(ports: &[Port]) -> String {
    let shown: Vec<String> = ports
        .iter()
        .map(|p| match p.public_port {
            Some(public) if !p.ip.is_empty() => {
                let ip = if p.ip.contains(':') {
                    format!("[{}]", p.ip)
                } else {
                    p.ip.clone()
                };
                format!("{ip}:{public}->{}/{}", p.private_port, p.kind)
            }
            Some(public) => format!("{public}->{}/{}", p.private_port, p.kind),
            None => format!("{}/{}", p.private_port, p.kind),
        })
        .collect();
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> ContainerSummary {
        ContainerSummary {
            id: "fc65055a18285712b1beebed2d4e0543ce00d12de91045ec22a95e411fa3a684".into(),
            names: vec!["/exited1".into()],
            image: "busybox".into(),
            command: "sh -c 'while true; do echo tick; sleep 1; done'".into(),
            created: 1_795_340_589,
            status: "Exited (0) 1 second ago".into(),
            state: "exited".into(),
            ..ContainerSummary::default()
        }
    }

    #[test]
    fn rows_like_docker() {
        let now = (1_795_340_589i128 + 2) * 1_000_000_000;
        let row = container_row(&summary(), true, now);
        assert_eq!(row["ID"], "fc65055a1828");
        assert_eq!(row["Command"], "\"sh -c 'while true; …\"");
        assert_eq!(row["RunningFor"], "2 seconds ago");
        assert_eq!(row["Names"], "exited1");
        assert_eq!(row["CreatedAt"], "2026-11-22 09:43:09 +0000 UTC");
        let full = container_row(&summary(), false, now);
        assert_eq!(full["ID"].as_str().map(str::len), Some(64));
    }

    #[test]
    fn default_table_layout() {
        let now = (1_795_340_589i128 + 2) * 1_000_000_000;
        let rows = vec![container_row(&summary(), true, now)];
        let text = render_list(None, DEFAULT_TABLE, &rows, &header).unwrap();
        let expected = "CONTAINER ID   IMAGE     COMMAND                  CREATED         STATUS                    PORTS     NAMES\n\
fc65055a1828   busybox   \"sh -c 'while true; …\"   2 seconds ago   Exited (0) 1 second ago             exited1\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn ports_and_filters() {
        let ports = vec![
            Port {
                ip: "0.0.0.0".into(),
                private_port: 80,
                public_port: Some(8080),
                kind: "tcp".into(),
            },
            Port {
                ip: "::".into(),
                private_port: 80,
                public_port: Some(8080),
                kind: "tcp".into(),
            },
            Port {
                ip: String::new(),
                private_port: 53,
                public_port: None,
                kind: "udp".into(),
            },
        ];
        assert_eq!(
            format_ports(&ports),
            "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 53/udp"
        );
        let f = parse_filters(&["status=exited".into(), "label=app=demo".into()]).unwrap();
        assert_eq!(
            f.to_json(),
            r#"{"label":{"app=demo":true},"status":{"exited":true}}"#
        );
        assert!(parse_filters(&["nonsense".into()]).is_err());
    }
}
