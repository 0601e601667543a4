//! `berth version`: the Client and Server sections in docker's layout.

use serde_json::{json, Value};

use crate::args::VersionArgs;
use crate::template::Template;
use crate::{CliError, Ctx, VERSION};

pub async fn run(ctx: &Ctx, args: VersionArgs) -> Result<i32, CliError> {
    let client = json!({
        "Version": VERSION,
        "ApiVersion": client::API_VERSION,
        "Os": std::env::consts::OS,
        "Arch": go_arch(std::env::consts::ARCH),
        "Context": "default",
    });
    let server = ctx.client.version().await;
    if let Some(format) = args.format.as_deref().filter(|f| !f.is_empty()) {
        let server_value = server
            .as_ref()
            .ok()
            .and_then(|v| serde_json::to_value(v).ok())
            .unwrap_or(Value::Null);
        let both = json!({ "Client": client, "Server": server_value });
        let text = if format == "json" {
            both.to_string()
        } else {
            Template::parse(format)
                .map_err(CliError::Message)?
                .render(&both)
        };
        println!("{text}");
        server?;
        return Ok(0);
    }

    let mut out = String::new();
    out.push_str("Client:\n");
    out.push_str(&client_line("Version:", VERSION));
    out.push_str(&client_line("API version:", client::API_VERSION));
    out.push_str(&client_line(
        "OS/Arch:",
        &format!(
            "{}/{}",
            std::env::consts::OS,
            go_arch(std::env::consts::ARCH)
        ),
    ));
    out.push_str(&client_line("Context:", "default"));
    print!("{out}");
    let server = server?;

    print!("{}", server_section(&server));
    Ok(0)
}

/// docker's server template: `Server: <platform>`, then each component; the `Engine` component
/// shows the daemon's own fields.
fn server_section(server: &api::Version) -> String {
    let mut out = String::from("\nServer:");
    if !server.platform.name.is_empty() {
        out.push(' ');
        out.push_str(&server.platform.name);
    }
    out.push('\n');
    let engine_lines = |out: &mut String| {
        out.push_str(&server_line("Version:", &server.version));
        out.push_str(&server_line(
            "API version:",
            &format!(
                "{} (minimum version {})",
                server.api_version, server.min_api_version
            ),
        ));
        out.push_str(&server_line("Go version:", &server.go_version));
        out.push_str(&server_line("Git commit:", &server.git_commit));
        out.push_str(&server_line("Built:", &server.build_time));
        out.push_str(&server_line(
            "OS/Arch:",
            &format!("{}/{}", server.os, server.arch),
        ));
        out.push_str(&server_line(
            "Experimental:",
            &server.experimental.to_string(),
        ));
    };
    if server.components.is_empty() {
        out.push_str(" Engine:\n");
        engine_lines(&mut out);
    }
    for component in &server.components {
        out.push_str(&format!(" {}:\n", component.name));
        if component.name == "Engine" {
            engine_lines(&mut out);
            continue;
        }
        out.push_str(&server_line("Version:", &component.version));
        if let Some(details) = &component.details {
            for (k, v) in details {
                out.push_str(&server_line(&format!("{k}:"), v));
            }
        }
    }
    out
}

/// ` Version:           x`: docker aligns values at column 20.
fn client_line(label: &str, value: &str) -> String {
    format!(" {label:<19}{value}\n")
}

fn server_line(label: &str, value: &str) -> String {
    format!("  {label:<18}{value}\n")
}

/// Rust's architecture names as Go spells them.
pub fn go_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_align_at_column_twenty() {
        assert_eq!(
            client_line("Version:", "28.2.2"),
            " Version:           28.2.2\n"
        );
        assert_eq!(
            client_line("API version:", "1.41"),
            " API version:       1.41\n"
        );
        assert_eq!(
            server_line("Version:", "20.10"),
            "  Version:          20.10\n"
        );
    }
}
