//! `berth network rm NETWORK...`: prints each removed name; failures are reported and the
//! command exits 1 after trying every network.

use crate::args::NetworkRmArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: NetworkRmArgs) -> Result<i32, CliError> {
    let failed = for_each_name(&args.networks, |name| async move {
        ctx.client.remove_network(&name).await?;
        Ok(Some(name))
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
