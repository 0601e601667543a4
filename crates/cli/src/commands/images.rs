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
        .flat_map(|i| image_rows(i, truncate, args.digests, now))
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

/// docker's familiar repository name (`docker.io/library/busybox` → `busybox`).
fn familiar(repository: &str) -> &str {
    repository
        .strip_prefix("docker.io/library/")
        .or_else(|| repository.strip_prefix("docker.io/"))
        .unwrap_or(repository)
}

/// (repository, tag, digest) rows as docker's image formatter builds them: one per repository
/// tag (and per digest of that repository with `--digests`), then the repositories known only
/// by digest with tag `<none>`; an image with neither is one `<none>`/`<none>` row.
pub fn tag_digest_rows(image: &ImageSummary, digests: bool) -> Vec<(String, String, String)> {
    let none = || "<none>".to_string();
    let mut repo_tags: Vec<(String, Vec<String>)> = Vec::new();
    for tag in image.repo_tags.iter().flatten() {
        if tag == "<none>:<none>" {
            continue;
        }
        let r = ImageRef::parse(tag);
        let repo = familiar(&r.repository).to_string();
        match repo_tags.iter_mut().find(|(name, _)| *name == repo) {
            Some((_, tags)) => tags.push(r.tag),
            None => repo_tags.push((repo, vec![r.tag])),
        }
    }
    let mut repo_digests: Vec<(String, Vec<String>)> = Vec::new();
    for reference in image.repo_digests.iter().flatten() {
        let Some((repo, digest)) = reference.split_once('@') else {
            continue;
        };
        if repo == "<none>" {
            continue;
        }
        let repo = familiar(repo).to_string();
        match repo_digests.iter_mut().find(|(name, _)| *name == repo) {
            Some((_, list)) => list.push(digest.to_string()),
            None => repo_digests.push((repo, vec![digest.to_string()])),
        }
    }
    let mut rows = Vec::new();
    for (repo, tags) in &repo_tags {
        let position = repo_digests.iter().position(|(name, _)| name == repo);
        let own = position
            .map(|i| repo_digests.remove(i).1)
            .unwrap_or_default();
        let own = if digests { own } else { Vec::new() };
        for tag in tags {
            if own.is_empty() {
                rows.push((repo.clone(), tag.clone(), none()));
            }
            for digest in &own {
                rows.push((repo.clone(), tag.clone(), digest.clone()));
            }
        }
    }
    for (repo, list) in repo_digests {
        if digests {
            for digest in list {
                rows.push((repo.clone(), none(), digest));
            }
        } else {
            rows.push((repo, none(), none()));
        }
    }
    if rows.is_empty() {
        rows.push((none(), none(), none()));
    }
    rows
}

/// The template fields of each row of an image.
pub fn image_rows(
    image: &ImageSummary,
    truncate: bool,
    digests: bool,
    now_nanos: i128,
) -> Vec<Value> {
    let tags = tag_digest_rows(image, digests);
    // docker's image formatter: SIZE has 3 significant digits, SHARED/UNIQUE SIZE 4.
    let shared = |n: i64| {
        if n < 0 {
            "N/A".to_string()
        } else {
            crate::humanize::human_size(n as f64)
        }
    };
    tags.into_iter()
        .map(|(repository, tag, digest)| {
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
        let rows = image_rows(&image, true, false, now);
        let text = render_list(None, DEFAULT_TABLE, &rows, &header).unwrap();
        assert_eq!(
            text,
            "REPOSITORY   TAG       IMAGE ID       CREATED              SIZE\n\
             busybox      latest    e58371c267bd   About a minute ago   1.98MB\n"
        );
        assert_eq!(rows[0]["VirtualSize"], "1.984MB");
    }

    #[test]
    fn digests_belong_to_their_repository() {
        let image = ImageSummary {
            id: "sha256:46e9786eded2".into(),
            repo_tags: Some(vec![
                "busybox:latest".into(),
                "127.0.0.1:5077/demo/busybox:v1".into(),
            ]),
            repo_digests: Some(vec![
                "127.0.0.1:5077/demo/busybox@sha256:ccef".into(),
                "127.0.0.1:5077/other@sha256:aaaa".into(),
            ]),
            ..ImageSummary::default()
        };
        let row = |r: &str, t: &str, d: &str| (r.to_string(), t.to_string(), d.to_string());
        assert_eq!(
            tag_digest_rows(&image, true),
            vec![
                row("busybox", "latest", "<none>"),
                row("127.0.0.1:5077/demo/busybox", "v1", "sha256:ccef"),
                row("127.0.0.1:5077/other", "<none>", "sha256:aaaa"),
            ]
        );
        assert_eq!(
            tag_digest_rows(&image, false),
            vec![
                row("busybox", "latest", "<none>"),
                row("127.0.0.1:5077/demo/busybox", "v1", "<none>"),
                row("127.0.0.1:5077/other", "<none>", "<none>"),
            ]
        );
    }

    #[test]
    fn untagged_images_show_none() {
        let image = ImageSummary {
            id: "sha256:abcdef0123456789".into(),
            ..ImageSummary::default()
        };
        let rows = image_rows(&image, true, false, 0);
        assert_eq!(rows[0]["Repository"], "<none>");
        assert_eq!(rows[0]["Tag"], "<none>");
        assert_eq!(rows[0]["ID"], "abcdef012345");
    }
}
