//! The per-container supervisor: creates the container through `runtime`, then serves the shim
//! socket protocol of docs/architecture.md ("The shim contract") until the init has exited.

pub mod atomic_file;
mod connection;
pub mod exec_options;
pub mod json_log;
pub mod options;
mod output;
pub mod protocol;
mod shared;
pub mod stdcopy;
mod supervisor;

pub use exec_options::{ExecOptions, EXEC_USAGE};
pub use options::{ShimOptions, USAGE};
pub use protocol::{ExitInfo, Request};
pub use supervisor::{run, run_exec};
