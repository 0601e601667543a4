//! The container runtime: turns an OCI runtime spec (`config.json`) into a container init that
//! waits, fully set up, just before `execve` until it is started.
//!
//! The calling process must be single-threaded when it calls [`create`]: the init is a plain
//! fork that runs Rust code (mounts, pivot_root, credentials) before exec.

mod capabilities;
mod create;
mod error;
mod exec;
mod exec_lookup;
mod init;
mod init_config;
mod mount_options;
mod mounts;
mod path_in_root;
mod report_pipe;
pub mod seccomp;
mod sysctl;

pub use create::{create, receive_pty_master, CreatedContainer, InitStdio};
pub use error::{RuntimeError, StartError};
pub use exec::exec;
pub use exec_lookup::{lookup_executable, DEFAULT_PATH};
pub use init_config::{InitConfig, MountSpec, OVERLAY_ANNOTATION};
pub use path_in_root::resolve_in_root;
