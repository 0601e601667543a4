//! `berth system prune [-a] [-f] [--volumes] [--filter]`: containers, networks, images (dangling,
//! or all unused with `-a`) and build cache, then one reclaimed-space total, as docker prints it.
//! Endpoints this daemon does not have (404) are skipped.

use crate::args::SystemPruneArgs;
use crate::commands::image_prune::prune_filters;
use crate::commands::ps::parse_filters;
use crate::humanize::human_size;
use crate::prompt::confirm;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: SystemPruneArgs) -> Result<i32, CliError> {
    check_volume_filters(&args)?;
    if !args.force && !confirm(&warning(args.all, args.volumes)) {
        return Ok(0);
    }
    let filters = parse_filters(&args.filter)?;
    let mut reclaimed: u64 = 0;

    let containers = ctx.client.prune_containers(&filters).await?;
    reclaimed += containers.space_reclaimed;
    let deleted = containers.containers_deleted.unwrap_or_default();
    if !deleted.is_empty() {
        println!("Deleted Containers:\n{}\n", deleted.join("\n"));
    }

    if args.volumes {
        if let Some(v) = optional(ctx.client.prune_other("volumes", &filters).await)? {
            reclaimed += v
                .get("SpaceReclaimed")
                .and_then(|s| s.as_u64())
                .unwrap_or(0);
            let names = string_list(&v, "VolumesDeleted");
            if !names.is_empty() {
                println!("Deleted Volumes:\n{}\n", names.join("\n"));
            }
        }
    }

    if let Some(v) = optional(ctx.client.prune_other("networks", &filters).await)? {
        let names = string_list(&v, "NetworksDeleted");
        if !names.is_empty() {
            println!("Deleted Networks:\n{}\n", names.join("\n"));
        }
    }

    let image_filters = prune_filters(args.all, &args.filter)?;
    let images = ctx.client.prune_images(&image_filters).await?;
    reclaimed += images.space_reclaimed;
    let images_deleted = images.images_deleted.unwrap_or_default();
    if !images_deleted.is_empty() {
        println!("Deleted Images:");
        for item in &images_deleted {
            match (&item.untagged, &item.deleted) {
                (Some(untagged), _) if !untagged.is_empty() => println!("untagged: {untagged}"),
                (_, Some(deleted)) => println!("deleted: {deleted}"),
                _ => {}
            }
        }
        println!();
    }

    if let Some(v) = optional(ctx.client.prune_other("build", &filters).await)? {
        reclaimed += v
            .get("SpaceReclaimed")
            .and_then(|s| s.as_u64())
            .unwrap_or(0);
        let ids = string_list(&v, "CachesDeleted");
        if !ids.is_empty() {
            println!("Deleted build cache objects:\n{}\n", ids.join("\n"));
        }
    }

    println!("Total reclaimed space: {}", human_size(reclaimed as f64));
    Ok(0)
}

/// docker's confirmation text.
pub fn warning(all: bool, volumes: bool) -> String {
    let mut text = String::from(
        "WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n",
    );
    if volumes {
        text.push_str("  - all anonymous volumes not used by at least one container\n");
    }
    if all {
        text.push_str("  - all images without at least one container associated to them\n");
    } else {
        text.push_str("  - all dangling images\n");
    }
    text.push_str("  - unused build cache\n\nAre you sure you want to continue?");
    text
}

fn optional(
    result: Result<serde_json::Value, client::ClientError>,
) -> Result<Option<serde_json::Value>, CliError> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn string_list(v: &serde_json::Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(|l| l.as_array())
        .map(|l| {
            l.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Volumes have no `until` filter; docker refuses it before prompting.
fn check_volume_filters(args: &SystemPruneArgs) -> Result<(), CliError> {
    if args.volumes && parse_filters(&args.filter)?.contains("until") {
        return Err(CliError::message(
            "ERROR: The \"until\" filter is not supported with \"--volumes\"",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_is_refused_with_volumes() {
        let args = |volumes: bool| SystemPruneArgs {
            all: false,
            force: true,
            volumes,
            filter: vec!["until=1h".to_string()],
        };
        assert_eq!(
            check_volume_filters(&args(true)).unwrap_err().to_string(),
            "ERROR: The \"until\" filter is not supported with \"--volumes\""
        );
        assert!(check_volume_filters(&args(false)).is_ok());
    }

    #[test]
    fn warning_lists_what_goes() {
        let text = warning(true, false);
        assert!(text.contains("all images without at least one container"));
        assert!(!text.contains("volumes"));
        assert!(warning(false, true).contains("anonymous volumes"));
    }
}
