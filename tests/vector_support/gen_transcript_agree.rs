//! Transcript vectors for the places where `rootkey transcript verify` and the independent
//! verifier disagreed (issue 10, item 2, from outside): entry and attestation times that are
//! not real times, a rehearsal header that says it is not one, the kind of a bad member
//! against a broken relation, header participants, and the attestation chain's line and kind.
//! `tests/cli_verifier_agreement.rs` runs both verifiers on each of them.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::key::RootKey;
use rootkey::transcript::{ATTESTATION_DOMAIN, signed_message};

use crate::gen_transcript::{WITNESSES, canonical, invalid, join, lines, parse, witness_keys};
use crate::gen_transcript_gaps::{put, reforge};
use crate::generator::Out;
use crate::harness::secret;

/// The attestation line `v` signed again by witness `w` (0 or 1).
fn resign(mut v: Value, w: usize) -> Vec<u8> {
    let key = RootKey::from_seed(&secret(&WITNESSES[w].1)).expect("witness key");
    let o = v.as_object_mut().expect("object");
    o.remove("signature");
    let sig = key.sign(&signed_message(ATTESTATION_DOMAIN, &v).expect("message"));
    v["signature"] = json!(hex::encode(sig.to_bytes()));
    canonical(&v)
}

fn position(ls: &[Vec<u8>], action: &str) -> usize {
    ls.iter()
        .position(|l| parse(l)["action"] == action)
        .unwrap_or_else(|| panic!("no {action}"))
}

/// An invalid expectation at entry `at` (0-based).
fn bad(description: &str, message: &str, failure: &str, at: usize) -> Value {
    invalid(description, message, failure, at as u64, at as u64 + 1)
}

/// An invalid expectation at attestation `at` (0-based), verified with both witnesses' keys.
fn bad_attestation(description: &str, message: &str, failure: &str, at: usize) -> Value {
    let mut exp = bad(description, message, failure, at);
    exp["location"] = json!("attestations");
    exp["witnesses"] = json!(witness_keys());
    exp
}

pub fn agree(o: &mut Out, gen_bytes: &[u8], reh: &[u8]) {
    let gl = lines(gen_bytes);
    let rl = lines(reh);
    let from = "transcript_valid-generation.jsonl";
    let reh_from = "transcript_valid-rehearsal.jsonl";

    // Item 3: a TIME is a real date and time (no 30 February, no leap second).
    for (cond, time, what) in [
        (
            "time-february-30",
            "2028-02-30T00:00:00.000Z",
            "30 February (no such day)",
        ),
        (
            "time-leap-second",
            "2028-02-29T23:59:60.000Z",
            "second 60 (rootkey never writes a leap second)",
        ),
    ] {
        put(
            o,
            cond,
            reforge(&gl, |i, v| {
                if i == 5 {
                    v["time"] = json!(time);
                }
            }),
            bad(
                &format!(
                    "{from} with entry 5's time set to {time}, {what}, re-chained and re-sealed: a TIME is a real date and time, so the line does not have its members' forms (Replay step 1)."
                ),
                "entry seq 5 (line 6): modified: `time`",
                "modified",
                5,
            ),
        );
    }

    // Item 4: a rehearsal's header says rehearsal true.
    put(
        o,
        "rehearsal-flag-false",
        reforge(&rl, |i, v| {
            if i == 0 {
                v["details"]["ceremony"]["rehearsal"] = json!(false);
            }
        }),
        bad(
            &format!(
                "{reh_from} with the header's ceremony.rehearsal set to false, re-sealed: kind rehearsal MUST have rehearsal true."
            ),
            "entry seq 0 (line 1): malformed: `details.ceremony.rehearsal` must be true",
            "malformed",
            0,
        ),
    );

    // Item 6: a member that breaks its own entry's form is malformed; a broken relation to
    // another entry (or to the script's order) is script.
    let sp = position(&rl, "share-presented");
    put(
        o,
        "presented-holder-number",
        reforge(&rl, |i, v| {
            if i == sp {
                v["details"]["holder"] = json!(7);
            }
        }),
        bad(
            &format!(
                "{reh_from} with the first share-presented's holder set to the number 7, re-sealed: an ill-typed member is malformed (not a script error about the actors)."
            ),
            "malformed: `details.holder` is not a string",
            "malformed",
            sp,
        ),
    );
    put(
        o,
        "presented-holder-missing",
        reforge(&rl, |i, v| {
            if i == sp {
                v["details"]
                    .as_object_mut()
                    .expect("details")
                    .remove("holder");
            }
        }),
        bad(
            &format!(
                "{reh_from} with the first share-presented's holder member removed, re-sealed: a missing member is malformed."
            ),
            "malformed: `details` has no member `holder`",
            "malformed",
            sp,
        ),
    );
    put(
        o,
        "written-out-of-order",
        reforge(&gl, |i, v| {
            // share-written 1 and 2 swap places (entries 5 and 6), each intact.
            if i == 5 || i == 6 {
                *v = parse(&gl[11 - i]);
                v["seq"] = json!(i);
                v["time"] = parse(&gl[i])["time"].clone();
            }
        }),
        bad(
            &format!(
                "{from} with share-written 1 and 2 in each other's place, re-chained and re-sealed: the shares are written in index order, a relation of the script (script, at the first out of order)."
            ),
            "entry seq 5 (line 6): script: `details.index` must be 1",
            "script",
            5,
        ),
    );
    put(
        o,
        "entropy-rolls-source",
        reforge(&gl, |i, v| {
            if i == 1 {
                v["details"]["dice_rolls"] = json!(5);
            }
        }),
        bad(
            &format!(
                "{from} with entropy's dice_rolls set to 5 while source stays \"os\", re-sealed: two members of one entry that do not fit each other are malformed."
            ),
            "entry seq 1 (line 2): malformed: `details.source` must be",
            "malformed",
            1,
        ),
    );
    put(
        o,
        "participants-duplicate-share",
        reforge(&gl, |i, v| {
            if i == 0 {
                v["details"]["participants"][2]["share"] = json!(1);
            }
        }),
        bad(
            &format!(
                "{from} with the second holder listed as holding share 1 too, re-sealed: each share index 1…n is held by exactly one participant (malformed header)."
            ),
            "entry seq 0 (line 1): malformed: `details.participants` must list exactly one holder of share 1 (found 2)",
            "malformed",
            0,
        ),
    );
    put(
        o,
        "participants-holders-unordered",
        reforge(&gl, |i, v| {
            if i == 0 {
                let p = v["details"]["participants"]
                    .as_array_mut()
                    .expect("participants");
                let n = p.len();
                p.swap(n - 1, n - 2);
            }
        }),
        bad(
            &format!(
                "{from} with the header's last two holders listed in each other's place (shares 5, 4), re-sealed: holders follow the others in index order (malformed header)."
            ),
            "entry seq 0 (line 1): malformed: `details.participants` must list the people without a share first, then the holders of shares 1…n in order",
            "malformed",
            0,
        ),
    );

    // Item 5: the attestation chain's line and kind.
    let att = crate::gen_transcript::attestations(gen_bytes);
    let al = lines(&att);
    let (a, b) = (al[0].clone(), al[1].clone());
    let head = Sha256::digest(gl.last().expect("seal"));
    let att_vector = |o: &mut Out, cond: &str, ls: &[Vec<u8>], exp: Value| {
        o.put(&format!("transcript_{cond}.jsonl"), gen_bytes.to_vec());
        o.put(&format!("transcript_{cond}.attestations"), join(ls));
        o.json(&format!("transcript_{cond}.expect.json"), &exp);
    };
    let afrom = "transcript_attested";
    let mut v = parse(&b);
    v["time"] = json!("2028-02-30T00:00:00.000Z");
    att_vector(
        o,
        "attestation-february-30",
        &[a.clone(), resign(v, 1)],
        bad_attestation(
            &format!(
                "{afrom} with the second attestation's time set to 2028-02-30T00:00:00.000Z, re-signed by its witness: an attestation's time is a TIME, a real date (malformed)."
            ),
            "attestation seq 1 (line 2): malformed: `time`",
            "malformed",
            1,
        ),
    );
    att_vector(
        o,
        "attestation-duplicated",
        &[a.clone(), a.clone()],
        bad_attestation(
            &format!(
                "{afrom} with the first attestation repeated as the second line: line 2 holds a seq already taken and does not link to line 1 (inserted, line 2)."
            ),
            "attestation seq 1 (line 2): inserted",
            "inserted",
            1,
        ),
    );
    att_vector(
        o,
        "attestation-second-repeated",
        &[a.clone(), b.clone(), b.clone()],
        bad_attestation(
            &format!(
                "{afrom} with the second attestation repeated as a third line (inserted, line 3)."
            ),
            "attestation seq 2 (line 3): inserted",
            "inserted",
            2,
        ),
    );
    let mut v = parse(&b);
    v["prev"] = json!(hex::encode(head));
    att_vector(
        o,
        "attestation-prev-sealed-head",
        &[a.clone(), resign(v, 1)],
        bad_attestation(
            &format!(
                "{afrom} with the second attestation's prev set to the sealed head, re-signed by its witness: seq is right, the link is not (modified, line 2)."
            ),
            "attestation seq 1 (line 2): modified: `prev` does not link",
            "modified",
            1,
        ),
    );
    let mut v = parse(&b);
    v["witness"]["name"] = json!("Mallory");
    att_vector(
        o,
        "attestation-renamed",
        &[a.clone(), canonical(&v)],
        bad_attestation(
            &format!(
                "{afrom} with the second witness's name changed to \"Mallory\", not re-signed: the signature no longer verifies (bad signature, line 2)."
            ),
            "attestation seq 1 (line 2): bad signature",
            "bad-signature",
            1,
        ),
    );
    let mut v = parse(&b);
    v["seq"] = json!(0);
    att_vector(
        o,
        "attestation-seq-changed",
        &[a.clone(), canonical(&v)],
        bad_attestation(
            &format!(
                "{afrom} with the second attestation's seq changed to 0 (its prev still links to line 1), not re-signed: only seq is wrong (modified, line 2, before the signature)."
            ),
            "attestation seq 1 (line 2): modified: its seq is 0",
            "modified",
            1,
        ),
    );
    att_vector(
        o,
        "attestation-first-deleted",
        std::slice::from_ref(&b),
        bad_attestation(
            &format!(
                "{afrom} without its first attestation: line 1 holds seq 1 and no later line holds seq 0 (deleted, line 1)."
            ),
            "attestation seq 0 (line 1): deleted",
            "deleted",
            0,
        ),
    );
    att_vector(
        o,
        "attestation-swapped",
        &[b.clone(), a.clone()],
        bad_attestation(
            &format!(
                "{afrom} with its two attestations in each other's place: line 1 holds seq 1 and line 2 seq 0 (reordered, line 1)."
            ),
            "attestation seq 0 (line 1): reordered",
            "reordered",
            0,
        ),
    );
    o.put(
        "transcript_attestation-unsealed.jsonl",
        join(&gl[..gl.len() - 1]),
    );
    o.put("transcript_attestation-unsealed.attestations", att.clone());
    o.json(
        "transcript_attestation-unsealed.expect.json",
        &bad_attestation(
            &format!(
                "{from} without its seal, beside transcript_attested's attestations: they attest a seal that is not there (deleted, attestation line 1)."
            ),
            "attestation seq 0 (line 1): deleted: attestations exist but the transcript is not sealed",
            "deleted",
            0,
        ),
    );
}
