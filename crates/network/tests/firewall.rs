//! nftables rules against the real kernel (root).

mod common;

use std::net::Ipv4Addr;

use common::*;
use network::{Firewall, PortMapping, Protocol};

fn listing(table: &str) -> String {
    let out = run("nft", &["-j", "list", "table", "ip", table]);
    assert!(
        out.status.success(),
        "nft list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[tokio::test]
async fn rules_are_added_and_removed_exactly() {
    require_root();
    let sfx = suffix();
    let table = format!("berthtest_{sfx}");
    let _guard = TableGuard(table.clone());
    let fw = Firewall::new(&table);
    fw.ensure().await.expect("ensure");
    fw.ensure().await.expect("ensure is idempotent");
    let forwarding = std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap();
    assert_eq!(forwarding.trim(), "1", "ensure turns on IPv4 forwarding");

    let net_a = subnet(3);
    let net_b = subnet(4);
    let (bridge_a, bridge_b) = (format!("bnta{sfx}"), format!("bntb{sfx}"));
    fw.add_network(&bridge_a, net_a)
        .await
        .expect("add_network a");
    fw.add_network(&bridge_b, net_b)
        .await
        .expect("add_network b");
    // Adding again replaces instead of duplicating.
    fw.add_network(&bridge_a, net_a)
        .await
        .expect("add_network a again");

    let web = PortMapping {
        protocol: Protocol::Tcp,
        host_ip: None,
        host_port: 18080,
        container_ip: host(&net_a, 2),
        container_port: 80,
    };
    let dns = PortMapping {
        protocol: Protocol::Udp,
        host_ip: Some(Ipv4Addr::LOCALHOST),
        host_port: 15353,
        container_ip: host(&net_a, 3),
        container_port: 53,
    };
    fw.publish(&web).await.expect("publish web");
    fw.publish(&dns).await.expect("publish dns");

    let text = listing(&table);
    let tag_a = format!("berth-net:{bridge_a}");
    let tag_b = format!("berth-net:{bridge_b}");
    assert_eq!(count(&text, &format!("\"{tag_a}\"")), 5, "{text}");
    assert_eq!(count(&text, &format!("\"{tag_b}\"")), 5, "{text}");
    assert!(text.contains("\"masquerade\""), "{text}");
    assert!(
        text.contains(&format!("\"addr\": \"{}\"", host(&net_a, 2))),
        "no DNAT to web: {text}"
    );
    assert!(text.contains("\"port\": 80"), "{text}");
    assert_eq!(count(&text, "berth-port:tcp:0.0.0.0:18080"), 2, "{text}");
    assert_eq!(count(&text, "berth-port:udp:127.0.0.1:15353"), 2, "{text}");
    // The human-readable form shows what the kernel really has.
    let plain = stdout(&run("nft", &["list", "table", "ip", &table]));
    assert!(
        plain.contains(&format!("tcp dport 18080 dnat to {}:80", host(&net_a, 2))),
        "{plain}"
    );
    assert!(
        plain.contains(&format!(
            "ip saddr {net_a} oifname != \"{bridge_a}\" masquerade"
        )),
        "{plain}"
    );

    fw.unpublish(&web).await.expect("unpublish web");
    let text = listing(&table);
    assert_eq!(count(&text, "berth-port:tcp:0.0.0.0:18080"), 0, "{text}");
    assert_eq!(count(&text, "berth-port:udp:127.0.0.1:15353"), 2, "{text}");
    fw.unpublish(&web).await.expect("unpublish twice is Ok");

    fw.remove_network(&bridge_a)
        .await
        .expect("remove_network a");
    let text = listing(&table);
    assert_eq!(count(&text, &format!("\"{tag_a}\"")), 0, "{text}");
    assert_eq!(count(&text, &format!("\"{tag_b}\"")), 5, "{text}");

    fw.delete().await.expect("delete");
    assert!(!run("nft", &["list", "table", "ip", &table])
        .status
        .success());
    fw.delete().await.expect("delete of a missing table is Ok");
}
