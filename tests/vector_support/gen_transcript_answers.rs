//! Transcript vectors for the answers file (`preflight.answers_file`, docs/formats.md,
//! "header") and for `slip` entries (docs/formats.md, "Slips"): re-forged and re-sealed copies
//! of the valid generation and quorum-check transcripts.

use serde_json::{Value, json};

use rootkey::transcript::Kind;

use crate::gen_transcript::{canonical, invalid, lines, parse, sealed};
use crate::gen_transcript_gaps::reforge;
use crate::generator::Out;

const ANSWERS_SHA256: &str = "9cd0fef2f3eaea5ed94c105518f5f2f40301affe250ce8e2b4986683e054b63c";

/// `ls` with its header's ceremony.rehearsal set to `rehearsal` and an `answers_file` with
/// `unattended`, re-sealed.
fn with_answers(ls: &[Vec<u8>], rehearsal: bool, unattended: bool) -> Vec<u8> {
    reforge(ls, |i, v| {
        if i == 0 {
            v["details"]["ceremony"]["rehearsal"] = json!(rehearsal);
            v["details"]["preflight"]["answers_file"] = json!({
                "file": "rehearsal-answers.toml",
                "sha256": ANSWERS_SHA256,
                "unattended": unattended,
            });
        }
    })
}

/// `ls` with a `slip` entry (`actors`, `details`) inserted before each index of `at`, taking
/// the time of the entry before it, re-numbered, re-chained and re-sealed.
fn with_slips(ls: &[Vec<u8>], at: &[(usize, Value, Value)]) -> Vec<u8> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for (i, l) in ls.iter().enumerate() {
        for (_, actors, details) in at.iter().filter(|(j, ..)| *j == i) {
            let before = parse(out.last().expect("not before the header"));
            out.push(canonical(&json!({
                "seq": 0,
                "time": before["time"],
                "actors": actors,
                "action": "slip",
                "details": details,
                "prev": "",
            })));
        }
        out.push(l.clone());
    }
    reforge(&out, |i, v: &mut Value| v["seq"] = json!(i))
}

fn slip(kind: &str, attempt: u64, step: &str) -> Value {
    json!({"attempt": attempt, "kind": kind, "step": step})
}

pub fn answers_and_slip_vectors(o: &mut Out, gen_bytes: &[u8], quorum_bytes: &[u8]) {
    let gen_lines = lines(gen_bytes);
    let from = "transcript_valid-generation.jsonl";
    let root = json!({"root": "cert_valid.pem"});
    let t = with_answers(&gen_lines, true, false);
    o.put("transcript_answers-file.jsonl", t.clone());
    o.json(
        "transcript_answers-file.expect.json",
        &sealed(
            &t,
            &format!("{from} (a rehearsal) whose header records the answers file rehearsal-answers.toml in `preflight.answers_file` (unattended false: a rehearsal needs no acknowledgement), re-sealed: valid, sealed. Verify with root = cert_valid.pem."),
            Kind::Generation,
            root.clone(),
        ),
    );
    let t = with_answers(&gen_lines, false, true);
    o.put("transcript_answers-unattended.jsonl", t.clone());
    o.json(
        "transcript_answers-unattended.expect.json",
        &sealed(
            &t,
            &format!("{from} made a real generation (`ceremony.rehearsal` false) run from an answers file with `unattended` true (--i-understand-this-is-unattended), re-sealed: valid, sealed. Verify with root = cert_valid.pem."),
            Kind::Generation,
            root.clone(),
        ),
    );
    o.put(
        "transcript_answers-attended-real.jsonl",
        with_answers(&gen_lines, false, false),
    );
    o.json(
        "transcript_answers-attended-real.expect.json",
        &invalid(
            &format!("{from} made a real generation whose `preflight.answers_file.unattended` is false, re-sealed: rootkey never runs a real ceremony from an answers file without the acknowledgement."),
            "entry seq 0 (line 1): malformed: `details.preflight.answers_file.unattended` is false in a real (non-rehearsal) ceremony",
            "malformed",
            0,
            1,
        ),
    );
    let rk = json!(["rootkey"]);
    let t = with_slips(
        &gen_lines,
        &[
            (
                1,
                rk.clone(),
                slip(
                    "initials",
                    1,
                    "checklist step 1 (No network cable, Wi-Fi off)",
                ),
            ),
            (
                1,
                rk.clone(),
                slip(
                    "dice-too-few",
                    1,
                    "step 2/15 type-dice (Roll the dice and type the rolls)",
                ),
            ),
            (
                1,
                rk.clone(),
                slip(
                    "dice-not-a-roll",
                    2,
                    "step 2/15 type-dice (Roll the dice and type the rolls)",
                ),
            ),
        ],
    );
    o.put("transcript_slip-valid.jsonl", t.clone());
    o.json(
        "transcript_slip-valid.expect.json",
        &sealed(
            &t,
            &format!("{from} with three `slip` entries after the header (wrong initials at checklist step 1, then too few dice and a character that is not a roll at type-dice), re-chained and re-sealed: valid, sealed. Verify with root = cert_valid.pem."),
            Kind::Generation,
            root,
        ),
    );
    let q_lines = lines(quorum_bytes);
    let t = with_slips(
        &q_lines,
        &[(
            3,
            rk.clone(),
            slip(
                "same-share",
                1,
                "step 4/7 present-share-2 (Present your share)",
            ),
        )],
    );
    o.put("transcript_slip-quorum-check.jsonl", t.clone());
    o.json(
        "transcript_slip-quorum-check.expect.json",
        &sealed(
            &t,
            "transcript_valid-quorum-check.jsonl with a `same-share` slip between two `share-presented` entries (slips stand between any two entries of any kind), re-sealed: valid, sealed. Verify with root = cert_valid.pem.",
            Kind::QuorumCheck,
            json!({"root": "cert_valid.pem"}),
        ),
    );
    o.put(
        "transcript_slip-unknown-kind.jsonl",
        with_slips(
            &gen_lines,
            &[(2, rk, slip("typo", 1, "step 3/15 draw-seed"))],
        ),
    );
    o.json(
        "transcript_slip-unknown-kind.expect.json",
        &invalid(
            &format!(
                "{from} with a `slip` at seq 2 whose kind `typo` is not a kind of slip, re-sealed."
            ),
            "entry seq 2 (line 3): malformed: `details.kind` is not a kind of slip",
            "malformed",
            2,
            3,
        ),
    );
    o.put(
        "transcript_slip-actor.jsonl",
        with_slips(
            &gen_lines,
            &[(
                2,
                json!(["Wendy Witness"]),
                slip("initials", 1, "checklist step 1 (Cables)"),
            )],
        ),
    );
    o.json(
        "transcript_slip-actor.expect.json",
        &invalid(
            &format!(
                "{from} with a `slip` at seq 2 done by a person instead of rootkey, re-sealed."
            ),
            "entry seq 2 (line 3): script: actors are [\"Wendy Witness\"], expected [\"rootkey\"]",
            "script",
            2,
            3,
        ),
    );
}
