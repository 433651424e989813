//! One yearly rotation as the ceremony guide does it (steps 1, 2, 5 and 6), with what OpenBao
//! reports checked at each step.

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

use super::guide::Guide;
use super::site::{no_secrets, quorum_flags};
use super::{pem, strings, warnings};
use crate::common::{self, Ceremony, s, sh_stdout};

/// One rotation in OpenBao: the issuer and key it made, the signed certificate, and what
/// set-signed answered.
pub struct Year {
    pub issuer: String,
    pub key: String,
    pub cert: PathBuf,
    pub set_signed: Value,
}

/// The guide's steps 1, 2 and 5 for `year`: the CSR made in OpenBao and its hash, the
/// ceremony, set-signed, the issuer named and checked against the key made for it.
pub fn rotate(
    g: &mut Guide,
    c: &Ceremony,
    year: &str,
    last: &str,
    not_before: Option<&str>,
) -> Year {
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
pub fn issue(g: &mut Guide, c: &Ceremony, y: &Year, year: &str, ttl: &str) {
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
