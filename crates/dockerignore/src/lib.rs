//! `.dockerignore` parsing and matching with Docker's rules (moby/patternmatcher and its
//! ignorefile reader): `#` comments, `!` exceptions, `**`, leading `/` and `./` stripped,
//! `filepath.Clean`, the last matching pattern wins, and a path is excluded when one of its
//! parent directories is.

mod go_path;
mod pattern;

pub use go_path::{clean_path, has_glob_meta, path_match, BadPattern};

use pattern::Pattern;

/// The patterns of one `.dockerignore` file.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
    /// The first malformed pattern: Docker refuses the whole file; berth ignores that line and
    /// keeps the message for callers that want to refuse too.
    invalid: Option<String>,
}

impl DockerIgnore {
    /// Parses `.dockerignore` text.
    pub fn parse(text: &str) -> DockerIgnore {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut ignore = DockerIgnore::default();
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (exclusion, body) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            if body.is_empty() {
                ignore
                    .invalid
                    .get_or_insert_with(|| "illegal exclusion pattern: \"!\"".to_string());
                continue;
            }
            let mut cleaned = clean_path(body);
            if cleaned.len() > 1 {
                if let Some(rest) = cleaned.strip_prefix('/') {
                    cleaned = rest.to_string();
                }
            }
            match Pattern::compile(&cleaned, exclusion) {
                Ok(pattern) => ignore.patterns.push(pattern),
                Err(e) => {
                    ignore.invalid.get_or_insert_with(|| e.to_string());
                }
            }
        }
        ignore
    }

    /// Whether no pattern was given (nothing is ever excluded).
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The message of the first malformed pattern, if any ("syntax error in pattern").
    pub fn invalid_pattern(&self) -> Option<&str> {
        self.invalid.as_deref()
    }

    /// Whether the context-relative path (forward slashes, no leading `/`) is excluded: the
    /// last pattern that matches the path or one of its parent directories decides.
    pub fn excludes(&self, path: &str) -> bool {
        let path = clean_path(path.trim_start_matches('/'));
        if path == "." || path == "/" {
            return false;
        }
        let parents: Vec<&str> = path.split('/').collect();
        let parents = &parents[..parents.len() - 1];
        let mut matched = false;
        for pattern in &self.patterns {
            // An exception only matters once excluded, an exclusion only while included.
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.matches(&path);
            if !hit {
                hit = (1..=parents.len()).any(|n| pattern.matches(&parents[..n].join("/")));
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }

    /// Whether an excluded directory may still contain non-excluded files (an exception pattern
    /// names something below it), so a walker must descend into it: Docker's archiver rule.
    pub fn may_include_below(&self, dir: &str) -> bool {
        let dir = clean_path(dir.trim_start_matches('/'));
        let dir_slash = format!("{dir}/");
        self.patterns
            .iter()
            .filter(|p| p.exclusion)
            .any(|p| format!("{}/", p.text).starts_with(&dir_slash) || dir == ".")
    }
}

#[cfg(test)]
mod tests;
