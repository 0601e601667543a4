//! `docker build` with the legacy builder (`DOCKER_BUILDKIT=0`, `POST /build`) through the real
//! docker CLI, always `FROM` the busybox fixture (never a registry): every common instruction,
//! the result's config and history, the cache, multi-stage builds, failures, `.dockerignore`,
//! and hostile context archives sent raw.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use test_support::{expect_failure, expect_success, output_within, require_root, stderr, Daemon};

const BUILD_TIMEOUT: Duration = Duration::from_secs(300);

/// `DOCKER_BUILDKIT=0 docker build <args>`.
fn docker_build(d: &Daemon, args: &[&str]) -> Output {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let mut cmd = d.docker_cmd(&all);
    cmd.env("DOCKER_BUILDKIT", "0");
    output_within(cmd, BUILD_TIMEOUT)
}

/// A context dir in the daemon's scratch space with `files` (name → content; parents created).
fn context(d: &Daemon, name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = d.scratch().join(name);
    for (file, data) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }
    dir
}

/// A tar with one file, for `ADD` (which extracts local tars).
fn tar_with(name: &str, data: &[u8]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append_data(&mut header, name, data).unwrap();
    builder.into_inner().unwrap()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn inspect_json(d: &Daemon, image: &str, field: &str) -> serde_json::Value {
    let text = expect_success(d.docker(&[
        "image",
        "inspect",
        "-f",
        &format!("{{{{json {field}}}}}"),
        image,
    ]));
    serde_json::from_str(text.trim()).unwrap()
}

#[track_caller]
fn assert_no_containers(d: &Daemon) {
    assert_eq!(
        expect_success(d.docker(&["ps", "-a", "-q"])),
        "",
        "containers left behind"
    );
}

const FULL_DOCKERFILE: &str = r#"FROM busybox
ARG GREETING=hello
ENV APP_HOME=/app MODE=test
RUN echo "built $GREETING" > /built.txt
COPY file.txt /app/file.txt
COPY dir /app/dir/
COPY --chown=1000:1000 owned.txt /app/owned.txt
ADD archive.tar /app/extracted/
COPY . /ctx/
WORKDIR /app
USER 1000
LABEL org.example.kind=demo
EXPOSE 8000
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /built.txt /app/file.txt /app/dir/inner.txt /app/extracted/from-tar.txt; stat -c %u /app/owned.txt; id -u; pwd; echo $MODE"]
"#;

#[test]
fn full_dockerfile_builds_and_the_image_runs_with_its_config() {
    require_root!();
    let d = Daemon::with_busybox();
    let archive = tar_with("from-tar.txt", b"from tar\n");
    let dir = context(
        &d,
        "full",
        &[
            ("Dockerfile", FULL_DOCKERFILE.as_bytes()),
            ("file.txt", b"file content\n"),
            ("dir/inner.txt", b"inner\n"),
            ("owned.txt", b"owned\n"),
            ("archive.tar", &archive),
            ("secret.txt", b"do not send\n"),
            (".dockerignore", b"secret.txt\n"),
        ],
    );
    let out = docker_build(
        &d,
        &[
            "-t",
            "full:1",
            "--build-arg",
            "GREETING=world",
            "--label",
            "l1=v1",
            path_str(&dir),
        ],
    );
    let text = expect_success(&out);
    assert!(text.contains("Step 1/"), "{text}");
    assert!(text.contains(" : FROM busybox\n"), "{text}");
    assert!(text.contains(" ---> Running in "), "{text}");
    assert!(text.contains("Removing intermediate container "), "{text}");
    assert!(text.contains("Successfully built "), "{text}");
    assert!(text.contains("Successfully tagged full:1"), "{text}");

    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "full:1"])),
        "built world\nfile content\ninner\nfrom tar\n1000\n1000\n/app\ntest\n"
    );
    // `.dockerignore`: the excluded file never reached the daemon; the rest of the context did.
    let listed = expect_success(d.docker(&["run", "--rm", "--entrypoint", "ls", "full:1", "/ctx"]));
    assert!(listed.contains("file.txt"), "{listed}");
    assert!(listed.contains("Dockerfile"), "{listed}");
    assert!(!listed.contains("secret.txt"), "{listed}");

    let config = inspect_json(&d, "full:1", ".Config");
    let env: Vec<&str> = config["Env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(env.contains(&"APP_HOME=/app"), "{env:?}");
    assert!(env.contains(&"MODE=test"), "{env:?}");
    assert!(
        !env.iter().any(|e| e.starts_with("GREETING=")),
        "ARGs are not kept: {env:?}"
    );
    assert_eq!(config["Entrypoint"], serde_json::json!(["/bin/sh", "-c"]));
    assert_eq!(
        config["Cmd"],
        serde_json::json!(["cat /built.txt /app/file.txt /app/dir/inner.txt /app/extracted/from-tar.txt; stat -c %u /app/owned.txt; id -u; pwd; echo $MODE"])
    );
    assert_eq!(config["WorkingDir"], "/app");
    assert_eq!(config["User"], "1000");
    assert_eq!(
        config["Labels"],
        serde_json::json!({"l1": "v1", "org.example.kind": "demo"})
    );
    assert_eq!(config["ExposedPorts"], serde_json::json!({"8000/tcp": {}}));

    // `docker history` lists the steps, newest first, down to the base image.
    let history = expect_success(d.docker(&[
        "history",
        "--no-trunc",
        "--format",
        "{{.CreatedBy}}",
        "full:1",
    ]));
    let base = expect_success(d.docker(&[
        "history",
        "--no-trunc",
        "--format",
        "{{.CreatedBy}}",
        "busybox",
    ]));
    // 14 instructions after FROM (dockerd adds one more LABEL step for `--label`).
    let steps = history.lines().count() - base.lines().count();
    assert!((14..=15).contains(&steps), "{history}");
    assert!(
        history.contains(r#"echo "built $GREETING" > /built.txt"#),
        "{history}"
    );
    assert!(history.contains("EXPOSE"), "{history}");
    assert!(history.contains("COPY"), "{history}");
    assert!(history.contains("CMD [\"cat /built.txt"), "{history}");
    // `--label` is one more LABEL step at the end, as dockerd adds it.
    assert!(
        history.lines().next().unwrap().contains("LABEL l1=v1"),
        "{history}"
    );

    // Each step's image names the previous one as `Parent`, carries the daemon's version and no
    // comment (busybox's `Imported from -` is not inherited); RUN steps name their container.
    let ids = expect_success(d.docker(&["history", "-q", "--no-trunc", "full:1"]));
    let ids: Vec<&str> = ids.lines().filter(|l| l.starts_with("sha256:")).collect();
    assert!(ids.len() >= 2, "{ids:?}");
    assert_eq!(inspect_json(&d, "full:1", ".Parent"), ids[1]);
    assert_eq!(inspect_json(&d, "full:1", ".Comment"), "");
    let version = expect_success(d.docker(&["version", "-f", "{{.Server.Version}}"]));
    assert_eq!(inspect_json(&d, "full:1", ".DockerVersion"), version.trim());
    let mut args = vec!["image", "inspect", "-f", "{{.Container}}"];
    args.extend(ids.iter().copied());
    let containers = expect_success(d.docker(&args));
    assert!(
        containers.lines().any(|c| c.trim().len() == 64),
        "{containers}"
    );

    assert_no_containers(&d);
    d.assert_no_host_mounts();
}

#[test]
fn rebuild_uses_the_cache_until_a_copied_file_changes() {
    require_root!();
    let d = Daemon::with_busybox();
    let dockerfile =
        b"FROM busybox\nRUN echo one > /one\nCOPY file.txt /file.txt\nRUN cat /file.txt > /copy\n";
    let dir = context(
        &d,
        "cache",
        &[("Dockerfile", dockerfile), ("file.txt", b"first\n")],
    );
    let first = expect_success(docker_build(&d, &["-t", "cached", path_str(&dir)]));
    assert!(!first.contains("Using cache"), "{first}");
    let first_id = expect_success(d.docker(&["image", "inspect", "-f", "{{.Id}}", "cached"]));
    // The intermediate step images are listed only with `-a`, as dockerd does.
    let listed = expect_success(d.docker(&["images", "--format", "{{.Repository}}:{{.Tag}}"]));
    // Newest first, but both may have been made in the same second.
    let mut listed: Vec<&str> = listed.lines().collect();
    listed.sort();
    assert_eq!(listed, ["busybox:latest", "cached:latest"]);
    let all = expect_success(d.docker(&["images", "-a", "-q"]));
    assert_eq!(all.lines().count(), 4, "{all}");

    let again = expect_success(docker_build(&d, &["-t", "cached", path_str(&dir)]));
    assert_eq!(again.matches(" ---> Using cache").count(), 3, "{again}");
    assert!(!again.contains("Running in"), "{again}");
    assert_eq!(
        expect_success(d.docker(&["image", "inspect", "-f", "{{.Id}}", "cached"])),
        first_id
    );

    std::fs::write(dir.join("file.txt"), "second\n").unwrap();
    let changed = expect_success(docker_build(&d, &["-t", "cached", path_str(&dir)]));
    // Only the step before the COPY comes from the cache.
    assert_eq!(changed.matches(" ---> Using cache").count(), 1, "{changed}");
    assert_ne!(
        expect_success(d.docker(&["image", "inspect", "-f", "{{.Id}}", "cached"])),
        first_id
    );
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "cached", "cat", "/copy"])),
        "second\n"
    );

    // --no-cache runs every step again.
    let uncached = expect_success(docker_build(
        &d,
        &["--no-cache", "-t", "cached", path_str(&dir)],
    ));
    assert!(!uncached.contains("Using cache"), "{uncached}");
    assert_no_containers(&d);
}

#[test]
fn multi_stage_copy_from_and_target() {
    require_root!();
    let d = Daemon::with_busybox();
    let dockerfile = b"FROM busybox AS b1\nRUN echo from-b1 > /artifact\n\nFROM busybox\nCOPY --from=b1 /artifact /copied\nCMD [\"cat\", \"/copied\"]\n";
    let dir = context(&d, "multi", &[("Dockerfile", dockerfile)]);
    expect_success(docker_build(&d, &["-t", "multi:final", path_str(&dir)]));
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "multi:final"])),
        "from-b1\n"
    );
    // The final stage does not carry the first stage's file, only the copy.
    let missing = d.docker(&["run", "--rm", "multi:final", "cat", "/artifact"]);
    expect_failure(&missing);

    expect_success(docker_build(
        &d,
        &["--target", "b1", "-t", "multi:b1", path_str(&dir)],
    ));
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "multi:b1", "cat", "/artifact"])),
        "from-b1\n"
    );
    // The target stage ends before the final stage's CMD.
    assert_eq!(
        inspect_json(&d, "multi:b1", ".Config.Cmd"),
        inspect_json(&d, "busybox", ".Config.Cmd")
    );
    // `rmi` takes the untagged step images along (dockerd's prune of parents).
    expect_success(d.docker(&["rmi", "multi:final", "multi:b1"]));
    let left = expect_success(d.docker(&["images", "-a", "-q"]));
    assert_eq!(left.lines().count(), 1, "{left}");
    assert_no_containers(&d);
    d.assert_no_host_mounts();
}

#[test]
fn failing_run_gives_dockers_message_and_exit_code_and_leaves_no_container() {
    require_root!();
    let d = Daemon::with_busybox();
    let dir = context(
        &d,
        "fail",
        &[(
            "Dockerfile",
            b"FROM busybox\nRUN echo about-to-fail && exit 3\n",
        )],
    );
    let out = docker_build(&d, &["-t", "xfail", path_str(&dir)]);
    // The docker CLI exits with the failed command's code (its `errorDetail.code`).
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "The command '/bin/sh -c echo about-to-fail && exit 3' returned a non-zero code: 3"
        ),
        "{}",
        stderr(&out)
    );
    assert!(test_support::stdout(&out).contains("about-to-fail\n"));
    assert_no_containers(&d);

    // `-q`: the daemon sends the build's text and the error only when it fails; the CLI
    // prints them on stderr.
    let out = docker_build(&d, &["-q", "-t", "xfail", path_str(&dir)]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("about-to-fail\n"), "{err}");
    assert!(err.contains("returned a non-zero code: 3"), "{err}");
    assert_eq!(test_support::stdout(&out), "");
    expect_failure(d.docker(&["image", "inspect", "xfail"]));
}

#[test]
fn unknown_instruction_is_dockers_parse_error() {
    require_root!();
    let d = Daemon::with_busybox();
    let dir = context(
        &d,
        "broken",
        &[("Dockerfile", b"FROM busybox\nFROBNICATE now\n")],
    );
    let out = docker_build(&d, &["-t", "broken", path_str(&dir)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Error response from daemon: dockerfile parse error line 2: unknown instruction: FROBNICATE"),
        "{err}"
    );
}

/// A tar of raw entries: (name, type flag, link target, data).
fn raw_tar(entries: &[(&str, u8, &str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, kind, link, data) in entries {
        let mut header = tar::Header::new_old();
        {
            let bytes = header.as_old_mut();
            bytes.name[..name.len()].copy_from_slice(name.as_bytes());
            bytes.linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
        header.set_mode(0o644);
        header.set_size(data.len() as u64);
        header.set_entry_type(tar::EntryType::new(*kind));
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

#[test]
fn hostile_context_archives_are_refused_and_write_nothing_outside() {
    require_root!();
    let d = Daemon::with_busybox();
    let outside = d.scratch().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let dockerfile: &[u8] = b"FROM busybox\nCOPY . /x/\n";

    let climbing = raw_tar(&[
        ("Dockerfile", b'0', "", dockerfile),
        ("../escape", b'0', "", b"bad"),
    ]);
    let resp = d
        .request(
            "POST",
            "/v1.41/build?t=evil",
            Some(("application/x-tar", &climbing)),
        )
        .unwrap();
    assert!(resp.status >= 400, "{} {}", resp.status, resp.text());
    assert!(
        !resp.json()["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{}",
        resp.text()
    );

    let target = path_str(&outside);
    let through_symlink = raw_tar(&[
        ("Dockerfile", b'0', "", dockerfile),
        ("evil", b'2', target, b""),
        ("evil/pwned", b'0', "", b"bad"),
    ]);
    let resp = d
        .request(
            "POST",
            "/v1.41/build?t=evil2",
            Some(("application/x-tar", &through_symlink)),
        )
        .unwrap();
    // Confined extraction: `evil/pwned` lands inside the context (or is refused), never outside.
    assert!(
        !outside.join("pwned").exists(),
        "{} {}",
        resp.status,
        resp.text()
    );

    for root in [d.scratch(), d.data_root.as_path()] {
        let found = std::process::Command::new("find")
            .arg(root)
            .args(["-name", "escape"])
            .output()
            .unwrap();
        assert_eq!(test_support::stdout(&found), "", "escaped file written");
    }
    expect_failure(d.docker(&["image", "inspect", "evil"]));
    d.assert_no_host_mounts();
}

#[test]
fn remote_contexts_are_refused_and_build_prune_answers() {
    require_root!();
    let d = Daemon::with_busybox();
    let resp = d
        .request(
            "POST",
            "/v1.41/build?remote=https%3A%2F%2Fexample.invalid%2Fx.tar",
            Some(("application/x-tar", b"")),
        )
        .unwrap();
    assert_eq!(resp.status, 400, "{}", resp.text());
    assert!(
        resp.text()
            .contains("remote build contexts are not supported"),
        "{}",
        resp.text()
    );

    // As dockerd without experimental features.
    let resp = d
        .request(
            "POST",
            "/v1.41/build?squash=1",
            Some(("application/x-tar", b"")),
        )
        .unwrap();
    assert_eq!(resp.status, 400, "{}", resp.text());
    assert_eq!(
        resp.json()["message"],
        "squash is only supported with experimental mode"
    );

    let resp = d.request("POST", "/v1.41/build/prune", None).unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.json(),
        serde_json::json!({"CachesDeleted": [], "SpaceReclaimed": 0})
    );

    let pruned = expect_success(d.docker(&["builder", "prune", "-f"]));
    assert!(pruned.contains("Total reclaimed space: 0B"), "{pruned}");

    let ping = d.request("GET", "/_ping", None).unwrap();
    assert_eq!(ping.header("Builder-Version"), Some("1"));
}

/// `DOCKER_BUILDKIT=0 docker build <args>` reading `input` on stdin.
fn docker_build_stdin(d: &Daemon, args: &[&str], input: &Path) -> Output {
    let mut all = vec!["build"];
    all.extend_from_slice(args);
    let mut cmd = d.docker_cmd(&all);
    cmd.env("DOCKER_BUILDKIT", "0")
        .stdin(std::fs::File::open(input).unwrap());
    output_within(cmd, BUILD_TIMEOUT)
}

#[test]
fn contexts_and_dockerfiles_from_stdin() {
    require_root!();
    let d = Daemon::with_busybox();
    // `docker build - < Dockerfile`: no context.
    let dockerfile = d.scratch().join("stdin.Dockerfile");
    std::fs::write(&dockerfile, "FROM busybox\nRUN echo piped > /piped\n").unwrap();
    expect_success(docker_build_stdin(&d, &["-t", "piped", "-"], &dockerfile));
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "piped", "cat", "/piped"])),
        "piped\n"
    );

    // `docker build - < context.tar.gz`: the CLI sends the compressed archive as it is.
    let gz = gzip(&tar_with("Dockerfile", b"FROM busybox\nENV FROM_GZIP=1\n"));
    let archive = d.scratch().join("context.tar.gz");
    std::fs::write(&archive, &gz).unwrap();
    expect_success(docker_build_stdin(&d, &["-t", "gzipped", "-"], &archive));
    let env = inspect_json(&d, "gzipped", ".Config.Env");
    assert!(
        env.as_array().unwrap().iter().any(|e| e == "FROM_GZIP=1"),
        "{env}"
    );

    // `docker build -f- DIR`: the Dockerfile from stdin, the context from DIR.
    let dir = context(&d, "ctx-dir", &[("data.txt", b"from dir\n")]);
    std::fs::write(&dockerfile, "FROM busybox\nCOPY data.txt /data.txt\n").unwrap();
    expect_success(docker_build_stdin(
        &d,
        &["-t", "fdash", "-f-", path_str(&dir)],
        &dockerfile,
    ));
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "fdash", "cat", "/data.txt"])),
        "from dir\n"
    );
}

/// gzip of `data` through the system's `gzip` (the e2e crate has no compression library).
fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = data.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success());
    out.stdout
}

#[test]
fn quiet_build_prints_only_the_id() {
    require_root!();
    let d = Daemon::with_busybox();
    let dir = context(
        &d,
        "quiet",
        &[(
            "Dockerfile",
            b"FROM busybox\nRUN echo noisy\nCMD [\"true\"]\n",
        )],
    );
    let out = docker_build(&d, &["-q", "-t", "quiet:1", path_str(&dir)]);
    let id = expect_success(&out);
    let inspected = expect_success(d.docker(&["image", "inspect", "-f", "{{.Id}}", "quiet:1"]));
    assert_eq!(id, inspected);
    assert!(!id.contains("noisy"));

    // `-f` outside the context: the docker CLI appends it to the context tar under a private
    // name, and its archive then ends right after that file (no end-of-archive blocks).
    let outside = d.scratch().join("outside.Dockerfile");
    std::fs::write(&outside, "FROM busybox\nCOPY data.txt /data.txt\n").unwrap();
    let dir = context(&d, "with-data", &[("data.txt", b"data\n")]);
    let out = docker_build(
        &d,
        &[
            "-q",
            "-f",
            path_str(&outside),
            "-t",
            "outside",
            path_str(&dir),
        ],
    );
    expect_success(&out);
    assert_eq!(
        expect_success(d.docker(&["run", "--rm", "outside", "cat", "/data.txt"])),
        "data\n"
    );
}

#[test]
fn a_build_whose_client_goes_away_stops_and_leaves_no_container() {
    require_root!();
    let d = Daemon::with_busybox();
    let dir = context(
        &d,
        "endless",
        &[(
            "Dockerfile",
            b"FROM busybox\nRUN echo started && sleep 1000\n",
        )],
    );
    let mut cmd = d.docker_cmd(&["build", "-t", "endless", path_str(&dir)]);
    cmd.env("DOCKER_BUILDKIT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The step runs once its output arrives; then the client goes away.
    let started = lines.by_ref().map_while(Result::ok).any(|l| l == "started");
    assert!(started, "the RUN step never started");
    child.kill().unwrap();
    child.wait().unwrap();
    drop(lines);
    let gone = test_support::eventually(Duration::from_secs(30), || {
        expect_success(d.docker(&["ps", "-a", "-q"])).is_empty()
    });
    assert!(gone, "{}", expect_success(d.docker(&["ps", "-a"])));
    expect_failure(d.docker(&["image", "inspect", "endless"]));
}

#[test]
fn run_steps_use_the_requested_network() {
    require_root!();
    let d = Daemon::with_busybox();
    let dir = context(
        &d,
        "net",
        &[("Dockerfile", b"FROM busybox\nRUN ls /sys/class/net\n")],
    );
    let text = expect_success(docker_build(&d, &["--network", "none", path_str(&dir)]));
    let interfaces: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("Running in"))
        .skip(1)
        .take_while(|l| !l.starts_with("Removing intermediate"))
        .collect();
    assert_eq!(interfaces, ["lo"], "{text}");
}
