//! `berth load [-i FILE] [-q]`: uploads a tar (docker-archive or OCI layout) to
//! `POST /images/load` and prints the daemon's `Loaded image: ...` lines.

use std::os::fd::AsFd;

use client::RequestBody;

use crate::args::LoadArgs;
use crate::commands::pull::show_progress;
use crate::terminal::is_terminal;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: LoadArgs) -> Result<i32, CliError> {
    let body = match &args.input {
        Some(path) => {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|e| CliError::message(format!("open {}: {e}", path.display())))?;
            RequestBody::reader(file)
        }
        None => {
            if is_terminal(std::io::stdin().as_fd()) {
                return Err(CliError::message(
                    "requested load from stdin, but stdin is empty",
                ));
            }
            RequestBody::reader(tokio::io::stdin())
        }
    };
    // docker asks for plain messages unless it can draw progress on a terminal.
    let quiet = args.quiet || !is_terminal(std::io::stdout().as_fd());
    let stream = ctx.client.load_images(body, quiet).await?;
    // `-q` still prints the loaded image names: they come as `stream` messages.
    show_progress(stream, false).await?;
    Ok(0)
}
