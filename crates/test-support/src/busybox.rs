//! A busybox root filesystem built from the host's static busybox (Debian's `busybox-static`), so
//! tests never need a registry or the internet.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{bail, Context, Result};

/// Where Debian's `busybox-static` installs the binary.
pub const HOST_BUSYBOX: &str = "/bin/busybox";

/// The rootfs tarball, built once per test process.
pub fn busybox_rootfs_tar() -> &'static [u8] {
    static TAR: OnceLock<Vec<u8>> = OnceLock::new();
    TAR.get_or_init(|| {
        build_rootfs_tar(Path::new(HOST_BUSYBOX))
            .expect("build busybox rootfs tar (is busybox-static installed?)")
    })
}

/// Builds an uncompressed tar of a minimal root: the busybox binary, one symlink per applet,
/// /etc/passwd and /etc/group with root and nobody, and the usual empty directories.
pub fn build_rootfs_tar(busybox: &Path) -> Result<Vec<u8>> {
    let binary = std::fs::read(busybox).with_context(|| format!("read {}", busybox.display()))?;
    let list = Command::new(busybox)
        .arg("--list-full")
        .output()
        .context("busybox --list-full")?;
    if !list.status.success() {
        bail!("busybox --list-full failed");
    }
    let applets = String::from_utf8(list.stdout)?;

    let mut builder = tar::Builder::new(Vec::new());
    for (dir, mode) in [
        ("bin", 0o755),
        ("sbin", 0o755),
        ("usr", 0o755),
        ("usr/bin", 0o755),
        ("usr/sbin", 0o755),
        ("etc", 0o755),
        ("root", 0o700),
        ("home", 0o755),
        ("tmp", 0o1777),
        ("var", 0o755),
        ("var/log", 0o755),
        ("proc", 0o555),
        ("sys", 0o555),
        ("dev", 0o755),
    ] {
        append_dir(&mut builder, dir, mode)?;
    }
    append_file(&mut builder, "bin/busybox", &binary, 0o755)?;
    append_file(
        &mut builder,
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
        0o644,
    )?;
    append_file(
        &mut builder,
        "etc/group",
        b"root:x:0:\ndaemon:x:1:\nwheel:x:10:root\nnogroup:x:65534:\n",
        0o644,
    )?;
    for applet in applets.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if applet == "bin/busybox" {
            continue;
        }
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        header.set_mode(0o777);
        header.set_mtime(1_700_000_000);
        builder.append_link(&mut header, applet, "/bin/busybox")?;
    }
    Ok(builder.into_inner()?)
}

fn append_dir(builder: &mut tar::Builder<Vec<u8>>, path: &str, mode: u32) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Directory);
    header.set_size(0);
    header.set_mode(mode);
    header.set_mtime(1_700_000_000);
    builder.append_data(&mut header, format!("{path}/"), std::io::empty())?;
    Ok(())
}

fn append_file(
    builder: &mut tar::Builder<Vec<u8>>,
    path: &str,
    data: &[u8],
    mode: u32,
) -> Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(data.len() as u64);
    header.set_mode(mode);
    header.set_mtime(1_700_000_000);
    builder.append_data(&mut header, path, data)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rootfs_has_shell_and_passwd() {
        let tar = build_rootfs_tar(Path::new(HOST_BUSYBOX)).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().any(|n| n == "bin/sh"),
            "no bin/sh in {names:?}"
        );
        assert!(names.iter().any(|n| n == "etc/passwd"));
        assert!(names.iter().any(|n| n == "bin/busybox"));
    }
}
