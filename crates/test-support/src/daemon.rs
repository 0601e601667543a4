//! A real `berthd` on a temporary data root, exec root and socket, torn down on drop.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::bins::bin_path;
use crate::busybox::busybox_rootfs_tar;
use crate::http::{self, Response};

/// How long one CLI command may take before the test fails instead of hanging CI.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `cmd` to completion like `Command::output`, but kills it and panics (naming the command)
/// when it takes longer than `timeout`: a hung daemon must fail a test, not stall the suite.
pub fn output_within(mut cmd: Command, timeout: Duration) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let read_all = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = read_all(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let stderr = read_all(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for command") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

/// One daemon per test: its own root, run dir, socket and cgroup parent, so tests never collide.
pub struct Daemon {
    dir: tempfile::TempDir,
    pub data_root: PathBuf,
    pub exec_root: PathBuf,
    pub socket: PathBuf,
    pub cgroup_parent: String,
    /// berthd arguments beyond the fixed ones (kept across restarts).
    extra_args: Vec<String>,
    /// This daemon's default bridge, `--bip` and address pool (unique on the machine).
    pub net: crate::net_slot::NetSlot,
    child: Option<Child>,
}

impl Daemon {
    /// Starts a daemon and waits until its socket answers `/_ping`.
    pub fn start() -> Daemon {
        Self::try_start().expect("start berthd")
    }

    /// Starts a daemon and imports the busybox fixture as `busybox:latest`.
    pub fn with_busybox() -> Daemon {
        let daemon = Self::start();
        daemon.import_busybox();
        daemon
    }

    pub fn try_start() -> Result<Daemon> {
        Self::try_start_with_args(&[])
    }

    /// Starts a daemon with extra berthd arguments (e.g. `--config-file`, `--log-opt`).
    pub fn start_with_args(args: &[&str]) -> Daemon {
        Self::try_start_with_args(args).expect("start berthd")
    }

    pub fn try_start_with_args(args: &[&str]) -> Result<Daemon> {
        // Short paths: shim sockets live under the exec root and UNIX socket paths are limited to 108 bytes.
        let dir = tempfile::Builder::new().prefix("bt").tempdir_in("/tmp")?;
        let data_root = dir.path().join("root");
        let exec_root = dir.path().join("run");
        let socket = dir.path().join("d.sock");
        let tag = dir
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let mut daemon = Daemon {
            data_root,
            exec_root,
            socket,
            cgroup_parent: format!("berth-test-{tag}"),
            extra_args: args.iter().map(|a| a.to_string()).collect(),
            net: crate::net_slot::NetSlot::claim(),
            dir,
            child: None,
        };
        daemon.spawn()?;
        Ok(daemon)
    }

    fn spawn(&mut self) -> Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("berthd.log"))?;
        let child = Command::new(bin_path("berthd"))
            .arg("--data-root")
            .arg(&self.data_root)
            .arg("--exec-root")
            .arg(&self.exec_root)
            .arg("-H")
            .arg(format!("unix://{}", self.socket.display()))
            .arg("--cgroup-parent")
            .arg(&self.cgroup_parent)
            // Networking of its own: tests never share a bridge, subnet or nft table, and
            // never change the host's sysctls.
            .arg("--bridge")
            .arg(self.net.bridge())
            .arg("--bip")
            .arg(self.net.bip())
            .arg("--default-address-pool")
            .arg(self.net.address_pool())
            .arg("--ip-forward=false")
            .args(&self.extra_args)
            .env("BERTH_SHIM", bin_path("berth-shim"))
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .context("spawn berthd")?;
        self.child = Some(child);
        self.wait_ready()
    }

    fn wait_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(resp) = self.request("GET", "/_ping", None) {
                if resp.status == 200 {
                    return Ok(());
                }
            }
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    bail!("berthd exited early with {status}; log:\n{}", self.log());
                }
            }
            if Instant::now() > deadline {
                bail!(
                    "berthd did not answer /_ping within 20 s; log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The daemon's own log, for assertion messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("berthd.log")).unwrap_or_default()
    }

    /// `unix://<socket>`, for DOCKER_HOST and `berth -H`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Fails if anything is mounted on the host under this daemon's directories (data root,
    /// exec root, scratch): every container mount must live in the container's own namespace.
    #[track_caller]
    pub fn assert_no_host_mounts(&self) {
        let dir = self.scratch().parent().unwrap_or(&self.data_root);
        let dir = dir.to_string_lossy().into_owned();
        let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let leaked: Vec<&str> = mountinfo.lines().filter(|l| l.contains(&dir)).collect();
        assert!(leaked.is_empty(), "mounts left on the host: {leaked:?}");
    }

    /// `docker events` from the start up to a second ahead, with `--filter` values and a
    /// `--format`. The bound is a timestamp, not a duration: the CLI rounds `--until 0s` down to
    /// whole seconds, which would leave out the events of the current second.
    #[track_caller]
    pub fn past_events(&self, filters: &[&str], format: &str) -> String {
        let until = format!("{:.3}", crate::unix_now() + 1.0);
        let mut args = vec!["events", "--since", "0", "--until", &until];
        for f in filters {
            args.extend(["--filter", f]);
        }
        args.extend(["--format", format]);
        crate::expect_success(self.docker(&args))
    }

    /// A scratch directory that is removed with the daemon.
    pub fn scratch(&self) -> &Path {
        self.dir.path()
    }

    /// PID of the berthd process.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// `kill -9` of berthd: containers and shims must survive it.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts berthd again on the same roots and socket.
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn().expect("restart berthd");
    }

    /// `docker inspect -f FORMAT NAME`, trimmed; the test fails if inspect fails.
    #[track_caller]
    pub fn inspect_format(&self, format: &str, name: &str) -> String {
        crate::expect_success(self.docker(&["inspect", "-f", format, name]))
            .trim()
            .to_string()
    }

    /// Runs the real docker CLI against this daemon (failing the test if it hangs).
    pub fn docker(&self, args: &[&str]) -> Output {
        output_within(self.docker_cmd(args), COMMAND_TIMEOUT)
    }

    /// A docker CLI command with DOCKER_HOST and a private DOCKER_CONFIG set, for custom stdio.
    pub fn docker_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("docker");
        cmd.args(args)
            .env("DOCKER_HOST", self.host())
            .env("DOCKER_CONFIG", self.dir.path().join("docker-config"))
            .env_remove("DOCKER_API_VERSION")
            .env_remove("DOCKER_CONTEXT")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs our `berth` CLI against this daemon (failing the test if it hangs).
    pub fn berth(&self, args: &[&str]) -> Output {
        output_within(self.berth_cmd(args), COMMAND_TIMEOUT)
    }

    pub fn berth_cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin_path("berth"));
        cmd.arg("-H")
            .arg(self.host())
            .args(args)
            .env_remove("DOCKER_HOST")
            .env_remove("BERTH_HOST")
            .env("DOCKER_CONFIG", self.dir.path().join("docker-config"))
            .stdin(Stdio::null());
        cmd
    }

    /// One raw HTTP request on the API socket.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, &[u8])>,
    ) -> Result<Response> {
        http::request(&self.socket, method, path, body)
    }

    /// Imports the busybox fixture as `busybox:latest` through the API (`POST /images/create?fromSrc=-`).
    pub fn import_busybox(&self) {
        let resp = self
            .request(
                "POST",
                "/v1.41/images/create?fromSrc=-&repo=busybox&tag=latest",
                Some(("application/x-tar", busybox_rootfs_tar())),
            )
            .expect("import busybox");
        assert_eq!(resp.status, 200, "import failed: {}", resp.text());
        assert!(
            !resp.text().contains("error"),
            "import failed: {}",
            resp.text()
        );
    }

    fn cleanup(&mut self) {
        if self.child.is_some() {
            // Remove every container through the API so shims, cgroups and files go the normal way.
            if let Ok(resp) = self.request("GET", "/v1.41/containers/json?all=1", None) {
                if let Ok(list) = serde_json::from_slice::<Vec<serde_json::Value>>(&resp.body) {
                    for c in list {
                        if let Some(id) = c["Id"].as_str() {
                            let _ = self.request(
                                "DELETE",
                                &format!("/v1.41/containers/{id}?force=1"),
                                None,
                            );
                        }
                    }
                }
            }
        }
        self.kill9();
        kill_processes_under(self.dir.path());
        remove_cgroups(&self.cgroup_parent);
        unmount_under(self.dir.path());
        self.net.remove_host_state(Some(&self.data_root));
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// Kills any shim or container process whose command line mentions `dir` (left behind by a failed test).
fn kill_processes_under(dir: &Path) {
    let needle = dir.to_string_lossy().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(&needle) && pid != std::process::id() as i32 {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
    }
}

/// Removes `<parent>` cgroups (children first) from every v1 hierarchy and the v2 root.
fn remove_cgroups(parent: &str) {
    let Ok(hierarchies) = std::fs::read_dir("/sys/fs/cgroup") else {
        return;
    };
    for h in hierarchies.flatten() {
        let dir = h.path().join(parent);
        if dir.exists() {
            remove_cgroup_tree(&dir);
        }
    }
    let v2 = Path::new("/sys/fs/cgroup").join(parent);
    if v2.exists() {
        remove_cgroup_tree(&v2);
    }
}

fn remove_cgroup_tree(dir: &Path) {
    if let Ok(children) = std::fs::read_dir(dir) {
        for child in children.flatten() {
            if child.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                remove_cgroup_tree(&child.path());
            }
        }
    }
    for _ in 0..50 {
        if std::fs::remove_dir(dir).is_ok() || !dir.exists() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn unmount_under(dir: &Path) {
    let needle = dir.to_string_lossy().to_string();
    let Ok(mounts) = std::fs::read_to_string("/proc/self/mounts") else {
        return;
    };
    let mut targets: Vec<&str> = mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|t| t.starts_with(&needle))
        .collect();
    targets.sort_by_key(|t| std::cmp::Reverse(t.len()));
    for t in targets {
        let _ = Command::new("umount").arg("-l").arg(t).status();
    }
}

/// Writes `data` to a file in the daemon's scratch dir and returns its path.
pub fn write_scratch(daemon: &Daemon, name: &str, data: &[u8]) -> PathBuf {
    let path = daemon.scratch().join(name);
    let mut f = std::fs::File::create(&path).expect("create scratch file");
    f.write_all(data).expect("write scratch file");
    path
}

/// Waits for `check` to hold, up to `timeout`; returns whether it did.
pub fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    check()
}

/// Quick check used before the connection exists.
pub fn socket_accepts(path: &Path) -> bool {
    UnixStream::connect(path).is_ok()
}
