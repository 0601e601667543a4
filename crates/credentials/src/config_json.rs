//! The CLI side of credentials: Docker's `config.json` (`auths`, `credsStore`, `credHelpers`),
//! read and written in the same format so that `docker` and `berth` share logins.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::auth::{decode_basic, encode_basic, AuthConfig};
use crate::error::{CredentialsError, Result};
use crate::helper::CredentialHelper;
use crate::server_address::{same_server, server_key};

/// `$BERTH_CONFIG/config.json`, else `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn default_path() -> Option<PathBuf> {
    for var in ["BERTH_CONFIG", "DOCKER_CONFIG"] {
        if let Some(dir) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            return Some(PathBuf::from(dir).join("config.json"));
        }
    }
    std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .map(|home| PathBuf::from(home).join(".docker").join("config.json"))
}

/// A loaded `config.json`. Keys we do not know are kept as they were.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    doc: Map<String, Value>,
    /// Where `docker-credential-*` programs are looked up; `None` means `$PATH`.
    helper_dir: Option<PathBuf>,
}

impl ConfigFile {
    /// Reads `path`; a missing file is an empty configuration.
    pub fn load(path: impl Into<PathBuf>) -> Result<ConfigFile> {
        let path = path.into();
        let doc = match fs_err::read(&path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Map::new(),
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => map,
                Ok(_) | Err(_) => {
                    return Err(CredentialsError::InvalidCredentials(format!(
                        "{} is not a JSON object",
                        path.display()
                    )))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(e) => return Err(e.into()),
        };
        Ok(ConfigFile {
            path,
            doc,
            helper_dir: None,
        })
    }

    /// Looks credential helpers up in `dir` instead of `$PATH`.
    pub fn with_helper_dir(mut self, dir: impl Into<PathBuf>) -> ConfigFile {
        self.helper_dir = Some(dir.into());
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The credentials stored for `server` (a domain or server address), if any.
    pub fn get(&self, server: &str) -> Result<Option<AuthConfig>> {
        let key = server_key(server);
        if let Some(helper) = self.helper_for(&key) {
            return self.helper(&helper).get(&key);
        }
        let Some(entry) = self.auths().and_then(|a| find_entry(a, &key)) else {
            return Ok(None);
        };
        let mut auth = AuthConfig {
            server_address: key,
            ..AuthConfig::default()
        };
        if let Some(encoded) = entry.get("auth").and_then(Value::as_str) {
            if !encoded.is_empty() {
                (auth.username, auth.password) = decode_basic(encoded)?;
            }
        }
        if let Some(token) = entry.get("identitytoken").and_then(Value::as_str) {
            auth.identity_token = token.to_string();
        }
        Ok(Some(auth))
    }

    /// Stores credentials for `auth.server_address` (through the helper if one is configured) and saves.
    pub fn store(&mut self, auth: &AuthConfig) -> Result<()> {
        let key = server_key(&auth.server_address);
        if let Some(helper) = self.helper_for(&key) {
            self.helper(&helper).store(&key, auth)?;
            // Docker keeps an empty entry so that `docker login` lists the registry.
            self.auths_mut().insert(key, json!({}));
        } else {
            let mut entry = Map::new();
            if !auth.username.is_empty() || !auth.password.is_empty() {
                entry.insert(
                    "auth".into(),
                    Value::String(encode_basic(&auth.username, &auth.password)),
                );
            }
            if !auth.identity_token.is_empty() {
                entry.insert(
                    "identitytoken".into(),
                    Value::String(auth.identity_token.clone()),
                );
            }
            self.auths_mut().insert(key, Value::Object(entry));
        }
        self.save()
    }

    /// Removes the credentials for `server` (`docker logout`). Returns whether any were stored.
    pub fn erase(&mut self, server: &str) -> Result<bool> {
        let key = server_key(server);
        let mut found = false;
        if let Some(helper) = self.helper_for(&key) {
            found = self.helper(&helper).erase(&key).is_ok();
        }
        if let Some(auths) = self.doc.get_mut("auths").and_then(Value::as_object_mut) {
            let keys: Vec<String> = auths
                .keys()
                .filter(|k| same_server(k, &key))
                .cloned()
                .collect();
            for k in keys {
                auths.remove(&k);
                found = true;
            }
        }
        self.save()?;
        Ok(found)
    }

    /// Writes the file atomically (temp file, fsync, rename, fsync of the directory), mode 0600.
    pub fn save(&self) -> Result<()> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fs_err::create_dir_all(dir)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".config.json")
            .tempfile_in(dir)?;
        let bytes = serde_json::to_vec_pretty(&Value::Object(self.doc.clone()))
            .map_err(std::io::Error::other)?;
        tmp.write_all(&bytes)?;
        tmp.write_all(b"\n")?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        fs_err::File::open(dir)?.sync_all()?;
        Ok(())
    }

    fn auths(&self) -> Option<&Map<String, Value>> {
        self.doc.get("auths").and_then(Value::as_object)
    }

    fn auths_mut(&mut self) -> &mut Map<String, Value> {
        let auths = self
            .doc
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        if !auths.is_object() {
            *auths = Value::Object(Map::new());
        }
        match auths {
            Value::Object(map) => map,
            // Replaced by an object just above.
            _ => unreachable!("auths is an object"),
        }
    }

    /// `credHelpers[key]`, else `credsStore`.
    fn helper_for(&self, key: &str) -> Option<String> {
        let specific = self
            .doc
            .get("credHelpers")
            .and_then(Value::as_object)
            .and_then(|h| h.get(key))
            .and_then(Value::as_str);
        let store = self.doc.get("credsStore").and_then(Value::as_str);
        specific
            .or(store)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    fn helper<'a>(&'a self, name: &'a str) -> CredentialHelper<'a> {
        CredentialHelper::new(name, self.helper_dir.as_deref())
    }
}

/// An `auths` entry for `key`, also under the spellings older clients wrote (`http://h/v2/`).
fn find_entry<'a>(auths: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    auths.get(key).or_else(|| {
        auths
            .iter()
            .find(|(k, _)| same_server(k, key))
            .map(|(_, v)| v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server_address::INDEX_SERVER;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn store_get_erase_round_trip_keeps_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"psFormat":"table {{.ID}}","auths":{}}"#).unwrap();
        let mut cfg = ConfigFile::load(&path).unwrap();
        cfg.store(&AuthConfig::basic("testuser", "testpass", "127.0.0.1:5000"))
            .unwrap();

        let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(written["psFormat"], "table {{.ID}}");
        assert_eq!(
            written["auths"]["127.0.0.1:5000"]["auth"], "dGVzdHVzZXI6dGVzdHBhc3M=",
            "the same bytes docker writes (transcript 11a's Basic header)"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let got = ConfigFile::load(&path)
            .unwrap()
            .get("127.0.0.1:5000")
            .unwrap()
            .unwrap();
        assert_eq!(
            (got.username.as_str(), got.password.as_str()),
            ("testuser", "testpass")
        );
        assert!(ConfigFile::load(&path)
            .unwrap()
            .get("other:1")
            .unwrap()
            .is_none());

        let mut cfg = ConfigFile::load(&path).unwrap();
        assert!(cfg.erase("127.0.0.1:5000").unwrap());
        assert!(!cfg.erase("127.0.0.1:5000").unwrap());
        assert!(ConfigFile::load(&path)
            .unwrap()
            .get("127.0.0.1:5000")
            .unwrap()
            .is_none());
    }

    #[test]
    fn docker_hub_and_legacy_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let auth = encode_basic("hubuser", "hubpass");
        std::fs::write(
            &path,
            format!(r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{auth}"}},"http://old:5000/v2/":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        let cfg = ConfigFile::load(&path).unwrap();
        assert_eq!(cfg.get("docker.io").unwrap().unwrap().username, "hubuser");
        assert_eq!(cfg.get("old:5000").unwrap().unwrap().password, "hubpass");
    }

    #[test]
    fn missing_file_is_empty_and_garbage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = ConfigFile::load(dir.path().join("none.json")).unwrap();
        assert!(cfg.get("docker.io").unwrap().is_none());
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "[1]").unwrap();
        assert!(ConfigFile::load(&bad).is_err());
    }

    /// A fake `docker-credential-test` keeping one secret in a file, speaking the helper protocol.
    fn fake_helper(dir: &Path) {
        let store = dir.join("store.json");
        let script = format!(
            r#"#!/bin/sh
case "$1" in
  store) cat > {store} ;;
  get) read server; if [ -f {store} ]; then cat {store}; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) read server; rm -f {store} ;;
esac
"#,
            store = store.display()
        );
        let helper = dir.join("docker-credential-test");
        std::fs::write(&helper, script).unwrap();
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn credential_helpers_are_used_as_docker_does() {
        let dir = tempfile::tempdir().unwrap();
        fake_helper(dir.path());
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"credHelpers":{"127.0.0.1:5000":"test"}}"#).unwrap();
        let mut cfg = ConfigFile::load(&path).unwrap().with_helper_dir(dir.path());
        assert!(
            cfg.get("127.0.0.1:5000").unwrap().is_none(),
            "not found → None"
        );

        cfg.store(&AuthConfig::basic("u1", "p1", "127.0.0.1:5000"))
            .unwrap();
        let stored: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("store.json")).unwrap()).unwrap();
        assert_eq!(stored["ServerURL"], "127.0.0.1:5000");
        assert_eq!(stored["Secret"], "p1");
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            !written.contains("p1"),
            "the secret stays out of config.json"
        );

        let got = cfg.get("127.0.0.1:5000").unwrap().unwrap();
        assert_eq!((got.username.as_str(), got.password.as_str()), ("u1", "p1"));
        // Another registry is not routed to the helper.
        assert!(cfg.get("other:5000").unwrap().is_none());

        assert!(cfg.erase("127.0.0.1:5000").unwrap());
        assert!(cfg.get("127.0.0.1:5000").unwrap().is_none());
    }

    #[test]
    fn identity_tokens_go_to_the_helper_as_docker_does() {
        let dir = tempfile::tempdir().unwrap();
        fake_helper(dir.path());
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"credsStore":"test"}"#).unwrap();
        let mut cfg = ConfigFile::load(&path).unwrap().with_helper_dir(dir.path());
        let auth = AuthConfig {
            identity_token: "refresh-me".to_string(),
            server_address: "docker.io".to_string(),
            ..AuthConfig::default()
        };
        cfg.store(&auth).unwrap();
        let stored: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("store.json")).unwrap()).unwrap();
        assert_eq!(stored["ServerURL"], INDEX_SERVER);
        assert_eq!(stored["Username"], "<token>");
        let got = cfg.get(INDEX_SERVER).unwrap().unwrap();
        assert_eq!(got.identity_token, "refresh-me");
        assert!(got.username.is_empty() && got.password.is_empty());
        let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(written["auths"][INDEX_SERVER], serde_json::json!({}));
    }

    #[test]
    fn failing_helper_reports_its_output() {
        use errdefs::{ErrorKind, HasKind};
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("docker-credential-broken");
        std::fs::write(&helper, "#!/bin/sh\necho \"keychain locked\"\nexit 3\n").unwrap();
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"credsStore":"broken"}"#).unwrap();
        let cfg = ConfigFile::load(&path).unwrap().with_helper_dir(dir.path());
        let err = cfg.get("127.0.0.1:5000").unwrap_err();
        assert_eq!(
            err.to_string(),
            "error getting credentials - docker-credential-broken get: keychain locked"
        );
        assert_eq!(err.kind(), ErrorKind::Internal);
    }

    #[test]
    fn missing_helper_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"credsStore":"nosuch"}"#).unwrap();
        let cfg = ConfigFile::load(&path).unwrap().with_helper_dir(dir.path());
        let err = cfg.get("127.0.0.1:5000").unwrap_err();
        assert!(
            err.to_string().contains("docker-credential-nosuch"),
            "{err}"
        );
    }
}
