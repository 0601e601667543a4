//! Inside a container's netns, 127.0.0.11:53 is redirected (nat output DNAT) to the ports the DNS server really
//! listens on, as dockerd does. Binding port 53 itself would keep the container's own programs (dnsmasq, coredns)
//! from binding 0.0.0.0:53.

use serde_json::{json, Value};

use crate::dns::DNS_ADDRESS;
use crate::firewall::apply;
use crate::NetworkError;

/// The table berth owns inside each container netns.
const TABLE: &str = "berth_dns";

/// Creates (or rewrites, after a restart with new ports) the redirect rules. Must run on a thread inside the
/// container's netns: the `nft` child inherits that thread's namespace.
pub(crate) fn install(udp_port: u16, tcp_port: u16) -> Result<(), NetworkError> {
    apply(&redirect_batch(udp_port, tcp_port))
}

pub(crate) fn redirect_batch(udp_port: u16, tcp_port: u16) -> Value {
    let dns = DNS_ADDRESS.to_string();
    let chain = |name: &str, hook: &str, prio: i32| {
        json!({ "add": { "chain": {
            "family": "ip", "table": TABLE, "name": name,
            "type": "nat", "hook": hook, "prio": prio, "policy": "accept"
        } } })
    };
    let redirect = |proto: &str, port: u16| {
        json!({ "add": { "rule": { "family": "ip", "table": TABLE, "chain": "output", "expr": [
            { "match": { "op": "==", "left": { "payload": { "protocol": "ip", "field": "daddr" } }, "right": dns } },
            { "match": { "op": "==", "left": { "payload": { "protocol": proto, "field": "dport" } }, "right": 53 } },
            { "dnat": { "addr": dns, "port": port } }
        ] } } })
    };
    json!({ "nftables": [
        { "add": { "table": { "family": "ip", "name": TABLE } } },
        chain("output", "output", -100),
        // An (empty) postrouting nat chain so replies are translated back on every kernel.
        chain("postrouting", "postrouting", 100),
        { "flush": { "chain": { "family": "ip", "table": TABLE, "name": "output" } } },
        redirect("udp", udp_port),
        redirect("tcp", tcp_port),
    ] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_both_protocols_to_the_real_ports() {
        let batch = redirect_batch(40001, 40002);
        let items = batch["nftables"].as_array().unwrap();
        assert_eq!(items[0]["add"]["table"]["name"], TABLE);
        assert_eq!(items[1]["add"]["chain"]["hook"], "output");
        // The flush comes before the new rules, so a restarted server replaces stale ports.
        assert!(items[3].get("flush").is_some());
        let udp = &items[4]["add"]["rule"]["expr"];
        assert_eq!(udp[0]["match"]["right"], "127.0.0.11");
        assert_eq!(udp[1]["match"]["left"]["payload"]["protocol"], "udp");
        assert_eq!(
            udp[2]["dnat"],
            json!({ "addr": "127.0.0.11", "port": 40001 })
        );
        let tcp = &items[5]["add"]["rule"]["expr"];
        assert_eq!(tcp[1]["match"]["left"]["payload"]["protocol"], "tcp");
        assert_eq!(tcp[2]["dnat"]["port"], 40002);
    }
}
