//! Table tests: the examples of Docker's `.dockerignore` documentation and patternmatcher's
//! edge cases.

use super::*;

fn check(text: &str, table: &[(&str, bool)]) {
    let ignore = DockerIgnore::parse(text);
    for (path, want) in table {
        assert_eq!(
            ignore.excludes(path),
            *want,
            "patterns {text:?}, path {path:?}"
        );
    }
}

#[test]
fn documented_example_file() {
    check(
        "# comment\n*/temp*\n*/*/temp*\ntemp?\n",
        &[
            ("somedir/temporary.txt", true),
            ("somedir/temp", true),
            ("somedir/subdir/temporary.txt", true),
            ("tempa", true),
            ("tempb", true),
            ("temp", false),
            ("temporary.txt", false),
            ("a/b/c/temp", false),
            ("# comment", false),
        ],
    );
}

#[test]
fn double_star_matches_any_depth() {
    check(
        "**/*.go",
        &[
            ("main.go", true),
            ("a/main.go", true),
            ("a/b/c/main.go", true),
            ("main.rs", false),
        ],
    );
    check("**", &[("anything", true), ("a/b", true)]);
    check(
        "dir/**",
        &[("dir/a", true), ("dir/a/b", true), ("dirx", false)],
    );
    check(
        "a/**/b",
        &[
            ("a/b", true),
            ("a/x/b", true),
            ("a/x/y/b", true),
            ("a/xb", false),
        ],
    );
    // patternmatcher's suffix form: `**` then plain text is a plain suffix test.
    check("**foo", &[("barfoo", true), ("x/foo", true), ("fo", false)]);
}

#[test]
fn documented_exceptions_last_match_wins() {
    check(
        "*.md\n!README.md\n",
        &[("README.md", false), ("CHANGES.md", true)],
    );
    check(
        "*.md\n!README*.md\nREADME-secret.md\n",
        &[
            ("README-secret.md", true),
            ("README-public.md", false),
            ("other.md", true),
        ],
    );
    check(
        "*.md\nREADME-secret.md\n!README*.md\n",
        &[("README-secret.md", false), ("other.md", true)],
    );
}

#[test]
fn directories_exclude_their_contents() {
    check(
        "docs\n",
        &[
            ("docs", true),
            ("docs/a.txt", true),
            ("docs/x/y", true),
            ("docsx", false),
        ],
    );
    check(
        "docs\n!docs/keep.txt\n",
        &[("docs/a.txt", true), ("docs/keep.txt", false)],
    );
}

#[test]
fn leading_slash_dot_slash_and_clean() {
    check(
        "/foo\n",
        &[("foo", true), ("foo/bar", true), ("x/foo", false)],
    );
    check("./foo\n", &[("foo", true)]);
    check("foo/../bar/\n", &[("bar", true), ("foo", false)]);
    check("  spaced  \n", &[("spaced", true)]);
    check(" # not a comment\n", &[("# not a comment", true)]);
    check("\u{feff}bom\n", &[("bom", true)]);
}

#[test]
fn character_classes_and_escapes() {
    check(
        "file[0-9].txt\n",
        &[("file3.txt", true), ("filex.txt", false)],
    );
    check("a\\*b\n", &[("a*b", true), ("axb", false)]);
    check("v?.txt\n", &[("v1.txt", true), ("v/.txt", false)]);
    check("*.t(x)t+\n", &[("a.t(x)t+", true), ("a.txt", false)]);
}

#[test]
fn malformed_patterns_are_reported_and_ignored() {
    let ignore = DockerIgnore::parse("[\n!\nok\n");
    assert_eq!(ignore.invalid_pattern(), Some("syntax error in pattern"));
    assert!(ignore.excludes("ok"));
    assert!(!ignore.excludes("["));
    assert!(DockerIgnore::parse("ok").invalid_pattern().is_none());
}

#[test]
fn walker_descends_only_for_exceptions_below() {
    let ignore = DockerIgnore::parse("docs\n!docs/keep.txt\nbuild\n");
    assert!(ignore.may_include_below("docs"));
    assert!(!ignore.may_include_below("build"));
    assert!(!ignore.may_include_below("other"));
    let ignore = DockerIgnore::parse("*\n!src/a/b.txt\n");
    assert!(ignore.may_include_below("src"));
    assert!(ignore.may_include_below("src/a"));
    assert!(!ignore.may_include_below("src/b"));
}

#[test]
fn empty_file_excludes_nothing() {
    let ignore = DockerIgnore::parse("\n# only a comment\n\n");
    assert!(ignore.is_empty());
    assert!(!ignore.excludes("anything"));
    assert!(!ignore.excludes("."));
}
