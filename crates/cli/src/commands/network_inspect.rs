//! `berth network inspect [-f FORMAT] NETWORK...`: the daemon's JSON as an indented array (or
//! each network through the template); missing networks are reported after, exit 1.

use crate::args::NetworkInspectArgs;
use crate::json_indent::indent_array;
use crate::template::Template;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: NetworkInspectArgs) -> Result<i32, CliError> {
    let template = match args.format.as_deref() {
        Some(f) if !f.is_empty() && f != "json" => {
            Some(Template::parse(f).map_err(CliError::Message)?)
        }
        _ => None,
    };
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for name in &args.networks {
        match ctx.client.inspect_network_raw(name).await {
            Ok(raw) => found.push(raw.to_vec()),
            Err(e) => errors.push(e.to_string()),
        }
    }
    match template {
        Some(_) if found.is_empty() => println!(),
        Some(t) => {
            for raw in &found {
                let value: serde_json::Value = serde_json::from_slice(raw).map_err(|e| {
                    CliError::message(format!("error decoding daemon response: {e}"))
                })?;
                println!("{}", t.render(&value));
            }
        }
        None => println!("{}", indent_array(&found)),
    }
    if errors.is_empty() {
        return Ok(0);
    }
    Err(CliError::message(errors.join("\n")))
}
