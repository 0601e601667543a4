//! Shared helpers for the root-only integration tests: unique names, a process in its own netns, cleanup guards.
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use network::{connect_endpoint, ensure_bridge, random_mac, BridgeSpec, EndpointSpec, Ipv4Net};

/// True when the tests can create links and namespaces; otherwise they print a note and pass vacuously is NOT
/// acceptable, so they fail loudly instead.
pub fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "these integration tests need root (CAP_NET_ADMIN)"
    );
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A short suffix unique per test process and call: pid-based plus a counter.
pub fn suffix() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("{:x}{n:x}", std::process::id() % 0xffff)
}

/// A /24 in 10.250.X.0 from the pid and a per-test offset, so parallel test binaries rarely collide.
pub fn subnet(offset: u8) -> Ipv4Net {
    let x = ((std::process::id() as u8).wrapping_mul(7)).wrapping_add(offset.wrapping_mul(37));
    Ipv4Net::new(Ipv4Addr::new(10, 250, x, 0), 24).expect("valid /24")
}

pub fn host(net: &Ipv4Net, n: u8) -> Ipv4Addr {
    let o = net.network().octets();
    Ipv4Addr::new(o[0], o[1], o[2], n)
}

/// `busybox sleep` in a fresh network namespace; killed and reaped on drop.
pub struct Sleeper {
    child: Child,
}

impl Sleeper {
    pub fn start() -> Sleeper {
        let child = Command::new("unshare")
            .args(["--net", "busybox", "sleep", "120"])
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn unshare");
        let sleeper = Sleeper { child };
        // unshare execs busybox in the same process: wait until the netns differs from ours.
        let own = std::fs::read_link("/proc/self/ns/net").expect("own netns");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let theirs = std::fs::read_link(format!("/proc/{}/ns/net", sleeper.pid()));
            if let Ok(theirs) = theirs {
                let exe =
                    std::fs::read_link(format!("/proc/{}/exe", sleeper.pid())).unwrap_or_default();
                if theirs != own && exe.to_string_lossy().contains("busybox") {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "sleeper never entered its netns");
            std::thread::sleep(Duration::from_millis(20));
        }
        sleeper
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Runs a command inside the sleeper's netns.
    pub fn nsenter(&self, args: &[&str]) -> std::process::Output {
        let pid = self.pid().to_string();
        Command::new("nsenter")
            .args(["-t", &pid, "-n"])
            .args(args)
            .output()
            .expect("run nsenter")
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes a link when dropped (best effort, also on panic).
pub struct LinkGuard(pub String);

impl Drop for LinkGuard {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["link", "del", &self.0])
            .stderr(Stdio::null())
            .status();
    }
}

/// Deletes an nft table when dropped.
pub struct TableGuard(pub String);

impl Drop for TableGuard {
    fn drop(&mut self) {
        let _ = Command::new("nft")
            .args(["delete", "table", "ip", &self.0])
            .stderr(Stdio::null())
            .status();
    }
}

pub fn run(cmd: &str, args: &[&str]) -> std::process::Output {
    Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("run {cmd}: {e}"))
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A bridge with one sleeper attached at .2; everything is removed on drop.
pub struct Wired {
    pub sleeper: Sleeper,
    pub container_ip: Ipv4Addr,
    pub gateway: Ipv4Addr,
    pub bridge: String,
    pub subnet: Ipv4Net,
    _veth: LinkGuard,
    _bridge: LinkGuard,
}

pub async fn wired(offset: u8) -> Wired {
    let sfx = suffix();
    let bridge = format!("bnt{sfx}");
    let bridge_guard = LinkGuard(bridge.clone());
    let host_ifname = format!("vnt{sfx}");
    let veth_guard = LinkGuard(host_ifname.clone());
    let net = subnet(offset);
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
        host_ifname,
        container_ifname: "eth0".into(),
        address: Ipv4Net::new(container_ip, 24).unwrap(),
        gateway: Some(gateway),
        mac: random_mac(container_ip),
        mtu: None,
    };
    connect_endpoint(sleeper.pid(), &spec)
        .await
        .expect("connect_endpoint");
    Wired {
        sleeper,
        container_ip,
        gateway,
        bridge,
        subnet: net,
        _veth: veth_guard,
        _bridge: bridge_guard,
    }
}

/// A process started inside the sleeper's netns, killed on drop.
pub struct InNetns(pub Child);

impl Drop for InNetns {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Wired {
    /// A busybox TCP echo server on `port` inside the netns (persistent: `nc -ll`).
    pub fn echo_server(&self, port: u16) -> InNetns {
        let pid = self.sleeper.pid().to_string();
        let port = port.to_string();
        InNetns(
            Command::new("nsenter")
                .args([
                    "-t", &pid, "-n", "busybox", "nc", "-ll", "-p", &port, "-e", "cat",
                ])
                .stdin(Stdio::null())
                .spawn()
                .expect("start nc"),
        )
    }
}

/// Connects to `addr`, sends a line and expects it back; retried until a 20 s deadline (the server may still be
/// starting). Err with the last failure when it never worked.
pub async fn echo_roundtrip(addr: std::net::SocketAddr) -> Result<(), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attempt = async {
            let mut s = tokio::net::TcpStream::connect(addr).await?;
            s.write_all(b"ping through\n").await?;
            let mut got = vec![0u8; 13];
            tokio::time::timeout(Duration::from_secs(2), s.read_exact(&mut got)).await??;
            Ok::<_, Box<dyn std::error::Error>>(got)
        };
        match attempt.await {
            Ok(got) if got == b"ping through\n" => return Ok(()),
            Ok(got) => return Err(format!("wrong echo {got:?}")),
            Err(e) if Instant::now() >= deadline => return Err(e.to_string()),
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}
