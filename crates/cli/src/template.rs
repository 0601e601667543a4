//! A small subset of Go templates for `--format`: `{{.Field}}`, `{{.A.B}}`, `{{json .}}`,
//! `{{json .Field}}`, `{{upper .X}}`/`{{lower .X}}`, `\t`/`\n` escapes, and the `table` prefix.
//! Values are rendered from a `serde_json::Value` the way Go's `fmt` prints them.

use serde_json::Value;

/// A parsed `--format` string.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Started with `table`: print a header row and align columns with a tabwriter.
    pub table: bool,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Action {
        func: Option<Func>,
        path: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Func {
    Json,
    Upper,
    Lower,
}

impl Template {
    /// Parses a format. `\t` and `\n` written literally in the flag become tab and newline, as in
    /// docker's formatter; a leading `table` keyword is removed and recorded.
    pub fn parse(format: &str) -> Result<Template, String> {
        let mut text = format.to_string();
        let mut table = false;
        if let Some(rest) = text.strip_prefix("table") {
            table = true;
            text = rest.to_string();
        }
        let text = text
            .trim_matches(' ')
            .replace("\\t", "\t")
            .replace("\\n", "\n");
        let mut parts = Vec::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("template parsing error: unclosed action in {format:?}"))?;
            parts.push(parse_action(
                after[..end].trim_matches(|c| c == ' ' || c == '-'),
            )?);
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { table, parts })
    }

    /// Renders the template against one value.
    pub fn render(&self, value: &Value) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Action { func, path } => {
                    let found = lookup(value, path);
                    match func {
                        Some(Func::Json) => out.push_str(&go_json(found)),
                        Some(Func::Upper) => out.push_str(&go_print(found).to_uppercase()),
                        Some(Func::Lower) => out.push_str(&go_print(found).to_lowercase()),
                        None => out.push_str(&go_print(found)),
                    }
                }
            }
        }
        out
    }

    /// Renders the header row of a table: each field becomes `header(field name)`.
    pub fn render_header(&self, header: impl Fn(&str) -> String) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Action { path, .. } => {
                    out.push_str(&header(&path.join(".")));
                }
            }
        }
        out
    }
}

fn parse_action(action: &str) -> Result<Part, String> {
    let mut words = action.split_whitespace();
    let first = words.next().unwrap_or("");
    let (func, target) = match first {
        "json" => (Some(Func::Json), words.next().unwrap_or(".")),
        "upper" => (Some(Func::Upper), words.next().unwrap_or(".")),
        "lower" => (Some(Func::Lower), words.next().unwrap_or(".")),
        other => (None, other),
    };
    if words.next().is_some() || !target.starts_with('.') {
        return Err(format!(
            "template parsing error: unsupported action {{{{{action}}}}}"
        ));
    }
    let path = target[1..]
        .split('.')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Ok(Part::Action { func, path })
}

fn lookup<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut current = value;
    for key in path {
        current = current.as_object()?.get(key)?;
    }
    Some(current)
}

/// Go's `json.Marshal`: compact, with `<`, `>`, `&`, U+2028 and U+2029 escaped (they can only
/// occur inside strings, so replacing them in the output is exact).
pub fn go_json(value: Option<&Value>) -> String {
    let text = value
        .map(|v| v.to_string())
        .unwrap_or_else(|| "null".to_string());
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// How Go's `fmt.Print` shows decoded JSON: strings bare, `[a b]`, `map[k:v]`, `<nil>`.
fn go_print(value: Option<&Value>) -> String {
    match value {
        None => "<no value>".to_string(),
        Some(Value::Null) => "<nil>".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(items)) => {
            let inner: Vec<String> = items.iter().map(|v| go_print(Some(v))).collect();
            format!("[{}]", inner.join(" "))
        }
        Some(Value::Object(map)) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_print(map.get(*k))))
                .collect();
            format!("map[{}]", inner.join(" "))
        }
    }
}

/// Default header text for a field: `CreatedAt` → `CREATED AT`.
pub fn default_header(field: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in field.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase();
        out.extend(c.to_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_placeholders() {
        let t = Template::parse("{{.ID}}\\t{{.Names}}").unwrap();
        assert!(!t.table);
        assert_eq!(t.render(&json!({"ID": "abc", "Names": "web"})), "abc\tweb");
    }

    #[test]
    fn nested_fields_and_functions() {
        let v = json!({"State": {"Status": "running", "ExitCode": 0, "Running": true}, "Args": ["-f", "x"]});
        assert_eq!(
            Template::parse("{{.State.Status}}").unwrap().render(&v),
            "running"
        );
        assert_eq!(
            Template::parse("{{ .State.ExitCode }}").unwrap().render(&v),
            "0"
        );
        assert_eq!(
            Template::parse("{{.State.Running}}").unwrap().render(&v),
            "true"
        );
        assert_eq!(Template::parse("{{.Args}}").unwrap().render(&v), "[-f x]");
        assert_eq!(
            Template::parse("{{json .Args}}").unwrap().render(&v),
            r#"["-f","x"]"#
        );
        assert_eq!(
            Template::parse("{{upper .State.Status}}")
                .unwrap()
                .render(&v),
            "RUNNING"
        );
        assert_eq!(
            Template::parse("{{.Missing}}").unwrap().render(&v),
            "<no value>"
        );
        assert_eq!(
            Template::parse("x={{json .}}")
                .unwrap()
                .render(&json!({"a":1})),
            r#"x={"a":1}"#
        );
        assert_eq!(
            Template::parse("{{json .}}")
                .unwrap()
                .render(&json!({"D": "<none>&"})),
            r#"{"D":"\u003cnone\u003e\u0026"}"#
        );
    }

    #[test]
    fn table_prefix_and_header() {
        let t = Template::parse("table {{.ID}}\t{{.CreatedAt}}").unwrap();
        assert!(t.table);
        assert_eq!(t.render_header(default_header), "ID\tCREATED AT");
    }

    #[test]
    fn rejects_unsupported_actions() {
        assert!(Template::parse("{{range .}}").is_err());
        assert!(Template::parse("{{.ID").is_err());
    }
}
