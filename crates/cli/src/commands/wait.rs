//! `berth wait CONTAINER...`: prints each exit code.

use api::WaitCondition;

use crate::args::WaitArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: WaitArgs) -> Result<i32, CliError> {
    let failed = for_each_name(&args.containers, |name| async move {
        let waiter = ctx
            .client
            .wait_container(&name, WaitCondition::NotRunning)
            .await?;
        let status = waiter.result().await?;
        if let Some(err) = status.error.filter(|e| !e.message.is_empty()) {
            return Err(CliError::message(err.message));
        }
        Ok(Some(status.status_code.to_string()))
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
