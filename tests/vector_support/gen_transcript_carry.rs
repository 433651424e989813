//! Transcript vectors of issue 14, item 4 (docs/formats.md, "Rotation and CRL ceremonies"):
//! `previous-crl-checked` records the previous CRL's revocation list by count and digest, and
//! a verifier proves every earlier revocation was carried forward; serials and CRL numbers are
//! minimal, non-negative DER INTEGERs; relations to another entry are **script**.
//!
//! * `transcript_valid-crl-next`: the CRL after `crl_valid.pem` (three revocations carried
//!   forward) with two new revocations, listed in full;
//! * tampered copies of it (re-sealed with the vector key): a carried entry dropped, the count
//!   carried forward wrong, a previous CRL of the first form (still valid), a CRL number that
//!   is not minimal, a negative serial;
//! * from `transcript_valid-crl` (no previous CRL): a carried entry without a previous CRL.

use serde_json::{Value, json};

use rootkey::cert::crl::{self, Revocation};
use rootkey::transcript::{Kind, crl_list};

use crate::gen_crl::{REVOKE, THIS_UPDATE, time};
use crate::gen_transcript::{invalid, lines, parse, sealed};
use crate::gen_transcript_gaps::{put, reforge};
use crate::gen_transcript_signing::crl_transcript;
use crate::generator::Out;

/// thisUpdate of `transcript_valid-crl-next` and its revocation date.
const NEXT_THIS_UPDATE: &str = "2029-03-01T00:00:00Z";
const NEXT_REVOKED_AT: &str = "2029-02-20T00:00:00Z";

fn position(ls: &[Vec<u8>], action: &str) -> usize {
    ls.iter()
        .position(|l| parse(l)["action"] == action)
        .unwrap_or_else(|| panic!("no {action}"))
}

/// `revoked` of a `crl-prepared` replaced by `list`, with its count and digest to match.
fn relist(d: &mut Value, list: Vec<Value>) {
    let v = Value::Array(list);
    d["revoked_count"] = json!(v.as_array().map_or(0, Vec::len));
    d["revoked_sha256"] = json!(hex::encode(crl_list::digest(&v).expect("digest")));
    d["revoked"] = v;
}

pub fn carry(o: &mut Out) {
    let checks = json!({"root": "cert_valid.pem", "manifest": "manifest_valid.json"});
    let at = time(NEXT_REVOKED_AT);
    let new: Vec<Revocation> = ["4242:cessationOfOperation", "00:C0:FF:EE"]
        .iter()
        .map(|a| crl::parse_revoke_arg(a, at).expect("revoke"))
        .collect();
    let next = crl_transcript(Some("crl_valid.pem"), &new, NEXT_THIS_UPDATE);
    let nl = lines(&next);
    let (pc, cp) = (
        position(&nl, "previous-crl-checked"),
        position(&nl, "crl-prepared"),
    );
    let prev = parse(&nl[pc])["details"].clone();
    assert_eq!(prev["revoked_count"], json!(3));
    assert_eq!(parse(&nl[cp])["details"]["carried_forward"], json!(3));
    o.put("transcript_valid-crl-next.jsonl", next.clone());
    o.json(
        "transcript_valid-crl-next.expect.json",
        &sealed(
            &next,
            "`rootkey crl sign --previous-crl crl_valid.pem --revoke 4242:cessationOfOperation --revoke 00:C0:FF:EE`, thisUpdate 2029-03-01T00:00:00Z: previous-crl-checked records crl_valid.pem's three revocations by count (3) and SHA-256 of their canonical list; crl-prepared lists five, the first three (carried_forward 3) exactly that list.",
            Kind::Crl,
            checks.clone(),
        ),
    );
    let bad = |d: &str, m: &str, f: &str, at: usize| invalid(d, m, f, at as u64, at as u64 + 1);

    // A carried entry dropped: the list, count and digest of crl-prepared agree with each
    // other, carried_forward is still 3, but its first three are not the previous list.
    put(
        o,
        "crl-carried-dropped",
        reforge(&nl, |i, v| {
            if i == cp {
                let mut list = v["details"]["revoked"].as_array().expect("list").clone();
                list.remove(1);
                relist(&mut v["details"], list);
            }
        }),
        bad(
            "transcript_valid-crl-next.jsonl with the second carried revocation (serial 009f00ff) removed from crl-prepared's list (its revoked_count and revoked_sha256 made to match), re-sealed: the first carried_forward = 3 revocations are not the previous CRL's list.",
            "script: the first 3 revocation(s) of `details.revoked` are not the previous CRL's list",
            "script",
            cp,
        ),
    );
    put(
        o,
        "crl-carried-count",
        reforge(&nl, |i, v| {
            if i == cp {
                v["details"]["carried_forward"] = json!(2);
            }
        }),
        bad(
            "transcript_valid-crl-next.jsonl with crl-prepared's carried_forward set to 2 while previous-crl-checked records 3 revocations, re-sealed.",
            "script: `details.carried_forward` is 2, but the previous CRL revokes 3",
            "script",
            cp,
        ),
    );
    let first_form = reforge(&nl, |i, v| {
        if i == pc {
            let d = v["details"].as_object_mut().expect("details");
            d.remove("revoked_count");
            d.remove("revoked_sha256");
        }
    });
    o.put(
        "transcript_crl-previous-first-form.jsonl",
        first_form.clone(),
    );
    o.json(
        "transcript_crl-previous-first-form.expect.json",
        &sealed(
            &first_form,
            "transcript_valid-crl-next.jsonl with previous-crl-checked in the first form of version 1 (members crl_number, file, sha256, this_update: no revocation list), re-sealed with the vector key: still valid; that the earlier revocations were carried forward is then not proven, which `rootkey transcript verify` lists under findings.",
            Kind::Crl,
            checks.clone(),
        ),
    );
    let issued = position(&nl, "crl-issued");
    put(
        o,
        "crl-number-not-minimal",
        reforge(&nl, |i, v| {
            if i == cp || i == issued {
                v["details"]["crl_number"] = json!("0002");
            }
        }),
        bad(
            "transcript_valid-crl-next.jsonl with the CRL number of crl-prepared and crl-issued written 0002 (a superfluous leading 00 byte), re-sealed: a NUMBER is a minimal DER INTEGER.",
            "malformed: `details.crl_number` is not a minimal DER INTEGER",
            "malformed",
            cp,
        ),
    );
    put(
        o,
        "crl-serial-negative",
        reforge(&nl, |i, v| {
            if i == cp {
                let mut list = v["details"]["revoked"].as_array().expect("list").clone();
                list[4]["serial"] = json!("c0ffee");
                relist(&mut v["details"], list);
            }
        }),
        bad(
            "transcript_valid-crl-next.jsonl with the last revoked serial written c0ffee (without the 00 sign byte DER needs: a negative INTEGER), list count and digest made to match, re-sealed.",
            "malformed: `details.revoked[4].serial` is negative",
            "malformed",
            cp,
        ),
    );

    // Without a previous CRL nothing is carried forward: a relation to the script (script).
    let first: Vec<Revocation> = REVOKE
        .iter()
        .map(|(a, at)| crl::parse_revoke_arg(a, time(at)).expect("revoke"))
        .collect();
    let fl = lines(&crl_transcript(None, &first, THIS_UPDATE));
    let fp = position(&fl, "crl-prepared");
    put(
        o,
        "crl-carried-without-previous",
        reforge(&fl, |i, v| {
            if i == fp {
                v["details"]["carried_forward"] = json!(1);
            }
        }),
        bad(
            "transcript_valid-crl.jsonl (a first CRL: no previous-crl-checked) with crl-prepared's carried_forward set to 1, re-sealed: a relation to the script, so script.",
            "script: `details.carried_forward` is 1, but no previous CRL was checked",
            "script",
            fp,
        ),
    );
}
