//! `berth pause CONTAINER...` and `berth unpause CONTAINER...`: each name printed on success.

use crate::args::ContainersArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: ContainersArgs, pause: bool) -> Result<i32, CliError> {
    let failed = for_each_name(&args.containers, |name| async move {
        if pause {
            ctx.client.pause_container(&name).await?;
        } else {
            ctx.client.unpause_container(&name).await?;
        }
        Ok(Some(name))
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
