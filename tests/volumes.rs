//! Volumes, bind mounts and tmpfs through the real docker CLI: named volumes keep data between
//! containers, in-use volumes cannot be removed, `rm -v` / `--rm` remove anonymous volumes,
//! image `VOLUME`s get the image's content, `--tmpfs` sizes, `prune` and `system df`.
//! Every mount lives in a container's mount namespace: none is left on the host.

use std::os::unix::fs::PermissionsExt;

use test_support::{expect_failure, expect_success, require_root, stderr, Daemon};

#[test]
fn named_volume_keeps_data_and_is_protected_while_used() {
    require_root!();
    let d = Daemon::with_busybox();
    assert_eq!(
        expect_success(d.docker(&["volume", "create", "v1"])),
        "v1\n"
    );
    expect_success(d.docker(&[
        "run",
        "--rm",
        "-v",
        "v1:/data",
        "busybox",
        "sh",
        "-c",
        "echo hi > /data/f",
    ]));
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "-v", "v1:/data", "busybox", "cat", "/data/f"])),
        "hi\n"
    );
    let mountpoint = d.data_root.join("volumes/v1/_data");
    assert_eq!(
        expect_success(d.docker(&[
            "volume",
            "inspect",
            "-f",
            "{{.Mountpoint}} {{.Driver}} {{.Scope}}",
            "v1"
        ])),
        format!("{} local local\n", mountpoint.display())
    );
    assert_eq!(
        std::fs::read_to_string(mountpoint.join("f")).unwrap(),
        "hi\n"
    );
    assert_eq!(
        expect_success(d.docker(&["volume", "ls", "--format", "{{.Driver}} {{.Name}}"])),
        "local v1\n"
    );

    // A stopped container keeps the volume in use.
    let id = expect_success(d.docker(&[
        "create", "--name", "holder", "-v", "v1:/data", "busybox", "true",
    ]));
    let err = expect_failure(d.docker(&["volume", "rm", "v1"]));
    assert!(
        err.contains(&format!("remove v1: volume is in use - [{}]", id.trim())),
        "{err}"
    );
    let mounts = expect_success(d.docker(&[
        "inspect", "-f", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Source}} {{.Destination}} {{.Driver}} {{.Mode}} {{.RW}}{{end}}", "holder",
    ]));
    assert_eq!(
        mounts,
        format!("volume v1 {} /data local z true\n", mountpoint.display())
    );
    assert_eq!(
        expect_success(d.docker(&[
            "ps",
            "-a",
            "--filter",
            "volume=v1",
            "--format",
            "{{.Names}} {{.Mounts}}"
        ])),
        "holder v1\n"
    );
    expect_success(d.docker(&["rm", "holder"]));
    assert_eq!(expect_success(d.docker(&["volume", "rm", "v1"])), "v1\n");
    assert!(!d.data_root.join("volumes/v1").exists());
    let err = expect_failure(d.docker(&["volume", "inspect", "v1"]));
    assert!(err.contains("no such volume"), "{err}");
    let err = expect_failure(d.docker(&["volume", "rm", "nosuchvol"]));
    assert!(err.contains("get nosuchvol: no such volume"), "{err}");
    let events = d.past_events(&["type=volume"], "{{.Action}} {{.Actor.ID}}");
    for expected in ["create v1", "mount v1", "unmount v1", "destroy v1"] {
        assert!(
            events.lines().any(|l| l == expected),
            "{expected} missing: {events}"
        );
    }
    d.assert_no_host_mounts();
}

#[test]
fn bind_mounts_read_write_and_read_only() {
    require_root!();
    let d = Daemon::with_busybox();
    let host = d.scratch().join("bind");
    std::fs::create_dir_all(&host).unwrap();
    let spec = format!("{}:/b", host.display());
    expect_success(d.docker(&[
        "run",
        "--rm",
        "-v",
        &spec,
        "busybox",
        "sh",
        "-c",
        "echo rw > /b/f",
    ]));
    assert_eq!(std::fs::read_to_string(host.join("f")).unwrap(), "rw\n");

    let ro = format!("{}:/b:ro", host.display());
    let out = d.docker(&[
        "run",
        "--rm",
        "-v",
        &ro,
        "busybox",
        "sh",
        "-c",
        "cat /b/f; echo x > /b/g",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "rw\n");
    assert!(
        stderr(&out).contains("Read-only file system"),
        "{}",
        stderr(&out)
    );
    assert!(!host.join("g").exists());

    // --mount needs an existing source; -v creates a missing host directory.
    let err = expect_failure(d.docker(&[
        "run",
        "--rm",
        "--mount",
        "type=bind,source=/nonexistent-berth-src,target=/x",
        "busybox",
        "true",
    ]));
    assert!(
        err.contains("invalid mount config for type \"bind\": bind source path does not exist: /nonexistent-berth-src"),
        "{err}"
    );
    let missing = d.scratch().join("made/by/daemon");
    let spec = format!("{}:/m", missing.display());
    expect_success(d.docker(&["run", "--rm", "-v", &spec, "busybox", "touch", "/m/x"]));
    assert!(missing.join("x").exists());

    let src = format!("type=bind,source={},target=/mnt/b,readonly", host.display());
    let out =
        expect_success(d.docker(&["run", "--rm", "--mount", &src, "busybox", "cat", "/mnt/b/f"]));
    assert_eq!(out, "rw\n");
    let err = expect_failure(d.docker(&[
        "run",
        "--rm",
        "-v",
        &spec,
        "--mount",
        "type=volume,source=v,target=/m",
        "busybox",
        "true",
    ]));
    assert!(err.contains("Duplicate mount point: /m"), "{err}");
    d.assert_no_host_mounts();
}

#[test]
fn tmpfs_mounts_have_their_size() {
    require_root!();
    let d = Daemon::with_busybox();
    let line = expect_success(d.docker(&[
        "run",
        "--rm",
        "--tmpfs",
        "/run:size=1m",
        "busybox",
        "grep",
        " /run ",
        "/proc/mounts",
    ]));
    assert!(line.starts_with("tmpfs /run tmpfs "), "{line}");
    assert!(line.contains("size=1024k"), "{line}");
    assert!(
        line.contains("nosuid") && line.contains("nodev") && line.contains("noexec"),
        "{line}"
    );
    let line = expect_success(d.docker(&[
        "run",
        "--rm",
        "--mount",
        "type=tmpfs,target=/t,tmpfs-size=2097152",
        "busybox",
        "grep",
        " /t ",
        "/proc/mounts",
    ]));
    assert!(line.contains("size=2048k"), "{line}");
    // A read-only root keeps its tmpfs and volumes writable.
    let out = d.docker(&[
        "run",
        "--rm",
        "--read-only",
        "--tmpfs",
        "/run",
        "-v",
        "/data",
        "busybox",
        "sh",
        "-c",
        "touch /run/ok /data/ok && echo mounts-ok && touch /x",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "mounts-ok\n");
    assert!(
        stderr(&out).contains("Read-only file system"),
        "{}",
        stderr(&out)
    );
    d.assert_no_host_mounts();
}

fn volume_names(d: &Daemon) -> Vec<String> {
    expect_success(d.docker(&["volume", "ls", "-q"]))
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn anonymous_volumes_go_with_rm_v_and_auto_remove() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&["create", "--name", "anon", "-v", "/data", "busybox", "true"]));
    let names = volume_names(&d);
    assert_eq!(names.len(), 1, "{names:?}");
    assert_eq!(names[0].len(), 64);
    let labels =
        expect_success(d.docker(&["volume", "inspect", "-f", "{{json .Labels}}", &names[0]]));
    assert_eq!(labels, "{\"com.docker.volume.anonymous\":\"\"}\n");
    assert_eq!(
        expect_success(d.docker(&["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "anon"])),
        format!("{}\n", names[0])
    );
    // A named volume of the same container stays.
    expect_success(d.docker(&[
        "create", "--name", "both", "-v", "/a", "-v", "keep:/k", "busybox", "true",
    ]));
    expect_success(d.docker(&["rm", "-v", "anon"]));
    expect_success(d.docker(&["rm", "-v", "both"]));
    assert_eq!(volume_names(&d), ["keep"]);

    expect_success(d.docker(&["run", "--rm", "-v", "/data", "busybox", "true"]));
    assert_eq!(volume_names(&d), ["keep"]);
    // Without -v the anonymous volume stays, unused: prune removes it and the named one (API 1.41).
    expect_success(d.docker(&["run", "--name", "plain", "-v", "/data", "busybox", "true"]));
    expect_success(d.docker(&["rm", "plain"]));
    assert_eq!(volume_names(&d).len(), 2);
    expect_success(d.docker(&[
        "create", "--name", "user", "-v", "keep:/k", "busybox", "true",
    ]));
    assert_eq!(
        expect_success(d.docker(&["volume", "ls", "-q", "--filter", "dangling=false"])),
        "keep\n"
    );
    assert_eq!(
        expect_success(d.docker(&["volume", "ls", "-q", "--filter", "dangling=true"]))
            .lines()
            .count(),
        1
    );
    expect_success(d.docker(&["rm", "user"]));
    let pruned = expect_success(d.docker(&["volume", "prune", "-f"]));
    assert!(pruned.contains("keep"), "{pruned}");
    assert!(pruned.contains("Total reclaimed space"), "{pruned}");
    assert!(volume_names(&d).is_empty());
    d.assert_no_host_mounts();
}

#[test]
fn image_volume_gets_the_image_content() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run", "--name", "src", "busybox", "sh", "-c",
        "mkdir -p /vol/sub && echo img > /vol/sub/f && chown 1000:1000 /vol/sub/f && chmod 750 /vol",
    ]));
    expect_success(d.docker(&["commit", "--change", "VOLUME /vol", "src", "withvol"]));
    expect_success(d.docker(&["rm", "src"]));

    let out = expect_success(d.docker(&[
        "run",
        "--name",
        "c1",
        "withvol",
        "sh",
        "-c",
        "cat /vol/sub/f; stat -c '%a %u' /vol /vol/sub/f",
    ]));
    assert_eq!(out, "img\n750 0\n644 1000\n");
    let name =
        expect_success(d.docker(&["inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", "c1"]));
    let data = d.data_root.join("volumes").join(name.trim()).join("_data");
    assert_eq!(
        std::fs::read_to_string(data.join("sub/f")).unwrap(),
        "img\n"
    );
    assert_eq!(data.metadata().unwrap().permissions().mode() & 0o777, 0o750);

    // A new named volume is filled too; with nocopy it stays empty.
    assert_eq!(
        expect_success(d.docker(&[
            "run",
            "--rm",
            "-v",
            "filled:/vol",
            "withvol",
            "cat",
            "/vol/sub/f"
        ])),
        "img\n"
    );
    assert_eq!(
        expect_success(d.docker(&[
            "run",
            "--rm",
            "-v",
            "bare:/vol:nocopy",
            "withvol",
            "ls",
            "-A",
            "/vol"
        ])),
        ""
    );
    assert_eq!(
        expect_success(d.docker(&[
            "run",
            "--rm",
            "--mount",
            "type=volume,source=bare2,target=/vol,volume-nocopy,volume-label=k=v",
            "withvol",
            "ls",
            "-A",
            "/vol",
        ])),
        ""
    );
    assert_eq!(
        expect_success(d.docker(&["volume", "ls", "-q", "--filter", "label=k=v"])),
        "bare2\n"
    );
    // An existing volume with content is not overwritten.
    expect_success(d.docker(&[
        "run",
        "--rm",
        "-v",
        "filled:/vol",
        "busybox",
        "sh",
        "-c",
        "echo mine > /vol/sub/f",
    ]));
    assert_eq!(
        expect_success(d.docker(&[
            "run",
            "--rm",
            "-v",
            "filled:/vol",
            "withvol",
            "cat",
            "/vol/sub/f"
        ])),
        "mine\n"
    );
    d.assert_no_host_mounts();
}

#[test]
fn mounts_survive_restart_of_container_and_daemon() {
    require_root!();
    let mut d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "create",
        "--name",
        "s1",
        "-v",
        "sv:/data",
        "--tmpfs",
        "/t",
        "busybox",
        "sh",
        "-c",
        "echo run >> /data/log; grep -c ' /t ' /proc/mounts",
    ]));
    assert_eq!(expect_success(d.docker(&["start", "-a", "s1"])), "1\n");
    assert_eq!(expect_success(d.docker(&["start", "-a", "s1"])), "1\n");
    d.restart();
    assert_eq!(expect_success(d.docker(&["start", "-a", "s1"])), "1\n");
    let log = std::fs::read_to_string(d.data_root.join("volumes/sv/_data/log")).unwrap();
    assert_eq!(log, "run\nrun\nrun\n");
    // After the restart the volume is still known to be in use.
    let err = expect_failure(d.docker(&["volume", "rm", "sv"]));
    assert!(err.contains("volume is in use"), "{err}");
    let err = expect_failure(d.docker(&["volume", "rm", "-f", "sv"]));
    assert!(err.contains("volume is in use"), "{err}");

    let df = expect_success(d.docker(&["system", "df", "-v"]));
    assert!(df.contains("VOLUME NAME"), "{df}");
    let row = df
        .lines()
        .find(|l| l.starts_with("sv "))
        .unwrap_or_default();
    assert!(row.split_whitespace().nth(1) == Some("1"), "{df}");
    expect_success(d.docker(&["rm", "s1"]));
    expect_success(d.docker(&["volume", "rm", "sv"]));
    d.assert_no_host_mounts();
}

#[test]
fn volumes_from_shares_mounts() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "create",
        "--name",
        "owner",
        "-v",
        "shared:/s",
        "busybox",
        "true",
    ]));
    expect_success(d.docker(&[
        "run",
        "--rm",
        "--volumes-from",
        "owner",
        "busybox",
        "sh",
        "-c",
        "echo from > /s/f",
    ]));
    let out = d.docker(&[
        "run",
        "--rm",
        "--volumes-from",
        "owner:ro",
        "busybox",
        "sh",
        "-c",
        "cat /s/f; touch /s/g",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "from\n");
    assert!(
        stderr(&out).contains("Read-only file system"),
        "{}",
        stderr(&out)
    );
    expect_success(d.docker(&["rm", "owner"]));
    expect_success(d.docker(&["volume", "rm", "shared"]));
    d.assert_no_host_mounts();
}

#[test]
fn volume_api_answers_have_dockerds_shape() {
    require_root!();
    let d = Daemon::start();
    let create = |body: &[u8]| {
        d.request(
            "POST",
            "/v1.41/volumes/create",
            Some(("application/json", body)),
        )
        .unwrap()
    };
    let r = create(br#"{"Driver":"local","Name":"myvol"}"#);
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "CreatedAt",
            "Driver",
            "Labels",
            "Mountpoint",
            "Name",
            "Options",
            "Scope"
        ]
    );
    assert!(v["Labels"].is_null() && v["Options"].is_null(), "{v}");
    assert_eq!(
        v["Mountpoint"],
        d.data_root.join("volumes/myvol/_data").to_str().unwrap()
    );
    // The same name again answers the existing volume.
    let again = create(br#"{"Name":"myvol","Labels":{"x":"y"}}"#);
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), v);

    let r = create(br#"{"Name":"bad/name"}"#);
    assert_eq!(r.status, 400, "{}", r.text());
    let r = create(br#"{"Name":"x1","Driver":"nfs"}"#);
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(
        r.json()["message"],
        "error looking up volume plugin nfs: plugin \"nfs\" not found"
    );

    let list = d.request("GET", "/v1.41/volumes", None).unwrap();
    assert_eq!(list.json()["Warnings"], serde_json::Value::Null);
    assert_eq!(list.json()["Volumes"][0]["Name"], "myvol");
    let r = d.request("GET", "/v1.41/volumes/nosuch", None).unwrap();
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), "{\"message\":\"get nosuch: no such volume\"}\n");
    let r = d.request("DELETE", "/v1.41/volumes/myvol", None).unwrap();
    assert_eq!(r.status, 204);
    let r = d.request("POST", "/v1.41/volumes/prune", None).unwrap();
    assert_eq!(r.text(), "{\"VolumesDeleted\":[],\"SpaceReclaimed\":0}\n");
}

#[test]
fn local_driver_options_mount_tmpfs_and_bind_volumes() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "volume",
        "create",
        "--opt",
        "type=tmpfs",
        "--opt",
        "device=tmpfs",
        "--opt",
        "o=size=2m",
        "tv",
    ]));
    let line = expect_success(d.docker(&[
        "run",
        "--rm",
        "-v",
        "tv:/t",
        "busybox",
        "grep",
        " /t ",
        "/proc/mounts",
    ]));
    assert!(line.starts_with("tmpfs /t tmpfs rw"), "{line}");
    assert!(line.contains("size=2048k"), "{line}");

    let dir = d.scratch().join("device");
    std::fs::create_dir_all(&dir).unwrap();
    let device = format!("device={}", dir.display());
    expect_success(d.docker(&[
        "volume",
        "create",
        "--opt",
        "type=none",
        "--opt",
        "o=bind",
        "--opt",
        &device,
        "bv",
    ]));
    expect_success(d.docker(&[
        "run",
        "--rm",
        "-v",
        "bv:/b",
        "busybox",
        "sh",
        "-c",
        "echo via-volume > /b/f",
    ]));
    assert_eq!(
        std::fs::read_to_string(dir.join("f")).unwrap(),
        "via-volume\n"
    );
    let out = d.docker(&["run", "--rm", "-v", "bv:/b:ro", "busybox", "touch", "/b/g"]);
    assert!(
        stderr(&out).contains("Read-only file system"),
        "{}",
        stderr(&out)
    );

    let err = expect_failure(d.docker(&["volume", "create", "--opt", "o=size=1m", "half"]));
    assert!(err.contains("missing required option"), "{err}");
    d.assert_no_host_mounts();
}
