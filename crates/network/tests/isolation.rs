//! Isolation between bridge networks and `--internal` networks against the real kernel (root): two bridges with
//! a network namespace each, the host forwarding between them until the Firewall says otherwise.

mod common;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use common::*;
use network::{connect_endpoint, random_mac, EndpointSpec, Firewall, Ipv4Net};

const DEADLINE: Duration = Duration::from_secs(20);

/// One ICMP echo from the sleeper's netns to `to`.
async fn ping_once(from: &Sleeper, to: Ipv4Addr) -> bool {
    let pid = from.pid().to_string();
    let target = to.to_string();
    tokio::task::spawn_blocking(move || {
        run(
            "nsenter",
            &[
                "-t", &pid, "-n", "busybox", "ping", "-c", "1", "-W", "1", &target,
            ],
        )
        .status
        .success()
    })
    .await
    .expect("ping task")
}

/// Polls until a ping gets through (links and neighbours may still be settling).
async fn assert_reaches(from: &Sleeper, to: Ipv4Addr, what: &str) {
    let start = Instant::now();
    while !ping_once(from, to).await {
        assert!(start.elapsed() < DEADLINE, "{what}: {to} never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Three pings in a row all lost; only called right after a ping in the other direction of the same test
/// worked, so a loss means the rule under test dropped it.
async fn assert_blocked(from: &Sleeper, to: Ipv4Addr, what: &str) {
    for _ in 0..3 {
        assert!(!ping_once(from, to).await, "{what}: {to} answered");
    }
}

/// A second namespace on `w`'s bridge at .3 (no default route needed: same subnet).
async fn neighbour(w: &Wired) -> (Sleeper, Ipv4Addr, LinkGuard) {
    let host_ifname = format!("vnn{}", suffix());
    let guard = LinkGuard(host_ifname.clone());
    let sleeper = Sleeper::start();
    let ip = host(&w.subnet, 3);
    let spec = EndpointSpec {
        bridge: w.bridge.clone(),
        host_ifname,
        container_ifname: "eth0".into(),
        address: Ipv4Net::new(ip, 24).expect("/24"),
        gateway: Some(w.gateway),
        mac: random_mac(ip),
        mtu: None,
    };
    connect_endpoint(sleeper.pid(), &spec)
        .await
        .expect("connect neighbour");
    (sleeper, ip, guard)
}

fn listing(table: &str) -> String {
    stdout(&run("nft", &["list", "table", "ip", table]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bridges_are_isolated_and_internal_networks_forward_nothing() {
    require_root();
    let a = wired(11).await;
    let b = wired(12).await;
    let (a2, a2_ip, _a2_veth) = neighbour(&a).await;
    let table = format!("berthtest_{}", suffix());
    let _table_guard = TableGuard(table.clone());
    let fw = Firewall::new(&table);
    fw.ensure().await.expect("ensure (turns on forwarding)");

    // Only A is managed: the host forwards A → B (B is not one of the daemon's bridges).
    fw.add_network(&a.bridge, a.subnet).await.expect("add a");
    assert_reaches(&a.sleeper, b.container_ip, "A to unmanaged B").await;

    // Both managed: forwarding between them is dropped both ways; inside A still works.
    fw.add_network(&b.bridge, b.subnet).await.expect("add b");
    let text = listing(&table);
    assert!(
        text.contains(&format!(
            "iifname \"{0}\" oifname != \"{0}\" oifname @bridges drop",
            a.bridge
        )),
        "{text}"
    );
    assert_blocked(&a.sleeper, b.container_ip, "A to B").await;
    assert_blocked(&b.sleeper, a.container_ip, "B to A").await;
    assert_reaches(&a2, a.container_ip, "within A").await;
    assert_reaches(&a.sleeper, a2_ip, "within A, back").await;

    // B goes away: it leaves the set, and A reaches B again.
    fw.remove_network(&b.bridge).await.expect("remove b");
    let text = listing(&table);
    assert!(!text.contains(&b.bridge), "{text}");
    assert_reaches(&a.sleeper, b.container_ip, "A to B after B's removal").await;
    fw.remove_network(&b.bridge)
        .await
        .expect("removing twice is Ok");

    // A becomes internal: nothing is forwarded from or to it, even towards an unmanaged bridge.
    fw.add_internal_network(&a.bridge)
        .await
        .expect("add internal a");
    let text = listing(&table);
    assert!(!text.contains("masquerade"), "{text}");
    assert_blocked(&a.sleeper, b.container_ip, "internal A to B").await;
    assert_blocked(&b.sleeper, a.container_ip, "B to internal A").await;
    assert_reaches(&a2, a.container_ip, "within internal A").await;

    fw.remove_network(&a.bridge).await.expect("remove a");
    let text = listing(&table);
    assert!(!text.contains(&a.bridge), "{text}");
    assert_reaches(&b.sleeper, a.container_ip, "B to A once no rule is left").await;
    fw.delete().await.expect("delete");
}
