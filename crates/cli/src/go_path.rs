//! Go's `path/filepath.Clean` and `Abs` (Unix), which docker applies to relative bind sources
//! (`-v ./data:/data`, `--mount src=.`): purely lexical, no symlinks resolved.

use std::path::Path;

/// `filepath.Clean` (the `.dockerignore` rules are defined in terms of the same function).
pub use dockerignore::clean_path as clean;

/// `filepath.Abs` against `cwd`; `None` when the working directory is unknown (Go's `Abs`
/// fails then, and docker keeps the relative path).
pub fn abs(path: &str, cwd: Option<&Path>) -> Option<String> {
    if path.starts_with('/') {
        return Some(clean(path));
    }
    let cwd = cwd?.to_str()?;
    Some(clean(&format!("{cwd}/{path}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_like_go() {
        assert_eq!(clean(""), ".");
        assert_eq!(clean("."), ".");
        assert_eq!(clean("./a//b/"), "a/b");
        assert_eq!(clean("a/../.."), "..");
        assert_eq!(clean("../a/../../b"), "../../b");
        assert_eq!(clean("/../a/./b/.."), "/a");
        assert_eq!(clean("//"), "/");
        assert_eq!(clean(".foo"), ".foo");
    }

    #[test]
    fn abs_joins_the_working_directory() {
        let cwd = Path::new("/tmp/v2");
        assert_eq!(abs(".", Some(cwd)).as_deref(), Some("/tmp/v2"));
        assert_eq!(abs("./rel", Some(cwd)).as_deref(), Some("/tmp/v2/rel"));
        assert_eq!(abs("../up", Some(cwd)).as_deref(), Some("/tmp/up"));
        assert_eq!(abs("/x/../y", None).as_deref(), Some("/y"));
        assert_eq!(abs("./rel", None), None);
    }
}
