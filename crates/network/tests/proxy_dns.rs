//! Port proxy and embedded DNS against a real container-like netns (root).

mod common;

use std::net::Ipv4Addr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use network::{
    allocate_host_port, DnsServer, NameLookup, NetworkError, PortMapping, PortProxy, Protocol,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_proxy_reaches_a_server_in_the_netns() {
    require_root();
    let w = wired(5).await;
    let _server = w.echo_server(8080);

    let port =
        allocate_host_port(&Protocol::Tcp, Some(Ipv4Addr::LOCALHOST)).expect("allocate port");
    let m = PortMapping {
        protocol: Protocol::Tcp,
        host_ip: Some(Ipv4Addr::LOCALHOST),
        host_port: port,
        container_ip: w.container_ip,
        container_port: 8080,
    };
    let proxy = PortProxy::start(&m).await.expect("start proxy");

    echo_roundtrip(([127, 0, 0, 1], port).into())
        .await
        .expect("echo through the proxy");

    match PortProxy::start(&m).await {
        Err(e @ NetworkError::PortInUse(_)) => {
            assert_eq!(
                e.to_string(),
                format!("Bind for 127.0.0.1:{port} failed: port is already allocated")
            )
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("second proxy on the same port started"),
    }
    drop(proxy);
}

/// Runs a command in the sleeper's netns off the runtime threads, which must keep serving DNS meanwhile.
async fn nsenter(sleeper: &Sleeper, args: &[&str]) -> std::process::Output {
    let pid = sleeper.pid().to_string();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        Command::new("nsenter")
            .args(["-t", &pid, "-n"])
            .args(&args)
            .output()
            .expect("run nsenter")
    })
    .await
    .expect("nsenter task")
}

struct OneName(Ipv4Addr);

impl NameLookup for OneName {
    fn lookup(&self, _requester_id: &str, name: &str) -> Vec<Ipv4Addr> {
        if name == "web" {
            vec![self.0]
        } else {
            Vec::new()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dns_server_answers_inside_the_netns() {
    require_root();
    // No link needed: DnsServer brings lo up itself.
    let sleeper = Sleeper::start();
    let web_ip = host(&subnet(6), 7);
    let server = DnsServer::start(
        sleeper.pid(),
        "c1".into(),
        Arc::new(OneName(web_ip)),
        Vec::new(),
    )
    .await
    .expect("start dns");

    let found = nsenter(&sleeper, &["busybox", "nslookup", "web", "127.0.0.11"]).await;
    let text = stdout(&found);
    assert!(
        text.contains(&format!("Address: {web_ip}")),
        "{text}\n{}",
        String::from_utf8_lossy(&found.stderr)
    );
    assert!(found.status.success(), "{text}");

    let missing = nsenter(&sleeper, &["busybox", "nslookup", "nope", "127.0.0.11"]).await;
    let text = format!(
        "{}{}",
        stdout(&missing),
        String::from_utf8_lossy(&missing.stderr)
    );
    assert!(!missing.status.success(), "{text}");
    assert!(!text.contains("Address: 10."), "{text}");
    assert!(
        text.contains("SERVFAIL") || text.contains("NXDOMAIN") || text.contains("can't"),
        "{text}"
    );

    // Port 53 stays free for the container's own programs: 127.0.0.11:53 is redirected to the server's real
    // ports by nft inside the netns, and a TCP listener on the wildcard port 53 can start there.
    let rules = stdout(&nsenter(&sleeper, &["nft", "list", "table", "ip", "berth_dns"]).await);
    assert!(
        rules.contains("ip daddr 127.0.0.11 udp dport 53 dnat to 127.0.0.11:"),
        "{rules}"
    );
    let pid = sleeper.pid().to_string();
    let own_dns = InNetns(
        Command::new("nsenter")
            .args(["-t", &pid, "-n", "busybox", "nc", "-l", "-p", "53"])
            .stdin(std::process::Stdio::null())
            .spawn()
            .expect("start nc on port 53"),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let listening = stdout(&nsenter(&sleeper, &["busybox", "netstat", "-ltn"]).await);
        // busybox binds the IPv6 wildcard (dual stack) when it can.
        if listening.contains("0.0.0.0:53 ") || listening.contains(":::53 ") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "nc never bound port 53: {listening}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = nsenter(&sleeper, &["busybox", "nslookup", "web", "127.0.0.11"]).await;
    assert!(
        stdout(&again).contains(&format!("Address: {web_ip}")),
        "{}",
        stdout(&again)
    );
    drop(own_dns);

    drop(server);
    // Dropping the server closes its sockets (tasks aborted): poll until the port is gone.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let listening = stdout(&nsenter(&sleeper, &["busybox", "netstat", "-ltn"]).await);
        if !listening.contains("127.0.0.11:") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "DNS still listening after drop: {listening}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
