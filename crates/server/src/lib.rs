//! The Engine API over HTTP: axum routers per resource over narrow backend traits. This crate is
//! the only place where error kinds become HTTP statuses.

pub mod backend;
pub mod engine_backend;
pub mod error;
pub mod json_body;
pub mod query;
pub mod response;
pub mod routes;
pub mod serve;
pub mod upgrade;
pub mod version_prefix;

pub use backend::{
    AttachIo, Backend, ContainerBackend, ImageBackend, SystemBackend, VolumeBackend,
};
pub use error::{status_of, ApiError};
pub use serve::{router, serve};
