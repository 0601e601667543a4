//! `berth build [-t NAME[:TAG]]... [-f DOCKERFILE] [--build-arg K=V]... [--label K=V]...
//! [--target T] [--no-cache] [--pull] [-q] [--rm] [--force-rm] PATH|-`: tars the context like
//! the docker CLI (`.dockerignore` honoured, the Dockerfile always sent, a Dockerfile outside the
//! context added under a private name), streams it to `POST /build` and prints the daemon's
//! text as docker does (`-q`: only the image id). A failed step's message goes to stderr and its
//! exit code is berth's (docker's rule).

use std::collections::BTreeMap;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use client::{BuildOptions, RequestBody};

use crate::args::BuildArgs;
use crate::commands::build_context::{context_entries, looks_like_archive, write_context_tar};
use crate::humanize::human_size;
use crate::output::{follow_progress, print_progress_line};
use crate::{CliError, Ctx};

/// What is sent: the tar body's source and the Dockerfile name inside it.
struct Context {
    body: RequestBody,
    dockerfile: String,
    /// The thread writing the tar of a directory context, joined after the build.
    writer: Option<std::thread::JoinHandle<std::io::Result<()>>>,
}

pub async fn run(ctx: &Ctx, args: BuildArgs) -> Result<i32, CliError> {
    let context = prepare_context(&args)?;
    let options = BuildOptions {
        tags: args.tags.clone(),
        dockerfile: context.dockerfile.clone(),
        build_args: build_args(&args.build_args),
        labels: labels(&args.labels)?,
        target: args.target.clone().filter(|t| !t.is_empty()),
        no_cache: args.no_cache,
        pull: args.pull,
        quiet: args.quiet,
        rm: args.rm,
        force_rm: args.force_rm,
        network: args.network.clone(),
    };
    // `-q`: the text is held back; it is the id on success, the build's output (printed on
    // stderr before the error, as docker does) on failure.
    let mut held = String::new();
    let result = match ctx.client.build_image(context.body, &options).await {
        Ok(stream) => follow_progress(stream, |m| match (&m.stream, args.quiet) {
            (Some(text), true) => held.push_str(text),
            _ => print_progress_line(m, false),
        })
        .await
        .map(drop),
        Err(e) => Err(e.into()),
    };
    if result.is_ok() {
        print!("{held}");
    } else {
        eprint!("{held}");
    }
    if let Some(writer) = context.writer {
        let written = tokio::task::spawn_blocking(move || writer.join())
            .await
            .map_err(|e| CliError::message(format!("context writer: {e}")))?;
        match written {
            Ok(Ok(())) => {}
            // The daemon's answer (a truncated archive) is the better message, if it failed.
            Ok(Err(e)) if result.is_ok() => {
                return Err(CliError::message(format!(
                    "error sending the build context: {e}"
                )))
            }
            Ok(Err(_)) => {}
            Err(_) => return Err(CliError::message("the build context writer panicked")),
        }
    }
    result?;
    Ok(0)
}

/// `--build-arg K=V`, or `--build-arg K` taking K from the environment (unset: no value).
fn build_args(raw: &[String]) -> BTreeMap<String, Option<String>> {
    raw.iter()
        .map(|arg| match arg.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (arg.clone(), std::env::var(arg).ok()),
        })
        .collect()
}

/// `--label K=V` (`--label K` is an empty value, as docker).
fn labels(raw: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    raw.iter()
        .map(|l| match l.split_once('=') {
            Some(("", _)) => Err(CliError::message(format!(
                "invalid argument {l:?} for \"--label\" flag"
            ))),
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => Ok((l.clone(), String::new())),
        })
        .collect()
}

fn read_stdin() -> Result<Vec<u8>, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::message(format!("read stdin: {e}")))?;
    Ok(bytes)
}

/// A name for a Dockerfile that is not in the context (docker uses `.dockerfile.<random>`).
fn private_dockerfile_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(".dockerfile.{:08x}{:08x}", std::process::id(), nanos)
}

fn prepare_context(args: &BuildArgs) -> Result<Context, CliError> {
    let dockerfile_from_stdin = args.file.as_deref() == Some("-");
    if args.path == "-" {
        if dockerfile_from_stdin {
            return Err(CliError::message(
                "invalid argument: can't use stdin for both build context and dockerfile",
            ));
        }
        let bytes = read_stdin()?;
        if looks_like_archive(&bytes) {
            return Ok(Context {
                body: counted(std::io::Cursor::new(bytes), args.quiet),
                dockerfile: args.file.clone().unwrap_or_else(|| "Dockerfile".into()),
                writer: None,
            });
        }
        // A Dockerfile on stdin and no context.
        let mut tar = Vec::new();
        write_context_tar(&[], &[("Dockerfile".into(), bytes)], &mut tar)?;
        return Ok(Context {
            body: counted(std::io::Cursor::new(tar), args.quiet),
            dockerfile: "Dockerfile".into(),
            writer: None,
        });
    }
    // docker sends URLs (git repositories, remote tarballs) as `remote=`, which berthd refuses.
    if ["http://", "https://", "git://", "git@", "github.com/"]
        .iter()
        .any(|p| args.path.starts_with(p))
    {
        return Err(CliError::message(format!(
            "unable to prepare context: remote build contexts are not supported: {}",
            args.path
        )));
    }
    let root = PathBuf::from(&args.path);
    let root = root.canonicalize().map_err(|e| {
        CliError::message(format!(
            "unable to prepare context: path {:?} not found: {e}",
            args.path
        ))
    })?;
    if !root.is_dir() {
        return Err(CliError::message(format!(
            "unable to prepare context: path {:?} is not a directory",
            args.path
        )));
    }
    // The Dockerfile: in the context (its relative name), or read and added under a private name.
    let (dockerfile, extra) = if dockerfile_from_stdin {
        let name = private_dockerfile_name();
        (name.clone(), vec![(name, read_stdin()?)])
    } else {
        let path = match &args.file {
            // `-f` is relative to the current directory, as with docker.
            Some(f) => PathBuf::from(f),
            None => root.join("Dockerfile"),
        };
        let path = path.canonicalize().map_err(|_| {
            CliError::message(format!(
                "unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat {}: no such file or directory",
                path.display()
            ))
        })?;
        match path.strip_prefix(&root) {
            Ok(rel) => (slash_path(rel), Vec::new()),
            Err(_) => {
                let text = std::fs::read(&path)
                    .map_err(|e| CliError::message(format!("read {}: {e}", path.display())))?;
                let name = private_dockerfile_name();
                (name.clone(), vec![(name, text)])
            }
        }
    };
    let entries = context_entries(&root, &[dockerfile.as_str()])
        .map_err(|e| CliError::message(format!("unable to prepare context: {e}")))?;
    let (reader, writer) = std::io::pipe()?;
    let handle = std::thread::spawn(move || write_context_tar(&entries, &extra, writer));
    let reader = tokio::fs::File::from_std(std::fs::File::from(OwnedFd::from(reader)));
    Ok(Context {
        body: counted(reader, args.quiet),
        dockerfile,
        writer: Some(handle),
    })
}

/// The context body, which prints docker's `Sending build context to Docker daemon  4.096kB`
/// once it has all been read (unless `quiet`): the daemon answers only after that.
fn counted<R>(reader: R, quiet: bool) -> RequestBody
where
    R: tokio::io::AsyncRead + Send + Sync + Unpin + 'static,
{
    RequestBody::reader(SendingContext {
        inner: reader,
        sent: 0,
        reported: quiet,
    })
}

struct SendingContext<R> {
    inner: R,
    sent: u64,
    reported: bool,
}

impl<R: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for SendingContext<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if let std::task::Poll::Ready(Ok(())) = &polled {
            let read = buf.filled().len() - before;
            self.sent += read as u64;
            if read == 0 && buf.remaining() > 0 && !self.reported {
                self.reported = true;
                println!(
                    "Sending build context to Docker daemon  {}",
                    human_size(self.sent as f64)
                );
            }
        }
        polled
    }
}

fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_arg_and_label_flags() {
        let args = build_args(&[
            "A=1".into(),
            "B=x=y".into(),
            "BERTH_SURELY_UNSET_VAR".into(),
        ]);
        assert_eq!(args["A"].as_deref(), Some("1"));
        assert_eq!(args["B"].as_deref(), Some("x=y"));
        assert_eq!(args["BERTH_SURELY_UNSET_VAR"], None);
        let l = labels(&["k=v".into(), "bare".into()]).unwrap();
        assert_eq!(l["k"], "v");
        assert_eq!(l["bare"], "");
        assert!(labels(&["=v".into()]).is_err());
    }
}
