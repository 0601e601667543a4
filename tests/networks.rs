//! Networks through the real docker CLI: `network create/ls/inspect/rm/prune/connect/disconnect`,
//! containers on the default bridge (address in the daemon's `--bip`, reachable from the host),
//! name resolution on user networks (embedded DNS), published ports (`-p`, `docker port`, the
//! "port is already allocated" error), `--network none/host`, veths removed with their
//! container, published ports surviving `kill -9` of berthd, and nothing left on the host after
//! the daemon goes. Each daemon has its own bridge, subnets and nft table (test_support::NetSlot);
//! only loopback and those bridges are ever contacted.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use test_support::net_probe::{free_loopback_port, http_get, httpd_serving, link_exists};
use test_support::net_slot::bridge_ports;
use test_support::{eventually, expect_failure, expect_success, require_root, Daemon};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn network_create_ls_inspect_rm_prune() {
    require_root!();
    let d = Daemon::with_busybox();
    let id = expect_success(d.docker(&["network", "create", "mynet"]));
    let id = id.trim().to_string();
    assert_eq!(id.len(), 64, "{id}");
    let subnet = d.net.test_subnet(0);
    expect_success(d.docker(&[
        "network", "create", "--driver", "bridge", "--subnet", &subnet, "--label", "team=a",
        "mynet2",
    ]));
    assert_eq!(
        expect_success(d.docker(&["network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}"])),
        "bridge bridge local\nhost host local\nmynet bridge local\nmynet2 bridge local\nnone null local\n"
    );
    let table = expect_success(d.docker(&["network", "ls"]));
    assert!(
        table.starts_with("NETWORK ID     NAME      DRIVER    SCOPE\n"),
        "{table}"
    );
    assert!(
        table.contains(&format!("{}   mynet     bridge    local\n", &id[..12])),
        "{table}"
    );
    assert_eq!(
        expect_success(d.docker(&[
            "network",
            "ls",
            "--filter",
            "label=team=a",
            "--format",
            "{{.Name}} {{.Labels}}"
        ])),
        "mynet2 team=a\n"
    );
    assert_eq!(
        expect_success(d.docker(&[
            "network",
            "ls",
            "-q",
            "--filter",
            "type=custom",
            "--no-trunc"
        ]))
        .lines()
        .count(),
        2
    );
    assert_eq!(
        d.inspect_format("{{range .IPAM.Config}}{{.Subnet}}{{end}}", "mynet2"),
        subnet
    );
    // The auto subnet comes from the daemon's --default-address-pool.
    let auto = d.inspect_format(
        "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}",
        "mynet",
    );
    let pool_base = d.net.address_pool();
    let pool_prefix: Vec<&str> = pool_base
        .trim_start_matches("base=")
        .split('.')
        .take(2)
        .collect();
    assert!(
        auto.starts_with(&pool_prefix.join(".")),
        "{auto} vs {pool_base}"
    );
    // Its Linux bridge exists, named after the id.
    let bridge = format!("br-{}", &id[..12]);
    assert!(link_exists(&bridge));
    // Lookup by id prefix.
    assert_eq!(d.inspect_format("{{.Name}}", &id[..8]), "mynet");

    let err = expect_failure(d.docker(&["network", "rm", "bridge"]));
    assert!(
        err.contains("bridge is a pre-defined network and cannot be removed"),
        "{err}"
    );
    let err = expect_failure(d.docker(&["network", "rm", "nosuchnet"]));
    assert!(err.contains("network nosuchnet not found"), "{err}");
    let err = expect_failure(d.docker(&["network", "create", "mynet"]));
    assert!(
        err.contains("network with name mynet already exists"),
        "{err}"
    );

    // A container on the network keeps it.
    expect_success(d.docker(&[
        "create",
        "--name",
        "c1",
        "--network",
        "mynet",
        "busybox",
        "true",
    ]));
    let err = expect_failure(d.docker(&["network", "rm", "mynet"]));
    assert!(
        err.contains(&format!(
            "error while removing network: network mynet id {id} has active endpoints"
        )),
        "{err}"
    );
    // As dockerd: an unknown network fails the start, not the create.
    expect_success(d.docker(&[
        "create",
        "--name",
        "c2",
        "--network",
        "nosuchnet",
        "busybox",
        "true",
    ]));
    let err = expect_failure(d.docker(&["start", "c2"]));
    assert!(err.contains("network nosuchnet not found"), "{err}");
    assert_eq!(d.inspect_format("{{.State.Status}}", "c2"), "created");
    expect_success(d.docker(&["rm", "c2"]));
    expect_success(d.docker(&["rm", "c1"]));

    assert_eq!(
        expect_success(d.docker(&["network", "rm", "mynet", "mynet2"])),
        "mynet\nmynet2\n"
    );
    assert!(!link_exists(&bridge));
    expect_success(d.docker(&["network", "create", "p1"]));
    assert_eq!(
        expect_success(d.docker(&["network", "prune", "-f"])),
        "Deleted Networks:\np1\n\n"
    );
    assert_eq!(
        expect_success(d.docker(&["network", "ls", "--format", "{{.Name}}"])),
        "bridge\nhost\nnone\n"
    );
    let events = d.past_events(&["type=network"], "{{.Action}} {{.Actor.Attributes.name}}");
    assert!(events.contains("create mynet\n"), "{events}");
    assert!(events.contains("destroy mynet\n"), "{events}");
}

#[test]
fn default_bridge_address_is_in_bip_and_reachable_from_the_host() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "web",
        "--hostname",
        "webhost",
        "--add-host",
        "db:10.1.2.3",
        "busybox",
        "sh",
        "-c",
        &httpd_serving(80, "fromweb"),
    ]));
    let ip = d.inspect_format("{{.NetworkSettings.IPAddress}}", "web");
    let prefix = d.net.bip_prefix();
    assert!(
        ip.starts_with(&format!("{prefix}.")),
        "{ip} not in {prefix}.0/24"
    );
    assert_eq!(
        d.inspect_format(
            "{{.NetworkSettings.Gateway}} {{.NetworkSettings.IPPrefixLen}} {{(index .NetworkSettings.Networks \"bridge\").IPAddress}}",
            "web"
        ),
        format!("{prefix}.1 24 {ip}")
    );
    let mac = d.inspect_format("{{.NetworkSettings.MacAddress}}", "web");
    assert!(mac.starts_with("02:42:"), "{mac}");
    // /etc/hosts names the container; eth0 has the address; the default route goes via the bridge.
    let hosts = expect_success(d.docker(&["exec", "web", "cat", "/etc/hosts"]));
    assert!(hosts.contains(&format!("{ip}\twebhost")), "{hosts}");
    assert!(hosts.contains("10.1.2.3\tdb\n"), "{hosts}");
    let addr = expect_success(d.docker(&["exec", "web", "ip", "-4", "-o", "addr", "show", "eth0"]));
    assert!(addr.contains(&format!("{ip}/24")), "{addr}");
    let route = expect_success(d.docker(&["exec", "web", "ip", "route"]));
    assert!(
        route.contains(&format!("default via {prefix}.1")),
        "{route}"
    );

    let target: SocketAddr = (ip.parse::<Ipv4Addr>().unwrap(), 80).into();
    let mut body = None;
    assert!(
        eventually(WAIT, || {
            body = http_get(target);
            body.is_some()
        }),
        "host could not reach {target}"
    );
    assert_eq!(body.unwrap(), "fromweb\n");
    assert_eq!(
        expect_success(d.docker(&["ps", "--filter", "network=bridge", "--format", "{{.Names}}"])),
        "web\n"
    );
    assert_eq!(
        expect_success(d.docker(&["ps", "--filter", "network=none", "--format", "{{.Names}}"])),
        ""
    );
    let inspect_net = expect_success(d.docker(&[
        "network",
        "inspect",
        "-f",
        "{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}",
        "bridge",
    ]));
    assert_eq!(inspect_net, format!("web {ip}/24\n"));
}

#[test]
fn containers_on_a_user_network_resolve_each_other() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&["network", "create", "app"]));
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "app",
        "--network-alias",
        "www",
        "busybox",
        "sh",
        "-c",
        &httpd_serving(8080, "hello"),
    ]));
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "client",
        "--network",
        "app",
        "busybox",
        "sleep",
        "300",
    ]));
    let resolv = expect_success(d.docker(&["exec", "client", "cat", "/etc/resolv.conf"]));
    assert!(resolv.contains("nameserver 127.0.0.11"), "{resolv}");
    // busybox's static wget crashes in getaddrinfo; nc resolves through the embedded DNS too.
    for name in ["web", "www"] {
        let cmd = format!("printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {name} 8080");
        let mut last = String::new();
        assert!(
            eventually(WAIT, || {
                let out = d.docker(&["exec", "client", "sh", "-c", &cmd]);
                last = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                out.status.success()
                    && last.starts_with("HTTP/1.1 200")
                    && last.ends_with("\r\n\r\nhello\n")
            }),
            "{name}: {last}"
        );
    }
    expect_success(d.docker(&["exec", "client", "ping", "-c1", "-W3", "web"]));
    // The short id resolves too.
    let short = d.inspect_format("{{.Id}}", "web")[..12].to_string();
    expect_success(d.docker(&["exec", "client", "ping", "-c1", "-W3", &short]));

    // A renamed container answers to its new name.
    expect_success(d.docker(&["rename", "web", "web2"]));
    expect_success(d.docker(&["exec", "client", "ping", "-c1", "-W3", "web2"]));

    // connect / disconnect a running container.
    expect_success(d.docker(&["network", "create", "side"]));
    expect_success(d.docker(&["network", "connect", "--alias", "box", "side", "client"]));
    let links = expect_success(d.docker(&["exec", "client", "ip", "-o", "link"]));
    assert!(links.contains("eth1"), "{links}");
    let nets = d.inspect_format(
        "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
        "client",
    );
    assert_eq!(nets, "app side");
    expect_success(d.docker(&["network", "disconnect", "side", "client"]));
    let links = expect_success(d.docker(&["exec", "client", "ip", "-o", "link"]));
    assert!(!links.contains("eth1"), "{links}");
    expect_success(d.docker(&["network", "rm", "side"]));

    // A stopped container disconnected from its only network shows none, as dockerd.
    expect_success(d.docker(&[
        "create",
        "--name",
        "idle",
        "--network",
        "app",
        "busybox",
        "true",
    ]));
    expect_success(d.docker(&["network", "disconnect", "app", "idle"]));
    assert_eq!(
        d.inspect_format("{{json .NetworkSettings.Networks}}", "idle"),
        "{}"
    );
}

#[test]
fn published_port_on_loopback_serves_and_conflicts_like_docker() {
    require_root!();
    let d = Daemon::with_busybox();
    let port = free_loopback_port();
    let spec = format!("127.0.0.1:{port}:80");
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
        &httpd_serving(80, "published"),
    ]));
    let target: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut body = None;
    assert!(
        eventually(WAIT, || {
            body = http_get(target);
            body.is_some()
        }),
        "no answer on {target}"
    );
    assert_eq!(body.unwrap(), "published\n");
    assert_eq!(
        expect_success(d.docker(&["port", "web"])),
        format!("80/tcp -> 127.0.0.1:{port}\n")
    );
    assert_eq!(
        expect_success(d.docker(&["ps", "--format", "{{.Ports}}"])),
        format!("127.0.0.1:{port}->80/tcp\n")
    );
    assert_eq!(
        d.inspect_format("{{json .NetworkSettings.Ports}}", "web"),
        format!("{{\"80/tcp\":[{{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"{port}\"}}]}}")
    );

    let err = expect_failure(d.docker(&[
        "run", "-d", "--name", "second", "-p", &spec, "busybox", "sleep", "300",
    ]));
    assert!(
        err.contains("driver failed programming external connectivity on endpoint second")
            && err.contains(&format!(
                "Bind for 127.0.0.1:{port} failed: port is already allocated"
            )),
        "{err}"
    );
    assert_eq!(d.inspect_format("{{.State.Status}}", "second"), "created");

    // `-p 80`: a random host port on every address, reachable through loopback.
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "rnd",
        "-p",
        "80",
        "busybox",
        "sh",
        "-c",
        &httpd_serving(80, "random"),
    ]));
    let mapped = expect_success(d.docker(&["port", "rnd", "80"]));
    let first = mapped.lines().next().unwrap_or("").to_string();
    assert!(first.starts_with("0.0.0.0:"), "{mapped}");
    let host_port: u16 = first.trim_start_matches("0.0.0.0:").parse().unwrap();
    assert!(
        eventually(WAIT, || http_get(([127, 0, 0, 1], host_port).into())
            .as_deref()
            == Some("random\n")),
        "no answer on 127.0.0.1:{host_port}"
    );
}

#[test]
fn published_port_survives_kill9_of_the_daemon() {
    require_root!();
    let mut d = Daemon::with_busybox();
    let port = free_loopback_port();
    let spec = format!("127.0.0.1:{port}:80");
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
        &httpd_serving(80, "kept"),
    ]));
    let target: SocketAddr = ([127, 0, 0, 1], port).into();
    assert!(eventually(WAIT, || http_get(target).as_deref() == Some("kept\n")));
    let ip = d.inspect_format("{{.NetworkSettings.IPAddress}}", "web");
    // And the embedded DNS of a user network.
    expect_success(d.docker(&["network", "create", "app"]));
    for name in ["peer", "client"] {
        expect_success(d.docker(&[
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "app",
            "busybox",
            "sleep",
            "300",
        ]));
    }
    expect_success(d.docker(&["exec", "client", "ping", "-c1", "-W3", "peer"]));
    d.restart();
    assert!(
        eventually(WAIT, || http_get(target).as_deref() == Some("kept\n")),
        "published port gone after the restart; log:\n{}",
        d.log()
    );
    assert_eq!(
        d.inspect_format("{{.NetworkSettings.IPAddress}}", "web"),
        ip
    );
    assert!(
        eventually(WAIT, || d
            .docker(&["exec", "client", "ping", "-c1", "-W3", "peer"])
            .status
            .success()),
        "no name resolution after the restart; log:\n{}",
        d.log()
    );
    // A container started after the restart gets a new address, not a kept one.
    expect_success(d.docker(&["run", "-d", "--name", "late", "busybox", "sleep", "300"]));
    assert_ne!(
        d.inspect_format("{{.NetworkSettings.IPAddress}}", "late"),
        ip
    );
}

#[test]
fn none_host_and_rm_leave_nothing_behind() {
    require_root!();
    let d = Daemon::with_busybox();
    let links = expect_success(d.docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "ip",
        "-o",
        "link",
    ]));
    let names: Vec<&str> = links
        .lines()
        .filter_map(|l| l.split(':').nth(1))
        .map(str::trim)
        .collect();
    assert_eq!(names, vec!["lo"], "{links}");
    let bridge = d.net.bridge();
    let links = expect_success(d.docker(&[
        "run",
        "--rm",
        "--network",
        "host",
        "busybox",
        "ip",
        "-o",
        "link",
    ]));
    assert!(links.contains(&bridge), "{links}");

    assert!(bridge_ports(&bridge).is_empty());
    expect_success(d.docker(&["run", "-d", "--name", "sl", "busybox", "sleep", "300"]));
    assert_eq!(
        bridge_ports(&bridge).len(),
        1,
        "the container's veth is on the bridge"
    );
    expect_success(d.docker(&["rm", "-f", "sl"]));
    assert!(
        eventually(WAIT, || bridge_ports(&bridge).is_empty()),
        "veth left: {:?}",
        bridge_ports(&bridge)
    );

    expect_success(d.docker(&["network", "create", "gone"]));
    let user_bridge = format!("br-{}", &d.inspect_format("{{.Id}}", "gone")[..12]);
    expect_success(d.docker(&["run", "-d", "--network", "gone", "busybox", "sleep", "300"]));
    let table = d.net.nft_table();
    drop(d);
    assert!(!link_exists(&bridge), "default bridge left");
    assert!(!link_exists(&user_bridge), "user bridge left");
    let tables = std::process::Command::new("nft")
        .args(["list", "tables"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(!tables.contains(&table), "{tables}");
}

#[test]
fn container_mode_shares_the_netns_and_iptables_false_makes_no_rules() {
    require_root!();
    let d = Daemon::start_with_args(&["--iptables=false"]);
    d.import_busybox();
    let port = free_loopback_port();
    let spec = format!("127.0.0.1:{port}:80");
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
        &httpd_serving(80, "noipt"),
    ]));
    let ip = d.inspect_format("{{.NetworkSettings.IPAddress}}", "web");
    let addr = expect_success(d.docker(&[
        "run",
        "--rm",
        "--network",
        "container:web",
        "busybox",
        "ip",
        "-4",
        "-o",
        "addr",
        "show",
        "eth0",
    ]));
    assert!(addr.contains(&format!("{ip}/24")), "{addr}");
    // Without nft rules the userland proxy still serves loopback.
    assert!(
        eventually(WAIT, || http_get(([127, 0, 0, 1], port).into()).as_deref()
            == Some("noipt\n")),
        "no answer on 127.0.0.1:{port}"
    );
    let tables = std::process::Command::new("nft")
        .args(["list", "tables"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(!tables.contains(&d.net.nft_table()), "{tables}");
}
