//! `berth export [-o FILE] CONTAINER`: the container's filesystem as a tar archive.

use crate::args::ExportArgs;
use crate::output::write_stream_to;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: ExportArgs) -> Result<i32, CliError> {
    let stream = ctx.client.export_container(&args.container).await?;
    write_stream_to(stream, args.output.as_deref(), "export").await?;
    Ok(0)
}
