//! Async Engine API client over a UNIX socket.
//!
//! One HTTP/1.1 connection per request (like the docker CLI, which opens several in parallel), with
//! versioned paths (`/v1.41/...`), JSON helpers, chunked response streams and hijacked (101)
//! bidirectional streams for attach.

mod containers;
mod error;
mod hijack;
mod host;
mod images;
mod query;
mod stream;
mod system;
mod transport;

pub use containers::{LogsOptions, WaitHandle};
pub use error::ClientError;
pub use hijack::HijackedStream;
pub use host::{resolve_host, DaemonHost, DEFAULT_HOST};
pub use query::Query;
pub use stream::ByteStream;
pub use transport::{Client, RequestBody, API_VERSION};
