//! `-p/--publish` and `--expose` specs, parsed the way docker's `nat.ParsePortSpecs` does.

use api::PortBinding;

/// One container port and how it is published: `("80/tcp", binding)`.
pub type Publication = (String, PortBinding);

/// Parses `[[ip:][hostPort[-end]]:]containerPort[-end][/proto]`; IPv6 addresses in brackets.
pub fn parse_publish(spec: &str) -> Result<Vec<Publication>, String> {
    let (rest, proto) = split_proto(spec)?;
    let (ip, host, container) = split_address(rest)?;
    let container_ports =
        parse_range(container).ok_or_else(|| format!("invalid containerPort: {container}"))?;
    let host_ports = if host.is_empty() {
        None
    } else {
        Some(parse_range(host).ok_or_else(|| format!("invalid hostPort: {host}"))?)
    };
    let mut out = Vec::new();
    for (i, port) in container_ports.iter().enumerate() {
        let host_port = match &host_ports {
            None => String::new(),
            // One container port may take any port of a host range.
            Some(hosts) if container_ports.len() == 1 && hosts.len() > 1 => host.to_string(),
            Some(hosts) if hosts.len() == container_ports.len() => hosts[i].to_string(),
            Some(_) => {
                return Err(format!(
                    "invalid ranges specified for container and host Ports: {container} and {host}"
                ))
            }
        };
        out.push((
            format!("{port}/{proto}"),
            PortBinding {
                host_ip: ip.to_string(),
                host_port,
            },
        ));
    }
    Ok(out)
}

/// Parses `--expose 80`, `--expose 8000-8010/udp` into `"80/tcp"`-style keys.
pub fn parse_expose(spec: &str) -> Result<Vec<String>, String> {
    let (ports, proto) = split_proto(spec)?;
    let range =
        parse_range(ports).ok_or_else(|| format!("invalid range format for --expose: {spec}"))?;
    Ok(range.into_iter().map(|p| format!("{p}/{proto}")).collect())
}

fn split_proto(spec: &str) -> Result<(&str, &str), String> {
    match spec.rsplit_once('/') {
        Some((rest, proto)) => match proto.to_ascii_lowercase().as_str() {
            "tcp" => Ok((rest, "tcp")),
            "udp" => Ok((rest, "udp")),
            "sctp" => Ok((rest, "sctp")),
            _ => Err(format!("invalid proto: {proto}")),
        },
        None => Ok((spec, "tcp")),
    }
}

/// `ip:host:container`, `host:container` or `container`; `[v6]:host:container`.
fn split_address(rest: &str) -> Result<(&str, &str, &str), String> {
    if let Some(bracketed) = rest.strip_prefix('[') {
        let (ip, after) = bracketed
            .split_once(']')
            .ok_or_else(|| format!("invalid IP address: {rest}"))?;
        let after = after
            .strip_prefix(':')
            .ok_or_else(|| format!("invalid port format: {rest}"))?;
        let (host, container) = after
            .split_once(':')
            .ok_or_else(|| format!("invalid port format: {rest}"))?;
        return Ok((ip, host, container));
    }
    let parts: Vec<&str> = rest.split(':').collect();
    match parts.as_slice() {
        [container] => Ok(("", "", container)),
        [host, container] => Ok(("", host, container)),
        [ip, host, container] => Ok((ip, host, container)),
        _ => Err(format!("invalid port format: {rest}")),
    }
}

/// `80` or `8000-8010` (inclusive); `None` when not ports.
fn parse_range(s: &str) -> Option<Vec<u16>> {
    let (start, end) = match s.split_once('-') {
        Some((a, b)) => (a.parse::<u16>().ok()?, b.parse::<u16>().ok()?),
        None => {
            let p = s.parse::<u16>().ok()?;
            (p, p)
        }
    };
    if start == 0 || end < start {
        return None;
    }
    Some((start..=end).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(ip: &str, port: &str) -> PortBinding {
        PortBinding {
            host_ip: ip.into(),
            host_port: port.into(),
        }
    }

    #[test]
    fn publish_forms() {
        assert_eq!(
            parse_publish("80").unwrap(),
            vec![("80/tcp".into(), binding("", ""))]
        );
        assert_eq!(
            parse_publish("8080:80").unwrap(),
            vec![("80/tcp".into(), binding("", "8080"))]
        );
        assert_eq!(
            parse_publish("127.0.0.1:9090:90/udp").unwrap(),
            vec![("90/udp".into(), binding("127.0.0.1", "9090"))]
        );
        assert_eq!(
            parse_publish("[::1]:8080:80").unwrap(),
            vec![("80/tcp".into(), binding("::1", "8080"))]
        );
        assert_eq!(
            parse_publish("127.0.0.1::80").unwrap(),
            vec![("80/tcp".into(), binding("127.0.0.1", ""))]
        );
        assert_eq!(
            parse_publish("8000-8001:80-81").unwrap(),
            vec![
                ("80/tcp".into(), binding("", "8000")),
                ("81/tcp".into(), binding("", "8001"))
            ]
        );
        assert_eq!(
            parse_publish("8000-8010:80").unwrap(),
            vec![("80/tcp".into(), binding("", "8000-8010"))]
        );
    }

    #[test]
    fn publish_errors_like_docker() {
        assert_eq!(
            parse_publish("notaport").unwrap_err(),
            "invalid containerPort: notaport"
        );
        assert_eq!(parse_publish("x:80").unwrap_err(), "invalid hostPort: x");
        assert!(parse_publish("80/icmp").is_err());
        assert!(parse_publish("8000-8002:80-81").is_err());
    }

    #[test]
    fn expose_ranges() {
        assert_eq!(parse_expose("80").unwrap(), vec!["80/tcp"]);
        assert_eq!(parse_expose("53-54/udp").unwrap(), vec!["53/udp", "54/udp"]);
        assert!(parse_expose("x").is_err());
    }
}
