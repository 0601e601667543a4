//! `berth diff CONTAINER`: `C /etc`, `A /new`, `D /gone`.

use client::ContainerChange;

use crate::args::DiffArgs;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: DiffArgs) -> Result<i32, CliError> {
    let changes = ctx.client.container_changes(&args.container).await?;
    for change in &changes {
        println!("{}", change_line(change));
    }
    Ok(0)
}

/// Kind 0 = changed, 1 = added, 2 = deleted.
pub fn change_line(change: &ContainerChange) -> String {
    let kind = match change.kind {
        0 => "C",
        1 => "A",
        2 => "D",
        _ => "?",
    };
    format!("{kind} {}", change.path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let line = |kind| {
            change_line(&ContainerChange {
                path: "/x".into(),
                kind,
            })
        };
        assert_eq!(line(0), "C /x");
        assert_eq!(line(1), "A /x");
        assert_eq!(line(2), "D /x");
    }
}
