//! `docs/customer-verification.md` as a test: every marked block of the document is run as
//! written (bash, with the document's variables pointing at a two-year rotation made by the
//! real binary: `tests/customer_support/`), and its exit code and the lines the document
//! quotes are asserted — `rootkey chain verify`, `openssl verify` (overlap, expiry, both ways of
//! checking the root CRL), the Go program (built from `docs/examples/updater-verify`, which
//! the document lists byte for byte), GnuTLS, and the two verifiers that refuse an Ed25519
//! root (NSS, Python cryptography's web-PKI verifier). A missing tool fails the test, naming
//! its package.

#[path = "common/mod.rs"]
mod common;
#[path = "customer_support/mod.rs"]
mod customer_support;

use std::fs;

use customer_support::{Block, Fixture, block, doc_blocks, fixture, require, run_block, version};

/// What a block must do: its exit code, lines its output must contain and must not contain
/// (`{VAR}` stands for the value of a document variable, `{SERIAL1}` for year 1's serial).
struct Expect {
    name: &'static str,
    code: i32,
    has: &'static [&'static str],
    lacks: &'static [&'static str],
}

const ROOTKEY_OK: &str = "OK       {LEAF2} (certificate 1, line 1) (verifies)";
const ISSUER1: &str = "its issuer \"CN=Example Corp Intermediate CA prod/2026\"";
const GO_OK1: &str =
    "OK: CN=Example Corp release signing 1 via CN=Example Corp Intermediate CA prod/2026";
const GO_OK2: &str =
    "OK: CN=Example Corp release signing 2 via CN=Example Corp Intermediate CA prod/2027";

/// Every `sh` block of the document (the Go listing is compared with its file instead).
const EXPECT: &[Expect] = &[
    Expect {
        name: "customer/crl-check",
        code: 0,
        has: &["verify OK", "lastUpdate=", "nextUpdate="],
        lacks: &[],
    },
    Expect {
        name: "customer/pin",
        code: 0,
        has: &["root pinned: SHA256:{PIN}"],
        lacks: &["NOT"],
    },
    Expect {
        name: "customer/rootkey-overlap",
        code: 0,
        has: &[
            "OK       {INTERMEDIATES} #1 (verifies)",
            "OK       {INTERMEDIATES} #2 (verifies)",
            "OK       {LEAF1} (certificate 1, line 1) (verifies)",
            ROOTKEY_OK,
            "All 4 certificate(s) verify.",
        ],
        lacks: &["INVALID"],
    },
    Expect {
        name: "customer/rootkey-after",
        code: 3,
        has: &[
            "INVALID  {INTERMEDIATES} #1\n",
            "  expired at the time checked: notAfter ",
            "INVALID  {LEAF1} (certificate 1, line 1)\n",
            "its issuer \"CN=Example Corp Intermediate CA prod/2026\" expired at the time checked",
            "OK       {INTERMEDIATES} #2 (verifies)",
            ROOTKEY_OK,
            "2 of 4 certificate(s) do NOT verify.",
        ],
        lacks: &[],
    },
    Expect {
        name: "customer/rootkey-revoked",
        code: 3,
        has: &[
            "CRL: number 01, ",
            "INVALID  {INTERMEDIATES} #1\n",
            "  revoked by the root's CRL (number 01) since ",
            ", reason superseded",
            "INVALID  {LEAF1} (certificate 1, line 1)\n",
            ISSUER1,
            "OK       {INTERMEDIATES} #2 (verifies)",
            ROOTKEY_OK,
            "2 of 4 certificate(s) do NOT verify.",
        ],
        lacks: &[],
    },
    Expect {
        name: "customer/openssl-overlap",
        code: 0,
        has: &["{LEAF1}: OK", "{LEAF2}: OK"],
        lacks: &["error"],
    },
    Expect {
        name: "customer/openssl-after",
        code: 2,
        has: &[
            "CN = Example Corp Intermediate CA prod/2026\nerror 10 at 1 depth lookup: certificate has expired",
            "error {LEAF1}: verification failed",
            "{LEAF2}: OK",
        ],
        lacks: &["{LEAF1}: OK"],
    },
    Expect {
        name: "customer/openssl-crl-all-missing",
        code: 2,
        has: &[
            "error 3 at 0 depth lookup: unable to get certificate CRL",
            "error {LEAF1}: verification failed",
            "error {LEAF2}: verification failed",
        ],
        lacks: &[": OK"],
    },
    Expect {
        name: "customer/openssl-crl-intermediates",
        code: 2,
        has: &[
            "CN = Example Corp Intermediate CA prod/2026\nerror 23 at 0 depth lookup: certificate revoked",
            "error {INTER1}: verification failed",
            "{INTER2}: OK",
        ],
        lacks: &["{INTER1}: OK"],
    },
    Expect {
        name: "customer/openssl-crl-all",
        code: 2,
        has: &[
            "CN = Example Corp Intermediate CA prod/2026\nerror 23 at 1 depth lookup: certificate revoked",
            "error {LEAF1}: verification failed",
            "{LEAF2}: OK",
        ],
        lacks: &["{LEAF1}: OK"],
    },
    Expect {
        name: "customer/go-build",
        code: 0,
        has: &[],
        lacks: &[],
    },
    Expect {
        name: "customer/go-overlap",
        code: 0,
        has: &[GO_OK1, GO_OK2],
        lacks: &["REJECTED"],
    },
    Expect {
        name: "customer/go-after",
        code: 3,
        has: &[
            GO_OK2,
            "REJECTED: CN=Example Corp release signing 1: x509: certificate has expired or is not yet valid: current time {AT_AFTER} is after ",
        ],
        lacks: &[GO_OK1],
    },
    Expect {
        name: "customer/go-revoked",
        code: 3,
        has: &[
            GO_OK2,
            "REJECTED: CN=Example Corp release signing 1: its intermediate CN=Example Corp Intermediate CA prod/2026 (serial {SERIAL1}) is revoked by the root's CRL",
        ],
        lacks: &[GO_OK1],
    },
    Expect {
        name: "customer/gnutls-now",
        code: 0,
        has: &[
            "Signature algorithm: EdDSA-Ed25519",
            "Chain verification output: Verified. The certificate is trusted.",
        ],
        lacks: &["NOT trusted"],
    },
    Expect {
        name: "customer/gnutls-revoked",
        code: 1,
        has: &[
            "Checked against CRL[01] of: CN=REHEARSAL Example Corp Root CA",
            "Chain verification output: Not verified. The certificate is NOT trusted. The certificate chain is revoked.",
        ],
        lacks: &[],
    },
    Expect {
        name: "customer/nss-import",
        code: 255,
        has: &["SEC_ERROR_ADDING_CERT"],
        lacks: &[],
    },
    Expect {
        name: "customer/python-webpki",
        code: 3,
        has: &[
            "rejected: validation failed",
            "Forbidden public key algorithm",
            "Ed25519",
        ],
        lacks: &["accepted"],
    },
];

/// A needle with the fixture's values in place of `{VAR}`.
fn fill(f: &Fixture, needle: &str) -> String {
    let mut n = needle.replace("{SERIAL1}", &f.serial1);
    for (k, v) in &f.vars {
        n = n.replace(&format!("{{{k}}}"), v);
    }
    n
}

/// Runs the block `name` and asserts what [`EXPECT`] says of it.
fn check(f: &Fixture, name: &str) {
    let e = EXPECT
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no expectation for {name}"));
    let has: Vec<String> = e.has.iter().map(|n| fill(f, n)).collect();
    let lacks: Vec<String> = e.lacks.iter().map(|n| fill(f, n)).collect();
    run_block(f, &block(name), &[]).expect(e.code, &has, &lacks);
}

#[test]
fn every_block_of_the_document_is_tested_and_the_go_listing_is_the_file() {
    let blocks = doc_blocks();
    let names: Vec<&str> = blocks.iter().map(|b| b.name.as_str()).collect();
    for b in &blocks {
        match b.lang.as_str() {
            "sh" => assert!(
                EXPECT.iter().any(|e| e.name == b.name),
                "block {} of the document has no expectation in this test",
                b.name
            ),
            "go" => assert_eq!(b.name, "customer/go-program"),
            other => panic!("block {}: unexpected language {other}", b.name),
        }
    }
    for e in EXPECT {
        assert!(
            names.contains(&e.name),
            "the document has no block {}",
            e.name
        );
    }
    let listing: &Block = blocks.iter().find(|b| b.lang == "go").unwrap();
    let file = fs::read_to_string(common::repo_path(customer_support::GO_PROGRAM)).unwrap();
    assert!(
        listing.body == file,
        "the Go listing in the document differs from {}",
        customer_support::GO_PROGRAM
    );
}

#[test]
fn the_root_crl_url_is_the_shipped_profiles_and_in_the_intermediate() {
    let f = fixture();
    let profile = fs::read_to_string(common::repo_path("templates/intermediate.toml")).unwrap();
    let profile: toml::Table = toml::from_str(&profile).unwrap();
    let urls = profile["extensions"]["crl_distribution_points"]
        .as_array()
        .unwrap();
    assert_eq!(urls.len(), 1, "{urls:?}");
    let url = urls[0].as_str().unwrap();
    let doc = fs::read_to_string(common::repo_path(customer_support::DOC)).unwrap();
    assert!(
        doc.contains(&format!("\n    {url}\n")),
        "the document does not name {url}"
    );
    let ext = common::sh_ok(
        &format!(
            "openssl x509 -in {} -noout -ext crlDistributionPoints",
            f.var("INTER1")
        ),
        &f.work,
    );
    assert!(ext.contains(&format!("URI:{url}")), "{ext}");
    check(f, "customer/crl-check");
}

#[test]
fn the_pin_accepts_the_root_and_refuses_another() {
    let f = fixture();
    check(f, "customer/pin");
    let other = common::s(&f.other_root);
    run_block(f, &block("customer/pin"), &[("ROOT", &other)]).expect(
        3,
        &["NOT the pinned root: SHA256:".to_string()],
        &["root pinned".to_string()],
    );
}

#[test]
fn rootkey_chain_verify_overlap_expiry_and_revocation() {
    let f = fixture();
    for name in [
        "customer/rootkey-overlap",
        "customer/rootkey-after",
        "customer/rootkey-revoked",
    ] {
        check(f, name);
    }
}

#[test]
fn openssl_verify_overlap_expiry_and_both_ways_to_check_the_root_crl() {
    let f = fixture();
    for name in [
        "customer/openssl-overlap",
        "customer/openssl-after",
        "customer/openssl-crl-all-missing",
        "customer/openssl-crl-intermediates",
        "customer/openssl-crl-all",
    ] {
        check(f, name);
    }
    // What the document says of the options it leaves out: `-CAfile` alone also trusts the
    // system's certificate directory; `-partial_chain` anchors a chain at an intermediate.
    let system_ca = fs::read_dir("/etc/ssl/certs")
        .ok()
        .and_then(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .find(|p| p.extension().is_some_and(|x| x == "pem"))
        })
        .expect("no certificate in /etc/ssl/certs: apt-get install ca-certificates (run .ci/run's install lines)");
    let root = f.var("ROOT");
    let (ok, out) = common::sh(
        &format!("openssl verify -CAfile {root} {}", system_ca.display()),
        &f.work,
    );
    assert!(ok, "a system CA did not verify with -CAfile alone: {out}");
    let (ok, out) = common::sh(
        &format!(
            "openssl verify -no-CApath -no-CAstore -CAfile {root} {}",
            system_ca.display()
        ),
        &f.work,
    );
    assert!(!ok, "{out}");
    let (inter1, leaf1) = (f.var("INTER1"), f.var("LEAF1"));
    let strict = "openssl verify -x509_strict -no-CApath -no-CAstore";
    let (ok, out) = common::sh(
        &format!("{strict} -partial_chain -CAfile {inter1} {leaf1}"),
        &f.work,
    );
    assert!(ok && out.contains(": OK"), "{out}");
    let (ok, out) = common::sh(&format!("{strict} -CAfile {inter1} {leaf1}"), &f.work);
    assert!(
        !ok && out.contains("unable to get issuer certificate"),
        "{out}"
    );
    eprintln!("checked with {}", version("openssl version"));
}

#[test]
fn the_go_program_pins_verifies_and_checks_the_root_crl() {
    require("go", "apt-get install golang-go");
    let f = fixture();
    check(f, "customer/go-build");
    for name in [
        "customer/go-overlap",
        "customer/go-after",
        "customer/go-revoked",
    ] {
        check(f, name);
    }
    // What the document says besides: another root is refused by the pin, a root CRL past
    // its nextUpdate is refused.
    let updater = f.var("UPDATER");
    let go_run = |args: String| common::sh(&format!("{updater} {args}"), &f.work);
    let (inters, leaf2) = (f.var("INTERMEDIATES"), f.var("LEAF2"));
    let other = common::s(&f.other_root);
    let (ok, out) = go_run(format!("-root {other} -intermediates {inters} {leaf2}"));
    assert!(
        !ok && out.contains(&format!("REJECTED: {other} is not the pinned root")),
        "{out}"
    );
    let late = customer_support::utc(f.t + 400 * 86_400);
    let (ok, out) = go_run(format!(
        "-root {} -intermediates {inters} -crl {} -at {late} {leaf2}",
        f.var("ROOT"),
        f.var("ROOT_CRL")
    ));
    assert!(
        !ok && out.contains("is not current at") && out.contains("fetch the latest root.crl"),
        "{out}"
    );
    eprintln!("checked with {}", version("go version"));
}

#[test]
fn gnutls_accepts_the_chain_now_and_honours_the_root_crl() {
    require("certtool", "apt-get install gnutls-bin");
    let f = fixture();
    check(f, "customer/gnutls-now");
    check(f, "customer/gnutls-revoked");
    // Year 2's intermediate is not yet valid now (the document says so of certtool's time).
    let b = block("customer/gnutls-now");
    let year2 = Block {
        name: "customer/gnutls-now (year 2)".into(),
        lang: b.lang.clone(),
        body: b
            .body
            .replace("\"$LEAF1\" \"$INTER1\"", "\"$LEAF2\" \"$INTER2\""),
    };
    run_block(f, &year2, &[]).expect(
        1,
        &["The certificate chain uses not yet valid certificate.".into()],
        &[],
    );
    eprintln!("checked with {}", version("certtool --version"));
}

#[test]
fn nss_cannot_import_the_root_but_imports_an_ec_certificate() {
    require("certutil", "apt-get install libnss3-tools");
    let f = fixture();
    check(f, "customer/nss-import");
    // The same command imports year 1's intermediate (an EC key): it is the Ed25519 key NSS
    // refuses, not the command.
    run_block(
        f,
        &block("customer/nss-import"),
        &[("ROOT", f.var("INTER1"))],
    )
    .expect(0, &[], &[]);
    eprintln!(
        "checked with NSS {}",
        version("dpkg-query -W -f '${Version}' libnss3")
    );
}

#[test]
fn python_cryptography_web_pki_verifier_forbids_the_ed25519_root() {
    let f = fixture();
    let (ok, out) = common::sh(
        "python3 -c 'import cryptography, cryptography.x509.verification; print(cryptography.__version__)'",
        &f.work,
    );
    assert!(
        ok,
        "python3 on PATH has no cryptography.x509.verification (cryptography >= 42, which pip installs \
         with pkilint in .ci/run's virtual environment; put its bin first on PATH): {out}"
    );
    check(f, "customer/python-webpki");
    eprintln!("checked with cryptography {}", out.trim());
}

#[test]
fn openbao_serves_no_root_crl_and_no_ocsp_for_an_ed25519_issuer() {
    let f = fixture();
    let work = f.work.join("openbao");
    fs::create_dir_all(&work).unwrap();
    let bao = customer_support::openbao::Bao::start(&work);
    // The bundle set-signed receives (year 1's intermediate, then the root), imported: both
    // become issuers without a key, and no CRL is served for the root.
    bao.ok(&["secrets", "enable", "-path=pki_int", "pki"]);
    let chain = std::path::Path::new(f.var("INTER1")).with_file_name("intermediate-chain.pem");
    let out = bao.ok(&[
        "write",
        "-format=json",
        "pki_int/issuers/import/bundle",
        &format!("pem_bundle=@{}", common::s(&chain)),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mapping = v["data"]["mapping"].as_object().unwrap();
    assert_eq!(mapping.len(), 2, "{out}");
    assert!(
        mapping.values().all(|k| k == ""),
        "an issuer got a key: {out}"
    );
    let root_pem = fs::read_to_string(f.var("ROOT")).unwrap();
    let root_id = mapping
        .keys()
        .find(|id| {
            let path = format!("pki_int/issuer/{id}");
            bao.ok(&["read", "-field=certificate", &path]).trim() == root_pem.trim()
        })
        .expect("the root is not among the imported issuers");
    let crl = format!("pki_int/issuer/{root_id}/crl");
    let (ok, out, err) = bao.run(&["read", "-field=crl", &crl]);
    assert!(
        !ok && err.contains("unable to find CRL for issuer"),
        "bao read {crl}: {out}{err}"
    );
    // The OCSP responder of a mount whose issuer key is Ed25519 fails; with an EC key it
    // answers.
    for (kind, status, says) in [
        ("ed25519", 500, "Responder Error: internalerror"),
        ("ec", 200, "Cert Status: good"),
    ] {
        let mount = format!("pki_{kind}");
        bao.ok(&["secrets", "enable", &format!("-path={mount}"), "pki"]);
        let ca = bao.ok(&[
            "write",
            "-field=certificate",
            &format!("{mount}/root/generate/internal"),
            &format!("common_name=OCSP test {kind}"),
            &format!("key_type={kind}"),
        ]);
        fs::write(work.join(format!("{kind}-ca.pem")), ca).unwrap();
        bao.ok(&[
            "write",
            &format!("{mount}/roles/r"),
            "allow_any_name=true",
            "key_type=ec",
        ]);
        let leaf = bao.ok(&[
            "write",
            "-field=certificate",
            &format!("{mount}/issue/r"),
            "common_name=a.example.com",
            "ttl=1h",
        ]);
        fs::write(work.join(format!("{kind}-leaf.pem")), leaf).unwrap();
        common::sh_ok(
            &format!(
                "openssl ocsp -issuer {kind}-ca.pem -cert {kind}-leaf.pem -no_nonce -reqout {kind}.req"
            ),
            &work,
        );
        if kind == "ec" {
            // The document's two ways to fetch an intermediate's own CRL.
            let crl = bao.ok(&["read", "-field=crl", &format!("{mount}/issuer/default/crl")]);
            assert!(crl.starts_with("-----BEGIN X509 CRL-----"), "{crl}");
            let (status, body) = bao.get(&format!("{mount}/issuer/default/crl/pem"), &work);
            assert!(
                status == 200 && body.starts_with("-----BEGIN X509 CRL-----"),
                "{status} {body}"
            );
        }
        let got = bao.ocsp(
            &mount,
            &work.join(format!("{kind}.req")),
            &work.join(format!("{kind}.resp")),
        );
        assert_eq!(got, status, "OCSP of the {kind} issuer");
        let (_, text) = common::sh(
            &format!("openssl ocsp -respin {kind}.resp -resp_text -noverify"),
            &work,
        );
        assert!(text.contains(says), "{kind}: {text}");
    }
    eprintln!("checked with {}", bao.ok(&["version"]).trim());
}
