//! `berth restart [-t N] CONTAINER...`.

use crate::args::RestartArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: RestartArgs) -> Result<i32, CliError> {
    let time = args.time;
    let failed = for_each_name(&args.containers, |name| async move {
        ctx.client.restart_container(&name, time).await?;
        Ok(Some(name))
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
