//! `berth volume ls [-q] [--filter k=v]... [--format F]`: volumes sorted by name in natural
//! order, in docker's `DRIVER    VOLUME NAME` table or the given format.

use api::Volume;
use serde_json::{json, Value};

use crate::args::VolumeLsArgs;
use crate::commands::ps::parse_filters;
use crate::humanize::human_size;
use crate::list_format::render_list;
use crate::natural_order::natural_cmp;
use crate::template::default_header;
use crate::{CliError, Ctx};

const TABLE: &str = "table {{.Driver}}\t{{.Name}}";
const QUIET: &str = "{{.Name}}";
/// docker's `raw` volume format; each entry is followed by an empty line.
const RAW: &str = "name: {{.Name}}\\ndriver: {{.Driver}}\\n";
const RAW_QUIET: &str = "name: {{.Name}}";

pub async fn run(ctx: &Ctx, args: VolumeLsArgs) -> Result<i32, CliError> {
    let filters = parse_filters(&args.filter)?;
    let mut volumes = ctx.client.list_volumes(&filters).await?.volumes;
    volumes.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    print!("{}", render(&volumes, args.format.as_deref(), args.quiet)?);
    Ok(0)
}

/// The listing for `format` (docker's `NewVolumeFormat`: `-q` only changes the default table).
pub fn render(volumes: &[Volume], format: Option<&str>, quiet: bool) -> Result<String, CliError> {
    let rows: Vec<Value> = volumes.iter().map(volume_row).collect();
    let format = match format {
        None | Some("") | Some("table") if quiet => QUIET,
        None | Some("") | Some("table") => TABLE,
        Some("raw") if quiet => RAW_QUIET,
        Some("raw") => RAW,
        Some(other) => other,
    };
    render_list(Some(format), TABLE, &rows, &header)
}

fn header(field: &str) -> String {
    match field {
        "Name" => "VOLUME NAME".to_string(),
        other => default_header(other),
    }
}

/// The fields docker's volume formatter offers, as display strings (`json` prints them all).
pub fn volume_row(v: &Volume) -> Value {
    let labels = v
        .labels
        .as_ref()
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let (links, size) = match &v.usage_data {
        Some(usage) => (usage.ref_count.to_string(), human_size(usage.size as f64)),
        None => ("N/A".to_string(), "N/A".to_string()),
    };
    json!({
        "Availability": "N/A",
        "Driver": v.driver,
        "Group": "N/A",
        "Labels": labels,
        "Links": links,
        "Mountpoint": v.mountpoint,
        "Name": v.name,
        "Scope": v.scope,
        "Size": size,
        "Status": "N/A",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn volumes() -> Vec<Volume> {
        // transcript 13's `GET /volumes` answer
        let answer: api::VolumeListResponse = serde_json::from_str(r#"{"Volumes":[{"CreatedAt":"2026-11-22T09:56:16Z","Driver":"local","Labels":{"env":"test"},"Mountpoint":"/var/lib/docker-transcripts/volumes/labeled/_data","Name":"labeled","Options":{"device":"tmpfs","type":"tmpfs"},"Scope":"local"},{"CreatedAt":"2026-11-22T09:56:15Z","Driver":"local","Labels":null,"Mountpoint":"/var/lib/docker-transcripts/volumes/myvol/_data","Name":"myvol","Options":null,"Scope":"local"}],"Warnings":null}"#).unwrap();
        answer.volumes
    }

    #[test]
    fn default_table_and_quiet() {
        assert_eq!(
            render(&volumes(), None, false).unwrap(),
            "DRIVER    VOLUME NAME\nlocal     labeled\nlocal     myvol\n"
        );
        assert_eq!(render(&volumes(), None, true).unwrap(), "labeled\nmyvol\n");
        // a format wins over -q, as in docker
        assert_eq!(
            render(&volumes(), Some("{{.Driver}}"), true).unwrap(),
            "local\nlocal\n"
        );
    }

    #[test]
    fn json_format_as_in_the_transcript() {
        let out = render(&volumes()[..1], Some("json"), false).unwrap();
        assert_eq!(
            out,
            "{\"Availability\":\"N/A\",\"Driver\":\"local\",\"Group\":\"N/A\",\"Labels\":\"env=test\",\"Links\":\"N/A\",\"Mountpoint\":\"/var/lib/docker-transcripts/volumes/labeled/_data\",\"Name\":\"labeled\",\"Scope\":\"local\",\"Size\":\"N/A\",\"Status\":\"N/A\"}\n"
        );
    }

    #[test]
    fn raw_and_table_templates() {
        assert_eq!(
            render(&volumes(), Some("raw"), false).unwrap(),
            "name: labeled\ndriver: local\n\nname: myvol\ndriver: local\n\n"
        );
        assert_eq!(
            render(
                &volumes(),
                Some("table {{.Name}}\t{{.Mountpoint}}\t{{.Scope}}\t{{.Labels}}"),
                false
            )
            .unwrap(),
            "VOLUME NAME   MOUNTPOINT                                          SCOPE     LABELS\n\
             labeled       /var/lib/docker-transcripts/volumes/labeled/_data   local     env=test\n\
             myvol         /var/lib/docker-transcripts/volumes/myvol/_data     local     \n"
        );
    }

    #[test]
    fn usage_data_fills_links_and_size() {
        let mut v = volumes().remove(1);
        v.usage_data = Some(api::UsageData {
            size: 1234,
            ref_count: 2,
        });
        let row = volume_row(&v);
        assert_eq!(
            (row["Links"].as_str(), row["Size"].as_str()),
            (Some("2"), Some("1.234kB"))
        );
    }
}
