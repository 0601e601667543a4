//! `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published ports from inspect.

use api::PortMap;

use crate::args::PortArgs;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: PortArgs) -> Result<i32, CliError> {
    let inspect = ctx.client.inspect_container(&args.container).await?;
    let ports = &inspect.network_settings.ports;
    match args.port {
        Some(spec) => {
            let lines = port_lines(ports, &spec, &inspect.name)?;
            for line in lines {
                println!("{line}");
            }
        }
        None => {
            for line in all_port_lines(ports) {
                println!("{line}");
            }
        }
    }
    Ok(0)
}

fn host_address(ip: &str, port: &str) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

/// Every binding as `80/tcp -> 0.0.0.0:8080`, in docker's natural order.
pub fn all_port_lines(ports: &PortMap) -> Vec<String> {
    let mut lines = Vec::new();
    for (port, bindings) in ports {
        for binding in bindings.iter().flatten() {
            lines.push(format!(
                "{port} -> {}",
                host_address(&binding.host_ip, &binding.host_port)
            ));
        }
    }
    lines.sort_by_key(|line| natural_key(line));
    lines
}

/// The bindings of one container port (`80` means `80/tcp`).
pub fn port_lines(ports: &PortMap, spec: &str, container: &str) -> Result<Vec<String>, CliError> {
    let (port, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
    if port.parse::<u16>().is_err() {
        return Err(CliError::message(format!(
            "Error: invalid port ({port}): strconv.ParseUint: parsing \"{port}\": invalid syntax"
        )));
    }
    let key = format!("{port}/{proto}");
    match ports.get(&key) {
        Some(Some(bindings)) if !bindings.is_empty() => Ok(bindings
            .iter()
            .map(|b| host_address(&b.host_ip, &b.host_port))
            .collect()),
        _ => Err(CliError::message(format!(
            "Error: No public port '{key}' published for {}",
            container.trim_start_matches('/')
        ))),
    }
}

/// Compares digit runs by value so `8080/tcp` sorts after `443/tcp`.
fn natural_key(s: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut digits = String::new();
    let mut text = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !text.is_empty() {
                out.push((0, std::mem::take(&mut text)));
            }
            digits.push(c);
        } else {
            if !digits.is_empty() {
                out.push((digits.parse().unwrap_or(u64::MAX), String::new()));
                digits.clear();
            }
            text.push(c);
        }
    }
    if !digits.is_empty() {
        out.push((digits.parse().unwrap_or(u64::MAX), String::new()));
    }
    if !text.is_empty() {
        out.push((0, text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use api::PortBinding;

    fn ports() -> PortMap {
        let mut ports = PortMap::new();
        ports.insert(
            "80/tcp".into(),
            Some(vec![
                PortBinding {
                    host_ip: "0.0.0.0".into(),
                    host_port: "8080".into(),
                },
                PortBinding {
                    host_ip: "::".into(),
                    host_port: "8080".into(),
                },
            ]),
        );
        ports.insert("9000/udp".into(), None);
        ports
    }

    #[test]
    fn lists_like_docker_port() {
        assert_eq!(
            all_port_lines(&ports()),
            vec!["80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080"]
        );
        assert_eq!(
            port_lines(&ports(), "80", "/web").unwrap(),
            vec!["0.0.0.0:8080", "[::]:8080"]
        );
        let err = port_lines(&ports(), "9000/udp", "/web").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Error: No public port '9000/udp' published for web"
        );
    }
}
