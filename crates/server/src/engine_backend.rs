//! The backend traits implemented by the real engine.

use api::{
    ContainerCreateBody, ContainerCreateResponse, ContainerInspect, ContainerSummary, Filters,
    ImageDeleteResponseItem, ImageInspect, ImageSummary, Info, Version, WaitCondition,
    WaitResponse,
};
use engine::container_archive::{ExtractToDirOptions, PathStat};
use engine::Engine;
use futures_util::future::BoxFuture;

use crate::backend::{
    AttachIo, AttachOptions, BackendResult, ByteStream, ContainerBackend, ImageBackend,
    ImportOptions, ListOptions, LogsOptions, NetworkBackend, SystemBackend, VolumeBackend,
};

fn e(err: engine::EngineError) -> errdefs::Error {
    err.into()
}

impl ContainerBackend for Engine {
    async fn create(
        &self,
        name: Option<String>,
        body: ContainerCreateBody,
    ) -> BackendResult<ContainerCreateResponse> {
        self.create_container(name, body).await.map_err(e)
    }
    async fn start(&self, name: &str) -> BackendResult<()> {
        self.start_container(name).await.map_err(e)
    }
    async fn stop(&self, name: &str, timeout: Option<i64>) -> BackendResult<()> {
        self.stop_container(name, timeout).await.map_err(e)
    }
    async fn restart(&self, name: &str, timeout: Option<i64>) -> BackendResult<()> {
        self.restart_container(name, timeout).await.map_err(e)
    }
    async fn kill(&self, name: &str, signal: Option<String>) -> BackendResult<()> {
        self.kill_container(name, signal).await.map_err(e)
    }
    async fn rename(&self, name: &str, new_name: &str) -> BackendResult<()> {
        self.rename_container(name, new_name).await.map_err(e)
    }
    async fn remove(&self, name: &str, force: bool, volumes: bool) -> BackendResult<()> {
        self.remove_container(name, force, volumes).await.map_err(e)
    }
    async fn inspect(&self, name: &str) -> BackendResult<ContainerInspect> {
        self.inspect_container(name).await.map_err(e)
    }
    async fn list(&self, opts: ListOptions) -> BackendResult<Vec<ContainerSummary>> {
        self.list_containers(opts).await.map_err(e)
    }
    async fn wait(
        &self,
        name: &str,
        condition: WaitCondition,
    ) -> BackendResult<BoxFuture<'static, WaitResponse>> {
        self.wait_container(name, condition).await.map_err(e)
    }
    async fn attach(&self, name: &str, opts: AttachOptions) -> BackendResult<Box<dyn AttachIo>> {
        let stream = self.attach_container(name, opts).await.map_err(e)?;
        Ok(Box::new(stream))
    }
    async fn logs(&self, name: &str, opts: LogsOptions) -> BackendResult<ByteStream> {
        self.container_logs(name, opts).await.map_err(e)
    }
    async fn stop_with_signal(
        &self,
        name: &str,
        timeout: Option<i64>,
        signal: &str,
    ) -> BackendResult<()> {
        self.stop_container_with_signal(name, timeout, signal)
            .await
            .map_err(e)
    }
    async fn disk_usage(&self) -> BackendResult<serde_json::Value> {
        Engine::disk_usage(self).await.map_err(e)
    }
    async fn pause(&self, name: &str) -> BackendResult<()> {
        self.pause_container(name).await.map_err(e)
    }
    async fn unpause(&self, name: &str) -> BackendResult<()> {
        self.unpause_container(name).await.map_err(e)
    }
    async fn resize(&self, name: &str, height: u32, width: u32) -> BackendResult<()> {
        self.resize_container(name, height, width).await.map_err(e)
    }
    async fn stats(&self, name: &str, stream: bool, one_shot: bool) -> BackendResult<ByteStream> {
        self.container_stats(name, stream, one_shot)
            .await
            .map_err(e)
    }
    async fn top(&self, name: &str, ps_args: &str) -> BackendResult<crate::backend::TopResponse> {
        self.top_container(name, ps_args).await.map_err(e)
    }
    async fn update(
        &self,
        name: &str,
        update: crate::backend::UpdateConfig,
    ) -> BackendResult<crate::backend::UpdateResponse> {
        self.update_container(name, update).await.map_err(e)
    }
    async fn changes(&self, name: &str) -> BackendResult<Vec<crate::backend::Change>> {
        self.container_changes(name).await.map_err(e)
    }
    async fn export(&self, name: &str) -> BackendResult<ByteStream> {
        self.export_container(name).await.map_err(e)
    }
    async fn stat_path(&self, name: &str, path: &str) -> BackendResult<PathStat> {
        self.stat_container_path(name, path).await.map_err(e)
    }
    async fn archive_path(&self, name: &str, path: &str) -> BackendResult<(PathStat, ByteStream)> {
        self.archive_container_path(name, path).await.map_err(e)
    }
    async fn extract_to_dir(
        &self,
        name: &str,
        path: &str,
        opts: ExtractToDirOptions,
        body: ByteStream,
    ) -> BackendResult<()> {
        self.extract_to_container_dir(name, path, opts, body)
            .await
            .map_err(e)
    }
    async fn prune_containers(
        &self,
        filters: Filters,
    ) -> BackendResult<crate::backend::ContainersPruneReport> {
        Engine::prune_containers(self, filters).await.map_err(e)
    }
    async fn exec_create(&self, name: &str, body: api::ExecCreateBody) -> BackendResult<String> {
        self.create_exec(name, body).await.map_err(e)
    }
    async fn exec_start(
        &self,
        id: &str,
        body: api::ExecStartBody,
    ) -> BackendResult<crate::backend::ExecStartOutcome> {
        use crate::backend::ExecStartOutcome;
        Ok(match self.start_exec(id, body).await.map_err(e)? {
            engine::exec::ExecStarted::Attached(conn) => ExecStartOutcome::Attached(Box::new(conn)),
            engine::exec::ExecStarted::Failed(msg) => ExecStartOutcome::Failed(msg),
            engine::exec::ExecStarted::Detached => ExecStartOutcome::Detached,
        })
    }
    async fn exec_resize(&self, id: &str, height: u32, width: u32) -> BackendResult<()> {
        self.resize_exec(id, height, width).await.map_err(e)
    }
    async fn exec_inspect(&self, id: &str) -> BackendResult<api::ExecInspect> {
        self.inspect_exec(id).map_err(e)
    }
    async fn events(&self, opts: crate::backend::EventsOptions) -> BackendResult<ByteStream> {
        self.events_stream(opts).await.map_err(e)
    }
}

impl ImageBackend for Engine {
    async fn list_images(&self, all: bool, filters: Filters) -> BackendResult<Vec<ImageSummary>> {
        Engine::list_images(self, all, filters).await.map_err(e)
    }
    async fn inspect_image(&self, name: &str) -> BackendResult<ImageInspect> {
        Engine::inspect_image(self, name).await.map_err(e)
    }
    async fn remove_image(
        &self,
        name: &str,
        force: bool,
        prune: bool,
    ) -> BackendResult<Vec<ImageDeleteResponseItem>> {
        Engine::remove_image(self, name, force, prune)
            .await
            .map_err(e)
    }
    async fn import_image(&self, body: ByteStream, opts: ImportOptions) -> BackendResult<String> {
        Engine::import_image(self, body, opts).await.map_err(e)
    }
    async fn import_image_from_url(
        &self,
        source: &str,
        opts: ImportOptions,
    ) -> BackendResult<crate::backend::ProgressStream> {
        Engine::import_image_from_url(self, source, opts)
            .await
            .map_err(e)
    }
    async fn tag_image(&self, name: &str, repo: &str, tag: &str) -> BackendResult<()> {
        Engine::tag_image(self, name, repo, tag).await.map_err(e)
    }
    async fn pull_image(&self, image: &str, tag: &str) -> BackendResult<String> {
        Engine::pull_image(self, image, tag).await.map_err(e)
    }
    async fn pull(
        &self,
        opts: crate::backend::PullOptions,
    ) -> BackendResult<crate::backend::ProgressStream> {
        Engine::pull(self, opts).await.map_err(e)
    }
    async fn push(
        &self,
        name: &str,
        tag: &str,
        registry_auth: &str,
    ) -> BackendResult<crate::backend::ProgressStream> {
        Engine::push(self, name, tag, registry_auth)
            .await
            .map_err(e)
    }
    async fn login(&self, request: crate::backend::LoginRequest) -> BackendResult<()> {
        Engine::login(self, request).await.map_err(e)
    }
    async fn save_images(&self, names: Vec<String>) -> BackendResult<ByteStream> {
        Engine::save_images(self, names).await.map_err(e)
    }
    async fn load_images(
        &self,
        body: ByteStream,
        quiet: bool,
    ) -> BackendResult<crate::backend::ProgressStream> {
        Engine::load_images(self, body, quiet).await.map_err(e)
    }
    async fn commit(&self, request: crate::backend::CommitRequest) -> BackendResult<String> {
        Engine::commit_container(self, request).await.map_err(e)
    }
    async fn image_history(&self, name: &str) -> BackendResult<Vec<crate::backend::HistoryItem>> {
        Engine::image_history(self, name).await.map_err(e)
    }
    async fn prune_images(
        &self,
        filters: Filters,
    ) -> BackendResult<crate::backend::ImagePruneReport> {
        Engine::prune_images(self, filters).await.map_err(e)
    }
    async fn build(
        &self,
        body: ByteStream,
        request: crate::backend::BuildRequest,
    ) -> BackendResult<crate::backend::ProgressStream> {
        self.build_image(body, request).await
    }
    async fn prune_build_cache(&self) -> BackendResult<serde_json::Value> {
        Ok(Engine::prune_build_cache(self).await)
    }
}

impl SystemBackend for Engine {
    async fn version(&self) -> BackendResult<Version> {
        Engine::version(self).await.map_err(e)
    }
    async fn info(&self) -> BackendResult<Info> {
        Engine::info(self).await.map_err(e)
    }
}

impl VolumeBackend for Engine {
    async fn create_volume(&self, opts: api::VolumeCreateOptions) -> BackendResult<api::Volume> {
        Engine::create_volume(self, opts).await.map_err(e)
    }
    async fn inspect_volume(&self, name: &str) -> BackendResult<api::Volume> {
        Engine::inspect_volume(self, name).await.map_err(e)
    }
    async fn list_volumes(&self, filters: Filters) -> BackendResult<api::VolumeListResponse> {
        Engine::list_volumes(self, filters).await.map_err(e)
    }
    async fn remove_volume(&self, name: &str, force: bool) -> BackendResult<()> {
        Engine::remove_volume(self, name, force).await.map_err(e)
    }
    async fn prune_volumes(&self, filters: Filters) -> BackendResult<api::VolumePruneReport> {
        Engine::prune_volumes(self, filters).await.map_err(e)
    }
}

impl NetworkBackend for Engine {
    async fn create_network(
        &self,
        req: api::NetworkCreateRequest,
    ) -> BackendResult<api::NetworkCreateResponse> {
        Engine::create_network(self, req).await.map_err(e)
    }
    async fn list_networks(&self, filters: Filters) -> BackendResult<Vec<api::NetworkResource>> {
        Engine::list_networks(self, filters).await.map_err(e)
    }
    async fn inspect_network(&self, id: &str) -> BackendResult<api::NetworkResource> {
        Engine::inspect_network(self, id).await.map_err(e)
    }
    async fn remove_network(&self, id: &str) -> BackendResult<()> {
        Engine::remove_network(self, id).await.map_err(e)
    }
    async fn connect_network(
        &self,
        id: &str,
        req: api::NetworkConnectRequest,
    ) -> BackendResult<()> {
        Engine::connect_network(self, id, req).await.map_err(e)
    }
    async fn disconnect_network(
        &self,
        id: &str,
        req: api::NetworkDisconnectRequest,
    ) -> BackendResult<()> {
        Engine::disconnect_network(self, id, req).await.map_err(e)
    }
    async fn prune_networks(&self, filters: Filters) -> BackendResult<api::NetworkPruneReport> {
        Engine::prune_networks(self, filters).await.map_err(e)
    }
}
