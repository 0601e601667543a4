//! The core network flows through our `berth` CLI: `network create/ls/inspect/connect/
//! disconnect/rm/prune`, `run --network --network-alias --ip -p -P`, `port`, name resolution
//! on a user network, and the conflict of a second container on a taken host port.

use std::net::TcpListener;
use std::time::Duration;

use test_support::net_probe::{http_get, httpd_serving};
use test_support::{eventually, expect_failure, expect_success, require_root, Daemon};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn berth_network_commands_and_name_resolution() {
    require_root!();
    let d = Daemon::with_busybox();
    let subnet = d.net.test_subnet(1);
    let prefix = subnet.trim_end_matches(".0/24").to_string();
    let id = expect_success(d.berth(&[
        "network", "create", "--subnet", &subnet, "--label", "k=v", "app",
    ]));
    assert_eq!(id.trim().len(), 64);
    assert_eq!(
        expect_success(d.berth(&["network", "ls", "--format", "{{.Name}} {{.Driver}}"])),
        "app bridge\nbridge bridge\nhost host\nnone null\n"
    );
    let table = expect_success(d.berth(&["network", "ls", "--filter", "label=k=v"]));
    assert_eq!(
        table,
        format!(
            "NETWORK ID     NAME      DRIVER    SCOPE\n{}   app       bridge    local\n",
            &id[..12]
        )
    );
    let config = expect_success(d.berth(&[
        "network",
        "inspect",
        "-f",
        "{{.Name}} {{json .IPAM.Config}}",
        "app",
    ]));
    assert!(
        config.starts_with("app [") && config.contains(&format!("\"Subnet\":\"{subnet}\"")),
        "{config}"
    );

    let ip = format!("{prefix}.50");
    expect_success(d.berth(&[
        "run",
        "-d",
        "--name",
        "web",
        "--network",
        "app",
        "--ip",
        &ip,
        "--network-alias",
        "www",
        "busybox",
        "sh",
        "-c",
        &httpd_serving(8080, "berth"),
    ]));
    assert_eq!(
        expect_success(d.berth(&[
            "inspect",
            "-f",
            "{{.NetworkSettings.Networks.app.IPAddress}}",
            "web"
        ])),
        format!("{ip}\n")
    );
    expect_success(d.berth(&[
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
    for name in ["web", "www"] {
        let cmd = format!("printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 5 {name} 8080");
        let mut last = String::new();
        assert!(
            eventually(WAIT, || {
                let out = d.berth(&["exec", "client", "sh", "-c", &cmd]);
                last = String::from_utf8_lossy(&out.stdout).into_owned();
                out.status.success() && last.ends_with("\r\n\r\nberth\n")
            }),
            "{name}: {last}"
        );
    }
    // The same static address twice is refused.
    let err = expect_failure(d.berth(&[
        "run",
        "-d",
        "--name",
        "dup",
        "--network",
        "app",
        "--ip",
        &ip,
        "busybox",
        "sleep",
        "300",
    ]));
    assert!(err.contains("Address already in use"), "{err}");

    expect_success(d.berth(&["network", "create", "side"]));
    expect_success(d.berth(&["network", "connect", "--alias", "c2", "side", "client"]));
    let links = expect_success(d.berth(&["exec", "client", "ip", "-o", "link"]));
    assert!(links.contains("eth1"), "{links}");
    expect_success(d.berth(&["network", "disconnect", "side", "client"]));
    let err = expect_failure(d.berth(&["network", "rm", "app"]));
    assert!(err.contains("has active endpoints"), "{err}");
    expect_success(d.berth(&["rm", "-f", "web", "client", "dup"]));
    assert_eq!(expect_success(d.berth(&["network", "rm", "app"])), "app\n");
    assert_eq!(expect_success(d.berth(&["network", "rm", "-f", "app"])), "");
    let err = expect_failure(d.berth(&["network", "rm", "app"]));
    assert!(err.contains("network app not found"), "{err}");
    assert_eq!(
        expect_success(d.berth(&["network", "prune", "-f"])),
        "Deleted Networks:\nside\n\n"
    );
}

#[test]
fn berth_run_publishes_ports() {
    require_root!();
    let d = Daemon::with_busybox();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = format!("127.0.0.1:{port}:80");
    expect_success(d.berth(&[
        "run",
        "-d",
        "--name",
        "web",
        "-p",
        &spec,
        "busybox",
        "sh",
        "-c",
        &httpd_serving(80, "pub"),
    ]));
    assert!(
        eventually(WAIT, || http_get(([127, 0, 0, 1], port).into()).as_deref()
            == Some("pub\n")),
        "no answer on port {port}"
    );
    assert_eq!(
        expect_success(d.berth(&["port", "web"])),
        format!("80/tcp -> 127.0.0.1:{port}\n")
    );
    assert_eq!(
        expect_success(d.berth(&["ps", "--format", "{{.Names}} {{.Ports}}"])),
        format!("web 127.0.0.1:{port}->80/tcp\n")
    );
    let err = expect_failure(d.berth(&[
        "run", "-d", "--name", "second", "-p", &spec, "busybox", "sleep", "300",
    ]));
    assert!(
        err.contains(&format!(
            "Bind for 127.0.0.1:{port} failed: port is already allocated"
        )),
        "{err}"
    );
    // -P publishes every exposed port on a random host port.
    expect_success(d.berth(&[
        "run",
        "-d",
        "--name",
        "all",
        "--expose",
        "80",
        "-P",
        "busybox",
        "sh",
        "-c",
        &httpd_serving(80, "all"),
    ]));
    let mapped = expect_success(d.berth(&["port", "all", "80/tcp"]));
    let host_port: u16 = mapped
        .lines()
        .next()
        .and_then(|l| l.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{mapped}"));
    assert!(
        eventually(WAIT, || http_get(([127, 0, 0, 1], host_port).into())
            .as_deref()
            == Some("all\n")),
        "no answer on port {host_port}"
    );
}
