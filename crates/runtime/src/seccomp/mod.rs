//! Seccomp: `linux.seccomp` of the OCI spec compiled to BPF (with `seccompiler`), and Docker's
//! default profile. Translation happens in the parent, before the fork, so a profile that
//! cannot be compiled fails the create (fail closed); the init only installs the programs.

/// Compiled seccomp filters, installed in order just before the program runs.
#[derive(Debug, Clone, Default)]
pub struct SeccompProgram {
    filters: Vec<seccompiler::BpfProgram>,
}

impl SeccompProgram {
    /// Installs every filter on the calling thread (the init is single-threaded).
    pub fn install(&self) -> Result<(), seccompiler::Error> {
        for filter in &self.filters {
            seccompiler::apply_filter(filter)?;
        }
        Ok(())
    }
}
