//! Parameters of engine operations, as the API routes parse them.

use api::Filters;

/// `POST /containers/{id}/attach`.
#[derive(Debug, Clone, Default)]
pub struct AttachOptions {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub stream: bool,
    pub logs: bool,
}

/// `GET /containers/{id}/logs`.
#[derive(Debug, Clone, Default)]
pub struct LogsOptions {
    pub stdout: bool,
    pub stderr: bool,
    pub follow: bool,
    pub timestamps: bool,
    /// `None` = all lines.
    pub tail: Option<usize>,
    /// Unix seconds (fractional); older entries are skipped.
    pub since: Option<f64>,
    /// Unix seconds (fractional); newer entries are skipped.
    pub until: Option<f64>,
}

/// `GET /containers/json`.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    pub all: bool,
    pub limit: Option<usize>,
    pub size: bool,
    pub filters: Filters,
}

/// `POST /images/create?fromSrc=-` (body) or `fromSrc=<url>` (`Engine::import_image_from_url`).
/// `repo` may carry the tag (`name:tag`, as the docker CLI sends it); an empty `message` means
/// `Imported from <source>`.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub repo: String,
    pub tag: String,
    pub message: String,
    pub changes: Vec<String>,
}
