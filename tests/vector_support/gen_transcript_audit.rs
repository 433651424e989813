//! Transcript vectors for the share audit (`rootkey share audit`, docs/formats.md, "Share
//! audit"): built from the valid quorum check's header and `context-loaded` (kind changed to
//! `share-audit`), with `share-presented` entries carrying the manifest's envelopes,
//! `share-refused` entries and the final `audit-completed`, chained by hand (nothing seals an
//! audit). A complete audit attested by the two vector witnesses; one with a holder absent;
//! one with refused shares; its `audit-completed` edited (a holder dropped from `absent`); a
//! duplicate that claims an index never proved; an entry after `audit-completed`; and an audit
//! cut before `audit-completed` (interrupted, unsealed).

use serde_json::{Value, json};

use rootkey::transcript::Kind;

use crate::gen_transcript::{
    WITNESSES, attestations, canonical, invalid, join, lines, parse, sha_hex, witness_keys,
};
use crate::generator::Out;
use crate::harness::dir;

/// The manifest's (index, holder, envelope SHA-256) of the vector ceremony.
fn shares() -> Vec<(u64, String, String)> {
    let m: Value = serde_json::from_slice(
        &std::fs::read(dir().join("manifest_valid.json")).expect("manifest_valid.json"),
    )
    .expect("manifest json");
    m["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .map(|s| {
            (
                s["index"].as_u64().expect("index"),
                s["holder"].as_str().expect("holder").to_string(),
                s["envelope_sha256"].as_str().expect("envelope").to_string(),
            )
        })
        .collect()
}

/// One step of an audit: a share proved (index), a share refused, or the completion.
enum Step {
    Proved(u64),
    Refused(Option<u64>, &'static str, &'static str),
    Completed(Value),
    Other(&'static str, Value),
}

/// The audit transcript: the quorum check's first two entries as a share audit, then `steps`,
/// re-numbered and chained, each a millisecond after the one before.
fn audit(qc: &[u8], steps: &[Step]) -> Vec<u8> {
    let ql = lines(qc);
    let sh = shares();
    let mut header = parse(&ql[0]);
    header["details"]["ceremony"]["kind"] = json!("share-audit");
    let mut vs = vec![header, parse(&ql[1])];
    for s in steps {
        let (actors, action, details) = match s {
            Step::Proved(i) => {
                let (_, holder, env) = &sh[*i as usize - 1];
                (
                    json!([holder]),
                    "share-presented",
                    json!({"corrections": 0, "envelope_sha256": env,
                           "file": format!("share_valid-{i}.txt"), "holder": holder, "index": i}),
                )
            }
            Step::Refused(claimed, file, reason) => (
                json!(["rootkey"]),
                "share-refused",
                json!({"claimed_index": claimed, "file": file, "reason": reason}),
            ),
            Step::Completed(d) => (json!(["rootkey"]), "audit-completed", d.clone()),
            Step::Other(a, d) => (json!(["rootkey"]), *a, d.clone()),
        };
        vs.push(json!({"action": action, "actors": actors, "details": details}));
    }
    let t0 = parse(&ql[1])["time"].as_str().expect("time").to_string();
    let mut out: Vec<Vec<u8>> = Vec::new();
    for (i, mut v) in vs.into_iter().enumerate() {
        v["seq"] = json!(i);
        v["prev"] = json!(out.last().map_or("0".repeat(64), |p| sha_hex(p)));
        if i > 1 {
            // The context's time plus i − 1 milliseconds (TIME has milliseconds).
            let ms: u64 = t0[20..23].parse::<u64>().expect("ms") + i as u64 - 1;
            v["time"] = json!(format!("{}{:03}Z", &t0[..20], ms));
        }
        out.push(canonical(&v));
    }
    join(&out)
}

fn completed(absent: &[u64], failed: &[u64], proven: &[u64], refused: u64) -> Step {
    Step::Completed(json!({"absent": absent, "failed": failed, "proven": proven,
                           "refused": refused}))
}

fn unsealed(t: &[u8], description: &str, reason: &str) -> Value {
    json!({
        "outcome": "unsealed",
        "description": description,
        "ceremony_kind": Kind::ShareAudit.as_str(),
        "entries": lines(t).len(),
        "manifest": "manifest_valid.json",
        "root": "cert_valid.pem",
        "reason_contains": reason,
    })
}

pub fn audit_vectors(o: &mut Out, qc: &[u8]) {
    use Step::{Proved, Refused};
    const COMPLETE: &str = "complete, not sealed: a share audit rebuilds no key";
    // a. Every holder proved their share; attested by both witnesses.
    let all = audit(
        qc,
        &[
            Proved(2),
            Proved(4),
            Proved(5),
            Proved(1),
            Proved(3),
            completed(&[], &[], &[1, 2, 3, 4, 5], 0),
        ],
    );
    o.put("transcript_audit-complete.jsonl", all.clone());
    o.put("transcript_audit-complete.attestations", attestations(&all));
    let mut exp = unsealed(
        &all,
        "A share audit of the vector ceremony (the header and context of transcript_valid-quorum-check.jsonl, kind share-audit): all five holders proved their share, then audit-completed; attested by the two vector witnesses over its completed head. With the witness list `witnesses`: valid and complete (exit 0).",
        "",
    );
    exp["outcome"] = json!("sealed");
    exp["sealed_head"] = json!(sha_hex(lines(&all).last().expect("completed")));
    exp["witnesses"] = json!(witness_keys());
    exp["attestations"] = json!(
        WITNESSES
            .iter()
            .zip(witness_keys())
            .enumerate()
            .map(
                |(seq, ((name, seed), key))| json!({"seq": seq, "name": name,
                "seed_hex": hex::encode(seed), "public_key": key})
            )
            .collect::<Vec<_>>()
    );
    exp.as_object_mut()
        .expect("object")
        .remove("reason_contains");
    o.json("transcript_audit-complete.expect.json", &exp);

    // b. Holder 4 did not appear.
    let missing = audit(
        qc,
        &[
            Proved(1),
            Proved(2),
            Proved(3),
            Proved(5),
            completed(&[4], &[], &[1, 2, 3, 5], 0),
        ],
    );
    o.put("transcript_audit-missing-holder.jsonl", missing.clone());
    o.json(
        "transcript_audit-missing-holder.expect.json",
        &unsealed(
            &missing,
            "A share audit in which shares 1, 2, 3 and 5 were proved and holder 4 (Dave Example) did not appear: valid, complete, not sealed (exit 3 without witnesses).",
            COMPLETE,
        ),
    );

    // c. Refused shares: share 3 altered (not-listed), a foreign share, share 2 given twice.
    let refused_steps = [
        Proved(1),
        Proved(2),
        Refused(Some(3), "share_altered-3.txt", "not-listed"),
        Refused(None, "other-ceremony.txt", "foreign"),
        Refused(Some(2), "share_valid-2.txt", "duplicate"),
        completed(&[4, 5], &[3], &[1, 2], 3),
    ];
    let refused = audit(qc, &refused_steps);
    o.put("transcript_audit-refused.jsonl", refused.clone());
    o.json(
        "transcript_audit-refused.expect.json",
        &unsealed(
            &refused,
            "A share audit: shares 1 and 2 proved; a share claiming index 3 refused as not-listed (altered), a foreign share refused (claimed_index null), share 2 given again refused as duplicate; audit-completed lists failed [3], absent [4, 5], refused 3. Valid, complete, not sealed.",
            COMPLETE,
        ),
    );
    let ls = lines(&refused);
    let last = ls.len() - 1;

    // d. A holder dropped from `absent` in the last entry (no entry links to it).
    let mut v = parse(&ls[last]);
    v["details"]["absent"] = json!([5]);
    let mut tampered = ls.clone();
    tampered[last] = canonical(&v);
    o.put("transcript_audit-tampered.jsonl", join(&tampered));
    o.json(
        "transcript_audit-tampered.expect.json",
        &invalid(
            "transcript_audit-refused.jsonl with holder 4 removed from audit-completed's `absent` (the last entry, so the chain still holds): the list no longer follows from the entries before it.",
            &format!("entry seq {last} (line {}): script: `details.absent` is [5]", last + 1),
            "script",
            last as u64,
            last as u64 + 1,
        ),
    );

    // e. A duplicate claiming an index that was never proved.
    let dup = audit(
        qc,
        &[
            Proved(1),
            Refused(Some(3), "share_valid-3.txt", "duplicate"),
            completed(&[2, 4, 5], &[3], &[1], 1),
        ],
    );
    o.put("transcript_audit-duplicate-unproved.jsonl", dup);
    o.json(
        "transcript_audit-duplicate-unproved.expect.json",
        &invalid(
            "A share audit whose share-refused (seq 3) is a duplicate of share 3, which no share-presented before it proved.",
            "entry seq 3 (line 4): script: a share refused as \"duplicate\" must claim an index proved earlier",
            "script",
            3,
            4,
        ),
    );

    // f. An entry after audit-completed.
    let mut after_steps = vec![Proved(1), completed(&[2, 3, 4, 5], &[], &[1], 0)];
    after_steps.push(Step::Other(
        "aborted",
        json!({"reason": "added after the audit completed"}),
    ));
    let after = audit(qc, &after_steps);
    o.put("transcript_audit-after-completed.jsonl", after);
    o.json(
        "transcript_audit-after-completed.expect.json",
        &invalid(
            "A complete share audit with an `aborted` entry chained after its audit-completed: nothing may follow audit-completed.",
            "entry seq 4 (line 5): script: `aborted` after `audit-completed` (line 4)",
            "script",
            4,
            5,
        ),
    );

    // g. Cut before audit-completed: interrupted, unsealed.
    let cut = join(&ls[..last]);
    o.put("transcript_audit-interrupted.jsonl", cut.clone());
    let mut exp = unsealed(
        &cut,
        "transcript_audit-refused.jsonl without its audit-completed entry: the audit stopped before it completed (interrupted). Valid but unsealed (exit 3), never complete.",
        &format!(
            "ends at entry seq {} (line {}) (`share-refused`) without a seal",
            last - 1,
            last
        ),
    );
    exp.as_object_mut().expect("object").remove("manifest");
    o.json("transcript_audit-interrupted.expect.json", &exp);
}
