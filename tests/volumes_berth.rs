//! Volumes through our `berth` CLI against a real berthd: `berth volume create/ls/inspect/rm/
//! prune`, `berth run -v/--mount/--tmpfs/--volumes-from/--read-only`, with docker's output.
//! Every mount lives in a container's mount namespace: none is left on the host.

use std::process::Stdio;

use test_support::{
    expect_success, output_within, require_root, stderr, stdout, write_scratch, Daemon,
};

/// Exit 1 (docker's code for daemon errors) and the stderr text.
#[track_caller]
fn expect_error(out: std::process::Output) -> String {
    assert_eq!(out.status.code(), Some(1), "stdout: {}", stdout(&out));
    stderr(&out)
}

fn volume_names(d: &Daemon) -> Vec<String> {
    expect_success(d.berth(&["volume", "ls", "-q"]))
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn named_volume_lifecycle_with_berth() {
    require_root!();
    let d = Daemon::with_busybox();
    assert_eq!(expect_success(d.berth(&["volume", "create", "bv"])), "bv\n");
    assert_eq!(
        expect_success(d.berth(&[
            "volume",
            "create",
            "--label",
            "env=test",
            "-o",
            "type=tmpfs",
            "-o",
            "device=tmpfs",
            "labeled"
        ])),
        "labeled\n"
    );
    expect_success(d.berth(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "-v",
        "bv:/data",
        "busybox",
        "sh",
        "-c",
        "echo persisted > /data/f",
    ]));
    assert_eq!(
        expect_success(d.berth(&[
            "run",
            "--rm",
            "--pull",
            "never",
            "-v",
            "bv:/data:ro",
            "busybox",
            "cat",
            "/data/f"
        ])),
        "persisted\n"
    );

    assert_eq!(
        expect_success(d.berth(&["volume", "ls"])),
        "DRIVER    VOLUME NAME\nlocal     bv\nlocal     labeled\n"
    );
    assert_eq!(
        expect_success(d.berth(&["volume", "ls", "-q", "--filter", "label=env=test"])),
        "labeled\n"
    );
    let mountpoint = d.data_root.join("volumes/bv/_data");
    assert_eq!(
        expect_success(d.berth(&["volume", "inspect", "-f", "{{.Mountpoint}}", "bv"])),
        format!("{}\n", mountpoint.display())
    );
    assert_eq!(
        std::fs::read_to_string(mountpoint.join("f")).unwrap(),
        "persisted\n"
    );
    let inspect = expect_success(d.berth(&["volume", "inspect", "labeled"]));
    assert!(inspect.starts_with("[\n    {\n"), "{inspect}");
    let parsed: serde_json::Value = serde_json::from_str(&inspect).unwrap();
    assert_eq!(parsed[0]["Name"], "labeled");
    assert_eq!(parsed[0]["Driver"], "local");
    assert_eq!(parsed[0]["Scope"], "local");
    assert_eq!(parsed[0]["Labels"]["env"], "test");
    assert_eq!(parsed[0]["Options"]["type"], "tmpfs");

    // in use by a stopped container: 409 from the daemon, exit 1; the other names are still tried
    let id = expect_success(d.berth(&[
        "create", "--pull", "never", "--name", "holder", "-v", "bv:/data", "busybox", "true",
    ]));
    let out = d.berth(&["volume", "rm", "bv", "labeled"]);
    assert_eq!(stdout(&out), "labeled\n");
    assert_eq!(
        expect_error(out),
        format!(
            "Error response from daemon: remove bv: volume is in use - [{}]\n",
            id.trim()
        )
    );
    assert_eq!(
        expect_success(d.berth(&[
            "ps",
            "-a",
            "--filter",
            "volume=bv",
            "--format",
            "{{.Names}}"
        ])),
        "holder\n"
    );
    expect_success(d.berth(&["rm", "holder"]));
    assert_eq!(expect_success(d.berth(&["volume", "rm", "bv"])), "bv\n");
    assert_eq!(
        expect_error(d.berth(&["volume", "inspect", "bv"])),
        "Error response from daemon: get bv: no such volume\n"
    );
    assert_eq!(
        expect_error(d.berth(&["volume", "rm", "nosuchvol"])),
        "Error response from daemon: get nosuchvol: no such volume\n"
    );
    assert!(volume_names(&d).is_empty());
    d.assert_no_host_mounts();
}

#[test]
fn anonymous_volumes_rm_v_and_prune_with_berth() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.berth(&[
        "run",
        "--pull",
        "never",
        "--name",
        "anon",
        "-v",
        "/data",
        "busybox",
        "sh",
        "-c",
        "echo x > /data/f",
    ]));
    let names = volume_names(&d);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names[0].len() == 64 && names[0].bytes().all(|b| b.is_ascii_hexdigit()),
        "{names:?}"
    );
    assert_eq!(
        expect_success(d.berth(&[
            "ps",
            "-a",
            "--filter",
            &format!("volume={}", names[0]),
            "--format",
            "{{.Names}}"
        ])),
        "anon\n"
    );
    // `rm -v` takes the anonymous volume with the container
    expect_success(d.berth(&["rm", "-v", "anon"]));
    assert!(volume_names(&d).is_empty());

    // prune (API 1.41: every unused volume, named ones too) after the prompt
    expect_success(d.berth(&["volume", "create", "unused"]));
    expect_success(d.berth(&["volume", "create", "kept"]));
    expect_success(d.berth(&[
        "create", "--pull", "never", "--name", "user", "-v", "kept:/k", "busybox", "true",
    ]));
    expect_success(d.berth(&[
        "run", "--pull", "never", "--name", "left", "-v", "/data", "busybox", "true",
    ]));
    let anonymous: Vec<String> = volume_names(&d)
        .into_iter()
        .filter(|n| n != "kept" && n != "unused")
        .collect();
    expect_success(d.berth(&["rm", "left"]));

    let mut cmd = d.berth_cmd(&["volume", "prune"]);
    let answer = write_scratch(&d, "answer-no", b"n\n");
    cmd.stdin(Stdio::from(std::fs::File::open(answer).unwrap()));
    let out = output_within(cmd, test_support::COMMAND_TIMEOUT);
    assert_eq!(
        expect_success(out),
        "WARNING! This will remove all local volumes not used by at least one container.\n\
         Are you sure you want to continue? [y/N] "
    );
    assert_eq!(volume_names(&d).len(), 3);

    let pruned = expect_success(d.berth(&["volume", "prune", "-f"]));
    let mut expected_deleted = vec!["unused".to_string(), anonymous[0].clone()];
    expected_deleted.sort();
    let mut lines: Vec<&str> = pruned.lines().collect();
    assert_eq!(lines.first(), Some(&"Deleted Volumes:"), "{pruned}");
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("Total reclaimed space: ")),
        "{pruned}"
    );
    let mut deleted: Vec<String> = lines.drain(1..lines.len() - 2).map(String::from).collect();
    deleted.sort();
    assert_eq!(deleted, expected_deleted, "{pruned}");
    assert_eq!(volume_names(&d), ["kept"]);
    assert_eq!(
        expect_error(d.berth(&["volume", "prune", "-a", "-f"])),
        "\"--all\" requires API version 1.42, but the Docker daemon API version is 1.41\n"
    );
    expect_success(d.berth(&["rm", "user"]));
    d.assert_no_host_mounts();
}

#[test]
fn mount_tmpfs_bind_and_volumes_from_with_berth() {
    require_root!();
    let d = Daemon::with_busybox();
    let host_dir = d.scratch().join("hostdir");
    std::fs::create_dir(&host_dir).unwrap();
    std::fs::write(host_dir.join("f"), "from host\n").unwrap();

    // --mount tmpfs with a size, --tmpfs with options: both tmpfs in the container
    let mounts = expect_success(d.berth(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--mount",
        "type=tmpfs,target=/t,tmpfs-size=1m",
        "--tmpfs",
        "/run:size=2m",
        "busybox",
        "grep",
        "tmpfs /",
        "/proc/mounts",
    ]));
    assert!(
        mounts
            .lines()
            .any(|l| l.starts_with("tmpfs /t tmpfs") && l.contains("size=1024k")),
        "{mounts}"
    );
    assert!(
        mounts
            .lines()
            .any(|l| l.starts_with("tmpfs /run tmpfs") && l.contains("size=2048k")),
        "{mounts}"
    );

    // --mount bind, read-only: readable, not writable
    let bind = format!("type=bind,source={},target=/b,readonly", host_dir.display());
    let out = d.berth(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--mount",
        &bind,
        "busybox",
        "sh",
        "-c",
        "cat /b/f; echo x > /b/g",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "from host\n");
    assert!(
        stderr(&out).contains("Read-only file system"),
        "{}",
        stderr(&out)
    );
    assert!(!host_dir.join("g").exists());

    // -v with a relative host path: made absolute against berth's working directory
    let mut cmd = d.berth_cmd(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "-v",
        "./hostdir:/rel",
        "busybox",
        "sh",
        "-c",
        "cat /rel/f && echo written > /rel/w",
    ]);
    cmd.current_dir(d.scratch());
    assert_eq!(
        expect_success(output_within(cmd, test_support::COMMAND_TIMEOUT)),
        "from host\n"
    );
    assert_eq!(
        std::fs::read_to_string(host_dir.join("w")).unwrap(),
        "written\n"
    );

    // --mount of a named volume, then --volumes-from read-only
    expect_success(d.berth(&[
        "create",
        "--pull",
        "never",
        "--name",
        "src",
        "--mount",
        "type=volume,source=shared,target=/shared",
        "busybox",
        "true",
    ]));
    expect_success(d.berth(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "-v",
        "shared:/s",
        "busybox",
        "sh",
        "-c",
        "echo shared > /s/f",
    ]));
    let out = d.berth(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--volumes-from",
        "src:ro",
        "busybox",
        "sh",
        "-c",
        "cat /shared/f; touch /shared/x",
    ]);
    assert_eq!(stdout(&out), "shared\n");
    assert!(
        stderr(&out).contains("Read-only file system"),
        "{}",
        stderr(&out)
    );

    // --read-only root filesystem
    let out = d.berth(&[
        "run",
        "--rm",
        "--pull",
        "never",
        "--read-only",
        "busybox",
        "touch",
        "/x",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("Read-only file system"),
        "{}",
        stderr(&out)
    );

    // a bad --mount never reaches the daemon: docker's flag error, exit 125
    let out = d.berth(&["run", "--mount", "type=bind,x=y", "busybox"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).starts_with(
            "invalid argument \"type=bind,x=y\" for \"--mount\" flag: unexpected key 'x' in 'x=y'"
        ),
        "{}",
        stderr(&out)
    );
    expect_success(d.berth(&["rm", "src"]));
    d.assert_no_host_mounts();
}
