//! `berth pull [-q] [--platform P] NAME[:TAG|@DIGEST]`: the daemon's progress as indicatif bars
//! on a terminal, docker's plain status lines otherwise, then the full reference. The stored
//! credentials for the image's registry go in `X-Registry-Auth`.

use std::os::fd::AsFd;

use crate::args::PullArgs;
use crate::credentials::registry_auth_header;
use crate::output::{follow_progress, print_progress_line};
use crate::progress_bars::LayerBars;
use crate::reference::ImageRef;
use crate::terminal::is_terminal;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: PullArgs) -> Result<i32, CliError> {
    let reference = ImageRef::parse(&args.reference);
    let name_only = ImageRef::is_name_only(&args.reference);
    if args.all_tags && !name_only {
        return Err(CliError::message("tag can't be used with --all-tags/-a"));
    }
    if name_only && !args.all_tags && !args.quiet {
        println!("Using default tag: latest");
    }
    // `-a` asks for every tag: no `tag` parameter at all.
    let tag = match (&reference.digest, args.all_tags) {
        (Some(digest), _) => digest.clone(),
        (None, true) => String::new(),
        (None, false) => reference.tag.clone(),
    };
    let auth = registry_auth_header(&reference.repository);
    let stream = ctx
        .client
        .pull_image_with_auth(
            &reference.full_repository(),
            &tag,
            args.platform.as_deref(),
            &auth,
        )
        .await?;
    show_progress(stream, args.quiet).await?;
    if args.all_tags {
        println!("{}", reference.full_repository());
    } else {
        let separator = if reference.digest.is_some() { '@' } else { ':' };
        println!("{}{separator}{tag}", reference.full_repository());
    }
    Ok(0)
}

/// Follows a pull/push stream: bars on a terminal, lines otherwise, nothing with `quiet`.
/// An error inside the stream is `Error response from daemon: ...`, exit 1.
pub async fn show_progress(stream: client::ByteStream, quiet: bool) -> Result<(), CliError> {
    let tty = !quiet && is_terminal(std::io::stdout().as_fd());
    let mut bars = tty.then(LayerBars::default);
    let result = follow_progress(stream, |m| {
        if quiet {
            return;
        }
        match bars.as_mut() {
            Some(bars) => bars.update(m),
            None => print_progress_line(m, false),
        }
    })
    .await;
    if let Some(bars) = bars.as_mut() {
        bars.finish();
    }
    result.map(drop).map_err(|e| match e {
        CliError::Exit { code, message } => CliError::Exit {
            code,
            message: format!("Error response from daemon: {message}"),
        },
        other => other,
    })
}
