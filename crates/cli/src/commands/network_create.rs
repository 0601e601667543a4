//! `berth network create [-d DRIVER] [--subnet S] [--gateway G] [--ip-range R] [--internal]
//! [--attachable] [--label k=v]... [-o k=v]... NAME`: prints the new network's id.

use api::{IpamConfig, NetworkCreateRequest, StringMap};

use crate::args::NetworkCreateArgs;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: NetworkCreateArgs) -> Result<i32, CliError> {
    let req = create_request(&args)?;
    let resp = ctx.client.create_network(&req).await?;
    if !resp.warning.is_empty() {
        eprintln!("{}", resp.warning);
    }
    println!("{}", resp.id);
    Ok(0)
}

fn pairs(list: &[String]) -> StringMap {
    list.iter()
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p.as_str(), ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The body docker sends for these flags.
pub fn create_request(args: &NetworkCreateArgs) -> Result<NetworkCreateRequest, CliError> {
    if args.subnet.len() > 1 || args.gateway.len() > 1 || args.ip_range.len() > 1 {
        return Err(CliError::message(
            "berth supports one --subnet, --gateway and --ip-range per network",
        ));
    }
    let subnet = args.subnet.first().cloned().unwrap_or_default();
    if subnet.is_empty() && (!args.gateway.is_empty() || !args.ip_range.is_empty()) {
        return Err(CliError::message(
            "every ip-range or gateway must have a corresponding subnet",
        ));
    }
    let config = if subnet.is_empty() {
        Vec::new()
    } else {
        vec![IpamConfig {
            subnet,
            ip_range: args.ip_range.first().cloned().unwrap_or_default(),
            gateway: args.gateway.first().cloned().unwrap_or_default(),
            aux_address: None,
        }]
    };
    Ok(NetworkCreateRequest {
        name: args.name.clone(),
        check_duplicate: true,
        driver: args.driver.clone(),
        scope: String::new(),
        internal: args.internal,
        attachable: args.attachable,
        ingress: false,
        enable_ipv6: false,
        ipam: Some(api::Ipam {
            driver: "default".into(),
            options: Some(StringMap::new()),
            config: Some(config),
        }),
        options: Some(pairs(&args.opt)),
        labels: Some(pairs(&args.label)),
    })
}
