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

    let mut t = join(&gen_lines[..12]);
    let seal = &gen_lines[12];
    t.extend_from_slice(&seal[..seal.len() / 2]);
    put_invalid(
        "truncated",
        t,
        invalid(
            &format!("{from} cut in the middle of its last line (the seal), without a line end."),
            "entry seq 12 (line 13): truncated",
            "truncated",
            12,
            13,
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
