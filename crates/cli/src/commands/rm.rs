//! `berth rm [-f] [-v] CONTAINER...`.

use crate::args::RmArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: RmArgs) -> Result<i32, CliError> {
    let (force, volumes) = (args.force, args.volumes);
    let failed = for_each_name(&args.containers, |name| async move {
        match ctx.client.remove_container(&name, force, volumes).await {
            Ok(()) => Ok(Some(name)),
            // `rm -f` of something already gone is not an error for docker either.
            Err(e) if force && e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
