//! `berth attach CONTAINER`: our stdio to a running container until it exits (or ctrl-p ctrl-q
//! with a TTY); exits with the container's code.

use api::WaitCondition;
use tokio::io::AsyncWriteExt;
use tokio::sync::oneshot;

use crate::args::AttachArgs;
use crate::session::{
    copy_output, spawn_resize_tracker, spawn_signal_proxy, spawn_stdin_forwarder, ResizeTarget,
};
use crate::terminal::{detach_keys, RawModeGuard};
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: AttachArgs) -> Result<i32, CliError> {
    let keys = detach_keys(args.detach_keys.as_deref())?;
    let inspect = ctx.client.inspect_container(&args.container).await?;
    if !inspect.state.running {
        return Err(CliError::message(
            "You cannot attach to a stopped container, start it first",
        ));
    }
    let id = inspect.id.clone();
    let tty = inspect.config.tty;
    let stdin = !args.no_stdin && inspect.config.open_stdin;
    let stream = ctx.client.attach_container(&id, stdin, true, true).await?;
    let waiter = ctx
        .client
        .wait_container(&id, WaitCondition::NotRunning)
        .await?;
    let (mut reader, mut writer) = tokio::io::split(stream);
    let (detach_tx, detach_rx) = oneshot::channel();
    let _raw = if tty && stdin {
        RawModeGuard::enable()
    } else {
        None
    };
    let stdin_task = if stdin {
        Some(spawn_stdin_forwarder(writer, tty, keys, detach_tx))
    } else {
        let _ = writer.shutdown().await;
        None
    };
    let helper = if tty {
        Some(spawn_resize_tracker(
            ctx.client.clone(),
            ResizeTarget::Container(id.clone()),
        ))
    } else if args.sig_proxy {
        Some(spawn_signal_proxy(ctx.client.clone(), id.clone()))
    } else {
        None
    };
    let detached = tokio::select! {
        copied = copy_output(&mut reader, tty) => { copied?; false }
        Ok(()) = detach_rx => true,
    };
    if let Some(helper) = helper {
        helper.abort();
    }
    if let Some(task) = stdin_task {
        task.abort();
    }
    if detached {
        return Ok(0);
    }
    let status = waiter.result().await?;
    Ok(i32::try_from(status.status_code).unwrap_or(1))
}
