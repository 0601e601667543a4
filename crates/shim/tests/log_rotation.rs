//! The json-file log rotates (needs root: runs real containers).

mod common;

use common::Bundle;
use serde_json::json;

/// Writes `mib` MiB of 1000-byte lines (999 digits + newline).
fn writer(mib: u32) -> Bundle {
    Bundle::new(&[
        "sh",
        "-c",
        &format!("yes $(printf '%0999d' 7) | head -c {}", mib * 1024 * 1024),
    ])
}

fn run_to_end(b: &mut Bundle, flags: &[&str]) {
    assert_eq!(b.create(flags)["ok"], true);
    let waiter = b.waiter();
    assert_eq!(b.call(json!({"op": "start"}))["ok"], true);
    assert_eq!(waiter.exit()["exit_code"], 0);
    b.wait_shim_exit();
}

/// (file name, size) of every log file in the bundle, sorted by name.
fn log_files(b: &Bundle) -> Vec<(String, u64)> {
    let mut files: Vec<(String, u64)> = std::fs::read_dir(b.path())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().contains("-json.log"))
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                e.metadata().unwrap().len(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn fifty_megabytes_leave_at_most_max_size_times_max_file_by_default() {
    let mut b = writer(50);
    run_to_end(&mut b, &[]);
    let files = log_files(&b);
    let base = format!("{}-json.log", b.id);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [base.clone(), format!("{base}.1"), format!("{base}.2")],
        "{files:?}"
    );
    let total: u64 = files.iter().map(|(_, s)| s).sum();
    assert!(total <= 30 * 1024 * 1024, "{files:?}");
    // The rotated files are full (within one entry), so rotation happened at the limit.
    assert!(files[1].1 > 10 * 1024 * 1024 - 2000, "{files:?}");
    // Every entry is still a whole json-file line (head cut the very last one short).
    let live = b.log_entries();
    let (last, whole) = live.split_last().unwrap();
    assert!(whole
        .iter()
        .all(|e| e["log"].as_str().unwrap().len() == 1000));
    assert_eq!(last["log"].as_str().unwrap().len(), 52428800 % 1000);
}

#[test]
fn max_size_and_max_file_flags_are_honoured_and_none_writes_nothing() {
    let mut b = writer(5);
    run_to_end(
        &mut b,
        &["--log-max-size", "1048576", "--log-max-file", "2"],
    );
    let files = log_files(&b);
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|(_, s)| *s <= 1024 * 1024), "{files:?}");

    let mut none = writer(1);
    run_to_end(&mut none, &["--log-driver", "none"]);
    assert!(log_files(&none).is_empty());
}
