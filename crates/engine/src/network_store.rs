//! `networks/<id>.json`: the networks, their address pools and the endpoints of containers on them.
//!
//! A container is a member of a network from create (or `network connect`) until `rm` (or
//! `disconnect`); its address is allocated at its first start and kept until then, as dockerd
//! keeps addresses on user-defined networks. `active` marks endpoints whose veth exists (the
//! container runs).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use network::{Ipv4Net, Pool, PortMapping};
use serde::{Deserialize, Serialize};

use crate::network_config::NetworkConfig;
use crate::network_error::NetworkOpError;

/// The three networks every daemon has and nobody can remove.
pub const PREDEFINED: [&str; 3] = ["bridge", "host", "none"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointRecord {
    /// Container name without the leading `/` (DNS answers it).
    pub container_name: String,
    #[serde(rename = "EndpointID")]
    pub endpoint_id: String,
    /// Order of attachment: the lowest is the container's eth0 and default route.
    pub seq: u64,
    #[serde(default)]
    pub ip: Option<Ipv4Addr>,
    /// `--ip` / `IPAMConfig.IPv4Address`.
    #[serde(default)]
    pub static_ip: Option<Ipv4Addr>,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Links as `<container>:<alias>` (`EndpointSettings.Links`, and `HostConfig.Links` on the
    /// first network): the alias resolves to that container for this endpoint's container only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    #[serde(default)]
    pub active: bool,
    /// Published ports (on the container's first network only).
    #[serde(default)]
    pub ports: Vec<PortMapping>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkRecord {
    pub id: String,
    pub name: String,
    pub created: String,
    /// `bridge`, `host` or `null`.
    pub driver: String,
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub attachable: bool,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// Linux bridge of a bridge network.
    #[serde(default)]
    pub bridge: String,
    #[serde(default)]
    pub pool: Option<Pool>,
    /// `IPAM.Config` as inspect shows it.
    #[serde(default)]
    pub ipam_config: Vec<api::IpamConfig>,
    #[serde(default)]
    pub endpoints: BTreeMap<String, EndpointRecord>,
}

impl NetworkRecord {
    pub fn is_predefined(&self) -> bool {
        PREDEFINED.contains(&self.name.as_str())
    }

    /// The predefined `bridge` network: no DNS, Docker's legacy /etc/hosts.
    pub fn is_default_bridge(&self) -> bool {
        self.name == "bridge"
    }

    /// A user-defined bridge network (embedded DNS, `--ip`, aliases).
    pub fn is_user_bridge(&self) -> bool {
        self.driver == "bridge" && !self.is_default_bridge()
    }

    pub fn subnet(&self) -> Option<Ipv4Net> {
        self.pool.as_ref().map(|p| p.subnet)
    }

    pub fn to_resource(&self) -> api::NetworkResource {
        let prefix = self.subnet().map(|s| s.prefix_len()).unwrap_or(0);
        let containers = self
            .endpoints
            .iter()
            .filter(|(_, e)| e.active)
            .map(|(id, e)| {
                (
                    id.clone(),
                    api::NetworkContainer {
                        name: e.container_name.clone(),
                        endpoint_id: e.endpoint_id.clone(),
                        mac_address: e.ip.map(mac_string).unwrap_or_default(),
                        ipv4_address: e.ip.map(|ip| format!("{ip}/{prefix}")).unwrap_or_default(),
                        ipv6_address: String::new(),
                    },
                )
            })
            .collect();
        api::NetworkResource {
            name: self.name.clone(),
            id: self.id.clone(),
            created: self.created.clone(),
            scope: "local".into(),
            driver: self.driver.clone(),
            enable_ipv6: false,
            ipam: api::Ipam {
                driver: "default".into(),
                options: if self.is_predefined() {
                    None
                } else {
                    Some(Default::default())
                },
                config: Some(self.ipam_config.clone()),
            },
            internal: self.internal,
            attachable: self.attachable,
            ingress: false,
            config_from: Default::default(),
            config_only: false,
            containers,
            options: self.options.clone(),
            labels: self.labels.clone(),
        }
    }
}

/// `02:42:` + the address bytes, as dockerd derives MACs.
pub fn mac_string(ip: Ipv4Addr) -> String {
    let m = network::random_mac(ip);
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The in-memory view of `networks/`, written through on every change.
#[derive(Debug)]
pub struct NetworkStore {
    dir: PathBuf,
    pub nets: BTreeMap<String, NetworkRecord>,
}

impl NetworkStore {
    /// Loads `networks/*.json` and creates or updates the predefined networks from `cfg`.
    pub fn open(dir: &Path, cfg: &NetworkConfig) -> Result<NetworkStore, NetworkOpError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| internal(format!("create {}: {e}", dir.display())))?;
        let mut nets = BTreeMap::new();
        let entries =
            std::fs::read_dir(dir).map_err(|e| internal(format!("read {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| {
                    serde_json::from_slice::<NetworkRecord>(&b).map_err(|e| e.to_string())
                }) {
                Ok(r) => {
                    nets.insert(r.id.clone(), r);
                }
                Err(e) => tracing::warn!("skipping network file {}: {e}", path.display()),
            }
        }
        let mut store = NetworkStore {
            dir: dir.to_path_buf(),
            nets,
        };
        store.ensure_predefined(cfg)?;
        Ok(store)
    }

    fn ensure_predefined(&mut self, cfg: &NetworkConfig) -> Result<(), NetworkOpError> {
        let subnet = cfg.bip.trunc();
        let gateway = cfg.bip.addr();
        let existing = self.by_name("bridge").map(|r| r.id.clone());
        let bridge_id = match existing {
            Some(id) => id,
            None => {
                let r = NetworkRecord {
                    id: crate::ids::generate_id(),
                    name: "bridge".into(),
                    created: crate::human::now_rfc3339(),
                    driver: "bridge".into(),
                    internal: false,
                    attachable: false,
                    labels: BTreeMap::new(),
                    options: BTreeMap::new(),
                    bridge: String::new(),
                    pool: None,
                    ipam_config: Vec::new(),
                    endpoints: BTreeMap::new(),
                };
                let id = r.id.clone();
                self.nets.insert(id.clone(), r);
                id
            }
        };
        if let Some(r) = self.nets.get_mut(&bridge_id) {
            r.bridge = cfg.bridge.clone();
            let same_subnet = r.pool.as_ref().map(|p| p.subnet) == Some(subnet)
                && r.pool.as_ref().map(|p| p.gateway) == Some(gateway);
            if !same_subnet {
                r.pool = Some(Pool::new(subnet, Some(gateway), None)?);
                for e in r.endpoints.values_mut() {
                    e.ip = None;
                }
            }
            r.ipam_config = vec![api::IpamConfig {
                subnet: subnet.to_string(),
                gateway: gateway.to_string(),
                ..Default::default()
            }];
            r.options = [
                ("com.docker.network.bridge.default_bridge", "true"),
                ("com.docker.network.bridge.enable_icc", "true"),
                ("com.docker.network.bridge.enable_ip_masquerade", "true"),
                ("com.docker.network.bridge.host_binding_ipv4", "0.0.0.0"),
                ("com.docker.network.bridge.name", cfg.bridge.as_str()),
                ("com.docker.network.driver.mtu", "1500"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        }
        self.save(&bridge_id)?;
        for (name, driver) in [("host", "host"), ("none", "null")] {
            if self.by_name(name).is_none() {
                let r = NetworkRecord {
                    id: crate::ids::generate_id(),
                    name: name.into(),
                    created: crate::human::now_rfc3339(),
                    driver: driver.into(),
                    internal: false,
                    attachable: false,
                    labels: BTreeMap::new(),
                    options: BTreeMap::new(),
                    bridge: String::new(),
                    pool: None,
                    ipam_config: Vec::new(),
                    endpoints: BTreeMap::new(),
                };
                let id = r.id.clone();
                self.nets.insert(id.clone(), r);
                self.save(&id)?;
            }
        }
        Ok(())
    }

    pub fn by_name(&self, name: &str) -> Option<&NetworkRecord> {
        self.nets.values().find(|r| r.name == name)
    }

    /// dockerd's lookup order: full id, full name, then a unique id prefix.
    pub fn resolve_id(&self, name: &str) -> Result<String, NetworkOpError> {
        if self.nets.contains_key(name) {
            return Ok(name.to_string());
        }
        if let Some(r) = self.by_name(name) {
            return Ok(r.id.clone());
        }
        let matches: Vec<&String> = if name.is_empty() {
            Vec::new()
        } else {
            self.nets.keys().filter(|id| id.starts_with(name)).collect()
        };
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(NetworkOpError::NotFound(name.to_string())),
            _ => Err(NetworkOpError::InvalidArgument(format!(
                "network {name} is ambiguous ({} matches found based on ID prefix)",
                matches.len()
            ))),
        }
    }

    pub fn get(&self, id: &str) -> Option<&NetworkRecord> {
        self.nets.get(id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut NetworkRecord> {
        self.nets.get_mut(id)
    }

    fn path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Writes one network's file atomically (temp + rename; made durable in the background).
    pub fn save(&self, id: &str) -> Result<(), NetworkOpError> {
        let Some(r) = self.nets.get(id) else {
            return Ok(());
        };
        let bytes = serde_json::to_vec_pretty(r)
            .map_err(|e| internal(format!("encode network {id}: {e}")))?;
        let path = self.path(id);
        crate::atomic::write_renamed(&path, &bytes)
            .map_err(|e| internal(format!("write {}: {e}", path.display())))?;
        std::thread::spawn(move || {
            if let Err(e) = crate::atomic::sync_durably(&[&path]) {
                tracing::debug!("sync {}: {e}", path.display());
            }
        });
        Ok(())
    }

    pub fn insert(&mut self, r: NetworkRecord) -> Result<(), NetworkOpError> {
        let id = r.id.clone();
        self.nets.insert(id.clone(), r);
        self.save(&id)
    }

    pub fn remove(&mut self, id: &str) -> Result<(), NetworkOpError> {
        self.nets.remove(id);
        let path = self.path(id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(internal(format!("remove {}: {e}", path.display()))),
        }
    }

    /// Subnets of every bridge network (new networks must not overlap them).
    pub fn subnets_in_use(&self) -> Vec<Ipv4Net> {
        self.nets.values().filter_map(|r| r.subnet()).collect()
    }

    /// The networks `container_id` is a member of, in attachment order.
    pub fn memberships(&self, container_id: &str) -> Vec<(&NetworkRecord, &EndpointRecord)> {
        let mut v: Vec<_> = self
            .nets
            .values()
            .filter_map(|r| r.endpoints.get(container_id).map(|e| (r, e)))
            .collect();
        v.sort_by_key(|(_, e)| e.seq);
        v
    }

    /// The next attachment order number for `container_id`.
    pub fn next_seq(&self, container_id: &str) -> u64 {
        self.memberships(container_id)
            .last()
            .map(|(_, e)| e.seq + 1)
            .unwrap_or(0)
    }
}

fn internal(msg: String) -> NetworkOpError {
    NetworkOpError::Kernel(network::NetworkError::Internal(msg))
}

/// Filters of `GET /networks` and `POST /networks/prune`.
pub const LIST_FILTERS: &[&str] = &["dangling", "driver", "id", "label", "name", "scope", "type"];

/// Whether `r` passes `GET /networks` filters (dockerd: name and id match substrings/prefixes).
pub fn matches_filters(r: &NetworkRecord, f: &api::Filters) -> Result<bool, NetworkOpError> {
    if f.contains("name") && !f.any_matches("name", |v| r.name.contains(v)) {
        return Ok(false);
    }
    if f.contains("id") && !f.any_matches("id", |v| r.id.starts_with(v)) {
        return Ok(false);
    }
    if f.contains("driver") && !f.any_matches("driver", |v| r.driver == v) {
        return Ok(false);
    }
    if f.contains("scope") && !f.any_matches("scope", |v| v == "local") {
        return Ok(false);
    }
    if f.contains("label") && !f.match_labels("label", &r.labels) {
        return Ok(false);
    }
    if f.contains("type") {
        for v in f.get("type") {
            if v != "custom" && v != "builtin" {
                return Err(NetworkOpError::InvalidArgument(format!(
                    "invalid filter: 'type'='{v}'"
                )));
            }
        }
        let kind = if r.is_predefined() {
            "builtin"
        } else {
            "custom"
        };
        if !f.any_matches("type", |v| v == kind) {
            return Ok(false);
        }
    }
    if f.contains("dangling") {
        let want = match f.get("dangling").first().copied() {
            Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(v) => {
                return Err(NetworkOpError::InvalidArgument(format!(
                    "invalid filter 'dangling={v}'"
                )))
            }
            None => true,
        };
        let dangling = !r.is_predefined() && r.endpoints.is_empty();
        if dangling != want {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> NetworkConfig {
        NetworkConfig {
            bridge: "bt0".into(),
            bip: "10.99.3.1/24".parse().unwrap(),
            ..Default::default()
        }
    }

    #[test]
    fn predefined_networks_persist_and_resolve() {
        let d = tempfile::tempdir().unwrap();
        let s = NetworkStore::open(d.path(), &cfg()).unwrap();
        let bridge = s.by_name("bridge").unwrap().clone();
        assert_eq!(bridge.bridge, "bt0");
        assert_eq!(bridge.subnet().unwrap().to_string(), "10.99.3.0/24");
        assert_eq!(
            bridge.pool.as_ref().unwrap().gateway.to_string(),
            "10.99.3.1"
        );
        assert!(s.by_name("host").is_some() && s.by_name("none").is_some());
        assert_eq!(s.resolve_id("bridge").unwrap(), bridge.id);
        assert_eq!(s.resolve_id(&bridge.id[..10]).unwrap(), bridge.id);
        assert!(matches!(
            s.resolve_id("nosuch"),
            Err(NetworkOpError::NotFound(_))
        ));
        // Reopening keeps the ids.
        let s2 = NetworkStore::open(d.path(), &cfg()).unwrap();
        assert_eq!(s2.by_name("bridge").unwrap().id, bridge.id);
        assert_eq!(s2.nets.len(), 3);
    }

    #[test]
    fn filters_by_type_driver_and_dangling() {
        let d = tempfile::tempdir().unwrap();
        let mut s = NetworkStore::open(d.path(), &cfg()).unwrap();
        let mut custom = s.by_name("bridge").unwrap().clone();
        custom.id = "c".repeat(64);
        custom.name = "mynet".into();
        custom.labels.insert("team".into(), "a".into());
        s.insert(custom.clone()).unwrap();
        let f = |json: &str| api::Filters::parse(json).unwrap();
        let names = |filters: &api::Filters| -> Vec<String> {
            s.nets
                .values()
                .filter(|r| matches_filters(r, filters).unwrap())
                .map(|r| r.name.clone())
                .collect()
        };
        assert_eq!(names(&f(r#"{"type":{"custom":true}}"#)), vec!["mynet"]);
        assert_eq!(names(&f(r#"{"label":{"team=a":true}}"#)), vec!["mynet"]);
        assert_eq!(names(&f(r#"{"dangling":{"true":true}}"#)), vec!["mynet"]);
        let mut drivers = names(&f(r#"{"driver":{"null":true}}"#));
        drivers.sort();
        assert_eq!(drivers, vec!["none"]);
        assert!(matches_filters(&custom, &f(r#"{"type":{"x":true}}"#)).is_err());
    }
}
