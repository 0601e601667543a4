//! `berth kill [-s SIGNAL] CONTAINER...`.

use crate::args::KillArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: KillArgs) -> Result<i32, CliError> {
    let signal = args.signal.as_deref();
    let failed = for_each_name(&args.containers, |name| async move {
        ctx.client.kill_container(&name, signal).await?;
        Ok(Some(name))
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
