//! Seccomp: `linux.seccomp` of the OCI spec compiled to BPF (with `seccompiler`), and Docker's
//! default profile. Compilation happens in the parent, before the fork, so a profile that
//! cannot be compiled fails the create (fail closed); the init only installs the programs.

mod compile;
mod docker_profile;
mod error;
mod syscall_table;
mod syscalls_x86_64;

pub use compile::compile;
pub use docker_profile::{
    docker_default_profile, docker_default_profile_for, docker_profile_to_oci,
    DOCKER_DEFAULT_CAPABILITIES,
};
pub use error::SeccompError;
pub use syscall_table::syscall_number;

/// Compiled seccomp filters, installed together just before the program runs.
#[derive(Debug, Clone, Default)]
pub struct SeccompProgram {
    pub(crate) filters: Vec<seccompiler::BpfProgram>,
}

impl SeccompProgram {
    /// Installs every filter on the calling thread (the init is single-threaded). Without
    /// no_new_privs this needs CAP_SYS_ADMIN; no_new_privs itself is left as the spec says.
    pub fn install(&self) -> std::io::Result<()> {
        for filter in &self.filters {
            let program: Vec<libc::sock_filter> = filter
                .iter()
                .map(|i| libc::sock_filter {
                    code: i.code,
                    jt: i.jt,
                    jf: i.jf,
                    k: i.k,
                })
                .collect();
            sys::install_seccomp_filter(&program)?;
        }
        Ok(())
    }

    /// Number of BPF programs (one per distinct action besides allow and the default).
    pub fn filter_count(&self) -> usize {
        self.filters.len()
    }
}
