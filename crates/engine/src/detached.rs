//! Mutating operations run to completion even if the client goes away: a request future that
//! is dropped half-way (connection closed) must not leave a half-created container or a
//! container stuck in "removing".

use std::future::Future;

use api::{ContainerCreateBody, ContainerCreateResponse};

use crate::engine::Engine;
use crate::error::{EngineError, Result};

/// Runs `fut` on its own task and waits for it.
async fn detached<T: Send + 'static>(
    fut: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    tokio::spawn(fut)
        .await
        .map_err(|e| EngineError::Internal(format!("operation task failed: {e}")))?
}

impl Engine {
    pub async fn create_container(
        &self,
        name: Option<String>,
        body: ContainerCreateBody,
    ) -> Result<ContainerCreateResponse> {
        let e = self.clone();
        detached(async move { e.create_container_now(name, body).await }).await
    }

    pub async fn start_container(&self, name: &str) -> Result<()> {
        let (e, name) = (self.clone(), name.to_string());
        detached(async move { e.start_container_now(&name).await }).await
    }

    /// `timeout`: seconds before SIGKILL (`None`: the container's StopTimeout or 10; negative: forever).
    pub async fn stop_container(&self, name: &str, timeout: Option<i64>) -> Result<()> {
        let (e, name) = (self.clone(), name.to_string());
        detached(async move { e.stop_container_now(&name, timeout).await }).await
    }

    pub async fn restart_container(&self, name: &str, timeout: Option<i64>) -> Result<()> {
        let (e, name) = (self.clone(), name.to_string());
        detached(async move { e.restart_container_now(&name, timeout).await }).await
    }

    /// `signal`: a name (`TERM`, `SIGTERM`) or number; `None` = SIGKILL (which waits for the exit).
    pub async fn kill_container(&self, name: &str, signal: Option<String>) -> Result<()> {
        let (e, name) = (self.clone(), name.to_string());
        detached(async move { e.kill_container_now(&name, signal).await }).await
    }

    pub async fn rename_container(&self, name: &str, new_name: &str) -> Result<()> {
        let (e, name, new_name) = (self.clone(), name.to_string(), new_name.to_string());
        detached(async move { e.rename_container_now(&name, &new_name).await }).await
    }

    pub async fn remove_container(&self, name: &str, force: bool, volumes: bool) -> Result<()> {
        let (e, name) = (self.clone(), name.to_string());
        detached(async move { e.remove_container_now(&name, force, volumes).await }).await
    }
}
