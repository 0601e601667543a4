//! NAT and forwarding rules in one nftables table per daemon (family `ip`).
//!
//! The batches are plain nft JSON built here (pure functions, unit-tested) and applied with `nft -j -f -` through
//! the nftables crate's helper. Every rule carries a comment naming what it belongs to ("berth-net:<bridge>",
//! "berth-port:<mapping>"); removal lists the table, finds the handles with that comment and deletes exactly those,
//! in one atomic nft transaction.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::Ipv4Net;
use crate::NetworkError;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Protocol {
    Tcp,
    Udp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
}

impl FromStr for Protocol {
    type Err = NetworkError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Ok(Protocol::Tcp),
            "udp" => Ok(Protocol::Udp),
            other => Err(NetworkError::InvalidArgument(format!(
                "invalid proto: {other}"
            ))),
        }
    }
}

/// A published port: host_ip:host_port → container_ip:container_port.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PortMapping {
    pub protocol: Protocol,
    /// None = 0.0.0.0 (all addresses).
    pub host_ip: Option<Ipv4Addr>,
    pub host_port: u16,
    pub container_ip: Ipv4Addr,
    pub container_port: u16,
}

impl PortMapping {
    /// The host address as Docker prints it (0.0.0.0 when unset).
    pub fn host_ip_or_any(&self) -> Ipv4Addr {
        self.host_ip.unwrap_or(Ipv4Addr::UNSPECIFIED)
    }
}

const FAMILY: &str = "ip";
const PREROUTING: &str = "prerouting";
const OUTPUT: &str = "output";
const POSTROUTING: &str = "postrouting";
const FORWARD: &str = "forward";
/// The named set of every bridge the daemon manages (type ifname): the isolation rules drop forwarding from one
/// managed bridge into another, as dockerd's DOCKER-ISOLATION-STAGE-1/2 chains do.
const BRIDGES_SET: &str = "bridges";

/// nft runs one at a time: a listing followed by a delete must not interleave with another change.
static NFT_LOCK: Mutex<()> = Mutex::new(());

/// The daemon's nftables table.
#[derive(Clone, Debug)]
pub struct Firewall {
    table: String,
}

impl Firewall {
    /// `table` is unique per daemon (the engine passes "berth_" + default bridge name).
    pub fn new(table: &str) -> Firewall {
        Firewall {
            table: table.to_string(),
        }
    }

    /// Creates the table and base chains if missing, and turns on IPv4 forwarding
    /// (/proc/sys/net/ipv4/ip_forward = 1, as dockerd does), without which containers cannot reach out.
    pub async fn ensure(&self) -> Result<(), NetworkError> {
        check_name("table", &self.table)?;
        let batch = ensure_batch(&self.table);
        run_nft(move || {
            enable_ip_forwarding();
            apply(&batch)
        })
        .await
    }

    /// Masquerades traffic from `subnet` leaving through anything but `bridge` (and hairpin traffic that was
    /// DNATed back into the bridge); accepts forwarding to/from the bridge, except into another managed bridge
    /// (isolation between networks, as dockerd). Replaces earlier rules of `bridge`.
    pub async fn add_network(&self, bridge: &str, subnet: Ipv4Net) -> Result<(), NetworkError> {
        check_name("bridge", bridge)?;
        let table = self.table.clone();
        let tag = network_tag(bridge);
        let mut rules = network_rules(&table, bridge, subnet.trunc(), &tag);
        rules.extend(isolation_rules(&table, bridge, &tag));
        rules.push(bridge_element("add", &table, bridge));
        run_nft(move || replace_tagged(&table, &tag, rules, None)).await
    }

    /// An `--internal` network: no masquerade, and nothing is forwarded between `bridge` and any other
    /// interface (dockerd drops it both ways); traffic inside the bridge stays allowed. Replaces earlier rules of
    /// `bridge` (also those of [`Firewall::add_network`]).
    pub async fn add_internal_network(&self, bridge: &str) -> Result<(), NetworkError> {
        check_name("bridge", bridge)?;
        let table = self.table.clone();
        let tag = network_tag(bridge);
        let mut rules = internal_rules(&table, bridge, &tag);
        rules.push(bridge_element("add", &table, bridge));
        run_nft(move || replace_tagged(&table, &tag, rules, None)).await
    }

    /// Removes exactly the rules `add_network(bridge, ..)` or `add_internal_network(bridge)` added, and the
    /// bridge from the set of managed bridges. Ok if there are none.
    pub async fn remove_network(&self, bridge: &str) -> Result<(), NetworkError> {
        let table = self.table.clone();
        let tag = network_tag(bridge);
        let bridge = bridge.to_string();
        run_nft(move || replace_tagged(&table, &tag, Vec::new(), Some(&bridge))).await
    }

    /// DNAT for traffic to a local address (`fib daddr type local`): from other hosts (prerouting) and from this
    /// host to its non-loopback addresses (output); loopback clients go through the [`crate::PortProxy`].
    pub async fn publish(&self, m: &PortMapping) -> Result<(), NetworkError> {
        let table = self.table.clone();
        let tag = port_tag(m);
        let rules = port_rules(&table, m, &tag);
        run_nft(move || replace_tagged(&table, &tag, rules, None)).await
    }

    /// Removes exactly the rules `publish(m)` added. Ok if there are none.
    pub async fn unpublish(&self, m: &PortMapping) -> Result<(), NetworkError> {
        let table = self.table.clone();
        let tag = port_tag(m);
        run_nft(move || replace_tagged(&table, &tag, Vec::new(), None)).await
    }

    /// Deletes the whole table (tests' cleanup; `berthd` never calls it on a normal stop). Ok if it is absent.
    pub async fn delete(&self) -> Result<(), NetworkError> {
        let table = self.table.clone();
        run_nft(move || {
            if list_table(&table)?.is_none() {
                return Ok(());
            }
            apply(&json!({ "nftables": [ { "delete": { "table": { "family": FAMILY, "name": table } } } ] }))
        })
        .await
    }
}

/// Table and bridge names end up inside nft JSON strings; keep them to what nft and Linux accept anyway.
fn check_name(what: &str, name: &str) -> Result<(), NetworkError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(NetworkError::InvalidArgument(format!(
            "invalid {what} name {name:?}"
        )))
    }
}

fn network_tag(bridge: &str) -> String {
    format!("berth-net:{bridge}")
}

fn port_tag(m: &PortMapping) -> String {
    format!(
        "berth-port:{}:{}:{}:{}:{}",
        m.protocol,
        m.host_ip_or_any(),
        m.host_port,
        m.container_ip,
        m.container_port
    )
}

async fn run_nft<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, NetworkError> + Send + 'static,
) -> Result<T, NetworkError> {
    tokio::task::spawn_blocking(move || {
        let _serialized = NFT_LOCK
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        work()
    })
    .await
    .map_err(|e| NetworkError::internal("nft task", e))?
}

/// Best effort, like dockerd: where /proc/sys is read-only (inside a container) NAT rules still work for
/// host-local traffic, so a failure is logged rather than fatal.
fn enable_ip_forwarding() {
    const PATH: &str = "/proc/sys/net/ipv4/ip_forward";
    match std::fs::read_to_string(PATH) {
        Ok(current) if current.trim() == "1" => {}
        _ => {
            if let Err(e) = std::fs::write(PATH, "1") {
                tracing::warn!("cannot enable IPv4 forwarding ({PATH}): {e}; containers will not reach other hosts");
            }
        }
    }
}

pub(crate) fn apply(batch: &Value) -> Result<(), NetworkError> {
    let payload = batch.to_string();
    nftables::helper::apply_ruleset_raw(
        &payload,
        nftables::helper::DEFAULT_NFT,
        nftables::helper::DEFAULT_ARGS,
    )
    .map(|_| ())
    .map_err(|e| NetworkError::Internal(format!("nft: {}", describe(e))))
}

fn describe(e: nftables::helper::NftablesError) -> String {
    match e {
        nftables::helper::NftablesError::NftFailed { hint, stderr, .. } => {
            format!("{hint}: {}", stderr.trim())
        }
        other => other.to_string(),
    }
}

/// The table as nft JSON, or None when it does not exist.
fn list_table(table: &str) -> Result<Option<Value>, NetworkError> {
    let args = ["list", "table", FAMILY, table];
    match nftables::helper::get_current_ruleset_raw(nftables::helper::DEFAULT_NFT, args) {
        Ok(out) => serde_json::from_str(&out)
            .map(Some)
            .map_err(|e| NetworkError::internal("parse nft output", e)),
        Err(nftables::helper::NftablesError::NftFailed { stderr, .. })
            if stderr.contains("No such file or directory") =>
        {
            Ok(None)
        }
        Err(e) => Err(NetworkError::Internal(format!("nft: {}", describe(e)))),
    }
}

/// In one transaction: deletes the rules tagged `tag`, removes `leave_bridge` from the set of managed bridges
/// when it is there, and adds `rules`.
fn replace_tagged(
    table: &str,
    tag: &str,
    rules: Vec<Value>,
    leave_bridge: Option<&str>,
) -> Result<(), NetworkError> {
    let Some(listing) = list_table(table)? else {
        if rules.is_empty() {
            return Ok(());
        }
        return Err(NetworkError::Internal(format!(
            "nft table {FAMILY} {table} does not exist (Firewall::ensure was not called)"
        )));
    };
    let mut commands: Vec<Value> = tagged_rules(&listing, tag)
        .into_iter()
        .map(|(chain, handle)| {
            json!({ "delete": { "rule": { "family": FAMILY, "table": table, "chain": chain, "handle": handle } } })
        })
        .collect();
    // Deleting an element that is not there fails the whole batch: only delete what the listing shows.
    if let Some(bridge) = leave_bridge.filter(|b| set_elements(&listing, BRIDGES_SET).contains(b)) {
        commands.push(bridge_element("delete", table, bridge));
    }
    if commands.is_empty() && rules.is_empty() {
        return Ok(());
    }
    commands.extend(rules);
    apply(&json!({ "nftables": commands }))
}

/// The elements of the named set in an `nft -j list table` output (nft prints them as strings).
pub(crate) fn set_elements<'a>(listing: &'a Value, set: &str) -> Vec<&'a str> {
    let Some(items) = listing.get("nftables").and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| item.get("set"))
        .filter(|s| s.get("name").and_then(Value::as_str) == Some(set))
        .filter_map(|s| s.get("elem"))
        .flat_map(|elem| match elem {
            Value::Array(all) => all.iter().filter_map(Value::as_str).collect(),
            Value::String(one) => vec![one.as_str()],
            _ => Vec::new(),
        })
        .collect()
}

/// Adds `bridge` to (`op` "add") or removes it from (`op` "delete") the set of managed bridges.
fn bridge_element(op: &str, table: &str, bridge: &str) -> Value {
    json!({ op: { "element": { "family": FAMILY, "table": table, "name": BRIDGES_SET, "elem": [bridge] } } })
}

/// (chain, handle) of every rule in an `nft -j list table` output whose comment is `tag`.
pub(crate) fn tagged_rules(listing: &Value, tag: &str) -> Vec<(String, u64)> {
    let Some(items) = listing.get("nftables").and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| item.get("rule"))
        .filter(|rule| rule.get("comment").and_then(Value::as_str) == Some(tag))
        .filter_map(|rule| {
            let chain = rule.get("chain")?.as_str()?.to_string();
            let handle = rule.get("handle")?.as_u64()?;
            Some((chain, handle))
        })
        .collect()
}

/// Table plus base chains. `add` is idempotent in nft, so this runs on every daemon start.
pub(crate) fn ensure_batch(table: &str) -> Value {
    let chain = |name: &str, kind: &str, hook: &str, prio: i32| {
        json!({ "add": { "chain": {
            "family": FAMILY, "table": table, "name": name,
            "type": kind, "hook": hook, "prio": prio, "policy": "accept"
        } } })
    };
    json!({ "nftables": [
        { "add": { "table": { "family": FAMILY, "name": table } } },
        // dstnat = -100, srcnat = 100, filter = 0 (nft's standard priorities).
        chain(PREROUTING, "nat", "prerouting", -100),
        chain(OUTPUT, "nat", "output", -100),
        chain(POSTROUTING, "nat", "postrouting", 100),
        chain(FORWARD, "filter", "forward", 0),
        { "add": { "set": { "family": FAMILY, "table": table, "name": BRIDGES_SET, "type": "ifname" } } },
    ] })
}

fn rule(table: &str, chain: &str, tag: &str, expr: Vec<Value>) -> Value {
    json!({ "add": { "rule": { "family": FAMILY, "table": table, "chain": chain, "comment": tag, "expr": expr } } })
}

/// Turns an "add rule" command (append) into "insert rule" (prepend).
fn insert(add: Value) -> Value {
    json!({ "insert": add["add"].clone() })
}

fn matches(op: &str, left: Value, right: Value) -> Value {
    json!({ "match": { "op": op, "left": left, "right": right } })
}

fn prefix(net: Ipv4Net) -> Value {
    json!({ "prefix": { "addr": net.network().to_string(), "len": net.prefix_len() } })
}

fn payload(protocol: &str, field: &str) -> Value {
    json!({ "payload": { "protocol": protocol, "field": field } })
}

fn meta(key: &str) -> Value {
    json!({ "meta": { "key": key } })
}

pub(crate) fn network_rules(table: &str, bridge: &str, subnet: Ipv4Net, tag: &str) -> Vec<Value> {
    let from_subnet = || matches("==", payload("ip", "saddr"), prefix(subnet));
    vec![
        // Containers reaching other networks or the outside world leave with the host's address.
        rule(
            table,
            POSTROUTING,
            tag,
            vec![
                from_subnet(),
                matches("!=", meta("oifname"), json!(bridge)),
                json!({ "masquerade": null }),
            ],
        ),
        // Containers reaching a published port through a host address are not DNATed but go to the userland
        // proxy, as with dockerd's userland-proxy: with br_netfilter loaded, a DNAT back into the same bridge is
        // bridged out of the port it came in on, which a bridge never does (no hairpin), and the connection hangs.
        // Inserted at the head of the chain, so it precedes every DNAT rule whatever the order of calls.
        insert(rule(
            table,
            PREROUTING,
            tag,
            vec![
                matches("==", meta("iifname"), json!(bridge)),
                json!({ "return": null }),
            ],
        )),
        rule(
            table,
            FORWARD,
            tag,
            vec![
                matches("==", meta("oifname"), json!(bridge)),
                json!({ "accept": null }),
            ],
        ),
        rule(
            table,
            FORWARD,
            tag,
            vec![
                matches("==", meta("iifname"), json!(bridge)),
                json!({ "accept": null }),
            ],
        ),
    ]
}

/// dockerd's DOCKER-ISOLATION-STAGE-1/2 in one rule: forwarding from `bridge` into another managed bridge is
/// dropped. Inserted at the head of the forward chain, before every accept. A container attached to both
/// networks still reaches both: it has an interface on each bridge, so nothing is forwarded.
pub(crate) fn isolation_rules(table: &str, bridge: &str, tag: &str) -> Vec<Value> {
    vec![insert(rule(
        table,
        FORWARD,
        tag,
        vec![
            matches("==", meta("iifname"), json!(bridge)),
            matches("!=", meta("oifname"), json!(bridge)),
            matches("==", meta("oifname"), json!(format!("@{BRIDGES_SET}"))),
            json!({ "drop": null }),
        ],
    ))]
}

/// An internal network's bridge forwards nothing to or from other interfaces (dockerd's internal network
/// rules); traffic between its own ports is bridged and stays allowed.
pub(crate) fn internal_rules(table: &str, bridge: &str, tag: &str) -> Vec<Value> {
    let drop_between = |inside: &str, outside: &str| {
        insert(rule(
            table,
            FORWARD,
            tag,
            vec![
                matches("==", meta(inside), json!(bridge)),
                matches("!=", meta(outside), json!(bridge)),
                json!({ "drop": null }),
            ],
        ))
    };
    vec![
        drop_between("iifname", "oifname"),
        drop_between("oifname", "iifname"),
    ]
}

pub(crate) fn port_rules(table: &str, m: &PortMapping, tag: &str) -> Vec<Value> {
    let proto = m.protocol.to_string();
    let mut common = vec![matches(
        "==",
        json!({ "fib": { "result": "type", "flags": ["daddr"] } }),
        json!("local"),
    )];
    if let Some(ip) = m.host_ip.filter(|ip| !ip.is_unspecified()) {
        common.push(matches("==", payload("ip", "daddr"), json!(ip.to_string())));
    }
    common.push(matches("==", payload(&proto, "dport"), json!(m.host_port)));
    let dnat = json!({ "dnat": { "addr": m.container_ip.to_string(), "port": m.container_port } });

    let mut from_outside = common.clone();
    from_outside.push(dnat.clone());

    // Locally generated packets to loopback stay with the userland proxy (no route_localnet needed).
    let loopback = Ipv4Net::new(Ipv4Addr::new(127, 0, 0, 0), 8).unwrap_or_default();
    let mut from_host = vec![matches("!=", payload("ip", "daddr"), prefix(loopback))];
    from_host.extend(common);
    from_host.push(dnat);

    vec![
        rule(table, PREROUTING, tag, from_outside),
        rule(table, OUTPUT, tag, from_host),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> PortMapping {
        PortMapping {
            protocol: Protocol::Tcp,
            host_ip: None,
            host_port: 8080,
            container_ip: Ipv4Addr::new(10, 5, 0, 2),
            container_port: 80,
        }
    }

    #[test]
    fn protocol_parses_and_prints_lowercase() {
        assert_eq!("tcp".parse::<Protocol>().unwrap(), Protocol::Tcp);
        assert_eq!("UDP".parse::<Protocol>().unwrap(), Protocol::Udp);
        assert!("sctp".parse::<Protocol>().is_err());
        assert_eq!(Protocol::Udp.to_string(), "udp");
    }

    #[test]
    fn ensure_batch_creates_table_and_four_base_chains() {
        let batch = ensure_batch("berth_t");
        let items = batch["nftables"].as_array().unwrap();
        let items = &items[..items.len() - 1];
        assert_eq!(
            items[0],
            json!({ "add": { "table": { "family": "ip", "name": "berth_t" } } })
        );
        let hooks: Vec<(&str, &str, i64)> = items[1..]
            .iter()
            .map(|c| {
                let c = &c["add"]["chain"];
                (
                    c["type"].as_str().unwrap(),
                    c["hook"].as_str().unwrap(),
                    c["prio"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            hooks,
            vec![
                ("nat", "prerouting", -100),
                ("nat", "output", -100),
                ("nat", "postrouting", 100),
                ("filter", "forward", 0)
            ]
        );
    }

    #[test]
    fn network_rules_masquerade_the_subnet_outside_the_bridge() {
        let subnet: Ipv4Net = "10.5.0.0/24".parse().unwrap();
        let rules = network_rules("t", "br-x", subnet, "berth-net:br-x");
        assert_eq!(rules.len(), 4);
        let skip = &rules[1]["insert"]["rule"];
        assert_eq!(skip["chain"], "prerouting");
        assert_eq!(
            skip["expr"],
            json!([
                { "match": { "op": "==", "left": { "meta": { "key": "iifname" } }, "right": "br-x" } },
                { "return": null }
            ])
        );
        let masq = &rules[0]["add"]["rule"];
        assert_eq!(masq["chain"], "postrouting");
        assert_eq!(masq["comment"], "berth-net:br-x");
        assert_eq!(
            masq["expr"],
            json!([
                { "match": { "op": "==", "left": { "payload": { "protocol": "ip", "field": "saddr" } },
                             "right": { "prefix": { "addr": "10.5.0.0", "len": 24 } } } },
                { "match": { "op": "!=", "left": { "meta": { "key": "oifname" } }, "right": "br-x" } },
                { "masquerade": null }
            ])
        );
        assert!(rules.iter().all(|r| {
            let rule = r.get("add").or_else(|| r.get("insert")).unwrap();
            rule["rule"]["comment"] == "berth-net:br-x"
        }));
        assert_eq!(rules[2]["add"]["rule"]["chain"], "forward");
    }

    #[test]
    fn port_rules_dnat_from_outside_and_from_host_but_not_loopback() {
        let mut m = mapping();
        let tag = port_tag(&m);
        assert_eq!(tag, "berth-port:tcp:0.0.0.0:8080:10.5.0.2:80");
        let rules = port_rules("t", &m, &tag);
        let pre = &rules[0]["add"]["rule"];
        assert_eq!(pre["chain"], "prerouting");
        assert_eq!(
            pre["expr"],
            json!([
                { "match": { "op": "==", "left": { "fib": { "result": "type", "flags": ["daddr"] } }, "right": "local" } },
                { "match": { "op": "==", "left": { "payload": { "protocol": "tcp", "field": "dport" } }, "right": 8080 } },
                { "dnat": { "addr": "10.5.0.2", "port": 80 } }
            ])
        );
        let out = &rules[1]["add"]["rule"];
        assert_eq!(out["chain"], "output");
        assert_eq!(out["expr"][0]["match"]["op"], "!=");
        assert_eq!(
            out["expr"][0]["match"]["right"]["prefix"]["addr"],
            "127.0.0.0"
        );

        m.host_ip = Some(Ipv4Addr::new(192, 0, 2, 1));
        m.protocol = Protocol::Udp;
        let rules = port_rules("t", &m, &port_tag(&m));
        let expr = rules[0]["add"]["rule"]["expr"].as_array().unwrap().clone();
        assert_eq!(expr[1]["match"]["right"], "192.0.2.1");
        assert_eq!(expr[2]["match"]["left"]["payload"]["protocol"], "udp");
    }

    #[test]
    fn tagged_rules_finds_only_matching_comments() {
        let listing = json!({ "nftables": [
            { "metainfo": { "version": "1.0.6" } },
            { "table": { "family": "ip", "name": "t", "handle": 1 } },
            { "rule": { "family": "ip", "table": "t", "chain": "postrouting", "handle": 7, "comment": "berth-net:a", "expr": [] } },
            { "rule": { "family": "ip", "table": "t", "chain": "forward", "handle": 9, "comment": "berth-net:ab", "expr": [] } },
            { "rule": { "family": "ip", "table": "t", "chain": "forward", "handle": 11, "comment": "berth-net:a", "expr": [] } },
            { "rule": { "family": "ip", "table": "t", "chain": "forward", "handle": 12, "expr": [] } }
        ] });
        assert_eq!(
            tagged_rules(&listing, "berth-net:a"),
            vec![("postrouting".to_string(), 7), ("forward".to_string(), 11)]
        );
        assert!(tagged_rules(&json!({}), "x").is_empty());
    }

    #[test]
    fn ensure_batch_creates_the_set_of_bridges() {
        let batch = ensure_batch("berth_t");
        let items = batch["nftables"].as_array().unwrap();
        assert_eq!(
            items.last().unwrap(),
            &json!({ "add": { "set": { "family": "ip", "table": "berth_t", "name": "bridges", "type": "ifname" } } })
        );
    }

    #[test]
    fn isolation_drops_forwarding_into_other_managed_bridges() {
        let rules = isolation_rules("t", "br-a", "berth-net:br-a");
        assert_eq!(
            rules,
            vec![json!({ "insert": { "rule": {
                "family": "ip", "table": "t", "chain": "forward", "comment": "berth-net:br-a",
                "expr": [
                    { "match": { "op": "==", "left": { "meta": { "key": "iifname" } }, "right": "br-a" } },
                    { "match": { "op": "!=", "left": { "meta": { "key": "oifname" } }, "right": "br-a" } },
                    { "match": { "op": "==", "left": { "meta": { "key": "oifname" } }, "right": "@bridges" } },
                    { "drop": null }
                ]
            } } })]
        );
        assert_eq!(
            bridge_element("add", "t", "br-a"),
            json!({ "add": { "element": { "family": "ip", "table": "t", "name": "bridges", "elem": ["br-a"] } } })
        );
    }

    #[test]
    fn internal_rules_drop_both_directions_but_not_within_the_bridge() {
        let rules = internal_rules("t", "br-i", "berth-net:br-i");
        let exprs: Vec<Value> = rules
            .iter()
            .map(|r| {
                assert_eq!(r["insert"]["rule"]["chain"], "forward");
                assert_eq!(r["insert"]["rule"]["comment"], "berth-net:br-i");
                r["insert"]["rule"]["expr"].clone()
            })
            .collect();
        assert_eq!(
            exprs,
            vec![
                json!([
                    { "match": { "op": "==", "left": { "meta": { "key": "iifname" } }, "right": "br-i" } },
                    { "match": { "op": "!=", "left": { "meta": { "key": "oifname" } }, "right": "br-i" } },
                    { "drop": null }
                ]),
                json!([
                    { "match": { "op": "==", "left": { "meta": { "key": "oifname" } }, "right": "br-i" } },
                    { "match": { "op": "!=", "left": { "meta": { "key": "iifname" } }, "right": "br-i" } },
                    { "drop": null }
                ]),
            ]
        );
        // No masquerade, no accept: nothing leaves an internal network.
        let text = serde_json::to_string(&rules).unwrap();
        assert!(
            !text.contains("masquerade") && !text.contains("accept"),
            "{text}"
        );
    }

    #[test]
    fn set_elements_reads_nft_listings() {
        let listing = json!({ "nftables": [
            { "set": { "family": "ip", "name": "bridges", "table": "t", "type": "ifname", "handle": 1, "elem": ["br-a", "br-b"] } },
            { "set": { "family": "ip", "name": "other", "table": "t", "type": "ifname", "handle": 2, "elem": ["x"] } }
        ] });
        assert_eq!(set_elements(&listing, "bridges"), vec!["br-a", "br-b"]);
        let empty = json!({ "nftables": [ { "set": { "family": "ip", "name": "bridges", "table": "t", "type": "ifname" } } ] });
        assert!(set_elements(&empty, "bridges").is_empty());
        let single = json!({ "nftables": [ { "set": { "name": "bridges", "elem": "br-a" } } ] });
        assert_eq!(set_elements(&single, "bridges"), vec!["br-a"]);
    }

    #[test]
    fn names_with_quotes_are_refused() {
        assert!(check_name("bridge", "br-1_x.y").is_ok());
        assert!(check_name("bridge", "br\"; flush ruleset").is_err());
        assert!(check_name("table", "").is_err());
    }
}
