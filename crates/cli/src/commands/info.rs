//! `berth info`: the Client and Server sections in docker's layout, or `--format`.

use api::Info;

use crate::args::InfoArgs;
use crate::template::Template;
use crate::{CliError, Ctx, VERSION};

pub async fn run(ctx: &Ctx, args: InfoArgs) -> Result<i32, CliError> {
    if let Some(format) = args.format.as_deref().filter(|f| !f.is_empty()) {
        let value = ctx.client.info_value().await?;
        let text = if format == "json" {
            value.to_string()
        } else {
            Template::parse(format)
                .map_err(CliError::Message)?
                .render(&value)
        };
        println!("{text}");
        return Ok(0);
    }
    print!(
        "Client:\n Version:    {VERSION}\n Context:    default\n Debug Mode: {}\n\n",
        ctx.debug
    );
    let info = ctx.client.info().await?;
    print!("{}", server_section(&info));
    Ok(0)
}

fn server_section(info: &Info) -> String {
    let mut out = String::from("Server:\n");
    let mut line = |label: &str, value: &str| out.push_str(&format!(" {label}: {value}\n"));
    line("Containers", &info.containers.to_string());
    line(" Running", &info.containers_running.to_string());
    line(" Paused", &info.containers_paused.to_string());
    line(" Stopped", &info.containers_stopped.to_string());
    line("Images", &info.images.to_string());
    line("Server Version", &info.server_version);
    line("Storage Driver", &info.driver);
    for [k, v] in &info.driver_status {
        line(&format!(" {k}"), v);
    }
    line("Logging Driver", &info.logging_driver);
    line("Cgroup Driver", &info.cgroup_driver);
    line("Cgroup Version", &info.cgroup_version);
    out.push_str(" Plugins:\n");
    for kind in ["Volume", "Network", "Authorization", "Log"] {
        let names = string_list(&info.plugins[kind]);
        if !names.is_empty() {
            out.push_str(&format!("  {kind}: {}\n", names.join(" ")));
        }
    }
    let mut line = |label: &str, value: &str| out.push_str(&format!(" {label}: {value}\n"));
    let swarm = info.swarm["LocalNodeState"].as_str().unwrap_or("inactive");
    line("Swarm", swarm);
    let runtimes: Vec<&str> = info
        .runtimes
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    line("Runtimes", &runtimes.join(" "));
    line("Default Runtime", &info.default_runtime);
    line("Init Binary", &info.init_binary);
    line("containerd version", commit_id(&info.containerd_commit));
    line("runc version", commit_id(&info.runc_commit));
    line("init version", commit_id(&info.init_commit));
    line("Kernel Version", &info.kernel_version);
    line("Operating System", &info.operating_system);
    line("OSType", &info.os_type);
    line("Architecture", &info.architecture);
    line("CPUs", &info.ncpu.to_string());
    line("Total Memory", &bytes_size(info.mem_total as f64));
    line("Name", &info.name);
    line("ID", &info.id);
    line("Docker Root Dir", &info.docker_root_dir);
    line("Debug Mode", &info.debug.to_string());
    line("Experimental", &info.experimental_build.to_string());
    let insecure = string_list(&info.registry_config["InsecureRegistryCIDRs"]);
    if !insecure.is_empty() {
        out.push_str(" Insecure Registries:\n");
        for cidr in insecure {
            out.push_str(&format!("  {cidr}\n"));
        }
    }
    out.push_str(&format!(
        " Live Restore Enabled: {}\n\n",
        info.live_restore_enabled
    ));
    if let Some(warnings) = &info.warnings {
        for w in warnings {
            out.push_str(&format!("{w}\n"));
        }
    }
    out
}

fn string_list(value: &serde_json::Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default()
}

fn commit_id(value: &serde_json::Value) -> &str {
    value["ID"].as_str().unwrap_or("")
}

/// go-units `BytesSize`: binary units, four significant digits (`7.77GiB`).
fn bytes_size(size: f64) -> String {
    const UNITS: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];
    let mut size = size;
    let mut unit = 0;
    while size >= 1024.0 && unit < UNITS.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{}{}", crate::humanize::format_g(size, 4), UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_in_binary_units() {
        assert_eq!(bytes_size(8_340_000_000.0), "7.767GiB");
        assert_eq!(bytes_size(1024.0), "1KiB");
    }

    #[test]
    fn server_section_counts() {
        let info = Info {
            containers: 3,
            containers_running: 1,
            containers_stopped: 2,
            ..Info::default()
        };
        let text = server_section(&info);
        assert!(
            text.starts_with("Server:\n Containers: 3\n  Running: 1\n  Paused: 0\n  Stopped: 2\n")
        );
    }
}
