//! `X-Registry-Auth` headers (`AuthConfig::from_header`: base64url/base64 of JSON) and the
//! `auth` field of config.json (`decode_basic`: base64 of `user:password`).
//! Properties: no panic; a decoded header re-encodes (`to_header`) and decodes to the same
//! credentials; decoded basic credentials re-encode and decode to the same pair. Server address
//! normalization (`registry_host`, `server_key`) of the decoded `serveraddress` does not panic.
#![no_main]

use credentials::{decode_basic, encode_basic, registry_host, server_key, AuthConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(auth) = AuthConfig::from_header(s) {
        let _ = auth.is_anonymous();
        let _ = format!("{auth:?}");
        let _ = server_key(&registry_host(&auth.server_address));
        let header = auth.to_header();
        let again = AuthConfig::from_header(&header).expect("our own header decodes");
        assert!(
            again == auth,
            "credentials changed through to_header/from_header"
        );
    }
    let _ = server_key(&registry_host(s));
    if let Ok((user, password)) = decode_basic(s) {
        let encoded = encode_basic(&user, &password);
        let again = decode_basic(&encoded).expect("our own basic credentials decode");
        assert_eq!(again, (user, password));
    }
});
