//! Docker's credential helper protocol: `docker-credential-<name> get|store|erase`, the request
//! on stdin, the answer (or the error text) on stdout, as the docker CLI runs them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::json;

use crate::auth::AuthConfig;
use crate::error::{CredentialsError, Result};

/// A helper answers with this username when the secret is an identity token.
const TOKEN_USERNAME: &str = "<token>";

/// One `docker-credential-<name>` program.
pub(crate) struct CredentialHelper<'a> {
    name: &'a str,
    /// Where the program is looked up; `None` means `$PATH`.
    dir: Option<&'a Path>,
}

impl<'a> CredentialHelper<'a> {
    pub(crate) fn new(name: &'a str, dir: Option<&'a Path>) -> CredentialHelper<'a> {
        CredentialHelper { name, dir }
    }

    /// The credentials stored for `server`; `None` when the helper has none.
    pub(crate) fn get(&self, server: &str) -> Result<Option<AuthConfig>> {
        let out = match self.run("get", server.as_bytes()) {
            Ok(out) => out,
            Err(CredentialsError::CredentialHelper(msg))
                if msg.contains("credentials not found") =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        #[derive(serde::Deserialize)]
        struct HelperAnswer {
            #[serde(rename = "Username", default)]
            username: String,
            #[serde(rename = "Secret", default)]
            secret: String,
        }
        let answer: HelperAnswer = serde_json::from_slice(&out).map_err(|e| {
            CredentialsError::CredentialHelper(format!("{}: bad answer: {e}", self.program()))
        })?;
        let mut auth = AuthConfig {
            server_address: server.to_string(),
            ..AuthConfig::default()
        };
        if answer.username == TOKEN_USERNAME {
            auth.identity_token = answer.secret;
        } else {
            auth.username = answer.username;
            auth.password = answer.secret;
        }
        Ok(Some(auth))
    }

    /// Hands `auth` to the helper under `server`; an identity token is stored in place of the password.
    pub(crate) fn store(&self, server: &str, auth: &AuthConfig) -> Result<()> {
        let (username, secret) = if auth.identity_token.is_empty() {
            (auth.username.as_str(), auth.password.as_str())
        } else {
            (TOKEN_USERNAME, auth.identity_token.as_str())
        };
        let input = json!({"ServerURL": server, "Username": username, "Secret": secret});
        self.run("store", input.to_string().as_bytes())?;
        Ok(())
    }

    /// Asks the helper to forget `server`.
    pub(crate) fn erase(&self, server: &str) -> Result<()> {
        self.run("erase", server.as_bytes())?;
        Ok(())
    }

    fn program(&self) -> String {
        format!("docker-credential-{}", self.name)
    }

    /// Runs `<program> <action>` with `input` on stdin and returns its stdout.
    fn run(&self, action: &str, input: &[u8]) -> Result<Vec<u8>> {
        let program = self.program();
        let path = match self.dir {
            Some(dir) => dir.join(&program),
            None => PathBuf::from(&program),
        };
        let mut child = Command::new(&path)
            .arg(action)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| CredentialsError::CredentialHelper(format!("{program}: {e}")))?;
        if let Some(mut stdin) = child.stdin.take() {
            // A helper that exits without reading gives EPIPE; its exit status tells the rest.
            let _ = stdin.write_all(input);
        }
        let out = child
            .wait_with_output()
            .map_err(|e| CredentialsError::CredentialHelper(format!("{program}: {e}")))?;
        if !out.status.success() {
            let mut msg = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if msg.is_empty() {
                msg = String::from_utf8_lossy(&out.stderr).trim().to_string();
            }
            return Err(CredentialsError::CredentialHelper(format!(
                "{program} {action}: {msg}"
            )));
        }
        Ok(out.stdout)
    }
}
