//! A published port reached through the kernel's DNAT (no proxy), added and removed by the Firewall (root).

mod common;

use std::net::SocketAddr;

use common::*;
use network::{allocate_host_port, Firewall, PortMapping, Protocol};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_port_is_dnatted_to_the_container() {
    require_root();
    let w = wired(7).await;
    let table = format!("berthtest_{}", suffix());
    let _table_guard = TableGuard(table.clone());
    let fw = Firewall::new(&table);
    fw.ensure().await.expect("ensure");
    fw.add_network(&w.bridge, w.subnet)
        .await
        .expect("add_network");
    let _server = w.echo_server(8080);

    // Nothing on the host listens on this port: only the DNAT rule can make the connection work.
    let port = allocate_host_port(&Protocol::Tcp, None).expect("port");
    let m = PortMapping {
        protocol: Protocol::Tcp,
        host_ip: None,
        host_port: port,
        container_ip: w.container_ip,
        container_port: 8080,
    };
    fw.publish(&m).await.expect("publish");
    // The gateway address is a local, non-loopback address of this host: the output-chain DNAT applies.
    let target = SocketAddr::from((w.gateway, port));
    echo_roundtrip(target).await.expect("echo through DNAT");

    fw.unpublish(&m).await.expect("unpublish");
    let refused = tokio::net::TcpStream::connect(target).await;
    assert!(refused.is_err(), "still reachable after unpublish");

    fw.delete().await.expect("delete table");
}
