//! `berth start [-a] [-i] CONTAINER...`.

use api::WaitCondition;

use crate::args::StartArgs;
use crate::commands::each::for_each_name;
use crate::session::{spawn_resize_tracker, spawn_signal_proxy, AttachedSession, ResizeTarget};
use crate::terminal::{detach_keys, DetachKeys, RawModeGuard};
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: StartArgs) -> Result<i32, CliError> {
    if args.attach || args.interactive {
        if args.containers.len() > 1 {
            return Err(CliError::message(
                "you cannot start and attach multiple containers at once",
            ));
        }
        let keys = detach_keys(args.detach_keys.as_deref())?;
        return start_attached(ctx, &args.containers[0], args.interactive, keys).await;
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
async fn start_attached(
    ctx: &Ctx,
    name: &str,
    interactive: bool,
    keys: DetachKeys,
) -> Result<i32, CliError> {
    let inspect = ctx.client.inspect_container(name).await?;
    let id = inspect.id.clone();
    let tty = inspect.config.tty;
    let stdin = interactive && inspect.config.open_stdin;
    let stream = ctx.client.attach_container(&id, stdin, true, true).await?;
    let waiter = ctx
        .client
        .wait_container(&id, WaitCondition::NextExit)
        .await?;
    let raw = if tty && stdin {
        RawModeGuard::enable()
    } else {
        None
    };
    let mut session = AttachedSession::begin(stream, tty, stdin, keys, raw).await;
    ctx.client.start_container(&id).await?;
    session.keep_while_attached(if tty {
        spawn_resize_tracker(ctx.client.clone(), ResizeTarget::Container(id.clone()))
    } else {
        spawn_signal_proxy(ctx.client.clone(), id.clone())
    });
    let detached = session.copy_until_closed_or_detached().await?;
    if detached {
        return Ok(0);
    }
    let status = waiter.result().await?;
    Ok(i32::try_from(status.status_code).unwrap_or(1))
}
