//! Every `unsafe` block of berth lives here, each wrapped in a safe function whose contract is
//! checked (or documented) at the boundary.

mod domainname;
mod fd_passing;
mod fork;
mod loopback;
mod seccomp;
mod signals;
mod terminal;

pub use domainname::set_domainname;
pub use fd_passing::{recv_fd, send_fd};
pub use fork::{fork_single_threaded, thread_count, ForkError, Forked};
pub use loopback::set_loopback_up;
pub use seccomp::install_seccomp_filter;
pub use signals::{ignore_signal, mark_fds_cloexec_from, reset_signal_default};
pub use terminal::{open_terminal_peer, set_controlling_terminal, set_window_size};
