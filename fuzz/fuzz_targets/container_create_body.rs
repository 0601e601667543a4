//! `POST /containers/create` bodies (`api::ContainerCreateBody`, serde_json as the server parses
//! them) and what the engine derives from them without touching the system: the OCI runtime spec
//! (`engine::spec::build_spec`, resources, capabilities), the log flags, the command line, the
//! merged environment and the stop signal.
//! Properties: no panic (overflow included); an accepted body serializes and parses back to the
//! same value (numbers kept as JSON values within one unit in the last place).
#![no_main]

use std::path::Path;

use api::ContainerCreateBody;
use berth_fuzz::json_approx_eq;
use engine::spec::{build_spec, SpecInput};
use engine::user::ResolvedUser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<ContainerCreateBody>(data) else {
        return;
    };
    let bytes = serde_json::to_vec(&body).expect("a parsed body serializes");
    let again: ContainerCreateBody =
        serde_json::from_slice(&bytes).expect("a serialized body parses");
    let json = serde_json::to_value(&body).expect("a parsed body serializes");
    let json_again = serde_json::to_value(&again).expect("serializes again");
    // Numbers kept as `serde_json::Value` may move by one unit in the last place.
    assert!(
        json_approx_eq(&json, &json_again),
        "body changed through serialize/parse:\n{json}\n{json_again}"
    );

    let hc = &body.host_config;
    let config = &body.config;
    let _ = engine::spec::resources(hc);
    let _ = engine::spec::capabilities(hc);
    let _ = engine::spec::wants_default_seccomp(hc);
    let _ = engine::log_config::shim_log_args(hc);
    let _ = engine::merge::command_of(config);
    let env = engine::merge::merge_env(
        &["PATH=/bin".to_string()],
        config.env.as_deref().unwrap_or_default(),
    );
    if !config.stop_signal.is_empty() {
        let _ = engine::signal::parse_signal(&config.stop_signal);
    }
    let input = SpecInput {
        container_dir: Path::new("/nonexistent/berth-fuzz"),
        argv: vec!["/bin/sh".to_string()],
        env,
        cwd: "/".to_string(),
        user: ResolvedUser {
            uid: 0,
            gid: 0,
            additional_gids: Vec::new(),
            home: "/".to_string(),
        },
        hostname: "fuzz".to_string(),
        domainname: config.domainname.clone(),
        host_config: hc,
        cgroups_path: "/berth/fuzz".to_string(),
        overlay_mount_data: "lowerdir=/l,upperdir=/u,workdir=/w".to_string(),
        tty: false,
        mounts: Vec::new(),
    };
    let _ = build_spec(&input);
});
