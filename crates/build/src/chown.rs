//! `COPY --chown=user:group`: numeric ids are taken as they are, names are looked up in the
//! image's own /etc/passwd and /etc/group (resolved inside the image root), with dockerd's rules:
//! a lone `user` is also the group name, and a name that is not there is an error.

use std::path::Path;

use crate::error::BuildError;
use crate::rooted_path::resolve_in_root;

/// Resolves a `--chown` value against the image mounted at `image_root`.
pub fn resolve_chown(spec: &str, image_root: &Path) -> Result<(u32, u32), BuildError> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (user, group) = match parts.as_slice() {
        [user] => (*user, *user),
        [user, group] => (*user, *group),
        _ => {
            return Err(BuildError::Invalid(format!(
                "invalid chown string format: {spec}"
            )))
        }
    };
    let wrap = |e: String| {
        BuildError::Invalid(format!(
            "unable to convert uid/gid chown string to host mapping: {e}"
        ))
    };
    let uid = lookup(user, image_root, "etc/passwd")
        .map_err(|e| wrap(format!("can't find uid for user {user}: {e}")))?;
    let gid = lookup(group, image_root, "etc/group")
        .map_err(|e| wrap(format!("can't find gid for group {group}: {e}")))?;
    Ok((uid, gid))
}

/// A numeric id, or the third field of the line whose first field is `name`.
fn lookup(name: &str, image_root: &Path, file: &str) -> Result<u32, String> {
    if let Ok(id) = name.parse::<i64>() {
        return u32::try_from(id).map_err(|_| format!("invalid id {name}"));
    }
    let kind = if file.ends_with("passwd") {
        "user"
    } else {
        "group"
    };
    let resolved = resolve_in_root(image_root, file).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(image_root.join(resolved))
        .map_err(|_| format!("no such {kind}: {name}"))?;
    for line in text.lines() {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() >= 3 && fields[0] == name {
            return fields[2]
                .trim()
                .parse()
                .map_err(|_| format!("invalid id in {file} for {name}"));
        }
    }
    Err(format!("no such {kind}: {name}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("etc")).unwrap();
        std::fs::write(
            root.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            root.path().join("etc/group"),
            "root:x:0:\napp:x:1002:\nstaff:x:50:\n",
        )
        .unwrap();
        let r = |s: &str| resolve_chown(s, root.path());
        assert_eq!(r("1:2").unwrap(), (1, 2));
        assert_eq!(r("7").unwrap(), (7, 7));
        // A lone name is the group name too (not the user's primary group).
        assert_eq!(r("app").unwrap(), (1000, 1002));
        assert_eq!(r("app:staff").unwrap(), (1000, 50));
        assert_eq!(r("0:staff").unwrap(), (0, 50));
        let err = r("nobody").unwrap_err().to_string();
        assert!(
            err.contains("can't find uid for user nobody: no such user: nobody"),
            "{err}"
        );
        assert!(r("a:b:c").is_err());
    }
}
