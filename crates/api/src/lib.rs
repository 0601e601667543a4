//! Docker Engine API types (field names exactly as dockerd sends them), filters, stdcopy framing
//! and version constants. No I/O: shared by the daemon (`server`, `engine`) and the `client`.

pub mod container;
pub mod error;
pub mod exec;
pub mod filters;
pub mod human_duration;
pub mod image;
pub mod network;
pub mod query;
pub mod stdcopy;
pub mod strslice;
pub mod system;
pub mod version;
pub mod volume;

pub use container::*;
pub use error::ErrorResponse;
pub use exec::*;
pub use filters::Filters;
pub use image::*;
pub use network::*;
pub use system::*;
pub use version::{API_VERSION, MIN_API_VERSION};
pub use volume::*;
