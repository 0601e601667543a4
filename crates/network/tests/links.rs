//! Bridge and veth endpoint tests against the real kernel (root).

mod common;

use common::*;
use network::{
    connect_endpoint, ensure_bridge, random_mac, remove_link, BridgeSpec, EndpointSpec, Ipv4Net,
};

fn link_exists(name: &str) -> bool {
    run("ip", &["link", "show", "dev", name]).status.success()
}

#[tokio::test]
async fn ensure_bridge_is_idempotent_and_remove_link_deletes_it() {
    require_root();
    let name = format!("bnt{}", suffix());
    let _guard = LinkGuard(name.clone());
    let net = subnet(1);
    let gateway = Ipv4Net::new(host(&net, 1), 24).unwrap();
    let spec = BridgeSpec {
        name: name.clone(),
        gateway,
        mtu: None,
    };

    ensure_bridge(&spec).await.expect("first ensure_bridge");
    ensure_bridge(&spec).await.expect("second ensure_bridge");

    let show = stdout(&run("ip", &["-4", "addr", "show", "dev", &name]));
    assert!(show.contains(&format!("inet {gateway}")), "{show}");
    assert_eq!(
        show.matches("inet ").count(),
        1,
        "address added twice: {show}"
    );
    let link = stdout(&run("ip", &["link", "show", "dev", &name]));
    assert!(link.contains(",UP"), "bridge not up: {link}");
    let detail = stdout(&run("ip", &["-d", "link", "show", "dev", &name]));
    assert!(detail.contains("bridge"), "{detail}");

    remove_link(&name).await.expect("remove_link");
    assert!(!link_exists(&name));
    remove_link(&name)
        .await
        .expect("remove_link of a missing link is Ok");
}

#[tokio::test]
async fn connect_endpoint_wires_a_container_netns() {
    require_root();
    let sfx = suffix();
    let bridge = format!("bnt{sfx}");
    let _bridge_guard = LinkGuard(bridge.clone());
    let host_ifname = format!("vnt{sfx}");
    let _veth_guard = LinkGuard(host_ifname.clone());
    let net = subnet(2);
    let gateway = host(&net, 1);
    ensure_bridge(&BridgeSpec {
        name: bridge.clone(),
        gateway: Ipv4Net::new(gateway, 24).unwrap(),
        mtu: None,
    })
    .await
    .expect("ensure_bridge");

    let sleeper = Sleeper::start();
    let container_ip = host(&net, 2);
    let spec = EndpointSpec {
        bridge: bridge.clone(),
        host_ifname: host_ifname.clone(),
        container_ifname: "eth0".to_string(),
        address: Ipv4Net::new(container_ip, 24).unwrap(),
        gateway: Some(gateway),
        mac: random_mac(container_ip),
        mtu: None,
    };
    connect_endpoint(sleeper.pid(), &spec)
        .await
        .expect("connect_endpoint");

    let addr = stdout(&sleeper.nsenter(&["ip", "-4", "addr", "show", "eth0"]));
    assert!(addr.contains(&format!("inet {container_ip}/24")), "{addr}");
    let link = stdout(&sleeper.nsenter(&["ip", "link", "show", "eth0"]));
    assert!(link.contains("02:42:0a:fa"), "MAC not set: {link}");
    let route = stdout(&sleeper.nsenter(&["ip", "-4", "route", "show", "default"]));
    assert!(
        route.contains(&format!("default via {gateway} dev eth0")),
        "{route}"
    );
    let master = stdout(&run("ip", &["link", "show", "dev", &host_ifname]));
    assert!(master.contains(&format!("master {bridge}")), "{master}");

    let ip = container_ip.to_string();
    let ping = run("busybox", &["ping", "-c1", "-W2", &ip]);
    assert!(ping.status.success(), "ping {ip}: {}", stdout(&ping));

    // Connecting the same name again fails and leaves the existing endpoint alone.
    assert!(connect_endpoint(sleeper.pid(), &spec).await.is_err());
    assert!(link_exists(&host_ifname));

    remove_link(&host_ifname).await.expect("remove_link");
    assert!(!link_exists(&host_ifname));
    let gone = sleeper.nsenter(&["ip", "link", "show", "eth0"]);
    assert!(!gone.status.success(), "peer survived: {}", stdout(&gone));
    remove_link(&bridge).await.expect("remove bridge");
}

#[tokio::test]
async fn a_failed_connect_leaves_no_veth_behind() {
    require_root();
    let sfx = suffix();
    let host_ifname = format!("vnt{sfx}");
    let _veth_guard = LinkGuard(host_ifname.clone());
    let sleeper = Sleeper::start();
    let net = subnet(8);
    let container_ip = host(&net, 2);
    let spec = EndpointSpec {
        // No such bridge: the veth is created, attaching it fails, and it must be removed again.
        bridge: format!("bntmissing{sfx}"),
        host_ifname: host_ifname.clone(),
        container_ifname: "eth0".to_string(),
        address: Ipv4Net::new(container_ip, 24).unwrap(),
        gateway: None,
        mac: random_mac(container_ip),
        mtu: None,
    };
    let err = connect_endpoint(sleeper.pid(), &spec)
        .await
        .expect_err("connect must fail");
    assert!(err.to_string().contains("not found"), "{err}");
    assert!(!link_exists(&host_ifname), "host end left behind");
    let peer = sleeper.nsenter(&["ip", "link", "show", "eth0"]);
    assert!(
        !peer.status.success(),
        "peer left behind: {}",
        stdout(&peer)
    );

    // A pid without a process is refused up front.
    let bad = EndpointSpec {
        bridge: "lo".into(),
        ..spec
    };
    assert!(connect_endpoint(0, &bad).await.is_err());
}
