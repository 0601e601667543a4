//! Test harness: busybox bundles in temp dirs and a client for the shim socket protocol.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const SHIM: &str = env!("CARGO_BIN_EXE_berth-shim");

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A bundle (config.json + rootfs) in a temp dir, with the shim running it.
pub struct Bundle {
    pub dir: tempfile::TempDir,
    pub id: String,
    pub spec: Value,
    pub shim: Option<Child>,
}

/// A root with busybox and one symlink per applet, /etc/passwd and /etc/group.
pub fn make_rootfs(root: &Path) {
    for d in ["bin", "etc", "tmp", "proc", "sys", "dev", "root"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::copy("/bin/busybox", root.join("bin/busybox")).unwrap();
    let list = Command::new("/bin/busybox").arg("--list").output().unwrap();
    for applet in String::from_utf8(list.stdout).unwrap().lines() {
        if applet != "busybox" {
            let _ = std::os::unix::fs::symlink("busybox", root.join("bin").join(applet));
        }
    }
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n").unwrap();
}

impl Bundle {
    /// A bundle running `args` with the usual namespaces, a new netns and a cgroup.
    pub fn new(args: &[&str]) -> Bundle {
        let dir = tempfile::Builder::new()
            .prefix("berth-shim-test")
            .tempdir()
            .unwrap();
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let id = format!("t{}x{n}", std::process::id());
        make_rootfs(&dir.path().join("rootfs"));
        std::fs::write(dir.path().join("hostname"), "testhost\n").unwrap();
        let spec = json!({
            "ociVersion": "1.0.2",
            "process": {
                "user": {"uid": 0, "gid": 0},
                "args": args,
                "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
                "cwd": "/",
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1048576u64, "soft": 1048576u64}]
            },
            "root": {"path": "rootfs"},
            "hostname": "testhost",
            "mounts": [
                {"destination": "/etc/hostname", "type": "bind",
                 "source": dir.path().join("hostname"), "options": ["rbind", "ro"]}
            ],
            "linux": {
                "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"}, {"type": "network"}],
                "cgroupsPath": format!("/berth-shim-test-{id}"),
                "resources": {}
            }
        });
        Bundle {
            dir,
            id,
            spec,
            shim: None,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("shim.sock")
    }

    pub fn cgroup_dirs(&self) -> Vec<PathBuf> {
        ["memory", "pids", "cpu", "freezer"]
            .iter()
            .map(|c| {
                PathBuf::from("/sys/fs/cgroup")
                    .join(c)
                    .join(format!("berth-shim-test-{}", self.id))
            })
            .collect()
    }

    fn write_spec(&self) {
        std::fs::write(
            self.path().join("config.json"),
            serde_json::to_vec_pretty(&self.spec).unwrap(),
        )
        .unwrap();
    }

    pub fn shim_command(&self, extra: &[&str]) -> Command {
        let mut cmd = Command::new(SHIM);
        cmd.arg("--id")
            .arg(&self.id)
            .arg("--bundle")
            .arg(self.path())
            .arg("--socket")
            .arg(self.socket())
            .args(extra);
        cmd
    }

    /// Writes config.json, spawns the shim and returns its handshake line.
    pub fn create(&mut self, extra: &[&str]) -> Value {
        self.write_spec();
        let mut child = self
            .shim_command(extra)
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        self.shim = Some(child);
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("handshake {line:?}: {e}"))
    }

    pub fn request(&self, req: Value) -> (Value, UnixStream) {
        let mut s = UnixStream::connect(self.socket()).unwrap();
        s.write_all(format!("{req}\n").as_bytes()).unwrap();
        let answer = read_line(&mut s);
        (
            serde_json::from_str(&answer).unwrap_or_else(|e| panic!("answer {answer:?}: {e}")),
            s,
        )
    }

    /// Sends a request without reading the answer (e.g. `wait` before `start`).
    pub fn send(&self, req: Value) -> UnixStream {
        let mut s = UnixStream::connect(self.socket()).unwrap();
        s.write_all(format!("{req}\n").as_bytes()).unwrap();
        s
    }

    /// Opens a `wait` request now; [`Waiter::exit`] reads its answer later.
    pub fn waiter(&self) -> Waiter {
        Waiter(self.send(json!({"op": "wait"})))
    }

    pub fn call(&self, req: Value) -> Value {
        self.request(req).0
    }

    /// Waits for the shim process to exit (it does so shortly after the init).
    pub fn wait_shim_exit(&mut self) {
        if let Some(mut child) = self.shim.take() {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if child.try_wait().unwrap().is_some() {
                    return;
                }
                assert!(Instant::now() < deadline, "shim did not exit");
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    pub fn exit_json(&self) -> Value {
        serde_json::from_slice(&std::fs::read(self.path().join("exit.json")).unwrap()).unwrap()
    }

    pub fn log_entries(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.path().join(format!("{}-json.log", self.id)))
            .unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

pub struct Waiter(UnixStream);

impl Waiter {
    /// The `exit` of the wait answer.
    pub fn exit(mut self) -> Value {
        let answer: Value = serde_json::from_str(&read_line(&mut self.0)).unwrap();
        assert_eq!(answer["ok"], true, "{answer}");
        answer["exit"].clone()
    }
}

/// Reads one line byte by byte (so nothing after it is consumed from the stream).
pub fn read_line(s: &mut UnixStream) -> String {
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while s.read(&mut b).unwrap() == 1 {
        if b[0] == b'\n' {
            break;
        }
        out.push(b[0]);
    }
    String::from_utf8(out).unwrap()
}

/// Reads stdcopy frames until EOF: (stdout, stderr).
pub fn read_frames(s: &mut UnixStream) -> (String, String) {
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut rest = &all[..];
    while rest.len() >= 8 {
        let len = u32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]) as usize;
        let payload = &rest[8..8 + len];
        match rest[0] {
            1 => out.extend_from_slice(payload),
            2 => err.extend_from_slice(payload),
            other => panic!("bad stream id {other}"),
        }
        rest = &rest[8 + len..];
    }
    assert!(rest.is_empty(), "trailing partial frame");
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

impl Drop for Bundle {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.path().join("init.pid")) {
            if let Ok(pid) = pid.trim().parse::<i32>() {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
        self.wait_shim_exit_quietly();
        for d in self.cgroup_dirs() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

impl Bundle {
    fn wait_shim_exit_quietly(&mut self) {
        if let Some(mut child) = self.shim.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A `berth-shim exec` process for a running [`Bundle`].
pub struct ExecShim {
    pub socket: PathBuf,
    pub child: Option<Child>,
}

impl Bundle {
    /// Creates, attaches nothing, and starts the container; returns the init's host pid.
    pub fn run_detached(&mut self) -> i32 {
        let hs = self.create(&[]);
        assert_eq!(hs["ok"], true, "{hs}");
        assert_eq!(self.call(json!({"op": "start"}))["ok"], true);
        hs["pid"].as_i64().unwrap() as i32
    }

    /// Spawns `berth-shim exec` for `process` (an OCI Process) in this running container and
    /// returns its handshake line with the shim.
    pub fn exec(&self, pid: i32, process: Value, extra: &[&str]) -> (Value, ExecShim) {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let process_path = self.path().join(format!("exec{n}.json"));
        std::fs::write(&process_path, serde_json::to_vec(&process).unwrap()).unwrap();
        let socket = self.path().join(format!("exec{n}.sock"));
        let mut child = Command::new(SHIM)
            .arg("exec")
            .arg("--exec-id")
            .arg(format!("exec{n}"))
            .arg("--bundle")
            .arg(self.path())
            .arg("--container-pid")
            .arg(pid.to_string())
            .arg("--process")
            .arg(&process_path)
            .arg("--socket")
            .arg(&socket)
            .args(extra)
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let hs = serde_json::from_str(&line).unwrap_or_else(|e| panic!("handshake {line:?}: {e}"));
        (
            hs,
            ExecShim {
                socket,
                child: Some(child),
            },
        )
    }
}

impl ExecShim {
    pub fn request(&self, req: Value) -> (Value, UnixStream) {
        let mut s = UnixStream::connect(&self.socket).unwrap();
        s.write_all(format!("{req}\n").as_bytes()).unwrap();
        let answer = read_line(&mut s);
        (
            serde_json::from_str(&answer).unwrap_or_else(|e| panic!("answer {answer:?}: {e}")),
            s,
        )
    }

    pub fn call(&self, req: Value) -> Value {
        self.request(req).0
    }

    pub fn waiter(&self) -> Waiter {
        let mut s = UnixStream::connect(&self.socket).unwrap();
        s.write_all(b"{\"op\":\"wait\"}\n").unwrap();
        Waiter(s)
    }

    /// Waits for the exec shim to exit; returns its exit status code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "exec shim did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for ExecShim {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
