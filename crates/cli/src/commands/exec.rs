//! `berth exec [-d -i -t -u -e -w --privileged --env-file] CONTAINER COMMAND...`: inspect,
//! create the exec, start it (hijacked, or detached), keep the TTY size in sync, then exit with
//! the exec's own exit code from `GET /exec/{id}/json`, as the docker CLI does.

use std::os::fd::AsFd;

use client::ExecConfig;

use crate::args::ExecArgs;
use crate::commands::run::start_error_code;
use crate::container_flags::parse_env_file;
use crate::session::{spawn_resize_tracker, AttachedSession, ResizeTarget};
use crate::terminal::{detach_keys, is_terminal, RawModeGuard};
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: ExecArgs) -> Result<i32, CliError> {
    let (container, command) = match args.container_and_command.split_first() {
        Some((container, command)) if !command.is_empty() => (container.clone(), command.to_vec()),
        _ => {
            return Err(CliError::Exit {
                code: 1,
                message: "\"berth exec\" requires at least 2 arguments.\nSee 'berth exec --help'."
                    .to_string(),
            })
        }
    };
    let keys = detach_keys(args.detach_keys.as_deref())?;
    let config = exec_config(&args, command)?;
    if config.tty && config.attach_stdin && !is_terminal(std::io::stdin().as_fd()) {
        return Err(CliError::message("the input device is not a TTY"));
    }
    // docker inspects first so a missing container is reported before anything is created.
    ctx.client.inspect_container(&container).await?;
    let exec_id = ctx.client.create_exec(&container, &config).await?;

    if args.detach {
        ctx.client
            .start_exec_detached(&exec_id, config.tty)
            .await
            .map_err(|e| exec_start_error(&e))?;
        return Ok(0);
    }

    let stream = ctx
        .client
        .start_exec_attached(&exec_id, config.tty)
        .await
        .map_err(|e| exec_start_error(&e))?;
    let tty = config.tty;
    let raw = if tty && config.attach_stdin {
        RawModeGuard::enable()
    } else {
        None
    };
    let mut session = AttachedSession::begin(stream, tty, config.attach_stdin, keys, raw).await;
    if tty {
        session.keep_while_attached(spawn_resize_tracker(
            ctx.client.clone(),
            ResizeTarget::Exec(exec_id.clone()),
        ));
    }
    let detached = session.copy_until_closed_or_detached().await?;
    if detached {
        return Ok(0);
    }
    let inspect = ctx.client.inspect_exec(&exec_id).await?;
    Ok(inspect
        .exit_code
        .and_then(|code| i32::try_from(code).ok())
        .unwrap_or(0))
}

/// The exec create body docker builds from the flags (`Env` is `null` without `-e`).
pub fn exec_config(args: &ExecArgs, cmd: Vec<String>) -> Result<ExecConfig, CliError> {
    let lookup = |name: &str| std::env::var(name).ok();
    let mut env = Vec::new();
    for file in &args.env_file {
        let text = std::fs::read_to_string(file)
            .map_err(|e| CliError::message(format!("open {}: {e}", file.display())))?;
        env.extend(parse_env_file(&text, &lookup).map_err(CliError::Message)?);
    }
    for entry in &args.env {
        if entry.contains('=') {
            env.push(entry.clone());
        } else if let Some(value) = lookup(entry) {
            env.push(format!("{entry}={value}"));
        }
    }
    let detach = args.detach;
    Ok(ExecConfig {
        user: args.user.clone().unwrap_or_default(),
        privileged: args.privileged,
        tty: args.tty,
        // API 1.41 has no exec ConsoleSize (docker leaves it out); the size follows at once
        // with a resize.
        console_size: None,
        attach_stdin: args.interactive && !detach,
        attach_stderr: !detach,
        attach_stdout: !detach,
        detach,
        detach_keys: args.detach_keys.clone().unwrap_or_default(),
        env: (!env.is_empty()).then_some(env),
        working_dir: args.workdir.clone().unwrap_or_default(),
        cmd,
    })
}

/// A failed exec start: docker's 126 (not executable) / 127 (not found) convention.
fn exec_start_error(e: &client::ClientError) -> CliError {
    let code = match start_error_code(&e.to_string()) {
        125 => 1,
        other => other,
    };
    CliError::Exit {
        code,
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn parse(argv: &[&str]) -> ExecArgs {
        let mut full = vec!["berth", "exec"];
        full.extend_from_slice(argv);
        match crate::args::Cli::try_parse_from(full).map(|c| c.command) {
            Ok(Some(crate::args::Command::Exec(a))) => a,
            other => panic!("not exec: {other:?}"),
        }
    }

    #[test]
    fn flags_before_the_container_and_command_after() {
        let a = parse(&[
            "-d", "-u", "1000", "-w", "/tmp", "-e", "A=1", "box", "sh", "-c", "x",
        ]);
        assert_eq!(a.container_and_command, vec!["box", "sh", "-c", "x"]);
        let config = exec_config(&a, vec!["sh".into()]).unwrap();
        assert!(config.detach && !config.attach_stdout && !config.attach_stdin);
        assert_eq!(config.user, "1000");
        assert_eq!(config.working_dir, "/tmp");
        assert_eq!(config.env, Some(vec!["A=1".to_string()]));
    }

    #[test]
    fn interactive_attaches_stdin_and_no_env_is_null() {
        let a = parse(&["-i", "box", "cat"]);
        let config = exec_config(&a, vec!["cat".into()]).unwrap();
        assert!(config.attach_stdin && config.attach_stdout && config.attach_stderr);
        assert_eq!(config.env, None);
    }
}
