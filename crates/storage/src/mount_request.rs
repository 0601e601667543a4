//! A container's mounts as the client asked for them: `HostConfig.Binds` (`-v`),
//! `HostConfig.Mounts` (`--mount`), `HostConfig.Tmpfs` (`--tmpfs`), `Config.Volumes` (anonymous
//! volumes, also from the image's `VOLUME`) and `VolumesFrom`, checked with dockerd's rules and
//! messages (moby `volume/mounts/linux_parser.go`, `daemon/volumes.go`).

use std::collections::BTreeMap;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StorageError};

/// What is mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A host file or directory.
    Bind,
    /// A named or anonymous volume.
    #[default]
    Volume,
    /// A fresh tmpfs.
    Tmpfs,
}

impl MountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Bind => "bind",
            MountKind::Volume => "volume",
            MountKind::Tmpfs => "tmpfs",
        }
    }
}

/// One mount of a container; recorded in `container.json` once its volume is resolved, so a
/// restart or a later `start` mounts the same things.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MountRequest {
    #[serde(rename = "Type")]
    pub kind: MountKind,
    /// Bind: the host path. Volume: its name (empty until an anonymous one is created).
    pub source: String,
    /// Absolute, cleaned path inside the container.
    pub destination: String,
    #[serde(rename = "RW")]
    pub rw: bool,
    /// The mode the client wrote (`ro,z`), as inspect shows it.
    pub mode: String,
    /// `rprivate` etc. (binds; empty for volumes and tmpfs, as dockerd shows them).
    pub propagation: String,
    /// Copy the image's content at the destination into the volume when it is empty.
    pub copy_data: bool,
    /// A `-v` bind whose host path is created (as a directory) when missing.
    pub create_source: bool,
    /// A volume named by the daemon (`-v /data`, image `VOLUME`): removed with `rm -v`.
    pub anonymous: bool,
    /// Volume driver (empty: `local`).
    pub driver: String,
    pub volume_labels: Option<BTreeMap<String, String>>,
    pub driver_options: Option<BTreeMap<String, String>>,
    /// Tmpfs mount options (`noexec,nosuid,nodev,size=1m,...`).
    pub tmpfs_options: Vec<String>,
    /// Comes from `HostConfig.Tmpfs` (not listed in inspect's `Mounts`, as dockerd).
    pub from_tmpfs_map: bool,
}

const RW_MODES: &[&str] = &["rw", "ro"];
const LABEL_MODES: &[&str] = &["z", "Z"];
const PROPAGATION_MODES: &[&str] = &[
    "private", "rprivate", "shared", "rshared", "slave", "rslave",
];
const COPY_MODES: &[&str] = &["nocopy"];
const CONSISTENCY_MODES: &[&str] = &["consistent", "cached", "delegated"];
/// Tmpfs options that carry a value (moby `mount.MergeTmpfsOptions`).
const TMPFS_DATA_OPTIONS: &[&str] = &[
    "size",
    "mode",
    "uid",
    "gid",
    "nr_inodes",
    "nr_blocks",
    "mpol",
];
/// Tmpfs flags, grouped so that a later flag of a group replaces an earlier one (`rw` after `ro`).
const TMPFS_FLAG_GROUPS: &[&[&str]] = &[
    &["ro", "rw"],
    &["nosuid", "suid"],
    &["nodev", "dev"],
    &["noexec", "exec"],
    &["sync", "async"],
    &["dirsync"],
    &["remount"],
    &["mand", "nomand"],
    &["noatime", "atime"],
    &["nodiratime", "diratime"],
    &["relatime", "norelatime"],
    &["strictatime", "nostrictatime"],
    &[
        "private",
        "rprivate",
        "shared",
        "rshared",
        "slave",
        "rslave",
        "unbindable",
        "runbindable",
    ],
    // Docker-only: whether the image's content is copied into the tmpfs (not supported: dropped).
    &["tmpcopyup", "notmpcopyup"],
];

fn invalid(msg: impl Into<String>) -> StorageError {
    StorageError::InvalidArgument(msg.into())
}

fn invalid_spec(raw: &str) -> String {
    format!("invalid volume specification: '{raw}'")
}

fn mount_config_error(kind: &str, msg: impl std::fmt::Display) -> StorageError {
    invalid(format!("invalid mount config for type \"{kind}\": {msg}"))
}

/// dockerd's `linuxValidMountMode`: each kind of option at most once.
fn valid_mode(mode: &str) -> bool {
    if mode.is_empty() {
        return true;
    }
    let mut counts = [0usize; 5];
    for o in mode.split(',') {
        let slot = [
            RW_MODES,
            LABEL_MODES,
            PROPAGATION_MODES,
            COPY_MODES,
            CONSISTENCY_MODES,
        ]
        .iter()
        .position(|set| set.contains(&o));
        match slot {
            Some(i) => counts[i] += 1,
            None => return false,
        }
    }
    counts.iter().all(|&c| c <= 1)
}

fn mode_has(mode: &str, set: &[&str]) -> Option<String> {
    mode.split(',')
        .find(|o| set.contains(o))
        .map(str::to_string)
}

/// `path.Clean` for absolute paths.
fn clean(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in Path::new(p).components() {
        match c {
            Component::Normal(n) => parts.push(n.to_str().unwrap_or_default()),
            Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    format!("/{}", parts.join("/"))
}

/// dockerd's checks of a container path: absolute and not `/`.
pub fn validate_destination(dest: &str) -> std::result::Result<(), String> {
    if clean(dest) == "/" && dest.starts_with('/') {
        return Err("invalid specification: destination can't be '/'".into());
    }
    if !dest.starts_with('/') {
        return Err(format!(
            "invalid mount path: '{dest}' mount path must be absolute"
        ));
    }
    Ok(())
}

/// One `HostConfig.Binds` entry: `/host:/ctr[:mode]` (bind), `name:/ctr[:mode]` (named volume)
/// or `/ctr` (anonymous volume).
pub fn parse_bind(raw: &str, volume_driver: &str) -> Result<MountRequest> {
    let arr: Vec<&str> = raw.splitn(4, ':').collect();
    if arr[0].is_empty() {
        return Err(invalid(invalid_spec(raw)));
    }
    let (source, target, mode) = match arr.as_slice() {
        [t] => ("", *t, ""),
        // `/foo:rw` is a destination and a mode: volumes cannot have a mode without a source.
        [_, m] if valid_mode(m) => return Err(invalid(invalid_spec(raw))),
        [s, t] => (*s, *t, ""),
        [s, t, m] => (*s, *t, *m),
        _ => return Err(invalid(invalid_spec(raw))),
    };
    if !valid_mode(mode) {
        return Err(invalid(format!("invalid mode: {mode}")));
    }
    let kind = if source.starts_with('/') {
        MountKind::Bind
    } else {
        MountKind::Volume
    };
    let wrap = |e: StorageError| invalid(format!("{}: {e}", invalid_spec(raw)));
    let read_only = mode_has(mode, RW_MODES).as_deref() == Some("ro");
    if target.is_empty() {
        return Err(wrap(mount_config_error(
            kind.as_str(),
            "field Target must not be empty",
        )));
    }
    validate_destination(target).map_err(|e| wrap(mount_config_error(kind.as_str(), e)))?;
    let mut m = MountRequest {
        kind,
        destination: clean(target),
        rw: !read_only,
        mode: mode.to_string(),
        ..Default::default()
    };
    match kind {
        MountKind::Bind => {
            m.source = clean(source);
            m.propagation =
                mode_has(mode, PROPAGATION_MODES).unwrap_or_else(|| "rprivate".to_string());
            m.create_source = true;
        }
        _ => {
            if read_only && source.is_empty() {
                return Err(wrap(mount_config_error(
                    "volume",
                    "must not set ReadOnly mode when using anonymous volumes",
                )));
            }
            m.source = source.to_string();
            m.anonymous = source.is_empty();
            m.driver = volume_driver.to_string();
            // dockerd's setBindModeIfNull: a -v volume of the local driver shows mode "z".
            if mode.is_empty() && (volume_driver.is_empty() || volume_driver == "local") {
                m.mode = "z".into();
            }
            m.copy_data = mode_has(mode, COPY_MODES).is_none();
        }
    }
    Ok(m)
}

/// One `HostConfig.Mounts` entry (`--mount`). A bind's source must exist.
pub fn parse_mount(spec: &api::Mount) -> Result<MountRequest> {
    let kind_name = spec.kind.as_str();
    let fail = |msg: &str| Err(mount_config_error(kind_name, msg));
    let kind = match kind_name {
        "bind" => MountKind::Bind,
        "volume" => MountKind::Volume,
        "tmpfs" => MountKind::Tmpfs,
        _ => return fail("mount type unknown"),
    };
    if spec.target.is_empty() {
        return fail("field Target must not be empty");
    }
    if let Err(e) = validate_destination(&spec.target) {
        return fail(&e);
    }
    let mut m = MountRequest {
        kind,
        destination: clean(&spec.target),
        rw: !spec.read_only,
        ..Default::default()
    };
    match kind {
        MountKind::Bind => {
            if spec.source.is_empty() {
                return fail("field Source must not be empty");
            }
            let propagation = spec
                .bind_options
                .as_ref()
                .map(|b| b.propagation.clone())
                .unwrap_or_default();
            if !propagation.is_empty() && !PROPAGATION_MODES.contains(&propagation.as_str()) {
                return fail(&format!("invalid propagation mode: {propagation}"));
            }
            if spec.volume_options.is_some() {
                return fail("field VolumeOptions must not be specified");
            }
            if spec.tmpfs_options.is_some() {
                return fail("field TmpfsOptions must not be specified");
            }
            if let Err(e) = validate_destination(&spec.source) {
                return fail(&e);
            }
            let create = spec
                .bind_options
                .as_ref()
                .is_some_and(|b| b.create_mountpoint);
            if !create && std::fs::symlink_metadata(&spec.source).is_err() {
                return fail(&format!("bind source path does not exist: {}", spec.source));
            }
            m.source = clean(&spec.source);
            m.create_source = create;
            m.propagation = if propagation.is_empty() {
                "rprivate".into()
            } else {
                propagation
            };
        }
        MountKind::Volume => {
            if spec.bind_options.is_some() {
                return fail("field BindOptions must not be specified");
            }
            if spec.tmpfs_options.is_some() {
                return fail("field TmpfsOptions must not be specified");
            }
            if spec.read_only && spec.source.is_empty() {
                return fail("must not set ReadOnly mode when using anonymous volumes");
            }
            m.source = spec.source.clone();
            m.anonymous = spec.source.is_empty();
            m.copy_data = true;
            if let Some(o) = &spec.volume_options {
                m.copy_data = !o.no_copy;
                m.volume_labels = o.labels.clone();
                if let Some(d) = &o.driver_config {
                    m.driver = d.name.clone();
                    m.driver_options = d.options.clone();
                }
            }
        }
        MountKind::Tmpfs => {
            if spec.bind_options.is_some() {
                return fail("field BindOptions must not be specified");
            }
            if spec.volume_options.is_some() {
                return fail("field VolumeOptions must not be specified");
            }
            if !spec.source.is_empty() {
                return fail("field Source must not be specified");
            }
            let mut raw = Vec::new();
            if spec.read_only {
                raw.push("ro".to_string());
            }
            if let Some(t) = &spec.tmpfs_options {
                if t.mode != 0 {
                    raw.push(format!("mode={:o}", t.mode));
                }
                if t.size_bytes < 0 {
                    return fail(&format!("invalid tmpfs size: {}", t.size_bytes));
                }
                if t.size_bytes != 0 {
                    raw.push(format!("size={}", size_with_suffix(t.size_bytes)));
                }
            }
            m.tmpfs_options = tmpfs_options(&raw.join(","))?;
        }
    }
    Ok(m)
}

/// dockerd writes a tmpfs size with the largest unit that divides it (`1048576` → `1m`).
fn size_with_suffix(bytes: i64) -> String {
    for (suffix, div) in [("g", 1i64 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
        if bytes % div == 0 {
            return format!("{}{suffix}", bytes / div);
        }
    }
    bytes.to_string()
}

/// One `HostConfig.Tmpfs` entry: destination → `rw,size=64m,mode=1777`.
pub fn parse_tmpfs(destination: &str, data: &str) -> Result<MountRequest> {
    validate_destination(destination).map_err(invalid)?;
    Ok(MountRequest {
        kind: MountKind::Tmpfs,
        destination: clean(destination),
        rw: !data.split(',').any(|o| o == "ro"),
        tmpfs_options: tmpfs_options(data)?,
        from_tmpfs_map: true,
        ..Default::default()
    })
}

/// dockerd's tmpfs options: `noexec,nosuid,nodev,rprivate` then the client's, later ones
/// replacing earlier ones of the same kind; anything unknown is refused.
fn tmpfs_options(data: &str) -> Result<Vec<String>> {
    let mut all: Vec<&str> = vec!["noexec", "nosuid", "nodev", "rprivate"];
    all.extend(data.split(',').filter(|o| !o.is_empty()));
    let mut out: Vec<String> = Vec::new();
    let mut flag_groups_seen: Vec<usize> = Vec::new();
    let mut data_keys_seen: Vec<&str> = Vec::new();
    for opt in all.iter().rev() {
        if *opt == "defaults" {
            continue;
        }
        if let Some(g) = TMPFS_FLAG_GROUPS.iter().position(|grp| grp.contains(opt)) {
            if !flag_groups_seen.contains(&g) {
                flag_groups_seen.push(g);
                out.insert(0, opt.to_string());
            }
            continue;
        }
        match opt.split_once('=') {
            Some((k, _)) if TMPFS_DATA_OPTIONS.contains(&k) => {
                if !data_keys_seen.contains(&k) {
                    data_keys_seen.push(k);
                    out.insert(0, opt.to_string());
                }
            }
            _ => return Err(invalid(format!("invalid tmpfs option [\"{opt}\"]"))),
        }
    }
    out.retain(|o| o != "tmpcopyup" && o != "notmpcopyup");
    Ok(out)
}

/// An anonymous volume for a `Config.Volumes` entry (`-v /data`, image `VOLUME /data`).
pub fn anonymous_volume(destination: &str) -> Result<MountRequest> {
    validate_destination(destination).map_err(invalid)?;
    Ok(MountRequest {
        kind: MountKind::Volume,
        destination: clean(destination),
        rw: true,
        copy_data: true,
        anonymous: true,
        ..Default::default()
    })
}

/// One `VolumesFrom` entry: `container[:ro|rw]` → (container, read-write).
pub fn parse_volumes_from(spec: &str) -> Result<(String, bool)> {
    let (name, mode) = match spec.split_once(':') {
        Some((n, m)) => (n, m),
        None => (spec, ""),
    };
    if name.is_empty() {
        return Err(invalid(format!(
            "malformed volumes-from specification: {spec}"
        )));
    }
    if !valid_mode(mode) {
        return Err(invalid(format!("invalid mode: {mode}")));
    }
    Ok((name.to_string(), !mode.split(',').any(|o| o == "ro")))
}

/// A mount inherited through `VolumesFrom`: same source, read-only if either side says so,
/// never copied into.
pub fn inherited(m: &MountRequest, rw: bool) -> MountRequest {
    MountRequest {
        rw: m.rw && rw,
        mode: String::new(),
        copy_data: false,
        create_source: false,
        // The volume belongs to the other container: `rm -v` of this one keeps it.
        anonymous: false,
        ..m.clone()
    }
}

/// What the client asked for, in one list.
pub struct MountInputs<'a> {
    /// Mounts of `VolumesFrom` containers (already through [`inherited`]).
    pub inherited: Vec<MountRequest>,
    pub binds: &'a [String],
    pub mounts: &'a [api::Mount],
    pub tmpfs: &'a BTreeMap<String, String>,
    /// `Config.Volumes` keys (with the image's).
    pub config_volumes: Vec<String>,
    pub volume_driver: &'a str,
}

/// Every mount of a new container: Binds and Mounts (a destination twice is an error), Tmpfs,
/// inherited mounts not overridden, then anonymous volumes for `Config.Volumes` not covered;
/// sorted by destination depth so parents are mounted before children (as dockerd).
pub fn plan_mounts(inputs: &MountInputs<'_>) -> Result<Vec<MountRequest>> {
    let mut explicit: Vec<MountRequest> = Vec::new();
    let duplicate = |d: &str| invalid(format!("Duplicate mount point: {d}"));
    for raw in inputs.binds {
        let m = parse_bind(raw, inputs.volume_driver)?;
        if explicit.iter().any(|e| e.destination == m.destination) {
            return Err(duplicate(&m.destination));
        }
        explicit.push(m);
    }
    for spec in inputs.mounts {
        let m = parse_mount(spec)?;
        if explicit.iter().any(|e| e.destination == m.destination) {
            return Err(duplicate(&spec.target));
        }
        explicit.push(m);
    }
    for (dest, data) in inputs.tmpfs {
        let m = parse_tmpfs(dest, data)?;
        if explicit.iter().any(|e| e.destination == m.destination) {
            return Err(duplicate(&m.destination));
        }
        explicit.push(m);
    }
    let mut all: Vec<MountRequest> = inputs
        .inherited
        .iter()
        .filter(|i| !explicit.iter().any(|e| e.destination == i.destination))
        .cloned()
        .collect();
    all.extend(explicit);
    for dest in &inputs.config_volumes {
        let m = anonymous_volume(dest)?;
        if all.iter().any(|e| e.destination == m.destination) {
            continue;
        }
        all.push(m);
    }
    all.sort_by_key(|m| m.destination.split('/').count());
    Ok(all)
}

impl MountRequest {
    /// OCI mount options for a bind or volume mount.
    pub fn bind_options(&self) -> Vec<String> {
        let mut opts = vec!["rbind".to_string()];
        if !self.rw {
            opts.push("ro".into());
        }
        opts.push(if self.propagation.is_empty() {
            "rprivate".into()
        } else {
            self.propagation.clone()
        });
        opts
    }

    /// The `Mounts` entry of inspect and `ps`; `source` is the host path (a volume's mountpoint).
    pub fn mount_point(&self, source: &str) -> api::MountPoint {
        let is_volume = self.kind == MountKind::Volume;
        api::MountPoint {
            kind: self.kind.as_str().into(),
            name: if is_volume {
                self.source.clone()
            } else {
                String::new()
            },
            source: source.to_string(),
            destination: self.destination.clone(),
            driver: if is_volume {
                if self.driver.is_empty() {
                    "local".into()
                } else {
                    self.driver.clone()
                }
            } else {
                String::new()
            },
            mode: self.mode.clone(),
            rw: self.rw,
            propagation: self.propagation.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(r: Result<MountRequest>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn binds_of_host_paths() {
        let m = parse_bind("/tmp/x/../y:/data:ro,Z", "").unwrap();
        assert_eq!(m.kind, MountKind::Bind);
        assert_eq!(
            (m.source.as_str(), m.destination.as_str()),
            ("/tmp/y", "/data")
        );
        assert!(!m.rw);
        assert_eq!(m.mode, "ro,Z");
        assert_eq!(m.propagation, "rprivate");
        assert!(m.create_source);
        assert_eq!(m.bind_options(), ["rbind", "ro", "rprivate"]);
        let m = parse_bind("/h:/c:rshared", "").unwrap();
        assert!(m.rw);
        assert_eq!(m.propagation, "rshared");
    }

    #[test]
    fn binds_of_volumes() {
        let m = parse_bind("v1:/data", "").unwrap();
        assert_eq!(m.kind, MountKind::Volume);
        assert_eq!(m.mode, "z");
        assert_eq!(m.source, "v1");
        assert!(m.rw && m.copy_data && !m.anonymous);
        assert_eq!(m.propagation, "");
        let m = parse_bind("v1:/data:ro,nocopy", "").unwrap();
        assert!(!m.rw && !m.copy_data);
        let m = parse_bind("/anon", "").unwrap();
        assert!(m.anonymous);
        assert_eq!(m.destination, "/anon");
    }

    #[test]
    fn bad_binds_have_dockers_messages() {
        assert_eq!(
            err(parse_bind(":/x", "")),
            "invalid volume specification: ':/x'"
        );
        assert_eq!(
            err(parse_bind("/foo:rw", "")),
            "invalid volume specification: '/foo:rw'"
        );
        assert_eq!(
            err(parse_bind("a:b:c:d", "")),
            "invalid volume specification: 'a:b:c:d'"
        );
        assert_eq!(err(parse_bind("/h:/c:rx", "")), "invalid mode: rx");
        assert_eq!(err(parse_bind("/h:/c:ro,rw", "")), "invalid mode: ro,rw");
        assert_eq!(
            err(parse_bind("v:rel", "")),
            "invalid volume specification: 'v:rel': invalid mount config for type \"volume\": invalid mount path: 'rel' mount path must be absolute"
        );
        assert_eq!(
            err(parse_bind("/h:/", "")),
            "invalid volume specification: '/h:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'"
        );
    }

    fn mount(kind: &str, source: &str, target: &str) -> api::Mount {
        api::Mount {
            kind: kind.into(),
            source: source.into(),
            target: target.into(),
            ..Default::default()
        }
    }

    #[test]
    fn mounts_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().to_str().unwrap();
        let m = parse_mount(&mount("bind", src, "/x")).unwrap();
        assert_eq!(
            (m.kind, m.rw, m.create_source),
            (MountKind::Bind, true, false)
        );
        assert_eq!(
            err(parse_mount(&mount("bind", "/nonexistent-berth", "/x"))),
            "invalid mount config for type \"bind\": bind source path does not exist: /nonexistent-berth"
        );
        assert_eq!(
            err(parse_mount(&mount("bind", "", "/x"))),
            "invalid mount config for type \"bind\": field Source must not be empty"
        );
        assert_eq!(
            err(parse_mount(&mount("volume", "v", ""))),
            "invalid mount config for type \"volume\": field Target must not be empty"
        );
        assert_eq!(
            err(parse_mount(&mount("tmpfs", "x", "/t"))),
            "invalid mount config for type \"tmpfs\": field Source must not be specified"
        );
        assert_eq!(
            err(parse_mount(&mount("npipe", "x", "/t"))),
            "invalid mount config for type \"npipe\": mount type unknown"
        );
        let mut ro_anon = mount("volume", "", "/a");
        ro_anon.read_only = true;
        assert_eq!(
            err(parse_mount(&ro_anon)),
            "invalid mount config for type \"volume\": must not set ReadOnly mode when using anonymous volumes"
        );
        let mut v = mount("volume", "v", "/v");
        v.volume_options = Some(api::MountVolumeOptions {
            no_copy: true,
            ..Default::default()
        });
        let m = parse_mount(&v).unwrap();
        assert!(!m.copy_data && !m.anonymous);
        let mut t = mount("tmpfs", "", "/t");
        t.tmpfs_options = Some(api::MountTmpfsOptions {
            size_bytes: 1 << 20,
            mode: 0o1777,
        });
        let m = parse_mount(&t).unwrap();
        assert_eq!(
            m.tmpfs_options,
            [
                "noexec",
                "nosuid",
                "nodev",
                "rprivate",
                "mode=1777",
                "size=1m"
            ]
        );
    }

    #[test]
    fn tmpfs_options_merge_like_dockerd() {
        let m = parse_tmpfs("/run", "rw,exec,size=64m,size=1m").unwrap();
        assert_eq!(
            m.tmpfs_options,
            ["nosuid", "nodev", "rprivate", "rw", "exec", "size=1m"]
        );
        assert!(m.rw && m.from_tmpfs_map);
        assert_eq!(
            parse_tmpfs("/run", "bogus").unwrap_err().to_string(),
            "invalid tmpfs option [\"bogus\"]"
        );
        assert_eq!(
            parse_tmpfs("run", "").unwrap_err().to_string(),
            "invalid mount path: 'run' mount path must be absolute"
        );
    }

    #[test]
    fn plan_refuses_duplicates_and_sorts_by_depth() {
        let binds = vec!["/h:/a/b".to_string(), "v:/a".to_string()];
        let tmpfs = BTreeMap::from([("/t".to_string(), String::new())]);
        let plan = plan_mounts(&MountInputs {
            inherited: vec![],
            binds: &binds,
            mounts: &[],
            tmpfs: &tmpfs,
            config_volumes: vec!["/a".into(), "/c/".into()],
            volume_driver: "",
        })
        .unwrap();
        let dests: Vec<&str> = plan.iter().map(|m| m.destination.as_str()).collect();
        assert_eq!(dests, ["/a", "/t", "/c", "/a/b"]);
        assert!(plan[2].anonymous);

        let binds = vec!["/h:/x".to_string(), "v:/x/".to_string()];
        let e = plan_mounts(&MountInputs {
            inherited: vec![],
            binds: &binds,
            mounts: &[],
            tmpfs: &BTreeMap::new(),
            config_volumes: vec![],
            volume_driver: "",
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "Duplicate mount point: /x");
    }

    #[test]
    fn volumes_from() {
        assert_eq!(parse_volumes_from("c1").unwrap(), ("c1".to_string(), true));
        assert_eq!(
            parse_volumes_from("c1:ro").unwrap(),
            ("c1".to_string(), false)
        );
        assert_eq!(
            parse_volumes_from("c1:xx").unwrap_err().to_string(),
            "invalid mode: xx"
        );
        let m = inherited(&parse_bind("/anon", "").unwrap(), false);
        assert!(!m.rw && !m.anonymous && !m.copy_data);
    }

    #[test]
    fn mount_points_for_inspect() {
        let m = parse_bind("v1:/data", "").unwrap();
        let p = m.mount_point("/root/volumes/v1/_data");
        assert_eq!(p.kind, "volume");
        assert_eq!(p.name, "v1");
        assert_eq!(p.driver, "local");
        let b = parse_bind("/h:/c:ro", "").unwrap().mount_point("/h");
        assert_eq!(
            (b.name.as_str(), b.driver.as_str(), b.mode.as_str()),
            ("", "", "ro")
        );
        assert_eq!(b.propagation, "rprivate");
    }
}
