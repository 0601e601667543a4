//! The build context as the docker CLI sends it: a tar of the context directory without what
//! `.dockerignore` excludes (the Dockerfile and `.dockerignore` are always sent), entries in
//! lexical walk order, owned by 0:0, symlinks kept as symlinks.

use std::io::Write;
use std::path::{Path, PathBuf};

use dockerignore::DockerIgnore;

/// One entry of the context tar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    /// The path on the host.
    pub source: PathBuf,
    /// The name in the tar (forward slashes, relative).
    pub name: String,
}

/// Every entry of the context dir `root` that is sent, parents before children. `always` are
/// names sent even when `.dockerignore` excludes them (the Dockerfile).
pub fn context_entries(root: &Path, always: &[&str]) -> std::io::Result<Vec<ContextEntry>> {
    let ignore = match std::fs::read_to_string(root.join(".dockerignore")) {
        Ok(text) => DockerIgnore::parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => DockerIgnore::parse(""),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    walk(root, "", &ignore, always, &mut out)?;
    Ok(out)
}

fn walk(
    root: &Path,
    dir: &str,
    ignore: &DockerIgnore,
    always: &[&str],
    out: &mut Vec<ContextEntry>,
) -> std::io::Result<()> {
    let mut names: Vec<String> = std::fs::read_dir(root.join(dir))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()?;
    names.sort();
    for name in names {
        let rel = if dir.is_empty() {
            name
        } else {
            format!("{dir}/{name}")
        };
        let source = root.join(&rel);
        let is_dir = std::fs::symlink_metadata(&source)?.is_dir();
        let kept = always.contains(&rel.as_str()) || rel == ".dockerignore";
        if !kept && ignore.excludes(&rel) {
            // An excluded directory is still walked when an exception may include something
            // below it (`!dir/keep`), as the docker CLI does.
            if is_dir && ignore.may_include_below(&rel) {
                walk(root, &rel, ignore, always, out)?;
            }
            continue;
        }
        out.push(ContextEntry {
            source,
            name: rel.clone(),
        });
        if is_dir {
            walk(root, &rel, ignore, always, out)?;
        }
    }
    Ok(())
}

/// Writes the tar of `entries` (plus `extra` files given by content) to `out`.
pub fn write_context_tar(
    entries: &[ContextEntry],
    extra: &[(String, Vec<u8>)],
    out: impl Write,
) -> std::io::Result<()> {
    let mut tar = tar::Builder::new(out);
    for entry in entries {
        let md = std::fs::symlink_metadata(&entry.source)?;
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(&md, tar::HeaderMode::Complete);
        header.set_uid(0);
        header.set_gid(0);
        header.set_username("")?;
        header.set_groupname("")?;
        let kind = md.file_type();
        if kind.is_dir() {
            header.set_size(0);
            tar.append_data(&mut header, format!("{}/", entry.name), std::io::empty())?;
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&entry.source)?;
            header.set_size(0);
            tar.append_link(&mut header, &entry.name, target)?;
        } else if kind.is_file() {
            let file = std::fs::File::open(&entry.source)?;
            tar.append_data(&mut header, &entry.name, file)?;
        }
        // Sockets, fifos and devices are not sent (the docker CLI skips them too).
    }
    for (name, data) in extra {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_size(data.len() as u64);
        header.set_mtime(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        );
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, name, &data[..])?;
    }
    tar.into_inner()?.flush()
}

/// Whether `bytes` start like a tar archive (or a compressed one): `build -` then sends them as
/// the context, anything else is a Dockerfile.
pub fn looks_like_archive(bytes: &[u8]) -> bool {
    let compressed = [
        &[0x1f, 0x8b][..],
        b"BZh",
        &[0xfd, b'7', b'z', b'X', b'Z', 0x00],
        &[0x28, 0xb5, 0x2f, 0xfd],
    ];
    if compressed.iter().any(|magic| bytes.starts_with(magic)) {
        return true;
    }
    bytes.len() >= 512 && &bytes[257..262] == b"ustar"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(tar_bytes: &[u8]) -> Vec<(String, u64)> {
        let mut archive = tar::Archive::new(tar_bytes);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.path().unwrap().to_string_lossy().into_owned(),
                    e.header().uid().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn tars_the_context_in_walk_order_owned_by_root() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("Dockerfile"), "FROM busybox\n").unwrap();
        std::fs::create_dir(d.path().join("dir")).unwrap();
        std::fs::write(d.path().join("dir/b"), "b").unwrap();
        std::fs::write(d.path().join("a"), "a").unwrap();
        std::os::unix::fs::symlink("a", d.path().join("link")).unwrap();
        let entries = context_entries(d.path(), &["Dockerfile"]).unwrap();
        let mut bytes = Vec::new();
        write_context_tar(
            &entries,
            &[(".dockerfile.x".into(), b"FROM x".to_vec())],
            &mut bytes,
        )
        .unwrap();
        assert!(looks_like_archive(&bytes));
        assert_eq!(
            names_in(&bytes),
            [
                ("Dockerfile".to_string(), 0),
                ("a".to_string(), 0),
                ("dir/".to_string(), 0),
                ("dir/b".to_string(), 0),
                ("link".to_string(), 0),
                (".dockerfile.x".to_string(), 0),
            ]
        );
        assert!(!looks_like_archive(b"FROM busybox\nRUN true\n"));
    }

    #[test]
    fn dockerignore_excludes_with_exceptions_and_keeps_the_dockerfile() {
        let d = tempfile::tempdir().unwrap();
        for (name, data) in [
            ("Dockerfile", "FROM busybox\n"),
            (".dockerignore", "logs\n!logs/keep.log\n*.tmp\nDockerfile\n"),
            ("logs/noise.log", "x"),
            ("logs/keep.log", "x"),
            ("a.tmp", "x"),
            ("src/main.c", "x"),
        ] {
            let path = d.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, data).unwrap();
        }
        let names: Vec<String> = context_entries(d.path(), &["Dockerfile"])
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(
            names,
            [
                ".dockerignore",
                "Dockerfile",
                "logs/keep.log",
                "src",
                "src/main.c"
            ]
        );
    }
}
