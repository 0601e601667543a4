//! `berth import file|- [REPOSITORY[:TAG]] [-c CHANGE]... [-m MESSAGE]`.

use client::RequestBody;

use crate::args::ImportArgs;
use crate::output::follow_progress;
use crate::reference::ImageRef;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: ImportArgs) -> Result<i32, CliError> {
    let body = if args.source == "-" {
        RequestBody::reader(tokio::io::stdin())
    } else if args.source.contains("://") {
        return Err(CliError::message(
            "importing from a URL is not supported by berth yet",
        ));
    } else {
        let file = tokio::fs::File::open(&args.source)
            .await
            .map_err(|e| CliError::message(format!("open {}: {}", args.source, e)))?;
        RequestBody::reader(file)
    };
    let reference = args.reference.as_deref().map(ImageRef::parse);
    let repo = reference.as_ref().map(|r| r.repository.as_str());
    let tag = reference.as_ref().map(|r| r.tag.as_str());
    let stream = ctx
        .client
        .import_image(body, repo, tag, args.message.as_deref(), &args.change)
        .await?;
    let last = follow_progress(stream, |_| {}).await?;
    // The last status of an import is the new image id, which docker prints.
    if let Some(id) = last {
        println!("{id}");
    }
    Ok(0)
}
