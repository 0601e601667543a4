//! Locates the workspace's binaries (`berthd`, `berth`, `berth-shim`) for end-to-end tests.

use std::path::PathBuf;

/// `$BERTH_BIN_DIR/<name>` if set, else the cargo target dir the running test belongs to
/// (`target/<profile>/deps/<test>` → `target/<profile>/<name>`). The test command builds the
/// binaries first (`cargo build --workspace --bins`).
pub fn bin_path(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("BERTH_BIN_DIR") {
        return PathBuf::from(dir).join(name);
    }
    let exe = std::env::current_exe().expect("current_exe");
    let mut dir = exe.parent().expect("test binary dir").to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} not found: build the binaries first (cargo build --workspace --bins)",
        path.display()
    );
    path
}
