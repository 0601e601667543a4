//! Rendering lists (`ps`, `images`) for `--format`: the default table, `table TEMPLATE`, `json`
//! (one JSON object per line) or a bare template (one line per item, no alignment).

use serde_json::Value;

use crate::table::align;
use crate::template::Template;
use crate::CliError;

/// Renders `rows` (objects of display strings) according to `format`.
pub fn render_list(
    format: Option<&str>,
    default_table: &str,
    rows: &[Value],
    header: &dyn Fn(&str) -> String,
) -> Result<String, CliError> {
    let format = match format {
        None | Some("") | Some("table") => default_table,
        Some("json") => "{{json .}}",
        Some(other) => other,
    };
    let template = Template::parse(format).map_err(CliError::Message)?;
    if template.table {
        let mut lines = Vec::with_capacity(rows.len() + 1);
        lines.push(template.render_header(header));
        lines.extend(rows.iter().map(|row| template.render(row)));
        return Ok(align(&lines));
    }
    let mut out = String::new();
    for row in rows {
        out.push_str(&template.render(row));
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn header(field: &str) -> String {
        match field {
            "ID" => "CONTAINER ID".to_string(),
            other => crate::template::default_header(other),
        }
    }

    #[test]
    fn default_table_and_custom_formats() {
        let rows = vec![json!({"ID": "abc123", "Names": "web"})];
        let table = render_list(None, "table {{.ID}}\t{{.Names}}", &rows, &header).unwrap();
        assert_eq!(table, "CONTAINER ID   NAMES\nabc123         web\n");
        let plain = render_list(Some("{{.Names}}"), "table {{.ID}}", &rows, &header).unwrap();
        assert_eq!(plain, "web\n");
        let json = render_list(Some("json"), "table {{.ID}}", &rows, &header).unwrap();
        assert_eq!(json, "{\"ID\":\"abc123\",\"Names\":\"web\"}\n");
        let custom = render_list(Some("table {{.Names}}"), "", &rows, &header).unwrap();
        assert_eq!(custom, "NAMES\nweb\n");
    }
}
