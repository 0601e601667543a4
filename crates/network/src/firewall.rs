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
    /// DNATed back into the bridge); accepts forwarding to/from the bridge. Replaces earlier rules of `bridge`.
    pub async fn add_network(&self, bridge: &str, subnet: Ipv4Net) -> Result<(), NetworkError> {
        check_name("bridge", bridge)?;
        let table = self.table.clone();
        let tag = network_tag(bridge);
        let rules = network_rules(&table, bridge, subnet.trunc(), &tag);
        run_nft(move || replace_tagged(&table, &tag, rules)).await
    }

    /// Removes exactly the rules `add_network(bridge, ..)` added. Ok if there are none.
    pub async fn remove_network(&self, bridge: &str) -> Result<(), NetworkError> {
        let table = self.table.clone();
        let tag = network_tag(bridge);
        run_nft(move || replace_tagged(&table, &tag, Vec::new())).await
    }

    /// DNAT for traffic to a local address (`fib daddr type local`): from other hosts (prerouting) and from this
    /// host to its non-loopback addresses (output); loopback clients go through the [`crate::PortProxy`].
    pub async fn publish(&self, m: &PortMapping) -> Result<(), NetworkError> {
        let table = self.table.clone();
        let tag = port_tag(m);
        let rules = port_rules(&table, m, &tag);
        run_nft(move || replace_tagged(&table, &tag, rules)).await
    }

    /// Removes exactly the rules `publish(m)` added. Ok if there are none.
    pub async fn unpublish(&self, m: &PortMapping) -> Result<(), NetworkError> {
        let table = self.table.clone();
        let tag = port_tag(m);
        run_nft(move || replace_tagged(&table, &tag, Vec::new())).await
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

/// In one transaction: deletes the rules tagged `tag` and adds `rules`.
fn replace_tagged(table: &str, tag: &str, rules: Vec<Value>) -> Result<(), NetworkError> {
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
    if commands.is_empty() && rules.is_empty() {
        return Ok(());
    }
    commands.extend(rules);
    apply(&json!({ "nftables": commands }))
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
    fn names_with_quotes_are_refused() {
        assert!(check_name("bridge", "br-1_x.y").is_ok());
        assert!(check_name("bridge", "br\"; flush ruleset").is_err());
        assert!(check_name("table", "").is_err());
    }
}
