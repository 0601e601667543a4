//! `berth top CONTAINER [ps OPTIONS]`: the daemon's `ps` table, aligned like docker's
//! `tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)`.

use std::io::Write;

use client::TopResponse;

use crate::args::TopArgs;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: TopArgs) -> Result<i32, CliError> {
    let ps_args = (!args.ps_args.is_empty()).then(|| args.ps_args.join(" "));
    let top = ctx
        .client
        .top_container(&args.container, ps_args.as_deref())
        .await?;
    print!("{}", render_top(&top));
    Ok(0)
}

/// Titles then one line per process; cells at least 20 wide with 3 spaces of padding.
pub fn render_top(top: &TopResponse) -> String {
    let mut tw = tabwriter::TabWriter::new(Vec::new())
        .minwidth(20 - 3)
        .padding(3);
    let _ = writeln!(tw, "{}", top.titles.join("\t"));
    for process in &top.processes {
        let _ = writeln!(tw, "{}", process.join("\t"));
    }
    let bytes = tw.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_like_docker_top() {
        let top = TopResponse {
            titles: vec!["UID".into(), "PID".into(), "CMD".into()],
            processes: vec![vec!["root".into(), "7088".into(), "sleep 0.2".into()]],
        };
        assert_eq!(
            render_top(&top),
            "UID                 PID                 CMD\n\
             root                7088                sleep 0.2\n"
        );
    }
}
