//! `docker import <URL>` and `berth import <URL>`: the daemon downloads a rootfs tar from a tiny
//! HTTP server on 127.0.0.1 (gzip and plain, a redirect, a 404, a connection dropped halfway)
//! and imports it; failures leave no image and no layer behind.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use test_support::{
    busybox_rootfs_tar, expect_success, require_root, stderr, write_scratch, Daemon,
};

/// What the file server answers for one path.
#[derive(Clone)]
enum Reply {
    /// 200 with the whole body.
    Body(Arc<Vec<u8>>),
    /// 200 announcing the whole body's length, then half of it, then the connection closes.
    Truncated(Arc<Vec<u8>>),
    /// 302 to another path of this server.
    Redirect(&'static str),
}

/// An HTTP/1.1 file server on 127.0.0.1:0 (one connection at a time, each closed after its
/// answer). Unknown paths get Go's `404 page not found`. Stopped and joined on drop.
struct FileServer {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FileServer {
    fn start(routes: Vec<(&'static str, Reply)>) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind file server");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    serve_one(conn, &routes);
                }
            }
        });
        FileServer {
            port,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_one(mut conn: TcpStream, routes: &[(&'static str, Reply)]) {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&request).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let reply = routes.iter().find(|(p, _)| *p == path).map(|(_, r)| r);
    let _ = match reply {
        Some(Reply::Body(body)) => write_ok(&mut conn, body, body.len()),
        Some(Reply::Truncated(body)) => write_ok(&mut conn, body, body.len() / 2),
        Some(Reply::Redirect(to)) => conn.write_all(
            format!(
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        ),
        None => conn.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 19\r\nConnection: close\r\n\r\n404 page not found\n",
        ),
    };
    let _ = conn.shutdown(Shutdown::Both);
}

/// Announces the whole body, sends `send` bytes of it.
fn write_ok(conn: &mut TcpStream, body: &[u8], send: usize) -> std::io::Result<()> {
    conn.write_all(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )?;
    conn.write_all(&body[..send])
}

/// The busybox rootfs tar, gzip-compressed by the host's gzip.
fn gzipped_rootfs(d: &Daemon) -> Vec<u8> {
    let tar = write_scratch(d, "rootfs.tar", busybox_rootfs_tar());
    let out = Command::new("gzip")
        .arg("-c")
        .arg(&tar)
        .output()
        .expect("run gzip");
    assert!(out.status.success(), "gzip failed");
    out.stdout
}

fn image_ids(d: &Daemon) -> Vec<String> {
    expect_success(d.docker(&["images", "-a", "-q", "--no-trunc"]))
        .lines()
        .map(str::to_string)
        .collect()
}

/// Entries of `<data-root>/layers` (committed layers and leftovers of a failed unpack alike).
fn layer_entries(d: &Daemon) -> Vec<String> {
    match std::fs::read_dir(d.data_root.join("layers")) {
        Ok(dir) => dir
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("")
}

#[test]
fn docker_and_berth_import_from_a_url() {
    require_root!();
    let d = Daemon::start();
    let gz = Arc::new(gzipped_rootfs(&d));
    let server = FileServer::start(vec![("/rootfs.tar.gz", Reply::Body(gz))]);
    let url = server.url("/rootfs.tar.gz");

    let out = expect_success(d.docker(&["import", &url, "imp:url"]));
    let id = last_line(&out).to_string();
    assert!(
        id.starts_with("sha256:") && id.len() == 71,
        "docker import printed {out:?}"
    );
    assert_eq!(
        out.lines().next(),
        Some(format!("Downloading from {url}").as_str()),
        "{out}"
    );
    assert_eq!(
        expect_success(d.docker(&[
            "run",
            "--rm",
            "--pull",
            "never",
            "imp:url",
            "/bin/busybox",
            "echo",
            "ok"
        ])),
        "ok\n"
    );
    assert_eq!(
        expect_success(d.docker(&[
            "image",
            "inspect",
            "-f",
            "{{.Id}} {{.Comment}} {{len .RootFS.Layers}}",
            "imp:url"
        ]))
        .trim(),
        format!("{id} Imported from {url} 1")
    );
    let events = d.past_events(&["type=image", "event=import"], "{{.Action}} {{.Actor.ID}}");
    assert!(events.contains(&format!("import {id}")), "{events}");

    // berth: the same download, with a message and a change.
    let out = expect_success(d.berth(&[
        "import",
        "-m",
        "from berth",
        "-c",
        r#"CMD ["/bin/busybox","echo","changed"]"#,
        &url,
        "imp:berth",
    ]));
    let berth_id = last_line(&out).to_string();
    assert!(
        berth_id.starts_with("sha256:"),
        "berth import printed {out:?}"
    );
    assert_eq!(
        expect_success(d.docker(&[
            "image",
            "inspect",
            "-f",
            "{{.Id}} {{.Comment}}",
            "imp:berth"
        ]))
        .trim(),
        format!("{berth_id} from berth")
    );
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "--pull", "never", "imp:berth"])),
        "changed\n"
    );
}

#[test]
fn api_import_of_a_bare_host_and_a_redirect() {
    require_root!();
    let d = Daemon::start();
    let tar = Arc::new(busybox_rootfs_tar().to_vec());
    let server = FileServer::start(vec![
        ("/rootfs.tar", Reply::Body(tar)),
        ("/moved", Reply::Redirect("/rootfs.tar")),
    ]);

    // No scheme: dockerd prefixes http://; the stream carries the progress and the id.
    let bare = format!("127.0.0.1:{}/moved", server.port);
    let resp = d
        .request(
            "POST",
            &format!("/v1.41/images/create?fromSrc={bare}&repo=bare&tag=v1"),
            None,
        )
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    let messages: Vec<serde_json::Value> = resp
        .text()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(
        messages[0]["status"],
        format!("Downloading from http://{bare}"),
        "{messages:?}"
    );
    let importing: Vec<_> = messages
        .iter()
        .filter(|m| m["status"] == "Importing")
        .collect();
    let total = busybox_rootfs_tar().len() as u64;
    let last = importing.last().expect("Importing progress");
    assert_eq!(last["progressDetail"]["current"], total, "{last}");
    assert_eq!(last["progressDetail"]["total"], total, "{last}");
    assert!(last.get("id").is_none(), "{last}");
    let id = messages.last().unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(id.starts_with("sha256:"), "{messages:?}");
    assert_eq!(
        expect_success(d.docker(&["image", "inspect", "-f", "{{.Id}} {{.Comment}}", "bare:v1"]))
            .trim(),
        format!("{id} Imported from {bare}")
    );

    // A scheme the daemon cannot fetch is refused before the stream starts.
    let resp = d
        .request(
            "POST",
            "/v1.41/images/create?fromSrc=ftp://127.0.0.1/x",
            None,
        )
        .unwrap();
    assert_eq!(resp.status, 500, "{}", resp.text());
    assert_eq!(
        resp.json()["message"],
        "Get \"ftp://127.0.0.1/x\": unsupported protocol scheme \"ftp\""
    );
}

#[test]
fn failed_downloads_leave_nothing() {
    require_root!();
    let d = Daemon::start();
    let gz = Arc::new(gzipped_rootfs(&d));
    let server = FileServer::start(vec![("/half.tar.gz", Reply::Truncated(gz))]);
    assert!(image_ids(&d).is_empty());

    let missing = server.url("/missing.tar.gz");
    let out = d.docker(&["import", &missing, "imp:missing"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains(&format!(
            "failed to GET {missing} with status 404 Not Found: 404 page not found"
        )),
        "{}",
        stderr(&out)
    );
    let out = d.berth(&["import", &missing]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("with status 404 Not Found"),
        "{}",
        stderr(&out)
    );

    // The server announces the whole length, sends half and closes.
    let out = d.docker(&["import", &server.url("/half.tar.gz"), "imp:half"]);
    assert_ne!(out.status.code(), Some(0), "{}", test_support::stdout(&out));
    // hyper's words for a body shorter than its Content-Length.
    assert!(
        stderr(&out).contains("end of file before message length reached"),
        "{}",
        stderr(&out)
    );
    let out = d.berth(&["import", &server.url("/half.tar.gz"), "imp:half"]);
    assert_ne!(out.status.code(), Some(0));

    assert!(image_ids(&d).is_empty(), "{:?}", image_ids(&d));
    assert!(layer_entries(&d).is_empty(), "{:?}", layer_entries(&d));
}
