//! Which stages a build runs: the target (or the last stage) and, transitively, the stages it
//! uses through `FROM <stage>` and `COPY --from=<stage name or index>`, in file order.

use std::collections::BTreeMap;

use crate::commands::Command;
use crate::dockerfile::Dockerfile;
use crate::error::BuildError;
use crate::shell_lex::{expand_word, Env};

/// The stage a reference names: a stage name (case-insensitive) or a numeric index, among the
/// stages before `before`.
pub fn stage_ref(dockerfile: &Dockerfile, reference: &str, before: usize) -> Option<usize> {
    let lower = reference.to_ascii_lowercase();
    if let Some(i) = dockerfile.stages[..before]
        .iter()
        .position(|s| s.name.as_deref() == Some(lower.as_str()))
    {
        return Some(i);
    }
    reference.parse::<usize>().ok().filter(|i| *i < before)
}

/// The stage FROM names, if it names an earlier one by name (dockerd matches names only).
pub fn from_stage(dockerfile: &Dockerfile, base: &str, before: usize) -> Option<usize> {
    let lower = base.to_ascii_lowercase();
    dockerfile.stages[..before]
        .iter()
        .position(|s| s.name.as_deref() == Some(lower.as_str()))
}

/// Indices of the stages to build, in order.
pub fn plan(
    dockerfile: &Dockerfile,
    target: Option<&str>,
    meta: &BTreeMap<String, String>,
) -> Result<Vec<usize>, BuildError> {
    if dockerfile.stages.is_empty() {
        return Err(BuildError::Invalid(
            "No image was generated. Is your Dockerfile empty?".into(),
        ));
    }
    let target_index = match target {
        None | Some("") => dockerfile.stages.len() - 1,
        Some(name) => {
            let lower = name.to_ascii_lowercase();
            dockerfile
                .stages
                .iter()
                .position(|s| s.name.as_deref() == Some(lower.as_str()))
                .ok_or_else(|| {
                    BuildError::Invalid(format!("target stage {name:?} could not be found"))
                })?
        }
    };
    let meta_env = Env::from_list(
        &meta
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>(),
    );
    let mut needed = vec![false; dockerfile.stages.len()];
    let mut pending = vec![target_index];
    while let Some(i) = pending.pop() {
        if needed[i] {
            continue;
        }
        needed[i] = true;
        let stage = &dockerfile.stages[i];
        let base = expand_word(&stage.base, &meta_env, dockerfile.escape).unwrap_or_default();
        if let Some(dep) = from_stage(dockerfile, &base, i) {
            pending.push(dep);
        }
        for instruction in &stage.instructions {
            if let Ok(Command::Copy(spec)) = Command::parse(instruction, dockerfile.escape) {
                if let Some(dep) = spec.from.and_then(|f| stage_ref(dockerfile, &f, i)) {
                    pending.push(dep);
                }
            }
        }
    }
    Ok((0..dockerfile.stages.len())
        .filter(|i| needed[*i])
        .collect())
}
