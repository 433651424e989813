//! The vector generator: the files to write, the vector ceremony they describe, and
//! [`build_vectors`], which asks each area's generator for its vectors.

use std::fs;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::ceremony::Outputs;
use rootkey::cert::{self, RootCert};
use rootkey::manifest::Manifest;
use rootkey::shamir::SharePoint;
use rootkey::share::rs32;
use rootkey::share::{Envelope, ShareHeader};

use crate::fixture::{CEREMONY_ID, rebuild_ceremony, root_key, vector_points};
use crate::harness::dir;
use crate::reference::{raw_envelope, rows_of};
use crate::{gen_cert, gen_crl, gen_envelope, gen_inputs, gen_manifest, gen_share};

/// The files to write, in order.
pub struct Out {
    pub files: Vec<(String, Vec<u8>)>,
}

impl Out {
    pub fn put(&mut self, name: &str, bytes: impl Into<Vec<u8>>) {
        assert!(
            !self.files.iter().any(|(n, _)| n == name),
            "vector {name} written twice"
        );
        self.files.push((name.to_string(), bytes.into()));
    }
    pub fn json(&mut self, name: &str, v: &Value) {
        let mut s = serde_json::to_string_pretty(v).expect("json");
        s.push('\n');
        self.put(name, s);
    }
    pub fn expect_error(&mut self, stem: &str, description: &str, message: &str) {
        self.json(
            &format!("{stem}.expect.json"),
            &json!({"description": description, "outcome": "error", "message_contains": message}),
        );
    }
}

/// The vector ceremony as the vectors show it: rootkey's outputs, with the root certificate
/// already in `tests/vectors/` kept when it carries the same key (its serial is random), and
/// the manifest signed again over that certificate.
pub struct VectorCeremony {
    pub pk: [u8; 32],
    pub fp: [u8; 32],
    pub points: Vec<SharePoint>,
    pub outputs: Outputs,
    pub root_pem: Vec<u8>,
    pub root: RootCert,
    pub manifest: Manifest,
    /// The five envelopes, built by the independent encoder (and checked against rootkey's).
    pub envs: Vec<Vec<u8>>,
}

impl VectorCeremony {
    pub fn build() -> VectorCeremony {
        let key = root_key();
        let pk = key.public_key_bytes();
        let fp = cert::fingerprint(&pk);
        let points = vector_points();

        let outputs = rebuild_ceremony();
        let existing = fs::read(dir().join("cert_valid.pem")).ok().and_then(|pem| {
            let r = RootCert::from_pem(&pem, "cert_valid.pem").ok()?;
            let fresh = RootCert::from_pem(outputs.root_pem.as_bytes(), "new").ok()?;
            (r.public_key_bytes() == pk && r.subject == fresh.subject).then_some((pem, r))
        });
        let (root_pem, root) = match existing {
            Some(x) => x,
            None => {
                let r = RootCert::from_pem(outputs.root_pem.as_bytes(), "new").expect("root");
                (outputs.root_pem.clone().into_bytes(), r)
            }
        };
        let mut manifest = outputs.manifest.clone();
        manifest.root.certificate_sha256 = hex::encode(Sha256::digest(&root.der));
        manifest.sign(&key).expect("sign");
        manifest.verify(&root, "manifest").expect("verify");

        let envs: Vec<Vec<u8>> = points
            .iter()
            .map(|p| {
                let e = Envelope::new(&header(&fp, p.x), p.y.as_slice()).expect("envelope");
                let raw = raw_envelope(1, &CEREMONY_ID, &fp, 3, 5, p.x, p.y.as_slice());
                assert_eq!(e.as_bytes(), &raw[..]);
                raw
            })
            .collect();
        VectorCeremony {
            pk,
            fp,
            points,
            outputs,
            root_pem,
            root,
            manifest,
            envs,
        }
    }

    /// The header of share `i` of the ceremony.
    pub fn header(&self, i: u8) -> ShareHeader {
        header(&self.fp, i)
    }

    /// Share 3 with one bit of its value changed and the checksum recomputed: well-formed,
    /// but not the ceremony's.
    pub fn forged_share_3(&self) -> Vec<u8> {
        let mut forged_value = self.points[2].y.as_slice().to_vec();
        forged_value[0] ^= 0x01;
        raw_envelope(1, &CEREMONY_ID, &self.fp, 3, 5, 3, &forged_value)
    }

    /// Row 4 of share 1 with its parity computed for row number 20 (which no share has).
    pub fn row_4_as_row_20(&self) -> [u8; 12] {
        let mut r4syms = rows_of(&self.envs[0])[3];
        let data: [u8; 9] = r4syms[..9].try_into().expect("9");
        r4syms[9..].copy_from_slice(&rs32::parity(20, &data));
        r4syms
    }
}

fn header(fp: &[u8; 32], i: u8) -> ShareHeader {
    ShareHeader {
        rehearsal: true,
        ceremony_id: CEREMONY_ID,
        root_fingerprint: fp[..16].try_into().expect("16"),
        k: 3,
        n: 5,
        index: i,
    }
}

/// Every vector file and its contents.
pub fn build_vectors() -> Out {
    let mut o = Out { files: Vec::new() };
    let cx = VectorCeremony::build();
    gen_inputs::seed(&mut o);
    gen_inputs::plan(&mut o);
    gen_inputs::profile(&mut o);
    gen_envelope::shamir(&mut o, &cx);
    gen_cert::cert(&mut o, &cx);
    gen_crl::crl(&mut o, &cx);
    gen_share::share(&mut o, &cx);
    gen_envelope::envelope(&mut o, &cx);
    gen_envelope::rowcode(&mut o, &cx);
    gen_manifest::manifest(&mut o, &cx);
    crate::gen_manifest_tokens::manifest_tokens(&mut o, &cx);
    gen_manifest::shareverify_and_combine(&mut o);
    gen_inputs::filename(&mut o);
    gen_manifest::jcs(&mut o);
    o
}
