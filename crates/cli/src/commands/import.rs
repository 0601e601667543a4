//! `berth import file|URL|- [REPOSITORY[:TAG]] [-c CHANGE]... [-m MESSAGE]`.
//!
//! As the docker CLI: `-` sends stdin as the body, a source starting with `http://` or
//! `https://` is left to the daemon to download (empty body), anything else is a local file.

use client::RequestBody;

use crate::args::ImportArgs;
use crate::output::{follow_progress, print_progress_line};
use crate::reference::ImageRef;
use crate::{CliError, Ctx};

/// Where the tar comes from.
enum Source<'a> {
    /// Sent by us as the request body (stdin or a file).
    Body(RequestBody),
    /// Downloaded by the daemon.
    Url(&'a str),
}

async fn open_source(source: &str) -> Result<Source<'_>, CliError> {
    if source == "-" {
        return Ok(Source::Body(RequestBody::reader(tokio::io::stdin())));
    }
    if source.starts_with("http://") || source.starts_with("https://") {
        return Ok(Source::Url(source));
    }
    let file = tokio::fs::File::open(source)
        .await
        .map_err(|e| CliError::message(format!("open {source}: {e}")))?;
    Ok(Source::Body(RequestBody::reader(file)))
}

pub async fn run(ctx: &Ctx, args: ImportArgs) -> Result<i32, CliError> {
    let source = open_source(&args.source).await?;
    let reference = args.reference.as_deref().map(ImageRef::parse);
    let repo = reference.as_ref().map(|r| r.repository.as_str());
    let tag = reference.as_ref().map(|r| r.tag.as_str());
    let message = args.message.as_deref();
    let stream = match source {
        Source::Body(body) => {
            ctx.client
                .import_image(body, repo, tag, message, &args.change)
                .await?
        }
        Source::Url(url) => {
            ctx.client
                .import_image_from_url(url, repo, tag, message, &args.change)
                .await?
        }
    };
    // Like docker without a terminal: `Downloading from <url>` (URL imports), then the new
    // image id, the last status; byte progress is not shown.
    follow_progress(stream, |m| print_progress_line(m, false)).await?;
    Ok(0)
}
