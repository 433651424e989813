//! The token payload parser (`token::payload::parse`, docs/formats.md "Token payload v1": a
//! `share-<index>.token` file or a token's data object), touching no token.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = rootkey::token::payload::parse(data) {
        let _ = format!("{:?}", p.header);
    }
});
