//! `berth run`: create → attach → wait → start → copy output → exit with the container's code,
//! in the order the docker CLI uses (attach and wait are registered before start so no output
//! and no exit is missed).

use std::os::fd::AsFd;
use std::time::Duration;

use api::WaitCondition;
use client::ClientError;

use crate::args::RunArgs;
use crate::commands::create::{
    build_request, create_pulling, run_error, run_error_code, split_image_command,
};
use crate::session::{spawn_resize_tracker, spawn_signal_proxy, AttachedSession, ResizeTarget};
use crate::terminal::{detach_keys, is_terminal, window_size, RawModeGuard};
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: RunArgs) -> Result<i32, CliError> {
    let (image, command) = split_image_command(&args.image_and_command, "run")?;
    let flags = &args.container;
    let tty = flags.tty;
    if tty && flags.interactive && !args.detach && !is_terminal(std::io::stdin().as_fd()) {
        return Err(CliError::message("the input device is not a TTY"));
    }
    let keys = detach_keys(args.detach_keys.as_deref())?;
    let mut request = build_request(flags, image, command, args.detach, "run")?;
    if tty {
        if let Some((rows, cols)) = window_size() {
            request.body.host_config.console_size = [u64::from(rows), u64::from(cols)];
        }
    }
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

    let raw = if tty && flags.interactive {
        RawModeGuard::enable_with_signal_proxy()
    } else {
        None
    };
    let mut session = AttachedSession::begin(stream, tty, flags.interactive, keys, raw).await;

    if let Err(e) = ctx.client.start_container(&id).await {
        drop(session);
        if flags.rm {
            // The daemon removes an auto-remove container whose start failed; give it a moment
            // so a following `ps -a` does not show it, then make sure.
            if tokio::time::timeout(Duration::from_secs(5), waiter.result())
                .await
                .is_err()
            {
                let _ = ctx.client.remove_container(&id, true, false).await;
            }
        }
        return Err(start_error(&e));
    }

    // docker's run forwards signals whatever the TTY mode (the WINCH it also forwards is sent
    // by the resize tracker, right before the new size).
    session.keep_while_attached(spawn_signal_proxy(ctx.client.clone(), id.clone()));
    if tty {
        session.keep_while_attached(spawn_resize_tracker(
            ctx.client.clone(),
            ResizeTarget::Container(id.clone()),
        ));
    }
    let detached = session.copy_until_closed_or_detached().await?;
    if detached {
        return Ok(0);
    }
    let status = waiter.result().await?;
    if let Some(err) = status.error.filter(|e| !e.message.is_empty()) {
        eprintln!("berth: {}", err.message);
    }
    Ok(i32::try_from(status.status_code).unwrap_or(125))
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
