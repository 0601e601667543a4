//! `berth network rm [-f] NETWORK...`: prints each removed name; failures are reported and the
//! command exits 1 after trying every network. `-f` skips networks that do not exist.

use crate::args::NetworkRmArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: NetworkRmArgs) -> Result<i32, CliError> {
    let force = args.force;
    let failed = for_each_name(&args.networks, |name| async move {
        match ctx.client.remove_network(&name).await {
            Ok(()) => Ok(Some(name)),
            Err(e) if force && e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
