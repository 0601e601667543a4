//! Probes the network e2e tests share: a busybox web server command, a plain HTTP GET, a free
//! loopback port, and whether a Linux link exists.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

/// A shell command serving `body` as /index.html on `port` with busybox httpd (foreground).
pub fn httpd_serving(port: u16, body: &str) -> String {
    format!("mkdir -p /www && echo {body} > /www/index.html && exec httpd -f -p {port} -h /www")
}

/// `GET /index.html` over plain TCP; the body when the answer is a 200.
pub fn http_get(addr: SocketAddr) -> Option<String> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(3)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n")
        .ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).ok()?;
    if !buf.starts_with("HTTP/1.") || !buf.contains(" 200 ") {
        return None;
    }
    buf.split("\r\n\r\n").nth(1).map(str::to_string)
}

/// A loopback TCP port that was free a moment ago.
pub fn free_loopback_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Whether a network interface of that name exists in the host's netns.
pub fn link_exists(name: &str) -> bool {
    Path::new("/sys/class/net").join(name).exists()
}
