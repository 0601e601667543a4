//! berthd: flags and wiring only.

mod flags;
mod listen;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Parser;
use engine::{Engine, EngineConfig};

use crate::flags::{unix_socket_path, Flags};

/// `$BERTH_SHIM`, else `berth-shim` next to this executable.
fn shim_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("BERTH_SHIM") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().context("locate berthd executable")?;
    let dir = exe.parent().context("berthd executable has no directory")?;
    Ok(dir.join("berth-shim"))
}

fn init_logging(level: &str) {
    let level = match level {
        "fatal" => "error",
        other => other,
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> Result<()> {
    let settings = Flags::parse().settings()?;
    init_logging(&settings.log_level);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("start tokio")?;
    runtime.block_on(run(settings))
}

async fn run(settings: flags::Settings) -> Result<()> {
    std::fs::create_dir_all(&settings.exec_root)
        .with_context(|| format!("create {}", settings.exec_root.display()))?;
    std::fs::create_dir_all(&settings.data_root)
        .with_context(|| format!("create {}", settings.data_root.display()))?;
    let sockets: Vec<PathBuf> = settings
        .hosts
        .iter()
        .map(|h| unix_socket_path(h))
        .collect::<Result<_>>()?;
    let mut listeners = Vec::new();
    for path in &sockets {
        listeners.push(listen::bind_unix(path)?);
    }
    if let Some(dir) = settings.pidfile.parent() {
        std::fs::create_dir_all(dir).ok();
    }
    std::fs::write(&settings.pidfile, format!("{}\n", std::process::id()))
        .with_context(|| format!("write {}", settings.pidfile.display()))?;

    let engine = Engine::open(EngineConfig {
        data_root: settings.data_root.clone(),
        exec_root: settings.exec_root.clone(),
        cgroup_parent: settings.cgroup_parent.clone(),
        shim_path: shim_path()?,
        registry: settings.registry.clone(),
        log: settings.log.clone(),
        network: settings.network.clone(),
    })
    .await
    .context("open engine")?;
    let app = server::router(Arc::new(engine));
    for listener in listeners {
        tokio::spawn(server::serve(listener, app.clone()));
    }
    tracing::info!("berthd listening on {}", settings.hosts.join(", "));

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down; containers keep running");
    for path in &sockets {
        let _ = std::fs::remove_file(path);
    }
    let _ = std::fs::remove_file(&settings.pidfile);
    Ok(())
}
