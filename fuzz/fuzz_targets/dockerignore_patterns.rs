//! `.dockerignore` patterns (`dockerignore::DockerIgnore`: comments, `!` exceptions, `**`,
//! cleaning, parent-directory matches) and Go's `filepath.Match` (`dockerignore::path_match`,
//! also the COPY glob matcher). Input: `dockerignore text\0path\0glob`.
//! Properties: no panic (and no exponential time on hostile globs); a relative path and its
//! cleaned form are excluded alike; without exceptions, whatever is below an excluded
//! directory is excluded; a glob without metacharacters
//! matches exactly itself.
#![no_main]

use berth_fuzz::str_fields;
use dockerignore::{clean_path, has_glob_meta, path_match, DockerIgnore};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(fields) = str_fields(data, 3) else {
        return;
    };
    let ignore = DockerIgnore::parse(fields[0]);
    let path = fields.get(1).copied().unwrap_or_default();
    let excluded = ignore.excludes(path);
    if !path.starts_with('/') {
        assert_eq!(excluded, ignore.excludes(&clean_path(path)));
    }
    let _ = ignore.may_include_below(path);
    let has_exceptions = fields[0].lines().any(|l| l.trim_start().starts_with('!'));
    if !has_exceptions && !path.is_empty() {
        let cleaned = clean_path(path.trim_start_matches('/'));
        if let Some((parent, _)) = cleaned.rsplit_once('/') {
            if ignore.excludes(parent) {
                assert!(
                    ignore.excludes(&cleaned),
                    "{parent} excluded but not {cleaned}"
                );
            }
        }
    }
    let glob = fields.get(2).copied().unwrap_or_default();
    let matched = path_match(glob, path);
    if !has_glob_meta(glob) {
        assert_eq!(matched, Ok(glob == path));
    }
});
