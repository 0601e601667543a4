//! `berth volume prune [-f] [--filter k=v]...`: removes the volumes no container uses.
//!
//! berth speaks API 1.41, where the daemon prunes every unused volume, named ones included; the
//! docker 28 CLI then warns about "all local volumes", sends no `all` filter and refuses `-a`
//! (which needs API 1.42). berth does the same.

use api::{Filters, VolumePruneReport};

use crate::args::VolumePruneArgs;
use crate::commands::ps::parse_filters;
use crate::humanize::human_size;
use crate::prompt::confirm;
use crate::{CliError, Ctx};

/// docker's `allVolumesWarning`, shown for API versions before 1.42.
pub const WARNING: &str = "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?";

pub async fn run(ctx: &Ctx, args: VolumePruneArgs) -> Result<i32, CliError> {
    let filters = prune_filters(&args)?;
    if !args.force && !confirm(WARNING) {
        return Ok(0);
    }
    let report = ctx.client.prune_volumes(&filters).await?;
    print!("{}", report_text(&report));
    Ok(0)
}

/// The filters to send; `-a` is refused as docker refuses it against an API 1.41 daemon.
pub fn prune_filters(args: &VolumePruneArgs) -> Result<Filters, CliError> {
    if args.all {
        return Err(CliError::message(format!(
            "\"--all\" requires API version 1.42, but the Docker daemon API version is {}",
            client::API_VERSION
        )));
    }
    parse_filters(&args.filter)
}

/// `Deleted Volumes:` + names + an empty line when some went, then the reclaimed space.
pub fn report_text(report: &VolumePruneReport) -> String {
    let mut out = String::new();
    let mut reclaimed = 0;
    if !report.volumes_deleted.is_empty() {
        out.push_str("Deleted Volumes:\n");
        for name in &report.volumes_deleted {
            out.push_str(name);
            out.push('\n');
        }
        out.push('\n');
        reclaimed = report.space_reclaimed;
    }
    out.push_str(&format!(
        "Total reclaimed space: {}\n",
        human_size(reclaimed as f64)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(all: bool, filter: &[&str]) -> VolumePruneArgs {
        VolumePruneArgs {
            all,
            force: true,
            filter: filter.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn output_like_docker() {
        let report = VolumePruneReport {
            volumes_deleted: vec!["a".into(), "b".into()],
            space_reclaimed: 1234,
        };
        assert_eq!(
            report_text(&report),
            "Deleted Volumes:\na\nb\n\nTotal reclaimed space: 1.234kB\n"
        );
        // transcript 13: nothing deleted
        assert_eq!(
            report_text(&VolumePruneReport::default()),
            "Total reclaimed space: 0B\n"
        );
    }

    #[test]
    fn filters_and_all() {
        assert!(prune_filters(&args(false, &[])).unwrap().is_empty());
        assert_eq!(
            prune_filters(&args(false, &["label=a=b"]))
                .unwrap()
                .to_json(),
            r#"{"label":{"a=b":true}}"#
        );
        assert_eq!(
            prune_filters(&args(true, &[])).unwrap_err().to_string(),
            "\"--all\" requires API version 1.42, but the Docker daemon API version is 1.41"
        );
    }
}
