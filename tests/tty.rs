//! Interactive containers under a real pty (issue 3): `run -it`, `exec -it`, window resize,
//! detach with ctrl-p ctrl-q and re-attach, through the docker CLI and `berth`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use test_support::{eventually, expect_success, require_root, Daemon};

/// A pty driver: runs a shell command on a new pty (24x80) and feeds it inputs; `RESIZE r c`
/// changes the window size, `SLEEP s` waits. Prints the output, then `[exit N]`.
const PTY_DRIVER: &str = r#"
import os, pty, sys, time, struct, fcntl, termios, select
cmd = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("bash", ["bash", "-c", cmd])
def setsize(r, c):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
setsize(24, 80)
out = b""
def drain(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try: d = os.read(fd, 4096)
            except OSError: return
            if not d: return
            out += d
drain(1.0)
for a in sys.argv[2:]:
    if a.startswith("RESIZE"):
        _, r, c = a.split(); setsize(int(r), int(c)); drain(0.5)
    elif a.startswith("SLEEP"):
        drain(float(a.split()[1]))
    else:
        os.write(fd, a.encode().decode("unicode_escape").encode("latin-1")); drain(0.5)
status = None
end = time.time() + 10
while time.time() < end:
    drain(0.1)
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = os.waitstatus_to_exitcode(st)
        break
drain(0.2)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
print("\n[exit %s]" % status)
"#;

struct Pty {
    driver: PathBuf,
}

impl Pty {
    fn new(d: &Daemon) -> Pty {
        let driver = d.scratch().join("ptydriver.py");
        std::fs::write(&driver, PTY_DRIVER).unwrap();
        Pty { driver }
    }

    /// Runs `cli args…` (with DOCKER_HOST or -H for this daemon) on a pty; returns the output
    /// and the exit code (None if it did not exit).
    fn run(&self, d: &Daemon, cli: &str, args: &str, inputs: &[&str]) -> (String, Option<i32>) {
        let cmd = match cli {
            "docker" => format!(
                "DOCKER_HOST={} DOCKER_CONFIG={} docker {args}",
                d.host(),
                d.scratch().join("docker-config").display()
            ),
            _ => format!("{} -H {} {args}", berth_bin().display(), d.host()),
        };
        let out = Command::new("python3")
            .arg(&self.driver)
            .arg(&cmd)
            .args(inputs)
            .output()
            .expect("python3 pty driver");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let code = text
            .rsplit("[exit ")
            .next()
            .and_then(|t| t.trim().trim_end_matches(']').parse().ok());
        (text, code)
    }
}

fn berth_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/debug/deps/tty-xxxx → target/debug/berth
    exe.parent().unwrap().parent().unwrap().join("berth")
}

#[test]
fn run_it_echo_exit_code_and_resize() {
    require_root!();
    let d = Daemon::with_busybox();
    let pty = Pty::new(&d);
    for cli in ["docker", "berth"] {
        let (out, code) = pty.run(
            &d,
            cli,
            "run -it --rm busybox sh",
            &[
                "echo $((6*7))\\r",
                "stty size\\r",
                "RESIZE 30 100",
                "stty size\\r",
                "exit 5\\r",
            ],
        );
        assert!(out.lines().any(|l| l.trim() == "42"), "{cli}: {out}");
        assert!(out.lines().any(|l| l.trim() == "24 80"), "{cli}: {out}");
        assert!(out.lines().any(|l| l.trim() == "30 100"), "{cli}: {out}");
        assert_eq!(code, Some(5), "{cli}: {out}");
    }
}

#[test]
fn exec_it_runs_a_shell() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&["run", "-d", "--name", "box", "busybox", "sleep", "1000"]));
    let pty = Pty::new(&d);
    for cli in ["docker", "berth"] {
        let (out, code) = pty.run(
            &d,
            cli,
            "exec -it box sh",
            &[
                "echo $((6*7))\\r",
                "stty size\\r",
                "RESIZE 40 120",
                "stty size\\r",
                "exit 3\\r",
            ],
        );
        assert!(out.lines().any(|l| l.trim() == "42"), "{cli}: {out}");
        assert!(out.lines().any(|l| l.trim() == "24 80"), "{cli}: {out}");
        assert!(out.lines().any(|l| l.trim() == "40 120"), "{cli}: {out}");
        assert_eq!(code, Some(3), "{cli}: {out}");
    }
}

#[test]
fn detach_and_reattach() {
    require_root!();
    let d = Daemon::with_busybox();
    let pty = Pty::new(&d);
    for cli in ["docker", "berth"] {
        let name = format!("det-{cli}");
        let (out, code) = pty.run(
            &d,
            cli,
            &format!("run -it --name {name} busybox sh"),
            &["echo one\\r", "\\x10\\x11"],
        );
        assert!(out.contains("one"), "{cli}: {out}");
        assert_eq!(code, Some(0), "{cli}: detach exits 0: {out}");
        let running = expect_success(d.docker(&["inspect", "-f", "{{.State.Running}}", &name]));
        assert_eq!(running.trim(), "true", "{cli}");
        let (out, code) = pty.run(
            &d,
            cli,
            &format!("attach {name}"),
            &["echo $((40+2))two\\r", "exit 7\\r"],
        );
        assert!(out.contains("42two"), "{cli}: re-attached output: {out}");
        assert_eq!(code, Some(7), "{cli}: {out}");
        assert!(eventually(Duration::from_secs(3), || expect_success(
            d.docker(&["inspect", "-f", "{{.State.Status}}", &name])
        )
        .trim()
            == "exited"));
    }
}

#[test]
fn resize_through_the_api_reaches_a_detached_tty_container() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-dt",
        "--name",
        "sz",
        "busybox",
        "sh",
        "-c",
        "while true; do stty size; sleep 0.1; done",
    ]));
    let resp = d
        .request("POST", "/v1.41/containers/sz/resize?h=33&w=99", None)
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(eventually(Duration::from_secs(3), || expect_success(
        d.docker(&["logs", "sz"])
    )
    .contains("33 99")));
    expect_success(d.docker(&["kill", "-s", "WINCH", "sz"]));
    expect_success(d.docker(&["rm", "-f", "sz"]));
}
