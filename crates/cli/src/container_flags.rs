//! The flags shared by `run` and `create`, and how they become a `POST /containers/create` body.

use std::collections::BTreeMap;
use std::path::PathBuf;

use api::{Config, ContainerCreateBody, HostConfig, PortMap, RestartPolicy};
use clap::Args;

use crate::gostr::go_quote;
use crate::mount_flag::{parse_mount, MountFlagError};
use crate::ports::{parse_expose, parse_publish};
use crate::units::{parse_memory_swap, parse_nano_cpus, parse_ram_bytes};
use crate::volume_flag::split_volumes;

/// Container configuration flags with docker's names. `-h` is `--hostname` here, so the
/// commands that flatten this disable clap's automatic `-h` help flag.
#[derive(Debug, Clone, Default, Args)]
pub struct ContainerFlags {
    /// Automatically remove the container and its associated anonymous volumes when it exits
    #[arg(long = "rm")]
    pub rm: bool,
    /// Assign a name to the container
    #[arg(long = "name")]
    pub name: Option<String>,
    /// Set environment variables (NAME=value, or NAME to copy it from this environment)
    #[arg(short = 'e', long = "env")]
    pub env: Vec<String>,
    /// Read in a file of environment variables
    #[arg(long = "env-file")]
    pub env_file: Vec<PathBuf>,
    /// Working directory inside the container
    #[arg(short = 'w', long = "workdir")]
    pub workdir: Option<String>,
    /// Username or UID (format: <name|uid>[:<group|gid>])
    #[arg(short = 'u', long = "user")]
    pub user: Option<String>,
    /// Overwrite the default ENTRYPOINT of the image
    #[arg(long = "entrypoint")]
    pub entrypoint: Option<String>,
    /// Keep STDIN open even if not attached
    #[arg(short = 'i', long = "interactive")]
    pub interactive: bool,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long = "tty")]
    pub tty: bool,
    /// Memory limit (e.g. 32m, 1g, or bytes)
    #[arg(short = 'm', long = "memory")]
    pub memory: Option<String>,
    /// Swap limit equal to memory plus swap: -1 to enable unlimited swap
    #[arg(long = "memory-swap", allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// Number of CPUs (e.g. 0.5)
    #[arg(long = "cpus")]
    pub cpus: Option<String>,
    /// CPU shares (relative weight)
    #[arg(short = 'c', long = "cpu-shares")]
    pub cpu_shares: Option<i64>,
    /// Tune container pids limit (set -1 for unlimited)
    #[arg(long = "pids-limit", allow_hyphen_values = true)]
    pub pids_limit: Option<i64>,
    /// Connect a container to a network (none, host, bridge, ...)
    #[arg(long = "network", visible_alias = "net")]
    pub network: Option<String>,
    /// Container host name
    #[arg(short = 'h', long = "hostname")]
    pub hostname: Option<String>,
    /// Set meta data on a container (key=value)
    #[arg(short = 'l', long = "label")]
    pub label: Vec<String>,
    /// Signal to stop the container
    #[arg(long = "stop-signal")]
    pub stop_signal: Option<String>,
    /// Timeout (in seconds) to stop a container
    #[arg(long = "stop-timeout", allow_hyphen_values = true)]
    pub stop_timeout: Option<i64>,
    /// Publish a container's port(s) to the host ([ip:][hostPort:]containerPort[/proto])
    #[arg(short = 'p', long = "publish")]
    pub publish: Vec<String>,
    /// Expose a port or a range of ports
    #[arg(long = "expose")]
    pub expose: Vec<String>,
    /// Publish all exposed ports to random ports
    #[arg(short = 'P', long = "publish-all")]
    pub publish_all: bool,
    /// IPv4 address (e.g., 172.30.100.104)
    #[arg(long = "ip")]
    pub ip: Option<String>,
    /// Add network-scoped alias for the container
    #[arg(long = "network-alias")]
    pub network_alias: Vec<String>,
    /// Add a custom host-to-IP mapping (host:ip)
    #[arg(long = "add-host")]
    pub add_host: Vec<String>,
    /// Set custom DNS servers
    #[arg(long = "dns")]
    pub dns: Vec<String>,
    /// Mount a tmpfs directory (/path[:options])
    #[arg(long = "tmpfs")]
    pub tmpfs: Vec<String>,
    /// Size of /dev/shm (e.g. 64m)
    #[arg(long = "shm-size")]
    pub shm_size: Option<String>,
    /// Bind mount a volume (host-src:container-dest[:options])
    #[arg(short = 'v', long = "volume")]
    pub volume: Vec<String>,
    /// Attach a filesystem mount to the container (type=bind|volume|tmpfs,source=,target=,...)
    #[arg(long = "mount")]
    pub mount: Vec<String>,
    /// Mount volumes from the specified container(s) (container[:ro|rw])
    #[arg(long = "volumes-from")]
    pub volumes_from: Vec<String>,
    /// Optional volume driver for the container
    #[arg(long = "volume-driver")]
    pub volume_driver: Option<String>,
    /// Restart policy to apply when a container exits (no, always, on-failure[:n], unless-stopped)
    #[arg(long = "restart")]
    pub restart: Option<String>,
    /// Give extended privileges to this container
    #[arg(long = "privileged")]
    pub privileged: bool,
    /// Mount the container's root filesystem as read only
    #[arg(long = "read-only")]
    pub read_only: bool,
    /// Add Linux capabilities
    #[arg(long = "cap-add")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities
    #[arg(long = "cap-drop")]
    pub cap_drop: Vec<String>,
    /// Run an init inside the container that forwards signals and reaps processes
    #[arg(long = "init")]
    pub init: bool,
    /// Pull image before running ("always", "missing", "never")
    #[arg(long = "pull", default_value = "missing")]
    pub pull: String,
    /// Command to run to check health
    #[arg(long = "health-cmd")]
    pub health_cmd: Option<String>,
    /// Time between running the check (ms|s|m|h) (default 0s)
    #[arg(long = "health-interval", allow_hyphen_values = true)]
    pub health_interval: Option<String>,
    /// Maximum time to allow one check to run (ms|s|m|h) (default 0s)
    #[arg(long = "health-timeout", allow_hyphen_values = true)]
    pub health_timeout: Option<String>,
    /// Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)
    #[arg(long = "health-start-period", allow_hyphen_values = true)]
    pub health_start_period: Option<String>,
    /// Time between running the check during the start period (ms|s|m|h) (default 0s)
    #[arg(long = "health-start-interval", allow_hyphen_values = true)]
    pub health_start_interval: Option<String>,
    /// Consecutive failures needed to report unhealthy
    #[arg(long = "health-retries", allow_hyphen_values = true)]
    pub health_retries: Option<i64>,
    /// Disable any container-specified HEALTHCHECK
    #[arg(long = "no-healthcheck")]
    pub no_healthcheck: bool,
}

/// What the user asked for, resolved into a create body.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    pub name: Option<String>,
    pub body: ContainerCreateBody,
}

impl ContainerFlags {
    /// Builds the create body docker would send. `detach` controls the attach flags;
    /// `lookup_env` resolves `-e NAME` (our own environment in production).
    pub fn to_create_request(
        &self,
        image: &str,
        command: &[String],
        detach: bool,
        lookup_env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<CreateRequest, String> {
        let mut env = Vec::new();
        for file in &self.env_file {
            let text = std::fs::read_to_string(file)
                .map_err(|e| format!("open {}: {}", file.display(), io_error_text(&e)))?;
            env.extend(parse_env_file(&text, lookup_env)?);
        }
        env.extend(
            self.env
                .iter()
                .filter_map(|entry| resolve_env(entry, lookup_env)),
        );

        let mut labels = BTreeMap::new();
        for label in &self.label {
            let (k, v) = label.split_once('=').unwrap_or((label.as_str(), ""));
            labels.insert(k.to_string(), v.to_string());
        }

        let config = Config {
            hostname: self.hostname.clone().unwrap_or_default(),
            user: self.user.clone().unwrap_or_default(),
            attach_stdin: !detach && self.interactive,
            attach_stdout: !detach,
            attach_stderr: !detach,
            tty: self.tty,
            open_stdin: self.interactive,
            stdin_once: !detach && self.interactive,
            env: if env.is_empty() { None } else { Some(env) },
            cmd: if command.is_empty() {
                None
            } else {
                Some(command.to_vec())
            },
            image: image.to_string(),
            working_dir: self.workdir.clone().unwrap_or_default(),
            entrypoint: self.entrypoint.as_ref().map(|e| vec![e.clone()]),
            labels: Some(labels),
            stop_signal: self.stop_signal.clone().unwrap_or_default(),
            stop_timeout: self.stop_timeout,
            ..Config::default()
        };

        let memory = self
            .memory
            .as_deref()
            .map(|m| parse_ram_bytes(m).map_err(|e| flag_error(m, "-m, --memory", &e)))
            .transpose()?
            .unwrap_or(0);
        let memory_swap = self
            .memory_swap
            .as_deref()
            .map(|m| parse_memory_swap(m).map_err(|e| flag_error(m, "--memory-swap", &e)))
            .transpose()?
            .unwrap_or(0);
        let nano_cpus = self
            .cpus
            .as_deref()
            .map(|c| parse_nano_cpus(c).map_err(|e| flag_error(c, "--cpus", &e)))
            .transpose()?
            .unwrap_or(0);
        if self.rm
            && self
                .restart
                .as_deref()
                .is_some_and(|r| r != "no" && !r.is_empty())
        {
            return Err("conflicting options: cannot specify both --restart and --rm".to_string());
        }

        let mut exposed: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        for spec in &self.expose {
            for key in parse_expose(spec)? {
                exposed.insert(key, serde_json::json!({}));
            }
        }
        let mut port_bindings: PortMap = BTreeMap::new();
        for spec in &self.publish {
            for (key, binding) in parse_publish(spec)? {
                exposed.insert(key.clone(), serde_json::json!({}));
                port_bindings
                    .entry(key)
                    .or_insert_with(|| Some(Vec::new()))
                    .get_or_insert_with(Vec::new)
                    .push(binding);
            }
        }
        // Relative bind sources (`-v ./x:/x`, `--mount src=.`) are taken from where berth runs.
        let cwd = std::env::current_dir().ok();
        let (volumes, binds) = split_volumes(&self.volume, cwd.as_deref())?;
        let mut mounts = Vec::new();
        for value in &self.mount {
            mounts.push(parse_mount(value, cwd.as_deref()).map_err(|e| match e {
                MountFlagError::Invalid(why) => flag_error(value, "--mount", &why),
                MountFlagError::NeedsNewerApi(why) => why,
            })?);
        }
        let mut tmpfs = BTreeMap::new();
        for spec in &self.tmpfs {
            let (path, options) = spec.split_once(':').unwrap_or((spec.as_str(), ""));
            tmpfs.insert(path.to_string(), options.to_string());
        }
        let shm_size = self
            .shm_size
            .as_deref()
            .map(|m| parse_ram_bytes(m).map_err(|e| flag_error(m, "--shm-size", &e)))
            .transpose()?
            .unwrap_or(0);
        let healthcheck = self.healthcheck()?;
        let config = Config {
            healthcheck,
            exposed_ports: if exposed.is_empty() {
                None
            } else {
                Some(exposed)
            },
            volumes: Some(volumes),
            ..config
        };

        let host_config = HostConfig {
            port_bindings: if port_bindings.is_empty() {
                None
            } else {
                Some(port_bindings)
            },
            extra_hosts: if self.add_host.is_empty() {
                None
            } else {
                Some(self.add_host.clone())
            },
            dns: if self.dns.is_empty() {
                None
            } else {
                Some(self.dns.clone())
            },
            tmpfs: if tmpfs.is_empty() { None } else { Some(tmpfs) },
            shm_size,
            binds: if binds.is_empty() { None } else { Some(binds) },
            mounts: if mounts.is_empty() {
                None
            } else {
                Some(mounts)
            },
            volumes_from: if self.volumes_from.is_empty() {
                None
            } else {
                Some(self.volumes_from.clone())
            },
            volume_driver: self.volume_driver.clone().unwrap_or_default(),
            network_mode: self
                .network
                .clone()
                .unwrap_or_else(|| "default".to_string()),
            restart_policy: parse_restart_policy(self.restart.as_deref())?,
            auto_remove: self.rm,
            cap_add: if self.cap_add.is_empty() {
                None
            } else {
                Some(self.cap_add.clone())
            },
            cap_drop: if self.cap_drop.is_empty() {
                None
            } else {
                Some(self.cap_drop.clone())
            },
            privileged: self.privileged,
            readonly_rootfs: self.read_only,
            cpu_shares: self.cpu_shares.unwrap_or(0),
            memory,
            memory_swap,
            nano_cpus,
            pids_limit: self.pids_limit,
            init: if self.init { Some(true) } else { None },
            publish_all_ports: self.publish_all,
            ..HostConfig::default()
        };
        let networking_config = self.networking_config(&host_config.network_mode);

        Ok(CreateRequest {
            name: self.name.clone(),
            body: ContainerCreateBody {
                config,
                host_config,
                networking_config,
            },
        })
    }
}

/// Marks a flag value error; docker prints these with the usage line instead of `berth: `.
pub const FLAG_ERROR_PREFIX: &str = "invalid argument ";

impl ContainerFlags {
    /// `--ip` and `--network-alias` go on the endpoint of the `--network` (docker's
    /// `NetworkingConfig.EndpointsConfig`).
    fn networking_config(&self, mode: &str) -> api::NetworkingConfig {
        if self.ip.is_none() && self.network_alias.is_empty() {
            return api::NetworkingConfig::default();
        }
        let endpoint = api::EndpointSettings {
            ipam_config: self
                .ip
                .as_ref()
                .map(|ip| serde_json::json!({ "IPv4Address": ip })),
            aliases: if self.network_alias.is_empty() {
                None
            } else {
                Some(self.network_alias.clone())
            },
            ..Default::default()
        };
        api::NetworkingConfig {
            endpoints_config: Some([(mode.to_string(), endpoint)].into()),
        }
    }

    /// docker's `--health-*` / `--no-healthcheck` → `Config.Healthcheck` (`None`: the image's).
    fn healthcheck(&self) -> Result<Option<serde_json::Value>, String> {
        let duration = |value: &Option<String>, flag: &str| -> Result<i64, String> {
            match value.as_deref() {
                None => Ok(0),
                Some(v) => crate::timestamp::parse_go_duration(v)
                    .and_then(|n| i64::try_from(n).ok())
                    .ok_or_else(|| {
                        flag_error(v, flag, &format!("time: invalid duration {}", go_quote(v)))
                    }),
            }
        };
        let interval = duration(&self.health_interval, "--health-interval")?;
        let timeout = duration(&self.health_timeout, "--health-timeout")?;
        let start_period = duration(&self.health_start_period, "--health-start-period")?;
        let start_interval = duration(&self.health_start_interval, "--health-start-interval")?;
        let retries = self.health_retries.unwrap_or(0);
        let cmd = self.health_cmd.clone().unwrap_or_default();
        let have_settings = !cmd.is_empty()
            || interval != 0
            || timeout != 0
            || start_period != 0
            || retries != 0
            || start_interval != 0;
        if self.no_healthcheck {
            if have_settings {
                return Err("--no-healthcheck conflicts with --health-* options".into());
            }
            return Ok(Some(serde_json::json!({"Test": ["NONE"]})));
        }
        if !have_settings {
            return Ok(None);
        }
        for (value, flag) in [
            (interval, "--health-interval"),
            (timeout, "--health-timeout"),
            (retries, "--health-retries"),
            (start_period, "--health-start-period"),
            (start_interval, "--health-start-interval"),
        ] {
            if value < 0 {
                return Err(format!("{flag} cannot be negative"));
            }
        }
        let hc = api::HealthConfig {
            test: (!cmd.is_empty()).then(|| vec!["CMD-SHELL".to_string(), cmd]),
            interval,
            timeout,
            start_period,
            start_interval,
            retries,
        };
        serde_json::to_value(hc)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

fn flag_error(value: &str, flag: &str, error: &str) -> String {
    format!(
        "{FLAG_ERROR_PREFIX}{} for \"{flag}\" flag: {error}",
        go_quote(value)
    )
}

/// `-e NAME=value` stays; `-e NAME` takes NAME's value from our environment, and is left out
/// when unset (docker passes it bare, and the runtime drops entries without `=`).
fn resolve_env(entry: &str, lookup_env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if entry.contains('=') {
        return Some(entry.to_string());
    }
    lookup_env(entry).map(|value| format!("{entry}={value}"))
}

/// An env file: one `NAME=value` or `NAME` per line; blank lines and `#` comments are skipped.
pub fn parse_env_file(
    text: &str,
    lookup_env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let name = trimmed.split('=').next().unwrap_or("");
        if name.is_empty() {
            return Err(format!("invalid environment variable: {line}"));
        }
        if name.contains(char::is_whitespace) {
            return Err(format!("variable '{name}' contains whitespaces"));
        }
        if trimmed.contains('=') {
            out.push(trimmed.to_string());
        } else if let Some(value) = lookup_env(trimmed) {
            out.push(format!("{trimmed}={value}"));
        }
    }
    Ok(out)
}

fn parse_restart_policy(spec: Option<&str>) -> Result<RestartPolicy, String> {
    let Some(spec) = spec.filter(|s| !s.is_empty()) else {
        return Ok(RestartPolicy::default());
    };
    let (name, count) = spec.split_once(':').unwrap_or((spec, ""));
    let maximum_retry_count = if count.is_empty() {
        0
    } else {
        count.parse().map_err(|_| {
            "invalid restart policy format: maximum retry count must be an integer".to_string()
        })?
    };
    match name {
        "no" | "always" | "unless-stopped" | "on-failure" => Ok(RestartPolicy {
            name: name.to_string(),
            maximum_retry_count,
        }),
        _ => Err(format!(
            "invalid restart policy format: unknown policy '{name}'"
        )),
    }
}

fn io_error_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "FROM_HOST").then(|| "hostvalue".to_string())
    }

    #[test]
    fn attached_run_body() {
        let flags = ContainerFlags {
            rm: true,
            env: vec!["A=1".into(), "FROM_HOST".into(), "UNSET".into()],
            memory: Some("32m".into()),
            cpus: Some("0.5".into()),
            pids_limit: Some(10),
            label: vec!["k=v".into(), "bare".into()],
            ..ContainerFlags::default()
        };
        let req = flags
            .to_create_request("busybox", &["echo".into(), "hi".into()], false, &env)
            .unwrap();
        let c = &req.body.config;
        assert_eq!(c.image, "busybox");
        assert_eq!(
            c.cmd.as_deref(),
            Some(&["echo".to_string(), "hi".to_string()][..])
        );
        assert!(c.attach_stdout && c.attach_stderr && !c.attach_stdin && !c.open_stdin);
        assert_eq!(
            c.env.as_deref(),
            Some(&["A=1".to_string(), "FROM_HOST=hostvalue".to_string()][..])
        );
        let labels = c.labels.as_ref().unwrap();
        assert_eq!(labels.get("k").map(String::as_str), Some("v"));
        assert_eq!(labels.get("bare").map(String::as_str), Some(""));
        let h = &req.body.host_config;
        assert!(h.auto_remove);
        assert_eq!(h.memory, 32 << 20);
        assert_eq!(h.nano_cpus, 500_000_000);
        assert_eq!(h.pids_limit, Some(10));
        assert_eq!(h.network_mode, "default");
    }

    #[test]
    fn health_flags() {
        let flags = ContainerFlags {
            health_cmd: Some("test -f /tmp/ok".into()),
            health_interval: Some("200ms".into()),
            health_retries: Some(2),
            ..ContainerFlags::default()
        };
        let req = flags.to_create_request("busybox", &[], true, &env).unwrap();
        assert_eq!(
            req.body.config.healthcheck,
            Some(
                serde_json::json!({"Test": ["CMD-SHELL", "test -f /tmp/ok"], "Interval": 200_000_000, "Retries": 2})
            )
        );
        let none = ContainerFlags {
            no_healthcheck: true,
            ..ContainerFlags::default()
        };
        let req = none.to_create_request("busybox", &[], true, &env).unwrap();
        assert_eq!(
            req.body.config.healthcheck,
            Some(serde_json::json!({"Test": ["NONE"]}))
        );
        let conflict = ContainerFlags {
            no_healthcheck: true,
            health_retries: Some(1),
            ..ContainerFlags::default()
        };
        assert_eq!(
            conflict
                .to_create_request("busybox", &[], true, &env)
                .unwrap_err(),
            "--no-healthcheck conflicts with --health-* options"
        );
        let bad = ContainerFlags {
            health_timeout: Some("soon".into()),
            ..ContainerFlags::default()
        };
        assert_eq!(
            bad.to_create_request("busybox", &[], true, &env).unwrap_err(),
            "invalid argument \"soon\" for \"--health-timeout\" flag: time: invalid duration \"soon\""
        );
        let negative = ContainerFlags {
            health_interval: Some("-1s".into()),
            ..ContainerFlags::default()
        };
        assert_eq!(
            negative
                .to_create_request("busybox", &[], true, &env)
                .unwrap_err(),
            "--health-interval cannot be negative"
        );
        let plain = ContainerFlags::default()
            .to_create_request("busybox", &[], true, &env)
            .unwrap();
        assert_eq!(plain.body.config.healthcheck, None);
    }

    #[test]
    fn interactive_and_detached() {
        let flags = ContainerFlags {
            interactive: true,
            ..ContainerFlags::default()
        };
        let req = flags
            .to_create_request("busybox", &[], false, &env)
            .unwrap();
        assert!(
            req.body.config.attach_stdin
                && req.body.config.open_stdin
                && req.body.config.stdin_once
        );
        assert!(req.body.config.cmd.is_none());
        let req = flags.to_create_request("busybox", &[], true, &env).unwrap();
        assert!(!req.body.config.attach_stdin && !req.body.config.attach_stdout);
        assert!(req.body.config.open_stdin && !req.body.config.stdin_once);
    }

    #[test]
    fn bad_values_are_errors() {
        let flags = ContainerFlags {
            memory: Some("lots".into()),
            ..ContainerFlags::default()
        };
        assert!(flags
            .to_create_request("busybox", &[], false, &env)
            .is_err());
        let flags = ContainerFlags {
            cpus: Some("x".into()),
            ..ContainerFlags::default()
        };
        assert!(flags
            .to_create_request("busybox", &[], false, &env)
            .is_err());
        let flags = ContainerFlags {
            rm: true,
            restart: Some("always".into()),
            ..ContainerFlags::default()
        };
        assert!(flags
            .to_create_request("busybox", &[], false, &env)
            .is_err());
    }

    #[test]
    fn ports_hosts_tmpfs_and_shm() {
        let flags = ContainerFlags {
            publish: vec!["8080:80".into(), "127.0.0.1:9090:90/udp".into()],
            expose: vec!["443".into()],
            add_host: vec!["db:10.0.0.2".into()],
            tmpfs: vec!["/run:size=1m".into(), "/scratch".into()],
            shm_size: Some("128m".into()),
            ..ContainerFlags::default()
        };
        let req = flags.to_create_request("busybox", &[], true, &env).unwrap();
        let exposed = req.body.config.exposed_ports.unwrap();
        assert_eq!(
            exposed.keys().collect::<Vec<_>>(),
            ["443/tcp", "80/tcp", "90/udp"]
        );
        let h = &req.body.host_config;
        let bindings = h.port_bindings.as_ref().unwrap();
        let b80 = bindings["80/tcp"].as_ref().unwrap();
        assert_eq!(
            (b80[0].host_ip.as_str(), b80[0].host_port.as_str()),
            ("", "8080")
        );
        let b90 = bindings["90/udp"].as_ref().unwrap();
        assert_eq!(b90[0].host_ip, "127.0.0.1");
        assert_eq!(
            h.extra_hosts.as_deref(),
            Some(&["db:10.0.0.2".to_string()][..])
        );
        let tmpfs = h.tmpfs.as_ref().unwrap();
        assert_eq!(tmpfs["/run"], "size=1m");
        assert_eq!(tmpfs["/scratch"], "");
        assert_eq!(h.shm_size, 128 << 20);

        let bad = ContainerFlags {
            publish: vec!["notaport".into()],
            ..ContainerFlags::default()
        };
        assert_eq!(
            bad.to_create_request("busybox", &[], true, &env)
                .unwrap_err(),
            "invalid containerPort: notaport"
        );
    }

    #[test]
    fn volume_mount_and_tmpfs_flags() {
        // docker 28.2.2 sent these fields for
        // `create -v /data -v vol:/x:ro --mount type=tmpfs,target=/t,tmpfs-size=1m --tmpfs
        //  /run:rw,size=64m --volumes-from c1:ro --read-only busybox`
        let flags = ContainerFlags {
            volume: vec!["/data".into(), "vol:/x:ro".into()],
            mount: vec!["type=tmpfs,target=/t,tmpfs-size=1m".into()],
            tmpfs: vec!["/run:rw,size=64m".into()],
            volumes_from: vec!["c1:ro".into()],
            read_only: true,
            ..ContainerFlags::default()
        };
        let req = flags.to_create_request("busybox", &[], true, &env).unwrap();
        let body = serde_json::to_value(&req.body).unwrap();
        assert_eq!(body["Volumes"], serde_json::json!({"/data": {}}));
        let h = &body["HostConfig"];
        assert_eq!(h["Binds"], serde_json::json!(["vol:/x:ro"]));
        assert_eq!(
            h["Mounts"],
            serde_json::json!([{"Type": "tmpfs", "Target": "/t", "TmpfsOptions": {"SizeBytes": 1048576}}])
        );
        assert_eq!(h["Tmpfs"], serde_json::json!({"/run": "rw,size=64m"}));
        assert_eq!(h["VolumesFrom"], serde_json::json!(["c1:ro"]));
        assert_eq!(h["ReadonlyRootfs"], serde_json::json!(true));

        // without any: `"Volumes":{}`, `"Binds":null`, `"VolumesFrom":null`, no Mounts/Tmpfs
        let req = ContainerFlags::default()
            .to_create_request("busybox", &[], true, &env)
            .unwrap();
        let body = serde_json::to_value(&req.body).unwrap();
        assert_eq!(body["Volumes"], serde_json::json!({}));
        assert!(body["HostConfig"]["Binds"].is_null());
        assert!(body["HostConfig"]["VolumesFrom"].is_null());
        assert!(body["HostConfig"].get("Mounts").is_none());
        assert!(body["HostConfig"].get("Tmpfs").is_none());
    }

    #[test]
    fn bad_mount_and_volume_values_read_like_docker() {
        let flags = ContainerFlags {
            mount: vec!["type=\"bind".into()],
            ..ContainerFlags::default()
        };
        assert_eq!(
            flags.to_create_request("busybox", &[], true, &env).unwrap_err(),
            "invalid argument \"type=\\\"bind\" for \"--mount\" flag: parse error on line 1, column 6: bare \" in non-quoted-field"
        );
        let flags = ContainerFlags {
            volume: vec!["/a::/b".into()],
            ..ContainerFlags::default()
        };
        assert_eq!(
            flags
                .to_create_request("busybox", &[], true, &env)
                .unwrap_err(),
            "invalid spec: /a::/b: empty section between colons"
        );
    }

    #[test]
    fn env_file_lines() {
        let text = "# comment\n\nA=1\nFROM_HOST\nMISSING\nB=x=y\n";
        assert_eq!(
            parse_env_file(text, &env).unwrap(),
            vec!["A=1", "FROM_HOST=hostvalue", "B=x=y"]
        );
        assert!(parse_env_file("=x\n", &env).is_err());
    }
}
