//! Network isolation through the real docker CLI, as dockerd does it: containers on two user
//! networks cannot reach each other (the host drops forwarding between its bridges), a container
//! on both reaches both, an `--internal` network has no default route, no way out and publishes
//! no ports, and host port ranges (`-p a-b:x-y`, `-p a-b:x`) publish what dockerd publishes.
//! Only loopback and the test daemon's own bridges are contacted.

use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use test_support::{eventually, expect_success, require_root, Daemon};

const WAIT: Duration = Duration::from_secs(30);

fn ip_on(d: &Daemon, container: &str, network: &str) -> String {
    d.inspect_format(
        &format!("{{{{(index .NetworkSettings.Networks \"{network}\").IPAddress}}}}"),
        container,
    )
}

fn network_gateway(d: &Daemon, network: &str) -> String {
    expect_success(d.docker(&[
        "network",
        "inspect",
        "-f",
        "{{range .IPAM.Config}}{{.Gateway}}{{end}}",
        network,
    ]))
    .trim()
    .to_string()
}

/// One ping from inside `container` (1 s timeout).
fn ping(d: &Daemon, container: &str, ip: &str) -> bool {
    d.docker(&["exec", container, "ping", "-c", "1", "-W", "1", ip])
        .status
        .success()
}

fn assert_reaches(d: &Daemon, container: &str, ip: &str) {
    assert!(
        eventually(WAIT, || ping(d, container, ip)),
        "{container} never reached {ip}"
    );
}

/// Three lost pings in a row. Callers first show the same path works up to the host, so the loss
/// is the firewall's doing, not a missing route.
fn assert_blocked(d: &Daemon, container: &str, ip: &str) {
    for _ in 0..3 {
        assert!(!ping(d, container, ip), "{container} reached {ip}");
    }
}

fn run_sleeper(d: &Daemon, name: &str, network: &str) {
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        name,
        "--network",
        network,
        "busybox",
        "sleep",
        "300",
    ]));
}

fn nft_table(d: &Daemon) -> String {
    let out = Command::new("nft")
        .args(["list", "table", "ip", &d.net.nft_table()])
        .output()
        .expect("run nft");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn containers_on_different_networks_cannot_reach_each_other() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&["network", "create", "left"]));
    expect_success(d.docker(&["network", "create", "right"]));
    run_sleeper(&d, "alpha", "left");
    run_sleeper(&d, "beta", "right");
    run_sleeper(&d, "both", "left");
    expect_success(d.docker(&["network", "connect", "right", "both"]));
    let (a_ip, b_ip) = (ip_on(&d, "alpha", "left"), ip_on(&d, "beta", "right"));
    let right_gateway = network_gateway(&d, "right");

    // The host forwards (the daemon turns it on): only the isolation rule stands between a and b.
    let forwarding = std::fs::read_to_string("/proc/sys/net/ipv4/ip_forward").unwrap_or_default();
    assert_eq!(forwarding.trim(), "1", "IPv4 forwarding is off");
    let table = nft_table(&d);
    assert!(table.contains("oifname @bridges drop"), "{table}");

    // a's packets to the right network reach the host (its gateway answers), then go no further.
    assert_reaches(&d, "alpha", &right_gateway);
    assert_blocked(&d, "alpha", &b_ip);
    assert_reaches(&d, "beta", &network_gateway(&d, "left"));
    assert_blocked(&d, "beta", &a_ip);
    // A container on both networks reaches both (no forwarding involved).
    assert_reaches(&d, "both", &a_ip);
    assert_reaches(&d, "both", &b_ip);

    // Removing a network takes its bridge out of the daemon's set.
    expect_success(d.docker(&["rm", "-f", "beta"]));
    expect_success(d.docker(&["network", "disconnect", "-f", "right", "both"]));
    let right_bridge = format!(
        "br-{}",
        &expect_success(d.docker(&["network", "inspect", "-f", "{{.Id}}", "right"]))[..12]
    );
    assert!(nft_table(&d).contains(&right_bridge), "{}", nft_table(&d));
    expect_success(d.docker(&["network", "rm", "right"]));
    let table = nft_table(&d);
    assert!(!table.contains(&right_bridge), "{table}");
}

#[test]
fn internal_network_has_no_way_out_and_publishes_nothing() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&["network", "create", "--internal", "inside"]));
    expect_success(d.docker(&["network", "create", "outside"]));
    run_sleeper(&d, "out1", "outside");
    run_sleeper(&d, "in1", "inside");
    run_sleeper(&d, "in2", "inside");
    let port = free_port_block(1);
    let spec = format!("127.0.0.1:{port}:80");
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "ipub",
        "--network",
        "inside",
        "-p",
        &spec,
        "busybox",
        "sleep",
        "300",
    ]));

    let route = expect_success(d.docker(&["exec", "in1", "ip", "route"]));
    assert!(!route.contains("default"), "{route}");
    assert_eq!(
        d.inspect_format(
            "[{{(index .NetworkSettings.Networks \"inside\").Gateway}}]",
            "in1"
        ),
        "[]"
    );
    // Inside the internal network containers reach each other; nothing else is reachable.
    let i_ip = ip_on(&d, "in1", "inside");
    assert_reaches(&d, "in2", &i_ip);
    let out = d.docker(&[
        "exec",
        "in1",
        "ping",
        "-c",
        "1",
        "-W",
        "1",
        &network_gateway(&d, "outside"),
    ]);
    assert!(!out.status.success(), "internal reached another gateway");
    assert_reaches(&d, "out1", &network_gateway(&d, "inside"));
    assert_blocked(&d, "out1", &i_ip);
    let inside_bridge = format!(
        "br-{}",
        &expect_success(d.docker(&["network", "inspect", "-f", "{{.Id}}", "inside"]))[..12]
    );
    let table = nft_table(&d);
    assert!(
        table.contains(&format!(
            "oifname \"{inside_bridge}\" iifname != \"{inside_bridge}\" drop"
        )),
        "{table}"
    );

    // A published port on an internal network is not published.
    assert_eq!(expect_success(d.docker(&["port", "ipub"])), "");
    assert!(
        TcpListener::bind(("127.0.0.1", port)).is_ok(),
        "{port} is bound"
    );

    // Connected to a normal network while running, it gets its default route from that one.
    expect_success(d.docker(&["network", "connect", "outside", "in1"]));
    let route = expect_success(d.docker(&["exec", "in1", "ip", "route"]));
    assert!(
        route.contains(&format!("default via {}", network_gateway(&d, "outside"))),
        "{route}"
    );

    // Connected to a normal network as well, the container routes through that one.
    expect_success(d.docker(&[
        "create",
        "--name",
        "dual",
        "--network",
        "inside",
        "busybox",
        "sleep",
        "300",
    ]));
    expect_success(d.docker(&["network", "connect", "outside", "dual"]));
    expect_success(d.docker(&["start", "dual"]));
    let route = expect_success(d.docker(&["exec", "dual", "ip", "route"]));
    assert!(
        route.contains(&format!("default via {}", network_gateway(&d, "outside"))),
        "{route}"
    );
}

/// The next candidate port of this test process; each block is handed out once, so tests of this
/// file running in parallel never pick the same ports.
static NEXT_PORT: AtomicU16 = AtomicU16::new(0);

/// `n` consecutive free loopback TCP ports below the kernel's ephemeral range, so the ports other
/// tests get from `bind(0)` never collide with them.
fn free_port_block(n: u16) -> u16 {
    let base = 20000 + (std::process::id() % 4000) as u16 * 2;
    loop {
        let start = base + NEXT_PORT.fetch_add(n, Ordering::SeqCst);
        assert!(start < 32000 - n, "no free port block");
        let held: Vec<_> = (start..start + n)
            .filter_map(|p| TcpListener::bind(("127.0.0.1", p)).ok())
            .collect();
        if held.len() == usize::from(n) {
            return start;
        }
    }
}

fn http_body(port: u16) -> Option<String> {
    use std::io::{Read, Write};
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n")
        .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    buf.contains(" 200 ")
        .then(|| buf.split("\r\n\r\n").nth(1).map(str::to_string))
        .flatten()
}

#[test]
fn host_port_ranges_publish_every_port() {
    require_root!();
    let d = Daemon::with_busybox();
    let a = free_port_block(3);
    let spec = format!("127.0.0.1:{a}-{}:80-82", a + 2);
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "web",
        "-p",
        &spec,
        "busybox",
        "sh",
        "-c",
        "mkdir -p /www && echo eighty-two > /www/index.html && exec httpd -f -p 82 -h /www",
    ]));
    assert_eq!(
        expect_success(d.docker(&["port", "web"])),
        format!(
            "80/tcp -> 127.0.0.1:{a}\n81/tcp -> 127.0.0.1:{}\n82/tcp -> 127.0.0.1:{}\n",
            a + 1,
            a + 2
        )
    );
    assert!(
        eventually(WAIT, || http_body(a + 2).as_deref() == Some("eighty-two\n")),
        "no answer on 127.0.0.1:{}",
        a + 2
    );

    // berth's own CLI parses the ranges as the docker CLI does.
    let b = free_port_block(2);
    let spec = format!("127.0.0.1:{b}-{}:90-91/udp", b + 1);
    expect_success(d.berth(&[
        "run", "-d", "--name", "bweb", "-p", &spec, "busybox", "sleep", "300",
    ]));
    assert_eq!(
        expect_success(d.docker(&["port", "bweb"])),
        format!("90/udp -> 127.0.0.1:{b}\n91/udp -> 127.0.0.1:{}\n", b + 1)
    );

    // A host range for one container port takes the first free port of the range (the first
    // one is held here); udp as well.
    let r = free_port_block(3);
    let _held = TcpListener::bind(("127.0.0.1", r)).expect("hold first port");
    let spec = format!("127.0.0.1:{r}-{}:80", r + 2);
    let udp = format!("127.0.0.1:{r}-{}:53/udp", r + 2);
    expect_success(d.docker(&[
        "run", "-d", "--name", "one", "-p", &spec, "-p", &udp, "busybox", "sleep", "300",
    ]));
    assert_eq!(
        expect_success(d.docker(&["port", "one"])),
        format!("53/udp -> 127.0.0.1:{r}\n80/tcp -> 127.0.0.1:{}\n", r + 1)
    );
}
