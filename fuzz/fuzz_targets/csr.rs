//! The CSR parser (`cert::csr::parse`: PEM or DER PKCS#10, its self-signature), then what
//! `intermediate sign` does with a request before any share is asked for: the check against
//! the default intermediate profile (templates/intermediate.toml) and the draft certificate
//! built from it under the vector ceremony's root (tests/vectors/cert_valid.pem).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootkey::cert::RootCert;
use rootkey::cert::intermediate::{Request, prepare};
use rootkey::cert::profile::{DEFAULT_INTERMEDIATE_PROFILE, IntermediateProfile};
use rootkey::encoding::time::UtcTime;
use std::sync::LazyLock;

static ROOT: LazyLock<RootCert> = LazyLock::new(|| {
    RootCert::from_pem(include_bytes!("../../tests/vectors/cert_valid.pem"), "root")
        .expect("vector root")
});
static PROFILE: LazyLock<IntermediateProfile> = LazyLock::new(|| {
    IntermediateProfile::from_toml(DEFAULT_INTERMEDIATE_PROFILE, "profile").expect("profile")
});

fuzz_target!(|data: &[u8]| {
    let Ok(csr) = rootkey::cert::csr::parse(data, "CSR req.pem") else {
        return;
    };
    let requested: Vec<_> = csr.extensions.iter().map(|e| e.extn_id).collect();
    let _ = PROFILE.check_request(&csr.subject_text, &requested, "CSR req.pem");
    // 2029-01-01T00:00:00Z, inside the vector root's validity.
    let Some(at) = UtcTime::from_unix_secs(1_861_920_000) else {
        return;
    };
    let req = Request {
        subject: &csr.subject,
        spki: &csr.spki,
    };
    let _ = prepare(&ROOT, &PROFILE, &req, at);
});
