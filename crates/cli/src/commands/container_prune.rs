//! `berth container prune [-f] [--filter until=,label=]`.

use crate::args::PruneArgs;
use crate::commands::ps::parse_filters;
use crate::humanize::human_size;
use crate::prompt::confirm;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: PruneArgs) -> Result<i32, CliError> {
    let filters = parse_filters(&args.filter)?;
    if !args.force
        && !confirm(
            "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?",
        )
    {
        return Ok(0);
    }
    let report = ctx.client.prune_containers(&filters).await?;
    let deleted = report.containers_deleted.unwrap_or_default();
    if !deleted.is_empty() {
        println!("Deleted Containers:");
        for id in &deleted {
            println!("{id}");
        }
        println!();
    }
    println!(
        "Total reclaimed space: {}",
        human_size(report.space_reclaimed as f64)
    );
    Ok(0)
}
