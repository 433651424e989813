//! Transcript vectors for `exception` and `step-confirmed` (`rootkey run`, docs/formats.md,
//! "Exceptions and step confirmations"): the valid generation and quorum-check transcripts
//! with such entries inserted between their entries, re-chained and re-sealed with the vector
//! key; and copies with an exception by a stranger, a confirmation by the same person twice,
//! a confirmation of a step that is not critical, and an exception after the seal.

use serde_json::{Value, json};

use rootkey::transcript::Kind;

use crate::gen_transcript::{canonical, invalid, lines, parse, sealed};
use crate::gen_transcript_gaps::reforge;
use crate::generator::Out;

/// `ls` with `(before index, actors, action, details)` entries inserted (each taking the time
/// of the entry before it; an index past the end appends), re-numbered, re-chained and
/// re-sealed.
fn with(ls: &[Vec<u8>], at: &[(usize, Vec<&str>, &str, Value)]) -> Vec<u8> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let insert = |out: &mut Vec<Vec<u8>>, i: usize| {
        for (_, who, action, details) in at.iter().filter(|(j, ..)| *j == i) {
            let before = parse(out.last().expect("not before the header"));
            out.push(canonical(&json!({
                "seq": 0,
                "time": before["time"],
                "actors": who,
                "action": action,
                "details": details,
                "prev": "",
            })));
        }
    };
    for (i, l) in ls.iter().enumerate() {
        insert(&mut out, i);
        out.push(l.clone());
    }
    insert(&mut out, ls.len());
    reforge(&out, |i, v: &mut Value| v["seq"] = json!(i))
}

fn confirmed(step: u64, key: &str, code: &str, method: &str) -> Value {
    json!({"code": code, "key": key, "method": method, "step": step})
}

pub fn screens_vectors(o: &mut Out, gen_bytes: &[u8], quorum_bytes: &[u8]) {
    let g = lines(gen_bytes);
    let from = "transcript_valid-generation.jsonl";
    let last = g.len() - 1;
    let carol = vec!["Carol Example"];
    let ab = vec!["Alice Example", "Bob Example"];
    let valid = with(
        &g,
        &[
            (
                1,
                carol.clone(),
                "exception",
                json!({"key": "checklist-1", "step": 1, "text": "Wi-Fi switch found on; switched off before the start"}),
            ),
            (
                2,
                ab.clone(),
                "step-confirmed",
                confirmed(4, "generate-root-key", "7F3A-09C2", "typed-code"),
            ),
            (
                5,
                ab.clone(),
                "step-confirmed",
                confirmed(8, "receive-share-1", "0B1C-D2E3", "command-line"),
            ),
            (
                last,
                carol.clone(),
                "exception",
                json!({"key": "seal-transcript", "step": 19, "text": "Holder 5 left the room before the seal"}),
            ),
        ],
    );
    o.put("transcript_screens-valid.jsonl", valid.clone());
    o.json(
        "transcript_screens-valid.expect.json",
        &sealed(
            &valid,
            &format!("{from} with two `exception` entries by Carol Example (after the header, before the seal) and two `step-confirmed` entries by Alice Example and Bob Example (before key-generated, typed-code; before the first share-written, command-line) inserted, re-chained and re-sealed by the vector key: valid, sealed. Verify with root = cert_valid.pem."),
            Kind::Generation,
            json!({"root": "cert_valid.pem"}),
        ),
    );
    let ex = |who: &'static str| {
        (
            3,
            vec![who],
            "exception",
            json!({"key": "shares-split", "step": 6, "text": "a holder arrived late"}),
        )
    };
    let stranger = vec![ex("Mallory Stranger")];
    o.put(
        "transcript_screens-exception-stranger.jsonl",
        with(&g, &stranger),
    );
    o.json(
        "transcript_screens-exception-stranger.expect.json",
        &invalid(
            &format!("{from} with an `exception` at seq 3 whose actor Mallory Stranger is not a participant of the header, re-sealed."),
            "entry seq 3 (line 4): script: exception: actor \"Mallory Stranger\" is not a participant of the header",
            "script",
            3,
            4,
        ),
    );
    let twice = vec![(
        2,
        vec!["Alice Example", "alice example"],
        "step-confirmed",
        confirmed(4, "generate-root-key", "7F3A-09C2", "typed-code"),
    )];
    o.put("transcript_screens-confirmed-twice.jsonl", with(&g, &twice));
    o.json(
        "transcript_screens-confirmed-twice.expect.json",
        &invalid(
            &format!("{from} with a `step-confirmed` at seq 2 whose two actors are the same person (Alice Example, alice example), re-sealed."),
            "entry seq 2 (line 3): script: step-confirmed: \"Alice Example\" cannot confirm twice",
            "script",
            2,
            3,
        ),
    );
    let not_critical = vec![(
        2,
        ab.clone(),
        "step-confirmed",
        confirmed(3, "type-dice", "7F3A-09C2", "typed-code"),
    )];
    o.put(
        "transcript_screens-not-critical.jsonl",
        with(&g, &not_critical),
    );
    o.json(
        "transcript_screens-not-critical.expect.json",
        &invalid(
            &format!("{from} with a `step-confirmed` at seq 2 for step `type-dice`, which is not a critical step, re-sealed."),
            "entry seq 2 (line 3): malformed: `details.key` is not the key of a critical step",
            "malformed",
            2,
            3,
        ),
    );
    let after = with(&g, &[]);
    let mut ls = lines(&after);
    let seal = parse(ls.last().expect("seal"));
    ls.push(canonical(&json!({
        "seq": ls.len(),
        "time": seal["time"],
        "actors": carol,
        "action": "exception",
        "details": {"key": "checklist-20", "step": 20, "text": "too late"},
        "prev": crate::gen_transcript::sha_hex(ls.last().expect("seal")),
    })));
    let line = ls.len() as u64;
    o.put(
        "transcript_screens-after-seal.jsonl",
        crate::gen_transcript::join(&ls),
    );
    o.json(
        "transcript_screens-after-seal.expect.json",
        &invalid(
            &format!(
                "{from} with an `exception` chained after the seal: nothing may follow the seal."
            ),
            &format!(
                "entry seq {} (line {line}): script: `exception` after the seal",
                line - 1
            ),
            "script",
            line - 1,
            line,
        ),
    );
    let q = with(
        &lines(quorum_bytes),
        &[(
            2,
            vec!["Carol Example"],
            "exception",
            json!({"key": "present-share-1", "step": 3, "text": "share 1 presented by a proxy"}),
        )],
    );
    o.put("transcript_screens-quorum-check.jsonl", q.clone());
    o.json(
        "transcript_screens-quorum-check.expect.json",
        &sealed(
            &q,
            "transcript_valid-quorum-check.jsonl with an `exception` by Carol Example before its first share-presented, re-sealed: exceptions may stand in any kind.",
            Kind::QuorumCheck,
            json!({"root": "cert_valid.pem"}),
        ),
    );
}
