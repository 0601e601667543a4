//! Runs a parsed Dockerfile through an [`Executor`] the way dockerd's legacy builder does: step
//! lines, global ARGs, one stage after another (only those the target needs), the cache probe
//! before every step, `--label`s as extra LABEL steps at the end, the unused build-arg warning,
//! "Successfully built/tagged".

use std::collections::BTreeMap;
use std::path::PathBuf;

use dockerignore::DockerIgnore;

use crate::build_args::BuildArgs;
use crate::commands::Command;
use crate::dockerfile::{parse_dockerfile, Dockerfile, Instruction};
use crate::error::BuildError;
use crate::executor::{BuildOutput, Executor, ImageState};
use crate::shell_lex::{expand_word, Env};
use crate::stage_plan;
use crate::stage_run::StageRun;

/// What `POST /build` asks for.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// The Dockerfile text.
    pub dockerfile: String,
    /// The unpacked build context.
    pub context_dir: PathBuf,
    /// A temp dir for staging COPY layers (same filesystem as the data root).
    pub scratch_dir: PathBuf,
    pub tags: Vec<String>,
    /// `--build-arg`: only declared ARGs take effect.
    pub build_args: BTreeMap<String, String>,
    /// `--label`: added to the final image's config.
    pub labels: BTreeMap<String, String>,
    pub target: Option<String>,
    pub no_cache: bool,
    pub pull: bool,
}

/// The result of a successful build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildOutcome {
    /// `sha256:…`
    pub image_id: String,
}

/// dockerd's `stringid.TruncateID`: 12 hex digits without the algorithm.
pub(crate) fn short_id(id: Option<&str>) -> String {
    let id = id.unwrap_or_default();
    let hex = id.split_once(':').map_or(id, |(_, h)| h);
    hex.chars().take(12).collect()
}

/// What every stage shares.
pub(crate) struct BuildContext<'a> {
    pub opts: &'a BuildOptions,
    pub exec: &'a dyn Executor,
    pub out: &'a BuildOutput,
    pub dockerfile: &'a Dockerfile,
    pub ignore: DockerIgnore,
    /// The next step number and the total.
    pub step: usize,
    pub total: usize,
    /// Finished stages by index.
    pub results: Vec<Option<ImageState>>,
}

impl BuildContext<'_> {
    pub(crate) fn print_step(&mut self, text: &str) {
        self.out.stream(format!(
            "Step {}/{} : {}",
            self.step,
            self.total,
            text.trim()
        ));
        self.out.stream("\n");
        self.step += 1;
    }
}

fn read_ignore(context_dir: &std::path::Path) -> Result<DockerIgnore, BuildError> {
    let path = context_dir.join(".dockerignore");
    let text = match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {
            std::fs::read_to_string(&path).map_err(|e| BuildError::io("read .dockerignore", e))?
        }
        _ => String::new(),
    };
    let ignore = DockerIgnore::parse(&text);
    if let Some(message) = ignore.invalid_pattern() {
        return Err(BuildError::Invalid(format!(
            "failed to parse .dockerignore: {message}"
        )));
    }
    Ok(ignore)
}

/// Global ARGs: expanded with the ones before them, added as both stage-visible and meta.
fn process_meta_args(
    meta_args: &[Instruction],
    args: &mut BuildArgs,
    escape: char,
) -> Result<(), BuildError> {
    for instruction in meta_args {
        let Ok(Command::Arg(pairs)) = Command::parse(instruction, escape) else {
            continue;
        };
        let env_list: Vec<String> = args
            .all_allowed()
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let env = Env::from_list(&env_list);
        for (key, value) in pairs {
            let key = expand_word(&key, &env, escape).map_err(BuildError::Invalid)?;
            let value = value
                .map(|v| expand_word(&v, &env, escape))
                .transpose()
                .map_err(BuildError::Invalid)?;
            args.add_arg(&key, value.clone());
            args.add_meta_arg(&key, value);
        }
    }
    Ok(())
}

/// `--label k=v` becomes a `LABEL k=v` step (not expanded) at the end of the last stage.
fn label_instructions(labels: &BTreeMap<String, String>) -> Vec<Instruction> {
    labels
        .iter()
        .map(|(k, v)| Instruction {
            line: 0,
            keyword: "LABEL".into(),
            flags: Vec::new(),
            args: vec![k.clone(), v.clone(), "=".into()],
            json: false,
            original: format!("LABEL {k}={v}"),
        })
        .collect()
}

/// Runs the Dockerfile and writes dockerd's legacy progress text to `out`.
pub async fn build(
    opts: BuildOptions,
    exec: &dyn Executor,
    out: &BuildOutput,
) -> Result<BuildOutcome, BuildError> {
    let dockerfile = parse_dockerfile(&opts.dockerfile)?;
    let ignore = read_ignore(&opts.context_dir)?;
    let escape = dockerfile.escape;

    // The plan needs the global ARG values (FROM lines may name stages through them).
    let mut preview = BuildArgs::new(opts.build_args.clone());
    process_meta_args(&dockerfile.meta_args, &mut preview, escape)?;
    let plan = stage_plan::plan(&dockerfile, opts.target.as_deref(), &preview.all_meta())?;
    let labels = label_instructions(&opts.labels);
    let total = dockerfile.meta_args.len()
        + plan
            .iter()
            .map(|i| 1 + dockerfile.stages[*i].instructions.len())
            .sum::<usize>()
        + labels.len();

    for warning in &dockerfile.warnings {
        out.stream(format!("[WARNING]: {warning}\n"));
    }
    if !dockerfile.warnings.is_empty() {
        out.stream("[WARNING]: Empty continuation lines will become errors in a future release.\n");
    }

    let mut ctx = BuildContext {
        opts: &opts,
        exec,
        out,
        dockerfile: &dockerfile,
        ignore,
        step: 1,
        total,
        results: vec![None; dockerfile.stages.len()],
    };
    let mut args = BuildArgs::new(opts.build_args.clone());
    for (i, instruction) in dockerfile.meta_args.iter().enumerate() {
        ctx.print_step(&instruction.original);
        process_meta_args(&dockerfile.meta_args[i..=i], &mut args, escape)?;
    }

    let mut last: Option<ImageState> = None;
    for (position, &index) in plan.iter().enumerate() {
        let extra = if position + 1 == plan.len() {
            labels.as_slice()
        } else {
            &[]
        };
        let mut stage = StageRun::begin(&mut ctx, index, args.for_stage()).await?;
        for instruction in &dockerfile.stages[index].instructions {
            ctx.print_step(&instruction.original);
            stage.dispatch(&mut ctx, instruction, true).await?;
            ctx.out
                .stream(format!(" ---> {}\n", short_id(stage.image.id.as_deref())));
        }
        for instruction in extra {
            ctx.print_step(&instruction.original);
            stage.dispatch(&mut ctx, instruction, false).await?;
            ctx.out
                .stream(format!(" ---> {}\n", short_id(stage.image.id.as_deref())));
        }
        if let Some(id) = &stage.image.id {
            ctx.out.aux_id(id);
        }
        args.merge_referenced(&stage.args);
        ctx.results[index] = Some(stage.image.clone());
        last = Some(stage.image);
    }

    if let Some(warning) = args.unused_warning() {
        out.stream(warning);
    }
    let Some(image_id) = last.and_then(|image| image.id) else {
        return Err(BuildError::Invalid(
            "No image was generated. Is your Dockerfile empty?".into(),
        ));
    };
    out.stream(format!(
        "Successfully built {}\n",
        short_id(Some(&image_id))
    ));
    for tag in &opts.tags {
        exec.tag(&image_id, tag).await?;
        let shown = image::Reference::parse(tag)
            .map(|r| r.with_default_tag().familiar())
            .unwrap_or_else(|_| tag.clone());
        out.stream(format!("Successfully tagged {shown}\n"));
    }
    Ok(BuildOutcome { image_id })
}
