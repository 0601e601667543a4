//! `berth inspect`: containers first, then images, then volumes; raw daemon JSON re-indented
//! like docker.

use client::ClientError;

use crate::args::InspectArgs;
use crate::json_indent::indent_array;
use crate::template::Template;
use crate::{CliError, Ctx};

/// `forced_kind` is set by `container inspect` / `image inspect`.
pub async fn run(ctx: &Ctx, args: InspectArgs, forced_kind: Option<&str>) -> Result<i32, CliError> {
    let kind = forced_kind.or(args.kind.as_deref());
    if let Some(k) = kind {
        if k != "container" && k != "image" && k != "volume" {
            return Err(CliError::message(format!(
                "\"{k}\" is not a valid value for --type"
            )));
        }
    }
    let template = match args.format.as_deref() {
        Some(f) if !f.is_empty() && f != "json" => {
            Some(Template::parse(f).map_err(CliError::Message)?)
        }
        _ => None,
    };
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    for name in &args.names {
        // With `--type volume` docker reports the daemon's own error (`get x: no such volume`).
        if kind == Some("volume") {
            match ctx.client.inspect_volume_raw(name).await {
                Ok(raw) => found.push(raw.to_vec()),
                Err(e) => errors.push(e.to_string()),
            }
            continue;
        }
        match lookup(ctx, name, kind, args.size).await {
            Ok(Some(raw)) => found.push(raw),
            Ok(None) => errors.push(match kind {
                Some("container") => format!("No such container: {name}"),
                Some("image") => format!("No such image: {name}"),
                _ => format!("No such object: {name}"),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    match template {
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
    for e in &errors {
        if e.starts_with("Error response from daemon: ") {
            eprintln!("{e}");
        } else {
            eprintln!("Error: {e}");
        }
    }
    Ok(1)
}

/// The raw JSON of the container or image called `name`; `None` if neither exists.
async fn lookup(
    ctx: &Ctx,
    name: &str,
    kind: Option<&str>,
    size: bool,
) -> Result<Option<Vec<u8>>, ClientError> {
    if kind != Some("image") {
        match ctx.client.inspect_container_raw(name, size).await {
            Ok(raw) => return Ok(Some(raw.to_vec())),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    if kind != Some("container") {
        match ctx.client.inspect_image_raw(name).await {
            Ok(raw) => return Ok(Some(raw.to_vec())),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    if kind.is_none() {
        match ctx.client.inspect_volume_raw(name).await {
            Ok(raw) => return Ok(Some(raw.to_vec())),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}
