//! Async Engine API client over a UNIX socket.
//!
//! One HTTP/1.1 connection per request (like the docker CLI, which opens several in parallel), with
//! versioned paths (`/v1.41/...`), JSON helpers, chunked response streams and hijacked (101)
//! bidirectional streams for attach.

mod archive;
mod build;
mod container_ops;
mod containers;
mod error;
mod events;
mod exec;
mod hijack;
mod host;
mod image_transfer;
mod images;
mod networks;
mod query;
mod stream;
mod system;
mod transport;
mod volumes;

pub use archive::{ContainerPathStat, CopyToContainerOptions};
pub use build::BuildOptions;
pub use container_ops::{ContainerChange, PruneReport, TopResponse, UpdateConfig, UpdateResponse};
pub use containers::{LogsOptions, WaitHandle};
pub use error::ClientError;
pub use events::{EventActor, EventMessage};
pub use exec::{ExecConfig, ExecInspect};
pub use hijack::HijackedStream;
pub use host::{resolve_host, DaemonHost, DEFAULT_HOST};
pub use image_transfer::{AuthResponse, CommitOptions, HistoryItem, LoginRequest, ANONYMOUS_AUTH};
pub use query::Query;
pub use stream::ByteStream;
pub use transport::{Client, RequestBody, API_VERSION};
