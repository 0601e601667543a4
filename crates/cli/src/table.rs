//! Column alignment like docker's `NewTabWriter(output, 10, 1, 3, ' ', 0)`.

use std::io::Write;

/// Aligns tab-separated lines: minimum cell width 10, padding 3, text after the last tab of a
/// line is not a column (exactly Go's text/tabwriter, which docker uses).
pub fn align(lines: &[String]) -> String {
    // Go counts the padding inside the minimum width; the tabwriter crate adds it on top.
    let mut tw = tabwriter::TabWriter::new(Vec::new())
        .minwidth(10 - 3)
        .padding(3);
    for line in lines {
        // Writing to a Vec cannot fail.
        let _ = writeln!(tw, "{line}");
    }
    let bytes = tw.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_docker_ps_header() {
        let out =
            align(&["CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES".to_string()]);
        assert_eq!(
            out,
            "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n"
        );
    }

    #[test]
    fn matches_docker_ps_rows() {
        let out = align(&[
            "CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES".to_string(),
            "fc65055a1828\tbusybox\t\"true\"\t2 seconds ago\tExited (0) 1 second ago\t\texited1"
                .to_string(),
        ]);
        let expected = "CONTAINER ID   IMAGE     COMMAND   CREATED         STATUS                    PORTS     NAMES\n\
                        fc65055a1828   busybox   \"true\"    2 seconds ago   Exited (0) 1 second ago             exited1\n";
        assert_eq!(out, expected);
    }
}
