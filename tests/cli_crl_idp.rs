//! The root CRL's issuingDistributionPoint (onlyContainsCACerts TRUE, critical; docs/formats.md
//! "Certificate revocation list"), through the real binary with OpenSSL as the oracle:
//! `crl sign` writes it and OpenSSL shows and honours it; `chain verify --crl` handles it (a
//! revoked intermediate is refused, and a non-CA certificate the root signed cannot be vouched
//! for by a CA-only CRL); a CRL of an older rootkey, without it, is still read by `chain
//! verify --crl` and carried forward as `crl sign --previous-crl`.
//!
//! An "older rootkey CRL" is made here from a new one: its issuingDistributionPoint removed
//! and the tbsCertList signed again with the rehearsal root's key, rebuilt from its text
//! shares (a throwaway rehearsal key).

#[path = "common/mod.rs"]
mod common;

use std::fs;
use std::path::Path;

use der::{Decode, Encode, asn1::BitString};
use x509_cert::crl::CertificateList;

use common::{Run, rehearsal as fixture, rootkey, s, sh, sh_ok};
use rootkey::key::RootKey;
use rootkey::secret::SecretBytes;
use rootkey::shamir::SharePoint;

/// The rehearsal root's seed, rebuilt from its text shares 1, 2 and 3.
fn rehearsal_seed() -> SecretBytes {
    let f = fixture();
    let points: Vec<SharePoint> = (1..=3)
        .map(|i| {
            let d = rootkey::share::text::parse(&fs::read(f.c.share(i)).unwrap()).unwrap();
            SharePoint {
                x: d.envelope.header().index,
                y: SecretBytes::copy_from(d.envelope.value()).unwrap(),
            }
        })
        .collect();
    let refs: Vec<&SharePoint> = points.iter().collect();
    rootkey::shamir::combine(&refs, 3).unwrap()
}

fn rehearsal_key() -> RootKey {
    RootKey::from_seed(&rehearsal_seed()).unwrap()
}

/// `crl` (PEM or DER) as a CRL of an older rootkey: without issuingDistributionPoint, signed
/// again by the root key. DER.
fn older_rootkey_crl(crl: &Path) -> Vec<u8> {
    let bytes = fs::read(crl).unwrap();
    let mut c: CertificateList = CertificateList::from_der(&bytes).unwrap();
    let exts = c.tbs_cert_list.crl_extensions.as_mut().unwrap();
    let before = exts.len();
    exts.retain(|e| e.extn_id.to_string() != "2.5.29.28");
    assert_eq!(exts.len(), before - 1, "the new CRL has an IDP");
    let tbs = c.tbs_cert_list.to_der().unwrap();
    c.signature = BitString::from_bytes(&rehearsal_key().sign(&tbs).to_bytes()).unwrap();
    c.to_der().unwrap()
}

fn crl_sign(out: &Path, extra: &[&str]) -> Run {
    common::crl_sign(&fixture().c, out, &[1, 2, 3], extra)
}

fn chain_verify(args: &[&str]) -> Run {
    let mut a = vec!["chain", "verify"];
    a.extend_from_slice(args);
    rootkey(&a)
}

/// A fresh intermediate signed with the shipped profile in `work/inter`; its PEM and serial
/// as openssl prints it.
fn intermediate(work: &Path) -> (String, String) {
    let csr = common::openssl_csr(work, "k", "p256", common::CSR_SUBJECT);
    let out = work.join("inter");
    common::intermediate_sign(&fixture().c, &csr, &out, &[1, 2, 3], &[]).ok();
    let inter = s(&out.join("intermediate.pem"));
    let serial = sh_ok(&format!("openssl x509 -in {inter} -noout -serial"), work);
    (
        inter,
        serial.trim().trim_start_matches("serial=").to_string(),
    )
}

/// thisUpdate has whole seconds and must increase from one CRL to the next.
fn tick() {
    std::thread::sleep(std::time::Duration::from_millis(1100));
}

/// The lines of `openssl crl -text` from "CRL extensions:" to "Revoked Certificates:" or
/// "No Revoked Certificates.", trimmed, without empty lines.
fn crl_extensions_text(crl: &str, dir: &Path) -> Vec<String> {
    let text = sh_ok(&format!("openssl crl -in {crl} -noout -text"), dir);
    text.lines()
        .map(str::trim)
        .skip_while(|l| *l != "CRL extensions:")
        .take_while(|l| !l.contains("Revoked Certificates"))
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn the_root_crl_is_ca_only_and_openssl_and_chain_verify_honour_it() {
    let f = fixture();
    let root = s(&f.c.root);
    let work = f.dir.join("idp-revoke");
    fs::create_dir_all(&work).unwrap();
    let (inter, serial) = intermediate(&work);
    let out = work.join("crl");
    crl_sign(
        &out,
        &["--first-crl", "--revoke", &format!("{serial}:superseded")],
    )
    .ok()
    .stdout_has(&[
        "CRL SIGNED: number 01",
        // The confirmers see the scope they sign.
        "\n  Scope:        CA certificates only (issuingDistributionPoint, critical)\n",
    ]);
    let crl = s(&out.join("root.crl.pem"));
    let ext = crl_extensions_text(&crl, &work);
    assert_eq!(ext[0], "CRL extensions:");
    assert_eq!(ext[1], "X509v3 Authority Key Identifier:");
    assert_eq!(ext[3], "X509v3 CRL Number:");
    assert_eq!(ext[4], "1");
    assert_eq!(
        ext[5..],
        [
            "X509v3 Issuing Distribution Point: critical",
            "Only CA Certificates"
        ],
        "{ext:?}"
    );
    let v = sh_ok(
        &format!("openssl crl -in {crl} -noout -verify -CAfile {root}"),
        &work,
    );
    assert!(v.contains("verify OK"), "{v}");
    // OpenSSL processes the critical IDP and finds the intermediate revoked.
    let (ok, v) = sh(
        &format!("openssl verify -crl_check -CAfile {root} -CRLfile {crl} {inter}"),
        &work,
    );
    assert!(!ok && v.contains("certificate revoked"), "{v}");
    let r = chain_verify(&["--root", &root, "--crl", &crl, &inter]);
    r.code(common::VERIFICATION).stdout_has(&[
        ", 1 revoked, CA certificates only\n",
        "revoked by the root's CRL (number 01)",
        "reason superseded",
    ]);
    // Both verifiers read the CRL the transcript names.
    common::transcript_verifies_with_both(&out);
}

#[test]
fn an_older_rootkey_crl_without_idp_is_still_read() {
    let f = fixture();
    let root = s(&f.c.root);
    let work = f.dir.join("idp-older");
    fs::create_dir_all(&work).unwrap();
    let (inter, serial) = intermediate(&work);
    let first = work.join("first");
    crl_sign(&first, &["--first-crl"]).ok();
    let old = work.join("old.crl");
    fs::write(&old, older_rootkey_crl(&first.join("root.crl"))).unwrap();
    let old = s(&old);
    let ext = crl_extensions_text(&old, &work);
    assert_eq!(ext.len(), 5, "no IDP in the older form: {ext:?}");
    let v = sh_ok(
        &format!("openssl crl -in {old} -noout -verify -CAfile {root}"),
        &work,
    );
    assert!(v.contains("verify OK"), "{v}");
    chain_verify(&["--root", &root, "--crl", &old, &inter])
        .ok()
        .stdout_has(&[", 0 revoked\n"])
        .stdout_lacks(&["CA certificates only"]);
    // The next CRL, from the older one: carried forward, and now CA-only.
    tick();
    let next = work.join("next");
    crl_sign(
        &next,
        &[
            "--previous-crl",
            &old,
            "--revoke",
            &format!("{serial}:keyCompromise"),
        ],
    )
    .ok()
    .stdout_has(&["CRL SIGNED: number 02", "1 revoked"]);
    let crl = s(&next.join("root.crl.pem"));
    let ext = crl_extensions_text(&crl, &work);
    assert_eq!(
        ext[5..],
        [
            "X509v3 Issuing Distribution Point: critical",
            "Only CA Certificates"
        ],
        "{ext:?}"
    );
    chain_verify(&["--root", &root, "--crl", &crl, &inter])
        .code(common::VERIFICATION)
        .stdout_has(&["revoked by the root's CRL (number 02)"]);
    common::transcript_verifies_with_both(&next);
}

#[test]
fn a_ca_only_crl_cannot_vouch_for_a_non_ca_certificate_of_the_root() {
    let f = fixture();
    let root = s(&f.c.root);
    let work = f.dir.join("idp-leaf");
    fs::create_dir_all(&work).unwrap();
    // A leaf signed by the root key directly (rootkey never does this; a forger with the key
    // or a test could).
    fs::write(work.join("root-key.pem"), rehearsal_key_pkcs8()).unwrap();
    sh_ok(
        "openssl genpkey -algorithm ED25519 -out leaf.key && \
         openssl req -new -key leaf.key -subj /CN=leaf -out leaf.csr && \
         printf 'basicConstraints=critical,CA:FALSE\\n' > ext.cnf && \
         openssl x509 -req -in leaf.csr -CA root.pem -CAkey root-key.pem -days 30 \
           -set_serial 0x77 -extfile ext.cnf -out leaf.pem",
        &copy_root(&work),
    );
    let leaf = s(&work.join("leaf.pem"));
    chain_verify(&["--root", &root, &leaf]).ok();
    let out = work.join("crl");
    crl_sign(&out, &["--first-crl"]).ok();
    let crl = s(&out.join("root.crl.pem"));
    let r = chain_verify(&["--root", &root, "--crl", &crl, &leaf]);
    r.code(common::VERIFICATION).stdout_has(&[
        "its revocation cannot be checked: the root's CRL (number 01) covers CA certificates only (issuingDistributionPoint onlyContainsCACerts), and this certificate the root signed is not a CA",
    ]);
    // An older, complete CRL does cover it.
    let old = work.join("old.crl");
    fs::write(&old, older_rootkey_crl(&out.join("root.crl"))).unwrap();
    chain_verify(&["--root", &root, "--crl", &s(&old), &leaf]).ok();
}

/// `work` with root.pem copied in (openssl's -CA), returned.
fn copy_root(work: &Path) -> std::path::PathBuf {
    fs::copy(&fixture().c.root, work.join("root.pem")).unwrap();
    work.to_path_buf()
}

/// The rehearsal root's key as an unencrypted PKCS#8 PEM (RFC 8410 §7), for openssl.
fn rehearsal_key_pkcs8() -> String {
    let mut der = hex::decode("302e020100300506032b657004220420").unwrap();
    der.extend_from_slice(rehearsal_seed().as_slice());
    der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der).unwrap()
}
