//! `berth commit [-a] [-c]... [-m] [-p] CONTAINER [REPOSITORY[:TAG]]`: prints the new image id.

use client::CommitOptions;

use crate::args::CommitArgs;
use crate::reference::ImageRef;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: CommitArgs) -> Result<i32, CliError> {
    let options = commit_options(&args);
    let id = ctx.client.commit_container(&options).await?;
    println!("{id}");
    Ok(0)
}

/// docker sends the repository fully qualified (`docker.io/library/x`) and the tag apart.
pub fn commit_options(args: &CommitArgs) -> CommitOptions {
    let (repo, tag) = match args.reference.as_deref().filter(|r| !r.is_empty()) {
        Some(reference) => {
            let parsed = ImageRef::parse(reference);
            (Some(parsed.full_repository()), Some(parsed.tag))
        }
        None => (None, None),
    };
    CommitOptions {
        container: args.container.clone(),
        repo,
        tag,
        comment: args.message.clone().unwrap_or_default(),
        author: args.author.clone().unwrap_or_default(),
        changes: args.change.clone(),
        pause: args.pause,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn repository_is_normalized_and_pause_defaults_on() {
        let cli = crate::args::Cli::try_parse_from([
            "berth",
            "commit",
            "-m",
            "add marker",
            "-c",
            "ENV FOO=bar",
            "tocommit",
            "committed:v1",
        ])
        .unwrap();
        let Some(crate::args::Command::Commit(args)) = cli.command else {
            panic!("not commit");
        };
        let options = commit_options(&args);
        assert_eq!(options.repo.as_deref(), Some("docker.io/library/committed"));
        assert_eq!(options.tag.as_deref(), Some("v1"));
        assert_eq!(options.comment, "add marker");
        assert_eq!(options.changes, vec!["ENV FOO=bar"]);
        assert!(options.pause);
        let cli =
            crate::args::Cli::try_parse_from(["berth", "commit", "--pause=false", "c"]).unwrap();
        let Some(crate::args::Command::Commit(args)) = cli.command else {
            panic!("not commit");
        };
        assert!(!commit_options(&args).pause);
        assert_eq!(commit_options(&args).repo, None);
    }
}
