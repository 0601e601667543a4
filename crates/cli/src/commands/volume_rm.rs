//! `berth volume rm [-f] VOLUME...`: prints each removed name; the failures are reported and the
//! command exits 1 after trying every volume.

use crate::args::VolumeRmArgs;
use crate::commands::each::for_each_name;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: VolumeRmArgs) -> Result<i32, CliError> {
    let force = args.force;
    let failed = for_each_name(&args.volumes, |name| async move {
        ctx.client.remove_volume(&name, force).await?;
        Ok(Some(name))
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}
