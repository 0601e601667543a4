//! `berth create`, and the create-with-pull step shared with `run`.

use client::ClientError;

use crate::args::CreateArgs;
use crate::container_flags::{ContainerFlags, CreateRequest};
use crate::output::{follow_progress, print_progress_line};
use crate::reference::ImageRef;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: CreateArgs) -> Result<i32, CliError> {
    let (image, command) = split_image_command(&args.image_and_command, "create")?;
    let request = build_request(&args.container, image, command, true, "create")?;
    let id = create_pulling(ctx, &request, &args.container.pull, "create").await?;
    println!("{id}");
    Ok(0)
}

/// `IMAGE [COMMAND] [ARG...]` → the image and the command. An "image" starting with `-` is an
/// unknown flag that clap let through because the positional accepts hyphen values.
pub fn split_image_command<'a>(
    values: &'a [String],
    verb: &str,
) -> Result<(&'a str, &'a [String]), CliError> {
    match values.split_first() {
        Some((image, _)) if image.starts_with('-') => {
            Err(usage_error(verb, &format!("unknown flag: {image}")))
        }
        Some((image, command)) => Ok((image.as_str(), command)),
        None => Err(run_error(verb, &"requires at least 1 argument")),
    }
}

/// Builds the create body, turning flag errors into docker's `berth: ...` + usage hint (125).
pub fn build_request(
    flags: &ContainerFlags,
    image: &str,
    command: &[String],
    detach: bool,
    verb: &str,
) -> Result<CreateRequest, CliError> {
    let lookup = |name: &str| std::env::var(name).ok();
    flags
        .to_create_request(image, command, detach, &lookup)
        .map_err(|e| {
            if e.starts_with(crate::container_flags::FLAG_ERROR_PREFIX) {
                usage_error(verb, &e)
            } else {
                run_error(verb, &e)
            }
        })
}

/// docker's shape for a bad flag: the message, the usage line, the help hint; exit 125.
pub fn usage_error(verb: &str, message: &str) -> CliError {
    CliError::Exit {
        code: 125,
        message: format!(
            "{message}\n\nUsage:  berth {verb} [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'berth {verb} --help' for more information"
        ),
    }
}

/// docker's error shape for `run`/`create`: `berth: <msg>`, a blank line, the help hint; 125.
pub fn run_error(verb: &str, message: &dyn std::fmt::Display) -> CliError {
    run_error_code(verb, message, 125)
}

pub fn run_error_code(verb: &str, message: &dyn std::fmt::Display, code: i32) -> CliError {
    CliError::Exit {
        code,
        message: format!("berth: {message}\n\nRun 'berth {verb} --help' for more information"),
    }
}

/// `POST /containers/create`; when the image is missing (404 `No such image`) and `--pull` is
/// not `never`: prints `Unable to find image '...' locally`, pulls, and creates again.
pub async fn create_pulling(
    ctx: &Ctx,
    request: &CreateRequest,
    pull: &str,
    verb: &str,
) -> Result<String, CliError> {
    let name = request.name.as_deref();
    let image = request.body.config.image.clone();
    if pull == "always" {
        pull_image(ctx, &image, verb).await?;
    }
    match ctx.client.create_container(name, &request.body).await {
        Ok(created) => return Ok(with_warnings(created)),
        Err(e) if pull != "never" && is_missing_image(&e) => {
            let reference = ImageRef::parse(&image);
            eprintln!("Unable to find image '{}' locally", reference.familiar());
        }
        Err(e) => return Err(run_error(verb, &e)),
    }
    pull_image(ctx, &image, verb).await?;
    let created = ctx
        .client
        .create_container(name, &request.body)
        .await
        .map_err(|e| run_error(verb, &e))?;
    Ok(with_warnings(created))
}

/// Prints the daemon's create warnings to stderr as docker does; returns the id.
fn with_warnings(created: api::ContainerCreateResponse) -> String {
    for warning in &created.warnings {
        eprintln!("WARNING: {warning}");
    }
    created.id
}

fn is_missing_image(e: &ClientError) -> bool {
    e.is_not_found()
        && e.daemon_message()
            .is_some_and(|m| m.starts_with("No such image"))
}

/// `POST /images/create?fromImage=&tag=` with the stored credentials, progress to stderr as
/// docker does for `run`.
async fn pull_image(ctx: &Ctx, image: &str, verb: &str) -> Result<(), CliError> {
    let reference = ImageRef::parse(image);
    let tag = reference
        .digest
        .clone()
        .unwrap_or_else(|| reference.tag.clone());
    let auth = crate::credentials::registry_auth_header(&reference.repository);
    let stream = ctx
        .client
        .pull_image_with_auth(&reference.full_repository(), &tag, None, &auth)
        .await
        .map_err(|e| run_error(verb, &e))?;
    match follow_progress(stream, |m| print_progress_line(m, true)).await {
        Ok(_) => Ok(()),
        Err(CliError::Exit { message, .. }) | Err(CliError::Message(message)) => Err(run_error(
            verb,
            &format!("Error response from daemon: {message}"),
        )),
        Err(e) => Err(run_error(verb, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_errors_carry_the_help_hint() {
        let e = run_error("run", &"Error response from daemon: No such image: x:1");
        assert_eq!(e.exit_code(), 125);
        assert_eq!(
            e.to_string(),
            "berth: Error response from daemon: No such image: x:1\n\nRun 'berth run --help' for more information"
        );
    }

    #[test]
    fn missing_image_detection() {
        let e = ClientError::Api {
            status: 404,
            message: "No such image: busybox:latest".into(),
        };
        assert!(is_missing_image(&e));
        let e = ClientError::Api {
            status: 404,
            message: "No such container: x".into(),
        };
        assert!(!is_missing_image(&e));
    }
}
