//! Transcript vectors for `checklist-acknowledged` (`rootkey run`, docs/formats.md, "Checklist
//! acknowledgements"): the valid generation transcript with acknowledgements inserted between
//! its entries (and the valid rotation transcript with one), re-chained and re-sealed with the
//! vector key; and copies whose
//! acknowledgement carries someone else's initials, or stands in a quorum check.

use serde_json::{Value, json};

use rootkey::transcript::Kind;

use crate::gen_transcript::{canonical, invalid, lines, parse, sealed};
use crate::gen_transcript_gaps::reforge;
use crate::generator::Out;

/// `ls` with an acknowledgement by `who` (initials `initials`, checklist step `step`)
/// inserted before each index of `at` (taking the time of the entry before it), re-numbered,
/// re-chained and re-sealed.
fn with_acks(ls: &[Vec<u8>], at: &[(usize, &str, &str, u64)]) -> Vec<u8> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for (i, l) in ls.iter().enumerate() {
        for (_, who, initials, step) in at.iter().filter(|(j, ..)| *j == i) {
            let before = parse(out.last().expect("not before the header"));
            out.push(canonical(&json!({
                "seq": 0,
                "time": before["time"],
                "actors": [who],
                "action": "checklist-acknowledged",
                "details": {
                    "initials": initials,
                    "step": step,
                    "title": "No network cable, Wi-Fi off",
                    "text_sha256": "a6efcf8c1c253b088c99cbfa2c5045cb8cf70245b98b277531d7b846cb14f02e",
                },
                "prev": "",
            })));
        }
        out.push(l.clone());
    }
    reforge(&out, |i, v: &mut Value| v["seq"] = json!(i))
}

pub fn checklist_vectors(o: &mut Out, gen_bytes: &[u8], quorum_bytes: &[u8]) {
    let gen_lines = lines(gen_bytes);
    let from = "transcript_valid-generation.jsonl";
    let last = gen_lines.len() - 1;
    let valid = with_acks(
        &gen_lines,
        &[
            (1, "Carol Example", "CE", 1),
            (last, "Dave Example", "de", 14),
        ],
    );
    o.put("transcript_checklist-valid.jsonl", valid.clone());
    o.json(
        "transcript_checklist-valid.expect.json",
        &sealed(
            &valid,
            &format!("{from} with two `checklist-acknowledged` entries inserted (after the header, by Carol Example, initials CE, step 1; before the seal, by Dave Example, initials `de`, step 14), re-chained and re-sealed by the vector key: valid, sealed. Verify with root = cert_valid.pem."),
            Kind::Generation,
            json!({"root": "cert_valid.pem"}),
        ),
    );
    let bad = with_acks(&gen_lines, &[(3, "Carol Example", "AE", 2)]);
    o.put("transcript_checklist-initials.jsonl", bad);
    o.json(
        "transcript_checklist-initials.expect.json",
        &invalid(
            &format!("{from} with a `checklist-acknowledged` at seq 3 whose initials `AE` are not those of its actor Carol Example (CE), re-sealed."),
            "entry seq 3 (line 4): malformed: `details.initials` are not the initials of \"Carol Example\" (CE)",
            "malformed",
            3,
            4,
        ),
    );
    // A rotation run from a plan records its checklist steps too.
    let rot_from = "transcript_valid-rotation.jsonl";
    let rot = with_acks(
        &lines(&crate::harness::read(rot_from)),
        &[(1, "Carol Example", "CE", 1)],
    );
    o.put("transcript_checklist-rotation.jsonl", rot.clone());
    o.json(
        "transcript_checklist-rotation.expect.json",
        &sealed(
            &rot,
            &format!("{rot_from} with a `checklist-acknowledged` after the header (by Carol Example, a holder of the header, initials CE, step 1), re-chained and re-sealed by the vector key: valid, sealed (rootkey run records a rotation's checklist steps). Verify with root = cert_valid.pem."),
            Kind::Rotation,
            json!({"root": "cert_valid.pem", "manifest": "manifest_valid.json"}),
        ),
    );
    let q_lines = lines(quorum_bytes);
    let q = with_acks(&q_lines, &[(1, "Carol Example", "CE", 1)]);
    o.put("transcript_checklist-quorum-check.jsonl", q);
    o.json(
        "transcript_checklist-quorum-check.expect.json",
        &invalid(
            "transcript_valid-quorum-check.jsonl with a `checklist-acknowledged` after the header, re-sealed: a quorum check has no checklist steps.",
            "entry seq 1 (line 2): script: expected `context-loaded`",
            "script",
            1,
            2,
        ),
    );
}
