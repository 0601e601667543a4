//! What `POST /build` says about the containers of RUN steps beyond their network: `extrahosts`,
//! `shmsize` and the resource limits (`memory`, `memswap`, `cpushares`, `cpusetcpus`, …), the
//! query parameters behind `docker build --add-host/--shm-size/--memory` and docker-py's
//! `extra_hosts`, `shmsize` and `container_limits`. dockerd gives them to every RUN container.

/// The host settings of RUN containers taken from the build query (zero/empty: the default).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildRunResources {
    /// `host:ip` entries for `/etc/hosts` (`extrahosts`, repeatable).
    pub extra_hosts: Vec<String>,
    /// `/dev/shm` size in bytes.
    pub shm_size: i64,
    pub memory: i64,
    pub memory_swap: i64,
    pub cpu_shares: i64,
    pub cpu_period: i64,
    pub cpu_quota: i64,
    pub cpuset_cpus: String,
    pub cpuset_mems: String,
}

impl BuildRunResources {
    /// Writes the settings into a RUN container's host config.
    pub(crate) fn apply(&self, host_config: &mut api::HostConfig) {
        if !self.extra_hosts.is_empty() {
            host_config.extra_hosts = Some(self.extra_hosts.clone());
        }
        host_config.shm_size = self.shm_size;
        host_config.memory = self.memory;
        host_config.memory_swap = self.memory_swap;
        host_config.cpu_shares = self.cpu_shares;
        host_config.cpu_period = self.cpu_period;
        host_config.cpu_quota = self.cpu_quota;
        host_config.cpuset_cpus = self.cpuset_cpus.clone();
        host_config.cpuset_mems = self.cpuset_mems.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_sets_every_field_and_keeps_defaults_when_unset() {
        let mut host_config = api::HostConfig::default();
        BuildRunResources::default().apply(&mut host_config);
        assert_eq!(host_config.extra_hosts, None);
        assert_eq!(host_config.shm_size, 0);

        let resources = BuildRunResources {
            extra_hosts: vec!["myhost:10.1.2.3".into()],
            shm_size: 32 << 20,
            memory: 128 << 20,
            memory_swap: 256 << 20,
            cpu_shares: 512,
            cpu_period: 100_000,
            cpu_quota: 50_000,
            cpuset_cpus: "0".into(),
            cpuset_mems: "0".into(),
        };
        resources.apply(&mut host_config);
        assert_eq!(
            host_config.extra_hosts.as_deref(),
            Some(&["myhost:10.1.2.3".to_string()][..])
        );
        assert_eq!(host_config.shm_size, 32 << 20);
        assert_eq!(host_config.memory, 128 << 20);
        assert_eq!(host_config.memory_swap, 256 << 20);
        assert_eq!(host_config.cpu_shares, 512);
        assert_eq!(host_config.cpu_period, 100_000);
        assert_eq!(host_config.cpu_quota, 50_000);
        assert_eq!(host_config.cpuset_cpus, "0");
        assert_eq!(host_config.cpuset_mems, "0");
    }
}
