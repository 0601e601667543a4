//! `HostConfig.RestartPolicy`: validation with dockerd's messages, and the decision taken when a
//! container exits (moby `restartmanager`): which policy restarts, and after what backoff.

use std::time::Duration;

use api::{HostConfig, RestartPolicy};

use crate::error::{EngineError, Result};

/// First delay before a policy restart; doubled for each consecutive one.
const FIRST_DELAY: Duration = Duration::from_millis(100);
/// The delay never grows past this.
const MAX_DELAY: Duration = Duration::from_secs(60);
/// A container that ran at least this long starts the backoff over.
const RESET_AFTER: Duration = Duration::from_secs(10);

/// Whether the policy ever restarts (`no` and the pre-25 empty name do not).
pub fn is_none(policy: &RestartPolicy) -> bool {
    policy.name.is_empty() || policy.name == "no"
}

/// dockerd's `validateRestartPolicy`.
pub fn validate(policy: &RestartPolicy) -> Result<()> {
    match policy.name.as_str() {
        "always" | "unless-stopped" | "no" => {
            if policy.maximum_retry_count != 0 {
                let mut msg = "invalid restart policy: maximum retry count can only be used with 'on-failure'".to_string();
                if policy.maximum_retry_count < 0 {
                    msg.push_str(" and cannot be negative");
                }
                return Err(EngineError::InvalidArgument(msg));
            }
            Ok(())
        }
        "on-failure" => {
            if policy.maximum_retry_count < 0 {
                return Err(EngineError::InvalidArgument(
                    "invalid restart policy: maximum retry count cannot be negative".into(),
                ));
            }
            Ok(())
        }
        "" => Ok(()),
        other => Err(EngineError::InvalidArgument(format!(
            "invalid restart policy: unknown policy '{other}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"
        ))),
    }
}

/// The create-time checks of a host config's policy (dockerd refuses AutoRemove with one).
pub fn validate_host_config(hc: &HostConfig) -> Result<()> {
    validate(&hc.restart_policy)?;
    if hc.auto_remove && !is_none(&hc.restart_policy) {
        return Err(EngineError::InvalidArgument(
            "can't create 'AutoRemove' container with restart policy".into(),
        ));
    }
    Ok(())
}

/// The in-memory restart manager of one container: reset by a user's start, kept across the
/// policy's own restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartManager {
    /// The delay of the last policy restart (zero: none yet).
    delay: Duration,
    /// Policy restarts since the last user start (on-failure's limit counts these).
    count: i64,
    /// `stop`/`kill` asked for the next exit to be final.
    canceled: bool,
}

impl RestartManager {
    /// The next exit is final (`docker stop`, `docker kill` with the stop signal or SIGKILL).
    pub fn cancel(&mut self) {
        self.canceled = true;
    }

    /// dockerd's `ShouldRestart`: `Some(delay)` when the policy restarts the container after
    /// an exit with `exit_code` after running for `ran_for`.
    pub fn should_restart(
        &mut self,
        policy: &RestartPolicy,
        exit_code: i64,
        manually_stopped: bool,
        ran_for: Duration,
    ) -> Option<Duration> {
        if is_none(policy) || self.canceled {
            return None;
        }
        if ran_for >= RESET_AFTER {
            self.delay = Duration::ZERO;
        }
        self.delay = if self.delay.is_zero() {
            FIRST_DELAY
        } else {
            (self.delay * 2).min(MAX_DELAY)
        };
        let restart = match policy.name.as_str() {
            "always" => true,
            "unless-stopped" => !manually_stopped,
            "on-failure" => {
                let max = policy.maximum_retry_count;
                (max == 0 || self.count < max) && exit_code != 0
            }
            _ => false,
        };
        if !restart {
            return None;
        }
        self.count += 1;
        Some(self.delay)
    }
}

/// dockerd's restore rule (`ShouldRestart` on a fresh manager): whether a container that is
/// not running when the daemon starts is started again.
pub fn restart_on_daemon_start(
    policy: &RestartPolicy,
    exit_code: i64,
    manually_stopped: bool,
) -> bool {
    RestartManager::default()
        .should_restart(policy, exit_code, manually_stopped, Duration::ZERO)
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(name: &str, max: i64) -> RestartPolicy {
        RestartPolicy {
            name: name.into(),
            maximum_retry_count: max,
        }
    }

    #[test]
    fn validation_messages() {
        assert!(validate(&policy("always", 0)).is_ok());
        assert!(validate(&policy("", 5)).is_ok());
        assert!(validate(&policy("on-failure", 3)).is_ok());
        assert_eq!(
            validate(&policy("always", 2)).unwrap_err().to_string(),
            "invalid restart policy: maximum retry count can only be used with 'on-failure'"
        );
        assert_eq!(
            validate(&policy("on-failure", -1)).unwrap_err().to_string(),
            "invalid restart policy: maximum retry count cannot be negative"
        );
        assert_eq!(
            validate(&policy("sometimes", 0)).unwrap_err().to_string(),
            "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"
        );
        let hc = HostConfig {
            auto_remove: true,
            restart_policy: policy("always", 0),
            ..Default::default()
        };
        assert_eq!(
            validate_host_config(&hc).unwrap_err().to_string(),
            "can't create 'AutoRemove' container with restart policy"
        );
    }

    #[test]
    fn on_failure_counts_and_ignores_success() {
        let mut rm = RestartManager::default();
        let p = policy("on-failure", 2);
        assert_eq!(rm.should_restart(&p, 0, false, Duration::ZERO), None);
        assert!(rm.should_restart(&p, 3, false, Duration::ZERO).is_some());
        assert!(rm.should_restart(&p, 3, false, Duration::ZERO).is_some());
        assert_eq!(rm.should_restart(&p, 3, false, Duration::ZERO), None);
        let mut unlimited = RestartManager::default();
        for _ in 0..20 {
            assert!(unlimited
                .should_restart(&policy("on-failure", 0), 1, false, Duration::ZERO)
                .is_some());
        }
    }

    #[test]
    fn backoff_doubles_caps_and_resets() {
        let mut rm = RestartManager::default();
        let p = policy("always", 0);
        let delays: Vec<_> = (0..12)
            .map(|_| rm.should_restart(&p, 0, false, Duration::ZERO).unwrap())
            .collect();
        assert_eq!(delays[0], Duration::from_millis(100));
        assert_eq!(delays[1], Duration::from_millis(200));
        assert_eq!(delays[2], Duration::from_millis(400));
        assert_eq!(delays[11], MAX_DELAY);
        assert_eq!(
            rm.should_restart(&p, 0, false, Duration::from_secs(10)),
            Some(FIRST_DELAY)
        );
    }

    #[test]
    fn manual_stop_and_cancel() {
        let mut rm = RestartManager::default();
        assert_eq!(
            rm.should_restart(&policy("unless-stopped", 0), 0, true, Duration::ZERO),
            None
        );
        assert!(rm
            .should_restart(&policy("always", 0), 0, true, Duration::ZERO)
            .is_some());
        rm.cancel();
        assert_eq!(
            rm.should_restart(&policy("always", 0), 0, false, Duration::ZERO),
            None
        );
        assert!(!restart_on_daemon_start(&policy("no", 0), 1, false));
        assert!(restart_on_daemon_start(&policy("always", 0), 0, true));
        assert!(!restart_on_daemon_start(
            &policy("unless-stopped", 0),
            0,
            true
        ));
        assert!(restart_on_daemon_start(
            &policy("unless-stopped", 0),
            0,
            false
        ));
        assert!(restart_on_daemon_start(
            &policy("on-failure", 0),
            137,
            false
        ));
        assert!(!restart_on_daemon_start(&policy("on-failure", 0), 0, false));
    }
}
