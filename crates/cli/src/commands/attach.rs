//! `berth attach CONTAINER`: our stdio to a running container until it exits (or ctrl-p ctrl-q
//! with a TTY); exits with the container's code.

use api::WaitCondition;

use crate::args::AttachArgs;
use crate::session::{spawn_resize_tracker, spawn_signal_proxy, AttachedSession, ResizeTarget};
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
    let raw = if tty && stdin {
        RawModeGuard::enable()
    } else {
        None
    };
    let mut session = AttachedSession::begin(stream, tty, stdin, keys, raw).await;
    if tty {
        session.keep_while_attached(spawn_resize_tracker(
            ctx.client.clone(),
            ResizeTarget::Container(id.clone()),
        ));
    } else if args.sig_proxy {
        session.keep_while_attached(spawn_signal_proxy(ctx.client.clone(), id.clone()));
    }
    let detached = session.copy_until_closed_or_detached().await?;
    if detached {
        return Ok(0);
    }
    let status = waiter.result().await?;
    Ok(i32::try_from(status.status_code).unwrap_or(1))
}
