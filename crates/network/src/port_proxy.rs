//! Userland proxy (like docker-proxy): loopback and host-local clients reach published ports through it, since
//! the kernel's DNAT does not apply to packets addressed to 127.0.0.1 without route_localnet.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::{JoinHandle, JoinSet};

use crate::{NetworkError, PortMapping, Protocol};

/// A UDP flow without traffic for this long is forgotten (dockerd's proxy uses 90 s as well).
const UDP_IDLE_TIMEOUT: Duration = Duration::from_secs(90);
const UDP_BUFFER: usize = 65_535;

/// A running proxy for one port mapping; aborts its tasks (listener and every connection) on drop.
pub struct PortProxy {
    task: JoinHandle<()>,
    local: SocketAddr,
}

impl PortProxy {
    /// Binds host_ip:host_port (TCP listener or UDP socket) and forwards each connection/datagram flow to
    /// container_ip:container_port. Bind errors come back as [`NetworkError::PortInUse`] with Docker's wording.
    pub async fn start(m: &PortMapping) -> Result<PortProxy, NetworkError> {
        let bind = SocketAddr::V4(SocketAddrV4::new(m.host_ip_or_any(), m.host_port));
        let target = SocketAddr::V4(SocketAddrV4::new(m.container_ip, m.container_port));
        let in_use = |e: io::Error| bind_error(m, e);
        let (task, local) = match m.protocol {
            Protocol::Tcp => {
                let listener = TcpListener::bind(bind).await.map_err(in_use)?;
                let local = listener.local_addr().map_err(in_use)?;
                (tokio::spawn(serve_tcp(listener, target)), local)
            }
            Protocol::Udp => {
                let socket = UdpSocket::bind(bind).await.map_err(in_use)?;
                let local = socket.local_addr().map_err(in_use)?;
                (tokio::spawn(serve_udp(Arc::new(socket), target)), local)
            }
        };
        Ok(PortProxy { task, local })
    }

    /// The address the proxy listens on (useful when host_port was 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

impl Drop for PortProxy {
    fn drop(&mut self) {
        // Aborting the serving task drops its JoinSet, which aborts every connection/flow task.
        self.task.abort();
    }
}

fn bind_error(m: &PortMapping, e: io::Error) -> NetworkError {
    let host = format!("{}:{}", m.host_ip_or_any(), m.host_port);
    if e.kind() == io::ErrorKind::AddrInUse {
        NetworkError::PortInUse(format!("Bind for {host} failed: port is already allocated"))
    } else {
        NetworkError::PortInUse(format!("Bind for {host} failed: {e}"))
    }
}

async fn serve_tcp(listener: TcpListener, target: SocketAddr) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((client, _)) => {
                    connections.spawn(relay_tcp(client, target));
                }
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning; the listener stays usable.
                    tracing::warn!("port proxy accept on {:?}: {e}", listener.local_addr());
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn relay_tcp(mut client: TcpStream, target: SocketAddr) {
    let mut upstream = match TcpStream::connect(target).await {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!("port proxy connect to {target}: {e}");
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    if let Err(e) = tokio::io::copy_bidirectional(&mut client, &mut upstream).await {
        tracing::debug!("port proxy relay to {target}: {e}");
    }
}

/// One flow per client address: its own socket connected to the container, so replies are matched to clients.
async fn serve_udp(socket: Arc<UdpSocket>, target: SocketAddr) {
    let flows: Arc<Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>> = Arc::default();
    let mut tasks = JoinSet::new();
    let mut buf = vec![0u8; UDP_BUFFER];
    loop {
        tokio::select! {
            received = socket.recv_from(&mut buf) => {
                let (len, client) = match received {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::debug!("port proxy udp recv: {e}");
                        continue;
                    }
                };
                let existing = flows.lock().ok().and_then(|f| f.get(&client).cloned());
                let flow = match existing {
                    Some(flow) => flow,
                    None => match open_flow(target).await {
                        Ok(flow) => {
                            let flow = Arc::new(flow);
                            if let Ok(mut f) = flows.lock() {
                                f.insert(client, flow.clone());
                            }
                            tasks.spawn(relay_udp_replies(socket.clone(), flow.clone(), client, flows.clone()));
                            flow
                        }
                        Err(e) => {
                            tracing::debug!("port proxy udp flow to {target}: {e}");
                            continue;
                        }
                    },
                };
                if let Err(e) = flow.send(&buf[..len]).await {
                    tracing::debug!("port proxy udp send to {target}: {e}");
                }
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
}

async fn open_flow(target: SocketAddr) -> io::Result<UdpSocket> {
    let flow = UdpSocket::bind(SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))).await?;
    flow.connect(target).await?;
    Ok(flow)
}

async fn relay_udp_replies(
    socket: Arc<UdpSocket>,
    flow: Arc<UdpSocket>,
    client: SocketAddr,
    flows: Arc<Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>>,
) {
    let mut buf = vec![0u8; UDP_BUFFER];
    loop {
        match tokio::time::timeout(UDP_IDLE_TIMEOUT, flow.recv(&mut buf)).await {
            Ok(Ok(len)) => {
                let _ = socket.send_to(&buf[..len], client).await;
            }
            // ICMP port unreachable from the container shows up as ECONNREFUSED: keep the flow.
            Ok(Err(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {}
            Ok(Err(_)) | Err(_) => break,
        }
    }
    if let Ok(mut f) = flows.lock() {
        f.remove(&client);
    }
}

/// A free host port for `-p 80` / `-P`: the kernel picks one from its ephemeral range (32768–60999 by default,
/// the same range dockerd uses) on `host_ip` for `protocol`.
pub fn allocate_host_port(
    protocol: &Protocol,
    host_ip: Option<Ipv4Addr>,
) -> Result<u16, NetworkError> {
    let bind = SocketAddr::V4(SocketAddrV4::new(
        host_ip.unwrap_or(Ipv4Addr::UNSPECIFIED),
        0,
    ));
    let port = match protocol {
        Protocol::Tcp => std::net::TcpListener::bind(bind).and_then(|l| l.local_addr()),
        Protocol::Udp => std::net::UdpSocket::bind(bind).and_then(|s| s.local_addr()),
    }
    .map_err(|e| NetworkError::PortInUse(format!("failed to allocate a host port on {bind}: {e}")))?
    .port();
    Ok(port)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn mapping(protocol: Protocol, host_port: u16, container_port: u16) -> PortMapping {
        PortMapping {
            protocol,
            host_ip: Some(Ipv4Addr::LOCALHOST),
            host_port,
            container_ip: Ipv4Addr::LOCALHOST,
            container_port,
        }
    }

    #[tokio::test]
    async fn tcp_bytes_go_through_and_a_second_bind_is_refused() {
        let echo = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let echo_port = echo.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = echo.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = s.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        let port = allocate_host_port(&Protocol::Tcp, Some(Ipv4Addr::LOCALHOST)).unwrap();
        let m = mapping(Protocol::Tcp, port, echo_port);
        let proxy = PortProxy::start(&m).await.unwrap();
        assert_eq!(proxy.local_addr().port(), port);

        let mut client = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        client.write_all(b"hello").await.unwrap();
        let mut got = [0u8; 5];
        client.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"hello");

        let err = PortProxy::start(&m)
            .await
            .err()
            .expect("second bind must fail");
        assert_eq!(
            err.to_string(),
            format!("Bind for 127.0.0.1:{port} failed: port is already allocated")
        );
        assert_eq!(errdefs::HasKind::kind(&err), errdefs::ErrorKind::Conflict);

        drop(proxy);
        // Once dropped, the port can be bound again (the listener task is aborted and its socket closed).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            match PortProxy::start(&m).await {
                Ok(_) => break,
                Err(e) => assert!(
                    tokio::time::Instant::now() < deadline,
                    "port never freed: {e}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn udp_datagrams_are_relayed_per_client() {
        let echo = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let echo_port = echo.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            while let Ok((n, from)) = echo.recv_from(&mut buf).await {
                let mut reply = b"re:".to_vec();
                reply.extend_from_slice(&buf[..n]);
                let _ = echo.send_to(&reply, from).await;
            }
        });
        let port = allocate_host_port(&Protocol::Udp, Some(Ipv4Addr::LOCALHOST)).unwrap();
        let _proxy = PortProxy::start(&mapping(Protocol::Udp, port, echo_port))
            .await
            .unwrap();

        for word in ["one", "two"] {
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            client.connect(("127.0.0.1", port)).await.unwrap();
            // UDP may drop a datagram; resend until the answer arrives (deadline 20 s).
            let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
            let mut buf = [0u8; 64];
            let n = loop {
                client.send(word.as_bytes()).await.unwrap();
                if let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(500), client.recv(&mut buf)).await
                {
                    break n;
                }
                assert!(tokio::time::Instant::now() < deadline, "no UDP answer");
            };
            assert_eq!(&buf[..n], format!("re:{word}").as_bytes());
        }
    }
}
