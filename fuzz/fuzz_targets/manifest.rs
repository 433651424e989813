//! The manifest (`manifest.json`): strict JSON parse, then the root's signature over it and
//! every lookup a combine makes, against the vector ceremony's root (tests/vectors/cert_valid.pem).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootkey::cert::RootCert;
use rootkey::manifest::Manifest;
use rootkey::share::ShareHeader;
use std::sync::LazyLock;

static ROOT: LazyLock<RootCert> = LazyLock::new(|| {
    RootCert::from_pem(include_bytes!("../../tests/vectors/cert_valid.pem"), "root")
        .expect("vector root")
});

fuzz_target!(|data: &[u8]| {
    let Ok(m) = Manifest::from_json(data, "manifest.json") else {
        return;
    };
    let _ = m.ceremony_id();
    let _ = m.to_json();
    let _ = m.signed_bytes();
    let _ = m.verify(&ROOT, "manifest.json");
    // A share claiming each listed index, with the digest the entry names.
    for e in &m.shares {
        let h = ShareHeader {
            rehearsal: m.ceremony.rehearsal,
            ceremony_id: m.ceremony_id(),
            root_fingerprint: [0; 16],
            k: m.threshold,
            n: m.shares_total,
            index: e.index,
        };
        let mut digest = [0u8; 32];
        if let Ok(d) = hex::decode(&e.envelope_sha256)
            && d.len() == 32
        {
            digest.copy_from_slice(&d);
        }
        let _ = m.entry_for(&h, &digest);
    }
});
