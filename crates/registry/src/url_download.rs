//! The HTTP(S) download behind `docker import <URL>` (`POST /images/create?fromSrc=<url>`):
//! one GET of exactly the URL the user gave (redirects followed, at most [`MAX_REDIRECTS`]),
//! failing with dockerd's words for a status ≥ 400, then the body as a byte stream.
//!
//! TLS is rustls with the ring provider and the platform verifier (the system's CA store), as
//! for registries. Proxy variables are ignored: nothing but the given URL is ever contacted.

use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use errdefs::{ErrorKind, HasKind};
use futures_util::{Stream, StreamExt};

/// Go's `http.Client` gives up after 10 redirects; so do we.
pub const MAX_REDIRECTS: usize = 10;
/// How much of an error response's body goes into the message (dockerd reads it all; a hostile
/// server could send gigabytes).
const MAX_ERROR_BODY: usize = 64 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// A server that sends nothing for this long is considered gone (the body may be large and
/// slow, so there is no limit on the whole transfer).
const READ_TIMEOUT: Duration = Duration::from_secs(120);
const USER_AGENT: &str = concat!("berth/", env!("CARGO_PKG_VERSION"));

/// The body bytes as they arrive; an `Err` item means the transfer broke (connection dropped,
/// fewer bytes than announced) and nothing read so far may be kept.
pub type DownloadStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// A started download: the response was a success and its body is ready to be read.
pub struct UrlDownload {
    /// The URL as requested (before redirects), in its normalized form (`url::Url` display).
    pub url: String,
    /// `Content-Length` of the final response, when the server sent one.
    pub content_length: Option<u64>,
    pub body: DownloadStream,
}

impl std::fmt::Debug for UrlDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UrlDownload")
            .field("url", &self.url)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UrlDownloadError {
    /// Not a URL at all (dockerd: 400 from `url.Parse`).
    #[error("parse \"{url}\": {reason}")]
    InvalidUrl { url: String, reason: String },

    /// A scheme other than http/https, in Go's `http.Get` words (dockerd answers 500).
    #[error("Get \"{url}\": unsupported protocol scheme \"{scheme}\"")]
    UnsupportedScheme { url: String, scheme: String },

    /// The request could not be made or answered (DNS, connection, TLS, too many redirects).
    #[error("Get \"{url}\": {reason}")]
    Request {
        url: String,
        reason: String,
        /// The host name does not resolve: dockerd classifies that as not found.
        unresolved_host: bool,
    },

    /// The server answered with a status ≥ 400 (remotecontext.GetWithStatusError's message).
    #[error("failed to GET {url} with status {status}: {body}")]
    Status {
        url: String,
        code: u16,
        /// `404 Not Found`.
        status: String,
        /// The trimmed response body, or `error reading body`.
        body: String,
    },

    /// The HTTP client itself could not be built (TLS setup).
    #[error("cannot build HTTP client: {0}")]
    Client(String),
}

impl HasKind for UrlDownloadError {
    fn kind(&self) -> ErrorKind {
        match self {
            UrlDownloadError::InvalidUrl { .. } => ErrorKind::InvalidArgument,
            UrlDownloadError::Request {
                unresolved_host: true,
                ..
            } => ErrorKind::NotFound,
            // As GetWithStatusError: 404, 400, 403 keep their meaning, everything else is a 500
            // (401 too: berth has no "unauthorized" kind).
            UrlDownloadError::Status { code, .. } => match code {
                404 => ErrorKind::NotFound,
                400 => ErrorKind::InvalidArgument,
                403 => ErrorKind::Forbidden,
                _ => ErrorKind::Internal,
            },
            UrlDownloadError::UnsupportedScheme { .. }
            | UrlDownloadError::Request { .. }
            | UrlDownloadError::Client(_) => ErrorKind::Internal,
        }
    }
}

/// GETs `url` (already complete: the `http://` default for a bare host is the caller's, as in
/// dockerd's router). Returns once the response headers are in; the body streams afterwards.
pub async fn download(url: &str) -> Result<UrlDownload, UrlDownloadError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| UrlDownloadError::InvalidUrl {
        url: url.to_string(),
        reason: e.to_string(),
    })?;
    let url = parsed.to_string();
    match parsed.scheme() {
        "http" | "https" => {}
        other => {
            return Err(UrlDownloadError::UnsupportedScheme {
                scheme: other.to_string(),
                url,
            })
        }
    }
    let response = http_client()?
        .get(parsed)
        .send()
        .await
        .map_err(|e| request_error(&url, &e))?;
    let status = response.status();
    if status.as_u16() >= 400 {
        return Err(status_error(url, response).await);
    }
    let content_length = response.content_length();
    let body = response
        .bytes_stream()
        .map(|chunk| chunk.map_err(|e| std::io::Error::other(error_chain(&e))));
    Ok(UrlDownload {
        url,
        content_length,
        body: Box::pin(body),
    })
}

/// One client per process: it keeps connections and the loaded CA store.
fn http_client() -> Result<&'static reqwest::Client, UrlDownloadError> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            // reqwest is built without a default crypto provider; Err means one is installed.
            let _ = rustls::crypto::ring::default_provider().install_default();
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
                .no_proxy()
                .connect_timeout(CONNECT_TIMEOUT)
                .read_timeout(READ_TIMEOUT)
                .user_agent(USER_AGENT)
                .build()
                .map_err(|e| error_chain(&e))
        })
        .as_ref()
        .map_err(|e| UrlDownloadError::Client(e.clone()))
}

fn request_error(url: &str, e: &reqwest::Error) -> UrlDownloadError {
    let reason = if e.is_redirect() {
        format!("stopped after {MAX_REDIRECTS} redirects")
    } else {
        error_chain(e)
    };
    UrlDownloadError::Request {
        url: url.to_string(),
        // hyper-util's resolver error reads "dns error: …".
        unresolved_host: e.is_connect() && reason.contains("dns error"),
        reason,
    }
}

/// dockerd's message for a failed status: the status line and the (bounded) body.
async fn status_error(url: String, mut response: reqwest::Response) -> UrlDownloadError {
    let code = response.status();
    let status = match code.canonical_reason() {
        Some(reason) => format!("{} {reason}", code.as_u16()),
        None => code.as_u16().to_string(),
    };
    let mut body = Vec::new();
    let mut read_failed = false;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_ERROR_BODY - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if body.len() >= MAX_ERROR_BODY {
                    break;
                }
            }
            Ok(None) => break,
            Err(_) => {
                read_failed = true;
                break;
            }
        }
    }
    let body = if read_failed {
        "error reading body".to_string()
    } else {
        String::from_utf8_lossy(&body).trim().to_string()
    };
    UrlDownloadError::Status {
        url,
        code: code.as_u16(),
        status,
        body,
    }
}

/// The error and its causes, innermost last, the way Go wraps them (`a: b: c`); reqwest's own
/// top line repeats the URL, which the callers already print.
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        parts.push(s.to_string());
        source = s.source();
    }
    if parts.is_empty() {
        return e.to_string();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;

    /// Serves each accepted connection with the next canned response, then closes it.
    fn serve(responses: Vec<Vec<u8>>) -> (String, std::thread::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let handle = std::thread::spawn(move || {
            let mut requests = Vec::new();
            for response in responses {
                let (mut conn, _) = listener.accept().unwrap();
                let mut buf = [0u8; 4096];
                let mut request = Vec::new();
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    let n = conn.read(&mut buf).unwrap();
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                requests.push(String::from_utf8_lossy(&request).into_owned());
                let _ = conn.write_all(&response);
            }
            requests
        });
        (addr, handle)
    }

    async fn collect(mut body: DownloadStream) -> Result<Vec<u8>, std::io::Error> {
        let mut out = Vec::new();
        while let Some(chunk) = body.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    #[tokio::test]
    async fn streams_the_body_with_its_length() {
        let (addr, server) = serve(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello".to_vec(),
        ]);
        let d = download(&format!("http://{addr}/rootfs.tar"))
            .await
            .unwrap();
        assert_eq!(d.content_length, Some(5));
        assert_eq!(d.url, format!("http://{addr}/rootfs.tar"));
        assert_eq!(collect(d.body).await.unwrap(), b"hello");
        let requests = server.join().unwrap();
        assert!(requests[0].starts_with("GET /rootfs.tar HTTP/1.1\r\n"));
    }

    #[tokio::test]
    async fn follows_a_redirect() {
        // Both answers come from one server: the redirect points back at it.
        let (addr, server) = serve(vec![
            b"HTTP/1.1 302 Found\r\nLocation: /real\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".to_vec(),
        ]);
        let d = download(&format!("http://{addr}/old")).await.unwrap();
        assert_eq!(collect(d.body).await.unwrap(), b"ok");
        let requests = server.join().unwrap();
        assert!(
            requests[1].starts_with("GET /real HTTP/1.1\r\n"),
            "{requests:?}"
        );
    }

    #[tokio::test]
    async fn a_404_fails_with_dockerds_words_and_kind() {
        let (addr, server) = serve(vec![
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 20\r\nConnection: close\r\n\r\n404 page not found\r\n"
                .to_vec(),
        ]);
        let url = format!("http://{addr}/missing.tar");
        let err = download(&url).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("failed to GET {url} with status 404 Not Found: 404 page not found")
        );
        assert_eq!(err.kind(), ErrorKind::NotFound);
        server.join().unwrap();
    }

    #[tokio::test]
    async fn a_500_is_internal() {
        let (addr, server) = serve(vec![
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\nConnection: close\r\n\r\nboom"
                .to_vec(),
        ]);
        let err = download(&format!("http://{addr}/x")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(
            err.to_string()
                .ends_with("with status 500 Internal Server Error: boom"),
            "{err}"
        );
        server.join().unwrap();
    }

    #[tokio::test]
    async fn a_connection_dropped_mid_body_is_an_error() {
        let (addr, server) = serve(vec![
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nonly ten b"
                .to_vec(),
        ]);
        let d = download(&format!("http://{addr}/x")).await.unwrap();
        assert_eq!(d.content_length, Some(100));
        assert!(collect(d.body).await.is_err());
        server.join().unwrap();
    }

    #[tokio::test]
    async fn refused_connection_and_bad_schemes() {
        // A port that was just free: nothing listens there.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let err = download(&format!("http://127.0.0.1:{port}/x"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(
            err.to_string()
                .starts_with(&format!("Get \"http://127.0.0.1:{port}/x\": ")),
            "{err}"
        );

        let err = download("ftp://127.0.0.1/x").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "Get \"ftp://127.0.0.1/x\": unsupported protocol scheme \"ftp\""
        );
        assert_eq!(err.kind(), ErrorKind::Internal);

        let err = download("http://[::1").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }
}
