//! Builder tests against a recording fake executor.

mod build_steps;
mod copy;
mod fake;
mod parser;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use fake::Fake;

use crate::{build, BuildMessage, BuildOptions, BuildOutcome, BuildOutput};

/// A busybox-like base: PATH env, `sh` command, passwd/group, `/var/run` → `/run`.
pub fn with_busybox() -> Fake {
    let fake = Fake::new();
    let config = image::ContainerConfig {
        env: Some(vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ]),
        cmd: Some(vec!["sh".into()]),
        ..Default::default()
    };
    fake.add_base("busybox", config, |root| {
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::create_dir_all(root.join("run")).unwrap();
        fs::create_dir_all(root.join("var")).unwrap();
        std::os::unix::fs::symlink("/run", root.join("var/run")).unwrap();
        fs::write(
            root.join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
        )
        .unwrap();
        fs::write(
            root.join("etc/group"),
            "root:x:0:\napp:x:1000:\nstaff:x:50:\n",
        )
        .unwrap();
    });
    fake
}

pub struct Outcome {
    pub result: Result<BuildOutcome, crate::BuildError>,
    /// The stream messages joined, as the CLI prints them.
    pub text: String,
    pub aux: Vec<String>,
}

/// Writes `files` (path → content) into a fresh context dir.
pub fn context(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let full = dir.path().join(path);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, content).unwrap();
    }
    dir
}

pub async fn run(
    fake: &Fake,
    context: &Path,
    dockerfile: &str,
    adjust: impl FnOnce(&mut BuildOptions),
) -> Outcome {
    let scratch = tempfile::tempdir().unwrap();
    let mut opts = BuildOptions {
        dockerfile: dockerfile.to_string(),
        context_dir: context.to_path_buf(),
        scratch_dir: scratch.path().join("build"),
        tags: Vec::new(),
        build_args: BTreeMap::new(),
        labels: BTreeMap::new(),
        target: None,
        no_cache: false,
        pull: false,
    };
    adjust(&mut opts);
    let (out, mut rx) = BuildOutput::channel();
    let result = build(opts, fake, &out).await;
    drop(out);
    let mut text = String::new();
    let mut aux = Vec::new();
    while let Some(message) = rx.recv().await {
        match message {
            BuildMessage::Stream(s) => text.push_str(&s),
            BuildMessage::AuxId(id) => aux.push(id),
        }
    }
    // Staging directories are removed after each step.
    let leftovers: Vec<_> = fs::read_dir(scratch.path().join("build"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "staging dirs left: {leftovers:?}");
    Outcome { result, text, aux }
}

/// The output with the synthetic container ids of config-only steps replaced by `<id>`.
pub fn mask_ids(text: &str) -> String {
    text.lines()
        .map(|line| {
            for prefix in [" ---> Running in ", "Removing intermediate container "] {
                if let Some(rest) = line.strip_prefix(prefix) {
                    if rest.len() == 12 && rest.chars().all(|c| c.is_ascii_hexdigit()) {
                        return format!("{prefix}<id>");
                    }
                }
            }
            line.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
