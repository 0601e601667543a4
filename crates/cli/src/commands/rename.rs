//! `berth rename CONTAINER NEW_NAME`.

use crate::args::RenameArgs;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: RenameArgs) -> Result<i32, CliError> {
    let new_name = args.new_name.trim();
    if new_name.is_empty() {
        return Err(CliError::message(
            "Error: Neither old nor new names may be empty",
        ));
    }
    ctx.client
        .rename_container(&args.container, new_name)
        .await?;
    Ok(0)
}
