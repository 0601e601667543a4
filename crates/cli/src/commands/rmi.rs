//! `berth rmi [-f] IMAGE...`: prints `Untagged:`/`Deleted:` lines.

use crate::args::RmiArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: RmiArgs) -> Result<i32, CliError> {
    let (force, no_prune) = (args.force, args.no_prune);
    let failed = for_each_name(&args.images, |name| async move {
        let items = match ctx.client.remove_image(&name, force, no_prune).await {
            Ok(items) => items,
            // docker's `rmi -f` reports a missing image but does not fail because of it.
            Err(e) if force && e.is_not_found() => {
                eprintln!("{e}");
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let lines: Vec<String> = items
            .iter()
            .flat_map(|item| {
                let untagged = item.untagged.as_ref().map(|u| format!("Untagged: {u}"));
                let deleted = item.deleted.as_ref().map(|d| format!("Deleted: {d}"));
                untagged.into_iter().chain(deleted)
            })
            .collect();
        Ok(if lines.is_empty() {
            None
        } else {
            Some(lines.join("\n"))
        })
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
