//! `WWW-Authenticate` challenges from a registry (`registry::Challenge::parse`), which decide
//! where login sends the credentials.
//! Properties: no panic; a Bearer challenge written with Go's quoting of its realm and service
//! (`\` and `"` escaped) parses back to the same realm and service, whatever follows it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use registry::Challenge;

fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Challenge::parse(s);
    let (realm, service) = s.split_once('\n').unwrap_or((s, ""));
    let header = format!(
        "Bearer realm={},service={}",
        quoted(realm),
        quoted(service)
    );
    assert_eq!(
        Challenge::parse(&header),
        Challenge::Bearer {
            realm: realm.to_string(),
            service: Some(service.to_string()),
        },
        "{header}"
    );
});
