//! A real Debian `docker-registry` (distribution 2.8) on 127.0.0.1 with storage in a temp dir,
//! open or behind htpasswd Basic auth; killed and removed on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

const REGISTRY_BIN: &str = "docker-registry";
/// Attempts when the free port we picked is taken before the registry binds it.
const PORT_ATTEMPTS: u32 = 5;

pub struct Registry {
    dir: tempfile::TempDir,
    port: u16,
    child: Option<Child>,
    /// `(user, password)` when started with htpasswd auth.
    credentials: Option<(String, String)>,
    token: Option<TokenAuth>,
    /// `(certificate, key)` PEM paths when serving HTTPS.
    tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

/// `auth: token` settings: the registry sends clients to `realm` for a JWT signed by the key of
/// the certificate in `root_cert_bundle` (the test runs that token issuer).
#[derive(Debug, Clone)]
pub struct TokenAuth {
    pub realm: String,
    pub service: String,
    pub issuer: String,
    pub root_cert_bundle: std::path::PathBuf,
}

impl Registry {
    /// An open registry (no auth).
    pub fn start() -> Registry {
        Self::try_start(None).expect("start docker-registry")
    }

    /// A registry that wants Basic auth (`htpasswd -Bbn user pass`).
    pub fn start_with_htpasswd(user: &str, pass: &str) -> Registry {
        Self::try_start(Some((user, pass))).expect("start docker-registry with htpasswd")
    }

    /// A registry that wants Bearer tokens from `auth.realm` (`auth: token`).
    pub fn start_with_token_auth(auth: TokenAuth) -> Registry {
        Self::try_start_with(None, Some(auth)).expect("start docker-registry with token auth")
    }

    /// A registry serving HTTPS with the given PEM certificate and key.
    pub fn start_with_tls(certificate: &Path, key: &Path) -> Registry {
        let mut registry = Self::new_unstarted(None, None).expect("temp dir");
        registry.tls = Some((certificate.to_path_buf(), key.to_path_buf()));
        registry
            .spawn_with_retries()
            .expect("start docker-registry with TLS");
        registry
    }

    pub fn try_start(credentials: Option<(&str, &str)>) -> Result<Registry> {
        Self::try_start_with(credentials, None)
    }

    fn try_start_with(
        credentials: Option<(&str, &str)>,
        token: Option<TokenAuth>,
    ) -> Result<Registry> {
        let mut registry = Self::new_unstarted(credentials, token)?;
        registry.spawn_with_retries()?;
        Ok(registry)
    }

    fn new_unstarted(
        credentials: Option<(&str, &str)>,
        token: Option<TokenAuth>,
    ) -> Result<Registry> {
        let dir = tempfile::Builder::new()
            .prefix("berth-registry")
            .tempdir()?;
        if let Some((user, pass)) = credentials {
            write_htpasswd(&dir.path().join("htpasswd"), user, pass)?;
        }
        Ok(Registry {
            dir,
            port: 0,
            child: None,
            credentials: credentials.map(|(u, p)| (u.to_string(), p.to_string())),
            token,
            tls: None,
        })
    }

    fn spawn_with_retries(&mut self) -> Result<()> {
        let mut last_error = None;
        for _ in 0..PORT_ATTEMPTS {
            match self.spawn_on_free_port() {
                Ok(()) => return Ok(()),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("docker-registry did not start")))
    }

    /// `127.0.0.1:PORT`, the registry part of image references.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The htpasswd user and password, if this registry has auth.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(u, p)| (u.as_str(), p.as_str()))
    }

    /// The registry's own log, for assertion messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }

    /// Where blobs and repositories are stored (to corrupt a blob in a test, for instance).
    pub fn storage_root(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    fn spawn_on_free_port(&mut self) -> Result<()> {
        self.port = free_port()?;
        let config = self.dir.path().join("config.yml");
        std::fs::write(&config, self.config_yaml())?;
        let log = std::fs::File::create(self.dir.path().join("registry.log"))?;
        let child = Command::new(REGISTRY_BIN)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("spawn {REGISTRY_BIN} (apt-get install docker-registry)"))?;
        self.child = Some(child);
        if let Err(e) = self.wait_ready() {
            self.stop();
            return Err(e);
        }
        Ok(())
    }

    fn config_yaml(&self) -> String {
        let root = self.dir.path();
        let auth = if let Some(t) = &self.token {
            format!(
                "auth:\n  token:\n    realm: {}\n    service: {}\n    issuer: {}\n    rootcertbundle: {}\n",
                t.realm,
                t.service,
                t.issuer,
                t.root_cert_bundle.display()
            )
        } else if self.credentials.is_some() {
            format!(
                "auth:\n  htpasswd:\n    realm: basic-realm\n    path: {}\n",
                root.join("htpasswd").display()
            )
        } else {
            String::new()
        };
        let tls = match &self.tls {
            Some((cert, key)) => format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                cert.display(),
                key.display()
            ),
            None => String::new(),
        };
        format!(
            "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {data}\n  delete:\n    enabled: true\n  redirect:\n    disable: true\nhttp:\n  addr: 127.0.0.1:{port}\n{tls}{auth}",
            data = root.join("data").display(),
            port = self.port,
        )
    }

    /// Waits until `GET /v2/` gets an HTTP answer (200, 401 with auth, or the 400 a TLS
    /// server gives a plain-HTTP request).
    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // Only our own process writes this line, and only once it holds the port: an answer
            // before it could come from another test's registry that won the port.
            let bound = self
                .log()
                .contains(&format!("listening on 127.0.0.1:{}", self.port));
            if let Some(status) = v2_status(self.port).filter(|_| bound) {
                if status == 200 || status == 401 || (status == 400 && self.tls.is_some()) {
                    return Ok(());
                }
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    bail!(
                        "docker-registry exited early with {status}; log:\n{}",
                        self.log()
                    );
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "docker-registry did not answer /v2/ within 20 s; log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
        // The TempDir removes the storage and config when it drops.
    }
}

/// A port that was free a moment ago on 127.0.0.1 (the caller retries if it is taken meanwhile).
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// The status code of `GET /v2/` on 127.0.0.1:port, or None if nothing answers.
fn v2_status(port: u16) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .write_all(b"GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).ok()?;
    let line = std::str::from_utf8(&head[..n]).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `htpasswd -Bbn user pass` (bcrypt, as the registry requires) into `path`.
fn write_htpasswd(path: &Path, user: &str, pass: &str) -> Result<()> {
    let out = Command::new("htpasswd")
        .args(["-Bbn", user, pass])
        .output()
        .context("run htpasswd (apt-get install apache2-utils)")?;
    if !out.status.success() {
        bail!("htpasswd failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    std::fs::write(path, &out.stdout)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_answers_and_cleans_up() {
        let registry = Registry::start();
        assert!(registry.addr().starts_with("127.0.0.1:"));
        assert_eq!(v2_status(registry.port()), Some(200));
        let dir = registry.dir.path().to_path_buf();
        let port = registry.port();
        drop(registry);
        assert!(!dir.exists(), "temp dir removed");
        assert_eq!(v2_status(port), None, "process killed");
    }

    #[test]
    fn htpasswd_registry_wants_credentials() {
        let registry = Registry::start_with_htpasswd("testuser", "testpass");
        assert_eq!(v2_status(registry.port()), Some(401));
        assert_eq!(registry.credentials(), Some(("testuser", "testpass")));
    }
}
