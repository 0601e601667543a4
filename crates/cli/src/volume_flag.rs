//! `-v/--volume` values → `Config.Volumes` (anonymous volumes: `-v /data`) and `HostConfig.Binds`
//! (`-v src:/dst[:opts]`, named volumes and host paths), as docker 28 splits them with the
//! compose loader's `ParseVolume`: the same section rules (a one-letter first section followed by
//! `:` is a Windows drive), the same errors, and relative host paths starting with `.` made
//! absolute.

use std::collections::BTreeMap;
use std::path::Path;

use crate::go_path::abs;

/// What one `-v` value means: a target alone (anonymous volume) or a source and a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeSpec {
    pub source: String,
    pub target: String,
    /// `bind` when the source is a path (`/`, `.`, `~`, a drive letter), else `volume`.
    pub kind: &'static str,
}

/// docker's `loader.ParseVolume`, reduced to what the CLI uses; the error texts are docker's
/// (`invalid spec: /a::/b: empty section between colons`).
pub fn parse_volume_spec(spec: &str) -> Result<VolumeSpec, String> {
    let chars: Vec<char> = spec.chars().collect();
    match spec.len() {
        0 => return Err("invalid empty volume spec".to_string()),
        1 | 2 => {
            return Ok(VolumeSpec {
                source: String::new(),
                target: spec.to_string(),
                kind: "volume",
            })
        }
        _ => {}
    }
    let mut source = String::new();
    let mut target = String::new();
    let mut buffer: Vec<char> = Vec::new();
    let fail = |why: &str| Err(format!("invalid spec: {spec}: {why}"));
    // `None` is Go's end-of-spec rune.
    for c in chars.iter().copied().map(Some).chain([None]) {
        let is_drive = c == Some(':') && buffer.len() == 1 && buffer[0].is_alphabetic();
        if is_drive || (c != Some(':') && c.is_some()) {
            buffer.extend(c);
            continue;
        }
        let section: String = buffer.iter().collect();
        if buffer.is_empty() {
            return fail("empty section between colons");
        } else if source.is_empty() && c.is_none() {
            target = section;
        } else if source.is_empty() {
            source = section;
        } else if target.is_empty() {
            target = section;
        } else if c == Some(':') {
            return fail("too many colons");
        }
        // A third section holds options (ro, rw, nocopy, propagation); the CLI passes the
        // whole spec on, so they need no parsing here.
        buffer.clear();
    }
    let kind = if !source.is_empty() && is_file_path(&source) {
        "bind"
    } else {
        "volume"
    };
    Ok(VolumeSpec {
        source,
        target,
        kind,
    })
}

/// The compose loader's `isFilePath`: `.`, `/`, `~`, `\\` or a drive letter start a path.
fn is_file_path(source: &str) -> bool {
    let mut chars = source.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if matches!(first, '.' | '/' | '~') {
        return true;
    }
    if source.chars().count() == 1 {
        return false;
    }
    if source.starts_with("\\\\") {
        return true;
    }
    first.is_alphabetic() && chars.next() == Some(':')
}

/// The `-v` values split into `Config.Volumes` and `HostConfig.Binds`. Repeated values count
/// once (docker keeps them in a map); bind sources starting with `.` are made absolute against
/// `cwd`.
pub fn split_volumes(
    values: &[String],
    cwd: Option<&Path>,
) -> Result<(BTreeMap<String, serde_json::Value>, Vec<String>), String> {
    let mut volumes = BTreeMap::new();
    let mut binds: Vec<String> = Vec::new();
    for value in values {
        let spec = parse_volume_spec(value)?;
        if spec.source.is_empty() {
            volumes.insert(value.clone(), serde_json::json!({}));
            continue;
        }
        let mut bind = value.clone();
        if spec.kind == "bind" {
            if let Some((host, container)) = value.split_once(':') {
                if !host.starts_with('/') && host.starts_with('.') {
                    if let Some(absolute) = abs(host, cwd) {
                        bind = format!("{absolute}:{container}");
                    }
                }
            }
        }
        if !binds.contains(&bind) {
            binds.push(bind);
        }
    }
    Ok((volumes, binds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(values: &[&str]) -> Result<(Vec<String>, Vec<String>), String> {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        let (volumes, binds) = split_volumes(&values, Some(Path::new("/tmp/v2")))?;
        Ok((volumes.into_keys().collect(), binds))
    }

    // Expectations recorded from docker 28.2.2's create bodies for the same `-v` values.

    #[test]
    fn anonymous_volumes_and_binds() {
        assert_eq!(
            split(&["/data", "vol:/x:ro", "/h:/c:rw,z", "/data"]).unwrap(),
            (
                vec!["/data".to_string()],
                vec!["vol:/x:ro".to_string(), "/h:/c:rw,z".to_string()]
            )
        );
        assert_eq!(
            split(&["x", "a:"]).unwrap(),
            (vec!["a:".to_string(), "x".to_string()], vec![])
        );
        // `/data:ro` is a bind of /data onto "ro"; the daemon refuses it, as dockerd does.
        assert_eq!(split(&["/data:ro"]).unwrap().1, ["/data:ro"]);
        // a drive letter is part of the first section
        assert_eq!(split(&["a:b:c:d"]).unwrap().1, ["a:b:c:d"]);
        assert_eq!(split(&["c:/foo:/bar"]).unwrap().1, ["c:/foo:/bar"]);
        assert_eq!(split(&["~/x:/y"]).unwrap().1, ["~/x:/y"]);
    }

    #[test]
    fn relative_bind_sources_become_absolute() {
        assert_eq!(split(&["./a:/b:ro,Z"]).unwrap().1, ["/tmp/v2/a:/b:ro,Z"]);
        assert_eq!(split(&[".:/b"]).unwrap().1, ["/tmp/v2:/b"]);
        // a named volume is not a path
        assert_eq!(split(&["rel:/r"]).unwrap().1, ["rel:/r"]);
    }

    #[test]
    fn errors_as_docker_words_them() {
        assert_eq!(split(&[""]).unwrap_err(), "invalid empty volume spec");
        assert_eq!(
            split(&["/a::/b"]).unwrap_err(),
            "invalid spec: /a::/b: empty section between colons"
        );
        assert_eq!(
            split(&[":/b"]).unwrap_err(),
            "invalid spec: :/b: empty section between colons"
        );
        assert_eq!(
            split(&["/a:/b:ro:x"]).unwrap_err(),
            "invalid spec: /a:/b:ro:x: too many colons"
        );
    }

    #[test]
    fn spec_kinds() {
        let named = parse_volume_spec("vol:/x").unwrap();
        assert_eq!((named.source.as_str(), named.kind), ("vol", "volume"));
        let bind = parse_volume_spec("/h:/c").unwrap();
        assert_eq!((bind.target.as_str(), bind.kind), ("/c", "bind"));
        let anonymous = parse_volume_spec("/data").unwrap();
        assert_eq!(
            (anonymous.source.as_str(), anonymous.target.as_str()),
            ("", "/data")
        );
    }
}
