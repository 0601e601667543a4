//! `berth pull NAME[:TAG|@DIGEST]`: progress lines, then the full reference, as docker prints.

use crate::args::PullArgs;
use crate::output::{follow_progress, print_progress_line};
use crate::reference::ImageRef;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: PullArgs) -> Result<i32, CliError> {
    let reference = ImageRef::parse(&args.reference);
    let tag = reference
        .digest
        .clone()
        .unwrap_or_else(|| reference.tag.clone());
    let stream = ctx
        .client
        .pull_image(&reference.full_repository(), &tag, args.platform.as_deref())
        .await?;
    let quiet = args.quiet;
    follow_progress(stream, |m| {
        if !quiet {
            print_progress_line(m, false)
        }
    })
    .await
    .map_err(|e| match e {
        CliError::Exit { code, message } => CliError::Exit {
            code,
            message: format!("Error response from daemon: {message}"),
        },
        other => other,
    })?;
    let separator = if reference.digest.is_some() { '@' } else { ':' };
    println!("{}{separator}{tag}", reference.full_repository());
    Ok(0)
}
