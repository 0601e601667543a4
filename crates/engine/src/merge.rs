//! How a create request's config is completed from the image's (moby `daemon.merge`).

use std::collections::BTreeMap;

use api::Config;
use image::ContainerConfig;

use crate::error::{EngineError, Result};

/// The PATH a container gets when neither the image nor the request sets one.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Fills `user` from `image`: Cmd/Entrypoint (a request Entrypoint drops the image Cmd; a request
/// Cmd keeps the image Entrypoint), Env (image first, request overrides by key, PATH default),
/// WorkingDir, User, Labels, StopSignal, ExposedPorts, Volumes.
pub fn merge_config(user: &mut Config, image: &ContainerConfig) {
    // `--entrypoint ""` arrives as [""]: an explicit empty entrypoint.
    if user.entrypoint.as_deref() == Some(&[String::new()][..]) {
        user.entrypoint = Some(Vec::new());
    }
    let user_entrypoint_empty = user.entrypoint.as_ref().map(Vec::is_empty).unwrap_or(true);
    if user_entrypoint_empty {
        if user.cmd.as_ref().map(Vec::is_empty).unwrap_or(true) {
            user.cmd = image.cmd.clone();
        }
        if user.entrypoint.is_none() {
            user.entrypoint = image.entrypoint.clone();
        }
    }
    user.env = Some(merge_env(
        image.env.as_deref().unwrap_or(&[]),
        user.env.as_deref().unwrap_or(&[]),
    ));
    if user.working_dir.is_empty() {
        user.working_dir = image.working_dir.clone();
    }
    if user.user.is_empty() {
        user.user = image.user.clone();
    }
    if let Some(image_labels) = &image.labels {
        let mut labels: BTreeMap<String, String> = image_labels.clone();
        labels.extend(user.labels.take().unwrap_or_default());
        user.labels = Some(labels);
    }
    if user.stop_signal.is_empty() {
        user.stop_signal = image.stop_signal.clone().unwrap_or_default();
    }
    if user
        .exposed_ports
        .as_ref()
        .map(BTreeMap::is_empty)
        .unwrap_or(true)
        && image.exposed_ports.is_some()
    {
        user.exposed_ports = image.exposed_ports.clone();
    }
    crate::health::merge_healthcheck(user, image.healthcheck.as_ref());
    // The image's VOLUMEs are added to the request's (dockerd's merge).
    if let Some(image_volumes) = &image.volumes {
        let volumes = user.volumes.get_or_insert_with(BTreeMap::new);
        for (k, v) in image_volumes {
            volumes.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

/// Image env then request env; same key → request wins, in the image's position. Adds PATH when absent.
pub fn merge_env(image: &[String], request: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for entry in image.iter().chain(request.iter()) {
        let key = env_key(entry);
        match out.iter().position(|e| env_key(e) == key) {
            Some(i) => out[i] = entry.clone(),
            None => out.push(entry.clone()),
        }
    }
    if !out.iter().any(|e| env_key(e) == "PATH") {
        out.insert(0, format!("PATH={DEFAULT_PATH}"));
    }
    out
}

fn env_key(entry: &str) -> &str {
    entry.split_once('=').map(|(k, _)| k).unwrap_or(entry)
}

/// The process to run: entrypoint + cmd → (path, args). Empty → `No command specified`.
pub fn command_of(config: &Config) -> Result<(String, Vec<String>)> {
    let mut argv: Vec<String> = config.entrypoint.clone().unwrap_or_default();
    argv.extend(config.cmd.clone().unwrap_or_default());
    if argv.is_empty() {
        return Err(EngineError::InvalidArgument("No command specified".into()));
    }
    let path = argv.remove(0);
    Ok((path, argv))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(entrypoint: Option<&[&str]>, cmd: Option<&[&str]>) -> ContainerConfig {
        ContainerConfig {
            entrypoint: entrypoint.map(|v| v.iter().map(|s| s.to_string()).collect()),
            cmd: cmd.map(|v| v.iter().map(|s| s.to_string()).collect()),
            env: Some(vec!["PATH=/bin".into(), "A=1".into()]),
            ..Default::default()
        }
    }

    fn strs(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn request_cmd_keeps_image_entrypoint() {
        let mut c = Config {
            cmd: strs(&["-c", "x"]),
            ..Default::default()
        };
        merge_config(&mut c, &image(Some(&["sh"]), Some(&["default"])));
        assert_eq!(
            command_of(&c).unwrap(),
            ("sh".to_string(), vec!["-c".to_string(), "x".to_string()])
        );
    }

    #[test]
    fn request_entrypoint_drops_image_cmd() {
        let mut c = Config {
            entrypoint: strs(&["echo"]),
            ..Default::default()
        };
        merge_config(&mut c, &image(Some(&["sh"]), Some(&["default"])));
        assert_eq!(c.cmd, None);
        assert_eq!(command_of(&c).unwrap(), ("echo".to_string(), vec![]));
    }

    #[test]
    fn image_cmd_used_when_request_empty() {
        let mut c = Config::default();
        merge_config(&mut c, &image(None, Some(&["sh"])));
        assert_eq!(command_of(&c).unwrap().0, "sh");
    }

    #[test]
    fn empty_entrypoint_string_clears_image_entrypoint() {
        let mut c = Config {
            entrypoint: strs(&[""]),
            ..Default::default()
        };
        merge_config(&mut c, &image(Some(&["sh"]), Some(&["ls"])));
        assert_eq!(command_of(&c).unwrap().0, "ls");
    }

    #[test]
    fn nothing_to_run_is_an_error() {
        let mut c = Config::default();
        merge_config(&mut c, &image(None, None));
        assert_eq!(
            command_of(&c).unwrap_err().to_string(),
            "No command specified"
        );
    }

    #[test]
    fn env_merges_by_key_with_path_default() {
        assert_eq!(
            merge_env(
                &["PATH=/bin".into(), "A=1".into()],
                &["A=2".into(), "B=3".into()]
            ),
            vec!["PATH=/bin", "A=2", "B=3"]
        );
        assert_eq!(
            merge_env(&[], &["X=1".into()]),
            vec![format!("PATH={DEFAULT_PATH}"), "X=1".to_string()]
        );
    }
}
