//! `berth network connect [--alias A]... [--ip IP] NETWORK CONTAINER` and
//! `berth network disconnect [-f] NETWORK CONTAINER`.

use api::{EndpointSettings, NetworkConnectRequest, NetworkDisconnectRequest};

use crate::args::{NetworkConnectArgs, NetworkDisconnectArgs};
use crate::{CliError, Ctx};

pub async fn connect(ctx: &Ctx, args: NetworkConnectArgs) -> Result<i32, CliError> {
    let req = NetworkConnectRequest {
        container: args.container.clone(),
        endpoint_config: Some(EndpointSettings {
            ipam_config: Some(match &args.ip {
                Some(ip) => serde_json::json!({ "IPv4Address": ip }),
                None => serde_json::json!({}),
            }),
            aliases: if args.alias.is_empty() {
                None
            } else {
                Some(args.alias.clone())
            },
            ..Default::default()
        }),
    };
    ctx.client.connect_network(&args.network, &req).await?;
    Ok(0)
}

pub async fn disconnect(ctx: &Ctx, args: NetworkDisconnectArgs) -> Result<i32, CliError> {
    let req = NetworkDisconnectRequest {
        container: args.container.clone(),
        force: args.force,
    };
    ctx.client.disconnect_network(&args.network, &req).await?;
    Ok(0)
}
