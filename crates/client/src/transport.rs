//! The HTTP/1.1 transport: one UNIX-socket connection per request, versioned paths, JSON helpers.

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::net::UnixStream;

use crate::{ByteStream, ClientError, DaemonHost, Query};

/// The Engine API version berth speaks; berth and berthd ship together, so no negotiation.
pub const API_VERSION: &str = "1.41";

/// `Host` header value the docker CLI sends on UNIX sockets.
const HOST_HEADER: &str = "api.moby.localhost";

const USER_AGENT: &str = concat!("berth-client/", env!("CARGO_PKG_VERSION"));

/// Characters escaped in a path segment: those that would end or corrupt the path. `/` and `:`
/// stay as they are, as the docker CLI sends image names (`/images/127.0.0.1:5000/a/b/push`).
const PATH_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Escapes a name or id for use inside a request path.
pub(crate) fn path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// A request body: nothing, a JSON document, or a stream sent with chunked encoding.
pub enum RequestBody {
    Empty,
    Json(Vec<u8>),
    Stream(BoxBody<Bytes, std::io::Error>),
}

impl RequestBody {
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<RequestBody, ClientError> {
        Ok(RequestBody::Json(serde_json::to_vec(value)?))
    }

    /// Streams an async reader (a file, our stdin) as the request body.
    pub fn reader<R>(reader: R) -> RequestBody
    where
        R: tokio::io::AsyncRead + Send + Sync + 'static,
    {
        use futures_util::TryStreamExt;
        let frames = tokio_util::io::ReaderStream::new(reader).map_ok(hyper::body::Frame::data);
        RequestBody::Stream(BodyExt::boxed(http_body_util::StreamBody::new(frames)))
    }
}

/// An Engine API client bound to one daemon address.
#[derive(Debug, Clone)]
pub struct Client {
    host: DaemonHost,
}

impl Client {
    pub fn new(host: DaemonHost) -> Client {
        Client { host }
    }

    pub fn host(&self) -> &DaemonHost {
        &self.host
    }

    async fn connect(&self) -> Result<UnixStream, ClientError> {
        let DaemonHost::Unix(path) = &self.host;
        UnixStream::connect(path)
            .await
            .map_err(|source| ClientError::Connect {
                host: self.host.display(),
                source,
            })
    }

    /// Sends one request on a fresh connection and returns the response whatever its status.
    /// `path` is unversioned (`/containers/json`); the `/v1.41` prefix is added here, except for
    /// `/_ping`, which docker never versions.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: RequestBody,
        upgrade: bool,
    ) -> Result<Response<Incoming>, ClientError> {
        self.send_with_headers(method, path, query, body, upgrade, &[])
            .await
    }

    /// [`Client::send`] with extra request headers (`X-Registry-Auth`).
    pub async fn send_with_headers(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: RequestBody,
        upgrade: bool,
        headers: &[(&str, String)],
    ) -> Result<Response<Incoming>, ClientError> {
        let mut uri = if path == "/_ping" {
            path.to_string()
        } else {
            format!("/v{API_VERSION}{path}")
        };
        if !query.is_empty() {
            uri.push('?');
            uri.push_str(&query.encode());
        }
        let mut builder = Request::builder()
            .method(method)
            .uri(&uri)
            .header(hyper::header::HOST, HOST_HEADER)
            .header(hyper::header::USER_AGENT, USER_AGENT);
        if upgrade {
            builder = builder
                .header(hyper::header::CONNECTION, "Upgrade")
                .header(hyper::header::UPGRADE, "tcp")
                .header(hyper::header::CONTENT_TYPE, "text/plain");
        }
        for (name, value) in headers {
            builder = builder.header(*name, value.as_str());
        }
        let body = match body {
            RequestBody::Empty => Empty::new().map_err(|never| match never {}).boxed(),
            RequestBody::Json(bytes) => {
                builder = builder.header(hyper::header::CONTENT_TYPE, "application/json");
                Full::new(Bytes::from(bytes))
                    .map_err(|never| match never {})
                    .boxed()
            }
            RequestBody::Stream(stream) => {
                builder = builder.header(hyper::header::CONTENT_TYPE, "application/x-tar");
                stream
            }
        };
        let request = builder
            .body(body)
            .map_err(|e| ClientError::InvalidRequest(format!("{uri}: {e}")))?;

        let stream = self.connect().await?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        // The connection task ends when the response body (or the upgraded stream) is done.
        tokio::spawn(async move {
            let _ = connection.with_upgrades().await;
        });
        Ok(sender.send_request(request).await?)
    }

    /// Like [`Client::send`], then turns a non-2xx status into [`ClientError::Api`].
    /// A 304 (already started/stopped) is returned as a success, as docker treats it.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: RequestBody,
    ) -> Result<Response<Incoming>, ClientError> {
        let response = self.send(method, path, query, body, false).await?;
        check_status(response).await
    }

    /// Sends a request and decodes a JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: RequestBody,
    ) -> Result<T, ClientError> {
        let response = self.request(method, path, query, body).await?;
        let bytes = response.into_body().collect().await?.to_bytes();
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// Sends a request and returns the raw answer body.
    pub async fn bytes(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: RequestBody,
    ) -> Result<Bytes, ClientError> {
        let response = self.request(method, path, query, body).await?;
        Ok(response.into_body().collect().await?.to_bytes())
    }

    /// Sends a request and returns its body as a stream of chunks as they arrive.
    pub async fn stream(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        body: RequestBody,
    ) -> Result<ByteStream, ClientError> {
        let response = self.request(method, path, query, body).await?;
        Ok(ByteStream::new(response.into_body()))
    }

    /// [`Client::stream`] for a bodyless request with extra headers.
    pub async fn stream_with_headers(
        &self,
        method: Method,
        path: &str,
        query: &Query,
        headers: &[(&str, String)],
    ) -> Result<ByteStream, ClientError> {
        let response = self
            .send_with_headers(method, path, query, RequestBody::Empty, false, headers)
            .await?;
        let response = check_status(response).await?;
        Ok(ByteStream::new(response.into_body()))
    }

    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Query,
    ) -> Result<T, ClientError> {
        self.json(Method::GET, path, query, RequestBody::Empty)
            .await
    }
}

/// Reads the body of an error response into [`ClientError::Api`]; passes 1xx/2xx/304 through.
pub(crate) async fn check_status(
    response: Response<Incoming>,
) -> Result<Response<Incoming>, ClientError> {
    let status = response.status();
    if status.is_success() || status.is_informational() || status == StatusCode::NOT_MODIFIED {
        return Ok(response);
    }
    let bytes = response.into_body().collect().await?.to_bytes();
    Err(ClientError::Api {
        status: status.as_u16(),
        message: error_message(status, &bytes),
    })
}

/// The daemon's `{"message": ...}`, else the body text, else the status reason.
fn error_message(status: StatusCode, body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: String,
    }
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
        return parsed.message;
    }
    let text = String::from_utf8_lossy(body).trim().to_string();
    if !text.is_empty() {
        return text;
    }
    status
        .canonical_reason()
        .unwrap_or("unknown error")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_message_prefers_json_message() {
        let msg = error_message(
            StatusCode::NOT_FOUND,
            br#"{"message":"No such container: x"}"#,
        );
        assert_eq!(msg, "No such container: x");
        assert_eq!(
            error_message(StatusCode::BAD_REQUEST, b"plain text\n"),
            "plain text"
        );
        assert_eq!(error_message(StatusCode::NOT_FOUND, b""), "not found");
    }

    #[test]
    fn path_segments_keep_slashes_and_colons() {
        assert_eq!(
            path_segment("127.0.0.1:5000/demo/app"),
            "127.0.0.1:5000/demo/app"
        );
        assert_eq!(path_segment("a b?c"), "a%20b%3Fc");
    }
}
