//! Embedded DNS for user-defined networks (Docker's 127.0.0.11).
//!
//! The server's sockets are created inside the container's netns (by a thread that setns'd) and then served on
//! the caller's runtime, whose threads stay in the host netns: so queries arrive from the container while
//! forwarded queries leave from the host, which reaches the host's resolvers (even a loopback one).

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hickory_proto::op::{Message, MessageType, Metadata, OpCode, ResponseCode};
use hickory_proto::rr::rdata::A;
use hickory_proto::rr::{DNSClass, RData, Record, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::{JoinHandle, JoinSet};

use crate::netlink::{connect, existing_link_index, set_up};
use crate::netns::run_async_in_netns;
use crate::NetworkError;

/// Docker's embedded DNS address inside every container on a user-defined network.
pub const DNS_ADDRESS: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 11);
/// TTL of the answers for container names (dockerd uses 600 s).
const TTL: u32 = 600;
/// How long one upstream gets to answer a forwarded query before the next is tried.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(3);
/// An idle TCP client is dropped after this long.
const TCP_IDLE_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_MESSAGE: usize = 65_535;

/// Resolves container names, aliases and short ids for the DNS server.
pub trait NameLookup: Send + Sync + 'static {
    /// Addresses of `name` (container name, network alias, short id) as seen from the container with `requester_id`.
    fn lookup(&self, requester_id: &str, name: &str) -> Vec<Ipv4Addr>;
}

/// How a query reached us; it leaves the same way, so a TCP client (retrying a truncated UDP answer) gets the
/// full answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    Udp,
    Tcp,
}

/// Sends a query elsewhere and returns the raw answer; a trait so the query logic is testable without sockets.
#[async_trait]
pub(crate) trait Forwarder: Send + Sync + 'static {
    async fn forward(&self, query: &[u8], transport: Transport) -> Option<Vec<u8>>;
}

/// Relays a query to each upstream server in turn until one answers.
pub(crate) struct UpstreamForwarder {
    upstream: Vec<SocketAddr>,
}

#[async_trait]
impl Forwarder for UpstreamForwarder {
    async fn forward(&self, query: &[u8], transport: Transport) -> Option<Vec<u8>> {
        for server in &self.upstream {
            let asked = match transport {
                Transport::Udp => ask_upstream_udp(*server, query).await,
                Transport::Tcp => ask_upstream_tcp(*server, query).await,
            };
            match asked {
                Ok(answer) => return Some(answer),
                Err(e) => tracing::debug!("dns upstream {server}: {e}"),
            }
        }
        None
    }
}

fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer")
}

async fn ask_upstream_udp(server: SocketAddr, query: &[u8]) -> std::io::Result<Vec<u8>> {
    let local: SocketAddr = match server {
        SocketAddr::V4(_) => SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)),
        SocketAddr::V6(_) => "[::]:0".parse().map_err(std::io::Error::other)?,
    };
    let socket = UdpSocket::bind(local).await?;
    socket.connect(server).await?;
    socket.send(query).await?;
    let mut buf = vec![0u8; MAX_MESSAGE];
    let exchange = async {
        loop {
            let n = socket.recv(&mut buf).await?;
            // Ignore stray datagrams: the answer carries the query's id.
            if n >= 2 && query.len() >= 2 && buf[..2] == query[..2] {
                return Ok(buf[..n].to_vec());
            }
        }
    };
    tokio::time::timeout(UPSTREAM_TIMEOUT, exchange)
        .await
        .map_err(|_| timed_out())?
}

async fn ask_upstream_tcp(server: SocketAddr, query: &[u8]) -> std::io::Result<Vec<u8>> {
    let exchange = async {
        let mut stream = TcpStream::connect(server).await?;
        write_framed(&mut stream, query).await?;
        read_framed(&mut stream).await
    };
    tokio::time::timeout(UPSTREAM_TIMEOUT, exchange)
        .await
        .map_err(|_| timed_out())?
}

/// DNS over TCP: each message is preceded by its length as a big-endian u16.
async fn write_framed(stream: &mut TcpStream, message: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(message.len()).map_err(|_| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, "DNS message too long")
    })?;
    let mut framed = Vec::with_capacity(message.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(message);
    stream.write_all(&framed).await
}

async fn read_framed(stream: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).await?;
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut message).await?;
    Ok(message)
}

/// What to do with one query.
#[derive(Debug, PartialEq)]
pub(crate) enum Decision {
    /// Answer with these bytes.
    Reply(Vec<u8>),
    /// Not ours: ask the upstream servers.
    Forward,
    /// Unparseable garbage without even an id: say nothing.
    Drop,
}

/// Answers queries for one container.
pub(crate) struct QueryHandler {
    requester_id: String,
    lookup: Arc<dyn NameLookup>,
    forwarder: Arc<dyn Forwarder>,
}

impl QueryHandler {
    /// Decides locally, without I/O.
    pub(crate) fn decide(&self, query: &[u8]) -> Decision {
        let request = match Message::from_vec(query) {
            Ok(m) => m,
            Err(_) if query.len() >= 2 => {
                let id = u16::from_be_bytes([query[0], query[1]]);
                return Decision::Reply(encode(Message::error_msg(
                    id,
                    OpCode::Query,
                    ResponseCode::FormErr,
                )));
            }
            Err(_) => return Decision::Drop,
        };
        let id = request.metadata.id;
        if request.metadata.message_type != MessageType::Query {
            return Decision::Drop;
        }
        if request.metadata.op_code != OpCode::Query {
            return Decision::Reply(encode(Message::error_msg(
                id,
                request.metadata.op_code,
                ResponseCode::NotImp,
            )));
        }
        let [question] = request.queries.as_slice() else {
            return Decision::Reply(encode(Message::error_msg(
                id,
                OpCode::Query,
                ResponseCode::FormErr,
            )));
        };
        if question.query_class() != DNSClass::IN {
            return Decision::Forward;
        }
        let name = question.name().to_utf8();
        let name = name.trim_end_matches('.');
        if name.is_empty() {
            return Decision::Forward;
        }
        let addresses = self.lookup.lookup(&self.requester_id, name);
        if addresses.is_empty() {
            return Decision::Forward;
        }
        let mut response = Message::new(id, MessageType::Response, OpCode::Query);
        response.metadata = Metadata::response_from_request(&request.metadata);
        response.metadata.recursion_available = true;
        response.add_query(question.clone());
        // A known name answers A only; any other type (AAAA above all) gets NOERROR with no records, so that
        // resolvers do not report the name as missing.
        if question.query_type() == RecordType::A {
            for ip in addresses {
                response.add_answer(Record::from_rdata(
                    question.name().clone(),
                    TTL,
                    RData::A(A(ip)),
                ));
            }
        }
        Decision::Reply(encode(response))
    }

    /// The answer to send back, or None to stay silent.
    pub(crate) async fn answer(&self, query: &[u8], transport: Transport) -> Option<Vec<u8>> {
        match self.decide(query) {
            Decision::Reply(bytes) => Some(bytes),
            Decision::Drop => None,
            Decision::Forward => match self.forwarder.forward(query, transport).await {
                Some(answer) => Some(answer),
                None => {
                    let id = query
                        .get(..2)
                        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
                    let mut failure = Message::error_msg(id, OpCode::Query, ResponseCode::ServFail);
                    if let Ok(request) = Message::from_vec(query) {
                        failure.metadata = Metadata::response_from_request(&request.metadata);
                        failure.metadata.response_code = ResponseCode::ServFail;
                        failure.metadata.recursion_available = true;
                        failure.queries = request.queries;
                    }
                    Some(encode(failure))
                }
            },
        }
    }
}

/// Serialises a message we built; our own messages always encode, the fallback is a bare SERVFAIL header.
fn encode(message: Message) -> Vec<u8> {
    let id = message.metadata.id;
    message.to_vec().unwrap_or_else(|_| {
        let mut header = vec![0u8; 12];
        header[..2].copy_from_slice(&id.to_be_bytes());
        header[2] = 0x80; // QR
        header[3] = 0x02; // SERVFAIL
        header
    })
}

/// A DNS server for 127.0.0.11:53 (UDP and TCP) inside one container's netns; stops on drop.
pub struct DnsServer {
    tasks: Vec<JoinHandle<()>>,
}

impl DnsServer {
    /// Serves UDP and TCP 127.0.0.11:53 inside the netns of `pid` (bringing `lo` up there if needed): the sockets
    /// are bound to ephemeral ports on 127.0.0.11 and an nft table `berth_dns` in that netns redirects port 53 to
    /// them, as dockerd does (direct bind of port 53 when `nft` fails). Names found by `lookup` answer A (AAAA and
    /// other types: NOERROR, no records); other names are forwarded to `upstream` (when the list is empty or nobody
    /// answers: SERVFAIL).
    pub async fn start(
        pid: i32,
        requester_id: String,
        lookup: Arc<dyn NameLookup>,
        upstream: Vec<SocketAddr>,
    ) -> Result<DnsServer, NetworkError> {
        let (udp, tcp) = run_async_in_netns(pid, || async {
            let handle = connect()?;
            let lo = existing_link_index(&handle, "lo").await?;
            // 127.0.0.11 is only bindable while lo is up.
            set_up(&handle, lo).await?;
            bind_dns_sockets()
        })
        .await?;
        let register = |e: std::io::Error| NetworkError::internal("register the DNS sockets", e);
        let udp = UdpSocket::from_std(udp).map_err(register)?;
        let tcp = TcpListener::from_std(tcp).map_err(register)?;
        let handler = Arc::new(QueryHandler {
            requester_id,
            lookup,
            forwarder: Arc::new(UpstreamForwarder { upstream }),
        });
        let tasks = vec![
            tokio::spawn(serve_udp(Arc::new(udp), handler.clone())),
            tokio::spawn(serve_tcp(tcp, handler)),
        ];
        Ok(DnsServer { tasks })
    }
}

/// Runs on the netns thread. Preferred: ephemeral ports on 127.0.0.11 plus an nft redirect from port 53, which
/// leaves port 53 free for the container's own programs. Without a working `nft`, port 53 is bound directly.
fn bind_dns_sockets() -> Result<(std::net::UdpSocket, std::net::TcpListener), NetworkError> {
    let bind = |port: u16| -> Result<(std::net::UdpSocket, std::net::TcpListener), NetworkError> {
        let address = SocketAddr::V4(SocketAddrV4::new(DNS_ADDRESS, port));
        let failed = |e: std::io::Error| {
            NetworkError::internal(&format!("bind {address} in the container"), e)
        };
        let udp = std::net::UdpSocket::bind(address).map_err(failed)?;
        let tcp = std::net::TcpListener::bind(address).map_err(failed)?;
        udp.set_nonblocking(true).map_err(failed)?;
        tcp.set_nonblocking(true).map_err(failed)?;
        Ok((udp, tcp))
    };
    let (udp, tcp) = bind(0)?;
    let port_of = |a: std::io::Result<SocketAddr>| a.map(|a| a.port()).unwrap_or(0);
    let (udp_port, tcp_port) = (port_of(udp.local_addr()), port_of(tcp.local_addr()));
    match crate::dns_redirect::install(udp_port, tcp_port) {
        Ok(()) => Ok((udp, tcp)),
        Err(e) => {
            tracing::warn!("DNS redirect in the container failed ({e}); binding port 53 directly");
            drop((udp, tcp));
            bind(53)
        }
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        // Each serving task owns a JoinSet of in-flight queries, aborted with it; the sockets close with them.
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn serve_udp(socket: Arc<UdpSocket>, handler: Arc<QueryHandler>) {
    let mut in_flight = JoinSet::new();
    let mut buf = vec![0u8; MAX_MESSAGE];
    loop {
        tokio::select! {
            received = socket.recv_from(&mut buf) => {
                let Ok((len, client)) = received else { continue };
                let query = buf[..len].to_vec();
                let (socket, handler) = (socket.clone(), handler.clone());
                // Forwarded queries wait on upstreams; answer each on its own task so one slow name blocks nothing.
                in_flight.spawn(async move {
                    if let Some(answer) = handler.answer(&query, Transport::Udp).await {
                        let _ = socket.send_to(&answer, client).await;
                    }
                });
            }
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
        }
    }
}

async fn serve_tcp(listener: TcpListener, handler: Arc<QueryHandler>) {
    let mut clients = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    clients.spawn(serve_tcp_client(stream, handler.clone()));
                }
            }
            Some(_) = clients.join_next(), if !clients.is_empty() => {}
        }
    }
}

async fn serve_tcp_client(mut stream: TcpStream, handler: Arc<QueryHandler>) {
    loop {
        let query = match tokio::time::timeout(TCP_IDLE_TIMEOUT, read_framed(&mut stream)).await {
            Ok(Ok(query)) => query,
            _ => return,
        };
        let Some(answer) = handler.answer(&query, Transport::Tcp).await else {
            return;
        };
        if write_framed(&mut stream, &answer).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::Query;
    use hickory_proto::rr::Name;
    use std::sync::Mutex;

    struct Table;
    impl NameLookup for Table {
        fn lookup(&self, requester_id: &str, name: &str) -> Vec<Ipv4Addr> {
            match (requester_id, name) {
                ("c1", "web") => vec![Ipv4Addr::new(10, 5, 0, 7)],
                ("c1", "db") => vec![Ipv4Addr::new(10, 5, 0, 8), Ipv4Addr::new(10, 6, 0, 8)],
                _ => Vec::new(),
            }
        }
    }

    /// Records what was forwarded and answers with a canned reply (or nothing).
    struct FakeUpstream {
        answer: Option<Vec<u8>>,
        seen: Mutex<Vec<Vec<u8>>>,
    }
    #[async_trait]
    impl Forwarder for FakeUpstream {
        async fn forward(&self, query: &[u8], _transport: Transport) -> Option<Vec<u8>> {
            self.seen.lock().unwrap().push(query.to_vec());
            self.answer.clone()
        }
    }

    fn handler(requester: &str, answer: Option<Vec<u8>>) -> (QueryHandler, Arc<FakeUpstream>) {
        let upstream = Arc::new(FakeUpstream {
            answer,
            seen: Mutex::default(),
        });
        let h = QueryHandler {
            requester_id: requester.into(),
            lookup: Arc::new(Table),
            forwarder: upstream.clone(),
        };
        (h, upstream)
    }

    fn query(name: &str, kind: RecordType) -> Vec<u8> {
        let mut m = Message::new(0x1234, MessageType::Query, OpCode::Query);
        m.metadata.recursion_desired = true;
        m.add_query(Query::query(Name::from_ascii(name).unwrap(), kind));
        m.to_vec().unwrap()
    }

    fn reply(bytes: Vec<u8>) -> Message {
        Message::from_vec(&bytes).unwrap()
    }

    #[tokio::test]
    async fn known_name_answers_a_records() {
        let (h, upstream) = handler("c1", None);
        let m = reply(
            h.answer(&query("db.", RecordType::A), Transport::Udp)
                .await
                .unwrap(),
        );
        assert_eq!(m.metadata.id, 0x1234);
        assert_eq!(m.metadata.message_type, MessageType::Response);
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        assert!(m.metadata.recursion_desired);
        let ips: Vec<_> = m.answers.iter().map(|r| r.data.clone()).collect();
        assert_eq!(
            ips,
            vec![
                RData::A(A(Ipv4Addr::new(10, 5, 0, 8))),
                RData::A(A(Ipv4Addr::new(10, 6, 0, 8)))
            ]
        );
        assert_eq!(m.answers[0].ttl, TTL);
        assert!(upstream.seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn known_name_aaaa_is_noerror_without_records() {
        let (h, upstream) = handler("c1", None);
        let m = reply(
            h.answer(&query("web", RecordType::AAAA), Transport::Udp)
                .await
                .unwrap(),
        );
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        assert!(m.answers.is_empty());
        assert_eq!(m.queries.len(), 1);
        assert!(upstream.seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn unknown_name_is_forwarded_verbatim() {
        let canned = encode(Message::error_msg(
            0x1234,
            OpCode::Query,
            ResponseCode::NXDomain,
        ));
        let (h, upstream) = handler("c1", Some(canned.clone()));
        let q = query("example.org.", RecordType::A);
        assert_eq!(h.decide(&q), Decision::Forward);
        assert_eq!(h.answer(&q, Transport::Udp).await.unwrap(), canned);
        assert_eq!(upstream.seen.lock().unwrap().as_slice(), [q]);
    }

    #[tokio::test]
    async fn names_are_per_requester() {
        let (h, _) = handler("c2", None);
        assert_eq!(h.decide(&query("web", RecordType::A)), Decision::Forward);
    }

    #[tokio::test]
    async fn no_upstream_answer_means_servfail() {
        let (h, _) = handler("c1", None);
        let m = reply(
            h.answer(&query("nope.", RecordType::A), Transport::Udp)
                .await
                .unwrap(),
        );
        assert_eq!(m.metadata.response_code, ResponseCode::ServFail);
        assert_eq!(m.metadata.id, 0x1234);
        assert!(m.answers.is_empty());
    }

    #[tokio::test]
    async fn garbage_gets_formerr_or_silence() {
        let (h, _) = handler("c1", None);
        let m = reply(h.answer(&[0xab, 0xcd, 0xff], Transport::Udp).await.unwrap());
        assert_eq!(m.metadata.id, 0xabcd);
        assert_eq!(m.metadata.response_code, ResponseCode::FormErr);
        assert_eq!(h.answer(&[0x01], Transport::Tcp).await, None);
    }

    #[tokio::test]
    async fn tcp_clients_get_length_framed_answers() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (h, _) = handler("c1", None);
        let server = tokio::spawn(serve_tcp(listener, Arc::new(h)));
        let mut stream = TcpStream::connect(addr).await.unwrap();
        // Two queries on one connection, as resolvers do.
        for _ in 0..2 {
            let q = query("web.", RecordType::A);
            let mut framed = u16::try_from(q.len()).unwrap().to_be_bytes().to_vec();
            framed.extend_from_slice(&q);
            stream.write_all(&framed).await.unwrap();
            let mut len = [0u8; 2];
            stream.read_exact(&mut len).await.unwrap();
            let mut answer = vec![0u8; usize::from(u16::from_be_bytes(len))];
            stream.read_exact(&mut answer).await.unwrap();
            let m = reply(answer);
            assert_eq!(m.answers.len(), 1);
            assert_eq!(m.answers[0].data, RData::A(A(Ipv4Addr::new(10, 5, 0, 7))));
        }
        server.abort();
    }

    #[tokio::test]
    async fn forwarder_relays_over_udp_to_a_loopback_upstream_and_skips_dead_ones() {
        let fake = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let fake_addr = fake.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 512];
            while let Ok((n, from)) = fake.recv_from(&mut buf).await {
                let mut answer = buf[..n].to_vec();
                answer[2] |= 0x80;
                let _ = fake.send_to(&answer, from).await;
            }
        });
        // A dead upstream first: a bound socket that never answers (times out), then the live one.
        let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let forwarder = UpstreamForwarder {
            upstream: vec![dead.local_addr().unwrap(), fake_addr],
        };
        let q = query("example.org.", RecordType::A);
        let answer = forwarder
            .forward(&q, Transport::Udp)
            .await
            .expect("an answer");
        assert_eq!(answer[..2], q[..2]);
        assert_eq!(answer[2] & 0x80, 0x80);
        let nobody = UpstreamForwarder {
            upstream: Vec::new(),
        };
        assert!(nobody.forward(&q, Transport::Udp).await.is_none());
    }

    #[tokio::test]
    async fn forwarder_relays_tcp_queries_over_tcp() {
        let fake = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let fake_addr = fake.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = fake.accept().await {
                if let Ok(mut q) = read_framed(&mut s).await {
                    q[2] |= 0x80;
                    let _ = write_framed(&mut s, &q).await;
                }
            }
        });
        let forwarder = UpstreamForwarder {
            upstream: vec![fake_addr],
        };
        let q = query("example.org.", RecordType::A);
        let answer = forwarder
            .forward(&q, Transport::Tcp)
            .await
            .expect("an answer");
        assert_eq!(answer[..2], q[..2]);
        assert_eq!(answer[2] & 0x80, 0x80);
        // Nothing listens on UDP there: the UDP path does not get this answer.
        assert!(forwarder.forward(&q, Transport::Udp).await.is_none());
    }
}
