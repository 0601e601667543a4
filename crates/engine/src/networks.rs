//! `/networks`: create, list, inspect, remove, connect, disconnect, prune, and the network
//! service the engine holds (store, firewall, per-container proxies and DNS servers).

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;
use std::sync::Mutex;

use network::{BridgeSpec, Firewall, Ipv4Net, Pool};

use crate::engine::Engine;
use crate::error::Result;
use crate::network_config::NetworkConfig;
use crate::network_error::NetworkOpError;
use crate::network_store::{matches_filters, NetworkRecord, NetworkStore, LIST_FILTERS};

/// What a running container holds on the host besides its veths.
#[derive(Default)]
pub(crate) struct ContainerNetRuntime {
    pub proxies: Vec<network::PortProxy>,
    pub dns: Option<network::DnsServer>,
}

/// The networks of a daemon.
pub(crate) struct NetworkService {
    pub cfg: NetworkConfig,
    pub store: Mutex<NetworkStore>,
    pub firewall: Firewall,
    pub runtime: Mutex<HashMap<String, ContainerNetRuntime>>,
    /// Serializes create/remove/connect/disconnect (kernel work happens outside `store`).
    pub ops: tokio::sync::Mutex<()>,
}

impl NetworkService {
    pub fn open(data_root: &std::path::Path, cfg: NetworkConfig) -> Result<NetworkService> {
        let store = NetworkStore::open(&data_root.join("networks"), &cfg)?;
        Ok(NetworkService {
            firewall: Firewall::new(&cfg.firewall_table()),
            cfg,
            store: Mutex::new(store),
            runtime: Mutex::new(HashMap::new()),
            ops: tokio::sync::Mutex::new(()),
        })
    }

    pub fn store(&self) -> std::sync::MutexGuard<'_, NetworkStore> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn runtime(&self) -> std::sync::MutexGuard<'_, HashMap<String, ContainerNetRuntime>> {
        self.runtime.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Startup: ip_forward, the firewall table, and every bridge with its masquerade rule.
    pub async fn prepare_host(&self) -> Result<()> {
        if !self.cfg.manage_host {
            return Ok(());
        }
        if self.cfg.ip_forward {
            if let Err(e) = std::fs::write("/proc/sys/net/ipv4/ip_forward", "1\n") {
                tracing::warn!("enable ip_forward: {e}");
            }
        }
        if self.cfg.iptables {
            self.firewall.ensure().await.map_err(NetworkOpError::from)?;
        }
        let bridges: Vec<(String, Ipv4Net, bool)> = self
            .store()
            .nets
            .values()
            .filter(|r| r.driver == "bridge")
            .filter_map(|r| {
                r.pool
                    .as_ref()
                    .map(|p| (r.bridge.clone(), gateway_net(p), r.internal))
            })
            .collect();
        for (bridge, gw, internal) in bridges {
            self.bring_up_bridge(&bridge, gw, internal).await?;
        }
        Ok(())
    }

    async fn bring_up_bridge(&self, bridge: &str, gw: Ipv4Net, internal: bool) -> Result<()> {
        network::ensure_bridge(&BridgeSpec {
            name: bridge.to_string(),
            gateway: gw,
            mtu: None,
        })
        .await
        .map_err(NetworkOpError::from)?;
        if self.cfg.iptables {
            let rules = if internal {
                self.firewall.add_internal_network(bridge).await
            } else {
                self.firewall.add_network(bridge, gw.trunc()).await
            };
            rules.map_err(NetworkOpError::from)?;
        }
        Ok(())
    }
}

/// The gateway address with the subnet's prefix (what the bridge gets).
pub(crate) fn gateway_net(p: &Pool) -> Ipv4Net {
    Ipv4Net::new(p.gateway, p.subnet.prefix_len()).unwrap_or(p.subnet)
}

fn parse_net(what: &str, s: &str) -> std::result::Result<Ipv4Net, NetworkOpError> {
    s.parse::<Ipv4Net>()
        .map_err(|_| NetworkOpError::InvalidArgument(format!("invalid {what}: {s}")))
}

impl Engine {
    pub(crate) fn networks(&self) -> &NetworkService {
        &self.inner.networks
    }

    fn network_event(&self, action: &str, r: &NetworkRecord, container: Option<&str>) {
        let mut attrs = BTreeMap::from([
            ("name".to_string(), r.name.clone()),
            ("type".to_string(), r.driver.clone()),
        ]);
        if let Some(c) = container {
            attrs.insert("container".into(), c.to_string());
        }
        self.inner.events.publish("network", action, &r.id, attrs);
    }

    pub(crate) fn emit_network_event(&self, action: &str, network_id: &str, container: &str) {
        let r = self.networks().store().get(network_id).cloned();
        if let Some(r) = r {
            self.network_event(action, &r, Some(container));
        }
    }

    /// `POST /networks/create`.
    pub async fn create_network(
        &self,
        req: api::NetworkCreateRequest,
    ) -> Result<api::NetworkCreateResponse> {
        let svc = self.networks();
        let _ops = svc.ops.lock().await;
        if req.name.is_empty() {
            return Err(NetworkOpError::InvalidArgument("network name is required".into()).into());
        }
        match req.driver.as_str() {
            "" | "bridge" => {}
            "host" | "null" => {
                return Err(NetworkOpError::Forbidden(format!(
                    "only one instance of \"{}\" network is allowed",
                    req.driver
                ))
                .into())
            }
            other => {
                return Err(NetworkOpError::NotFoundPlugin(other.to_string()).into());
            }
        }
        let configs = req
            .ipam
            .as_ref()
            .and_then(|i| i.config.clone())
            .unwrap_or_default();
        let v4: Vec<&api::IpamConfig> =
            configs.iter().filter(|c| !c.subnet.contains(':')).collect();
        if v4.len() > 1 {
            return Err(NetworkOpError::InvalidArgument(
                "berth supports one IPv4 IPAM config per network".into(),
            )
            .into());
        }
        let (pool, ipam_config) = {
            let store = svc.store();
            if let Some(existing) = store.by_name(&req.name) {
                if super::network_store::PREDEFINED.contains(&req.name.as_str()) {
                    return Err(NetworkOpError::Forbidden(format!(
                        "operation is not permitted on predefined {} network ",
                        req.name
                    ))
                    .into());
                }
                return Err(NetworkOpError::Conflict(format!(
                    "network with name {} already exists",
                    existing.name
                ))
                .into());
            }
            let in_use = store.subnets_in_use();
            let given = v4.first().copied();
            let subnet = match given.filter(|c| !c.subnet.is_empty()) {
                Some(c) => {
                    let s = parse_net("subnet", &c.subnet)?;
                    if s.trunc() != s {
                        return Err(NetworkOpError::InvalidArgument(format!(
                            "invalid subnet {} : it should be {}",
                            c.subnet,
                            s.trunc()
                        ))
                        .into());
                    }
                    if in_use.iter().any(|u| network::overlaps(u, &s)) {
                        return Err(NetworkOpError::Forbidden(
                            "Pool overlaps with other one on this address space".into(),
                        )
                        .into());
                    }
                    s
                }
                None => svc
                    .cfg
                    .ipam()
                    .next_subnet(&in_use)
                    .map_err(NetworkOpError::from)?,
            };
            let gateway = match given.map(|c| c.gateway.as_str()).filter(|g| !g.is_empty()) {
                Some(g) => Some(g.parse::<Ipv4Addr>().map_err(|_| {
                    NetworkOpError::InvalidArgument(format!("invalid gateway: {g}"))
                })?),
                None => None,
            };
            let ip_range = match given.map(|c| c.ip_range.as_str()).filter(|g| !g.is_empty()) {
                Some(r) => Some(parse_net("ip range", r)?),
                None => None,
            };
            let pool = Pool::new(subnet, gateway, ip_range).map_err(NetworkOpError::from)?;
            let shown = api::IpamConfig {
                subnet: subnet.to_string(),
                ip_range: ip_range.map(|r| r.to_string()).unwrap_or_default(),
                gateway: pool.gateway.to_string(),
                aux_address: None,
            };
            (pool, vec![shown])
        };
        let id = crate::ids::generate_id();
        let record = NetworkRecord {
            bridge: format!("br-{}", &id[..12]),
            id: id.clone(),
            name: req.name.clone(),
            created: crate::human::now_rfc3339(),
            driver: "bridge".into(),
            internal: req.internal,
            attachable: req.attachable,
            labels: req.labels.clone().unwrap_or_default(),
            options: req.options.clone().unwrap_or_default(),
            pool: Some(pool.clone()),
            ipam_config,
            endpoints: BTreeMap::new(),
        };
        if svc.cfg.manage_host {
            if let Err(e) = svc
                .bring_up_bridge(&record.bridge, gateway_net(&pool), record.internal)
                .await
            {
                let _ = network::remove_link(&record.bridge).await;
                return Err(e);
            }
        }
        svc.store().insert(record.clone())?;
        self.network_event("create", &record, None);
        Ok(api::NetworkCreateResponse {
            id,
            warning: String::new(),
        })
    }

    /// `GET /networks`.
    pub async fn list_networks(&self, filters: api::Filters) -> Result<Vec<api::NetworkResource>> {
        filters
            .validate(LIST_FILTERS)
            .map_err(|e| NetworkOpError::InvalidArgument(e.to_string()))?;
        let store = self.networks().store();
        let mut out = Vec::new();
        for r in store.nets.values() {
            if matches_filters(r, &filters)? {
                let mut res = r.to_resource();
                // dockerd lists networks without their containers.
                res.containers.clear();
                out.push(res);
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// `GET /networks/{id}`.
    pub async fn inspect_network(&self, name: &str) -> Result<api::NetworkResource> {
        let mut res = {
            let store = self.networks().store();
            let id = store.resolve_id(name)?;
            store
                .get(&id)
                .map(|r| r.to_resource())
                .ok_or_else(|| NetworkOpError::NotFound(name.to_string()))?
        };
        // Current names (a container may have been renamed since it joined).
        for (id, c) in res.containers.iter_mut() {
            if let Ok(h) = self.inner.registry.resolve(id) {
                c.name = h.entry.lock().await.record.bare_name().to_string();
            }
        }
        Ok(res)
    }

    /// `DELETE /networks/{id}`.
    pub async fn remove_network(&self, name: &str) -> Result<()> {
        let svc = self.networks();
        let _ops = svc.ops.lock().await;
        let record = {
            let store = svc.store();
            let id = store.resolve_id(name)?;
            store
                .get(&id)
                .cloned()
                .ok_or_else(|| NetworkOpError::NotFound(name.to_string()))?
        };
        if record.is_predefined() {
            return Err(NetworkOpError::Predefined(record.name).into());
        }
        if !record.endpoints.is_empty() {
            return Err(NetworkOpError::Forbidden(format!(
                "error while removing network: network {} id {} has active endpoints",
                record.name, record.id
            ))
            .into());
        }
        self.destroy_network(&record).await
    }

    async fn destroy_network(&self, record: &NetworkRecord) -> Result<()> {
        let svc = self.networks();
        if svc.cfg.manage_host {
            if svc.cfg.iptables {
                if let Err(e) = svc.firewall.remove_network(&record.bridge).await {
                    tracing::warn!("firewall rules of {}: {e}", record.name);
                }
            }
            network::remove_link(&record.bridge)
                .await
                .map_err(NetworkOpError::from)?;
        }
        svc.store().remove(&record.id)?;
        self.network_event("destroy", record, None);
        Ok(())
    }

    /// `POST /networks/prune`: user-defined networks without containers.
    pub async fn prune_networks(&self, filters: api::Filters) -> Result<api::NetworkPruneReport> {
        filters
            .validate(&["label", "label!", "until"])
            .map_err(|e| NetworkOpError::InvalidArgument(e.to_string()))?;
        let until = match filters.get("until").first() {
            Some(v) => {
                let now = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0) as f64 / 1e9;
                Some(crate::container_prune::parse_until(v, now)?)
            }
            None => None,
        };
        let svc = self.networks();
        let candidates: Vec<NetworkRecord> = {
            let _ops = svc.ops.lock().await;
            svc.store()
                .nets
                .values()
                .filter(|r| !r.is_predefined() && r.endpoints.is_empty())
                .filter(|r| filters.match_labels("label", &r.labels))
                .filter(|r| {
                    !filters.contains("label!")
                        || !filters.get("label!").iter().any(|l| {
                            let (k, v) = l.split_once('=').unwrap_or((l, ""));
                            r.labels.get(k).is_some_and(|x| v.is_empty() || x == v)
                        })
                })
                .filter(|r| match until {
                    Some(t) => crate::human::parse_time(&r.created)
                        .map(|c| (c.timestamp() as f64) < t)
                        .unwrap_or(false),
                    None => true,
                })
                .cloned()
                .collect()
        };
        let mut deleted = Vec::new();
        for r in candidates {
            let _ops = svc.ops.lock().await;
            let still_empty = svc
                .store()
                .get(&r.id)
                .is_some_and(|x| x.endpoints.is_empty());
            if still_empty && self.destroy_network(&r).await.is_ok() {
                deleted.push(r.name.clone());
            }
        }
        Ok(api::NetworkPruneReport {
            networks_deleted: if deleted.is_empty() {
                None
            } else {
                Some(deleted)
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use errdefs::{ErrorKind, HasKind};

    use crate::engine::{Engine, EngineConfig};
    use crate::network_config::NetworkConfig;

    async fn engine(dir: &std::path::Path) -> Engine {
        Engine::open(EngineConfig {
            data_root: dir.join("root"),
            exec_root: dir.join("run"),
            cgroup_parent: "berth-unit".into(),
            shim_path: "/nonexistent/berth-shim".into(),
            registry: Default::default(),
            log: Default::default(),
            // manage_host stays false: no links or nft rules on the machine running the tests.
            network: NetworkConfig {
                bridge: "btunit".into(),
                bip: "10.98.0.1/24".parse().unwrap(),
                default_address_pools: vec![("10.97.0.0/16".parse().unwrap(), 24)],
                ..Default::default()
            },
        })
        .await
        .unwrap()
    }

    fn create(name: &str, subnet: &str) -> api::NetworkCreateRequest {
        api::NetworkCreateRequest {
            name: name.into(),
            driver: "bridge".into(),
            ipam: (!subnet.is_empty()).then(|| api::Ipam {
                config: Some(vec![api::IpamConfig {
                    subnet: subnet.into(),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn create_list_remove_prune_like_dockerd() {
        let dir = tempfile::tempdir().unwrap();
        let e = engine(dir.path()).await;
        let id = e.create_network(create("a", "")).await.unwrap().id;
        let a = e.inspect_network("a").await.unwrap();
        assert_eq!(a.id, id);
        let cfg = a.ipam.config.unwrap();
        assert_eq!(cfg[0].subnet, "10.97.0.0/24");
        assert_eq!(cfg[0].gateway, "10.97.0.1");
        let b = e.create_network(create("b", "")).await.unwrap().id;
        assert_eq!(
            e.inspect_network(&b).await.unwrap().ipam.config.unwrap()[0].subnet,
            "10.97.1.0/24"
        );
        let err = e
            .create_network(create("c", "10.97.1.0/25"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Forbidden);
        let err = e.create_network(create("a", "")).await.unwrap_err();
        assert_eq!(err.to_string(), "network with name a already exists");
        assert_eq!(err.kind(), ErrorKind::Conflict);

        let names: Vec<String> = e
            .list_networks(Default::default())
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.name)
            .collect();
        assert_eq!(names, ["a", "b", "bridge", "host", "none"]);
        let err = e.remove_network("bridge").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "bridge is a pre-defined network and cannot be removed"
        );
        assert_eq!(err.kind(), ErrorKind::Forbidden);
        let err = e.remove_network("nope").await.unwrap_err();
        assert_eq!(err.to_string(), "network nope not found");
        assert_eq!(err.kind(), ErrorKind::NotFound);
        e.remove_network(&id[..6]).await.unwrap();
        let report = e.prune_networks(Default::default()).await.unwrap();
        assert_eq!(report.networks_deleted, Some(vec!["b".to_string()]));
        let report = e.prune_networks(Default::default()).await.unwrap();
        assert_eq!(report.networks_deleted, None);
        // Reopening finds the same predefined networks.
        let bridge = e.inspect_network("bridge").await.unwrap().id;
        drop(e);
        let e = engine(dir.path()).await;
        assert_eq!(e.inspect_network("bridge").await.unwrap().id, bridge);
    }
}
