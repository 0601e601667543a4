//! Resolving `Config.User` (`name`, `uid`, `name:group`, `uid:gid`) against the image's
//! `/etc/passwd` and `/etc/group`, read from the layer dirs (top-most first).

use std::path::{Path, PathBuf};

use crate::error::{EngineError, Result};

/// The numeric identity a container process runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedUser {
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    /// From passwd, for `HOME` when the env does not set it.
    pub home: String,
}

/// The first layer (top-most first) that has `rel` (e.g. `etc/passwd`).
fn find_in_layers(layers: &[PathBuf], rel: &str) -> Option<PathBuf> {
    layers.iter().map(|l| l.join(rel)).find(|p| p.is_file())
}

struct PasswdEntry {
    name: String,
    uid: u32,
    gid: u32,
    home: String,
}

fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 7 {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].into(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5].into(),
            })
        })
        .collect()
}

struct GroupEntry {
    name: String,
    gid: u32,
    members: Vec<String>,
}

fn parse_group(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 4 {
                return None;
            }
            let members = f[3]
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect();
            Some(GroupEntry {
                name: f[0].into(),
                gid: f[2].parse().ok()?,
                members,
            })
        })
        .collect()
}

fn read(path: Option<PathBuf>) -> String {
    path.and_then(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default()
}

/// Resolves `spec` (empty = root) with the image's user databases.
pub fn resolve_user(spec: &str, layers: &[PathBuf]) -> Result<ResolvedUser> {
    let passwd = parse_passwd(&read(find_in_layers(layers, "etc/passwd")));
    let groups = parse_group(&read(find_in_layers(layers, "etc/group")));
    let (user_part, group_part) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let user_part = if user_part.is_empty() { "0" } else { user_part };
    let (uid, mut gid, home, name) = if let Ok(uid) = user_part.parse::<u32>() {
        match passwd.iter().find(|p| p.uid == uid) {
            Some(p) => (uid, p.gid, p.home.clone(), Some(p.name.clone())),
            None => (uid, 0, "/".to_string(), None),
        }
    } else {
        let p = passwd.iter().find(|p| p.name == user_part).ok_or_else(|| {
            EngineError::InvalidArgument(format!(
                "unable to find user {user_part}: no matching entries in passwd file"
            ))
        })?;
        (p.uid, p.gid, p.home.clone(), Some(p.name.clone()))
    };
    if let Some(g) = group_part.filter(|g| !g.is_empty()) {
        gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => groups
                .iter()
                .find(|e| e.name == g)
                .map(|e| e.gid)
                .ok_or_else(|| {
                    EngineError::InvalidArgument(format!(
                        "unable to find group {g}: no matching entries in group file"
                    ))
                })?,
        };
    }
    let additional_gids = match (&name, group_part) {
        (Some(n), None) => groups
            .iter()
            .filter(|g| g.members.iter().any(|m| m == n) && g.gid != gid)
            .map(|g| g.gid)
            .collect(),
        _ => Vec::new(),
    };
    Ok(ResolvedUser {
        uid,
        gid,
        additional_gids,
        home: if home.is_empty() { "/".into() } else { home },
    })
}

/// Convenience for tests and callers holding a single root.
pub fn resolve_user_in_root(spec: &str, root: &Path) -> Result<ResolvedUser> {
    resolve_user(spec, &[root.to_path_buf()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("etc")).unwrap();
        std::fs::write(
            d.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nwww:x:33:33:www:/var/www:/bin/false\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("etc/group"),
            "root:x:0:\nwww:x:33:\nstaff:x:50:www\n",
        )
        .unwrap();
        d
    }

    #[test]
    fn resolves_names_and_numbers() {
        let l = layer();
        let root = resolve_user_in_root("", l.path()).unwrap();
        assert_eq!((root.uid, root.gid, root.home.as_str()), (0, 0, "/root"));
        let www = resolve_user_in_root("www", l.path()).unwrap();
        assert_eq!((www.uid, www.gid), (33, 33));
        assert_eq!(www.additional_gids, vec![50]);
        let mixed = resolve_user_in_root("www:staff", l.path()).unwrap();
        assert_eq!((mixed.uid, mixed.gid), (33, 50));
        let numeric = resolve_user_in_root("1000:1000", l.path()).unwrap();
        assert_eq!((numeric.uid, numeric.gid), (1000, 1000));
        assert!(resolve_user_in_root("nobody", l.path())
            .unwrap_err()
            .to_string()
            .contains("unable to find user nobody"));
    }

    #[test]
    fn top_most_layer_wins() {
        let lower = layer();
        let upper = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(upper.path().join("etc")).unwrap();
        std::fs::write(upper.path().join("etc/passwd"), "app:x:7:7::/app:/bin/sh\n").unwrap();
        let layers = vec![upper.path().to_path_buf(), lower.path().to_path_buf()];
        assert_eq!(resolve_user("app", &layers).unwrap().uid, 7);
        assert!(resolve_user("www", &layers).is_err());
    }
}
