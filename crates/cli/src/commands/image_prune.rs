//! `berth image prune [-a] [-f] [--filter]`: dangling images, or every unused one with `-a`.

use crate::args::ImagePruneArgs;
use crate::commands::ps::parse_filters;
use crate::humanize::human_size;
use crate::prompt::confirm;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: ImagePruneArgs) -> Result<i32, CliError> {
    let mut filters = parse_filters(&args.filter)?;
    filters.add("dangling", if args.all { "false" } else { "true" });
    let warning = if args.all {
        "WARNING! This will remove all images without at least one container associated to them."
    } else {
        "WARNING! This will remove all dangling images."
    };
    if !args.force && !confirm(&format!("{warning}\nAre you sure you want to continue?")) {
        return Ok(0);
    }
    let report = ctx.client.prune_images(&filters).await?;
    let deleted = report.images_deleted.unwrap_or_default();
    if !deleted.is_empty() {
        println!("Deleted Images:");
        for item in &deleted {
            match (&item.untagged, &item.deleted) {
                (Some(untagged), _) if !untagged.is_empty() => println!("untagged: {untagged}"),
                (_, Some(deleted)) => println!("deleted: {deleted}"),
                _ => {}
            }
        }
        println!();
    }
    println!(
        "Total reclaimed space: {}",
        human_size(report.space_reclaimed as f64)
    );
    Ok(0)
}
