//! `berth start [-a] [-i] CONTAINER...`.

use api::WaitCondition;
use tokio::io::AsyncWriteExt;

use crate::args::StartArgs;
use crate::commands::each::for_each_name;
use crate::output::{copy_demuxed, copy_raw};
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: StartArgs) -> Result<i32, CliError> {
    if args.attach || args.interactive {
        if args.containers.len() > 1 {
            return Err(CliError::message(
                "you cannot start and attach multiple containers at once",
            ));
        }
        return start_attached(ctx, &args.containers[0], args.interactive).await;
    }
    let failed = for_each_name(&args.containers, |name| async move {
        ctx.client.start_container(&name).await?;
        Ok(Some(name))
    })
    .await;
    if failed.is_empty() {
        Ok(0)
    } else {
        Err(CliError::message(format!(
            "Error: failed to start containers: {}",
            failed.join(", ")
        )))
    }
}

/// `start -a`: inspect (for the TTY mode), attach, wait for the next exit, start, copy output.
async fn start_attached(ctx: &Ctx, name: &str, interactive: bool) -> Result<i32, CliError> {
    let inspect = ctx.client.inspect_container(name).await?;
    let tty = inspect.config.tty;
    let stdin = interactive && inspect.config.open_stdin;
    let stream = ctx
        .client
        .attach_container(&inspect.id, stdin, true, true)
        .await?;
    let waiter = ctx
        .client
        .wait_container(&inspect.id, WaitCondition::NextExit)
        .await?;
    let (mut reader, mut writer) = tokio::io::split(stream);
    let stdin_task = if stdin {
        Some(tokio::spawn(async move {
            let _ = tokio::io::copy(&mut tokio::io::stdin(), &mut writer).await;
            let _ = writer.shutdown().await;
        }))
    } else {
        let _ = writer.shutdown().await;
        None
    };
    ctx.client.start_container(&inspect.id).await?;
    if tty {
        copy_raw(&mut reader).await?;
    } else {
        copy_demuxed(&mut reader).await?;
    }
    if let Some(task) = stdin_task {
        task.abort();
    }
    let status = waiter.result().await?;
    Ok(i32::try_from(status.status_code).unwrap_or(1))
}
