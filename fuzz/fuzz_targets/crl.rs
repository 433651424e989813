//! The CRL loader: `cert::crl::parse` (PEM or DER, strict) and `load_previous` (the previous
//! CRL of `crl sign --previous`, checked against the vector ceremony's root,
//! tests/vectors/cert_valid.pem), then `chain verify --crl` with it over the vector chain.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootkey::cert::RootCert;
use rootkey::cert::chain::{Given, load_certificates, verify};
use rootkey::cert::crl::{load_previous, parse};
use rootkey::encoding::time::UtcTime;
use std::sync::LazyLock;

static ROOT: LazyLock<RootCert> = LazyLock::new(|| {
    RootCert::from_pem(include_bytes!("../../tests/vectors/cert_valid.pem"), "root")
        .expect("vector root")
});
static CHAIN: LazyLock<Vec<Given>> = LazyLock::new(|| {
    load_certificates(
        include_bytes!("../../tests/vectors/pem_valid-chain.pem"),
        "chain",
    )
    .expect("vector chain")
});

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = parse(data, "crl.pem") {
        let _ = c.number_hex();
    }
    let Ok(crl) = load_previous(data, "previous.crl", &ROOT) else {
        return;
    };
    let _ = crl.number_hex();
    // 2029-06-01T00:00:00Z.
    if let Some(at) = UtcTime::from_unix_secs(1_874_966_400) {
        let _ = verify(&ROOT, Some(&crl), at, &CHAIN);
    }
});
