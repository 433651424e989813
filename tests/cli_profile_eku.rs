//! The intermediate profile's optional extendedKeyUsage (`[extensions] extended_key_usage`,
//! docs/formats.md "Intermediate certificate profile"), through the real binary: the key
//! purposes a profile names are shown to the confirmers and written, non-critical and in the
//! profile's order, into the certificate OpenSSL reads; the shipped profile names none, so the
//! intermediate carries no extendedKeyUsage; an unknown name refuses the profile before the
//! ceremony starts, naming the file, the line and the next step.

#[path = "common/mod.rs"]
mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{rehearsal as fixture, rootkey, s, sh_ok};

/// A profile as the shipped one, with its own subject pattern (so that it does not depend on
/// the shipped pattern) and `eku` as its `extended_key_usage` line.
fn profile(dir: &Path, name: &str, eku: &str) -> PathBuf {
    let text = format!(
        "name = \"EKU test profile\"\n\
         \n\
         [subject]\n\
         allowed = [\"CN=Example Corp Intermediate CA prod/*\"]\n\
         \n\
         [validity]\n\
         days = 365\n\
         overlap_days = 90\n\
         \n\
         [extensions]\n\
         digital_signature = true\n\
         {eku}\n\
         crl_distribution_points = [\"http://pki.example.com/root.crl\"]\n\
         \n\
         [request]\n\
         allowed_extensions = [\"basicConstraints\", \"keyUsage\", \"subjectKeyIdentifier\"]\n"
    );
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

/// `intermediate sign` of `csr` with `profile` against the shared rehearsal root.
fn sign(csr: &Path, profile: &Path, out: &Path) -> common::Run {
    let f = fixture();
    let mut a = common::intermediate_sign_args(&f.c, csr, &common::csr_der_sha256(csr), out);
    let at = a.iter().position(|x| x == "--profile").unwrap();
    a[at + 1] = s(profile);
    a.extend(common::CONFIRMERS.map(String::from));
    a.extend(common::share_args(&f.c, &[1, 2, 3]));
    let r = rootkey(&a);
    r.no_secrets(&f.c.secrets);
    r
}

/// The block of `openssl x509 -text` that starts with the line holding `heading` (the
/// heading line and the indented lines under it).
fn text_block(text: &str, heading: &str) -> Option<Vec<String>> {
    let mut lines = text.lines().skip_while(|l| !l.contains(heading));
    let head = lines.next()?;
    let indent = head.len() - head.trim_start().len();
    let mut out = vec![head.trim().to_string()];
    out.extend(
        lines
            .take_while(|l| l.len() - l.trim_start().len() > indent)
            .map(|l| l.trim().to_string()),
    );
    Some(out)
}

#[test]
fn key_purposes_of_the_profile_are_shown_and_written() {
    let f = fixture();
    let work = f.dir.join("eku-named");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "p256", common::CSR_SUBJECT);
    let p = profile(
        &work,
        "eku.toml",
        "extended_key_usage = [\"codeSigning\", \"timeStamping\", \"1.3.6.1.4.1.311.10.3.13\"]",
    );
    let out = work.join("out");
    let r = sign(&csr, &p, &out);
    r.ok();
    // The confirmers see it where the other extensions are shown, right after keyUsage.
    let shown: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| *l != "  Extensions:")
        .skip(1)
        .take(4)
        .map(str::trim)
        .collect();
    assert_eq!(
        shown[..3],
        [
            "basicConstraints (critical): cA=TRUE, pathLenConstraint=0",
            "keyUsage (critical): digitalSignature, keyCertSign, cRLSign",
            "extendedKeyUsage: codeSigning, timeStamping, 1.3.6.1.4.1.311.10.3.13",
        ],
        "{}",
        r.stdout
    );
    assert!(shown[3].starts_with("subjectKeyIdentifier: "), "{shown:?}");
    // OpenSSL reads it: non-critical, in the profile's order.
    let inter = s(&out.join("intermediate.pem"));
    let text = sh_ok(&format!("openssl x509 -in {inter} -noout -text"), &work);
    assert_eq!(
        text_block(&text, "X509v3 Extended Key Usage").as_deref(),
        Some(
            &[
                "X509v3 Extended Key Usage:".to_string(),
                "Code Signing, Time Stamping, 1.3.6.1.4.1.311.10.3.13".to_string(),
            ][..]
        ),
        "{text}"
    );
    // The extensions in certificate order.
    let names: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("X509v3 ") && *l != "X509v3 extensions:")
        .collect();
    assert_eq!(
        names,
        [
            "X509v3 Basic Constraints: critical",
            "X509v3 Key Usage: critical",
            "X509v3 Extended Key Usage:",
            "X509v3 Subject Key Identifier:",
            "X509v3 Authority Key Identifier:",
            "X509v3 CRL Distribution Points:",
        ],
        "{text}"
    );
    // The ceremony's record: the profile by its hash, the certificate by its TBS hash.
    common::transcript_verifies_with_both(&out);
    // And the intermediate still verifies as a CA under the root.
    rootkey(["chain", "verify", "--root", &s(&f.c.root), &inter]).ok();
}

#[test]
fn the_shipped_profile_writes_no_extended_key_usage() {
    let f = fixture();
    let work = f.dir.join("eku-shipped");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "p256", common::CSR_SUBJECT);
    let out = work.join("out");
    let r = common::intermediate_sign(&f.c, &csr, &out, &[1, 2, 3], &[]);
    r.ok().stdout_lacks(&["extendedKeyUsage"]);
    let inter = s(&out.join("intermediate.pem"));
    let text = sh_ok(&format!("openssl x509 -in {inter} -noout -text"), &work);
    assert!(text.contains("X509v3 Key Usage: critical"), "{text}");
    assert!(!text.contains("Extended Key Usage"), "{text}");
}

#[test]
fn an_unknown_key_purpose_refuses_the_profile() {
    let f = fixture();
    let work = f.dir.join("eku-unknown");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "p256", common::CSR_SUBJECT);
    let p = profile(
        &work,
        "typo.toml",
        "extended_key_usage = [\"serverAuth\", \"codesigning\"]",
    );
    let out = work.join("out");
    let r = sign(&csr, &p, &out);
    r.code(common::INPUT).single_error();
    assert_eq!(
        r.stderr,
        format!(
            "error: intermediate profile {}, line 12: extensions.extended_key_usage: \"codesigning\" is neither a known key purpose (serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning) nor a dotted OID\n  next step: correct that line of the profile (docs/formats.md, \"Intermediate certificate profile\")\n",
            p.display()
        )
    );
    assert!(!out.exists(), "{} was created", out.display());
    // anyExtendedKeyUsage restricts nothing: refused with the way to say so.
    let p = profile(&work, "any.toml", "extended_key_usage = [\"2.5.29.37.0\"]");
    let r = sign(&csr, &p, &out);
    r.code(common::INPUT).single_error().stderr_has(&[
        "any.toml, line 12: extensions.extended_key_usage: anyExtendedKeyUsage (2.5.29.37.0) restricts nothing; leave the list empty for an intermediate without extendedKeyUsage",
    ]);
    assert!(!out.exists(), "{} was created", out.display());
}
