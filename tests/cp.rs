//! `docker cp` both ways with the real docker CLI (transcript 08): running and stopped
//! containers, files, directories, `dir/.`, symlinks with and without `-L`, tar on stdout, errors,
//! and hostile archives or container symlinks that must never reach the host.

use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use base64::Engine as _;
use test_support::{expect_success, require_root, stderr, Daemon};

fn run_sleeper(d: &Daemon, name: &str) {
    expect_success(d.docker(&[
        "run", "-d", "--pull", "never", "--name", name, "busybox", "sleep", "300",
    ]));
}

fn exec(d: &Daemon, name: &str, script: &str) -> String {
    expect_success(d.docker(&["exec", name, "sh", "-c", script]))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A tar with the given (name, kind) entries built by hand (the tar crate refuses `..`).
fn raw_tar(entries: &[(&str, tar::EntryType, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, link, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_entry_type(*kind);
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_cksum();
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

#[test]
fn host_to_running_container_and_back() {
    require_root!();
    let d = Daemon::with_busybox();
    run_sleeper(&d, "web");
    let src = d.scratch().join("host.txt");
    std::fs::write(&src, "hello from host\n").unwrap();
    std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o750)).unwrap();

    // A file into an existing directory, then a directory under a new name.
    expect_success(d.docker(&["cp", s(&src), "web:/tmp/"]));
    assert_eq!(exec(&d, "web", "cat /tmp/host.txt"), "hello from host\n");
    assert_eq!(exec(&d, "web", "stat -c %a /tmp/host.txt"), "750\n");
    let dir = d.scratch().join("cpsrc");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/a.txt"), "a").unwrap();
    expect_success(d.docker(&["cp", s(&dir), "web:/tmp/newdir"]));
    assert_eq!(exec(&d, "web", "cat /tmp/newdir/sub/a.txt"), "a");

    // Back to the host: a file, a directory, a directory's contents.
    let out = d.scratch().join("out");
    std::fs::create_dir_all(&out).unwrap();
    expect_success(d.docker(&["cp", "web:/tmp/host.txt", s(&out.join("copy.txt"))]));
    let copied = out.join("copy.txt");
    assert_eq!(std::fs::read(&copied).unwrap(), b"hello from host\n");
    assert_eq!(
        std::fs::metadata(&copied).unwrap().permissions().mode() & 0o777,
        0o750
    );
    expect_success(d.docker(&["cp", "web:/tmp/newdir", s(&out.join("tree"))]));
    assert_eq!(std::fs::read(out.join("tree/sub/a.txt")).unwrap(), b"a");
    std::fs::create_dir_all(out.join("contents")).unwrap();
    expect_success(d.docker(&["cp", "web:/tmp/newdir/.", s(&out.join("contents"))]));
    assert_eq!(std::fs::read(out.join("contents/sub/a.txt")).unwrap(), b"a");

    // `-` writes the tar on stdout, entries named from the base name.
    let tar_out = d.docker(&["cp", "web:/etc/passwd", "-"]);
    assert!(tar_out.status.success(), "{}", stderr(&tar_out));
    let mut ar = tar::Archive::new(&tar_out.stdout[..]);
    let mut entries = ar.entries().unwrap();
    let mut first = entries.next().unwrap().unwrap();
    assert_eq!(first.path().unwrap().to_str(), Some("passwd"));
    let mut text = String::new();
    first.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("root:x:0:0"), "{text}");

    // Errors: a missing path (dockerd's message), a directory onto a file.
    let missing = d.docker(&["cp", "web:/nonexistent", s(&out.join("x"))]);
    assert!(!missing.status.success());
    assert_eq!(
        stderr(&missing).trim(),
        "Error response from daemon: Could not find the file /nonexistent in container web"
    );
    let onto_file = d.docker(&["cp", s(&dir), "web:/etc/passwd"]);
    assert!(!onto_file.status.success());
    assert_eq!(exec(&d, "web", "head -c 4 /etc/passwd"), "root");
    let into_file = d.docker(&["cp", s(&src), "web:/etc/passwd/"]);
    assert!(!into_file.status.success());

    // Events: archive-path for GET, extract-to-dir for PUT.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    let events = d
        .request("GET", &format!("/v1.41/events?since=0&until={now}"), None)
        .unwrap()
        .text();
    assert!(events.contains("archive-path"), "{events}");
    assert!(events.contains("extract-to-dir"), "{events}");
}

#[test]
fn stopped_container_reads_layers_and_writes_its_upper_dir() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "--pull",
        "never",
        "--name",
        "done",
        "busybox",
        "sh",
        "-c",
        "echo made-inside > /made && rm /etc/group",
    ]));
    let out = d.scratch().join("out");
    std::fs::create_dir_all(&out).unwrap();
    expect_success(d.docker(&["cp", "done:/made", s(&out)]));
    assert_eq!(std::fs::read(out.join("made")).unwrap(), b"made-inside\n");
    // Deleted in the container layer: not there.
    let gone = d.docker(&["cp", "done:/etc/group", s(&out)]);
    assert!(stderr(&gone).contains("Could not find the file /etc/group in container done"));

    // Write a file over the whiteout and a new directory.
    let group = d.scratch().join("group");
    std::fs::write(&group, "root:x:0:\n").unwrap();
    expect_success(d.docker(&["cp", s(&group), "done:/etc/group"]));
    let dir = d.scratch().join("newdir");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f"), "f").unwrap();
    expect_success(d.docker(&["cp", s(&dir), "done:/opt"]));
    d.assert_no_host_mounts();

    // The image's layers are untouched: a fresh container still has no /opt.
    let fresh = d.docker(&["run", "--rm", "--pull", "never", "busybox", "ls", "/opt"]);
    assert!(!fresh.status.success());
    // Read back the written files through a stopped container again.
    expect_success(d.docker(&["cp", "done:/etc/group", s(&out.join("group"))]));
    assert_eq!(std::fs::read(out.join("group")).unwrap(), b"root:x:0:\n");
    expect_success(d.docker(&["cp", "done:/opt/f", s(&out.join("f"))]));
    assert_eq!(std::fs::read(out.join("f")).unwrap(), b"f");
    d.assert_no_host_mounts();
}

#[test]
fn symlinks_with_and_without_follow() {
    require_root!();
    let d = Daemon::with_busybox();
    run_sleeper(&d, "links");
    exec(&d, "links", "echo target > /tmp/t && ln -s /tmp/t /tmp/l");
    let out = d.scratch().join("out");
    std::fs::create_dir_all(&out).unwrap();
    expect_success(d.docker(&["cp", "links:/tmp/l", s(&out.join("plain"))]));
    let md = std::fs::symlink_metadata(out.join("plain")).unwrap();
    assert!(md.file_type().is_symlink());
    assert_eq!(
        std::fs::read_link(out.join("plain")).unwrap(),
        Path::new("/tmp/t")
    );
    expect_success(d.docker(&["cp", "-L", "links:/tmp/l", s(&out.join("followed"))]));
    assert_eq!(std::fs::read(out.join("followed")).unwrap(), b"target\n");

    // HEAD reports the link and where it resolves in the container.
    let resp = d
        .request("HEAD", "/v1.41/containers/links/archive?path=/tmp/l", None)
        .unwrap();
    assert_eq!(resp.status, 200);
    let stat = base64::engine::general_purpose::STANDARD
        .decode(resp.header("X-Docker-Container-Path-Stat").unwrap())
        .unwrap();
    let stat: serde_json::Value = serde_json::from_slice(&stat).unwrap();
    assert_eq!(stat["name"], "l");
    assert_eq!(stat["linkTarget"], "/tmp/t");
    assert_eq!(stat["mode"].as_u64().unwrap() & (1 << 27), 1 << 27);
}

#[test]
fn hostile_archives_and_links_stay_inside_the_container() {
    require_root!();
    let d = Daemon::with_busybox();
    run_sleeper(&d, "jail");
    let sentinel = d.scratch().join("sentinel");
    std::fs::write(&sentinel, "host secret").unwrap();
    let before = std::fs::metadata(&sentinel).unwrap();

    // `..` entries are refused; nothing appears above the destination, on the host or inside.
    let escape = raw_tar(&[(
        "../../../../../../../../tmp/berth-cp-escape",
        tar::EntryType::Regular,
        "",
        b"x",
    )]);
    let resp = d
        .request(
            "PUT",
            "/v1.41/containers/jail/archive?path=/tmp",
            Some(("application/x-tar", &escape)),
        )
        .unwrap();
    assert_eq!(resp.status, 400, "{}", resp.text());
    assert!(!Path::new("/tmp/berth-cp-escape").exists());

    // dockerd's statuses for bad destinations and a missing path parameter.
    let put = |path: &str| {
        d.request(
            "PUT",
            &format!("/v1.41/containers/jail/archive?path={path}"),
            Some(("application/x-tar", &escape)),
        )
        .unwrap()
    };
    let resp = put("/etc/passwd");
    assert_eq!(resp.status, 400);
    assert_eq!(
        resp.json()["message"],
        "extraction point is not a directory"
    );
    let resp = put("/nope");
    assert_eq!(resp.status, 404);
    assert_eq!(
        resp.json()["message"],
        "Could not find the file /nope in container jail"
    );
    let resp = d
        .request("GET", "/v1.41/containers/jail/archive", None)
        .unwrap();
    assert_eq!(resp.status, 400);
    assert_eq!(resp.json()["message"], "Path cannot be empty");

    // An absolute symlink, then a write through it: lands inside the destination.
    let target_dir = d.scratch().strip_prefix("/").unwrap().to_str().unwrap();
    let through = raw_tar(&[
        ("esc", tar::EntryType::Symlink, "/", b""),
        (
            &format!("esc/{target_dir}/sentinel"),
            tar::EntryType::Regular,
            "",
            b"overwritten",
        ),
    ]);
    let resp = d
        .request(
            "PUT",
            "/v1.41/containers/jail/archive?path=/tmp",
            Some(("application/x-tar", &through)),
        )
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(std::fs::read(&sentinel).unwrap(), b"host secret");

    // Symlinks inside the container to `/` and `../../..` resolve in the container's root.
    exec(
        &d,
        "jail",
        "ln -s / /hostroot && ln -s ../../../../.. /tmp/up",
    );
    for link in ["/hostroot", "/tmp/up"] {
        let path = format!("jail:{link}{}", sentinel.display());
        let out = d.docker(&["cp", &path, s(&d.scratch().join("leak"))]);
        assert!(!out.status.success(), "read the host file through {link}");
        assert!(!d.scratch().join("leak").exists());
        let dest = format!("jail:{link}{}/", d.scratch().display());
        let src_dir = d.scratch().join("src");
        std::fs::create_dir_all(&src_dir).unwrap();
        let src = src_dir.join("payload");
        std::fs::write(&src, "payload").unwrap();
        let _ = d.docker(&["cp", s(&src), &dest]);
        assert!(!d.scratch().join("payload").exists());
    }
    let after = std::fs::metadata(&sentinel).unwrap();
    assert_eq!(std::fs::read(&sentinel).unwrap(), b"host secret");
    assert_eq!(before.mtime(), after.mtime());
    assert_eq!(before.ino(), after.ino());
    // Kernel interfaces mounted in the container (proc, sysfs) are not reachable through cp.
    let kmsg = d.docker(&["cp", "jail:/proc/kmsg", s(&d.scratch().join("kmsg"))]);
    assert!(!kmsg.status.success());
    let proc_tar = d.docker(&["cp", "jail:/proc", "-"]);
    assert!(proc_tar.status.success(), "{}", stderr(&proc_tar));
    let mut ar = tar::Archive::new(&proc_tar.stdout[..]);
    let names: Vec<String> = ar
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert_eq!(names, vec!["proc/"]);
    // The whole root of a running container: /proc, /sys and /dev/pts stay empty directories.
    let all = d.docker(&["cp", "jail:/", "-"]);
    assert!(all.status.success(), "{}", stderr(&all));
    let mut ar = tar::Archive::new(&all.stdout[..]);
    let names: Vec<String> = ar
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("bin/busybox")),
        "{names:?}"
    );
    assert!(!names
        .iter()
        .any(|n| n.contains("proc/1/") || n.contains("sys/kernel")));
    // The archive's `esc` link and file stayed in the container's /tmp.
    assert!(exec(&d, "jail", "ls /tmp").contains("esc"));
}

#[test]
fn berth_cp_both_ways() {
    require_root!();
    let d = Daemon::with_busybox();
    run_sleeper(&d, "bc");
    let src = d.scratch().join("host.txt");
    std::fs::write(&src, "from berth\n").unwrap();
    std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o640)).unwrap();
    expect_success(d.berth(&["cp", s(&src), "bc:/tmp/"]));
    assert_eq!(exec(&d, "bc", "cat /tmp/host.txt"), "from berth\n");
    // A missing destination takes the destination's name; a trailing `/` asserts a directory.
    expect_success(d.berth(&["cp", s(&src), "bc:/tmp/renamed.txt"]));
    assert_eq!(exec(&d, "bc", "cat /tmp/renamed.txt"), "from berth\n");
    let bad = d.berth(&["cp", s(&src), "bc:/tmp/nodir/"]);
    assert!(!bad.status.success());
    let dir = d.scratch().join("tree");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/a"), "a").unwrap();
    expect_success(d.berth(&["cp", s(&dir), "bc:/opt"]));
    assert_eq!(exec(&d, "bc", "cat /opt/sub/a"), "a");
    expect_success(d.berth(&["cp", s(&dir), "bc:/tmp/"]));
    assert_eq!(exec(&d, "bc", "cat /tmp/tree/sub/a"), "a");

    let out = d.scratch().join("out");
    std::fs::create_dir_all(&out).unwrap();
    expect_success(d.berth(&["cp", "bc:/tmp/host.txt", s(&out)]));
    let back = out.join("host.txt");
    assert_eq!(std::fs::read(&back).unwrap(), b"from berth\n");
    assert_eq!(
        std::fs::metadata(&back).unwrap().permissions().mode() & 0o777,
        0o640
    );
    expect_success(d.berth(&["cp", "bc:/opt", s(&out.join("optcopy"))]));
    assert_eq!(std::fs::read(out.join("optcopy/sub/a")).unwrap(), b"a");
    std::fs::create_dir_all(out.join("contents")).unwrap();
    expect_success(d.berth(&["cp", "bc:/opt/.", s(&out.join("contents"))]));
    assert_eq!(std::fs::read(out.join("contents/sub/a")).unwrap(), b"a");

    // Symlinks: copied as links, followed with -L.
    exec(&d, "bc", "ln -s /tmp/host.txt /tmp/link");
    expect_success(d.berth(&["cp", "bc:/tmp/link", s(&out.join("l"))]));
    assert!(std::fs::symlink_metadata(out.join("l"))
        .unwrap()
        .file_type()
        .is_symlink());
    expect_success(d.berth(&["cp", "-L", "bc:/tmp/link", s(&out.join("lf"))]));
    assert_eq!(std::fs::read(out.join("lf")).unwrap(), b"from berth\n");

    // `-` both ways, and the error for a missing path.
    let tar_out = d.berth(&["cp", "bc:/tmp/host.txt", "-"]);
    assert!(tar_out.status.success(), "{}", stderr(&tar_out));
    let mut ar = tar::Archive::new(&tar_out.stdout[..]);
    let first = ar.entries().unwrap().next().unwrap().unwrap();
    assert_eq!(first.path().unwrap().to_str(), Some("host.txt"));
    let mut cmd = d.berth_cmd(&["cp", "-", "bc:/srv/"]);
    let stdin_tar = {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(6);
        h.set_mode(0o600);
        b.append_data(&mut h, "piped", &b"stdin\n"[..]).unwrap();
        b.into_inner().unwrap()
    };
    exec(&d, "bc", "mkdir -p /srv");
    cmd.stdin(std::process::Stdio::piped());
    cmd.stdout(std::process::Stdio::piped());
    cmd.stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&stdin_tar).unwrap();
    }
    let piped = child.wait_with_output().unwrap();
    assert!(piped.status.success(), "{}", stderr(&piped));
    assert_eq!(exec(&d, "bc", "cat /srv/piped"), "stdin\n");
    let missing = d.berth(&["cp", "bc:/nope", s(&out)]);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("Could not find the file /nope in container bc"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn paused_containers_volumes_and_new_directories() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--pull",
        "never",
        "--name",
        "vol",
        "-v",
        "cpdata:/data",
        "--tmpfs",
        "/scratch",
        "busybox",
        "sleep",
        "300",
    ]));
    let src = d.scratch().join("v.txt");
    std::fs::write(&src, "in the volume").unwrap();
    // Running: the volume is seen as the container sees it.
    expect_success(d.docker(&["cp", s(&src), "vol:/data/"]));
    assert_eq!(exec(&d, "vol", "cat /data/v.txt"), "in the volume");

    // A tmpfs exists only in the container's namespace: reached through /proc/<pid>/root.
    exec(&d, "vol", "echo live > /scratch/t");
    let live = d.docker(&["cp", "vol:/scratch/t", "-"]);
    assert!(live.status.success(), "{}", stderr(&live));

    // Paused: still reachable.
    expect_success(d.docker(&["pause", "vol"]));
    let out = d.scratch().join("out");
    std::fs::create_dir_all(&out).unwrap();
    expect_success(d.docker(&["cp", "vol:/data/v.txt", s(&out)]));
    assert_eq!(std::fs::read(out.join("v.txt")).unwrap(), b"in the volume");
    expect_success(d.docker(&["unpause", "vol"]));

    // `dir/.` into a new directory: the contents under the new name.
    exec(&d, "vol", "mkdir -p /x/y && echo z > /x/y/z");
    expect_success(d.docker(&["cp", "vol:/x/.", s(&out.join("fresh"))]));
    assert_eq!(std::fs::read(out.join("fresh/y/z")).unwrap(), b"z\n");

    // Stopped: the volume is attached for the copy (in a detached mount tree), both ways.
    expect_success(d.docker(&["stop", "-t", "0", "vol"]));
    let second = d.scratch().join("second.txt");
    std::fs::write(&second, "written while stopped").unwrap();
    expect_success(d.docker(&["cp", s(&second), "vol:/data/"]));
    expect_success(d.docker(&["cp", "vol:/data/v.txt", s(&out.join("v2.txt"))]));
    assert_eq!(std::fs::read(out.join("v2.txt")).unwrap(), b"in the volume");
    assert_eq!(
        expect_success(d.docker(&[
            "run",
            "--rm",
            "--pull",
            "never",
            "-v",
            "cpdata:/d",
            "busybox",
            "cat",
            "/d/second.txt",
        ])),
        "written while stopped"
    );
    // A read-only mount of a stopped container refuses writes as dockerd does.
    expect_success(d.docker(&[
        "run",
        "--pull",
        "never",
        "--name",
        "rovol",
        "-v",
        "cpdata:/ro:ro",
        "busybox",
        "true",
    ]));
    let refused = d.docker(&["cp", s(&src), "rovol:/ro/"]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("mounted volume is marked read-only"),
        "{}",
        stderr(&refused)
    );
    expect_success(d.docker(&["cp", "vol:/x/y/z", s(&out.join("z"))]));
    assert_eq!(std::fs::read(out.join("z")).unwrap(), b"z\n");
    d.assert_no_host_mounts();

    // Created, not started: its init exists, so the volume is reachable already.
    expect_success(d.docker(&[
        "create",
        "--pull",
        "never",
        "--name",
        "fresh",
        "-v",
        "cpdata2:/data",
        "busybox",
        "cat",
        "/data/v.txt",
    ]));
    expect_success(d.docker(&["cp", s(&src), "fresh:/data/"]));
    assert_eq!(
        expect_success(d.docker(&["start", "-a", "fresh"])),
        "in the volume"
    );
}

/// With a terminal on stdout both CLIs end with docker 28's summary line (`script` gives the pty).
#[test]
fn summary_line_on_a_terminal_matches_docker() {
    require_root!();
    let d = Daemon::with_busybox();
    run_sleeper(&d, "tty");
    let src = d.scratch().join("host.txt");
    std::fs::write(&src, "hello from host\n").unwrap();
    let summary = |cmd: std::process::Command| -> String {
        let line = format!(
            "{} {}",
            cmd.get_program().to_string_lossy(),
            cmd.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        );
        let mut script = std::process::Command::new("script");
        script.args(["-qec", &line, "/dev/null"]);
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => script.env(k, v),
                None => script.env_remove(k),
            };
        }
        let out = test_support::output_within(script, std::time::Duration::from_secs(60));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.lines()
            .filter_map(|l| l.rsplit('\r').next())
            .find_map(|l| l.find("Successfully copied").map(|i| l[i..].to_string()))
            .unwrap_or_default()
    };
    let docker = summary(d.docker_cmd(&["cp", s(&src), "tty:/tmp/"]));
    let berth = summary(d.berth_cmd(&["cp", s(&src), "tty:/tmp/"]));
    assert_eq!(docker, "Successfully copied 2.05kB to tty:/tmp/");
    assert_eq!(berth, docker);
    let out = d.scratch().join("back.txt");
    let docker = summary(d.docker_cmd(&["cp", "tty:/tmp/host.txt", s(&out)]));
    let berth = summary(d.berth_cmd(&["cp", "tty:/tmp/host.txt", s(&out)]));
    assert_eq!(berth, docker);
}

/// `-a` (copyUIDGID): files belong to the container's `User`; without it they keep the tar's
/// uid/gid (dockerd's `tarCopyOptions`).
#[test]
fn archive_mode_owns_files_by_the_container_user() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run", "-d", "--pull", "never", "--user", "nobody", "--name", "owner", "busybox", "sleep",
        "300",
    ]));
    let src = d.scratch().join("owned.txt");
    std::fs::write(&src, "x").unwrap();
    std::os::unix::fs::chown(&src, Some(1234), Some(4321)).unwrap();
    expect_success(d.docker(&["cp", s(&src), "owner:/tmp/plain.txt"]));
    expect_success(d.docker(&["cp", "-a", s(&src), "owner:/tmp/archived.txt"]));
    assert_eq!(
        exec(
            &d,
            "owner",
            "stat -c %u:%g /tmp/plain.txt /tmp/archived.txt"
        ),
        "1234:4321\n65534:65534\n"
    );
}
