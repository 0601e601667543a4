//! `berth login [-u USER] [-p PASS | --password-stdin] [SERVER]`: `POST /auth`, then the
//! credentials go to config.json (or its credential helper), as `docker login` does.

use std::io::{BufRead, Read, Write};
use std::os::fd::AsFd;

use client::LoginRequest;
use credentials::AuthConfig;

use crate::args::LoginArgs;
use crate::credentials::{config_file, default_server, server_display, uses_credential_helper};
use crate::terminal::{is_terminal, EchoOffGuard};
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: LoginArgs) -> Result<i32, CliError> {
    if args.password.is_some() {
        eprintln!("WARNING! Using --password via the CLI is insecure. Use --password-stdin.");
        if args.password_stdin {
            return Err(CliError::message(
                "--password and --password-stdin are mutually exclusive",
            ));
        }
    }
    let mut password = args.password.clone();
    if args.password_stdin {
        if args.username.is_none() {
            return Err(CliError::message(
                "Must provide --username with --password-stdin",
            ));
        }
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        password = Some(text.trim_end_matches(['\n', '\r']).to_string());
    }
    let server = server_address(args.server.as_deref());
    let username = match args.username.clone() {
        Some(u) => u,
        None => prompt_line("Username: ")?,
    };
    if username.trim().is_empty() {
        return Err(CliError::message("Error: Non-null Username Required"));
    }
    let password = match password {
        Some(p) => p,
        None => prompt_password("Password: ")?,
    };
    if password.is_empty() {
        return Err(CliError::message("Error: Password Required"));
    }
    let request = LoginRequest {
        username: username.trim().to_string(),
        password: password.clone(),
        serveraddress: server.clone(),
    };
    let answer = ctx.client.login(&request).await?;
    let mut auth = AuthConfig::basic(request.username.clone(), password, server.clone());
    if !answer.identity_token.is_empty() {
        auth.password.clear();
        auth.identity_token = answer.identity_token.clone();
    }
    let mut config = config_file()?;
    config
        .store(&auth)
        .map_err(|e| CliError::message(format!("Error saving credentials: {e}")))?;
    if !uses_credential_helper(config.path(), &server) {
        eprintln!(
            "\nWARNING! Your credentials are stored unencrypted in '{}'.\n\
             Configure a credential helper to remove this warning. See\n\
             https://docs.docker.com/go/credential-store/\n",
            config.path().display()
        );
    }
    println!("Login Succeeded");
    Ok(0)
}

/// The server as docker keys it: Docker Hub (the default) is `https://index.docker.io/v1/`,
/// others `host[:port]` without a scheme.
pub fn server_address(server: Option<&str>) -> String {
    match server.map(str::trim).filter(|s| !s.is_empty()) {
        None => default_server().to_string(),
        Some(s) => server_display(s),
    }
}

fn prompt_line(prompt: &str) -> Result<String, CliError> {
    if !is_terminal(std::io::stdin().as_fd()) {
        return Err(CliError::message(
            "Error: Cannot perform an interactive login from a non TTY device",
        ));
    }
    print!("{prompt}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

fn prompt_password(prompt: &str) -> Result<String, CliError> {
    if !is_terminal(std::io::stdin().as_fd()) {
        return Err(CliError::message(
            "Error: Cannot perform an interactive login from a non TTY device",
        ));
    }
    let line = {
        let _echo_off = EchoOffGuard::enable();
        prompt_line(prompt)?
    };
    println!();
    Ok(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_keyed_like_docker() {
        assert_eq!(server_address(None), "https://index.docker.io/v1/");
        assert_eq!(
            server_address(Some("docker.io")),
            "https://index.docker.io/v1/"
        );
        assert_eq!(server_address(Some("127.0.0.1:5000")), "127.0.0.1:5000");
        assert_eq!(
            server_address(Some("https://127.0.0.1:5000/")),
            "127.0.0.1:5000"
        );
    }
}
