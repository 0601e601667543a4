//! The layer applier against real and hostile archives built here.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;

use image::{apply_layer, apply_layer_with, ImageError, WhiteoutMode};

/// Builds tars entry by entry, writing names straight into the header so hostile paths (which
/// `tar::Header::set_path` refuses) can be produced.
struct TarBuilder {
    builder: tar::Builder<Vec<u8>>,
}

impl TarBuilder {
    fn new() -> Self {
        TarBuilder {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn header(kind: tar::EntryType, name: &str, mode: u32) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        let raw = &mut h.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1_700_000_000);
        h.set_size(0);
        h
    }

    fn set_link(h: &mut tar::Header, target: &str) {
        let raw = &mut h.as_old_mut().linkname;
        raw[..target.len()].copy_from_slice(target.as_bytes());
    }

    fn finish_entry(&mut self, mut h: tar::Header, data: &[u8]) {
        h.set_size(data.len() as u64);
        h.set_cksum();
        self.builder.append(&h, data).unwrap();
    }

    fn dir(mut self, name: &str, mode: u32) -> Self {
        let h = Self::header(tar::EntryType::Directory, name, mode);
        self.finish_entry(h, b"");
        self
    }

    fn file(mut self, name: &str, mode: u32, data: &[u8]) -> Self {
        let h = Self::header(tar::EntryType::Regular, name, mode);
        self.finish_entry(h, data);
        self
    }

    fn file_owned(mut self, name: &str, mode: u32, uid: u64, gid: u64, data: &[u8]) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, name, mode);
        h.set_uid(uid);
        h.set_gid(gid);
        self.finish_entry(h, data);
        self
    }

    fn symlink(mut self, name: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Symlink, name, 0o777);
        Self::set_link(&mut h, target);
        self.finish_entry(h, b"");
        self
    }

    fn hardlink(mut self, name: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Link, name, 0o644);
        Self::set_link(&mut h, target);
        self.finish_entry(h, b"");
        self
    }

    fn device(mut self, kind: tar::EntryType, name: &str, major: u32, minor: u32) -> Self {
        let mut h = Self::header(kind, name, 0o666);
        h.set_device_major(major).unwrap();
        h.set_device_minor(minor).unwrap();
        self.finish_entry(h, b"");
        self
    }

    fn xattr_file(mut self, name: &str, key: &str, value: &[u8]) -> Self {
        let key = format!("SCHILY.xattr.{key}");
        self.builder
            .append_pax_extensions([(key.as_str(), value)])
            .unwrap();
        let h = Self::header(tar::EntryType::Regular, name, 0o644);
        self.finish_entry(h, b"x");
        self
    }

    fn build(self) -> Vec<u8> {
        self.builder.into_inner().unwrap()
    }
}

/// Every path under `dir` with its type, size, mode and mtime: equal snapshots mean nothing changed.
fn snapshot(dir: &Path, skip: &Path) -> BTreeMap<String, (u32, u64, i64, u64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path == skip {
                continue;
            }
            let m = fs::symlink_metadata(&path).unwrap();
            out.insert(
                path.display().to_string(),
                (m.mode(), m.len(), m.mtime(), m.nlink()),
            );
            if m.is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

/// A sandbox: `<tmp>/outside/secret` (a file a hostile layer must not touch) and `<tmp>/root`.
struct Sandbox {
    tmp: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir(tmp.path().join("outside")).unwrap();
        fs::write(tmp.path().join("outside/secret"), b"secret").unwrap();
        fs::create_dir(tmp.path().join("root")).unwrap();
        Sandbox { tmp }
    }
    fn root(&self) -> std::path::PathBuf {
        self.tmp.path().join("root")
    }
    fn outside(&self) -> std::path::PathBuf {
        self.tmp.path().join("outside")
    }
    fn snapshot(&self) -> BTreeMap<String, (u32, u64, i64, u64)> {
        snapshot(self.tmp.path(), &self.root())
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

#[test]
fn applies_files_dirs_links_devices_and_metadata() {
    let sb = Sandbox::new();
    let tar = TarBuilder::new()
        .dir("./", 0o755)
        .dir("./usr/", 0o755)
        .dir("./usr/lib/", 0o755)
        .symlink("./lib64", "/usr/lib")
        .file("./lib64/ld.so", 0o755, b"loader")
        .file_owned("./bin/su", 0o4755, 1000, 1001, b"setuid")
        .hardlink("./bin/su-again", "./bin/su")
        .dir("./ro/", 0o555)
        .file("./ro/inside", 0o444, b"ro")
        .device(tar::EntryType::Char, "./dev/null", 1, 3)
        .device(tar::EntryType::Fifo, "./run/fifo", 0, 0)
        .xattr_file("./attr", "user.berth", b"v")
        .build();
    let stats = apply_layer(&sb.root(), &tar[..]).unwrap();
    let root = sb.root();
    assert_eq!(stats.entries, 12);
    assert_eq!(
        stats.size,
        (b"loader".len() + b"setuid".len() + b"ro".len() + 1) as u64
    );

    // The absolute symlink is kept and what goes through it lands inside the root.
    assert_eq!(
        fs::read_link(root.join("lib64")).unwrap(),
        Path::new("/usr/lib")
    );
    assert_eq!(fs::read(root.join("usr/lib/ld.so")).unwrap(), b"loader");

    let su = fs::metadata(root.join("bin/su")).unwrap();
    assert_eq!(su.mode() & 0o7777, 0o4755, "setuid survives chown");
    assert_eq!(su.mtime(), 1_700_000_000);
    assert_eq!(su.nlink(), 2, "the hardlink shares the inode");
    if is_root() {
        assert_eq!((su.uid(), su.gid()), (1000, 1001));
    }
    assert_eq!(
        fs::metadata(root.join("bin")).unwrap().mode() & 0o7777,
        0o755,
        "missing parents get 0755"
    );

    let ro = fs::metadata(root.join("ro")).unwrap();
    assert_eq!(
        ro.mode() & 0o7777,
        0o555,
        "directory mode is set after its children"
    );
    assert_eq!(
        ro.mtime(),
        1_700_000_000,
        "directory mtime is set after its children"
    );

    assert!(fs::symlink_metadata(root.join("run/fifo"))
        .unwrap()
        .file_type()
        .is_fifo());
    if is_root() {
        let null = fs::symlink_metadata(root.join("dev/null")).unwrap();
        assert!(null.file_type().is_char_device());
        assert_eq!(null.rdev(), rustix::fs::makedev(1, 3));
    }
    let mut value = [0u8; 8];
    if let Ok(n) = rustix::fs::getxattr(root.join("attr"), "user.berth", &mut value) {
        assert_eq!(&value[..n], b"v");
    }
}

#[test]
fn refuses_dotdot_escapes_and_touches_nothing_outside() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    for name in [
        "../outside/secret",
        "./a/../../outside/pwned",
        "a/../../../pwned",
    ] {
        let tar = TarBuilder::new().file(name, 0o644, b"pwned").build();
        let err = apply_layer(&sb.root(), &tar[..]).unwrap_err();
        assert!(matches!(err, ImageError::Breakout { .. }), "{name}: {err}");
    }
    assert_eq!(sb.snapshot(), before);
    assert_eq!(fs::read(sb.outside().join("secret")).unwrap(), b"secret");
}

#[test]
fn absolute_paths_stay_inside() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    let outside_abs = sb.outside().join("secret");
    let tar = TarBuilder::new()
        .file(outside_abs.to_str().unwrap(), 0o644, b"pwned")
        .build();
    apply_layer(&sb.root(), &tar[..]).unwrap();
    assert_eq!(sb.snapshot(), before);
    let inside = sb.root().join(outside_abs.strip_prefix("/").unwrap());
    assert_eq!(fs::read(inside).unwrap(), b"pwned");
}

#[test]
fn symlink_escapes_resolve_inside_the_root() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    let outside = sb.outside();
    let tar = TarBuilder::new()
        .symlink("abs", outside.to_str().unwrap())
        .file("abs/secret", 0o644, b"pwned")
        .file("abs/new", 0o644, b"pwned")
        .symlink("rel", "../../../../../../..")
        .file("rel/pwned-rel", 0o644, b"pwned")
        .dir("d/", 0o755)
        .symlink("d/up", "../../outside")
        .file("d/up/pwned-up", 0o644, b"pwned")
        .symlink("dirlink", "/")
        .dir("dirlink/created-dir/", 0o755)
        .build();
    apply_layer(&sb.root(), &tar[..]).unwrap();
    assert_eq!(sb.snapshot(), before, "nothing outside the root changed");
    assert_eq!(fs::read(outside.join("secret")).unwrap(), b"secret");
    let root = sb.root();
    let rooted_outside = root.join(outside.strip_prefix("/").unwrap());
    assert_eq!(fs::read(rooted_outside.join("secret")).unwrap(), b"pwned");
    assert_eq!(fs::read(root.join("pwned-rel")).unwrap(), b"pwned");
    assert_eq!(fs::read(root.join("outside/pwned-up")).unwrap(), b"pwned");
    assert!(root.join("created-dir").is_dir());
}

#[test]
fn symlink_then_file_over_it_replaces_the_link_not_its_target() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    let secret = sb.outside().join("secret");
    let tar = TarBuilder::new()
        .symlink("victim", secret.to_str().unwrap())
        .file("victim", 0o644, b"replaced")
        .build();
    apply_layer(&sb.root(), &tar[..]).unwrap();
    assert_eq!(sb.snapshot(), before);
    let victim = sb.root().join("victim");
    assert!(fs::symlink_metadata(&victim).unwrap().is_file());
    assert_eq!(fs::read(victim).unwrap(), b"replaced");
}

#[test]
fn hardlink_escapes_are_refused_or_confined() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    let secret = sb.outside().join("secret");

    let tar = TarBuilder::new().hardlink("h", "../outside/secret").build();
    let err = apply_layer(&sb.root(), &tar[..]).unwrap_err();
    assert!(matches!(err, ImageError::Breakout { .. }), "{err}");

    // An absolute target and a target through an escaping symlink resolve inside the root,
    // where nothing exists: the entry fails and the outside file keeps its single link.
    let tar = TarBuilder::new()
        .hardlink("h", secret.to_str().unwrap())
        .build();
    assert!(apply_layer(&sb.root(), &tar[..]).is_err());
    let tar = TarBuilder::new()
        .symlink("sl", sb.outside().to_str().unwrap())
        .hardlink("h2", "sl/secret")
        .build();
    assert!(apply_layer(&sb.root(), &tar[..]).is_err());

    assert_eq!(sb.snapshot(), before);
    assert_eq!(fs::metadata(&secret).unwrap().nlink(), 1);
}

#[test]
fn hardlink_to_a_symlink_links_the_symlink() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    let tar = TarBuilder::new()
        .symlink("sl", sb.outside().join("secret").to_str().unwrap())
        .hardlink("h", "sl")
        .build();
    apply_layer(&sb.root(), &tar[..]).unwrap();
    assert_eq!(sb.snapshot(), before);
    assert!(fs::symlink_metadata(sb.root().join("h"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn overlay_whiteouts_become_devices_and_xattrs() {
    if !is_root() {
        return; // whiteout devices and trusted.* xattrs need root
    }
    let sb = Sandbox::new();
    let tar = TarBuilder::new()
        .dir("etc/", 0o755)
        .file("etc/.wh.motd", 0o644, b"")
        .dir("opaque/", 0o755)
        .file("opaque/.wh..wh..opq", 0o644, b"")
        .file("opaque/kept", 0o644, b"k")
        .file(".wh..wh.plnk", 0o644, b"")
        .build();
    apply_layer_with(&sb.root(), &tar[..], WhiteoutMode::Overlay).unwrap();
    let root = sb.root();
    let wh = fs::symlink_metadata(root.join("etc/motd")).unwrap();
    assert!(wh.file_type().is_char_device());
    assert_eq!(wh.rdev(), 0);
    let mut value = [0u8; 4];
    let n =
        rustix::fs::getxattr(root.join("opaque"), "trusted.overlay.opaque", &mut value).unwrap();
    assert_eq!(&value[..n], b"y");
    assert!(root.join("opaque/kept").exists());
    assert!(!root.join(".wh..wh.plnk").exists());
    assert!(!root.join("etc/.wh.motd").exists());
}

#[test]
fn flatten_whiteouts_delete_lower_entries() {
    let sb = Sandbox::new();
    let lower = TarBuilder::new()
        .file("etc/motd", 0o644, b"hi")
        .file("etc/keep", 0o644, b"keep")
        .file("data/old1", 0o644, b"1")
        .file("data/sub/old2", 0o644, b"2")
        .build();
    apply_layer_with(&sb.root(), &lower[..], WhiteoutMode::Flatten).unwrap();
    let upper = TarBuilder::new()
        .file("etc/.wh.motd", 0o644, b"")
        .dir("data/", 0o755)
        .file("data/new", 0o644, b"n")
        .file("data/.wh..wh..opq", 0o644, b"")
        .file("../.wh.escape", 0o644, b"")
        .build();
    // The escaping whiteout is refused after the ones before it were applied.
    assert!(apply_layer_with(&sb.root(), &upper[..], WhiteoutMode::Flatten).is_err());
    let root = sb.root();
    assert!(!root.join("etc/motd").exists());
    assert!(root.join("etc/keep").exists());
    assert!(
        root.join("data/new").exists(),
        "entries of this layer survive its opaque marker"
    );
    assert!(!root.join("data/old1").exists());
    assert!(!root.join("data/sub").exists());
    assert!(sb.outside().join("secret").exists());
}

#[test]
fn accepts_gnu_tar_with_dot_slash_prefixes() {
    let src = tempfile::tempdir().unwrap();
    fs::create_dir_all(src.path().join("bin")).unwrap();
    fs::write(src.path().join("bin/tool"), b"#!/bin/sh\n").unwrap();
    fs::set_permissions(
        src.path().join("bin/tool"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    std::os::unix::fs::symlink("tool", src.path().join("bin/alias")).unwrap();
    let out = std::process::Command::new("tar")
        .arg("-C")
        .arg(src.path())
        .args(["-c", "."])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stdout.windows(6).any(|w| w == b"./bin/"),
        "GNU tar writes ./ prefixes"
    );

    let sb = Sandbox::new();
    apply_layer(&sb.root(), &out.stdout[..]).unwrap();
    let root = sb.root();
    assert_eq!(fs::read(root.join("bin/tool")).unwrap(), b"#!/bin/sh\n");
    assert_eq!(
        fs::metadata(root.join("bin/tool")).unwrap().mode() & 0o777,
        0o755
    );
    assert_eq!(
        fs::read_link(root.join("bin/alias")).unwrap(),
        Path::new("tool")
    );
}

#[test]
fn garbage_is_an_invalid_argument() {
    let sb = Sandbox::new();
    let err = apply_layer(&sb.root(), &[0x42u8; 1024][..]).unwrap_err();
    assert_eq!(
        errdefs::HasKind::kind(&err),
        errdefs::ErrorKind::InvalidArgument,
        "{err}"
    );
}

#[test]
fn whiteouts_of_dotdot_never_delete_outside() {
    for mode in [WhiteoutMode::Flatten, WhiteoutMode::Overlay] {
        let sb = Sandbox::new();
        let before = sb.snapshot();
        for name in [
            ".wh...",
            "sub/.wh...",
            ".wh..wh..opq/../../outside",
            "sub/.wh.../secret",
        ] {
            let tar = TarBuilder::new()
                .dir("sub/", 0o755)
                .file(name, 0o644, b"")
                .build();
            // Refused or confined; either way nothing outside the root changes.
            let _ = apply_layer_with(&sb.root(), &tar[..], mode);
            assert_eq!(sb.snapshot(), before, "{name} in {mode:?}");
        }
        assert_eq!(fs::read(sb.outside().join("secret")).unwrap(), b"secret");
        assert!(sb.root().exists());
    }
}

#[test]
fn duplicate_entries_replace_earlier_ones_inside_the_root() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    let secret = sb.outside().join("secret");
    let tar = TarBuilder::new()
        .file("dup", 0o644, b"first")
        .file("dup", 0o600, b"second")
        .dir("d/", 0o755)
        .file("d/inner", 0o644, b"x")
        .symlink("d", secret.to_str().unwrap())
        .file("d", 0o644, b"plain again")
        .build();
    let result = apply_layer(&sb.root(), &tar[..]);
    assert_eq!(sb.snapshot(), before, "{result:?}");
    let root = sb.root();
    assert_eq!(fs::read(root.join("dup")).unwrap(), b"second");
    assert_eq!(
        fs::metadata(root.join("dup")).unwrap().mode() & 0o777,
        0o600
    );
    if result.is_ok() {
        assert!(fs::symlink_metadata(root.join("d")).unwrap().is_file());
    }
}

#[test]
fn symlink_loops_fail_cleanly() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    let tar = TarBuilder::new()
        .symlink("a", "b")
        .symlink("b", "a")
        .symlink("self", "self")
        .file("a/x", 0o644, b"loop")
        .build();
    assert!(apply_layer(&sb.root(), &tar[..]).is_err());
    let tar = TarBuilder::new().file("self/x", 0o644, b"loop").build();
    assert!(apply_layer(&sb.root(), &tar[..]).is_err());
    assert_eq!(sb.snapshot(), before);
}

#[test]
fn deep_nesting_applies_or_fails_cleanly() {
    let sb = Sandbox::new();
    let before = sb.snapshot();
    // 300 levels: past PATH_MAX for the whole path, carried by a GNU long-name entry.
    let deep: String = (0..300).map(|i| format!("d{i:03}/")).collect();
    let mut builder = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_mode(0o644);
    h.set_size(4);
    builder
        .append_data(&mut h, format!("{deep}leaf"), &b"deep"[..])
        .unwrap();
    let tar = builder.into_inner().unwrap();
    if apply_layer(&sb.root(), &tar[..]).is_ok() {
        assert!(fs::symlink_metadata(sb.root().join("d000/d001/d002"))
            .unwrap()
            .is_dir());
    }
    assert_eq!(sb.snapshot(), before);
}
