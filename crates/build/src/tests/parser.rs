//! Parser edge cases (buildkit's rules and dockerd's error texts).

use crate::commands::Command;
use crate::{parse_dockerfile, BuildError};

fn err(text: &str) -> String {
    match parse_dockerfile(text) {
        Err(BuildError::Parse(m)) => m,
        other => panic!("expected a parse error for {text:?}, got {other:?}"),
    }
}

#[test]
fn errors_in_dockerds_words() {
    assert_eq!(
        err("FROM busybox\n\nFORM x\n"),
        "dockerfile parse error line 3: unknown instruction: FORM"
    );
    assert_eq!(err(""), "the Dockerfile (Dockerfile) cannot be empty");
    assert_eq!(
        err("# just a comment\n\n   \n"),
        "failed to parse Dockerfile: file with no instructions"
    );
    assert_eq!(
        err("RUN true\n"),
        "dockerfile parse error line 1: no build stage in current context"
    );
    assert_eq!(
        err("FROM a b\n"),
        "dockerfile parse error line 1: FROM requires either one or three arguments"
    );
    assert_eq!(
        err("FROM a AS 1x\n"),
        "dockerfile parse error line 1: invalid name for build stage: \"1x\", name can't start with a number or contain symbols"
    );
    assert_eq!(
        err("FROM a\nCOPY --foo=1 a b\n"),
        "dockerfile parse error line 2: unknown flag: --foo"
    );
    assert_eq!(
        err("FROM a\nCOPY a\n"),
        "dockerfile parse error line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined"
    );
    assert_eq!(
        err("FROM a\nENV\n"),
        "dockerfile parse error line 2: ENV requires at least one argument"
    );
    assert_eq!(
        err("FROM a\nENV x\n"),
        "failed to parse Dockerfile: ENV must have two arguments"
    );
    assert_eq!(
        err("FROM a\nRUN [\"a\", 1]\n"),
        "failed to parse Dockerfile: when using JSON array syntax, arrays must be comprised of strings only"
    );
    assert_eq!(
        err("FROM a\nSHELL /bin/bash -c\n"),
        "dockerfile parse error line 2: SHELL requires the arguments to be in JSON form"
    );
    assert_eq!(
        err("FROM a\nONBUILD FROM b\n"),
        "dockerfile parse error line 2: FROM isn't allowed as an ONBUILD trigger"
    );
    assert_eq!(
        err("FROM a\nHEALTHCHECK --interval=1ns CMD true\n"),
        "dockerfile parse error line 2: Interval \"interval\" cannot be less than 1ms"
    );
    assert!(err("FROM a\nRUN cat <<EOF\nhello\nEOF\n").contains("heredocs"));
    assert_eq!(
        err("# escape=x\nFROM a\n"),
        "failed to parse Dockerfile: invalid escape token 'x' does not match ` or \\"
    );
}

#[test]
fn directives_only_before_the_first_instruction() {
    let df =
        parse_dockerfile("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\nRUN echo `\n  hi\n")
            .unwrap();
    assert_eq!(df.escape, '`');
    assert_eq!(df.stages[0].instructions[0].args, vec!["echo   hi"]);
    // After an instruction, `# escape=` is an ordinary comment.
    let df = parse_dockerfile("FROM a\n# escape=`\nRUN echo \\\n hi\n").unwrap();
    assert_eq!(df.escape, '\\');
    assert_eq!(df.stages[0].instructions[0].args, vec!["echo  hi"]);
    // An empty line ends the directives too.
    let df = parse_dockerfile("\n# escape=`\nFROM a\n").unwrap();
    assert_eq!(df.escape, '\\');
}

#[test]
fn continuations_comments_and_empty_lines() {
    let text =
        "FROM a\nRUN echo one \\\n# a comment inside\n\n    two \\\n  \\\n three\nRUN x\\\\\n";
    let df = parse_dockerfile(text).unwrap();
    let run = &df.stages[0].instructions[0];
    assert_eq!(run.line, 2);
    assert_eq!(run.args, vec!["echo one     two    three"]);
    assert_eq!(run.original, "RUN echo one     two    three");
    assert_eq!(df.warnings.len(), 1, "{:?}", df.warnings);
    assert!(df.warnings[0].starts_with("Empty continuation line found in: RUN echo one"));
    // An escaped escape does not continue.
    assert_eq!(df.stages[0].instructions[1].args, vec!["x\\\\"]);
    assert_eq!(df.stages[0].instructions[1].line, 8);
    // A continuation at the end of the file just ends.
    let df = parse_dockerfile("FROM a\nRUN x \\").unwrap();
    assert_eq!(df.stages[0].instructions[0].args, vec!["x"]);
    // CRLF line ends.
    let df = parse_dockerfile("FROM a\r\nRUN a \\\r\n b\r\n").unwrap();
    assert_eq!(df.stages[0].instructions[0].args, vec!["a  b"]);
}

#[test]
fn json_or_shell_form() {
    let df = parse_dockerfile(
        "FROM a\nCMD [\"cat\", \"/x\"]\nCMD [cat, /x]\nENTRYPOINT []\nRUN [\"a\" \"b\"]\nVOLUME [\"/a\", \"/b\"]\nVOLUME /c /d\n",
    )
    .unwrap();
    let i = &df.stages[0].instructions;
    assert!(i[0].json);
    assert_eq!(i[0].args, vec!["cat", "/x"]);
    assert!(!i[1].json);
    assert_eq!(i[1].args, vec!["[cat, /x]"]);
    assert!(i[2].json && i[2].args.is_empty());
    assert!(!i[3].json, "invalid JSON is the shell form");
    assert_eq!(i[4].args, vec!["/a", "/b"]);
    assert_eq!(i[5].args, vec!["/c", "/d"]);
}

#[test]
fn keywords_flags_stages_and_args() {
    let text = "ARG V=1\nfrom --platform=linux/amd64 base:${V} As Build\ncopy --from=build --chown=1:2 a b /c/\nFROM build\nenv A=1 B=\"two words\" C=3\nENV legacy value with spaces\nLABEL \"k\"=v\nARG X Y=2\n";
    let df = parse_dockerfile(text).unwrap();
    assert_eq!(df.meta_args.len(), 1);
    assert_eq!(df.stages.len(), 2);
    let s0 = &df.stages[0];
    assert_eq!(s0.base, "base:${V}");
    assert_eq!(s0.name.as_deref(), Some("build"));
    assert_eq!(s0.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(s0.from.keyword, "FROM");
    let copy = Command::parse(&s0.instructions[0], '\\').unwrap();
    let Command::Copy(spec) = copy else {
        panic!("{copy:?}")
    };
    assert_eq!(spec.from.as_deref(), Some("build"));
    assert_eq!(spec.chown.as_deref(), Some("1:2"));
    assert_eq!(spec.sources, vec!["a", "b"]);
    assert_eq!(spec.dest, "/c/");
    let s1 = &df.stages[1].instructions;
    assert_eq!(
        s1[0].args,
        vec!["A", "1", "=", "B", "\"two words\"", "=", "C", "3", "="]
    );
    assert_eq!(s1[1].args, vec!["legacy", "value with spaces", ""]);
    assert_eq!(s1[2].args, vec!["\"k\"", "v", "="]);
    assert_eq!(
        Command::parse(&s1[3], '\\').unwrap(),
        Command::Arg(vec![("X".into(), None), ("Y".into(), Some("2".into()))])
    );
}

#[test]
fn healthcheck_forms() {
    let df = parse_dockerfile(
        "FROM a\nHEALTHCHECK --interval=30s --retries=3 CMD curl -f http://x/ || exit 1\nHEALTHCHECK CMD [\"/bin/check\", \"-q\"]\nHEALTHCHECK NONE\n",
    )
    .unwrap();
    let parse = |i: usize| Command::parse(&df.stages[0].instructions[i], '\\').unwrap();
    let Command::Healthcheck(h) = parse(0) else {
        panic!()
    };
    assert_eq!(
        h.test,
        Some(vec![
            "CMD-SHELL".into(),
            "curl -f http://x/ || exit 1".into()
        ])
    );
    assert_eq!(h.interval, Some(30_000_000_000));
    assert_eq!(h.retries, Some(3));
    let Command::Healthcheck(h) = parse(1) else {
        panic!()
    };
    assert_eq!(
        h.test,
        Some(vec!["CMD".into(), "/bin/check".into(), "-q".into()])
    );
    let Command::Healthcheck(h) = parse(2) else {
        panic!()
    };
    assert_eq!(h.test, Some(vec!["NONE".into()]));
}

#[test]
fn onbuild_keeps_the_trigger_text() {
    let df = parse_dockerfile("FROM a\nONBUILD   RUN echo hi\n").unwrap();
    assert_eq!(
        Command::parse(&df.stages[0].instructions[0], '\\').unwrap(),
        Command::Onbuild("RUN echo hi".into())
    );
}
