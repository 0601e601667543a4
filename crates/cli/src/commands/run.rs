//! `berth run`: create → attach → wait → start → copy output → exit with the container's code,
//! in the order the docker CLI uses (attach and wait are registered before start so no output
//! and no exit is missed).

use api::WaitCondition;
use client::ClientError;
use tokio::io::{AsyncWriteExt, ReadHalf};

use crate::args::RunArgs;
use crate::commands::create::{
    build_request, create_pulling, run_error, run_error_code, split_image_command,
};
use crate::output::{copy_demuxed, copy_raw};
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: RunArgs) -> Result<i32, CliError> {
    let (image, command) = split_image_command(&args.image_and_command, "run")?;
    let flags = &args.container;
    let request = build_request(flags, image, command, args.detach, "run")?;
    let id = create_pulling(ctx, &request, &flags.pull, "run").await?;

    if args.detach {
        if let Err(e) = ctx.client.start_container(&id).await {
            return Err(start_error(&e));
        }
        println!("{id}");
        return Ok(0);
    }

    let stream = ctx
        .client
        .attach_container(&id, flags.interactive, true, true)
        .await
        .map_err(|e| run_error("run", &e))?;
    let condition = if flags.rm {
        WaitCondition::Removed
    } else {
        WaitCondition::NextExit
    };
    let waiter = ctx
        .client
        .wait_container(&id, condition)
        .await
        .map_err(|e| run_error("run", &e))?;

    let (mut reader, mut writer) = tokio::io::split(stream);
    // Without -i nothing will ever be written: half-close at once, as docker does.
    let stdin_task = if flags.interactive {
        Some(tokio::spawn(async move {
            let mut stdin = tokio::io::stdin();
            let _ = tokio::io::copy(&mut stdin, &mut writer).await;
            let _ = writer.shutdown().await;
        }))
    } else {
        let _ = writer.shutdown().await;
        None
    };

    if let Err(e) = ctx.client.start_container(&id).await {
        if let Some(task) = stdin_task {
            task.abort();
        }
        if flags.rm {
            // The daemon removes an auto-remove container whose start failed; wait briefly for
            // it so a following `ps -a` does not show it.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), waiter.result()).await;
        }
        return Err(start_error(&e));
    }

    copy_output(&mut reader, flags.tty).await?;
    if let Some(task) = stdin_task {
        task.abort();
    }
    let status = waiter.result().await?;
    if let Some(err) = status.error.filter(|e| !e.message.is_empty()) {
        eprintln!("berth: {}", err.message);
    }
    Ok(i32::try_from(status.status_code).unwrap_or(125))
}

async fn copy_output<S>(reader: &mut ReadHalf<S>, tty: bool) -> Result<(), CliError>
where
    S: tokio::io::AsyncRead,
{
    if tty {
        copy_raw(reader).await
    } else {
        copy_demuxed(reader).await
    }
}

/// docker's `runStartContainerErr`: 127 for a missing command, 126 for a non-executable one,
/// 125 otherwise.
pub fn start_error(e: &ClientError) -> CliError {
    run_error_code("run", e, start_error_code(&e.to_string()))
}

pub fn start_error_code(message: &str) -> i32 {
    if message.contains("executable file not found")
        || message.contains("no such file or directory")
    {
        127
    } else if message.contains("permission denied") {
        126
    } else {
        125
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_error_codes_like_docker() {
        assert_eq!(
            start_error_code("exec: \"nope\": executable file not found in $PATH"),
            127
        );
        assert_eq!(
            start_error_code("stat /x: no such file or directory: unknown"),
            127
        );
        assert_eq!(start_error_code("exec: \"/etc\": permission denied"), 126);
        assert_eq!(start_error_code("cgroup failure"), 125);
    }
}
