//! Images on the spine: import (with changes), images, inspect, tag, rmi — through docker and berth.

use test_support::{busybox_rootfs_tar, require_root, stderr, stdout, write_scratch, Daemon};

#[test]
fn docker_import_with_changes_then_run_uses_cmd() {
    require_root!();
    let d = Daemon::start();
    let tar = write_scratch(&d, "rootfs.tar", busybox_rootfs_tar());
    let out = d.docker(&[
        "import",
        "-c",
        "CMD [\"echo\", \"from-cmd\"]",
        "-c",
        "ENV GREETING=hello",
        "-m",
        "imported",
        tar.to_str().unwrap(),
        "bb:1",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    assert!(id.starts_with("sha256:") && id.len() == 71, "{id}");

    let out = d.docker(&["run", "--rm", "bb:1"]);
    assert_eq!(stdout(&out), "from-cmd\n", "{}", stderr(&out));
    let out = d.docker(&["run", "--rm", "bb:1", "sh", "-c", "echo $GREETING"]);
    assert_eq!(stdout(&out), "hello\n");

    let cmd = stdout(&d.docker(&["image", "inspect", "-f", "{{json .Config.Cmd}}", "bb:1"]));
    assert_eq!(cmd.trim(), r#"["echo","from-cmd"]"#);
}

#[test]
fn images_tag_and_rmi() {
    require_root!();
    let d = Daemon::with_busybox();
    let images = stdout(&d.docker(&["images"]));
    let header = images.lines().next().unwrap();
    for column in ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"] {
        assert!(header.contains(column), "{header}");
    }
    assert!(
        images
            .lines()
            .any(|l| l.starts_with("busybox ") && l.contains("latest")),
        "{images}"
    );

    assert_eq!(
        d.docker(&["tag", "busybox", "localhost:5000/team/app:1.0"])
            .status
            .code(),
        Some(0)
    );
    let images = stdout(&d.berth(&["images"]));
    assert!(
        images
            .lines()
            .any(|l| l.starts_with("localhost:5000/team/app") && l.contains("1.0")),
        "{images}"
    );
    let ids = stdout(&d.docker(&["images", "-q"]));
    assert_eq!(ids.lines().count(), 2);
    assert_eq!(
        ids.lines().next(),
        ids.lines().nth(1),
        "both tags name one image"
    );

    // rmi of one tag only untags.
    let out = d.docker(&["rmi", "localhost:5000/team/app:1.0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Untagged: localhost:5000/team/app:1.0"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("Deleted"));

    // An image used by a container is refused without force.
    assert_eq!(
        d.docker(&["create", "--name", "user", "busybox", "true"])
            .status
            .code(),
        Some(0)
    );
    let out = d.docker(&["rmi", "busybox"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("conflict"), "{}", stderr(&out));
    let out = d.docker(&["rm", "user"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The last tag deletes the image.
    let out = d.berth(&["rmi", "busybox"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Deleted: sha256:"),
        "{}",
        stdout(&out)
    );
    assert_eq!(stdout(&d.docker(&["images", "-q"])).trim(), "");
    let out = d.docker(&["run", "--rm", "--pull", "never", "busybox", "true"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(
        stderr(&out).contains("No such image: busybox:latest"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn berth_import_from_stdin_and_inspect() {
    require_root!();
    let d = Daemon::start();
    let tar = write_scratch(&d, "rootfs.tar", busybox_rootfs_tar());
    let out = d
        .berth_cmd(&["import", "-", "fromstdin:latest"])
        .stdin(std::fs::File::open(&tar).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let inspect: serde_json::Value =
        serde_json::from_slice(&d.berth(&["image", "inspect", "fromstdin"]).stdout).unwrap();
    assert_eq!(inspect[0]["RepoTags"][0], "fromstdin:latest");
    assert_eq!(inspect[0]["RootFS"]["Type"], "layers");
    assert_eq!(inspect[0]["RootFS"]["Layers"].as_array().unwrap().len(), 1);
    assert!(inspect[0]["Size"].as_i64().unwrap() > 1_000_000);
    let out = d.berth(&["run", "--rm", "fromstdin", "echo", "ok"]);
    assert_eq!(stdout(&out), "ok\n", "{}", stderr(&out));
}
