//! `berth history [--no-trunc] [-q] [-H] [--format] IMAGE`.

use client::HistoryItem;
use serde_json::{json, Value};

use crate::args::HistoryArgs;
use crate::gostr::ellipsis;
use crate::humanize::{human_since, human_size_with_precision, now_unix_nanos};
use crate::list_format::render_list;
use crate::template::default_header;
use crate::{CliError, Ctx};

const DEFAULT_TABLE: &str =
    "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

pub async fn run(ctx: &Ctx, args: HistoryArgs) -> Result<i32, CliError> {
    let history = ctx.client.image_history(&args.image).await?;
    let rows: Vec<Value> = history
        .iter()
        .map(|item| history_row(item, !args.no_trunc, args.human, now_unix_nanos()))
        .collect();
    let format = if args.quiet {
        Some("{{.ID}}")
    } else {
        args.format.as_deref()
    };
    print!("{}", render_list(format, DEFAULT_TABLE, &rows, &header)?);
    Ok(0)
}

fn header(field: &str) -> String {
    match field {
        "ID" => "IMAGE".to_string(),
        "CreatedSince" | "CreatedAt" => "CREATED".to_string(),
        "CreatedBy" => "CREATED BY".to_string(),
        other => default_header(other),
    }
}

/// One history line's fields, formatted like docker's history formatter.
pub fn history_row(item: &HistoryItem, truncate: bool, human: bool, now_nanos: i128) -> Value {
    let id = if item.id.is_empty() || item.id == "<missing>" {
        "<missing>".to_string()
    } else if truncate {
        let hex = item.id.strip_prefix("sha256:").unwrap_or(&item.id);
        hex.chars().take(12).collect()
    } else {
        item.id.clone()
    };
    let created_by = item.created_by.replace('\t', " ");
    let created_by = if truncate {
        ellipsis(&created_by, 45)
    } else {
        created_by
    };
    let created_at = chrono::DateTime::from_timestamp(item.created, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    let (since, size) = if human {
        (
            human_since(item.created, now_nanos),
            human_size_with_precision(item.size as f64, 3),
        )
    } else {
        (created_at.clone(), item.size.to_string())
    };
    json!({
        "ID": id,
        "CreatedSince": since,
        "CreatedAt": created_at,
        "CreatedBy": created_by,
        "Size": size,
        "Comment": item.comment,
        "Tags": item.tags.clone().unwrap_or_default().join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_like_docker_history() {
        let now = 1_000_000i128 * 1_000_000_000;
        let items = [
            HistoryItem {
                id: "sha256:6af1e2efaf352adbf624f4ff005258a0b142bd4fd653f6b3039565227c9038f7"
                    .into(),
                created: 1_000_000 - 2,
                created_by: "sh -c echo committed-content > /marker".into(),
                size: 18,
                comment: "add marker".into(),
                tags: None,
            },
            HistoryItem {
                id: "<missing>".into(),
                created: 1_000_000 - 15 * 60,
                created_by: String::new(),
                size: 1_984_000,
                comment: "Imported from -".into(),
                tags: None,
            },
        ];
        let rows: Vec<Value> = items
            .iter()
            .map(|i| history_row(i, true, true, now))
            .collect();
        let out = render_list(None, DEFAULT_TABLE, &rows, &header).unwrap();
        assert_eq!(
            out,
            "IMAGE          CREATED          CREATED BY                               SIZE      COMMENT\n\
             6af1e2efaf35   2 seconds ago    sh -c echo committed-content > /marker   18B       add marker\n\
             <missing>      15 minutes ago                                            1.98MB    Imported from -\n"
        );
    }
}
