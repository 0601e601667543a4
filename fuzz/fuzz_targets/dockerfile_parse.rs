//! The Dockerfile parser (`build::parse_dockerfile`: directives, continuations, JSON/shell form,
//! flags, every instruction's argument checks) and the builder's variable expansion
//! (`build::shell_lex::expand_word`/`expand_words`, buildkit's shell-lexer rules).
//! Input: `dockerfile\0word` (the word is expanded with a small fixed environment).
//! Properties: no panic; a parsed file has a stage or a global ARG, FROM first in each stage,
//! upper-case keywords and non-decreasing line numbers; a word without `$`, quotes or escapes
//! expands to itself; the words of an expansion are never empty.
#![no_main]

use berth_fuzz::str_fields;
use build::shell_lex::{expand_word, expand_words, Env};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(fields) = str_fields(data, 2) else {
        return;
    };
    if let Ok(dockerfile) = build::parse_dockerfile(fields[0]) {
        // Only global ARGs and no FROM parses (dockerd fails later: no image was generated).
        assert!(!dockerfile.stages.is_empty() || !dockerfile.meta_args.is_empty());
        assert!(dockerfile.meta_args.iter().all(|a| a.keyword == "ARG"));
        let mut last_line = 0;
        for stage in &dockerfile.stages {
            assert_eq!(stage.from.keyword, "FROM");
            for instruction in std::iter::once(&stage.from).chain(&stage.instructions) {
                assert_eq!(
                    instruction.keyword,
                    instruction.keyword.to_ascii_uppercase()
                );
                assert!(instruction.line >= last_line);
                last_line = instruction.line;
            }
        }
    }
    let Some(word) = fields.get(1) else {
        return;
    };
    let env_list: Vec<String> = ["A=1", "EMPTY=", "WS=a b", "PATH=/bin"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let env = Env::from_list(&env_list);
    for escape in ['\\', '`'] {
        let expanded = expand_word(word, &env, escape);
        if !word.contains(['$', '\'', '"', escape]) {
            assert_eq!(expanded.as_deref(), Ok(*word));
        }
        if let Ok(words) = expand_words(word, &env, escape) {
            assert!(words.iter().all(|w| !w.is_empty()));
        }
    }
});
