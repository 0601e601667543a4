//! One stage being built: its current image, the runtime config the steps change, its ARGs, and
//! the instruction semantics of dockerd's legacy dispatchers.

use image::{ContainerConfig, History, ImageConfig};
use sha2::{Digest, Sha256};

use crate::build_args::BuildArgs;
use crate::builder::{short_id, BuildContext};
use crate::commands::Command;
use crate::dockerfile::{parse_single_line, Instruction};
use crate::error::BuildError;
use crate::executor::{ImageState, RunStep};
use crate::history_text::{
    go_healthcheck, go_list, go_quoted_list, nop_comment, nop_comment_string,
};
use crate::layer_stage::LayerStage;
use crate::rooted_path::resolve_in_root;
use crate::shell_lex::{expand_word, expand_words, Env};
use crate::stage_plan::from_stage;

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

pub(crate) struct StageRun {
    pub image: ImageState,
    /// The runtime config the steps build up (`config` of the next image).
    pub run: ContainerConfig,
    pub args: BuildArgs,
    /// The stage's index in the Dockerfile.
    pub index: usize,
    maintainer: String,
    /// Whether this stage set CMD (ENTRYPOINT then keeps it).
    cmd_set: bool,
    escape: char,
}

/// The Go name of this machine's architecture, for `FROM scratch`.
fn go_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

/// A stand-in for the container dockerd creates to commit a config-only step (the progress
/// text names one; berth commits these steps without a container).
fn step_container_id(created_by: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut hasher = Sha256::new();
    hasher.update(format!("{nanos}\0{}\0{created_by}", std::process::id()).as_bytes());
    hex::encode(hasher.finalize())[..12].to_string()
}

fn parse_error(instruction: &Instruction, message: String) -> BuildError {
    BuildError::Parse(format!(
        "dockerfile parse error line {}: {message}",
        instruction.line
    ))
}

/// dockerd's WORKDIR rule: relative paths join the current one; absolute ones stay as written.
fn normalize_workdir(current: &str, requested: &str) -> Result<String, BuildError> {
    if requested.is_empty() {
        return Err(BuildError::Invalid("cannot normalize nothing".into()));
    }
    if requested.starts_with('/') {
        return Ok(requested.to_string());
    }
    Ok(dockerignore::clean_path(&format!("/{current}/{requested}")))
}

/// The ports an EXPOSE word stands for (`80` → `80/tcp`, ranges expanded).
fn exposed_ports(raw: &str) -> Result<Vec<String>, BuildError> {
    let parts: Vec<&str> = raw.split(':').collect();
    let container = parts.last().copied().unwrap_or_default();
    let (port, proto) = match container.split_once('/') {
        Some((p, proto)) => (p, proto),
        None => (container, ""),
    };
    if port.is_empty() {
        return Err(BuildError::Invalid(format!(
            "no port specified: {raw}<empty>"
        )));
    }
    let proto = if proto.is_empty() {
        "tcp".to_string()
    } else {
        proto.to_ascii_lowercase()
    };
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(BuildError::Invalid(format!("invalid proto: {proto}")));
    }
    let invalid = || BuildError::Invalid(format!("invalid containerPort: {port}"));
    let (start, end) = match port.split_once('-') {
        Some((a, b)) => (
            a.parse::<u16>().map_err(|_| invalid())?,
            b.parse::<u16>().map_err(|_| invalid())?,
        ),
        None => {
            let p = port.parse::<u16>().map_err(|_| invalid())?;
            (p, p)
        }
    };
    if end < start {
        return Err(invalid());
    }
    Ok((start..=end).map(|p| format!("{p}/{proto}")).collect())
}

const SIGNALS: [&str; 33] = [
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL",
    "PIPE", "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
    "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU",
];

/// moby's `signal.ParseSignal`: a number, or a name with or without `SIG`.
fn check_signal(raw: &str) -> Result<(), BuildError> {
    let invalid = || BuildError::Invalid(format!("Invalid signal: {raw}"));
    if let Ok(n) = raw.parse::<u8>() {
        return if n == 0 { Err(invalid()) } else { Ok(()) };
    }
    let upper = raw.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    let realtime = |prefix: &str, sign: char| {
        name.strip_prefix(prefix).is_some_and(|rest| {
            rest.is_empty()
                || rest
                    .strip_prefix(sign)
                    .and_then(|n| n.parse::<u8>().ok())
                    .is_some_and(|n| (1..=15).contains(&n))
        })
    };
    if SIGNALS.contains(&name) || name == "XFSZ" || realtime("RTMIN", '+') || realtime("RTMAX", '-')
    {
        Ok(())
    } else {
        Err(invalid())
    }
}

impl StageRun {
    /// FROM: the base image (an earlier stage, `scratch` or an image), then its ONBUILD triggers.
    pub(crate) async fn begin(
        ctx: &mut BuildContext<'_>,
        index: usize,
        args: BuildArgs,
    ) -> Result<StageRun, BuildError> {
        let dockerfile = ctx.dockerfile;
        let stage = &dockerfile.stages[index];
        ctx.print_step(&stage.from.original);
        let meta: Vec<String> = args
            .all_meta()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let base = expand_word(&stage.base, &Env::from_list(&meta), dockerfile.escape)
            .map_err(BuildError::Invalid)?;
        if base.is_empty() {
            return Err(BuildError::Invalid(format!(
                "base name ({}) should not be blank",
                stage.base
            )));
        }
        let image = match from_stage(dockerfile, &base, index).and_then(|i| ctx.results[i].clone())
        {
            Some(image) => image,
            None if base.eq_ignore_ascii_case("scratch") => ImageState {
                id: None,
                config: ImageConfig {
                    architecture: go_arch().into(),
                    os: "linux".into(),
                    ..ImageConfig::default()
                },
            },
            None => ctx.exec.base_image(&base, ctx.opts.pull, ctx.out).await?,
        };
        let mut run = image.config.config.clone();
        let env = run.env.get_or_insert_with(Vec::new);
        if !env.iter().any(|e| e.split('=').next() == Some("PATH")) {
            env.push(format!("PATH={DEFAULT_PATH}"));
        }
        for key in ["OpenStdin", "StdinOnce"] {
            if let Some(v) = run.extra.get_mut(key) {
                *v = serde_json::Value::Bool(false);
            }
        }
        let mut stage_run = StageRun {
            image,
            run,
            args,
            index,
            maintainer: String::new(),
            cmd_set: false,
            escape: dockerfile.escape,
        };
        // The base's ONBUILD triggers run now and are not inherited.
        let triggers = stage_run.run.on_build.clone().unwrap_or_default();
        if !triggers.is_empty() {
            stage_run.run.on_build = None;
            let plural = if triggers.len() > 1 { "s" } else { "" };
            ctx.out.stream(format!(
                "# Executing {} build trigger{plural}\n",
                triggers.len()
            ));
            for trigger in &triggers {
                let instruction = parse_single_line(trigger)?;
                stage_run.dispatch(ctx, &instruction, true).await?;
            }
        }
        ctx.out.stream(format!(
            " ---> {}\n",
            short_id(stage_run.image.id.as_deref())
        ));
        Ok(stage_run)
    }

    pub(crate) fn shell(&self) -> Vec<String> {
        match &self.run.shell {
            Some(shell) if !shell.is_empty() => shell.clone(),
            _ => vec!["/bin/sh".into(), "-c".into()],
        }
    }

    /// The variables an instruction's words are expanded with: the image env, then the
    /// stage's ARGs that the env does not set.
    fn expansion_env(&self) -> Env {
        let env = self.run.env.clone().unwrap_or_default();
        let mut all = env.clone();
        all.extend(self.args.filter_allowed(&env));
        Env::from_list(&all)
    }

    /// The next image's config: this stage's runtime config on the current image, with the
    /// step's history entry and dockerd's `container_config` (the step's container: its Cmd).
    fn step_config(
        &self,
        created_by: &str,
        container: &ContainerConfig,
        empty: bool,
    ) -> ImageConfig {
        let mut config = self.image.config.clone();
        config.config = self.run.clone();
        config.author = self.maintainer.clone();
        config.created = None;
        config.container = None;
        if let Ok(value) = serde_json::to_value(container) {
            config.extra.insert("container_config".into(), value);
        }
        config.history.push(History {
            created_by: created_by.to_string(),
            empty_layer: empty,
            ..History::default()
        });
        config
    }

    /// The legacy cache: an image from the same parent with the same config and step.
    async fn probe(
        &mut self,
        ctx: &BuildContext<'_>,
        config: &ImageConfig,
    ) -> Result<bool, BuildError> {
        if ctx.opts.no_cache {
            return Ok(false);
        }
        match ctx.exec.cached(&self.image, config).await? {
            Some(hit) => {
                ctx.out.stream(" ---> Using cache\n");
                self.image = hit;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// A config-only step (ENV, LABEL, CMD, …): probe, else commit without a layer.
    async fn commit_config(
        &mut self,
        ctx: &BuildContext<'_>,
        comment: &str,
    ) -> Result<(), BuildError> {
        let shell = self.shell();
        let created_by = nop_comment(&shell, comment);
        let mut container = self.run.clone();
        let mut cmd = shell;
        cmd.extend(["#(nop) ".to_string(), comment.to_string()]);
        container.cmd = Some(cmd);
        let config = self.step_config(&created_by, &container, true);
        if self.probe(ctx, &config).await? {
            return Ok(());
        }
        let id = step_container_id(&created_by);
        ctx.out.stream(format!(" ---> Running in {id}\n"));
        self.image = ctx
            .exec
            .commit(&self.image, None, config, &created_by)
            .await?;
        ctx.out
            .stream(format!("Removing intermediate container {id}\n"));
        Ok(())
    }

    /// Runs one instruction (`expand`: false for `--label` steps, which dockerd does not expand).
    pub(crate) async fn dispatch(
        &mut self,
        ctx: &mut BuildContext<'_>,
        instruction: &Instruction,
        expand: bool,
    ) -> Result<(), BuildError> {
        let command =
            Command::parse(instruction, self.escape).map_err(|m| parse_error(instruction, m))?;
        let env = if expand {
            self.expansion_env()
        } else {
            Env::default()
        };
        let escape = self.escape;
        let word = |s: &str| -> Result<String, BuildError> {
            if expand {
                expand_word(s, &env, escape).map_err(BuildError::Invalid)
            } else {
                Ok(s.to_string())
            }
        };
        match command {
            Command::From { .. } => Err(parse_error(instruction, "unexpected FROM".into())),
            Command::Env(pairs) => {
                let mut expanded = Vec::new();
                for (k, v) in &pairs {
                    expanded.push((word(k)?, word(v)?));
                }
                let mut comment = String::from("ENV");
                let list = self.run.env.get_or_insert_with(Vec::new);
                for (key, value) in expanded {
                    let entry = format!("{key}={value}");
                    comment.push(' ');
                    comment.push_str(&entry);
                    match list
                        .iter_mut()
                        .find(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) == key)
                    {
                        Some(existing) => *existing = entry,
                        None => list.push(entry),
                    }
                }
                self.commit_config(ctx, &comment).await
            }
            Command::Label(pairs) => {
                let mut expanded = Vec::new();
                for (k, v) in &pairs {
                    expanded.push((word(k)?, word(v)?));
                }
                let mut comment = String::from("LABEL");
                let labels = self.run.labels.get_or_insert_with(Default::default);
                for (key, value) in expanded {
                    comment.push_str(&format!(" {key}={value}"));
                    labels.insert(key, value);
                }
                self.commit_config(ctx, &comment).await
            }
            Command::Maintainer(name) => {
                self.maintainer = name.clone();
                self.commit_config(ctx, &format!("MAINTAINER {name}")).await
            }
            Command::Arg(pairs) => {
                let mut parts = Vec::new();
                for (key, value) in pairs {
                    let key = word(&key)?;
                    let value = value.map(|v| word(&v)).transpose()?;
                    parts.push(match &value {
                        Some(v) => format!("{key}={v}"),
                        None => key.clone(),
                    });
                    self.args.add_arg(&key, value);
                }
                self.commit_config(ctx, &format!("ARG {}", parts.join(" ")))
                    .await
            }
            Command::Onbuild(expression) => {
                self.run
                    .on_build
                    .get_or_insert_with(Vec::new)
                    .push(expression.clone());
                self.commit_config(ctx, &format!("ONBUILD {expression}"))
                    .await
            }
            Command::User(user) => {
                let user = word(&user)?;
                self.run.user = user.clone();
                self.commit_config(ctx, &format!("USER {user}")).await
            }
            Command::StopSignal(signal) => {
                let signal = word(&signal)?;
                check_signal(&signal)?;
                self.run.stop_signal = Some(signal.clone());
                self.commit_config(ctx, &format!("STOPSIGNAL {signal}"))
                    .await
            }
            Command::Volume(volumes) => {
                let mut expanded = Vec::new();
                for v in &volumes {
                    let v = word(v)?;
                    if v.is_empty() {
                        return Err(BuildError::Invalid(
                            "VOLUME specified can not be an empty string".into(),
                        ));
                    }
                    expanded.push(v);
                }
                let map = self.run.volumes.get_or_insert_with(Default::default);
                for v in &expanded {
                    map.insert(v.clone(), serde_json::json!({}));
                }
                self.commit_config(ctx, &format!("VOLUME {}", go_list(&expanded)))
                    .await
            }
            Command::Expose(ports) => {
                let mut words = Vec::new();
                for p in &ports {
                    if expand {
                        words.extend(
                            expand_words(p, &env, self.escape).map_err(BuildError::Invalid)?,
                        );
                    } else {
                        words.push(p.clone());
                    }
                }
                let mut specs = Vec::new();
                for w in &words {
                    specs.extend(exposed_ports(w)?);
                }
                let map = self.run.exposed_ports.get_or_insert_with(Default::default);
                for spec in specs {
                    map.insert(spec, serde_json::json!({}));
                }
                self.commit_config(ctx, &format!("EXPOSE {}", words.join(" ")))
                    .await
            }
            Command::Shell(shell) => {
                self.run.shell = Some(shell.clone());
                self.commit_config(ctx, &format!("SHELL {}", go_list(&shell)))
                    .await
            }
            Command::Healthcheck(health) => {
                if let Some(old) = self.run.healthcheck.as_ref().and_then(|h| h.test.as_ref()) {
                    if old.first().is_some_and(|t| t != "NONE") {
                        ctx.out.stream(format!(
                            "Note: overriding previous HEALTHCHECK: {}\n",
                            go_list(old)
                        ));
                    }
                }
                let comment = format!("HEALTHCHECK {}", go_healthcheck(&health));
                self.run.healthcheck = Some(health);
                self.commit_config(ctx, &comment).await
            }
            Command::Cmd { cmd, shell_form } => {
                let cmd = self.with_shell(cmd, shell_form);
                self.run.cmd = Some(cmd.clone());
                self.run.args_escaped = None;
                self.commit_config(ctx, &format!("CMD {}", go_quoted_list(&cmd)))
                    .await?;
                if !cmd.is_empty() {
                    self.cmd_set = true;
                }
                Ok(())
            }
            Command::Entrypoint { cmd, shell_form } => {
                let cmd = cmd.map(|c| self.with_shell(c, shell_form));
                self.run.entrypoint = cmd.clone();
                self.run.args_escaped = None;
                if !self.cmd_set {
                    self.run.cmd = None;
                }
                let shown = go_quoted_list(cmd.as_deref().unwrap_or_default());
                self.commit_config(ctx, &format!("ENTRYPOINT {shown}"))
                    .await
            }
            Command::Workdir(path) => {
                let path = word(&path)?;
                self.workdir(ctx, &path).await
            }
            Command::Run {
                cmd,
                shell_form,
                buildkit_flags,
            } => {
                if let Some(flag) = buildkit_flags.first() {
                    return Err(BuildError::Invalid(format!("the --{flag} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled")));
                }
                self.run_step(ctx, cmd, shell_form).await
            }
            Command::Copy(spec) => self.copy(ctx, spec, false, expand.then_some(&env)).await,
            Command::Add(spec) => self.copy(ctx, spec, true, expand.then_some(&env)).await,
        }
    }

    /// Shell form → `SHELL + [command]`.
    fn with_shell(&self, cmd: Vec<String>, shell_form: bool) -> Vec<String> {
        if shell_form && !cmd.is_empty() {
            let mut full = self.shell();
            full.push(cmd.join(" "));
            full
        } else {
            cmd
        }
    }

    async fn workdir(&mut self, ctx: &BuildContext<'_>, path: &str) -> Result<(), BuildError> {
        let dir = normalize_workdir(&self.run.working_dir, path)?;
        self.run.working_dir = dir.clone();
        let shell = self.shell();
        let comment = format!("WORKDIR {dir}");
        let created_by = nop_comment_string(&shell, &comment);
        let mut container = self.run.clone();
        let mut cmd = shell;
        cmd.push(format!("#(nop) {comment}"));
        container.cmd = Some(cmd);
        let config = self.step_config(&created_by, &container, false);
        if self.probe(ctx, &config).await? {
            return Ok(());
        }
        let id = step_container_id(&created_by);
        ctx.out.stream(format!(" ---> Running in {id}\n"));
        // dockerd creates the directory in the step's container when it is missing.
        let mounted = ctx.exec.mount_image(&self.image).await?;
        let root = mounted.root().to_path_buf();
        let resolved = resolve_in_root(&root, &dir)
            .map_err(|e| BuildError::io(format!("resolve WORKDIR {dir}"), e))?;
        let stage = if std::fs::metadata(root.join(&resolved)).is_ok_and(|m| m.is_dir()) {
            None
        } else {
            let stage = LayerStage::create(&ctx.opts.scratch_dir, &root)?;
            stage.ensure_dir(&resolved, (0, 0))?;
            Some(stage)
        };
        let mut config = config;
        if let Some(last) = config.history.last_mut() {
            last.empty_layer = stage.is_none();
        }
        let result = ctx
            .exec
            .commit(
                &self.image,
                stage.as_ref().map(|s| s.dir.as_path()),
                config,
                &created_by,
            )
            .await;
        drop(mounted);
        if let Some(stage) = stage {
            stage.remove();
        }
        self.image = result?;
        ctx.out
            .stream(format!("Removing intermediate container {id}\n"));
        Ok(())
    }

    async fn run_step(
        &mut self,
        ctx: &BuildContext<'_>,
        cmd: Vec<String>,
        shell_form: bool,
    ) -> Result<(), BuildError> {
        let args = self.with_shell(cmd, shell_form);
        let env = self.run.env.clone().unwrap_or_default();
        let build_args = self.args.filter_allowed(&env);
        let mut save_cmd = args.clone();
        if !build_args.is_empty() {
            let mut shown: Vec<String> = build_args
                .iter()
                .filter(|kv| {
                    let key = kv.split_once('=').map_or(kv.as_str(), |(k, _)| k);
                    self.args.is_referenced_or_not_builtin(key)
                })
                .cloned()
                .collect();
            shown.sort();
            save_cmd = vec![format!("|{}", shown.len())];
            save_cmd.extend(shown);
            save_cmd.extend(args.iter().cloned());
        }
        let created_by = save_cmd.join(" ");
        let mut container = self.run.clone();
        container.cmd = Some(save_cmd);
        container.entrypoint = None;
        let config = self.step_config(&created_by, &container, false);
        if self.probe(ctx, &config).await? {
            return Ok(());
        }
        let mut step_env = env;
        step_env.extend(build_args);
        let step = RunStep {
            args,
            env: step_env,
            user: self.run.user.clone(),
            working_dir: self.run.working_dir.clone(),
            created_by,
        };
        self.image = ctx.exec.run(&self.image, &step, config, ctx.out).await?;
        Ok(())
    }

    /// Where a COPY/ADD source root or `--from` image comes from.
    pub(crate) fn created_by_copy(&self, comment: &str) -> (String, ContainerConfig) {
        let shell = self.shell();
        let created_by = nop_comment_string(&shell, comment);
        let mut container = self.run.clone();
        let mut cmd = shell;
        cmd.push(format!("#(nop) {comment}"));
        container.cmd = Some(cmd);
        (created_by, container)
    }

    pub(crate) fn layer_config(
        &self,
        created_by: &str,
        container: &ContainerConfig,
    ) -> ImageConfig {
        self.step_config(created_by, container, false)
    }

    pub(crate) async fn probe_step(
        &mut self,
        ctx: &BuildContext<'_>,
        config: &ImageConfig,
    ) -> Result<bool, BuildError> {
        self.probe(ctx, config).await
    }
}

/// dockerd's COPY destination: relative to WORKDIR, trailing `/` kept.
pub(crate) fn normalize_dest(workdir: &str, dest: &str) -> String {
    if dest.starts_with('/') {
        return dest.to_string();
    }
    let mut joined = dockerignore::clean_path(&format!("/{workdir}/{dest}"));
    if dest.ends_with('/') && !joined.ends_with('/') {
        joined.push('/');
    }
    joined
}

/// dockerd's `endsInSlash`: the destination names a directory.
pub(crate) fn ends_in_slash(path: &str) -> bool {
    path.ends_with('/') || path.ends_with("/.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workdir_and_dest_rules() {
        assert_eq!(normalize_workdir("", "app").unwrap(), "/app");
        assert_eq!(normalize_workdir("/app", "sub/../x").unwrap(), "/app/x");
        assert_eq!(normalize_workdir("/app", "/abs/").unwrap(), "/abs/");
        assert!(normalize_workdir("/app", "").is_err());
        assert_eq!(normalize_dest("/app", "x"), "/app/x");
        assert_eq!(normalize_dest("/app", "x/"), "/app/x/");
        assert_eq!(normalize_dest("", "."), "/");
        assert_eq!(normalize_dest("/w", "/abs"), "/abs");
    }

    #[test]
    fn expose_and_signals() {
        assert_eq!(exposed_ports("80").unwrap(), vec!["80/tcp"]);
        assert_eq!(exposed_ports("53/UDP").unwrap(), vec!["53/udp"]);
        assert_eq!(
            exposed_ports("8000-8002").unwrap(),
            vec!["8000/tcp", "8001/tcp", "8002/tcp"]
        );
        assert_eq!(
            exposed_ports("127.0.0.1:80:8080").unwrap(),
            vec!["8080/tcp"]
        );
        assert!(exposed_ports("80/xyz").is_err());
        assert!(exposed_ports("abc").is_err());
        assert!(check_signal("SIGTERM").is_ok());
        assert!(check_signal("kill").is_ok());
        assert!(check_signal("9").is_ok());
        assert!(check_signal("SIGRTMIN+3").is_ok());
        assert!(check_signal("0").is_err());
        assert!(check_signal("SIGNOPE").is_err());
    }
}
