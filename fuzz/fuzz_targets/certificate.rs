//! The certificate loaders: the root (`RootCert::from_pem`, strict, self-signed Ed25519), the
//! previous intermediate of a rotation (`cert::intermediate::load_certificate`, then
//! `check_previous` against a draft for the vector CSR), the certificates of `chain verify`
//! (`cert::chain::load_certificates`, then `chain::verify` under the vector root), a witness
//! key (`transcript::verify::witness_key_from_pem`) and the PEM reader itself (`pem::read`).
//! The first byte picks the loader; the rest is its input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootkey::cert::RootCert;
use rootkey::cert::chain::{load_certificates, verify};
use rootkey::cert::intermediate::{Draft, Request, check_previous, load_certificate, prepare};
use rootkey::cert::profile::{DEFAULT_INTERMEDIATE_PROFILE, IntermediateProfile};
use rootkey::encoding::time::UtcTime;
use rootkey::pem;
use std::sync::LazyLock;

static ROOT: LazyLock<RootCert> = LazyLock::new(|| {
    RootCert::from_pem(include_bytes!("../../tests/vectors/cert_valid.pem"), "root")
        .expect("vector root")
});
static PROFILE: LazyLock<IntermediateProfile> = LazyLock::new(|| {
    IntermediateProfile::from_toml(DEFAULT_INTERMEDIATE_PROFILE, "profile").expect("profile")
});
/// 2029-01-01T00:00:00Z, inside the vector root's validity.
static AT: LazyLock<UtcTime> =
    LazyLock::new(|| UtcTime::from_unix_secs(1_861_920_000).expect("time"));
/// The draft of a rotation for the vector Ed25519 CSR.
static DRAFT: LazyLock<Draft> = LazyLock::new(|| {
    let csr =
        rootkey::cert::csr::parse(include_bytes!("../../tests/vectors/csr_ed25519.pem"), "csr")
            .expect("vector CSR");
    let req = Request {
        subject: &csr.subject,
        spki: &csr.spki,
    };
    prepare(&ROOT, &PROFILE, &req, *AT).expect("draft")
});

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 5 {
        0 => {
            if let Ok(root) = RootCert::from_pem(rest, "root.pem") {
                let _ = root.public_key_bytes();
            }
        }
        1 => {
            if let Ok(prev) = load_certificate(rest, "previous.pem") {
                let _ = check_previous(&prev, "previous.pem", &ROOT, &DRAFT, &PROFILE);
            }
        }
        2 => {
            if let Ok(given) = load_certificates(rest, "bundle.pem") {
                let _ = verify(&ROOT, None, *AT, &given);
            }
        }
        3 => {
            let _ = rootkey::transcript::verify::witness_key_from_pem(rest, "witness.pem");
        }
        _ => {
            let expect = pem::Expect {
                labels: &["CERTIFICATE", "X509 CERTIFICATE"],
                what: "certificate",
                one: pick & 0x80 != 0,
                der: pick & 0x40 != 0,
            };
            let _ = pem::read(rest, "file.pem", &expect);
        }
    }
});
