//! `berth cp [-a] [-L] [-q] CONTAINER:SRC DEST|-` and `berth cp SRC|- CONTAINER:DEST`, with the
//! docker CLI's rules (docker/cli `cp.go`, moby `go-archive/copy.go`): the daemon is asked what the
//! container side is (`HEAD /archive`), the host side is looked at locally, and the tar is renamed
//! so that an existing directory receives the source inside it, while a missing destination is
//! created with the destination's name.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::FileTypeExt;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use client::{ByteStream, CopyToContainerOptions, RequestBody};

use crate::args::CpArgs;
use crate::go_path;
use crate::humanize::human_size_with_precision;
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: CpArgs) -> Result<i32, CliError> {
    if args.source.is_empty() {
        return Err(CliError::message("source can not be empty"));
    }
    if args.destination.is_empty() {
        return Err(CliError::message("destination can not be empty"));
    }
    // docker suppresses progress output when stdout is not a terminal.
    let quiet = args.quiet || !crate::terminal::is_terminal(io::stdout().as_fd());
    let (src_ctr, src_path) = split_cp_arg(&args.source);
    let (dst_ctr, dst_path) = split_cp_arg(&args.destination);
    match (src_ctr, dst_ctr) {
        (Some(ctr), None) => {
            copy_from_container(ctx, ctr, src_path, dst_path, args.follow_link, quiet).await?
        }
        (None, Some(ctr)) => {
            let opts = CopyToContainerOptions {
                no_overwrite_dir_non_dir: true,
                copy_uid_gid: args.archive,
            };
            copy_to_container(ctx, ctr, src_path, dst_path, args.follow_link, quiet, opts).await?
        }
        (Some(_), Some(_)) => {
            return Err(CliError::message(
                "copying between containers is not supported",
            ))
        }
        (None, None) => {
            return Err(CliError::message(
                "must specify at least one container source",
            ))
        }
    }
    Ok(0)
}

/// `CONTAINER:PATH` → (container, path); a path that is absolute or starts with `.` before the
/// colon is local (docker's `splitCpArg`).
fn split_cp_arg(arg: &str) -> (Option<&str>, &str) {
    if arg.starts_with('/') {
        return (None, arg);
    }
    match arg.split_once(':') {
        Some((ctr, path)) if !ctr.starts_with('.') => (Some(ctr), path),
        _ => (None, arg),
    }
}

fn progress_size(n: u64) -> String {
    human_size_with_precision(n as f64, 3)
}

async fn copy_from_container(
    ctx: &Ctx,
    ctr: &str,
    src: &str,
    dst: &str,
    follow_link: bool,
    quiet: bool,
) -> Result<(), CliError> {
    let dst = if dst == "-" {
        dst.to_string()
    } else {
        resolve_local_path(dst)?
    };
    validate_output_path(&dst)?;
    let mut src = src.to_string();
    let mut rebase_name = None;
    if follow_link {
        if let Ok(stat) = ctx.client.stat_container_path(ctr, &src).await {
            if stat.is_symlink() {
                let mut target = stat.link_target.clone();
                if !target.starts_with('/') {
                    let (parent, _) = split_path_dir_entry(&src);
                    target = go_path::clean(&format!("{parent}/{target}"));
                }
                let (resolved, rebase) = rebase_name_for(&src, &target);
                src = resolved;
                rebase_name = rebase;
            }
        }
    }
    let (stat, stream) = ctx.client.copy_from_container(ctr, &src).await?;
    if dst == "-" {
        return crate::output::write_stream_to(stream, None, "cp").await;
    }
    let src_info = CopyInfo {
        path: src,
        exists: true,
        is_dir: stat.is_dir(),
        rebase_name,
    };
    let copied = Arc::new(AtomicU64::new(0));
    let counter = copied.clone();
    let handle = tokio::runtime::Handle::current();
    let target = dst.clone();
    tokio::task::spawn_blocking(move || {
        let reader = StreamReader {
            handle,
            stream,
            pending: bytes::Bytes::new(),
            count: counter,
        };
        copy_to_host(reader, &src_info, &target)
    })
    .await
    .map_err(|e| CliError::message(e.to_string()))??;
    if !quiet {
        eprintln!(
            "Successfully copied {} to {dst}",
            progress_size(copied.load(Ordering::Relaxed))
        );
    }
    Ok(())
}

async fn copy_to_container(
    ctx: &Ctx,
    ctr: &str,
    src: &str,
    dst: &str,
    follow_link: bool,
    quiet: bool,
    opts: CopyToContainerOptions,
) -> Result<(), CliError> {
    let src = if src == "-" {
        src.to_string()
    } else {
        resolve_local_path(src)?
    };
    let mut dst_info = CopyInfo {
        path: dst.to_string(),
        ..CopyInfo::default()
    };
    let mut stat = ctx.client.stat_container_path(ctr, dst).await;
    if let Ok(s) = &stat {
        if s.is_symlink() {
            let mut target = s.link_target.clone();
            if !target.starts_with('/') {
                let (parent, _) = split_path_dir_entry(dst);
                target = go_path::clean(&format!("{parent}/{target}"));
            }
            dst_info.path = target.clone();
            stat = ctx.client.stat_container_path(ctr, &target).await;
        }
    }
    if let Ok(s) = &stat {
        if s.is_special() {
            return Err(CliError::message(format!(
                "destination \"{ctr}:{dst}\" must be a directory or a regular file: got a device"
            )));
        }
        dst_info.exists = true;
        dst_info.is_dir = s.is_dir();
    }

    let copied = Arc::new(AtomicU64::new(0));
    let (body, resolved_dst) = if src == "-" {
        if !dst_info.is_dir {
            return Err(CliError::message(format!(
                "destination \"{ctr}:{dst}\" must be a directory"
            )));
        }
        (
            RequestBody::reader(tokio::io::stdin()),
            dst_info.path.clone(),
        )
    } else {
        let src_info = copy_info_source_path(&src, follow_link)?;
        let (dst_dir, top_name) = prepare_archive_copy(&src_info, &dst_info)?;
        let (reader, writer) = io::pipe()?;
        let counter = copied.clone();
        // The tar is written by a blocking thread into a pipe the request body reads.
        tokio::task::spawn_blocking(move || {
            let out = CountingWriter {
                inner: writer,
                count: counter,
            };
            if let Err(e) = write_host_tar(&src_info.path, &top_name, out) {
                eprintln!("{e}");
            }
        });
        let file = tokio::fs::File::from_std(File::from(std::os::fd::OwnedFd::from(reader)));
        (RequestBody::reader(file), dst_dir)
    };
    let result = ctx
        .client
        .copy_to_container(ctr, &resolved_dst, body, opts)
        .await;
    if !quiet {
        eprintln!(
            "Successfully copied {} to {ctr}:{}",
            progress_size(copied.load(Ordering::Relaxed)),
            dst_info.path
        );
    }
    result.map_err(CliError::from)
}

/// docker's `archive.CopyInfo`.
#[derive(Debug, Clone, Default)]
struct CopyInfo {
    path: String,
    exists: bool,
    is_dir: bool,
    rebase_name: Option<String>,
}

/// `filepath.Abs`, keeping a trailing `/` or `/.` (`resolveLocalPath`).
fn resolve_local_path(path: &str) -> Result<String, CliError> {
    let cwd = std::env::current_dir().ok();
    let abs = go_path::abs(path, cwd.as_deref())
        .ok_or_else(|| CliError::message("cannot determine the working directory"))?;
    Ok(preserve_trailing_dot_or_separator(&abs, path))
}

fn specifies_current_dir(path: &str) -> bool {
    path == "." || path.ends_with("/.")
}

fn asserts_directory(path: &str) -> bool {
    path.ends_with('/') || specifies_current_dir(path)
}

fn preserve_trailing_dot_or_separator(cleaned: &str, original: &str) -> String {
    let mut out = cleaned.to_string();
    if !specifies_current_dir(&out) && specifies_current_dir(original) {
        if !out.ends_with('/') {
            out.push('/');
        }
        out.push('.');
    }
    if !out.ends_with('/') && original.ends_with('/') {
        out.push('/');
    }
    out
}

/// `filepath.Base` (Unix).
fn go_base(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { "." } else { "/" }.to_string();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// `filepath.Dir` (Unix).
fn go_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => go_path::clean(&path[..=i]),
        None => ".".to_string(),
    }
}

/// `archive.SplitPathDirEntry`: (dir, base) of the cleaned path, base `.` for `dir/.`.
fn split_path_dir_entry(path: &str) -> (String, String) {
    let mut cleaned = go_path::clean(path);
    if specifies_current_dir(path) {
        cleaned.push_str("/.");
    }
    (go_dir(&cleaned), go_base(&cleaned))
}

/// `archive.GetRebaseName`: the resolved path keeping the original's trailing `/` or `/.`, and
/// the original base name when resolving changed it.
fn rebase_name_for(path: &str, resolved: &str) -> (String, Option<String>) {
    let mut resolved = resolved.to_string();
    if specifies_current_dir(path) && !specifies_current_dir(&resolved) {
        resolved.push_str("/.");
    }
    if path.ends_with('/') && !resolved.ends_with('/') {
        resolved.push('/');
    }
    let rebase = (go_base(path) != go_base(&resolved)).then(|| go_base(path));
    (resolved, rebase)
}

/// `archive.CopyInfoSourcePath` on the host.
fn copy_info_source_path(path: &str, follow_link: bool) -> Result<CopyInfo, CliError> {
    let (resolved, rebase_name) = if follow_link {
        let real = std::fs::canonicalize(path)?;
        rebase_name_for(path, &real.to_string_lossy())
    } else {
        let (dir, base) = match path.rfind('/') {
            Some(i) => (&path[..=i], &path[i + 1..]),
            None => ("", path),
        };
        let dir = if dir.is_empty() { "." } else { dir };
        let real_dir = std::fs::canonicalize(dir)?;
        let resolved = format!(
            "{}/{base}",
            real_dir.to_string_lossy().trim_end_matches('/')
        );
        let rebase =
            (path.ends_with('/') && go_base(path) != go_base(&resolved)).then(|| go_base(path));
        (resolved, rebase)
    };
    let md = std::fs::symlink_metadata(&resolved)?;
    Ok(CopyInfo {
        path: resolved,
        exists: true,
        is_dir: md.is_dir(),
        rebase_name,
    })
}

/// `archive.PrepareArchiveCopy`: where to extract and the name the archive's top entry gets.
fn prepare_archive_copy(src: &CopyInfo, dst: &CopyInfo) -> Result<(String, String), CliError> {
    let (dst_dir, dst_base) = split_path_dir_entry(&dst.path);
    let (_, src_base) = split_path_dir_entry(&src.path);
    let src_name = src.rebase_name.clone().unwrap_or(src_base);
    if dst.exists && dst.is_dir {
        return Ok((dst.path.clone(), src_name));
    }
    if dst.exists && src.is_dir {
        return Err(CliError::message("cannot copy directory"));
    }
    if !dst.exists && !src.is_dir && asserts_directory(&dst.path) {
        return Err(CliError::message("no such directory"));
    }
    Ok((dst_dir, dst_base))
}

/// Writes `path` as a tar whose top entry is `top` (`.` for a directory's contents), without
/// following symlinks.
fn write_host_tar(path: &str, top: &str, out: impl Write) -> io::Result<()> {
    let mut tar = tar::Builder::new(io::BufWriter::with_capacity(128 * 1024, out));
    tar.follow_symlinks(false);
    let base = PathBuf::from(path.strip_suffix("/.").unwrap_or(path));
    let md = std::fs::symlink_metadata(&base)?;
    if top != "." {
        tar.append_path_with_name(&base, top)?;
    }
    if md.is_dir() {
        let mut stack = vec![PathBuf::new()];
        while let Some(rel) = stack.pop() {
            let mut names: Vec<_> = std::fs::read_dir(base.join(&rel))?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name())
                .collect();
            names.sort();
            let mut subdirs = Vec::new();
            for name in names {
                let child = rel.join(&name);
                let abs = base.join(&child);
                let Ok(cmd) = std::fs::symlink_metadata(&abs) else {
                    continue;
                };
                if cmd.file_type().is_socket() {
                    continue; // not archivable, as docker
                }
                let entry = if top == "." {
                    child.clone()
                } else {
                    Path::new(top).join(&child)
                };
                tar.append_path_with_name(&abs, &entry)?;
                if cmd.is_dir() {
                    subdirs.push(child);
                }
            }
            stack.extend(subdirs.into_iter().rev());
        }
    }
    tar.into_inner()?.flush()
}

/// `archive.CopyTo`: extracts the container's tar at `dst` on the host.
fn copy_to_host(mut content: impl Read, src: &CopyInfo, dst: &str) -> Result<(), CliError> {
    let dst_info = copy_info_destination_path(dst)?;
    let (dst_dir, top) = prepare_archive_copy(src, &dst_info)?;
    // The daemon names entries after the path it was asked for; they become `top` (the link's
    // name for `-L`, the destination's name for a new destination).
    let (_, old_base) = split_path_dir_entry(&src.path);
    let rebase = (old_base != top).then_some((old_base, top));
    untar_on_host(&mut content, Path::new(&dst_dir), rebase.as_ref())?;
    // The tar reader stops at the end-of-archive marker; docker's size counts the whole body.
    io::copy(&mut content, &mut io::sink())?;
    Ok(())
}

/// `archive.CopyInfoDestinationPath`: follows a symlinked destination; a missing one needs an
/// existing parent directory.
fn copy_info_destination_path(path: &str) -> Result<CopyInfo, CliError> {
    let mut path = path.to_string();
    for _ in 0..=10 {
        match std::fs::symlink_metadata(&path) {
            Ok(md) if md.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                let target = target.to_string_lossy().into_owned();
                path = if target.starts_with('/') {
                    target
                } else {
                    let (parent, _) = split_path_dir_entry(&path);
                    go_path::clean(&format!("{parent}/{target}"))
                };
            }
            Ok(md) => {
                return Ok(CopyInfo {
                    path,
                    exists: true,
                    is_dir: md.is_dir(),
                    rebase_name: None,
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (parent, _) = split_path_dir_entry(&path);
                if !std::fs::metadata(&parent)?.is_dir() {
                    return Err(CliError::message("not a directory"));
                }
                return Ok(CopyInfo {
                    path,
                    ..CopyInfo::default()
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(CliError::message(format!("too many symlinks in {path}")))
}

/// `RebaseArchiveEntries`' renaming: `old` or `old/…` becomes `new` or `new/…`.
fn rebased(name: &str, rebase: Option<&(String, String)>) -> String {
    let Some((old, new)) = rebase else {
        return name.to_string();
    };
    let old = old.trim_end_matches('/');
    let new = new.trim_end_matches('/');
    match name.strip_prefix(old) {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => format!("{new}{rest}"),
        _ => name.to_string(),
    }
}

/// Extracts into `dir` without ever leaving it: `..` and absolute names are refused, and no
/// existing symlink is followed on the way to an entry (a hostile archive cannot write through
/// one it planted). Ownership is not applied (docker's `NoLchown`); an existing directory is never
/// replaced by a non-directory or the reverse (`NoOverwriteDirNonDir`).
fn untar_on_host(
    content: impl Read,
    dir: &Path,
    rebase: Option<&(String, String)>,
) -> Result<(), CliError> {
    let mut archive = tar::Archive::new(content);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(true);
    archive.set_unpack_xattrs(false);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let name = rebased(&raw, rebase);
        let mut parts = Vec::new();
        for c in Path::new(&name).components() {
            match c {
                Component::Normal(p) => parts.push(p.to_os_string()),
                Component::CurDir => {}
                _ => {
                    return Err(CliError::message(format!(
                        "invalid archive entry {raw:?}: it would be extracted outside {}",
                        dir.display()
                    )))
                }
            }
        }
        let Some((last, parents)) = parts.split_last() else {
            continue; // the destination directory itself
        };
        let mut parent = dir.to_path_buf();
        for p in parents {
            parent.push(p);
            match std::fs::symlink_metadata(&parent) {
                Ok(md) if md.is_dir() => {}
                Ok(_) => {
                    return Err(CliError::message(format!(
                        "invalid archive entry {raw:?}: {} is not a directory",
                        parent.display()
                    )))
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::create_dir(&parent)?,
                Err(e) => return Err(e.into()),
            }
        }
        let target = parent.join(last);
        let kind = entry.header().entry_type();
        let new_is_dir = kind.is_dir();
        if let Ok(md) = std::fs::symlink_metadata(&target) {
            match (md.is_dir(), new_is_dir) {
                (true, false) => {
                    return Err(CliError::message(format!(
                        "cannot overwrite directory {:?} with non-directory {:?}",
                        target.display().to_string(),
                        raw
                    )))
                }
                (false, true) => {
                    return Err(CliError::message(format!(
                        "cannot overwrite non-directory {:?} with directory {:?}",
                        target.display().to_string(),
                        raw
                    )))
                }
                (false, false) => std::fs::remove_file(&target)?,
                (true, true) => {}
            }
        }
        if kind.is_hard_link() {
            let link = entry
                .link_name()?
                .map(|l| rebased(&l.to_string_lossy(), rebase))
                .unwrap_or_default();
            if link.split('/').any(|p| p == "..") {
                return Err(CliError::message(format!(
                    "invalid hardlink {link:?} in archive"
                )));
            }
            let source = dir.join(link.trim_start_matches('/'));
            std::fs::hard_link(source, &target)?;
            continue;
        }
        entry.unpack(&target)?;
    }
    Ok(())
}

/// `docker cp`'s output path check (`command.ValidateOutputPath`).
fn validate_output_path(path: &str) -> Result<(), CliError> {
    if path == "-" {
        return Ok(());
    }
    let dir = go_dir(&go_path::clean(path));
    if dir != "." && !Path::new(&dir).exists() {
        return Err(CliError::message(format!(
            "invalid output path: directory {dir:?} does not exist"
        )));
    }
    if let Ok(md) = std::fs::metadata(path) {
        let ft = md.file_type();
        if ft.is_block_device() || ft.is_char_device() {
            return Err(CliError::message(format!(
                "invalid output path: {path:?} must be a directory or a regular file: got a device"
            )));
        }
    }
    Ok(())
}

/// The response body as a blocking reader (for the extraction thread), counting bytes.
struct StreamReader {
    handle: tokio::runtime::Handle,
    stream: ByteStream,
    pending: bytes::Bytes,
    count: Arc<AtomicU64>,
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pending.is_empty() {
            match self.handle.block_on(self.stream.next_chunk()) {
                Some(Ok(chunk)) => self.pending = chunk,
                Some(Err(e)) => return Err(io::Error::other(e.to_string())),
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending = self.pending.slice(n..);
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Counts what goes into the request body (the "Successfully copied" size).
struct CountingWriter<W> {
    inner: W,
    count: Arc<AtomicU64>,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_container_args_like_docker() {
        assert_eq!(split_cp_arg("web:/tmp"), (Some("web"), "/tmp"));
        assert_eq!(split_cp_arg("/abs:x"), (None, "/abs:x"));
        assert_eq!(split_cp_arg("./a:b"), (None, "./a:b"));
        assert_eq!(split_cp_arg("file"), (None, "file"));
    }

    #[test]
    fn path_helpers_match_go() {
        assert_eq!(
            split_path_dir_entry("/tmp/x/."),
            ("/tmp/x".into(), ".".into())
        );
        assert_eq!(split_path_dir_entry("/tmp/x/"), ("/tmp".into(), "x".into()));
        assert_eq!(preserve_trailing_dot_or_separator("/a/b", "b/."), "/a/b/.");
        assert_eq!(preserve_trailing_dot_or_separator("/a/b", "b/"), "/a/b/");
        assert_eq!(
            rebase_name_for("/tmp/l", "/etc/passwd"),
            ("/etc/passwd".into(), Some("l".into()))
        );
        assert_eq!(
            rebased("tmp/a", Some(&("tmp".into(), "new".into()))),
            "new/a"
        );
        assert_eq!(
            rebased("tmpx/a", Some(&("tmp".into(), "new".into()))),
            "tmpx/a"
        );
        assert_eq!(rebased("./a", Some(&(".".into(), "new".into()))), "new/a");
    }

    #[test]
    fn prepare_follows_dockers_cases() {
        let file = CopyInfo {
            path: "/s/f".into(),
            exists: true,
            ..CopyInfo::default()
        };
        let dir_dst = CopyInfo {
            path: "/d".into(),
            exists: true,
            is_dir: true,
            ..CopyInfo::default()
        };
        assert_eq!(
            prepare_archive_copy(&file, &dir_dst).unwrap(),
            ("/d".into(), "f".into())
        );
        let missing = CopyInfo {
            path: "/d/new".into(),
            ..CopyInfo::default()
        };
        assert_eq!(
            prepare_archive_copy(&file, &missing).unwrap(),
            ("/d".into(), "new".into())
        );
        let missing_dir = CopyInfo {
            path: "/d/new/".into(),
            ..CopyInfo::default()
        };
        assert!(prepare_archive_copy(&file, &missing_dir).is_err());
    }
}
