//! `berth update [--memory --cpus --cpu-shares --pids-limit --restart ...] CONTAINER...`.

use client::UpdateConfig;

use crate::args::UpdateArgs;
use crate::commands::each::for_each_name;
use crate::units::{parse_memory_swap, parse_nano_cpus, parse_ram_bytes};
use crate::{CliError, Ctx};

pub async fn run(ctx: &Ctx, args: UpdateArgs) -> Result<i32, CliError> {
    let update = update_config(&args)?;
    let update = &update;
    let failed = for_each_name(&args.containers, |name| async move {
        let answer = ctx.client.update_container(&name, update).await?;
        for warning in answer.warnings.unwrap_or_default() {
            eprintln!("{warning}");
        }
        Ok(Some(name))
    })
    .await;
    Ok(if failed.is_empty() { 0 } else { 1 })
}

/// The update body; docker refuses a call that changes nothing.
pub fn update_config(args: &UpdateArgs) -> Result<UpdateConfig, CliError> {
    let flag = |value: &str, flag: &str, e: String| CliError::Exit {
        code: 125,
        message: format!("invalid argument \"{value}\" for \"{flag}\" flag: {e}"),
    };
    let memory = args
        .memory
        .as_deref()
        .map(|v| parse_ram_bytes(v).map_err(|e| flag(v, "-m, --memory", e)))
        .transpose()?;
    let memory_swap = args
        .memory_swap
        .as_deref()
        .map(|v| parse_memory_swap(v).map_err(|e| flag(v, "--memory-swap", e)))
        .transpose()?;
    let memory_reservation = args
        .memory_reservation
        .as_deref()
        .map(|v| parse_ram_bytes(v).map_err(|e| flag(v, "--memory-reservation", e)))
        .transpose()?;
    let nano_cpus = args
        .cpus
        .as_deref()
        .map(|v| parse_nano_cpus(v).map_err(|e| flag(v, "--cpus", e)))
        .transpose()?;
    let restart_policy = args
        .restart
        .as_deref()
        .map(|v| parse_restart_policy(v).map_err(|e| flag(v, "--restart", e)))
        .transpose()?;
    let update = UpdateConfig {
        memory,
        memory_swap,
        memory_reservation,
        nano_cpus,
        cpu_shares: args.cpu_shares,
        cpu_period: args.cpu_period,
        cpu_quota: args.cpu_quota,
        cpuset_cpus: args.cpuset_cpus.clone(),
        pids_limit: args.pids_limit,
        restart_policy,
    };
    if update == UpdateConfig::default() {
        return Err(CliError::message(
            "you must provide one or more flags when using this command",
        ));
    }
    Ok(update)
}

/// `no`, `always`, `unless-stopped`, `on-failure[:N]`.
pub fn parse_restart_policy(value: &str) -> Result<api::RestartPolicy, String> {
    let (name, count) = match value.split_once(':') {
        Some((name, count)) => (name, Some(count)),
        None => (value, None),
    };
    let maximum_retry_count = match (name, count) {
        ("on-failure", Some(n)) => n.parse::<i64>().map_err(|_| {
            format!("invalid restart policy format: maximum retry count must be an integer: {n}")
        })?,
        (_, Some(_)) => return Err(
            "invalid restart policy format: maximum retry count can only be used with 'on-failure'"
                .to_string(),
        ),
        _ => 0,
    };
    match name {
        "no" | "always" | "unless-stopped" | "on-failure" => Ok(api::RestartPolicy {
            name: name.to_string(),
            maximum_retry_count,
        }),
        "" => Ok(api::RestartPolicy::default()),
        other => Err(format!("invalid restart policy: unknown policy '{other}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_policies() {
        assert_eq!(
            parse_restart_policy("on-failure:3")
                .unwrap()
                .maximum_retry_count,
            3
        );
        assert_eq!(parse_restart_policy("always").unwrap().name, "always");
        assert!(parse_restart_policy("always:2").is_err());
        assert!(parse_restart_policy("sometimes").is_err());
    }
}
