//! The customer side (`rootkey chain verify`): certificates checked against the root and its
//! CRL, offline. Not a ceremony: no share, no key, no transcript.

use std::path::PathBuf;

use super::summary;
use crate::cert::chain;
use crate::console;
use crate::encoding::time::UtcTime;
use crate::error::{Result, exit};

/// `rootkey chain verify`: checks `certs` against `root` (and `crl`) at `at` (default: now)
/// and shows the report. Returns the exit code: 3 when a certificate does not verify.
pub fn run(
    root: PathBuf,
    crl: Option<PathBuf>,
    at: Option<String>,
    certs: Vec<PathBuf>,
) -> Result<i32> {
    let at = at
        .as_deref()
        .map(|t| UtcTime::parse_arg(t, "--at"))
        .transpose()?
        .map_or_else(UtcTime::now, Ok)?;
    let root_cert = crate::cert::RootCert::load(&root)?;
    let crl = match &crl {
        Some(p) => {
            let b = crate::fsio::read_public(p, 16 << 20, "CRL")?;
            Some(crate::cert::crl::load_previous(
                &b,
                &format!("CRL {}", p.display()),
                &root_cert,
            )?)
        }
        None => None,
    };
    let mut given = Vec::new();
    for p in &certs {
        let b = crate::fsio::read_public(p, 1 << 20, "certificate")?;
        given.extend(chain::load_certificates(&b, &p.display().to_string())?);
    }
    let report = chain::verify(&root_cert, crl.as_ref(), at, &given)?;
    console::out("the summary", &summary::chain(&report, &root_cert))?;
    Ok(if report.all_valid() {
        exit::OK
    } else {
        exit::VERIFICATION
    })
}
