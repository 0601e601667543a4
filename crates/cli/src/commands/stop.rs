//! `berth stop [-t N] [-s SIGNAL] CONTAINER...`.

use crate::args::StopArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: StopArgs) -> Result<i32, CliError> {
    let time = args.time;
    let signal = args.signal.as_deref();
    let failed = for_each_name(&args.containers, |name| async move {
        ctx.client.stop_container(&name, time, signal).await?;
        Ok(Some(name))
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
