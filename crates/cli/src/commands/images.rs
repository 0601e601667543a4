//! `berth images`: the image list, formatted like docker 28.

use api::ImageSummary;
use serde_json::{json, Value};

use crate::args::ImagesArgs;
use crate::commands::ps::{created_at, parse_filters};
use crate::humanize::{human_since, human_size_with_precision, now_unix_nanos};
use crate::list_format::render_list;
use crate::reference::ImageRef;
use crate::template::default_header;
use crate::{CliError, Ctx};

const DEFAULT_TABLE: &str =
    "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
const DEFAULT_TABLE_DIGESTS: &str =
    "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";

pub async fn run(ctx: &Ctx, args: ImagesArgs) -> Result<i32, CliError> {
    let mut filters = parse_filters(&args.filter)?;
    if let Some(reference) = &args.reference {
        filters.add("reference", reference.clone());
    }
    let images = ctx.client.list_images(args.all, &filters).await?;
    let truncate = !args.no_trunc;
    if args.quiet {
        let mut seen = Vec::new();
        for image in &images {
            let id = image_id(&image.id, truncate);
            if !seen.contains(&id) {
                println!("{id}");
                seen.push(id);
            }
        }
        return Ok(0);
    }
    let now = now_unix_nanos();
    let rows: Vec<Value> = images
        .iter()
        .flat_map(|i| image_rows(i, truncate, now))
        .collect();
    let default = if args.digests {
        DEFAULT_TABLE_DIGESTS
    } else {
        DEFAULT_TABLE
    };
    let text = render_list(args.format.as_deref(), default, &rows, &header)?;
    print!("{text}");
    Ok(0)
}

fn header(field: &str) -> String {
    match field {
        "ID" => "IMAGE ID".to_string(),
        "CreatedSince" => "CREATED".to_string(),
        other => default_header(other),
    }
}

/// `sha256:<64 hex>` → 12 hex characters, or the full id with `--no-trunc`.
fn image_id(id: &str, truncate: bool) -> String {
    if truncate {
        id.strip_prefix("sha256:")
            .unwrap_or(id)
            .chars()
            .take(12)
            .collect()
    } else {
        id.to_string()
    }
}

/// One row per repository tag; an untagged image is one `<none>`/`<none>` row.
pub fn image_rows(image: &ImageSummary, truncate: bool, now_nanos: i128) -> Vec<Value> {
    let tags: Vec<(String, String)> = match image.repo_tags.as_deref() {
        Some(tags) if !tags.is_empty() && tags.iter().any(|t| t != "<none>:<none>") => tags
            .iter()
            .map(|t| {
                let r = ImageRef::parse(t);
                (r.repository, r.tag)
            })
            .collect(),
        _ => vec![("<none>".to_string(), "<none>".to_string())],
    };
    let digest = image
        .repo_digests
        .as_ref()
        .and_then(|d| d.first())
        .and_then(|d| d.split_once('@').map(|(_, digest)| digest.to_string()))
        .unwrap_or_else(|| "<none>".to_string());
    let shared = |n: i64| {
        if n < 0 {
            "N/A".to_string()
        } else {
            human_size_with_precision(n as f64, 3)
        }
    };
    tags.into_iter()
        .map(|(repository, tag)| {
            json!({
                "Repository": repository,
                "Tag": tag,
                "Digest": digest,
                "ID": image_id(&image.id, truncate),
                "CreatedSince": human_since(image.created, now_nanos),
                "CreatedAt": created_at(image.created),
                "Size": human_size_with_precision(image.size as f64, 3),
                "Containers": if image.containers < 0 { "N/A".to_string() } else { image.containers.to_string() },
                "SharedSize": shared(image.shared_size),
                "UniqueSize": if image.shared_size < 0 { "N/A".to_string() } else { shared(image.size - image.shared_size) },
                "VirtualSize": crate::humanize::human_size(image.virtual_size as f64),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_like_docker() {
        let image = ImageSummary {
            id: "sha256:e58371c267bd76a942791c0ccfbd5f02c01251e989529f5b9fa8cdb6ce6fb704".into(),
            created: 1_795_340_478,
            repo_tags: Some(vec!["busybox:latest".into()]),
            size: 1_984_241,
            virtual_size: 1_984_241,
            containers: -1,
            shared_size: -1,
            ..ImageSummary::default()
        };
        let now = (1_795_340_478i128 + 70) * 1_000_000_000;
        let rows = image_rows(&image, true, now);
        let text = render_list(None, DEFAULT_TABLE, &rows, &header).unwrap();
        assert_eq!(
            text,
            "REPOSITORY   TAG       IMAGE ID       CREATED              SIZE\n\
             busybox      latest    e58371c267bd   About a minute ago   1.98MB\n"
        );
        assert_eq!(rows[0]["VirtualSize"], "1.984MB");
    }

    #[test]
    fn untagged_images_show_none() {
        let image = ImageSummary {
            id: "sha256:abcdef0123456789".into(),
            ..ImageSummary::default()
        };
        let rows = image_rows(&image, true, 0);
        assert_eq!(rows[0]["Repository"], "<none>");
        assert_eq!(rows[0]["Tag"], "<none>");
        assert_eq!(rows[0]["ID"], "abcdef012345");
    }
}
