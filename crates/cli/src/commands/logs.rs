//! `berth logs [-f] [--tail N] [-t] [--since T] [--until T] [--details] CONTAINER`.

use client::LogsOptions;

use crate::args::LogsArgs;
use crate::output::copy_log_stream;
use crate::timestamp::get_timestamp;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: LogsArgs) -> Result<i32, CliError> {
    // The framing depends on the container's TTY mode, so inspect first as docker does.
    let inspect = ctx.client.inspect_container(&args.container).await?;
    let now = chrono::Local::now();
    let since = args
        .since
        .as_deref()
        .map(|s| get_timestamp(s, now, "since"))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|s| get_timestamp(s, now, "until"))
        .transpose()?;
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        follow: args.follow,
        timestamps: args.timestamps,
        tail: Some(args.tail.clone()),
        since,
        until,
        details: args.details,
    };
    let stream = ctx.client.container_logs(&inspect.id, &options).await?;
    copy_log_stream(stream, inspect.config.tty).await?;
    Ok(0)
}
