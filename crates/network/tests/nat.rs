//! A published port reached through the kernel's DNAT, added and removed by the Firewall, and reached from the
//! container itself through the host address (root).

mod common;

use std::net::SocketAddr;

use common::*;
use network::{allocate_host_port, Firewall, PortMapping, PortProxy, Protocol};

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

    // Hairpin: the container reaches its own published port through a host address. Traffic from the bridge is
    // not DNATed (with br_netfilter that would hang) but served by the userland proxy, as with dockerd.
    let proxy = PortProxy::start(&m).await.expect("proxy");
    let pid = w.sleeper.pid().to_string();
    let (gateway, port_text) = (w.gateway.to_string(), port.to_string());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (pid, gateway, port_text) = (pid.clone(), gateway.clone(), port_text.clone());
        let out = tokio::task::spawn_blocking(move || {
            let mut child = std::process::Command::new("nsenter")
                .args([
                    "-t", &pid, "-n", "busybox", "nc", "-w", "2", &gateway, &port_text,
                ])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("start nc");
            if let Some(mut stdin) = child.stdin.take() {
                use std::io::Write;
                let _ = stdin.write_all(b"hairpin\n");
            }
            child.wait_with_output().expect("nc output")
        })
        .await
        .expect("nc task");
        if stdout(&out) == "hairpin\n" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no hairpin echo: {:?}",
            stdout(&out)
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    drop(proxy);

    fw.unpublish(&m).await.expect("unpublish");
    // The dropped proxy's listener closes once its task is aborted: poll until nothing answers any more.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while tokio::net::TcpStream::connect(target).await.is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "still reachable after unpublish"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    fw.delete().await.expect("delete table");
}
