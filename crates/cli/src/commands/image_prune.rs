//! `berth image prune [-a] [-f] [--filter]`: dangling images, or every unused one with `-a`.

use api::Filters;

use crate::args::ImagePruneArgs;
use crate::commands::ps::parse_filters;
use crate::humanize::human_size;
use crate::prompt::confirm;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: ImagePruneArgs) -> Result<i32, CliError> {
    let filters = prune_filters(args.all, &args.filter)?;
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

/// The user's filters plus `dangling=true`, or `dangling=false` with `-a`.
pub fn prune_filters(all: bool, flags: &[String]) -> Result<Filters, CliError> {
    let mut filters = parse_filters(flags)?;
    filters.add("dangling", if all { "false" } else { "true" });
    Ok(filters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_like_the_docker_cli() {
        // transcript 17: `image prune -a -f --filter until=1h`
        let filters = prune_filters(true, &["until=1h".to_string()]).unwrap();
        assert_eq!(
            filters.to_json(),
            r#"{"dangling":{"false":true},"until":{"1h":true}}"#
        );
        assert_eq!(
            prune_filters(false, &[]).unwrap().to_json(),
            r#"{"dangling":{"true":true}}"#
        );
    }
}
