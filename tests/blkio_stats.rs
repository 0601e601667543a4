//! `docker stats` BLOCK I/O (issue 3): containers join the blkio controller (v1) / io (v2), and
//! `blkio_stats.io_service_bytes_recursive` counts what they write to disk.

use test_support::{expect_success, require_root, Daemon};

/// Sum of the `write` entries of one stats document.
fn written_bytes(stats: &serde_json::Value) -> u64 {
    stats["blkio_stats"]["io_service_bytes_recursive"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter(|e| {
                    e["op"]
                        .as_str()
                        .is_some_and(|op| op.eq_ignore_ascii_case("write"))
                })
                .filter_map(|e| e["value"].as_u64())
                .sum()
        })
        .unwrap_or(0)
}

/// The disk that holds `path` as `major:minor` (the whole disk, which blk-throttle accounts on).
fn disk_of(path: &std::path::Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let dev = std::fs::metadata(path).ok()?.dev();
    let (major, minor) = ((dev >> 8) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00));
    let sys = std::fs::canonicalize(format!("/sys/dev/block/{major}:{minor}")).ok()?;
    // A partition's parent directory is its disk.
    let disk = if sys.join("partition").exists() {
        sys.parent()?.to_path_buf()
    } else {
        sys
    };
    Some(
        std::fs::read_to_string(disk.join("dev"))
            .ok()?
            .trim()
            .to_string(),
    )
}

#[test]
fn synced_writes_show_in_block_io() {
    require_root!();
    let d = Daemon::with_busybox();
    let id = expect_success(d.docker(&["run", "-d", "--name", "writer", "busybox", "sleep", "60"]))
        .trim()
        .to_string();
    let pid = expect_success(d.docker(&["inspect", "-f", "{{.State.Pid}}", "writer"]));
    let cgroup = std::fs::read_to_string(format!("/proc/{}/cgroup", pid.trim())).unwrap();
    let blkio = std::path::Path::new("/sys/fs/cgroup/blkio")
        .join(&d.cgroup_parent)
        .join(&id);
    if !std::path::Path::new("/sys/fs/cgroup/blkio").exists() {
        eprintln!("no cgroup v1 blkio hierarchy: skipping");
        return;
    }
    assert!(
        cgroup.contains(&format!("blkio:/{}/{id}", d.cgroup_parent)),
        "{cgroup}"
    );
    // Since Linux 6.9 blk-throttle (and so its v1 byte counters) starts on a disk only once a
    // rule exists for it: give the container a rule far above anything the disk can do.
    let disk = disk_of(&d.data_root).expect("disk of the data root");
    std::fs::write(
        blkio.join("blkio.throttle.write_bps_device"),
        format!("{disk} 1099511627776"),
    )
    .unwrap();
    expect_success(d.docker(&[
        "exec",
        "writer",
        "dd",
        "if=/dev/zero",
        "of=/data",
        "bs=1M",
        "count=8",
        "conv=fsync",
    ]));
    let resp = d
        .request("GET", "/v1.41/containers/writer/stats?stream=false", None)
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    let stats: serde_json::Value = serde_json::from_str(&resp.text()).unwrap();
    let written = written_bytes(&stats);
    assert!(
        written >= 8 * 1024 * 1024,
        "{written} bytes written: {}",
        stats["blkio_stats"]
    );
    let entry = &stats["blkio_stats"]["io_service_bytes_recursive"][0];
    assert_eq!(
        format!("{}:{}", entry["major"], entry["minor"]),
        disk,
        "{entry}"
    );
    let out =
        expect_success(d.docker(&["stats", "--no-stream", "--format", "{{.BlockIO}}", "writer"]));
    assert!(out.trim().ends_with("MB"), "BLOCK I/O {out:?}");
    expect_success(d.docker(&["rm", "-f", "writer"]));
    assert!(!blkio.exists(), "{} left behind", blkio.display());
}
