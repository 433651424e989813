//! Issue 10: a verifier that cannot be fooled by PEM it does not read, and messages that say
//! what is wrong and where. Through the real binary, with openssl as the outside view:
//!
//! * `chain verify` used to skip a block labelled `X509 CERTIFICATE` (which openssl reads) or
//!   under a damaged BEGIN line, and reported "All 1 certificate(s) verify" for a bundle that
//!   holds a revoked intermediate; it now refuses the file (exit 1) — and, with the label put
//!   right, reports the revocation (exit 3);
//! * every other PEM reader (root.pem, CSR, CRL, `--previous`, witness keys) refuses an
//!   unrecognised or damaged block with the file, the line and a next step;
//! * `--previous root.pem` is refused; profile errors name the line and the key;
//!   `--not-before 9999-12-31` says why; DER errors name a byte offset.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tempfile::TempDir;

use common::{Ceremony, INPUT, Run, VERIFICATION, rootkey, s, sh_stdout as sh};

struct Fixture {
    _dir: TempDir,
    work: PathBuf,
    c: Ceremony,
    /// intermediate.pem signed by the ceremony's root, and its CSR.
    inter: PathBuf,
    csr: PathBuf,
    /// A CRL of the root that revokes `inter`.
    crl: PathBuf,
}

/// One rehearsal ceremony, one intermediate signed by it, one CRL revoking that intermediate.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let d = TempDir::new().unwrap();
        let work = d.path().to_path_buf();
        let c = Ceremony::rehearse(&work.join("root"));
        let csr = common::openssl_csr(&work, "k", "p256", common::CSR_SUBJECT);
        let out = work.join("inter");
        sign(&c, &csr, &out, &[]).ok();
        let inter = out.join("intermediate.pem");
        let serial = sh(
            &format!("openssl x509 -in {} -noout -serial", s(&inter)),
            &work,
        );
        let serial = serial.trim().trim_start_matches("serial=").to_string();
        let crl_out = work.join("crl");
        common::crl_sign(
            &c,
            &crl_out,
            &[1, 2, 3],
            &["--first-crl", "--revoke", &serial],
        )
        .ok();
        Fixture {
            _dir: d,
            crl: crl_out.join("root.crl.pem"),
            work,
            c,
            inter,
            csr,
        }
    })
}

fn quorum_args(c: &Ceremony, out: &Path) -> Vec<String> {
    let mut a = vec![
        "--root".to_string(),
        s(&c.root),
        "--manifest".into(),
        s(&c.manifest),
        "--out".into(),
        s(out),
    ];
    a.extend(common::CONFIRMERS.map(String::from));
    a.extend(common::share_args(c, &[1, 2, 3]));
    a
}

/// `rootkey intermediate sign` with the CSR's true hash, the shipped profile (unless `extra`
/// gives `--profile`), shares 1-3 and two confirmers.
fn sign(c: &Ceremony, csr: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut a: Vec<String> = vec![
        "intermediate".into(),
        "sign".into(),
        "--csr".into(),
        s(csr),
        "--csr-sha256".into(),
        common::csr_der_sha256(csr),
    ];
    if !extra.contains(&"--profile") {
        a.push("--profile".into());
        a.push(s(&common::repo_path("templates/intermediate.toml")));
    }
    a.extend(quorum_args(c, out));
    a.extend(extra.iter().map(|x| x.to_string()));
    let r = rootkey(&a);
    r.no_secrets(&c.secrets);
    r
}

fn write(name: &str, text: &str) -> PathBuf {
    let p = fixture().work.join(name);
    fs::write(&p, text).unwrap();
    p
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap()
}

/// `rootkey chain verify --root ROOT --crl CRL BUNDLE` against the fixture's root.
fn chain_verify_with_crl(crl: &str, bundle: &str) -> Run {
    rootkey([
        "chain",
        "verify",
        "--root",
        &s(&fixture().c.root),
        "--crl",
        crl,
        bundle,
    ])
}

/// Asserts exit code and the exact stderr.
fn golden(r: &Run, code: i32, stderr: &str) {
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (code, stderr),
        "{}\n{}",
        r.what,
        r.stdout
    );
}

/// What openssl reads from a PEM bundle: the subjects of its certificates.
fn openssl_subjects(bundle: &Path) -> String {
    sh(
        &format!(
            "openssl crl2pkcs7 -nocrl -certfile {} | openssl pkcs7 -print_certs -noout",
            s(bundle)
        ),
        &fixture().work,
    )
}

const HINT: &str = "  next step: get an intact copy of the file from its source; rootkey reads only well-formed PEM blocks (docs/formats.md, \"PEM\"), because a block under a damaged line would be read by other tools but not checked\n";

#[test]
fn chain_verify_refuses_a_block_it_does_not_read_where_openssl_reads_it() {
    let f = fixture();
    let root = read(&f.c.root);
    let inter = read(&f.inter);
    let crl = s(&f.crl);
    let lines = root.lines().count();
    // The trick: a valid certificate (the root, the trust anchor) and the revoked intermediate
    // under the label X509 CERTIFICATE.
    let relabelled = inter.replace(" CERTIFICATE-----", " X509 CERTIFICATE-----");
    let bundle = write("bundle-x509.pem", &format!("{root}{relabelled}"));
    let seen = openssl_subjects(&bundle);
    assert!(
        seen.contains("Example Corp Intermediate CA prod/2026") && seen.contains("Root CA"),
        "openssl reads both certificates: {seen}"
    );
    let r = chain_verify_with_crl(&crl, &s(&bundle));
    golden(
        &r,
        INPUT,
        &format!(
            "error: {b}: PEM block 2 (line {l}) is labelled \"X509 CERTIFICATE\"; only \"CERTIFICATE\" is accepted here\n  next step: give a file that holds only CERTIFICATE block(s); rootkey refuses every other block rather than skip it\n",
            b = s(&bundle),
            l = lines + 1
        ),
    );
    assert!(!r.stdout.contains("verify"), "{}", r.stdout);
    // With the label put right, the revoked intermediate is found: exit 3.
    let honest = write("bundle-honest.pem", &format!("{root}{inter}"));
    chain_verify_with_crl(&crl, &s(&honest))
        .code(VERIFICATION)
        .stdout_has(&["revoked"]);
    // A damaged BEGIN line hides the block from a lax reader the same way (openssl skips it
    // too): refused, naming the line.
    for damaged in ["-----BEGIN CERTIFICATE----", "----BEGIN CERTIFICATE-----"] {
        let hidden = inter.replacen("-----BEGIN CERTIFICATE-----", damaged, 1);
        let bundle = write("bundle-damaged.pem", &format!("{root}{hidden}"));
        let r = chain_verify_with_crl(&crl, &s(&bundle));
        golden(
            &r,
            INPUT,
            &format!(
                "error: {}: line {}: {damaged:?} looks like a PEM boundary but is not a well-formed \"-----BEGIN LABEL-----\" or \"-----END LABEL-----\" line\n{HINT}",
                s(&bundle),
                lines + 1
            ),
        );
    }
    // The same trick hides a leaf: the intermediate checked as the leaf, the root beside it.
    let leaf_hidden = format!(
        "{}{root}",
        inter.replacen(
            "-----BEGIN CERTIFICATE-----",
            "-----BEGIN CERTIFICATE -----",
            1
        )
    );
    let bundle = write("bundle-leaf.pem", &leaf_hidden);
    rootkey(["chain", "verify", "--root", &s(&f.c.root), &s(&bundle)])
        .code(INPUT)
        .stderr_has(&["line 1: \"-----BEGIN CERTIFICATE -----\" looks like a PEM boundary"]);
    // A leftover END line (trailing junk) is refused too.
    let junk = write(
        "bundle-junk.pem",
        &format!("{inter}-----END CERTIFICATE-----\n"),
    );
    rootkey(["chain", "verify", "--root", &s(&f.c.root), &s(&junk)])
        .code(INPUT)
        .stderr_has(&["is an END line outside any block"]);
}

#[test]
fn every_pem_reader_refuses_an_unrecognised_or_damaged_block() {
    let f = fixture();
    let root = read(&f.c.root);
    let inter = read(&f.inter);
    let lines = root.lines().count();
    // root.pem with a second block, relabelled: share verify refuses the root.
    let bad_root = write(
        "root-two.pem",
        &format!(
            "{root}{}",
            inter.replace(" CERTIFICATE-----", " X509 CERTIFICATE-----")
        ),
    );
    let r = common::verify_with(&f.c.manifest, &bad_root, f.c.share(1), &f.c.secrets);
    golden(
        &r,
        INPUT,
        &format!(
            "error: root certificate {}: PEM block 2 (line {}) is labelled \"X509 CERTIFICATE\"; only \"CERTIFICATE\" is accepted here\n  next step: give a file that holds only CERTIFICATE block(s); rootkey refuses every other block rather than skip it\n",
            s(&bad_root),
            lines + 1
        ),
    );
    // root.pem: trailing whitespace, CRLF and one long base64 line are read.
    let body: String = root.lines().filter(|l| !l.starts_with("-----")).collect();
    let loose = write(
        "root-loose.pem",
        &format!("-----BEGIN CERTIFICATE----- \r\n{body}\t\r\n-----END CERTIFICATE-----  \r\n"),
    );
    let r = common::verify_with(&f.c.manifest, &loose, f.c.share(1), &f.c.secrets);
    r.ok();
    // A CSR under a damaged BEGIN line.
    let csr = write(
        "csr-damaged.csr",
        &read(&f.csr).replacen(
            "-----BEGIN CERTIFICATE REQUEST-----",
            "-----BEGIN CERTIFICATE REQUEST----",
            1,
        ),
    );
    let out = f.work.join("never");
    let r = rootkey([
        "intermediate",
        "sign",
        "--csr",
        &s(&csr),
        "--csr-sha256",
        &"0".repeat(64),
        "--profile",
        &s(&common::repo_path("templates/intermediate.toml")),
        "--root",
        &s(&f.c.root),
        "--manifest",
        &s(&f.c.manifest),
        "--out",
        &s(&out),
    ]);
    golden(
        &r,
        INPUT,
        &format!(
            "error: CSR {}: line 1: \"-----BEGIN CERTIFICATE REQUEST----\" looks like a PEM boundary but is not a well-formed \"-----BEGIN LABEL-----\" or \"-----END LABEL-----\" line\n{HINT}",
            s(&csr)
        ),
    );
    assert!(!out.exists());
    // A CRL for chain verify with a second (unexpected) block.
    let crl = write("crl-two.pem", &format!("{}{}", read(&f.crl), read(&f.crl)));
    golden(
        &chain_verify_with_crl(&s(&crl), &s(&f.inter)),
        INPUT,
        &format!(
            "error: CRL {}: holds 2 PEM blocks; exactly one CRL is expected\n  next step: give a file that holds only the CRL\n",
            s(&crl)
        ),
    );
    // --previous holding two certificates.
    let prev = write("prev-two.pem", &format!("{inter}{inter}"));
    let r = sign(&f.c, &f.csr, &out, &["--previous", &s(&prev)]);
    golden(
        &r,
        INPUT,
        &format!(
            "error: previous intermediate {}: holds 2 certificates; it must hold exactly one\n  next step: give last year's intermediate.pem alone (not intermediate-chain.pem or a bundle)\n",
            s(&prev)
        ),
    );
    assert!(!out.exists());
    // A witness public key with a header line inside its block.
    sh(
        "openssl genpkey -algorithm ed25519 -out w.pem && openssl pkey -in w.pem -pubout -out w.pub",
        &f.work,
    );
    let public = read(&f.work.join("w.pub"));
    let bad_pub = write(
        "w-headers.pub",
        &public.replacen("-----\n", "-----\nComment: witness\n", 1),
    );
    let transcript = f.work.join("inter/transcript.jsonl");
    golden(
        &rootkey([
            "transcript",
            "verify",
            &s(&transcript),
            "--witnesses",
            &s(&bad_pub),
        ]),
        INPUT,
        &format!(
            "error: witness key {}: line 2: PEM block 1: encapsulated headers (such as Proc-Type) are not supported\n{HINT}",
            s(&bad_pub)
        ),
    );
    // A witness private key under a damaged END line: the key's lines are never quoted.
    let private = read(&f.work.join("w.pem"));
    let bad_key = write(
        "w-damaged.pem",
        &private.replace("-----END PRIVATE KEY-----", "-----END PRIVATE KEY----"),
    );
    let r = rootkey([
        "transcript",
        "attest",
        &s(&transcript),
        "--root",
        &s(&f.c.root),
        "--key",
        &s(&bad_key),
        "--name",
        "Carol Witness",
    ]);
    golden(
        &r,
        INPUT,
        &format!(
            "error: witness key: line 3: looks like a PEM boundary but is not a well-formed \"-----BEGIN LABEL-----\" or \"-----END LABEL-----\" line\n{HINT}"
        ),
    );
    let b64 = private.lines().nth(1).unwrap();
    assert!(!r.all_output().contains(b64));
}

#[test]
fn previous_root_pem_is_refused() {
    let f = fixture();
    let out = f.work.join("prev-root");
    let r = sign(&f.c, &f.csr, &out, &["--previous", &s(&f.c.root)]);
    golden(
        &r,
        INPUT,
        "error: previous intermediate previous-root.pem: this is the root certificate itself (root.pem), not a previous intermediate\n  next step: give last year's intermediate certificate (intermediate.pem from the previous rotation), not root.pem\n",
    );
    assert!(!out.exists());
}

#[test]
fn profile_errors_name_the_line_and_the_key() {
    let f = fixture();
    let shipped = read(&common::repo_path("templates/intermediate.toml"));
    let line_of =
        |text: &str, needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    let out = f.work.join("never-profile");
    let typed = write(
        "typed.toml",
        &shipped.replace("days = 365", "days = \"365\""),
    );
    let r = sign(&f.c, &f.csr, &out, &["--profile", &s(&typed)]);
    golden(
        &r,
        INPUT,
        &format!(
            "error: intermediate profile {}, line {}, key validity.days: invalid type: string \"365\", expected u32\n  next step: correct that line of the profile (docs/formats.md, \"Intermediate certificate profile\")\n",
            s(&typed),
            line_of(&shipped, "days = 365")
        ),
    );
    let zero = write("zero.toml", &shipped.replace("days = 365", "days = 0"));
    let r = sign(&f.c, &f.csr, &out, &["--profile", &s(&zero)]);
    golden(
        &r,
        INPUT,
        &format!(
            "error: intermediate profile {}, line {}: validity.days must be at least 1\n  next step: correct that line of the profile (docs/formats.md, \"Intermediate certificate profile\")\n",
            s(&zero),
            line_of(&shipped, "days = 365")
        ),
    );
    assert!(!out.exists());
}

#[test]
fn not_before_past_the_last_expressible_time_says_why() {
    let f = fixture();
    let out = f.work.join("never-9999");
    let r = sign(&f.c, &f.csr, &out, &["--not-before", "9999-12-31"]);
    golden(
        &r,
        INPUT,
        &format!(
            "error: notBefore 9999-12-31T00:00:00Z + 455 days (validity.days + validity.overlap_days of the profile \"Example Corp production intermediate\") gives a notAfter after 9999-12-31T23:59:59Z, the last time a certificate can express\n  next step: give an earlier --not-before (or none, for now): the intermediate must also end by the root certificate's notAfter {}\n",
            sh(
                &format!(
                    "openssl x509 -in {} -noout -enddate -dateopt iso_8601",
                    s(&f.c.root)
                ),
                &f.work
            )
            .trim()
            .trim_start_matches("notAfter=")
            .replace(' ', "T")
        ),
    );
    assert!(!out.exists());
}

#[test]
fn der_errors_name_a_byte_offset() {
    let f = fixture();
    // The intermediate's serial number INTEGER (at byte 13: two 4-byte SEQUENCE headers and
    // the 5-byte version) turned into an OCTET STRING: the der crate reports no position.
    let der = sh(
        &format!(
            "openssl x509 -in {} -outform DER | od -An -v -tx1",
            s(&f.inter)
        ),
        &f.work,
    );
    let mut bytes: Vec<u8> = der
        .split_whitespace()
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect();
    assert_eq!(bytes[13], 0x02);
    bytes[13] = 0x04;
    let p = f.work.join("bad-tag.der");
    fs::write(&p, &bytes).unwrap();
    golden(
        &rootkey(["chain", "verify", "--root", &s(&f.c.root), &s(&p)]),
        INPUT,
        &format!(
            "error: {}: not a DER certificate (unexpected ASN.1 DER tag: expected INTEGER, got OCTET STRING at DER byte 13)\n  next step: the file is damaged or is not a certificate: get an intact copy from its source\n",
            s(&p)
        ),
    );
}
