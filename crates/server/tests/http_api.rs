//! The router on a real UNIX socket with a fake backend: headers, errors, prefix stripping,
//! streamed wait, the attach upgrade and image routes with slashes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use api::{
    ContainerCreateBody, ContainerCreateResponse, ContainerInspect, ContainerSummary, Filters,
    ImageDeleteResponseItem, ImageInspect, ImageSummary, Info, Version, WaitCondition,
    WaitResponse,
};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use server::backend::{
    AttachIo, AttachOptions, BackendResult, ByteStream, ContainerBackend, ImageBackend,
    ImportOptions, ListOptions, LogsOptions, ProgressMessage, ProgressStream, SystemBackend,
    VolumeBackend,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::sync::oneshot;

#[derive(Default)]
struct Fake {
    created: Mutex<Vec<(Option<String>, ContainerCreateBody)>>,
    wait_tx: Mutex<Option<oneshot::Sender<i64>>>,
    tagged: Mutex<Vec<(String, String, String)>>,
    attach_peer: Mutex<Option<UnixStream>>,
    url_imports: Mutex<Vec<(String, ImportOptions)>>,
    /// When set, an exec start waits for this before it starts (and produces output).
    exec_go: Mutex<Option<oneshot::Receiver<()>>>,
}

fn not_found(what: &str) -> errdefs::Error {
    errdefs::Error::not_found(format!("No such container: {what}"))
}

impl ContainerBackend for Fake {
    async fn create(
        &self,
        name: Option<String>,
        body: ContainerCreateBody,
    ) -> BackendResult<ContainerCreateResponse> {
        if name.as_deref() == Some("taken") {
            return Err(errdefs::Error::conflict(
                "Conflict. The container name \"/taken\" is already in use",
            ));
        }
        self.created.lock().unwrap().push((name, body));
        Ok(ContainerCreateResponse {
            id: "c".repeat(64),
            warnings: vec![],
        })
    }
    async fn start(&self, name: &str) -> BackendResult<()> {
        match name {
            "running" => Err(errdefs::Error::not_modified()),
            "c" => Ok(()),
            other => Err(not_found(other)),
        }
    }
    async fn stop(&self, _name: &str, _t: Option<i64>) -> BackendResult<()> {
        Ok(())
    }
    async fn restart(&self, _name: &str, _t: Option<i64>) -> BackendResult<()> {
        Ok(())
    }
    async fn kill(&self, _name: &str, _s: Option<String>) -> BackendResult<()> {
        Ok(())
    }
    async fn rename(&self, _name: &str, new_name: &str) -> BackendResult<()> {
        if new_name == "taken" {
            Err(errdefs::Error::conflict("name taken"))
        } else {
            Ok(())
        }
    }
    async fn remove(&self, _name: &str, force: bool, _v: bool) -> BackendResult<()> {
        if force {
            Ok(())
        } else {
            Err(errdefs::Error::conflict(
                "You cannot remove a running container",
            ))
        }
    }
    async fn inspect(&self, name: &str) -> BackendResult<ContainerInspect> {
        Err(not_found(name))
    }
    async fn list(&self, opts: ListOptions) -> BackendResult<Vec<ContainerSummary>> {
        let id = format!("all={} status={:?}", opts.all, opts.filters.get("status"));
        Ok(vec![ContainerSummary {
            id,
            ..Default::default()
        }])
    }
    async fn wait(
        &self,
        _name: &str,
        _c: WaitCondition,
    ) -> BackendResult<BoxFuture<'static, WaitResponse>> {
        let (tx, rx) = oneshot::channel();
        *self.wait_tx.lock().unwrap() = Some(tx);
        Ok(async move {
            WaitResponse {
                error: None,
                status_code: rx.await.unwrap_or(-1),
            }
        }
        .boxed())
    }
    async fn attach(&self, _name: &str, _o: AttachOptions) -> BackendResult<Box<dyn AttachIo>> {
        let (ours, theirs) = UnixStream::pair().unwrap();
        *self.attach_peer.lock().unwrap() = Some(theirs);
        Ok(Box::new(ours))
    }
    async fn exec_inspect(&self, id: &str) -> BackendResult<api::ExecInspect> {
        if id == "missing" {
            return Err(errdefs::Error::not_found(format!(
                "No such exec instance: {id}"
            )));
        }
        Ok(api::ExecInspect {
            id: id.to_string(),
            ..Default::default()
        })
    }
    async fn exec_start(
        &self,
        id: &str,
        _body: api::ExecStartBody,
    ) -> BackendResult<server::backend::ExecStartOutcome> {
        if id == "stopped" {
            return Err(errdefs::Error::conflict(
                "Container c is not running".to_string(),
            ));
        }
        let go = self.exec_go.lock().unwrap().take();
        if let Some(go) = go {
            let _ = go.await;
        }
        let (mut ours, theirs) = UnixStream::pair().unwrap();
        ours.write_all(&api::stdcopy::encode(
            api::stdcopy::StdStream::Stdout,
            b"out\n",
        ))
        .await
        .unwrap();
        Ok(server::backend::ExecStartOutcome::Attached(Box::new(
            theirs,
        )))
    }
    async fn logs(&self, _name: &str, _o: LogsOptions) -> BackendResult<ByteStream> {
        let frames = vec![Ok(bytes::Bytes::from(api::stdcopy::encode(
            api::stdcopy::StdStream::Stdout,
            b"hi\n",
        )))];
        Ok(Box::pin(futures_util::stream::iter(frames)))
    }
}

impl ImageBackend for Fake {
    async fn list_images(&self, _all: bool, _f: Filters) -> BackendResult<Vec<ImageSummary>> {
        Ok(vec![])
    }
    async fn inspect_image(&self, name: &str) -> BackendResult<ImageInspect> {
        Ok(ImageInspect {
            id: name.to_string(),
            ..Default::default()
        })
    }
    async fn remove_image(
        &self,
        name: &str,
        _force: bool,
        _prune: bool,
    ) -> BackendResult<Vec<ImageDeleteResponseItem>> {
        Ok(vec![ImageDeleteResponseItem {
            untagged: Some(name.to_string()),
            deleted: None,
        }])
    }
    async fn import_image(
        &self,
        mut body: ByteStream,
        opts: ImportOptions,
    ) -> BackendResult<String> {
        use futures_util::StreamExt;
        let mut n = 0;
        while let Some(chunk) = body.next().await {
            n += chunk
                .map_err(|e| errdefs::Error::internal(e.to_string()))?
                .len();
        }
        Ok(format!(
            "sha256:{n}:{}:{}",
            opts.repo,
            opts.changes.join("|")
        ))
    }
    async fn import_image_from_url(
        &self,
        source: &str,
        opts: ImportOptions,
    ) -> BackendResult<ProgressStream> {
        if source.contains("missing") {
            return Err(errdefs::Error::not_found(format!(
                "failed to GET {source} with status 404 Not Found: 404 page not found"
            )));
        }
        self.url_imports
            .lock()
            .unwrap()
            .push((source.to_string(), opts));
        let messages = vec![
            ProgressMessage::status(format!("Downloading from {source}")),
            ProgressMessage::error("unexpected EOF"),
        ];
        Ok(Box::pin(futures_util::stream::iter(messages)))
    }
    async fn tag_image(&self, name: &str, repo: &str, tag: &str) -> BackendResult<()> {
        self.tagged
            .lock()
            .unwrap()
            .push((name.into(), repo.into(), tag.into()));
        Ok(())
    }
    async fn pull_image(&self, _image: &str, _tag: &str) -> BackendResult<String> {
        Err(errdefs::Error::new(
            errdefs::ErrorKind::NotImplemented,
            "registry pulls are not supported yet",
        ))
    }
}

impl SystemBackend for Fake {
    async fn version(&self) -> BackendResult<Version> {
        Ok(Version {
            api_version: api::API_VERSION.into(),
            ..Default::default()
        })
    }
    async fn info(&self) -> BackendResult<Info> {
        Ok(Info::default())
    }
}

/// Volumes: `v1` exists and is in use by container `c1`.
impl server::backend::NetworkBackend for Fake {}

impl VolumeBackend for Fake {
    async fn create_volume(&self, opts: api::VolumeCreateOptions) -> BackendResult<api::Volume> {
        Ok(api::Volume {
            name: opts.name,
            driver: "local".into(),
            labels: opts.labels,
            scope: "local".into(),
            ..Default::default()
        })
    }
    async fn inspect_volume(&self, name: &str) -> BackendResult<api::Volume> {
        if name != "v1" {
            return Err(errdefs::Error::not_found(format!(
                "get {name}: no such volume"
            )));
        }
        self.create_volume(api::VolumeCreateOptions {
            name: name.into(),
            ..Default::default()
        })
        .await
    }
    async fn list_volumes(&self, filters: Filters) -> BackendResult<api::VolumeListResponse> {
        let mut out = api::VolumeListResponse::default();
        if filters.any_matches("name", |n| "v1".contains(n)) {
            out.volumes.push(self.inspect_volume("v1").await?);
        }
        Ok(out)
    }
    async fn remove_volume(&self, name: &str, force: bool) -> BackendResult<()> {
        self.inspect_volume(name).await?;
        if force {
            return Ok(());
        }
        Err(errdefs::Error::new(
            errdefs::ErrorKind::Conflict,
            format!("remove {name}: volume is in use - [c1]"),
        ))
    }
    async fn prune_volumes(&self, _filters: Filters) -> BackendResult<api::VolumePruneReport> {
        Ok(api::VolumePruneReport::default())
    }
}

struct Harness {
    _dir: tempfile::TempDir,
    socket: std::path::PathBuf,
    fake: Arc<Fake>,
}

async fn start() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("api.sock");
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    let fake = Arc::new(Fake::default());
    tokio::spawn(server::serve(listener, server::router(fake.clone())));
    Harness {
        _dir: dir,
        socket,
        fake,
    }
}

/// Sends one request (Connection: close) and returns the raw response.
async fn request(h: &Harness, head: &str, body: &[u8]) -> String {
    let mut c = UnixStream::connect(&h.socket).await.unwrap();
    let req = format!(
        "{head}\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    c.write_all(req.as_bytes()).await.unwrap();
    c.write_all(body).await.unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

fn status(resp: &str) -> &str {
    resp.lines().next().unwrap_or("")
}

fn header<'a>(resp: &'a str, name: &str) -> Option<&'a str> {
    let head = resp.split("\r\n\r\n").next()?;
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn body(resp: &str) -> &str {
    resp.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("")
}

#[tokio::test]
async fn ping_head_and_get() {
    let h = start().await;
    let r = request(&h, "HEAD /_ping HTTP/1.1", b"").await;
    assert_eq!(status(&r), "HTTP/1.1 200 OK");
    assert_eq!(header(&r, "api-version"), Some("1.41"));
    assert_eq!(header(&r, "ostype"), Some("linux"));
    assert_eq!(header(&r, "docker-experimental"), Some("false"));
    assert_eq!(header(&r, "content-length"), Some("0"));
    assert_eq!(
        header(&r, "cache-control"),
        Some("no-cache, no-store, must-revalidate")
    );
    assert!(header(&r, "server").unwrap().starts_with("Docker/"));
    let r = request(&h, "GET /v1.41/_ping HTTP/1.1", b"").await;
    assert_eq!(body(&r), "OK");
}

#[tokio::test]
async fn version_prefix_and_errors() {
    let h = start().await;
    let r = request(&h, "GET /v1.99/version HTTP/1.1", b"").await;
    assert_eq!(status(&r), "HTTP/1.1 400 Bad Request");
    assert_eq!(
        body(&r),
        "{\"message\":\"client version 1.99 is too new. Maximum supported API version is 1.41\"}\n"
    );
    assert!(status(&request(&h, "GET /version HTTP/1.1", b"").await).contains("200"));
    let r = request(&h, "GET /v1.41/no/such/endpoint HTTP/1.1", b"").await;
    assert_eq!(status(&r), "HTTP/1.1 404 Not Found");
    assert_eq!(body(&r), "{\"message\":\"page not found\"}\n");
    let r = request(&h, "POST /v1.41/containers/nosuch/start HTTP/1.1", b"").await;
    assert_eq!(body(&r), "{\"message\":\"No such container: nosuch\"}\n");
    let r = request(&h, "POST /v1.41/containers/running/start HTTP/1.1", b"").await;
    assert_eq!(status(&r), "HTTP/1.1 304 Not Modified");
    assert!(status(&request(&h, "DELETE /containers/x HTTP/1.1", b"").await).contains("409"));
    assert!(
        status(&request(&h, "DELETE /containers/x?force=True HTTP/1.1", b"").await).contains("204")
    );
    assert!(
        status(&request(&h, "POST /containers/x/rename?name=new HTTP/1.1", b"").await)
            .contains("204")
    );
    assert!(
        status(&request(&h, "POST /containers/x/rename?name=taken HTTP/1.1", b"").await)
            .contains("409")
    );
    let r = request(&h, "GET /v1.41/containers/create HTTP/1.1", b"").await;
    assert_eq!(status(&r), "HTTP/1.1 404 Not Found");
    assert_eq!(body(&r), "{\"message\":\"page not found\"}\n");
}

#[tokio::test]
async fn create_checks_json() {
    let h = start().await;
    let r = request(
        &h,
        "POST /v1.41/containers/create HTTP/1.1\r\nContent-Type: application/json",
        b"{bad json",
    )
    .await;
    assert_eq!(status(&r), "HTTP/1.1 400 Bad Request");
    assert!(body(&r).starts_with("{\"message\":\"invalid JSON: "), "{r}");
    let r = request(
        &h,
        "POST /v1.41/containers/create HTTP/1.1\r\nContent-Type: text/plain",
        b"{}",
    )
    .await;
    assert_eq!(
        body(&r),
        "{\"message\":\"Content-Type specified (text/plain) must be 'application/json'\"}\n"
    );
    let r = request(
        &h,
        "POST /v1.41/containers/create?name=web HTTP/1.1\r\nContent-Type: application/json",
        br#"{"Image":"busybox","Cmd":["echo","hi"]}"#,
    )
    .await;
    assert_eq!(status(&r), "HTTP/1.1 201 Created");
    assert_eq!(
        body(&r),
        format!("{{\"Id\":\"{}\",\"Warnings\":[]}}\n", "c".repeat(64))
    );
    let (name, image) = {
        let created = h.fake.created.lock().unwrap();
        (created[0].0.clone(), created[0].1.config.image.clone())
    };
    assert_eq!(name.as_deref(), Some("web"));
    assert_eq!(image, "busybox");
    let r = request(
        &h,
        "POST /v1.41/containers/create?name=taken HTTP/1.1",
        br#"{"Image":"busybox"}"#,
    )
    .await;
    assert_eq!(status(&r), "HTTP/1.1 409 Conflict");
}

#[tokio::test]
async fn list_parses_bools_and_filters() {
    let h = start().await;
    let r = request(&h, "GET /containers/json?all=1&filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D HTTP/1.1", b"").await;
    assert!(body(&r).contains("all=true status=[\\\"exited\\\"]"), "{r}");
    let r = request(&h, "GET /containers/json?all=False HTTP/1.1", b"").await;
    assert!(body(&r).contains("all=false"), "{r}");
    let r = request(&h, "GET /containers/json?filters=%7Bbad HTTP/1.1", b"").await;
    assert!(status(&r).contains("400"), "{r}");
}

#[tokio::test]
async fn wait_sends_headers_before_the_result() {
    let h = start().await;
    let mut c = UnixStream::connect(&h.socket).await.unwrap();
    c.write_all(b"POST /v1.41/containers/c/wait?condition=removed HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    assert!(!head.contains("StatusCode"));
    let tx = h.fake.wait_tx.lock().unwrap().take().unwrap();
    tx.send(3).unwrap();
    let mut rest = Vec::new();
    let mut chunk = vec![0u8; 4096];
    while !String::from_utf8_lossy(&rest).contains("\r\n0\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), c.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0);
        rest.extend_from_slice(&chunk[..n]);
    }
    assert!(String::from_utf8_lossy(&rest).contains("{\"Error\":null,\"StatusCode\":3}\n"));
}

#[tokio::test]
async fn attach_upgrades_and_bridges_both_ways() {
    let h = start().await;
    let mut c = UnixStream::connect(&h.socket).await.unwrap();
    c.write_all(b"POST /v1.41/containers/c/attach?stderr=1&stdout=1&stdin=1&stream=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: text/plain\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = c.read(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(head.starts_with("HTTP/1.1 101 UPGRADED\r\n"), "{head}");
    assert!(head.contains("application/vnd.docker.raw-stream"));
    let mut peer = h.fake.attach_peer.lock().unwrap().take().unwrap();
    // stdin flows to the container side, and the client's half-close reaches it as EOF.
    c.write_all(b"line1\n").await.unwrap();
    c.shutdown().await.unwrap();
    let mut got = Vec::new();
    peer.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, b"line1\n");
    // output flows back, and its end closes the client connection.
    let frame = api::stdcopy::encode(api::stdcopy::StdStream::Stdout, b"hi\n");
    peer.write_all(&frame).await.unwrap();
    drop(peer);
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(out, frame);
}

/// Sends an attached `POST /exec/{id}/start` and returns the connection.
async fn start_exec(h: &Harness, id: &str) -> UnixStream {
    let mut c = UnixStream::connect(&h.socket).await.unwrap();
    let body = br#"{"Tty": false, "Detach": false}"#;
    let head = format!("POST /v1.41/exec/{id}/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
    c.write_all(head.as_bytes()).await.unwrap();
    c.write_all(body).await.unwrap();
    c
}

/// Reads up to the end of the response head; returns the head and any bytes after it.
async fn read_head(c: &mut UnixStream) -> (String, Vec<u8>) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = c.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed in the head: {got:?}");
        got.extend_from_slice(&buf[..n]);
    }
    let end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let rest = got.split_off(end);
    (String::from_utf8_lossy(&got).into_owned(), rest)
}

#[tokio::test]
async fn exec_start_answers_101_before_the_exec_starts() {
    let h = start().await;
    let (go, wait) = oneshot::channel();
    *h.fake.exec_go.lock().unwrap() = Some(wait);
    let mut c = start_exec(&h, "e1").await;
    // The exec cannot start (and write output) until `go`: the 101 must come first, alone,
    // since docker-py loses whatever arrives together with it.
    let (head, rest) = tokio::time::timeout(Duration::from_secs(5), read_head(&mut c))
        .await
        .expect("the 101 waited for the exec to start");
    assert!(head.starts_with("HTTP/1.1 101 UPGRADED\r\n"), "{head}");
    assert!(rest.is_empty(), "{rest:?}");
    go.send(()).unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut out))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        out,
        api::stdcopy::encode(api::stdcopy::StdStream::Stdout, b"out\n")
    );
}

#[tokio::test]
async fn exec_start_errors_missing_as_404_and_later_ones_on_the_stream() {
    let h = start().await;
    let mut c = start_exec(&h, "missing").await;
    let (head, mut rest) = read_head(&mut c).await;
    assert_eq!(status(&head), "HTTP/1.1 404 Not Found", "{head}");
    let length: usize = header(&head, "content-length").unwrap().parse().unwrap();
    let mut buf = [0u8; 4096];
    while rest.len() < length {
        let n = c.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed in the body");
        rest.extend_from_slice(&buf[..n]);
    }
    let message = String::from_utf8_lossy(&rest).into_owned();
    assert!(
        message.contains("No such exec instance: missing"),
        "{message}"
    );

    let mut c = start_exec(&h, "stopped").await;
    let (head, mut rest) = read_head(&mut c).await;
    assert!(head.starts_with("HTTP/1.1 101 UPGRADED\r\n"), "{head}");
    c.read_to_end(&mut rest).await.unwrap();
    assert_eq!(
        rest,
        api::stdcopy::encode(
            api::stdcopy::StdStream::Stdout,
            b"Container c is not running\r\n"
        )
    );
}

#[tokio::test]
async fn image_routes_with_slashes() {
    let h = start().await;
    let r = request(
        &h,
        "GET /v1.41/images/127.0.0.1:5000/demo/app:1/json HTTP/1.1",
        b"",
    )
    .await;
    assert!(
        body(&r).contains("\"Id\":\"127.0.0.1:5000/demo/app:1\""),
        "{r}"
    );
    let r = request(
        &h,
        "POST /v1.41/images/busybox/tag?repo=docker.io/library/copy&tag=v1 HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(status(&r), "HTTP/1.1 201 Created");
    assert_eq!(
        h.fake.tagged.lock().unwrap()[0],
        (
            "busybox".into(),
            "docker.io/library/copy".into(),
            "v1".into()
        )
    );
    let r = request(&h, "DELETE /v1.41/images/a/b:c HTTP/1.1", b"").await;
    assert_eq!(body(&r), "[{\"Untagged\":\"a/b:c\"}]\n");
    let r = request(&h, "POST /v1.41/images/create?fromSrc=-&repo=imp&changes=CMD%20sh&changes=ENV%20A%3D1 HTTP/1.1", b"tarbytes").await;
    assert_eq!(body(&r), "{\"status\":\"sha256:8:imp:CMD sh|ENV A=1\"}\r\n");
    let r = request(
        &h,
        "POST /v1.41/images/create?fromImage=busybox&tag=latest HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(status(&r), "HTTP/1.1 501 Not Implemented");
    let r = request(&h, "GET /v1.41/containers/c/logs?stdout=1 HTTP/1.1", b"").await;
    assert!(r.contains("hi\n"));
    let r = request(&h, "GET /v1.41/containers/c/logs HTTP/1.1", b"").await;
    assert!(status(&r).contains("400"));
}

#[tokio::test]
async fn import_from_a_url_streams_or_fails_before_the_stream() {
    let h = start().await;
    let r = request(
        &h,
        "POST /v1.41/images/create?fromSrc=http%3A%2F%2F127.0.0.1%3A8080%2Frootfs.tar&repo=imp%3Aurl&message=m&changes=CMD%20sh&changes=ENV%20A%3D1 HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(status(&r), "HTTP/1.1 200 OK", "{r}");
    assert_eq!(header(&r, "content-type"), Some("application/json"));
    // Errors after the 200 travel inside the stream, each message one \r\n-terminated line.
    assert!(
        body(&r).contains("{\"status\":\"Downloading from http://127.0.0.1:8080/rootfs.tar\"}\r\n"),
        "{r}"
    );
    assert!(
        body(&r).contains(
            "{\"errorDetail\":{\"message\":\"unexpected EOF\"},\"error\":\"unexpected EOF\"}\r\n"
        ),
        "{r}"
    );
    {
        let imports = h.fake.url_imports.lock().unwrap();
        let (source, opts) = &imports[0];
        assert_eq!(source, "http://127.0.0.1:8080/rootfs.tar");
        assert_eq!(opts.repo, "imp:url");
        assert_eq!(opts.tag, "");
        assert_eq!(opts.message, "m");
        assert_eq!(opts.changes, vec!["CMD sh", "ENV A=1"]);
    }

    // A failed GET is an ordinary error answer with its kind's status.
    let r = request(
        &h,
        "POST /v1.41/images/create?fromSrc=http://127.0.0.1:8080/missing HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(status(&r), "HTTP/1.1 404 Not Found", "{r}");
    assert_eq!(
        body(&r),
        "{\"message\":\"failed to GET http://127.0.0.1:8080/missing with status 404 Not Found: 404 page not found\"}\n"
    );

    // An empty fromImage does not turn an import into a pull (dockerd checks fromImage != "").
    let r = request(
        &h,
        "POST /v1.41/images/create?fromImage=&fromSrc=-&repo=imp HTTP/1.1",
        b"tar",
    )
    .await;
    assert_eq!(body(&r), "{\"status\":\"sha256:3:imp:\"}\r\n");
}

#[tokio::test]
async fn volume_routes() {
    let h = start().await;
    let body_json = br#"{"Name":"myvol","Driver":"local","Labels":{"a":"b"}}"#;
    let r = request(
        &h,
        "POST /v1.41/volumes/create HTTP/1.1\r\nContent-Type: application/json",
        body_json,
    )
    .await;
    assert_eq!(status(&r), "HTTP/1.1 201 Created");
    assert!(body(&r).contains(r#""Labels":{"a":"b"}"#), "{r}");
    assert!(body(&r).contains(r#""Name":"myvol""#), "{r}");
    let r = request(&h, "GET /v1.41/volumes/v1 HTTP/1.1", b"").await;
    assert_eq!(status(&r), "HTTP/1.1 200 OK");
    let r = request(&h, "GET /v1.41/volumes/nosuch HTTP/1.1", b"").await;
    assert_eq!(status(&r), "HTTP/1.1 404 Not Found");
    assert_eq!(body(&r), "{\"message\":\"get nosuch: no such volume\"}\n");
    let r = request(&h, "GET /v1.41/volumes HTTP/1.1", b"").await;
    assert!(body(&r).starts_with(r#"{"Volumes":[{"#), "{r}");
    assert!(body(&r).ends_with("\"Warnings\":null}\n"), "{r}");
    let r = request(
        &h,
        "GET /v1.41/volumes?filters=%7B%22name%22%3A%7B%22zz%22%3Atrue%7D%7D HTTP/1.1",
        b"",
    )
    .await;
    assert_eq!(body(&r), "{\"Volumes\":[],\"Warnings\":null}\n");
    let r = request(&h, "DELETE /v1.41/volumes/v1 HTTP/1.1", b"").await;
    assert_eq!(status(&r), "HTTP/1.1 409 Conflict");
    assert_eq!(
        body(&r),
        "{\"message\":\"remove v1: volume is in use - [c1]\"}\n"
    );
    let r = request(&h, "DELETE /v1.41/volumes/v1?force=1 HTTP/1.1", b"").await;
    assert_eq!(status(&r), "HTTP/1.1 204 No Content");
    let r = request(&h, "POST /v1.41/volumes/prune HTTP/1.1", b"").await;
    assert_eq!(body(&r), "{\"VolumesDeleted\":[],\"SpaceReclaimed\":0}\n");
}
