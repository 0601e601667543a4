//! OCI `linux.seccomp` → BPF.
//!
//! seccompiler builds filters with one action on match and one on mismatch, while a profile
//! gives every syscall its own action. The kernel runs every installed filter and keeps the
//! most severe verdict (kill > trap > errno > trace > log > allow), so a profile becomes:
//! one filter answering "allow" for every syscall a rule names (with the rule's argument
//! conditions) and the default action for everything else, plus one filter per other action
//! answering that action for its syscalls and "allow" otherwise.

use std::collections::BTreeMap;

use oci_spec::runtime::{Arch, LinuxSeccomp, LinuxSeccompAction, LinuxSeccompOperator};
use seccompiler::{
    SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter, SeccompRule,
    TargetArch,
};

use super::{syscall_table, SeccompError, SeccompProgram};

/// EPERM: libseccomp's errno when a profile gives none.
const DEFAULT_ERRNO: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Condition {
    index: u8,
    op: Op,
    value: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    MaskedEq(u64),
}

/// The rules of one syscall under one action: None matches unconditionally, otherwise any of
/// the condition lists (each ANDed) matches.
type Rules = Option<Vec<Vec<Condition>>>;

fn merge(into: &mut Rules, conditions: Vec<Condition>) {
    match into {
        None => {}
        Some(list) if conditions.is_empty() => {
            list.clear();
            *into = None;
        }
        Some(list) => list.push(conditions),
    }
}

fn action(action: LinuxSeccompAction, errno: Option<u32>) -> Result<SeccompAction, SeccompError> {
    use LinuxSeccompAction as A;
    Ok(match action {
        A::ScmpActAllow => SeccompAction::Allow,
        A::ScmpActErrno => SeccompAction::Errno(errno.unwrap_or(DEFAULT_ERRNO)),
        A::ScmpActKill | A::ScmpActKillThread => SeccompAction::KillThread,
        A::ScmpActKillProcess => SeccompAction::KillProcess,
        A::ScmpActTrap => SeccompAction::Trap,
        A::ScmpActTrace => SeccompAction::Trace(errno.unwrap_or(0)),
        A::ScmpActLog => SeccompAction::Log,
        A::ScmpActNotify => return Err(SeccompError::Unsupported("SCMP_ACT_NOTIFY".into())),
    })
}

fn condition(arg: &oci_spec::runtime::LinuxSeccompArg) -> Result<Condition, SeccompError> {
    use LinuxSeccompOperator as O;
    let index = u8::try_from(arg.index())
        .ok()
        .filter(|i| *i < 6)
        .ok_or_else(|| SeccompError::Invalid(format!("argument index {}", arg.index())))?;
    // libseccomp's masked equality: `value` is the mask, `valueTwo` the expected bits.
    let (op, value) = match arg.op() {
        O::ScmpCmpNe => (Op::Ne, arg.value()),
        O::ScmpCmpLt => (Op::Lt, arg.value()),
        O::ScmpCmpLe => (Op::Le, arg.value()),
        O::ScmpCmpEq => (Op::Eq, arg.value()),
        O::ScmpCmpGe => (Op::Ge, arg.value()),
        O::ScmpCmpGt => (Op::Gt, arg.value()),
        O::ScmpCmpMaskedEq => (Op::MaskedEq(arg.value()), arg.value_two().unwrap_or(0)),
    };
    Ok(Condition { index, op, value })
}

fn to_rule(conditions: &[Condition]) -> Result<SeccompRule, SeccompError> {
    let conditions = conditions
        .iter()
        .map(|c| {
            let op = match c.op {
                Op::Ne => SeccompCmpOp::Ne,
                Op::Lt => SeccompCmpOp::Lt,
                Op::Le => SeccompCmpOp::Le,
                Op::Eq => SeccompCmpOp::Eq,
                Op::Ge => SeccompCmpOp::Ge,
                Op::Gt => SeccompCmpOp::Gt,
                Op::MaskedEq(mask) => SeccompCmpOp::MaskedEq(mask),
            };
            SeccompCondition::new(c.index, SeccompCmpArgLen::Qword, op, c.value)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SeccompRule::new(conditions)?)
}

fn to_rules(rules: &BTreeMap<i64, Rules>) -> Result<BTreeMap<i64, Vec<SeccompRule>>, SeccompError> {
    rules
        .iter()
        .map(|(nr, r)| {
            let list = match r {
                // seccompiler: an empty rule list matches the syscall unconditionally.
                None => Vec::new(),
                Some(lists) => lists.iter().map(|c| to_rule(c)).collect::<Result<_, _>>()?,
            };
            Ok((*nr, list))
        })
        .collect()
}

fn native_arch() -> Result<(TargetArch, Arch), SeccompError> {
    if cfg!(target_arch = "x86_64") && syscall_table::supported() {
        Ok((TargetArch::x86_64, Arch::ScmpArchX86_64))
    } else {
        Err(SeccompError::Unsupported(format!(
            "seccomp on {}",
            std::env::consts::ARCH
        )))
    }
}

fn build(
    rules: &BTreeMap<i64, Rules>,
    mismatch: SeccompAction,
    matched: SeccompAction,
    arch: TargetArch,
) -> Result<seccompiler::BpfProgram, SeccompError> {
    let filter = SeccompFilter::new(to_rules(rules)?, mismatch, matched, arch)?;
    Ok(seccompiler::BpfProgram::try_from(filter)?)
}

/// Compiles `profile` for this architecture. Syscall names this architecture lacks are
/// skipped; anything else that cannot be expressed is an error (the container must not run).
pub fn compile(profile: &LinuxSeccomp) -> Result<SeccompProgram, SeccompError> {
    let (target, native) = native_arch()?;
    if profile.listener_path().is_some() {
        return Err(SeccompError::Unsupported(
            "a seccomp notify listener".into(),
        ));
    }
    if let Some(arches) = profile.architectures() {
        if !arches.is_empty()
            && !arches.contains(&native)
            && !arches.contains(&Arch::ScmpArchNative)
        {
            return Err(SeccompError::Invalid(format!(
                "the profile does not cover this architecture ({native})"
            )));
        }
    }
    let default = action(profile.default_action(), profile.default_errno_ret())?;

    // Per action (other than the default), the syscalls it applies to.
    let mut groups: Vec<(SeccompAction, BTreeMap<i64, Rules>)> = Vec::new();
    for syscall in profile.syscalls().iter().flatten() {
        let act = action(syscall.action(), syscall.errno_ret())?;
        if act == default {
            continue;
        }
        let conditions = syscall
            .args()
            .iter()
            .flatten()
            .map(condition)
            .collect::<Result<Vec<_>, _>>()?;
        let pos = match groups.iter().position(|(a, _)| *a == act) {
            Some(p) => p,
            None => {
                groups.push((act, BTreeMap::new()));
                groups.len() - 1
            }
        };
        for name in syscall.names() {
            let Some(nr) = syscall_table::syscall_number(name) else {
                continue;
            };
            let rules = groups[pos].1.entry(nr).or_insert_with(|| Some(Vec::new()));
            merge(rules, conditions.clone());
        }
    }

    let mut filters = Vec::new();
    if default != SeccompAction::Allow {
        let mut named: BTreeMap<i64, Rules> = BTreeMap::new();
        for (_, rules) in &groups {
            for (nr, r) in rules {
                let entry = named.entry(*nr).or_insert_with(|| Some(Vec::new()));
                match r {
                    None => merge(entry, Vec::new()),
                    Some(lists) => {
                        for conditions in lists {
                            merge(entry, conditions.clone());
                        }
                    }
                }
            }
        }
        filters.push(build(
            &named,
            default.clone(),
            SeccompAction::Allow,
            target,
        )?);
    }
    for (act, rules) in &groups {
        if *act == SeccompAction::Allow || rules.is_empty() {
            continue;
        }
        filters.push(build(rules, SeccompAction::Allow, act.clone(), target)?);
    }
    Ok(SeccompProgram { filters })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(v: serde_json::Value) -> LinuxSeccomp {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn allowlist_with_one_errno_rule_gives_two_filters() {
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ERRNO",
            "architectures": ["SCMP_ARCH_X86_64"],
            "syscalls": [
                {"names": ["read", "write", "no_such_call"], "action": "SCMP_ACT_ALLOW"},
                {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
                {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                 "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}]},
                {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
            ]
        }));
        assert_eq!(compile(&p).unwrap().filter_count(), 2);
    }

    #[test]
    fn a_denylist_needs_no_default_filter() {
        let p = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]
        }));
        assert_eq!(compile(&p).unwrap().filter_count(), 1);
    }

    #[test]
    fn inexpressible_profiles_fail() {
        let notify = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]
        }));
        assert!(matches!(
            compile(&notify),
            Err(SeccompError::Unsupported(_))
        ));
        let bad_index = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ERRNO",
            "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",
                          "args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQ"}]}]
        }));
        assert!(matches!(compile(&bad_index), Err(SeccompError::Invalid(_))));
        let other_arch = profile(serde_json::json!({
            "defaultAction": "SCMP_ACT_ERRNO",
            "architectures": ["SCMP_ARCH_S390X"],
            "syscalls": []
        }));
        assert!(compile(&other_arch).is_err());
    }
}
