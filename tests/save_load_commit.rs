//! `docker save | docker load` between daemons (docker-archive and OCI layouts), `docker commit`
//! with changes, `docker history` and `docker image prune`, through the real docker CLI.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use test_support::{expect_success, require_root, stdout, Daemon};

#[test]
fn save_then_load_on_a_second_daemon() {
    require_root!();
    let a = Daemon::with_busybox();
    expect_success(a.docker(&["tag", "busybox", "moved:1"]));
    let archive = a.scratch().join("moved.tar");
    expect_success(a.docker(&["save", "-o", archive.to_str().unwrap(), "moved:1"]));
    let id = expect_success(a.docker(&["image", "inspect", "-f", "{{.Id}}", "moved:1"]));

    let b = Daemon::start();
    let loaded = expect_success(b.docker(&["load", "-i", archive.to_str().unwrap()]));
    assert!(loaded.contains("Loaded image: moved:1"), "{loaded}");
    assert_eq!(
        expect_success(b.docker(&["image", "inspect", "-f", "{{.Id}}", "moved:1"])),
        id
    );
    assert_eq!(
        expect_success(b.docker(&["run", "--rm", "moved:1", "echo", "loaded"])),
        "loaded\n"
    );

    // Round trip on the same daemon: save, rmi, load.
    expect_success(a.docker(&["rmi", "moved:1"]));
    expect_success(a.docker(&["load", "-i", archive.to_str().unwrap()]));
    assert_eq!(
        expect_success(a.docker(&["image", "inspect", "-f", "{{.Id}}", "moved:1"])),
        id
    );
}

/// Copies `from` to `to` without `manifest.json` and `repositories`: the OCI image layout alone, as
/// tools that only know that layout write it.
fn strip_legacy_part(from: &Path, to: &Path) -> Vec<String> {
    let mut archive = tar::Archive::new(File::open(from).unwrap());
    let mut out = tar::Builder::new(File::create(to).unwrap());
    let mut kept = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().display().to_string();
        if name == "manifest.json" || name == "repositories" {
            continue;
        }
        let mut header = entry.header().clone();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        out.append_data(&mut header, &name, &data[..]).unwrap();
        kept.push(name);
    }
    out.into_inner().unwrap();
    kept
}

/// The bytes of one member of a tar file.
fn member_of(archive: &Path, name: &str) -> Vec<u8> {
    let mut archive = tar::Archive::new(File::open(archive).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_str() == Some(name) {
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            return data;
        }
    }
    panic!("no {name} in the archive");
}

#[test]
fn save_of_a_repository_name_writes_all_its_tags() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&["tag", "busybox", "multi:1"]));
    expect_success(d.docker(&["tag", "busybox", "multi:2"]));
    let saved = d.scratch().join("multi.tar");
    expect_success(d.docker(&["save", "-o", saved.to_str().unwrap(), "multi"]));
    let index: serde_json::Value =
        serde_json::from_slice(&member_of(&saved, "index.json")).unwrap();
    let names: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["annotations"]["io.containerd.image.name"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        names,
        ["docker.io/library/multi:1", "docker.io/library/multi:2"]
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&member_of(&saved, "manifest.json")).unwrap();
    assert_eq!(
        manifest[0]["RepoTags"],
        serde_json::json!(["multi:1", "multi:2"])
    );
}

#[test]
fn oci_layout_alone_loads_with_docker_and_berth() {
    require_root!();
    let d = Daemon::with_busybox();
    let saved = d.scratch().join("x.tar");
    expect_success(d.docker(&["save", "-o", saved.to_str().unwrap(), "busybox"]));
    let id = expect_success(d.docker(&["image", "inspect", "-f", "{{.Id}}", "busybox"]));

    let oci_only = d.scratch().join("oci-only.tar");
    let kept = strip_legacy_part(&saved, &oci_only);
    assert!(kept.contains(&"oci-layout".to_string()), "{kept:?}");
    assert!(kept.contains(&"index.json".to_string()), "{kept:?}");
    assert!(
        kept.contains(&format!(
            "blobs/sha256/{}",
            id.trim().trim_start_matches("sha256:")
        )),
        "config blob named by the image id: {kept:?}"
    );

    expect_success(d.docker(&["rmi", "busybox"]));
    let loaded = expect_success(d.docker(&["load", "-i", oci_only.to_str().unwrap()]));
    assert!(loaded.contains("Loaded image: busybox:latest"), "{loaded}");
    assert_eq!(
        expect_success(d.docker(&["image", "inspect", "-f", "{{.Id}}", "busybox"])),
        id
    );
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "--pull", "never", "busybox", "echo", "ok"])),
        "ok\n"
    );

    // The berth CLI, into a daemon that never had the image.
    let b = Daemon::start();
    let loaded = expect_success(b.berth(&["load", "-i", oci_only.to_str().unwrap()]));
    assert!(loaded.contains("Loaded image: busybox:latest"), "{loaded}");
    assert_eq!(
        expect_success(b.berth(&["image", "inspect", "-f", "{{.Id}}", "busybox"])),
        id
    );
    assert_eq!(
        expect_success(b.docker(&["run", "--rm", "--pull", "never", "busybox", "echo", "ok"])),
        "ok\n"
    );
}

#[test]
fn commit_with_changes_history_and_prune() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "--name",
        "src",
        "busybox",
        "sh",
        "-c",
        "echo changed > /marker",
    ]));
    let id = expect_success(d.docker(&[
        "commit",
        "-c",
        r#"CMD ["echo","committed"]"#,
        "-m",
        "a message",
        "-a",
        "someone",
        "src",
        "committed:1",
    ]));
    assert!(id.trim().starts_with("sha256:"), "{id}");
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "committed:1"])),
        "committed\n"
    );
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "committed:1", "cat", "/marker"])),
        "changed\n"
    );
    let layers = expect_success(d.docker(&[
        "image",
        "inspect",
        "-f",
        "{{len .RootFS.Layers}} {{.Author}} {{.Comment}}",
        "committed:1",
    ]));
    assert_eq!(layers.trim(), "2 someone a message");

    // History: newest first, the top entry has the image id and tag, the commit's comment.
    let history = expect_success(d.docker(&[
        "history",
        "--no-trunc",
        "--format",
        "{{.ID}}|{{.Comment}}|{{.CreatedBy}}",
        "committed:1",
    ]));
    let lines: Vec<&str> = history.lines().collect();
    assert!(lines.len() >= 2, "{history}");
    assert!(lines[0].starts_with(id.trim()), "{history}");
    assert!(lines[0].contains("|a message|"), "{history}");
    assert!(lines[0].contains("echo changed > /marker"), "{history}");

    // Prune: a dangling image goes, a tagged one used by nothing goes only with -a.
    expect_success(d.docker(&["commit", "src"]));
    let dangling = expect_success(d.docker(&["images", "-q", "--filter", "dangling=true"]));
    assert_eq!(dangling.lines().count(), 1, "{dangling}");
    let pruned = expect_success(d.docker(&["image", "prune", "-f"]));
    assert!(pruned.contains("deleted: sha256:"), "{pruned}");
    assert_eq!(
        expect_success(d.docker(&["images", "-q", "--filter", "dangling=true"])).trim(),
        ""
    );
    expect_success(d.docker(&["rm", "src"]));
    let pruned = expect_success(d.docker(&["image", "prune", "-a", "-f"]));
    assert!(pruned.contains("untagged: committed:1"), "{pruned}");
    assert!(pruned.contains("Total reclaimed space"), "{pruned}");
    assert_eq!(expect_success(d.docker(&["images", "-q"])).trim(), "");
}

#[test]
fn commit_of_a_running_container_pauses_it_only_during_the_commit() {
    require_root!();
    let d = Daemon::with_busybox();
    expect_success(d.docker(&[
        "run",
        "-d",
        "--name",
        "live",
        "busybox",
        "sh",
        "-c",
        "echo live > /state; sleep 60",
    ]));
    assert!(test_support::eventually(
        std::time::Duration::from_secs(5),
        || {
            d.docker(&["diff", "live"]).status.code() == Some(0)
                && stdout(&d.docker(&["diff", "live"])).contains("/state")
        }
    ));
    expect_success(d.docker(&["commit", "live", "live:snap"]));
    let status = expect_success(d.docker(&["inspect", "-f", "{{.State.Status}}", "live"]));
    assert_eq!(status.trim(), "running");
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "live:snap", "cat", "/state"])),
        "live\n"
    );
    expect_success(d.docker(&["rm", "-f", "live"]));
}

/// dockerd's `POST /images/load?quiet=0` (what the docker CLI asks for on a terminal): one
/// `Loading layer` progress per stored layer, then `Loaded image:`; `quiet=1` only the latter; a
/// broken archive is the answer's status.
#[test]
fn load_shows_layer_progress_unless_quiet() {
    require_root!();
    let a = Daemon::with_busybox();
    let archive = a.scratch().join("progress.tar");
    expect_success(a.docker(&["save", "-o", archive.to_str().unwrap(), "busybox"]));
    let bytes = std::fs::read(&archive).unwrap();
    let diff_id = expect_success(a.docker(&[
        "image",
        "inspect",
        "-f",
        "{{index .RootFS.Layers 0}}",
        "busybox",
    ]));
    let layer_id = &diff_id.trim()["sha256:".len()..][..12];

    let b = Daemon::start();
    let loud = b
        .request(
            "POST",
            "/v1.41/images/load?quiet=0",
            Some(("application/x-tar", &bytes)),
        )
        .unwrap();
    assert_eq!(loud.status, 200, "{}", loud.text());
    let messages: Vec<serde_json::Value> = loud
        .text()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let loading: Vec<_> = messages
        .iter()
        .filter(|m| m["status"] == "Loading layer")
        .collect();
    assert!(!loading.is_empty(), "{messages:?}");
    assert!(loading.iter().all(|m| m["id"] == layer_id), "{messages:?}");
    let last = loading.last().unwrap();
    assert_eq!(
        last["progressDetail"]["current"], last["progressDetail"]["total"],
        "the last progress is the whole layer: {last}"
    );
    assert!(
        last["progress"].as_str().unwrap().starts_with("[="),
        "{last}"
    );
    assert_eq!(
        messages.last().unwrap()["stream"],
        "Loaded image: busybox:latest\n"
    );

    let c = Daemon::start();
    let quiet = c
        .request(
            "POST",
            "/v1.41/images/load?quiet=1",
            Some(("application/x-tar", &bytes)),
        )
        .unwrap();
    assert_eq!(quiet.status, 200);
    assert!(!quiet.text().contains("Loading layer"), "{}", quiet.text());
    assert!(quiet.text().contains("Loaded image: busybox:latest"));

    let broken = c
        .request(
            "POST",
            "/v1.41/images/load?quiet=0",
            Some(("application/x-tar", b"not a tar at all")),
        )
        .unwrap();
    assert_eq!(broken.status / 100, 4, "{}", broken.text());
}
