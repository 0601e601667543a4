//! Containers on networks: memberships at create, veths, addresses, `/etc/hosts`,
//! `/etc/resolv.conf`, published ports and the embedded DNS at start; teardown at exit;
//! release at rm; `network connect`/`disconnect`; what inspect and `ps` show.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use api::{ContainerInspect, ContainerSummary, EndpointSettings, HostConfig, NetworkingConfig};
use network::{EndpointSpec, Ipv4Net, PortMapping};

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::network_error::NetworkOpError;
use crate::network_store::{mac_string, EndpointRecord, NetworkRecord, NetworkStore};
use crate::networks::ContainerNetRuntime;
use crate::paths::{short_id, ContainerFiles};
use crate::record::ContainerRecord;

/// How a container's network namespace is made, from `HostConfig.NetworkMode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetMode {
    /// On one or more bridge networks (the first is given).
    Bridge(String),
    Host,
    None,
    /// `container:<name or id>`: joins that container's netns.
    Container(String),
}

pub fn net_mode(hc: &HostConfig) -> NetMode {
    match hc.network_mode.as_str() {
        "" | "default" | "bridge" => NetMode::Bridge("bridge".into()),
        "host" => NetMode::Host,
        "none" => NetMode::None,
        other => match other.strip_prefix("container:") {
            Some(c) => NetMode::Container(c.to_string()),
            None => NetMode::Bridge(other.to_string()),
        },
    }
}

/// One network a new container joins.
#[derive(Debug, Clone)]
pub(crate) struct PlannedEndpoint {
    network_id: String,
    static_ip: Option<Ipv4Addr>,
    aliases: Vec<String>,
    links: Vec<String>,
}

fn endpoint_ipv4(settings: &EndpointSettings) -> Option<String> {
    settings
        .ipam_config
        .as_ref()
        .and_then(|v| v.get("IPv4Address"))
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Checks what `settings` asks of network `r` (a static address only on user networks).
fn plan_endpoint(
    r: &NetworkRecord,
    settings: Option<&EndpointSettings>,
) -> std::result::Result<PlannedEndpoint, NetworkOpError> {
    let static_ip = match settings.and_then(endpoint_ipv4) {
        Some(ip) => {
            if !r.is_user_bridge() {
                return Err(NetworkOpError::InvalidArgument(
                    "user specified IP address is supported on user defined networks only".into(),
                ));
            }
            let ip: Ipv4Addr = ip.parse().map_err(|_| {
                NetworkOpError::InvalidArgument(format!("invalid IPv4 address: {ip}"))
            })?;
            if r.subnet().is_some_and(|s| !s.contains(&ip)) {
                return Err(NetworkOpError::InvalidArgument(format!(
                    "no configured subnet or ip-range contain the IP address {ip}"
                )));
            }
            Some(ip)
        }
        None => None,
    };
    let aliases = settings.and_then(|s| s.aliases.clone()).unwrap_or_default();
    if !aliases.is_empty() && !r.is_user_bridge() {
        return Err(NetworkOpError::InvalidArgument(
            "network-scoped alias is supported only for containers in user defined networks".into(),
        ));
    }
    let links = settings.and_then(|s| s.links.clone()).unwrap_or_default();
    Ok(PlannedEndpoint {
        network_id: r.id.clone(),
        static_ip,
        aliases,
        links,
    })
}

impl Engine {
    /// Resolves the networks of a new container (404 for an unknown one) before anything is made.
    pub(crate) fn plan_networks(
        &self,
        hc: &HostConfig,
        networking: &NetworkingConfig,
    ) -> Result<Vec<PlannedEndpoint>> {
        let store = self.networks().store();
        let endpoints = networking.endpoints_config.clone().unwrap_or_default();
        match net_mode(hc) {
            NetMode::Host | NetMode::None => Ok(Vec::new()),
            NetMode::Container(c) => {
                self.inner.registry.resolve(&c)?;
                Ok(Vec::new())
            }
            NetMode::Bridge(primary) => {
                // As dockerd, an unknown network fails the start, not the create (a 404 here
                // would make the docker CLI try to pull the image).
                let primary_id = match store.resolve_id(&primary) {
                    Ok(id) => id,
                    Err(NetworkOpError::NotFound(_)) => return Ok(Vec::new()),
                    Err(e) => return Err(e.into()),
                };
                let primary_rec = store
                    .get(&primary_id)
                    .ok_or_else(|| NetworkOpError::NotFound(primary.clone()))?;
                if primary_rec.driver != "bridge" {
                    // `--network <id of host/none>`: dockerd treats it as that mode; berth wants the name.
                    return Err(NetworkOpError::InvalidArgument(format!(
                        "use --network {} instead of its id",
                        primary_rec.name
                    ))
                    .into());
                }
                let settings = endpoints
                    .iter()
                    .find(|(k, _)| {
                        k.as_str() == primary
                            || k.as_str() == hc.network_mode
                            || store.resolve_id(k).ok().as_deref() == Some(primary_id.as_str())
                    })
                    .map(|(_, v)| v);
                let mut first = plan_endpoint(primary_rec, settings)?;
                // On a user network dockerd turns legacy links into endpoint links of the
                // container's network (docker-compose's `links:` arrive this way).
                if primary_rec.is_user_bridge() {
                    first.links.extend(hc.links.iter().flatten().cloned());
                }
                let mut plan = vec![first];
                for (k, v) in &endpoints {
                    if k == "default" || k == &hc.network_mode || k == &primary {
                        continue;
                    }
                    let id = match store.resolve_id(k) {
                        Ok(id) => id,
                        Err(NetworkOpError::NotFound(_)) => continue,
                        Err(e) => return Err(e.into()),
                    };
                    if plan.iter().any(|p| p.network_id == id) {
                        continue;
                    }
                    let r = store
                        .get(&id)
                        .ok_or_else(|| NetworkOpError::NotFound(k.clone()))?;
                    if r.driver != "bridge" {
                        return Err(NetworkOpError::InvalidArgument(format!(
                            "container cannot be connected to network {k} and {primary}"
                        ))
                        .into());
                    }
                    plan.push(plan_endpoint(r, Some(v))?);
                }
                Ok(plan)
            }
        }
    }

    /// Makes the container a member of its planned networks (after its record exists).
    pub(crate) fn join_networks(&self, id: &str, name: &str, plan: Vec<PlannedEndpoint>) {
        let mut store = self.networks().store();
        for p in plan {
            let seq = store.next_seq(id);
            if let Some(r) = store.get_mut(&p.network_id) {
                r.endpoints.insert(
                    id.to_string(),
                    EndpointRecord {
                        container_name: name.trim_start_matches('/').to_string(),
                        endpoint_id: String::new(),
                        seq,
                        ip: None,
                        static_ip: p.static_ip,
                        aliases: p.aliases,
                        links: p.links,
                        active: false,
                        ports: Vec::new(),
                    },
                );
                if let Err(e) = store.save(&p.network_id) {
                    tracing::warn!("save network {}: {e}", p.network_id);
                }
            }
        }
    }

    /// `--network container:<x>`: points the spec's network namespace at x's init (which must
    /// run), before the shim creates the init.
    pub(crate) async fn prepare_netns_join(
        &self,
        record: &ContainerRecord,
        dir: &std::path::Path,
    ) -> Result<()> {
        let NetMode::Container(other) = net_mode(&record.host_config) else {
            return Ok(());
        };
        let h = self.inner.registry.resolve(&other)?;
        let (pid, other_hostname) = {
            let entry = h.entry.lock().await;
            if !entry.record.state.running || entry.record.state.pid <= 0 {
                return Err(EngineError::Conflict(format!(
                    "cannot join network of a non running container: {}",
                    h.id
                )));
            }
            (entry.record.state.pid, entry.record.config.hostname.clone())
        };
        let other_dir = self.paths().container_dir(&h.id);
        let path = ContainerFiles(dir).spec();
        let bytes = std::fs::read(&path)
            .map_err(|e| EngineError::io(format!("read {}", path.display()), e))?;
        let mut spec: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| EngineError::Internal(format!("parse {}: {e}", path.display())))?;
        if let Some(list) = spec
            .pointer_mut("/linux/namespaces")
            .and_then(|v| v.as_array_mut())
        {
            list.retain(|ns| ns.get("type").and_then(|t| t.as_str()) != Some("network"));
            list.push(
                serde_json::json!({"type": "network", "path": format!("/proc/{pid}/ns/net")}),
            );
        }
        share_network_files(
            &mut spec,
            &ContainerFiles(dir),
            &ContainerFiles(&other_dir),
            &other_hostname,
        );
        let bytes = serde_json::to_vec(&spec)
            .map_err(|e| EngineError::Internal(format!("encode spec: {e}")))?;
        crate::atomic::write_renamed(&path, &bytes)
            .map_err(|e| EngineError::io(format!("write {}", path.display()), e))
    }

    /// Whether a created init is where `--network container:x` wants it (in x's netns); always
    /// true for other modes.
    pub(crate) async fn netns_join_current(
        &self,
        record: &ContainerRecord,
        created_pid: Option<i64>,
    ) -> bool {
        let NetMode::Container(other) = net_mode(&record.host_config) else {
            return true;
        };
        let Ok(h) = self.inner.registry.resolve(&other) else {
            return false;
        };
        let target = h.entry.lock().await.record.state.pid;
        let (Some(created), true) = (created_pid, target > 0) else {
            return false;
        };
        let ns = |pid: i64| std::fs::read_link(format!("/proc/{pid}/ns/net")).ok();
        match (ns(created), ns(target)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    /// At start, with the created init's pid: addresses, veths, hosts/resolv.conf, ports, DNS.
    /// On error nothing stays behind.
    pub(crate) async fn setup_network(&self, record: &ContainerRecord, pid: i64) -> Result<()> {
        let mode = if record.config.network_disabled {
            NetMode::None
        } else {
            net_mode(&record.host_config)
        };
        let dir = self.paths().container_dir(&record.id);
        match mode {
            NetMode::Host | NetMode::Container(_) => return Ok(()),
            NetMode::None => {
                return Ok(());
            }
            NetMode::Bridge(_) => {}
        }
        match self.setup_bridge_endpoints(record, pid, &dir).await {
            Ok(()) => Ok(()),
            Err(e) => {
                self.teardown_network(&record.id).await;
                Err(e)
            }
        }
    }

    async fn setup_bridge_endpoints(
        &self,
        record: &ContainerRecord,
        pid: i64,
        dir: &std::path::Path,
    ) -> Result<()> {
        let svc = self.inner.networks.clone();
        let id = record.id.clone();
        if svc.store().memberships(&id).is_empty() {
            // Its network did not exist at create (or went away): join it now or fail as dockerd.
            let plan = self.plan_networks(&record.host_config, &Default::default())?;
            if plan.is_empty() {
                let name = match net_mode(&record.host_config) {
                    NetMode::Bridge(n) => n,
                    _ => record.host_config.network_mode.clone(),
                };
                return Err(NetworkOpError::NotFound(name).into());
            }
            self.join_networks(&id, &record.name, plan);
        }
        // Addresses first (under the store lock), then the kernel work without it.
        let attached = activate_endpoints(&mut svc.store(), &id)?;
        let manage = svc.cfg.manage_host;
        // The default route and the published ports go through the first network that is not
        // `--internal` (dockerd's gateway endpoint); with internal networks only, there is neither.
        let gateway_index = attached.iter().position(|a| !a.internal);
        let connects = attached.iter().enumerate().map(|(i, a)| {
            let spec = EndpointSpec {
                bridge: a.bridge.clone(),
                host_ifname: network::veth_name(&id, &a.network_id),
                container_ifname: format!("eth{i}"),
                address: a.address,
                gateway: (Some(i) == gateway_index).then_some(a.gateway),
                mac: network::random_mac(a.address.addr()),
                mtu: None,
            };
            async move {
                if !manage {
                    return Ok(());
                }
                // The veth of an earlier run whose netns the kernel has not destroyed yet.
                if std::path::Path::new("/sys/class/net")
                    .join(&spec.host_ifname)
                    .exists()
                {
                    network::remove_link(&spec.host_ifname).await?;
                }
                network::connect_endpoint(pid as i32, &spec).await
            }
        });
        let files = write_container_net_files(dir, record, &attached);
        let (connected, files) = tokio::join!(futures_util::future::join_all(connects), files);
        for r in connected {
            r.map_err(NetworkOpError::from)?;
        }
        files?;
        let mut runtime = ContainerNetRuntime::default();
        let mut published = Vec::new();
        if let Some(gw) = gateway_index.and_then(|i| attached.get(i)) {
            let requests = crate::port_spec::requested_ports(&record.config, &record.host_config)?;
            for req in requests {
                let (m, proxy) = match publish_port(&req, gw.address.addr()).await {
                    Ok(bound) => bound,
                    Err(e) => {
                        self.unpublish_all(&published).await;
                        return Err(EngineError::StartFailed(
                            NetworkOpError::Conflict(format!(
                                "driver failed programming external connectivity on endpoint {} ({}): {e}",
                                record.bare_name(),
                                gw.endpoint_id
                            ))
                            .to_string(),
                        ));
                    }
                };
                runtime.proxies.push(proxy);
                if manage && svc.cfg.iptables {
                    if let Err(e) = svc.firewall.publish(&m).await {
                        tracing::warn!("firewall publish {m:?}: {e}");
                    }
                }
                published.push(m);
            }
            let mut store = svc.store();
            if let Some(r) = store.get_mut(&gw.network_id) {
                if let Some(e) = r.endpoints.get_mut(&id) {
                    e.ports = published;
                }
                let _ = store.save(&gw.network_id);
            }
        }
        if attached.iter().any(|a| a.user_network) {
            let lookup: Arc<dyn network::NameLookup> = Arc::new(self.name_lookup());
            if manage {
                let dns = network::DnsServer::start(
                    pid as i32,
                    id.clone(),
                    lookup,
                    dns_upstreams(&record.host_config),
                )
                .await
                .map_err(NetworkOpError::from)?;
                runtime.dns = Some(dns);
            }
        }
        svc.runtime().insert(id.clone(), runtime);
        for a in &attached {
            self.emit_network_event("connect", &a.network_id, &id);
        }
        Ok(())
    }

    async fn unpublish_all(&self, published: &[PortMapping]) {
        let svc = self.networks();
        if svc.cfg.manage_host && svc.cfg.iptables {
            for m in published {
                if let Err(e) = svc.firewall.unpublish(m).await {
                    tracing::debug!("firewall unpublish {m:?}: {e}");
                }
            }
        }
    }

    /// After the container exited: proxies, DNS, firewall rules go; addresses stay. The veths
    /// go with the container's netns (the kernel deletes both ends): deleting them here would
    /// wait for the kernel's netns cleanup under the rtnl lock (~30 ms per exit, measured).
    pub(crate) async fn teardown_network(&self, id: &str) {
        let svc = self.inner.networks.clone();
        drop(svc.runtime().remove(id));
        let (published, was_active) = {
            let mut store = svc.store();
            let mut published = Vec::new();
            let mut was_active = Vec::new();
            let ids: Vec<String> = store.nets.keys().cloned().collect();
            for nid in ids {
                let Some(e) = store.get_mut(&nid).and_then(|r| r.endpoints.get_mut(id)) else {
                    continue;
                };
                if !e.active && e.ports.is_empty() {
                    continue;
                }
                if e.active {
                    was_active.push(nid.clone());
                }
                e.active = false;
                published.append(&mut e.ports);
                let _ = store.save(&nid);
            }
            (published, was_active)
        };
        self.unpublish_all(&published).await;
        for nid in was_active {
            self.emit_network_event("disconnect", &nid, id);
        }
    }

    /// `rm`: the container leaves every network and gives its addresses back.
    pub(crate) async fn leave_networks(&self, id: &str) {
        self.teardown_network(id).await;
        let mut store = self.networks().store();
        let ids: Vec<String> = store.nets.keys().cloned().collect();
        for nid in ids {
            let Some(r) = store.get_mut(&nid) else {
                continue;
            };
            let Some(e) = r.endpoints.remove(id) else {
                continue;
            };
            if let (Some(ip), Some(pool)) = (e.ip, r.pool.as_mut()) {
                pool.release(ip);
            }
            let _ = store.save(&nid);
        }
    }

    /// After a daemon restart, for a container that kept running: its proxies and DNS server.
    pub(crate) async fn restore_network(&self, record: &ContainerRecord) {
        let svc = self.inner.networks.clone();
        let (published, user_network) = {
            let store = svc.store();
            let m = store.memberships(&record.id);
            let published: Vec<PortMapping> = m.iter().flat_map(|(_, e)| e.ports.clone()).collect();
            let user = m.iter().any(|(r, e)| r.is_user_bridge() && e.active);
            (published, user)
        };
        let mut runtime = ContainerNetRuntime::default();
        for m in &published {
            match network::PortProxy::start(m).await {
                Ok(p) => runtime.proxies.push(p),
                Err(e) => tracing::warn!("restore port proxy {m:?} of {}: {e}", record.id),
            }
        }
        if user_network && svc.cfg.manage_host && record.state.pid > 0 {
            let lookup: Arc<dyn network::NameLookup> = Arc::new(self.name_lookup());
            match network::DnsServer::start(
                record.state.pid as i32,
                record.id.clone(),
                lookup,
                dns_upstreams(&record.host_config),
            )
            .await
            {
                Ok(d) => runtime.dns = Some(d),
                Err(e) => tracing::warn!("restore DNS of {}: {e}", record.id),
            }
        }
        svc.runtime().insert(record.id.clone(), runtime);
    }

    /// `POST /networks/{id}/connect`.
    pub async fn connect_network(&self, name: &str, req: api::NetworkConnectRequest) -> Result<()> {
        let h = self.inner.registry.resolve(&req.container)?;
        let svc = self.inner.networks.clone();
        let _ops = svc.ops.lock().await;
        let entry = h.entry.lock().await;
        let record = entry.record.clone();
        let (net_id, net_name) = {
            let store = svc.store();
            let nid = store.resolve_id(name)?;
            let r = store
                .get(&nid)
                .ok_or_else(|| NetworkOpError::NotFound(name.to_string()))?;
            if r.driver != "bridge" || !matches!(net_mode(&record.host_config), NetMode::Bridge(_))
            {
                return Err(NetworkOpError::Forbidden(
                    "container sharing network namespace with another container or host cannot be connected to any other network".into(),
                )
                .into());
            }
            if r.endpoints.contains_key(&record.id) {
                return Err(NetworkOpError::Forbidden(format!(
                    "endpoint with name {} already exists in network {}",
                    record.bare_name(),
                    r.name
                ))
                .into());
            }
            (nid, r.name.clone())
        };
        let plan = {
            let store = svc.store();
            let r = store
                .get(&net_id)
                .ok_or_else(|| NetworkOpError::NotFound(name.to_string()))?;
            plan_endpoint(r, req.endpoint_config.as_ref())?
        };
        self.join_networks(&record.id, &record.name, vec![plan]);
        if !record.state.running || record.state.pid <= 0 {
            return Ok(());
        }
        // A running container gets the new interface now.
        let attached = {
            let mut store = svc.store();
            let all = activate_endpoints(&mut store, &record.id);
            match all {
                Ok(v) => v,
                Err(e) => {
                    drop(store);
                    self.drop_membership(&record.id, &net_id);
                    return Err(e.into());
                }
            }
        };
        let Some(a) = attached.iter().find(|a| a.network_id == net_id) else {
            return Ok(());
        };
        let spec = EndpointSpec {
            bridge: a.bridge.clone(),
            host_ifname: network::veth_name(&record.id, &net_id),
            container_ifname: free_eth_name(record.state.pid),
            address: a.address,
            // The default route stays where it is, unless the container had none yet (it was on
            // `--internal` networks only) and this network can give one.
            gateway: (!a.internal
                && attached
                    .iter()
                    .all(|o| o.network_id == net_id || o.internal))
            .then_some(a.gateway),
            mac: network::random_mac(a.address.addr()),
            mtu: None,
        };
        if svc.cfg.manage_host {
            if let Err(e) = network::connect_endpoint(record.state.pid as i32, &spec).await {
                self.drop_membership(&record.id, &net_id);
                return Err(NetworkOpError::from(e).into());
            }
        }
        let dir = self.paths().container_dir(&record.id);
        write_container_net_files(&dir, &record, &attached).await?;
        if a.user_network && svc.cfg.manage_host {
            let has_dns = svc
                .runtime()
                .get(&record.id)
                .is_some_and(|r| r.dns.is_some());
            if !has_dns {
                let lookup: Arc<dyn network::NameLookup> = Arc::new(self.name_lookup());
                let dns = network::DnsServer::start(
                    record.state.pid as i32,
                    record.id.clone(),
                    lookup,
                    dns_upstreams(&record.host_config),
                )
                .await
                .map_err(NetworkOpError::from)?;
                svc.runtime().entry(record.id.clone()).or_default().dns = Some(dns);
            }
        }
        drop(entry);
        tracing::debug!("connected {} to {net_name}", record.id);
        self.emit_network_event("connect", &net_id, &record.id);
        Ok(())
    }

    fn drop_membership(&self, container_id: &str, net_id: &str) {
        let mut store = self.networks().store();
        if let Some(r) = store.get_mut(net_id) {
            if let Some(e) = r.endpoints.remove(container_id) {
                if let (Some(ip), Some(pool)) = (e.ip, r.pool.as_mut()) {
                    pool.release(ip);
                }
            }
            let _ = store.save(net_id);
        }
    }

    /// `POST /networks/{id}/disconnect`.
    pub async fn disconnect_network(
        &self,
        name: &str,
        req: api::NetworkDisconnectRequest,
    ) -> Result<()> {
        let svc = self.inner.networks.clone();
        let _ops = svc.ops.lock().await;
        let net_id = svc.store().resolve_id(name)?;
        let container_id = match self.inner.registry.resolve(&req.container) {
            Ok(h) => h.id.clone(),
            Err(e) => {
                // `--force` removes the endpoint of a container that no longer exists.
                let store = svc.store();
                let by_name = store.get(&net_id).and_then(|r| {
                    r.endpoints
                        .iter()
                        .find(|(id, e)| {
                            e.container_name == req.container || id.starts_with(&req.container)
                        })
                        .map(|(id, _)| id.clone())
                });
                match (req.force, by_name) {
                    (true, Some(id)) => id,
                    _ => return Err(e),
                }
            }
        };
        let (was_active, ports, net_name) = {
            let store = svc.store();
            let r = store
                .get(&net_id)
                .ok_or_else(|| NetworkOpError::NotFound(name.to_string()))?;
            let Some(e) = r.endpoints.get(&container_id) else {
                return Err(NetworkOpError::Forbidden(format!(
                    "container {container_id} is not connected to network {}",
                    r.name
                ))
                .into());
            };
            (e.active, e.ports.clone(), r.name.clone())
        };
        if net_name == "host" || net_name == "none" {
            return Err(NetworkOpError::Forbidden(
                "container cannot be disconnected from host network or connected to host network"
                    .into(),
            )
            .into());
        }
        self.unpublish_all(&ports).await;
        if was_active && svc.cfg.manage_host {
            let link = network::veth_name(&container_id, &net_id);
            network::remove_link(&link)
                .await
                .map_err(NetworkOpError::from)?;
        }
        self.drop_membership(&container_id, &net_id);
        self.emit_network_event_named("disconnect", &net_id, &net_name, &container_id);
        Ok(())
    }

    fn emit_network_event_named(&self, action: &str, id: &str, name: &str, container: &str) {
        let attrs = [
            ("container".to_string(), container.to_string()),
            ("name".to_string(), name.to_string()),
            ("type".to_string(), "bridge".to_string()),
        ]
        .into();
        self.inner.events.publish("network", action, id, attrs);
    }

    /// Inspect's `NetworkSettings` from the container's endpoints.
    pub(crate) fn apply_network_inspect(&self, out: &mut ContainerInspect) {
        let store = self.networks().store();
        let running = out.state.running;
        let ns = &mut out.network_settings;
        ns.networks.clear();
        let mode = out.host_config.network_mode.as_str();
        let mut published = Vec::new();
        for (r, e) in store.memberships(&out.id) {
            published.extend(e.ports.iter().cloned());
            ns.networks
                .insert(r.name.clone(), endpoint_settings(r, e, &out.id, running));
        }
        if ns.networks.is_empty() {
            if let Some(name) = unattached_network_name(mode, &store) {
                let net = store.by_name(&name);
                ns.networks.insert(
                    name.clone(),
                    EndpointSettings {
                        network_id: net.map(|r| r.id.clone()).unwrap_or_default(),
                        ..Default::default()
                    },
                );
            }
        }
        if let Some(b) = ns.networks.get("bridge").cloned() {
            ns.ip_address = b.ip_address;
            ns.ip_prefix_len = b.ip_prefix_len;
            ns.gateway = b.gateway;
            ns.mac_address = b.mac_address;
            ns.endpoint_id = b.endpoint_id;
        }
        if running && out.state.pid > 0 {
            ns.sandbox_key = format!("/proc/{}/ns/net", out.state.pid);
            ns.sandbox_id = out.id.clone();
            let exposed = crate::port_spec::exposed_keys(&out.config, &out.host_config);
            ns.ports = crate::port_spec::port_map(&exposed, &published);
        } else {
            ns.ports = Default::default();
        }
    }

    /// `ps --filter network=X`: X names (or is an id prefix of) one of the container's networks.
    pub(crate) fn container_on_network(&self, record: &ContainerRecord, v: &str) -> bool {
        let store = self.networks().store();
        let members = store.memberships(&record.id);
        if members.is_empty() {
            let mode = match net_mode(&record.host_config) {
                NetMode::Host => "host",
                NetMode::None => "none",
                _ => return false,
            };
            return store
                .by_name(mode)
                .is_some_and(|r| r.name == v || r.id.starts_with(v));
        }
        members
            .iter()
            .any(|(r, _)| r.name == v || (!v.is_empty() && r.id.starts_with(v)))
    }

    /// The list's `Ports` and `NetworkSettings.Networks`.
    pub(crate) fn apply_network_summary(&self, s: &mut ContainerSummary, record: &ContainerRecord) {
        let store = self.networks().store();
        let running = record.state.running;
        let members = store.memberships(&record.id);
        if members.is_empty() {
            // Disconnected from every network: nothing, as for inspect.
            if unattached_network_name(&record.host_config.network_mode, &store).is_none() {
                s.network_settings.networks.clear();
            }
        } else {
            s.network_settings.networks = members
                .iter()
                .map(|(r, e)| (r.name.clone(), endpoint_settings(r, e, &record.id, running)))
                .collect();
        }
        if running {
            let published: Vec<PortMapping> =
                members.iter().flat_map(|(_, e)| e.ports.clone()).collect();
            let exposed = crate::port_spec::exposed_keys(&record.config, &record.host_config);
            s.ports = crate::port_spec::summary_ports(&exposed, &published);
        }
    }
}

/// The network shown for a container that is on no network's endpoint list: `host` and `none`
/// (which keep no endpoints), `bridge` when its network never existed (an unknown one fails at
/// start); nothing for `container:` modes and for a container disconnected from its networks
/// (its network still exists), as dockerd shows `{}` after the last disconnect.
fn unattached_network_name(mode: &str, store: &NetworkStore) -> Option<String> {
    match mode {
        "host" | "none" => Some(mode.to_string()),
        m if m.starts_with("container:") => None,
        "" | "default" | "bridge" => store
            .resolve_id("bridge")
            .is_err()
            .then(|| "bridge".to_string()),
        name => store
            .resolve_id(name)
            .is_err()
            .then(|| "bridge".to_string()),
    }
}

fn endpoint_settings(
    r: &NetworkRecord,
    e: &EndpointRecord,
    container_id: &str,
    running: bool,
) -> EndpointSettings {
    let prefix = r.subnet().map(|s| i64::from(s.prefix_len())).unwrap_or(0);
    let show = running && e.active;
    let mut aliases = e.aliases.clone();
    if r.is_user_bridge() {
        aliases.push(short_id(container_id).to_string());
    }
    EndpointSettings {
        ipam_config: e
            .static_ip
            .map(|ip| serde_json::json!({ "IPv4Address": ip.to_string() })),
        links: if e.links.is_empty() {
            None
        } else {
            Some(e.links.clone())
        },
        aliases: if aliases.is_empty() {
            None
        } else {
            Some(aliases)
        },
        network_id: r.id.clone(),
        endpoint_id: if show {
            e.endpoint_id.clone()
        } else {
            String::new()
        },
        // An internal network gives the container no gateway (dockerd's bridge driver).
        gateway: match (&r.pool, show) {
            (Some(p), true) if !r.internal => p.gateway.to_string(),
            _ => String::new(),
        },
        ip_address: match (e.ip, show) {
            (Some(ip), true) => ip.to_string(),
            _ => String::new(),
        },
        ip_prefix_len: if show { prefix } else { 0 },
        mac_address: match (e.ip, show) {
            (Some(ip), true) => mac_string(ip),
            _ => String::new(),
        },
        ..Default::default()
    }
}

/// The lowest `ethN` not present in the netns of `pid` (after disconnects the names have holes).
fn free_eth_name(pid: i64) -> String {
    let dev = std::fs::read_to_string(format!("/proc/{pid}/net/dev")).unwrap_or_default();
    let used = eth_names_in(&dev);
    (0..)
        .map(|n| format!("eth{n}"))
        .find(|n| !used.contains(n))
        .unwrap_or_else(|| "eth0".into())
}

/// Interface names of a `/proc/<pid>/net/dev` listing.
fn eth_names_in(dev: &str) -> BTreeSet<String> {
    dev.lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(|n| n.trim().to_string())
        .collect()
}

/// One endpoint to wire at start, with its address decided.
#[derive(Debug, Clone)]
pub(crate) struct ActiveEndpoint {
    network_id: String,
    bridge: String,
    address: Ipv4Net,
    gateway: Ipv4Addr,
    endpoint_id: String,
    user_network: bool,
    /// `--internal`: no default route and no published ports through it.
    internal: bool,
    hostname_aliases: Vec<String>,
}

/// Binds one requested port: the given host port, the first free one of a host port range (the
/// docker CLI sends `HostPort: "9000-9005"` for `-p 9000-9005:80`; dockerd's allocator takes the
/// first free port of the range in order), or any free port.
async fn publish_port(
    req: &crate::port_spec::PortRequest,
    container_ip: Ipv4Addr,
) -> std::result::Result<(PortMapping, network::PortProxy), network::NetworkError> {
    let mapping = |host_port| PortMapping {
        protocol: req.protocol.clone(),
        host_ip: req.host_ip,
        host_port,
        container_ip,
        container_port: req.container_port,
    };
    let Some(range) = req.host_port.clone() else {
        let m = mapping(network::allocate_host_port(&req.protocol, req.host_ip)?);
        let proxy = network::PortProxy::start(&m).await?;
        return Ok((m, proxy));
    };
    let mut last_error = None;
    for host_port in range {
        let m = mapping(host_port);
        match network::PortProxy::start(&m).await {
            Ok(proxy) => return Ok((m, proxy)),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        network::NetworkError::PortInUse("no port in the host port range".into())
    }))
}

/// Gives every membership of `container_id` an address (kept from an earlier start when it has
/// one), marks it active and persists; in attachment order.
fn activate_endpoints(
    store: &mut NetworkStore,
    container_id: &str,
) -> std::result::Result<Vec<ActiveEndpoint>, NetworkOpError> {
    let ids: Vec<String> = store
        .memberships(container_id)
        .iter()
        .map(|(r, _)| r.id.clone())
        .collect();
    let mut out = Vec::new();
    for nid in ids {
        let Some(r) = store.get_mut(&nid) else {
            continue;
        };
        let user_network = r.is_user_bridge();
        let internal = r.internal;
        let bridge = r.bridge.clone();
        let Some(pool) = r.pool.as_mut() else {
            continue;
        };
        let Some(e) = r.endpoints.get_mut(container_id) else {
            continue;
        };
        let ip = match (e.ip, e.static_ip) {
            (Some(ip), _) if pool.allocated.contains(&ip) => ip,
            (Some(ip), _) => {
                pool.reserve(ip)?;
                ip
            }
            (None, Some(ip)) => {
                pool.reserve(ip).map_err(|err| match err {
                    network::NetworkError::AddressInUse(_) => {
                        NetworkOpError::Forbidden("Address already in use".into())
                    }
                    other => other.into(),
                })?;
                ip
            }
            (None, None) => pool.allocate()?,
        };
        e.ip = Some(ip);
        e.active = true;
        e.endpoint_id = crate::ids::generate_id();
        let address = Ipv4Net::new(ip, pool.subnet.prefix_len())
            .map_err(|e| NetworkOpError::InvalidArgument(e.to_string()))?;
        out.push(ActiveEndpoint {
            network_id: nid.clone(),
            bridge,
            address,
            gateway: pool.gateway,
            endpoint_id: e.endpoint_id.clone(),
            user_network,
            internal,
            hostname_aliases: e.aliases.clone(),
        });
        store.save(&nid)?;
    }
    Ok(out)
}

pub(crate) const HOSTS_HEADER: &str = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

/// `/etc/hosts`: Docker's header, the `--add-host` entries (`name:ip`; `host-gateway` is the
/// gateway of the first network), then one line per address with the hostname (and, on user
/// networks, the aliases; other containers resolve through the embedded DNS).
pub(crate) fn hosts_content(
    hostname: &str,
    extra_hosts: &[String],
    gateway: Option<Ipv4Addr>,
    endpoints: &[(Ipv4Addr, Vec<String>)],
) -> String {
    let mut s = HOSTS_HEADER.to_string();
    for entry in extra_hosts {
        // `name:ip` (docker also accepts `name=ip`); IPv6 addresses contain colons.
        let Some((name, ip)) = entry.split_once('=').or_else(|| entry.split_once(':')) else {
            continue;
        };
        let ip = match (ip, gateway) {
            ("host-gateway", Some(gw)) => gw.to_string(),
            ("host-gateway", None) => continue,
            (ip, _) => ip.trim_matches(|c| c == '[' || c == ']').to_string(),
        };
        s.push_str(&format!("{ip}\t{name}\n"));
    }
    for (ip, aliases) in endpoints {
        let mut names = vec![hostname.to_string()];
        names.extend(aliases.iter().filter(|a| a.as_str() != hostname).cloned());
        s.push_str(&format!("{ip}\t{}\n", names.join(" ")));
    }
    s
}

/// Nameservers of the host's resolv.conf that a container can reach (no loopback ones).
fn host_nameservers(resolv: &str) -> Vec<Ipv4Addr> {
    resolv
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            (it.next() == Some("nameserver"))
                .then(|| it.next())
                .flatten()
        })
        .filter_map(|s| s.parse::<Ipv4Addr>().ok())
        .filter(|ip| !ip.is_loopback())
        .collect()
}

/// Where the embedded DNS forwards other names: the container's `--dns` servers (docker-compose's
/// `dns:`) when given, as dockerd's external servers, else the host's.
fn dns_upstreams(hc: &HostConfig) -> Vec<SocketAddr> {
    let given: Vec<SocketAddr> = hc
        .dns
        .iter()
        .flatten()
        .filter_map(|s| s.parse::<std::net::IpAddr>().ok())
        .map(|ip| SocketAddr::new(ip, 53))
        .collect();
    if given.is_empty() {
        host_upstreams()
    } else {
        given
    }
}

fn host_upstreams() -> Vec<SocketAddr> {
    let resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    host_nameservers(&resolv)
        .into_iter()
        .map(|ip| SocketAddr::new(ip.into(), 53))
        .collect()
}

/// `/etc/resolv.conf`: on user networks the embedded DNS; on the default bridge the host's
/// servers without loopback ones (Google's when none is left, as dockerd).
pub(crate) fn resolv_content(host: &str, user_network: bool, dns: &DnsSettings<'_>) -> String {
    let mut out = String::new();
    // `--dns-search` and `--dns-option` replace the host's lines, as dockerd does.
    if dns.search.is_empty() {
        for l in host.lines() {
            let t = l.trim_start();
            if t.starts_with("search") || t.starts_with("domain") {
                out.push_str(l);
                out.push('\n');
            }
        }
    } else {
        out.push_str(&format!("search {}\n", dns.search.join(" ")));
    }
    let options = |out: &mut String| {
        if dns.options.is_empty() {
            for l in host
                .lines()
                .filter(|l| l.trim_start().starts_with("options"))
            {
                out.push_str(l);
                out.push('\n');
            }
        } else {
            out.push_str(&format!("options {}\n", dns.options.join(" ")));
        }
    };
    if user_network {
        out.push_str("nameserver 127.0.0.11\n");
        options(&mut out);
        if !dns.options.iter().any(|o| o.starts_with("ndots:")) {
            out.push_str("options ndots:0\n");
        }
        return out;
    }
    let servers: Vec<String> = if dns.servers.is_empty() {
        host_nameservers(host)
            .iter()
            .map(|ip| ip.to_string())
            .collect()
    } else {
        dns.servers.to_vec()
    };
    if servers.is_empty() {
        out.push_str("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    }
    for s in servers {
        out.push_str(&format!("nameserver {s}\n"));
    }
    options(&mut out);
    out
}

/// `HostConfig.Dns`, `DnsSearch` and `DnsOptions`.
#[derive(Default)]
pub(crate) struct DnsSettings<'a> {
    pub servers: &'a [String],
    pub search: &'a [String],
    pub options: &'a [String],
}

/// Rewrites hosts and resolv.conf in place: they are bind-mounted into the container already.
async fn write_container_net_files(
    dir: &std::path::Path,
    record: &ContainerRecord,
    attached: &[ActiveEndpoint],
) -> Result<()> {
    let hostname = record.config.hostname.clone();
    let entries: Vec<(Ipv4Addr, Vec<String>)> = attached
        .iter()
        .map(|a| {
            let aliases = if a.user_network {
                a.hostname_aliases.clone()
            } else {
                Vec::new()
            };
            (a.address.addr(), aliases)
        })
        .collect();
    let user_network = attached.first().is_some_and(|a| a.user_network);
    let dns = record.host_config.dns.clone().unwrap_or_default();
    let dns_search = record.host_config.dns_search.clone().unwrap_or_default();
    let dns_options = record.host_config.dns_options.clone().unwrap_or_default();
    let extra_hosts = record.host_config.extra_hosts.clone().unwrap_or_default();
    let gateway = attached.first().map(|a| a.gateway);
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let files = ContainerFiles(&dir);
        let host = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        let write = |p: std::path::PathBuf, content: String| {
            std::fs::write(&p, content)
                .map_err(|e| EngineError::io(format!("write {}", p.display()), e))
        };
        write(
            files.hosts(),
            hosts_content(&hostname, &extra_hosts, gateway, &entries),
        )?;
        write(
            files.resolv_conf(),
            resolv_content(
                &host,
                user_network,
                &DnsSettings {
                    servers: &dns,
                    search: &dns_search,
                    options: &dns_options,
                },
            ),
        )
    })
    .await
    .map_err(|e| EngineError::Internal(e.to_string()))?
}

/// The embedded DNS's view: names of containers sharing a user network with the requester.
/// Container names come from the registry (so a renamed container answers to its new name);
/// aliases and 12-character short ids from the endpoints.
struct StoreLookup(std::sync::Weak<crate::engine::Inner>);

impl Engine {
    fn name_lookup(&self) -> StoreLookup {
        StoreLookup(Arc::downgrade(&self.inner))
    }
}

impl network::NameLookup for StoreLookup {
    fn lookup(&self, requester_id: &str, name: &str) -> Vec<Ipv4Addr> {
        let Some(inner) = self.0.upgrade() else {
            return Vec::new();
        };
        let asked = name.trim_end_matches('.');
        let name = asked.to_ascii_lowercase();
        // `resolve` also accepts any id prefix: only a name or a 12-character short id count.
        let by_name = [asked, name.as_str()].iter().find_map(|n| {
            inner
                .registry
                .resolve(n)
                .ok()
                .map(|h| h.id.clone())
                .filter(|id| !id.starts_with(n) || n.len() == 12)
        });
        let store = inner.networks.store();
        let mut out = BTreeSet::new();
        for r in store.nets.values().filter(|r| r.is_user_bridge()) {
            if !r.endpoints.contains_key(requester_id) {
                continue;
            }
            for (cid, e) in &r.endpoints {
                if !e.active {
                    continue;
                }
                let hit = by_name.as_deref() == Some(cid.as_str())
                    || short_id(cid) == name
                    || e.aliases.iter().any(|a| a.to_ascii_lowercase() == name);
                if let (true, Some(ip)) = (hit, e.ip) {
                    out.insert(ip);
                }
            }
            // The requester's own links: a private alias for another member of this network.
            let Some(mine) = r.endpoints.get(requester_id) else {
                continue;
            };
            for target in mine.links.iter().filter_map(|l| link_target(l, &name)) {
                let Some(target_id) = inner.registry.resolve(target).ok().map(|h| h.id.clone())
                else {
                    continue;
                };
                if let Some(ip) = r
                    .endpoints
                    .get(&target_id)
                    .filter(|e| e.active)
                    .and_then(|e| e.ip)
                {
                    out.insert(ip);
                }
            }
        }
        out.into_iter().collect()
    }
}

/// `--network container:<x>` (compose's `network_mode: service:x`): as dockerd, the container
/// uses x's hostname and x's /etc/hosts, /etc/resolv.conf and /etc/hostname (so the embedded DNS
/// of x's networks answers it too). A user's own mount at one of those paths stays.
fn share_network_files(
    spec: &mut serde_json::Value,
    own: &ContainerFiles<'_>,
    other: &ContainerFiles<'_>,
    hostname: &str,
) {
    if !hostname.is_empty() {
        spec["hostname"] = serde_json::Value::from(hostname);
    }
    let Some(mounts) = spec.get_mut("mounts").and_then(|m| m.as_array_mut()) else {
        return;
    };
    for m in mounts {
        let (mine, theirs) = match m.get("destination").and_then(|d| d.as_str()) {
            Some("/etc/hosts") => (own.hosts(), other.hosts()),
            Some("/etc/resolv.conf") => (own.resolv_conf(), other.resolv_conf()),
            Some("/etc/hostname") => (own.hostname(), other.hostname()),
            _ => continue,
        };
        if m.get("source").and_then(|s| s.as_str()) == Some(&*mine.to_string_lossy()) {
            m["source"] = serde_json::Value::from(theirs.to_string_lossy().into_owned());
        }
    }
}

/// The container a link (`<container>[:<alias>]`, or dockerd's stored `/<container>:/<me>/<alias>`)
/// names when `asked` (lowercase) is its alias; the alias defaults to the container's name.
fn link_target<'a>(link: &'a str, asked: &str) -> Option<&'a str> {
    let (target, alias) = link.split_once(':').unwrap_or((link, link));
    let target = target.trim_start_matches('/');
    let alias = alias.rsplit('/').next().unwrap_or(alias);
    (!target.is_empty() && alias.eq_ignore_ascii_case(asked)).then_some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_mode_uses_the_other_containers_files() {
        let mut spec = serde_json::json!({
            "hostname": "mine",
            "mounts": [
                {"destination": "/etc/hosts", "type": "bind", "source": "/c/me/hosts"},
                {"destination": "/etc/resolv.conf", "type": "bind", "source": "/c/me/resolv.conf"},
                {"destination": "/etc/hostname", "type": "bind", "source": "/my/hostname"},
                {"destination": "/data", "type": "bind", "source": "/v/data"}
            ]
        });
        let other = std::path::Path::new("/c/web");
        let own = std::path::Path::new("/c/me");
        share_network_files(
            &mut spec,
            &ContainerFiles(own),
            &ContainerFiles(other),
            "webhost",
        );
        assert_eq!(spec["hostname"], "webhost");
        let sources: Vec<&str> = spec["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["source"].as_str().unwrap())
            .collect();
        assert_eq!(
            sources,
            [
                "/c/web/hosts",
                "/c/web/resolv.conf",
                "/my/hostname",
                "/v/data"
            ]
        );
    }

    #[test]
    fn dns_servers_replace_the_hosts_upstreams() {
        let hc = HostConfig {
            dns: Some(vec!["10.1.1.1".into(), "not-an-ip".into()]),
            ..Default::default()
        };
        assert_eq!(dns_upstreams(&hc), [SocketAddr::from(([10, 1, 1, 1], 53))]);
        assert_eq!(dns_upstreams(&HostConfig::default()), host_upstreams());
    }

    #[test]
    fn link_targets() {
        assert_eq!(link_target("p_web_1:webalias", "webalias"), Some("p_web_1"));
        assert_eq!(link_target("p_web_1:WebAlias", "webalias"), Some("p_web_1"));
        assert_eq!(link_target("p_web_1:webalias", "web"), None);
        assert_eq!(link_target("web", "web"), Some("web"));
        assert_eq!(link_target("/web:/client/db", "db"), Some("web"));
        assert_eq!(link_target(":db", "db"), None);
    }

    #[test]
    fn modes() {
        let hc = |m: &str| HostConfig {
            network_mode: m.into(),
            ..Default::default()
        };
        assert_eq!(net_mode(&hc("default")), NetMode::Bridge("bridge".into()));
        assert_eq!(net_mode(&hc("")), NetMode::Bridge("bridge".into()));
        assert_eq!(net_mode(&hc("mynet")), NetMode::Bridge("mynet".into()));
        assert_eq!(net_mode(&hc("host")), NetMode::Host);
        assert_eq!(net_mode(&hc("none")), NetMode::None);
        assert_eq!(
            net_mode(&hc("container:abc")),
            NetMode::Container("abc".into())
        );
    }

    #[test]
    fn resolv_conf_drops_loopback_servers() {
        let host =
            "search example.org\nnameserver 127.0.0.53\nnameserver 10.0.0.2\noptions edns0\n";
        assert_eq!(
            resolv_content(host, false, &DnsSettings::default()),
            "search example.org\nnameserver 10.0.0.2\noptions edns0\n"
        );
        assert_eq!(
            resolv_content("nameserver 127.0.0.1\n", false, &DnsSettings::default()),
            "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"
        );
        assert_eq!(
            resolv_content(host, true, &DnsSettings::default()),
            "search example.org\nnameserver 127.0.0.11\noptions edns0\noptions ndots:0\n"
        );
    }

    #[test]
    fn resolv_conf_dns_search_and_options_replace_the_hosts() {
        let host = "search example.org\nnameserver 10.0.0.2\noptions edns0\n";
        let search = ["a.internal".to_string(), "b.internal".to_string()];
        let options = ["ndots:2".to_string()];
        let dns = DnsSettings {
            servers: &[],
            search: &search,
            options: &options,
        };
        assert_eq!(
            resolv_content(host, true, &dns),
            "search a.internal b.internal\nnameserver 127.0.0.11\noptions ndots:2\n"
        );
        assert_eq!(
            resolv_content(host, false, &dns),
            "search a.internal b.internal\nnameserver 10.0.0.2\noptions ndots:2\n"
        );
    }

    #[test]
    fn hosts_lists_own_names() {
        let s = hosts_content(
            "abc",
            &[
                "db:10.1.2.3".into(),
                "gw:host-gateway".into(),
                "v6:[::1]".into(),
            ],
            Some(Ipv4Addr::new(10, 0, 0, 1)),
            &[(Ipv4Addr::new(10, 0, 0, 2), vec!["web".into()])],
        );
        assert!(s.starts_with("127.0.0.1\tlocalhost\n"));
        assert!(
            s.ends_with(
                "ff02::2\tip6-allrouters\n10.1.2.3\tdb\n10.0.0.1\tgw\n::1\tv6\n10.0.0.2\tabc web\n"
            ),
            "{s}"
        );
    }

    #[test]
    fn interface_names_from_proc_net_dev() {
        let dev = "Inter-|   Receive\n face |bytes\n    lo: 0 0\n  eth0: 1 2\n  eth2: 3 4\n";
        let names = eth_names_in(dev);
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["eth0", "eth2", "lo"]
        );
    }

    fn endpoint(seq: u64, static_ip: Option<Ipv4Addr>) -> EndpointRecord {
        EndpointRecord {
            container_name: "c".into(),
            endpoint_id: String::new(),
            seq,
            ip: None,
            static_ip,
            aliases: Vec::new(),
            links: Vec::new(),
            active: false,
            ports: Vec::new(),
        }
    }

    #[test]
    fn addresses_are_allocated_kept_and_conflicts_refused() {
        let d = tempfile::tempdir().unwrap();
        let cfg = crate::network_config::NetworkConfig {
            bridge: "bt0".into(),
            bip: "10.99.4.1/24".parse().unwrap(),
            ..Default::default()
        };
        let mut store = NetworkStore::open(d.path(), &cfg).unwrap();
        let bridge_id = store.by_name("bridge").unwrap().id.clone();
        let mut user = store.by_name("bridge").unwrap().clone();
        user.id = "u".repeat(64);
        user.name = "app".into();
        user.bridge = "br-uuu".into();
        user.pool = Some(network::Pool::new("10.99.5.0/24".parse().unwrap(), None, None).unwrap());
        user.endpoints.clear();
        store.insert(user).unwrap();
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let fixed = Ipv4Addr::new(10, 99, 5, 50);
        store
            .get_mut(&bridge_id)
            .unwrap()
            .endpoints
            .insert(a.clone(), endpoint(0, None));
        store
            .get_mut(&"u".repeat(64))
            .unwrap()
            .endpoints
            .insert(a.clone(), endpoint(1, Some(fixed)));

        let first = activate_endpoints(&mut store, &a).unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].address.to_string(), "10.99.4.2/24");
        assert_eq!(first[0].gateway, Ipv4Addr::new(10, 99, 4, 1));
        assert!(!first[0].user_network && first[1].user_network);
        assert_eq!(first[1].address.addr(), fixed);
        // A second start keeps the addresses.
        let again = activate_endpoints(&mut store, &a).unwrap();
        assert_eq!(again[0].address, first[0].address);
        assert_eq!(again[1].address, first[1].address);
        // Persisted: a reopened store has them.
        let reopened = NetworkStore::open(d.path(), &cfg).unwrap();
        let m = reopened.memberships(&a);
        assert_eq!(m[0].1.ip, Some(Ipv4Addr::new(10, 99, 4, 2)));
        assert!(m[1].1.active);
        // Another container asking for the same static address is refused.
        store
            .get_mut(&"u".repeat(64))
            .unwrap()
            .endpoints
            .insert(b.clone(), endpoint(0, Some(fixed)));
        let err = activate_endpoints(&mut store, &b).unwrap_err();
        assert_eq!(err.to_string(), "Address already in use");
    }

    #[test]
    fn a_disconnected_container_shows_no_network() {
        let d = tempfile::tempdir().unwrap();
        let cfg = crate::network_config::NetworkConfig {
            bridge: "bt0".into(),
            bip: "10.99.3.1/24".parse().unwrap(),
            ..Default::default()
        };
        let mut store = NetworkStore::open(d.path(), &cfg).unwrap();
        let mut custom = store.by_name("bridge").unwrap().clone();
        custom.id = "c".repeat(64);
        custom.name = "mynet".into();
        store.insert(custom).unwrap();
        // Existing networks without the container's endpoint: it was disconnected.
        assert_eq!(unattached_network_name("mynet", &store), None);
        assert_eq!(unattached_network_name("bridge", &store), None);
        assert_eq!(unattached_network_name("", &store), None);
        assert_eq!(unattached_network_name("container:web", &store), None);
        assert_eq!(
            unattached_network_name("host", &store).as_deref(),
            Some("host")
        );
        assert_eq!(
            unattached_network_name("none", &store).as_deref(),
            Some("none")
        );
        // A network that never existed (the start fails) keeps the legacy `bridge` entry.
        assert_eq!(
            unattached_network_name("nosuch", &store).as_deref(),
            Some("bridge")
        );
    }
}
