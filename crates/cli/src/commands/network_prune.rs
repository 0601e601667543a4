//! `berth network prune [-f] [--filter k=v]...`: removes the user-defined networks no container
//! uses.

use crate::args::NetworkPruneArgs;
use crate::commands::ps::parse_filters;
use crate::prompt::confirm;
use crate::{CliError, Ctx};

/// docker's prune warning.
pub const WARNING: &str = "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?";

pub async fn run(ctx: &Ctx, args: NetworkPruneArgs) -> Result<i32, CliError> {
    let filters = parse_filters(&args.filter)?;
    if !args.force && !confirm(WARNING) {
        return Ok(0);
    }
    let report = ctx.client.prune_networks(&filters).await?;
    print!(
        "{}",
        report_text(report.networks_deleted.as_deref().unwrap_or(&[]))
    );
    Ok(0)
}

/// `Deleted Networks:` + names + an empty line; nothing when none went (as docker).
pub fn report_text(deleted: &[String]) -> String {
    if deleted.is_empty() {
        return String::new();
    }
    let mut out = "Deleted Networks:\n".to_string();
    for n in deleted {
        out.push_str(n);
        out.push('\n');
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_like_docker() {
        assert_eq!(report_text(&[]), "");
        assert_eq!(
            report_text(&["a".into(), "b".into()]),
            "Deleted Networks:\na\nb\n\n"
        );
    }
}
