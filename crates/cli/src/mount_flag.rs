//! `--mount type=bind|volume|tmpfs,source=…,target=…,…` → one `HostConfig.Mounts` entry, as
//! docker 28's `opts.MountOpt.Set` parses it: CSV fields (Go's `encoding/csv`), keys
//! case-insensitive, the default type `volume`, relative sources starting with `.` made
//! absolute, and docker's error texts.

use std::path::Path;

use api::{Mount, MountBindOptions, MountDriverConfig, MountTmpfsOptions, MountVolumeOptions};

use crate::go_csv::read_first_record;
use crate::go_path::abs;
use crate::units::parse_ram_bytes;

/// Why a `--mount` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MountFlagError {
    /// A bad value: docker reports it as `invalid argument "<value>" for "--mount" flag: <why>`.
    #[error("{0}")]
    Invalid(String),
    /// Valid, but the daemon's API (1.41) cannot carry it; docker's client refuses it when it
    /// sends the create request.
    #[error("{0}")]
    NeedsNewerApi(String),
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseUint(value, 8, 32)`.
fn parse_octal_u32(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(value, 8).ok()
}

/// `key=value` into a map; a value without `=` is a key with an empty value, an empty key is
/// ignored (docker's `setValueOnMap`).
fn set_on_map(map: &mut api::StringMap, value: &str) {
    let (k, v) = value.split_once('=').unwrap_or((value, ""));
    if !k.is_empty() {
        map.insert(k.to_string(), v.to_string());
    }
}

/// The options the 1.41 `Mount` type has no field for, kept to validate them as docker does.
#[derive(Default)]
struct Extras {
    read_only_non_recursive: bool,
    read_only_force_recursive: bool,
    image_options: bool,
}

/// Parses one `--mount` value. `cwd` makes `source=./x` absolute (`None`: left as given).
pub fn parse_mount(value: &str, cwd: Option<&Path>) -> Result<Mount, MountFlagError> {
    let invalid = |text: String| MountFlagError::Invalid(text);
    let fields = read_first_record(value).map_err(|e| invalid(e.to_string()))?;
    let mut mount = Mount {
        kind: "volume".to_string(),
        ..Mount::default()
    };
    let mut extras = Extras::default();
    for field in &fields {
        let (key, val) = match field.split_once('=') {
            Some((k, v)) => (k.to_lowercase(), Some(v)),
            None => (field.to_lowercase(), None),
        };
        let Some(val) = val else {
            match key.as_str() {
                "readonly" | "ro" => mount.read_only = true,
                "volume-nocopy" => volume_options(&mut mount).no_copy = true,
                "bind-nonrecursive" => bind_options(&mut mount).non_recursive = true,
                _ => {
                    return Err(invalid(format!(
                        "invalid field '{field}' must be a key=value pair"
                    )))
                }
            }
            continue;
        };
        let bad_value = || invalid(format!("invalid value for {key}: {val}"));
        match key.as_str() {
            "type" => mount.kind = val.to_lowercase(),
            "source" | "src" => {
                mount.source = val.to_string();
                if !val.starts_with('/') && val.starts_with('.') {
                    if let Some(absolute) = abs(val, cwd) {
                        mount.source = absolute;
                    }
                }
            }
            "target" | "dst" | "destination" => mount.target = val.to_string(),
            "readonly" | "ro" => mount.read_only = parse_go_bool(val).ok_or_else(bad_value)?,
            "consistency" => mount.consistency = val.to_lowercase(),
            "bind-propagation" => bind_options(&mut mount).propagation = val.to_lowercase(),
            "bind-nonrecursive" => {
                bind_options(&mut mount).non_recursive = parse_go_bool(val).ok_or_else(bad_value)?
            }
            "bind-recursive" => match val {
                "enabled" => {}
                "disabled" => bind_options(&mut mount).non_recursive = true,
                "writable" => {
                    bind_options(&mut mount);
                    extras.read_only_non_recursive = true;
                }
                "readonly" => {
                    bind_options(&mut mount);
                    extras.read_only_force_recursive = true;
                }
                _ => {
                    return Err(invalid(format!(
                        "invalid value for {key}: {val} (must be \"enabled\", \"disabled\", \"writable\", or \"readonly\")"
                    )))
                }
            },
            // API 1.45: the 1.41 type has no `Subpath`; the option still makes this a volume mount.
            "volume-subpath" => {
                volume_options(&mut mount);
            }
            "volume-nocopy" => {
                volume_options(&mut mount).no_copy = parse_go_bool(val)
                    .ok_or_else(|| invalid(format!("invalid value for volume-nocopy: {val}")))?
            }
            "volume-label" => {
                let options = volume_options(&mut mount);
                set_on_map(options.labels.get_or_insert_with(Default::default), val);
            }
            "volume-driver" => driver_config(&mut mount).name = val.to_string(),
            "volume-opt" => {
                let config = driver_config(&mut mount);
                set_on_map(config.options.get_or_insert_with(Default::default), val);
            }
            "image-subpath" => extras.image_options = true,
            "tmpfs-size" => {
                tmpfs_options(&mut mount).size_bytes = parse_ram_bytes(val).map_err(|_| bad_value())?
            }
            "tmpfs-mode" => {
                tmpfs_options(&mut mount).mode = parse_octal_u32(val).ok_or_else(bad_value)?
            }
            _ => return Err(invalid(format!("unexpected key '{key}' in '{field}'"))),
        }
    }
    validate(&mut mount, &extras)?;
    Ok(mount)
}

fn volume_options(mount: &mut Mount) -> &mut MountVolumeOptions {
    let options = mount
        .volume_options
        .get_or_insert_with(MountVolumeOptions::default);
    // docker always creates the driver config with the volume options: `"DriverConfig":{}`.
    options
        .driver_config
        .get_or_insert_with(MountDriverConfig::default);
    options
}

fn driver_config(mount: &mut Mount) -> &mut MountDriverConfig {
    volume_options(mount)
        .driver_config
        .get_or_insert_with(MountDriverConfig::default)
}

fn bind_options(mount: &mut Mount) -> &mut MountBindOptions {
    mount
        .bind_options
        .get_or_insert_with(MountBindOptions::default)
}

fn tmpfs_options(mount: &mut Mount) -> &mut MountTmpfsOptions {
    mount
        .tmpfs_options
        .get_or_insert_with(MountTmpfsOptions::default)
}

/// docker's checks after all fields are read, in its order.
fn validate(mount: &mut Mount, extras: &Extras) -> Result<(), MountFlagError> {
    let invalid = |text: &str| Err(MountFlagError::Invalid(text.to_string()));
    if mount.kind.is_empty() {
        return invalid("type is required");
    }
    if mount.target.is_empty() {
        return invalid("target is required");
    }
    let mixed = |prefix: &str| {
        Err(MountFlagError::Invalid(format!(
            "cannot mix '{prefix}-*' options with mount type '{}'",
            mount.kind
        )))
    };
    if mount.volume_options.is_some() && mount.kind != "volume" {
        return mixed("volume");
    }
    if extras.image_options && mount.kind != "image" {
        return mixed("image");
    }
    if mount.bind_options.is_some() && mount.kind != "bind" {
        return mixed("bind");
    }
    if mount.tmpfs_options.is_some() && mount.kind != "tmpfs" {
        return mixed("tmpfs");
    }
    if extras.read_only_non_recursive && !mount.read_only {
        return invalid(
            "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction",
        );
    }
    if extras.read_only_force_recursive {
        if !mount.read_only {
            return invalid(
                "option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction",
            );
        }
        if mount
            .bind_options
            .as_ref()
            .is_none_or(|b| b.propagation != "rprivate")
        {
            return invalid("option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction");
        }
        return Err(MountFlagError::NeedsNewerApi(
            "bind-recursive=readonly requires API v1.44 or later".to_string(),
        ));
    }
    // Go leaves an empty label map out of the JSON (`omitempty`).
    if let Some(options) = mount.volume_options.as_mut() {
        if options.labels.as_ref().is_some_and(|l| l.is_empty()) {
            options.labels = None;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `Mounts` entry as JSON, or the error text.
    fn json(value: &str) -> String {
        match parse_mount(value, Some(Path::new("/tmp/v2"))) {
            Ok(m) => serde_json::to_string(&m).unwrap(),
            Err(e) => format!("error: {e}"),
        }
    }

    // Every expectation below is what docker 28.2.2 sent (or printed) for the same value.

    #[test]
    fn the_three_types() {
        assert_eq!(
            json("type=tmpfs,target=/t,tmpfs-size=1m"),
            r#"{"Type":"tmpfs","Target":"/t","TmpfsOptions":{"SizeBytes":1048576}}"#
        );
        assert_eq!(
            json("type=volume,src=v2,dst=/v2,volume-opt=o=size,volume-label=a=b,volume-nocopy"),
            r#"{"Type":"volume","Source":"v2","Target":"/v2","VolumeOptions":{"NoCopy":true,"Labels":{"a":"b"},"DriverConfig":{"Options":{"o":"size"}}}}"#
        );
        assert_eq!(
            json("type=bind,source=/s,target=/b,readonly,bind-propagation=rshared"),
            r#"{"Type":"bind","Source":"/s","Target":"/b","ReadOnly":true,"BindOptions":{"Propagation":"rshared"}}"#
        );
        assert_eq!(
            json("target=/plain"),
            r#"{"Type":"volume","Target":"/plain"}"#
        );
    }

    #[test]
    fn option_details() {
        assert_eq!(
            json("target=/x,volume-nocopy"),
            r#"{"Type":"volume","Target":"/x","VolumeOptions":{"NoCopy":true,"DriverConfig":{}}}"#
        );
        assert_eq!(
            json("type=tmpfs,target=/x,tmpfs-mode=1777"),
            r#"{"Type":"tmpfs","Target":"/x","TmpfsOptions":{"Mode":1023}}"#
        );
        assert_eq!(
            json("type=tmpfs,target=/x,tmpfs-size=0"),
            r#"{"Type":"tmpfs","Target":"/x","TmpfsOptions":{}}"#
        );
        assert_eq!(
            json("TYPE=BIND,Source=/A,Target=/x,RO=TRUE"),
            r#"{"Type":"bind","Source":"/A","Target":"/x","ReadOnly":true}"#
        );
        assert_eq!(
            json("target=/x,volume-label=novalue,volume-label==v"),
            r#"{"Type":"volume","Target":"/x","VolumeOptions":{"Labels":{"novalue":""},"DriverConfig":{}}}"#
        );
        assert_eq!(
            json("target=/x,volume-opt=novalue,volume-opt=a=b=c,volume-driver=local"),
            r#"{"Type":"volume","Target":"/x","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"a":"b=c","novalue":""}}}}"#
        );
        assert_eq!(
            json("target=/x,readonly=0"),
            r#"{"Type":"volume","Target":"/x"}"#
        );
        assert_eq!(
            json("target=/x,consistency=Cached"),
            r#"{"Type":"volume","Target":"/x","Consistency":"cached"}"#
        );
        assert_eq!(
            json("type=bind,src=/a,target=/x,bind-recursive=disabled"),
            r#"{"Type":"bind","Source":"/a","Target":"/x","BindOptions":{"NonRecursive":true}}"#
        );
        assert_eq!(
            json("type=bind,src=/a,target=/x,bind-nonrecursive"),
            r#"{"Type":"bind","Source":"/a","Target":"/x","BindOptions":{"NonRecursive":true}}"#
        );
        // Types docker does not know pass through; the daemon refuses them.
        assert_eq!(
            json("type=foo,target=/x"),
            r#"{"Type":"foo","Target":"/x"}"#
        );
        assert_eq!(
            json("\"type=bind,src=/a b\",target=/x"),
            r#"{"Type":"bind,src=/a b","Target":"/x"}"#
        );
        assert_eq!(
            json("target=/x,\"src=a\"\"b\""),
            r#"{"Type":"volume","Source":"a\"b","Target":"/x"}"#
        );
    }

    #[test]
    fn relative_sources_become_absolute() {
        assert_eq!(
            json("type=volume,target=/x,src=./foo"),
            r#"{"Type":"volume","Source":"/tmp/v2/foo","Target":"/x"}"#
        );
        assert_eq!(
            json("type=bind,target=/x,src=."),
            r#"{"Type":"bind","Source":"/tmp/v2","Target":"/x"}"#
        );
        assert_eq!(
            json("type=bind,target=/x,src=rel"),
            r#"{"Type":"bind","Source":"rel","Target":"/x"}"#
        );
    }

    #[test]
    fn errors_as_docker_words_them() {
        let cases = [
            ("x=y", "unexpected key 'x' in 'x=y'"),
            (" type=bind,src=/a,target=/x", "unexpected key ' type' in ' type=bind'"),
            ("type=volume", "target is required"),
            ("type=,target=/x", "type is required"),
            (
                "type=bind,src=/a,target=/x,volume-nocopy",
                "cannot mix 'volume-*' options with mount type 'bind'",
            ),
            (
                "type=volume,target=/x,tmpfs-size=1m",
                "cannot mix 'tmpfs-*' options with mount type 'volume'",
            ),
            (
                "target=/x,bind-propagation=shared",
                "cannot mix 'bind-*' options with mount type 'volume'",
            ),
            (
                "target=/x,image-subpath=a",
                "cannot mix 'image-*' options with mount type 'volume'",
            ),
            ("bogus", "invalid field 'bogus' must be a key=value pair"),
            ("target=/x,", "invalid field '' must be a key=value pair"),
            ("target=/x,ro=maybe", "invalid value for ro: maybe"),
            ("target=/x,volume-nocopy=2", "invalid value for volume-nocopy: 2"),
            (
                "type=tmpfs,target=/x,tmpfs-size=big",
                "invalid value for tmpfs-size: big",
            ),
            (
                "type=tmpfs,target=/x,tmpfs-mode=999",
                "invalid value for tmpfs-mode: 999",
            ),
            (
                "type=bind,src=/a,target=/x,bind-recursive=nope",
                "invalid value for bind-recursive: nope (must be \"enabled\", \"disabled\", \"writable\", or \"readonly\")",
            ),
            (
                "type=bind,src=/a,target=/x,bind-recursive=readonly,ro",
                "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction",
            ),
            (
                "type=bind,src=/a,target=/x,bind-recursive=writable",
                "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction",
            ),
            (
                "type=\"bind",
                "parse error on line 1, column 6: bare \" in non-quoted-field",
            ),
            ("", "EOF"),
        ];
        for (value, expected) in cases {
            assert_eq!(
                parse_mount(value, None),
                Err(MountFlagError::Invalid(expected.to_string())),
                "{value}"
            );
        }
        assert_eq!(
            parse_mount(
                "type=bind,src=/a,target=/x,bind-recursive=readonly,ro,bind-propagation=rprivate",
                None
            ),
            Err(MountFlagError::NeedsNewerApi(
                "bind-recursive=readonly requires API v1.44 or later".to_string()
            ))
        );
    }
}
