//! The container's filesystem view, built by the init inside its own mount namespace:
//! rootfs (overlay or bind), proc/dev/sys and the spec's mounts, device nodes, pivot_root.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::sys::stat::{makedev, mknod, Mode, SFlag};

use crate::init_config::{DeviceSpec, InitConfig, MountSpec};
use crate::{mount_options, resolve_in_root};

fn err(op: &str, path: &Path, e: impl std::fmt::Display) -> String {
    format!("{op} {}: {e}", path.display())
}

/// Everything before pivot_root: called in the init's fresh mount namespace.
pub(crate) fn prepare_rootfs(cfg: &InitConfig) -> Result<(), String> {
    // Nothing we mount may propagate back to the host.
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(|e| err("making / rprivate", Path::new("/"), e))?;
    let root = &cfg.root;
    match &cfg.overlay {
        Some(data) => mount(
            Some("overlay"),
            root,
            Some("overlay"),
            MsFlags::empty(),
            Some(data.as_str()),
        )
        .map_err(|e| err("mounting overlay on", root, e))?,
        // pivot_root needs the root to be a mount point.
        None => mount(
            Some(root),
            root,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(|e| err("bind-mounting rootfs", root, e))?,
    }
    let mut dev_is_ours = false;
    for m in &cfg.mounts {
        mount_one(root, m)?;
        if m.destination == Path::new("/dev") && !m.is_bind() {
            dev_is_ours = true;
        }
    }
    if dev_is_ours {
        for d in &cfg.devices {
            create_device(root, d)?;
        }
        for (link, target) in [
            ("/dev/fd", "/proc/self/fd"),
            ("/dev/stdin", "/proc/self/fd/0"),
            ("/dev/stdout", "/proc/self/fd/1"),
            ("/dev/stderr", "/proc/self/fd/2"),
            ("/dev/ptmx", "pts/ptmx"),
        ] {
            let at = resolve_in_root(root, Path::new(link));
            if at.symlink_metadata().is_err() {
                std::os::unix::fs::symlink(target, &at)
                    .map_err(|e| err("creating symlink", &at, e))?;
            }
        }
    }
    Ok(())
}

/// Creates the mount point for `m` below `root` (directory, or an empty file for a bind mount
/// of a file) and returns its host path.
fn mount_point(root: &Path, m: &MountSpec) -> Result<PathBuf, String> {
    let target = resolve_in_root(root, &m.destination);
    let source_is_file = m.is_bind()
        && m.source
            .as_ref()
            .and_then(|s| std::fs::metadata(s).ok())
            .is_some_and(|md| !md.is_dir());
    if source_is_file {
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| err("creating", parent, e))?;
        }
        if target.symlink_metadata().is_err() {
            std::fs::File::create(&target).map_err(|e| err("creating", &target, e))?;
        }
    } else {
        std::fs::create_dir_all(&target).map_err(|e| err("creating", &target, e))?;
    }
    Ok(target)
}

fn mount_one(root: &Path, m: &MountSpec) -> Result<(), String> {
    let target = mount_point(root, m)?;
    let opts = mount_options::parse(&m.options);
    if m.is_bind() {
        let source = m
            .source
            .as_deref()
            .ok_or_else(|| err("bind mount without source to", &target, "-"))?;
        let mut flags = MsFlags::MS_BIND;
        if opts.recursive {
            flags |= MsFlags::MS_REC;
        }
        mount(Some(source), &target, None::<&str>, flags, None::<&str>).map_err(|e| {
            err(
                &format!("bind-mounting {} on", source.display()),
                &target,
                e,
            )
        })?;
        // Bind mounts ignore most flags on the first call; a remount applies them.
        let extra = opts.flags & !(MsFlags::MS_REMOUNT);
        if !extra.is_empty() {
            mount(
                None::<&str>,
                &target,
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REMOUNT | extra,
                None::<&str>,
            )
            .map_err(|e| err("remounting", &target, e))?;
        }
    } else {
        let data = (!opts.data.is_empty()).then_some(opts.data.as_str());
        let source = m
            .source
            .as_deref()
            .unwrap_or(Path::new(&m.typ))
            .to_path_buf();
        let result = mount(
            Some(&source),
            &target,
            Some(m.typ.as_str()),
            opts.flags,
            data,
        );
        match result {
            Ok(()) => {}
            // Without its own network namespace sysfs may be refused; a read-only recursive
            // bind of the host's /sys is what runc falls back to.
            Err(nix::Error::EPERM) if m.typ == "sysfs" => {
                mount(
                    Some("/sys"),
                    &target,
                    None::<&str>,
                    MsFlags::MS_BIND | MsFlags::MS_REC,
                    None::<&str>,
                )
                .map_err(|e| err("binding /sys on", &target, e))?;
                mount(
                    None::<&str>,
                    &target,
                    None::<&str>,
                    MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | opts.flags,
                    None::<&str>,
                )
                .map_err(|e| err("remounting", &target, e))?;
            }
            Err(e) => return Err(err(&format!("mounting {} on", m.typ), &target, e)),
        }
    }
    if !opts.propagation.is_empty() {
        mount(
            None::<&str>,
            &target,
            None::<&str>,
            opts.propagation,
            None::<&str>,
        )
        .map_err(|e| err("setting propagation of", &target, e))?;
    }
    Ok(())
}

fn create_device(root: &Path, d: &DeviceSpec) -> Result<(), String> {
    let target = resolve_in_root(root, &d.path);
    if target.symlink_metadata().is_ok() {
        return Ok(());
    }
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| err("creating", parent, e))?;
    }
    let kind = match d.typ {
        'b' => SFlag::S_IFBLK,
        'p' => SFlag::S_IFIFO,
        _ => SFlag::S_IFCHR,
    };
    match mknod(
        &target,
        kind,
        Mode::from_bits_truncate(d.mode),
        makedev(d.major, d.minor),
    ) {
        Ok(()) => {
            // mknod honours the umask; set the exact mode and owner.
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(d.mode))
                .map_err(|e| err("chmod", &target, e))?;
            nix::unistd::chown(&target, Some(d.uid.into()), Some(d.gid.into()))
                .map_err(|e| err("chown", &target, e))?;
        }
        // Without CAP_MKNOD, bind-mount the host's node as runc does.
        Err(nix::Error::EPERM) => {
            std::fs::File::create(&target).map_err(|e| err("creating", &target, e))?;
            mount(
                Some(&d.path),
                &target,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
            .map_err(|e| err("bind-mounting device", &target, e))?;
        }
        Err(e) => return Err(err("mknod", &target, e)),
    }
    Ok(())
}

/// Makes `root` the process's `/` (the runc trick: pivot_root(".", ".") then detach the old
/// root stacked underneath, no put_old directory needed).
pub(crate) fn pivot_to(root: &Path) -> Result<(), String> {
    nix::unistd::chdir(root).map_err(|e| err("chdir", root, e))?;
    nix::unistd::pivot_root(".", ".").map_err(|e| err("pivot_root", root, e))?;
    umount2(".", MntFlags::MNT_DETACH).map_err(|e| err("detaching old root", root, e))?;
    nix::unistd::chdir("/").map_err(|e| err("chdir", Path::new("/"), e))?;
    Ok(())
}

/// After pivot_root: masked paths, read-only paths and a read-only root.
pub(crate) fn finish_rootfs(cfg: &InitConfig) -> Result<(), String> {
    for p in &cfg.readonly_paths {
        let path = Path::new(p);
        if path.symlink_metadata().is_err() {
            continue;
        }
        mount(
            Some(path),
            path,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(|e| err("binding read-only path", path, e))?;
        mount(
            None::<&str>,
            path,
            None::<&str>,
            MsFlags::MS_BIND
                | MsFlags::MS_REMOUNT
                | MsFlags::MS_RDONLY
                | MsFlags::MS_NOSUID
                | MsFlags::MS_NODEV
                | MsFlags::MS_NOEXEC,
            None::<&str>,
        )
        .map_err(|e| err("remounting read-only", path, e))?;
    }
    for p in &cfg.masked_paths {
        let path = Path::new(p);
        let Ok(md) = path.symlink_metadata() else {
            continue;
        };
        let result = if md.is_dir() {
            mount(
                Some("tmpfs"),
                path,
                Some("tmpfs"),
                MsFlags::MS_RDONLY,
                None::<&str>,
            )
        } else {
            mount(
                Some("/dev/null"),
                path,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
        };
        result.map_err(|e| err("masking", path, e))?;
    }
    if cfg.root_readonly {
        mount(
            None::<&str>,
            "/",
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY,
            None::<&str>,
        )
        .map_err(|e| err("remounting root read-only", Path::new("/"), e))?;
    }
    Ok(())
}
