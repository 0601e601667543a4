//! `berth tag SOURCE[:TAG] TARGET[:TAG]`.

use crate::args::TagArgs;
use crate::reference::ImageRef;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: TagArgs) -> Result<i32, CliError> {
    let target = ImageRef::parse(&args.target);
    if target.digest.is_some() {
        return Err(CliError::message(
            "refusing to create a tag with a digest reference",
        ));
    }
    ctx.client
        .tag_image(&args.source, &target.repository, Some(&target.tag))
        .await?;
    Ok(0)
}
