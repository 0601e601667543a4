//! Healthchecks (moby `daemon/health.go`): `Config.Healthcheck` merged from the image, a monitor
//! task per running container that runs the test as an exec every interval, and
//! `State.Health` (status, failing streak, last five probes) with `health_status` events.

use std::sync::Arc;
use std::time::{Duration, Instant};

use api::{Config, ExecCreateBody, ExecStartBody, Health, HealthConfig, HealthcheckResult};
use tokio::io::AsyncReadExt;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::exec::ExecStarted;
use crate::handle::{ContainerHandle, Entry};
use crate::human::{now_rfc3339, parse_time};

const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_START_INTERVAL: Duration = Duration::from_secs(5);
const DEFAULT_RETRIES: i64 = 3;
/// Probes kept in `State.Health.Log`.
const MAX_LOG_ENTRIES: usize = 5;
/// Output kept per probe (dockerd's `maxOutputLen`).
const MAX_OUTPUT_LEN: usize = 4096;
/// How long a killed probe's stream may take to end.
const KILLED_PROBE_DRAIN: Duration = Duration::from_secs(2);

pub const STARTING: &str = "starting";
pub const HEALTHY: &str = "healthy";
pub const UNHEALTHY: &str = "unhealthy";

/// The container's healthcheck as typed settings (`None` when there is none).
pub fn health_config(config: &Config) -> Option<HealthConfig> {
    let value = config.healthcheck.as_ref()?;
    serde_json::from_value(value.clone()).ok()
}

/// The command a probe runs, `None` for no probe (`NONE`, empty or unknown test).
pub fn probe_command(config: &Config) -> Option<Vec<String>> {
    let hc = health_config(config)?;
    let test = hc.test?;
    let (kind, rest) = test.split_first()?;
    match kind.as_str() {
        "CMD" if !rest.is_empty() => Some(rest.to_vec()),
        "CMD-SHELL" => {
            let mut cmd = config
                .shell
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| vec!["/bin/sh".into(), "-c".into()]);
            cmd.push(rest.join(" "));
            Some(cmd)
        }
        _ => None,
    }
}

/// dockerd's create-time checks of `Config.Healthcheck`.
pub fn validate(config: &Config) -> Result<()> {
    let Some(value) = config.healthcheck.as_ref() else {
        return Ok(());
    };
    let hc: HealthConfig = serde_json::from_value(value.clone())
        .map_err(|e| EngineError::InvalidArgument(format!("invalid Healthcheck: {e}")))?;
    const MIN: i64 = 1_000_000; // 1ms, dockerd's MinimumDuration
    for (name, v) in [
        ("Interval", hc.interval),
        ("Timeout", hc.timeout),
        ("StartPeriod", hc.start_period),
        ("StartInterval", hc.start_interval),
    ] {
        if v != 0 && v < MIN {
            return Err(EngineError::InvalidArgument(format!(
                "{name} in Healthcheck cannot be less than 1ms"
            )));
        }
    }
    if hc.retries < 0 {
        return Err(EngineError::InvalidArgument(
            "Retries in Healthcheck cannot be negative".into(),
        ));
    }
    Ok(())
}

/// moby's merge: no request healthcheck takes the image's; otherwise each unset field
/// (empty test, zero durations and retries) comes from the image.
pub fn merge_healthcheck(user: &mut Config, image: Option<&image::Healthcheck>) {
    let Some(image) = image else {
        return;
    };
    let image_hc = HealthConfig {
        test: image.test.clone(),
        interval: image.interval.unwrap_or(0),
        timeout: image.timeout.unwrap_or(0),
        start_period: image.start_period.unwrap_or(0),
        start_interval: image.start_interval.unwrap_or(0),
        retries: image.retries.unwrap_or(0),
    };
    let merged = match user.healthcheck.as_ref() {
        None => image_hc,
        Some(v) => {
            let Ok(mut hc) = serde_json::from_value::<HealthConfig>(v.clone()) else {
                return;
            };
            if hc.test.as_ref().map(Vec::is_empty).unwrap_or(true) {
                hc.test = image_hc.test;
            }
            for (mine, theirs) in [
                (&mut hc.interval, image_hc.interval),
                (&mut hc.timeout, image_hc.timeout),
                (&mut hc.start_period, image_hc.start_period),
                (&mut hc.start_interval, image_hc.start_interval),
                (&mut hc.retries, image_hc.retries),
            ] {
                if *mine == 0 {
                    *mine = theirs;
                }
            }
            hc
        }
    };
    user.healthcheck = serde_json::to_value(merged).ok();
}

/// Go's `time.Duration.String()` (`200ms`, `1.5s`, `1m30s`), as dockerd's timeout message.
pub fn go_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    let trim = |whole: u128, frac: u128, digits: usize| -> String {
        let f = format!("{frac:0digits$}");
        let f = f.trim_end_matches('0');
        if f.is_empty() {
            whole.to_string()
        } else {
            format!("{whole}.{f}")
        }
    };
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return format!("{}µs", trim(ns / 1_000, ns % 1_000, 3));
    }
    if ns < 1_000_000_000 {
        return format!("{}ms", trim(ns / 1_000_000, ns % 1_000_000, 6));
    }
    let secs = ns / 1_000_000_000;
    let sec_frac = ns % 1_000_000_000;
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let s_text = format!("{}s", trim(s, sec_frac, 9));
    if h > 0 {
        format!("{h}h{m}m{s_text}")
    } else if m > 0 {
        format!("{m}m{s_text}")
    } else {
        s_text
    }
}

fn nanos_or(v: i64, default: Duration) -> Duration {
    if v > 0 {
        Duration::from_nanos(v as u64)
    } else {
        default
    }
}

/// The `(…)` part of `ps`'s `Up …` status.
pub fn status_suffix(health: &Health) -> String {
    if health.status == STARTING {
        "health: starting".into()
    } else {
        health.status.clone()
    }
}

/// Records one probe's result (moby `handleProbeResult`); returns the new status when it changed.
fn apply_result(
    health: &mut Health,
    result: HealthcheckResult,
    retries: i64,
    start_period: Duration,
    started_at: &str,
) -> Option<String> {
    let old = health.status.clone();
    let in_start_period = match (parse_time(&result.start), parse_time(started_at)) {
        (Some(probe), Some(started)) => (probe - started)
            .to_std()
            .map(|since| since < start_period)
            .unwrap_or(true),
        _ => false,
    };
    let healthy = result.exit_code == 0;
    health.log.push(result);
    if health.log.len() > MAX_LOG_ENTRIES {
        let extra = health.log.len() - MAX_LOG_ENTRIES;
        health.log.drain(..extra);
    }
    if healthy {
        health.failing_streak = 0;
        health.status = HEALTHY.into();
    } else if !(health.status == STARTING && in_start_period) {
        // Failures while starting inside the start period do not count.
        health.failing_streak += 1;
        if health.failing_streak >= retries {
            health.status = UNHEALTHY.into();
        }
    }
    (health.status != old).then(|| health.status.clone())
}

/// Keeps the first `MAX_OUTPUT_LEN` bytes of a probe's output (`...` marks a cut, as dockerd).
#[derive(Default)]
struct LimitedOutput {
    bytes: Vec<u8>,
    truncated: bool,
}

impl LimitedOutput {
    fn push(&mut self, data: &[u8]) {
        let room = MAX_OUTPUT_LEN.saturating_sub(self.bytes.len());
        if data.len() > room {
            self.truncated = true;
        }
        self.bytes.extend_from_slice(&data[..data.len().min(room)]);
    }

    fn text(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.bytes).into_owned();
        if self.truncated {
            s.push_str("...");
        }
        s
    }
}

/// Reads a probe's stdcopy stream to its end into `out`.
async fn read_probe_output(io: &mut (impl tokio::io::AsyncRead + Unpin), out: &mut LimitedOutput) {
    let mut demux = api::stdcopy::Demuxer::new();
    let mut buf = vec![0u8; 8192];
    loop {
        match io.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                demux.push(&buf[..n]);
                while let Ok(Some(frame)) = demux.next_frame() {
                    out.push(&frame.payload);
                }
            }
        }
    }
}

impl Engine {
    /// At every start: `State.Health` goes back to `starting` (its log kept, as dockerd) and a
    /// new monitor runs while this run of the container lasts. Called under the container's lock.
    pub(crate) fn init_health_monitor(&self, h: &Arc<ContainerHandle>, entry: &mut Entry) {
        if probe_command(&entry.record.config).is_none() {
            Self::close_health_monitor(entry);
            return;
        }
        let health = entry
            .record
            .state
            .health
            .get_or_insert_with(Health::default);
        health.status = STARTING.into();
        health.failing_streak = 0;
        self.open_health_monitor(h, entry);
    }

    /// Starts probing (start, unpause), the status left as it is. Called under the lock.
    pub(crate) fn open_health_monitor(&self, h: &Arc<ContainerHandle>, entry: &mut Entry) {
        entry.health_generation += 1;
        let Some(hc) = health_config(&entry.record.config) else {
            return;
        };
        if probe_command(&entry.record.config).is_none() {
            return;
        }
        entry.health_monitor_open = true;
        let engine = self.clone();
        let h = h.clone();
        let generation = entry.health_generation;
        tokio::spawn(async move { engine.health_monitor(h, generation, hc).await });
    }

    /// Stops probing (exit, pause). As dockerd, a container whose monitor stops is reported
    /// unhealthy until a probe of a later run says otherwise. Called under the lock.
    pub(crate) fn close_health_monitor(entry: &mut Entry) {
        entry.health_generation += 1;
        if std::mem::take(&mut entry.health_monitor_open) {
            if let Some(health) = entry.record.state.health.as_mut() {
                health.status = UNHEALTHY.into();
            }
        }
    }

    async fn health_monitor(&self, h: Arc<ContainerHandle>, generation: u64, hc: HealthConfig) {
        let interval = nanos_or(hc.interval, DEFAULT_INTERVAL);
        let start_interval = nanos_or(hc.start_interval, DEFAULT_START_INTERVAL);
        let start_period = nanos_or(hc.start_period, Duration::ZERO);
        let timeout = nanos_or(hc.timeout, DEFAULT_TIMEOUT);
        let retries = if hc.retries > 0 {
            hc.retries
        } else {
            DEFAULT_RETRIES
        };
        let began = Instant::now();
        let mut starting = true;
        loop {
            // dockerd probes every StartInterval while starting inside the start period.
            let wait = if began.elapsed() < start_period && starting {
                start_interval
            } else {
                interval
            };
            tokio::time::sleep(wait).await;
            let (cmd, started_at) = {
                let entry = h.entry.lock().await;
                if entry.health_generation != generation
                    || entry.removing
                    || !entry.record.state.running
                {
                    return;
                }
                // A frozen container cannot run a probe: skip while paused.
                if entry.record.state.paused {
                    continue;
                }
                let Some(cmd) = probe_command(&entry.record.config) else {
                    return;
                };
                (cmd, entry.record.state.started_at.clone())
            };
            let result = self.run_probe(&h.id, cmd, timeout).await;
            let mut entry = h.entry.lock().await;
            if entry.health_generation != generation {
                return;
            }
            let Some(health) = entry.record.state.health.as_mut() else {
                return;
            };
            let changed = apply_result(health, result, retries, start_period, &started_at);
            starting = health.status == STARTING;
            if let Err(e) = self.persist(&entry) {
                tracing::warn!("save {}: {e}", h.id);
            }
            if let Some(status) = changed {
                self.emit(&format!("health_status: {status}"), &entry.record);
            }
        }
    }

    /// Runs one probe as an exec (with dockerd's exec events) and returns its result; a probe
    /// that outlives `timeout` is killed and logged with exit code -1.
    async fn run_probe(&self, id: &str, cmd: Vec<String>, timeout: Duration) -> HealthcheckResult {
        let start = now_rfc3339();
        let failed = |output: String| HealthcheckResult {
            start: start.clone(),
            end: now_rfc3339(),
            exit_code: -1,
            output,
        };
        let body = ExecCreateBody {
            attach_stdout: true,
            attach_stderr: true,
            cmd: Some(cmd),
            ..Default::default()
        };
        let exec_id = match self.create_exec(id, body).await {
            Ok(e) => e,
            Err(e) => return failed(e.to_string()),
        };
        let started = self.start_exec(&exec_id, ExecStartBody::default()).await;
        let mut output = LimitedOutput::default();
        let result = match started {
            Err(e) => failed(e.to_string()),
            Ok(ExecStarted::Failed(bytes)) => {
                let mut demux = api::stdcopy::Demuxer::new();
                demux.push(&bytes);
                while let Ok(Some(frame)) = demux.next_frame() {
                    output.push(&frame.payload);
                }
                HealthcheckResult {
                    start: start.clone(),
                    end: now_rfc3339(),
                    exit_code: self.exec_exit_code(&exec_id).unwrap_or(-1),
                    output: output.text(),
                }
            }
            Ok(ExecStarted::Detached) => failed("probe started detached".into()),
            Ok(ExecStarted::Attached(mut io)) => {
                let finished =
                    tokio::time::timeout(timeout, read_probe_output(&mut io, &mut output)).await;
                if finished.is_ok() {
                    HealthcheckResult {
                        start: start.clone(),
                        end: now_rfc3339(),
                        exit_code: self.exec_exit_code(&exec_id).unwrap_or(-1),
                        output: output.text(),
                    }
                } else {
                    self.kill_exec(&exec_id).await;
                    // Wait for the killed probe so dying probes do not pile up.
                    let _ = tokio::time::timeout(
                        KILLED_PROBE_DRAIN,
                        read_probe_output(&mut io, &mut output),
                    )
                    .await;
                    let out = output.text();
                    let limit = go_duration(timeout);
                    failed(if out.is_empty() {
                        format!("Health check exceeded timeout ({limit})")
                    } else {
                        format!("Health check exceeded timeout ({limit}): {out}")
                    })
                }
            }
        };
        self.forget_exec(&exec_id);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(code: i64, start: &str) -> HealthcheckResult {
        HealthcheckResult {
            start: start.into(),
            end: start.into(),
            exit_code: code,
            output: String::new(),
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_millis(200)), "200ms");
        assert_eq!(go_duration(Duration::from_secs(30)), "30s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
        assert_eq!(go_duration(Duration::from_micros(1500)), "1.5ms");
    }

    #[test]
    fn probe_commands() {
        let cfg = |v: serde_json::Value| Config {
            healthcheck: Some(v),
            ..Default::default()
        };
        assert_eq!(
            probe_command(&cfg(json!({"Test": ["CMD-SHELL", "test -f /x"]}))),
            Some(vec!["/bin/sh".into(), "-c".into(), "test -f /x".into()])
        );
        assert_eq!(
            probe_command(&cfg(json!({"Test": ["CMD", "true", "a"]}))),
            Some(vec!["true".into(), "a".into()])
        );
        assert_eq!(probe_command(&cfg(json!({"Test": ["NONE"]}))), None);
        assert_eq!(probe_command(&Config::default()), None);
        assert!(validate(&cfg(json!({"Retries": -1}))).is_err());
        assert_eq!(
            validate(&cfg(json!({"Interval": 10})))
                .unwrap_err()
                .to_string(),
            "Interval in Healthcheck cannot be less than 1ms"
        );
    }

    #[test]
    fn merge_fills_unset_fields_from_the_image() {
        let image = image::Healthcheck {
            test: Some(vec!["CMD".into(), "true".into()]),
            interval: Some(1_000_000_000),
            retries: Some(5),
            ..Default::default()
        };
        let mut user = Config::default();
        merge_healthcheck(&mut user, Some(&image));
        let hc = health_config(&user).unwrap();
        assert_eq!(hc.interval, 1_000_000_000);
        assert_eq!(hc.test.unwrap(), vec!["CMD", "true"]);
        let mut user = Config {
            healthcheck: Some(json!({"Interval": 2_000_000_000i64})),
            ..Default::default()
        };
        merge_healthcheck(&mut user, Some(&image));
        let hc = health_config(&user).unwrap();
        assert_eq!(hc.interval, 2_000_000_000);
        assert_eq!(hc.retries, 5);
        assert_eq!(hc.test.unwrap(), vec!["CMD", "true"]);
    }

    #[test]
    fn status_transitions() {
        let started = "2026-11-22T10:00:00Z";
        let mut h = Health {
            status: STARTING.into(),
            ..Default::default()
        };
        // Inside a 10 s start period failures do not count.
        let early = "2026-11-22T10:00:01Z";
        assert_eq!(
            apply_result(
                &mut h,
                result(1, early),
                2,
                Duration::from_secs(10),
                started
            ),
            None
        );
        assert_eq!(h.failing_streak, 0);
        let late = "2026-11-22T10:00:20Z";
        assert_eq!(
            apply_result(&mut h, result(1, late), 2, Duration::from_secs(10), started),
            None
        );
        assert_eq!(
            apply_result(&mut h, result(1, late), 2, Duration::from_secs(10), started),
            Some(UNHEALTHY.to_string())
        );
        assert_eq!(h.failing_streak, 2);
        assert_eq!(
            apply_result(&mut h, result(0, late), 2, Duration::ZERO, started),
            Some(HEALTHY.to_string())
        );
        assert_eq!(h.failing_streak, 0);
        for _ in 0..10 {
            apply_result(&mut h, result(0, late), 2, Duration::ZERO, started);
        }
        assert_eq!(h.log.len(), MAX_LOG_ENTRIES);
        assert_eq!(status_suffix(&h), "healthy");
        h.status = STARTING.into();
        assert_eq!(status_suffix(&h), "health: starting");
    }

    #[test]
    fn output_is_limited() {
        let mut o = LimitedOutput::default();
        o.push(&[b'a'; 5000]);
        assert_eq!(o.text().len(), MAX_OUTPUT_LEN + 3);
        assert!(o.text().ends_with("..."));
    }
}
