//! `berth save [-o FILE] IMAGE...`: `GET /images/get?names=...` as a docker-archive tar.

use crate::args::SaveArgs;
use crate::output::write_stream_to;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: SaveArgs) -> Result<i32, CliError> {
    let stream = ctx.client.save_images(&args.images).await?;
    write_stream_to(stream, args.output.as_deref(), "save").await?;
    Ok(0)
}
