//! `berth push [-a] [-q] NAME[:TAG]`: `POST /images/{name}/push?tag=` with the stored
//! credentials, showing the daemon's progress like pull.

use crate::args::PushArgs;
use crate::commands::pull::show_progress;
use crate::credentials::registry_auth_header;
use crate::reference::ImageRef;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: PushArgs) -> Result<i32, CliError> {
    let reference = ImageRef::parse(&args.reference);
    if reference.digest.is_some() {
        return Err(CliError::message(
            "invalid reference: cannot push a digest reference",
        ));
    }
    let name_only = ImageRef::is_name_only(&args.reference);
    let tag = if args.all_tags {
        if !name_only {
            return Err(CliError::message("tag can't be used with --all-tags/-a"));
        }
        None
    } else {
        if name_only {
            println!("Using default tag: latest");
        }
        Some(reference.tag.clone())
    };
    let auth = registry_auth_header(&reference.repository);
    let stream = ctx
        .client
        .push_image(&reference.repository, tag.as_deref(), &auth)
        .await?;
    show_progress(stream, args.quiet).await?;
    if args.quiet {
        println!("{}", args.reference);
    }
    Ok(0)
}
