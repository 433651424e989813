//! The transcript: the line parser and hash chain (`transcript::verify::verify_chain`) and the
//! whole verifier (`replay_bytes`: every entry's members, the ceremony's steps, the seal, the
//! witnesses' attestations), as `rootkey transcript verify` runs it, against the vector
//! ceremony's root (tests/vectors/cert_valid.pem), and the report made of it. An input holding the separator line below
//! is a transcript followed by its attestations file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootkey::cert::RootCert;
use rootkey::transcript::report;
use rootkey::transcript::verify::{ReplayOptions, replay_bytes, verify_chain};
use std::path::PathBuf;
use std::sync::LazyLock;

/// Between the transcript and its attestations file in one input.
const SEPARATOR: &[u8] = b"\n#attestations\n";

static ROOT: LazyLock<RootCert> = LazyLock::new(|| {
    RootCert::from_pem(include_bytes!("../../tests/vectors/cert_valid.pem"), "root")
        .expect("vector root")
});

fuzz_target!(|data: &[u8]| {
    let (transcript, attestations) =
        match data.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(i) => (&data[..=i], Some(&data[i + SEPARATOR.len()..])),
            None => (data, None),
        };
    let _ = verify_chain(transcript);
    let att = attestations.map(|a| (PathBuf::from("t.jsonl.attestations"), a));
    let bare = replay_bytes(
        "t.jsonl",
        transcript,
        att.clone(),
        &ReplayOptions::default(),
    );
    let _ = bare.exit_code();
    let opts = ReplayOptions {
        root: Some(&ROOT),
        ..ReplayOptions::default()
    };
    let r = replay_bytes("t.jsonl", transcript, att, &opts);
    let _ = r.exit_code();
    // `rootkey transcript report`: the report model and its Markdown.
    let _ = report::markdown(&report::build(&r));
});
