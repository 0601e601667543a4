//! `.dockerignore` parsing and matching with Docker's rules (moby/patternmatcher).

/// The patterns of one `.dockerignore` file.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<String>,
}

impl DockerIgnore {
    /// Parses `.dockerignore` text.
    pub fn parse(text: &str) -> DockerIgnore {
        DockerIgnore {
            patterns: text.lines().map(str::to_string).collect(),
        }
    }

    /// Whether the context-relative path (forward slashes, no leading `/`) is excluded.
    pub fn excludes(&self, _path: &str) -> bool {
        false
    }

    /// Whether a directory may contain non-excluded files (exceptions below it).
    pub fn may_include_below(&self, _dir: &str) -> bool {
        !self.patterns.is_empty()
    }
}
