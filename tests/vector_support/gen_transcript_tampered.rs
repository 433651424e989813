//! Vectors of tampered transcripts (`transcript_modified`, `_deleted`, `_reordered`,
//! `_inserted`, `_truncated`, `_bad-seal`, `_foreign-seal`, `_non-canonical`, `_script-order`,
//! `_after-seal`): copies of the valid generation transcript with one defect each, and the
//! verdict, kind and line every verifier must report.

use serde_json::{Value, json};

use rootkey::key::RootKey;

use crate::fixture::root_key;
use crate::gen_transcript::{
    FOREIGN_SEED, Inputs, Steps, canonical, entry_line, generation, invalid, join, lines, parse,
    sha_hex,
};
use crate::generator::Out;
use crate::harness::secret;

/// Every tampered copy of `gen_bytes`, the vector generation transcript of `inp`.
pub fn tampered(o: &mut Out, inp: &Inputs, gen_bytes: &[u8]) {
    let key = root_key();
    let gen_lines = lines(gen_bytes);
    let from = "transcript_valid-generation.jsonl";
    let mut put_invalid = |cond: &str, bytes: Vec<u8>, exp: Value| {
        o.put(&format!("transcript_{cond}.jsonl"), bytes);
        o.json(&format!("transcript_{cond}.expect.json"), &exp);
    };

    let mut ls = gen_lines.clone();
    let mut e5 = parse(&ls[5]);
    let d = e5["details"]["envelope_sha256"].as_str().expect("digest");
    let changed = format!("{}{}", if d.starts_with('0') { "1" } else { "0" }, &d[1..]);
    e5["details"]["envelope_sha256"] = json!(changed);
    ls[5] = canonical(&e5);
    put_invalid(
        "modified",
        join(&ls),
        invalid(
            &format!(
                "{from} with the first hex digit of entry 5's (share-written 1) envelope_sha256 changed; the line is still canonical but entry 6's prev no longer matches its hash."
            ),
            "entry seq 5 (line 6): modified",
            "modified",
            5,
            6,
        ),
    );

    let mut ls = gen_lines.clone();
    ls.remove(6);
    put_invalid(
        "deleted",
        join(&ls),
        invalid(
            &format!(
                "{from} without entry 6 (share-written 2): line 7 holds entry seq 7, which links to an entry that is not in the file."
            ),
            "entry seq 6 (line 7): deleted: entry seq 6 is missing",
            "deleted",
            6,
            7,
        ),
    );

    let mut ls = gen_lines.clone();
    ls.swap(6, 7);
    put_invalid(
        "reordered",
        join(&ls),
        invalid(
            &format!("{from} with entries 6 and 7 (share-written 2 and 3) swapped."),
            "lines 7 and 8: reordered: line 7 holds seq 7 and line 8 holds seq 6",
            "reordered",
            6,
            7,
        ),
    );

    let mut ls = gen_lines.clone();
    let mallory = entry_line(
        7,
        7,
        "share-written",
        json!({
            "envelope_sha256": sha_hex(b"rootkey test vectors: inserted share"),
            "file": "share-06-mallory-example.txt",
            "holder": "Mallory Example",
            "index": 6,
            "medium": "text",
            "role": "intruder",
        }),
        &ls[6],
    );
    ls.insert(7, mallory);
    put_invalid(
        "inserted",
        join(&ls),
        invalid(
            &format!(
                "{from} with a share-written entry for a sixth holder inserted as line 8 (seq 7, chained to line 7); the original entry seq 7 (now line 9) still links to line 7, skipping it."
            ),
            "entry seq 7 (line 8): inserted: line 9 links to line 7, so line 8 is not part of the chain",
            "inserted",
            7,
            8,
        ),
    );

    let mut ls = gen_lines.clone();
    let mut s = parse(&ls[12]);
    let mut sig = hex::decode(s["details"]["signature"].as_str().expect("sig")).expect("hex");
    sig[0] ^= 0x01;
    s["details"]["signature"] = json!(hex::encode(sig));
    ls[12] = canonical(&s);
    put_invalid(
        "bad-seal",
        join(&ls),
        invalid(
            &format!(
                "{from} with the lowest bit of the seal signature's first byte flipped: chain and script hold, the signature does not verify."
            ),
            "entry seq 12 (line 13): bad seal: the root key's signature does not verify",
            "bad-seal",
            12,
            13,
        ),
    );

    let foreign = RootKey::from_seed(&secret(&FOREIGN_SEED)).expect("foreign key");
    let fs_bytes = generation(inp, Steps::AsRootkey, &foreign);
    assert_eq!(lines(&fs_bytes)[..12], gen_lines[..12]);
    put_invalid(
        "foreign-seal",
        fs_bytes,
        invalid(
            &format!(
                "{from} with its seal replaced by a valid seal of another key (Ed25519 seed 32 × 0x33): the signature verifies under the seal's public_key, which is not the generated root key."
            ),
            "entry seq 12 (line 13): bad seal: sealed by key",
            "bad-seal",
            12,
            13,
        ),
    );

    let mut ls = gen_lines.clone();
    let l = String::from_utf8(ls[5].clone()).expect("utf-8");
    ls[5] = l.replacen("\":", "\": ", 1).into_bytes();
    put_invalid(
        "non-canonical",
        join(&ls),
        invalid(
            &format!(
                "{from} with a space inserted after the first colon of line 6: same JSON value, but not its canonical encoding."
            ),
            "entry seq 5 (line 6): modified: not in canonical form",
            "modified",
            5,
            6,
        ),
    );

    let so = generation(inp, Steps::CertificateBeforeSplit, &key);
    put_invalid(
        "script-order",
        so,
        invalid(
            "The vector generation with certificate-signed recorded before shares-split: correctly chained and sealed by the vector key, but the steps are out of the script's order.",
            "entry seq 3 (line 4): script: expected `shares-split`",
            "script",
            3,
            4,
        ),
    );

    let mut ls = gen_lines.clone();
    let extra = entry_line(
        13,
        13,
        "artifact-written",
        json!({"file": "extra.pem", "sha256": sha_hex(b"rootkey test vectors: after the seal")}),
        &ls[12],
    );
    ls.push(extra);
    put_invalid(
        "after-seal",
        join(&ls),
        invalid(
            &format!(
                "{from} with an artifact-written entry appended after the seal, correctly chained to it (seq 13, prev = the sealed head)."
            ),
            "entry seq 13 (line 14): script: `artifact-written` after the seal",
            "script",
            13,
            14,
        ),
    );
}

/// The expectation of an interrupted transcript (docs/formats.md, "Interrupted"): unsealed,
/// `entries` complete lines, of `kind` (none when no header line is complete).
fn interrupted(description: &str, kind: Option<&str>, entries: usize, reason: &str) -> Value {
    let mut v = json!({
        "outcome": "unsealed",
        "description": description,
        "entries": entries,
        "reason_contains": reason,
    });
    if let Some(k) = kind {
        v["ceremony_kind"] = json!(k);
    }
    v
}

/// `transcript_aborted` (`ab`) followed by an incomplete line: **inserted** (nothing is ever
/// written after `aborted`).
pub fn after_aborted(o: &mut Out, ab: &[u8]) {
    let n = lines(ab).len();
    let mut t = ab.to_vec();
    t.extend_from_slice(b"{\"action\":\"share-presented\",\"actors\":[");
    o.put("transcript_partial-after-aborted.jsonl", t);
    o.json(
        "transcript_partial-after-aborted.expect.json",
        &invalid(
            "transcript_aborted.jsonl followed by the start of another entry, without a line end: nothing is ever written after `aborted`, so the bytes were added.",
            &format!("entry seq {n} (line {}): inserted: line {} is incomplete", n + 1, n + 1),
            "inserted",
            n as u64,
            n as u64 + 1,
        ),
    );
}

/// Interrupted copies of `gen_bytes` (docs/formats.md, "Interrupted"): unsealed, never invalid;
/// and an incomplete line after the seal (**inserted**).
pub fn interrupted_vectors(o: &mut Out, gen_bytes: &[u8]) {
    let gen_lines = lines(gen_bytes);
    let from = "transcript_valid-generation.jsonl";
    let mut t = join(&gen_lines[..12]);
    let seal = &gen_lines[12];
    t.extend_from_slice(&seal[..seal.len() / 2]);
    let half = seal.len() / 2;
    o.put("transcript_truncated.jsonl", t);
    o.json(
        "transcript_truncated.expect.json",
        &interrupted(
            &format!("{from} cut in the middle of its last line (the seal), without a line end: an interrupted write, unsealed (exit 3), never invalid."),
            Some("generation"),
            12,
            &format!("line 13 is incomplete ({half} bytes without a line end): the ceremony was interrupted while entry seq 12 was written, after entry seq 11 (line 12) (`artifact-written`)"),
        ),
    );
    o.put("transcript_interrupted-empty.jsonl", Vec::new());
    o.json(
        "transcript_interrupted-empty.expect.json",
        &interrupted(
            "An empty transcript (0 bytes), as a kill right after the file was created could leave: interrupted before the header, unsealed (exit 3).",
            None,
            0,
            "the transcript is empty: the ceremony was interrupted before its header was written",
        ),
    );
    let h = &gen_lines[0];
    o.put(
        "transcript_interrupted-header-cut.jsonl",
        h[..h.len() / 2].to_vec(),
    );
    o.json(
        "transcript_interrupted-header-cut.expect.json",
        &interrupted(
            &format!("The first half of {from}'s header line, without a line end: interrupted while the header was written, unsealed (exit 3)."),
            None,
            0,
            &format!("line 1 is incomplete ({} bytes without a line end): the ceremony was interrupted before its header was written", h.len() / 2),
        ),
    );
    let mut t = join(&gen_lines[..8]);
    let ninth = &gen_lines[8];
    t.extend_from_slice(&ninth[..ninth.len() / 2]);
    o.put("transcript_interrupted-mid-line.jsonl", t);
    o.json(
        "transcript_interrupted-mid-line.expect.json",
        &interrupted(
            &format!("The first 8 entries of {from} and the first half of the ninth (share-written 4), without a line end: unsealed (exit 3)."),
            Some("generation"),
            8,
            &format!("line 9 is incomplete ({} bytes without a line end): the ceremony was interrupted while entry seq 8 was written, after entry seq 7 (line 8) (`share-written`)", ninth.len() / 2),
        ),
    );
    let mut t = gen_bytes.to_vec();
    t.extend_from_slice(&seal[..half]);
    o.put("transcript_partial-after-seal.jsonl", t);
    o.json(
        "transcript_partial-after-seal.expect.json",
        &invalid(
            &format!("{from} followed by the first half of its own seal line, without a line end: nothing is ever written after the seal, so the bytes were added."),
            "entry seq 13 (line 14): inserted: line 14 is incomplete",
            "inserted",
            13,
            14,
        ),
    );
}

/// The pre-flight's `network_exception` (docs/formats.md, "header"): a copy of `gen_bytes`
/// whose header says eth0 was up and the administrator recorded why (cut after 8 entries:
/// valid, unsealed), and re-sealed copies with a blank reason or other interfaces (malformed).
pub fn network_exception_vectors(o: &mut Out, gen_bytes: &[u8]) {
    use crate::gen_transcript_gaps::reforge;
    let gen_lines = lines(gen_bytes);
    let from = "transcript_valid-generation.jsonl";
    let with = |interfaces: Value, reason: &str| {
        let reason = reason.to_string();
        reforge(&gen_lines, move |i, v| {
            if i == 0 {
                let p = &mut v["details"]["preflight"];
                p["network_interfaces_up"] = json!(["eth0"]);
                p["network_exception"] = json!({"interfaces": interfaces, "reason": reason});
            }
        })
    };
    let good = with(json!(["eth0"]), "wired link to the ceremony printer only");
    let cut = join(&lines(&good)[..8]);
    o.put("transcript_network-exception.jsonl", cut);
    o.json(
        "transcript_network-exception.expect.json",
        &interrupted(
            &format!("The first 8 entries of {from} re-forged with eth0 up and the administrator's exception in `preflight.network_exception`: valid, unsealed (exit 3)."),
            Some("generation"),
            8,
            "ends at entry seq 7 (line 8) (`share-written`) without a seal",
        ),
    );
    for (cond, interfaces, reason, what) in [
        (
            "network-exception-blank",
            json!(["eth0"]),
            "  ",
            "`details.preflight.network_exception.reason` is blank",
        ),
        (
            "network-exception-other-interface",
            json!(["wlan0"]),
            "wired link to the ceremony printer only",
            "`details.preflight.network_exception.interfaces` is not the (non-empty) list `network_interfaces_up`",
        ),
    ] {
        o.put(
            &format!("transcript_{cond}.jsonl"),
            with(interfaces, reason),
        );
        o.json(
            &format!("transcript_{cond}.expect.json"),
            &invalid(
                &format!("{from} re-forged with eth0 up and a `preflight.network_exception` whose {} is wrong, re-sealed.", if cond.ends_with("blank") { "reason is blank" } else { "interfaces are not those up" }),
                &format!("entry seq 0 (line 1): malformed: {what}"),
                "malformed",
                0,
                1,
            ),
        );
    }
}
