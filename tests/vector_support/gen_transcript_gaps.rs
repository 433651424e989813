//! Transcript vectors for the gaps an independent verifier found (issue 10): the share medium,
//! the manifest's signature under `--artifacts`, a rehearsal reading back what it wrote, the
//! entry after `aborted`, the chain-break rules' line numbers, an unknown action, the
//! header's quorum bounds, strict certificate dates and a malformed attestation member.
//!
//! Most are copies of the valid generation or rehearsal transcript edited and then re-chained
//! and re-sealed with the vector key ([`reforge`]), the way a forger holding the key would:
//! the chain holds, and only the check the vector is about can object.

use serde_json::{Value, json};

use rootkey::key::RootKey;
use rootkey::transcript::{ATTESTATION_DOMAIN, SEAL_DOMAIN, signed_message};

use crate::fixture::root_key;
use crate::gen_transcript::{
    Inputs, WITNESSES, canonical, entry_line, invalid, join, lines, parse, sha_hex, witness_keys,
};
use crate::generator::Out;
use crate::harness::secret;

/// Re-chains `ls` after `edit(index, entry)` changed entries, and re-seals a final seal with
/// `key`. `seq` is left as edited.
pub fn reforge_with(
    ls: &[Vec<u8>],
    key: &RootKey,
    mut edit: impl FnMut(usize, &mut Value),
) -> Vec<u8> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for (i, l) in ls.iter().enumerate() {
        let mut v = parse(l);
        edit(i, &mut v);
        v["prev"] = json!(out.last().map_or("0".repeat(64), |p| sha_hex(p)));
        if v["action"] == "seal" {
            v["details"]["head"] = v["prev"].clone();
            let mut unsigned = v.clone();
            unsigned["details"]
                .as_object_mut()
                .expect("details")
                .remove("signature");
            let sig = key.sign(&signed_message(SEAL_DOMAIN, &unsigned).expect("message"));
            v["details"]["signature"] = json!(hex::encode(sig.to_bytes()));
        }
        out.push(canonical(&v));
    }
    join(&out)
}

/// [`reforge_with`] the vector key.
pub fn reforge(ls: &[Vec<u8>], edit: impl FnMut(usize, &mut Value)) -> Vec<u8> {
    reforge_with(ls, &root_key(), edit)
}

/// Writes `transcript_{cond}.jsonl` and its expectation.
pub fn put(o: &mut Out, cond: &str, bytes: Vec<u8>, exp: Value) {
    o.put(&format!("transcript_{cond}.jsonl"), bytes);
    o.json(&format!("transcript_{cond}.expect.json"), &exp);
}

/// Edits the details of entry `at` (0-based) of a re-forged copy.
fn with_details(ls: &[Vec<u8>], at: usize, f: impl Fn(&mut Value)) -> Vec<u8> {
    reforge(ls, |i, v| {
        if i == at {
            f(&mut v["details"]);
        }
    })
}

pub fn gaps(o: &mut Out, inp: &Inputs, gen_bytes: &[u8], reh: &[u8], ab: &[u8]) {
    let gen_lines = lines(gen_bytes);
    let reh_lines = lines(reh);
    let from = "transcript_valid-generation.jsonl";

    // a. The medium of a share written is one of the known media.
    put(
        o,
        "medium-vellum",
        with_details(&gen_lines, 5, |d| d["medium"] = json!("vellum")),
        invalid(
            &format!(
                "{from} with share-written 1's medium changed to \"vellum\", re-chained and re-sealed with the vector key: only \"text\", \"paper\", \"pkcs11\" and \"yubikey\" are media."
            ),
            "entry seq 5 (line 6): malformed: `details.medium` is not a known medium",
            "malformed",
            5,
            6,
        ),
    );

    // b. --artifacts checks manifest.json's signature under the root key.
    let bad_manifest = crate::harness::read("manifest_bad-signature.json");
    let mut exp = invalid(
        &format!(
            "{from} recording manifest_bad-signature.json (share 2's envelope digest replaced after signing) as manifest.json, re-sealed; verified with artifacts root.pem = cert_valid.pem and manifest.json = manifest_bad-signature.json. Every hash matches; the manifest's signature does not verify under the root key."
        ),
        "entry seq 11 (line 12): artifact: ",
        "artifact",
        11,
        12,
    );
    exp["message_contains"] = json!("its signature does not verify under the root key");
    exp["root"] = json!("cert_valid.pem");
    exp["artifacts"] =
        json!({"root.pem": "cert_valid.pem", "manifest.json": "manifest_bad-signature.json"});
    put(
        o,
        "manifest-bad-signature",
        with_details(&gen_lines, 11, |d| {
            d["sha256"] = json!(sha_hex(&bad_manifest));
        }),
        exp,
    );

    // b. A rehearsal loads the certificate and files it wrote.
    let reh_from = "transcript_valid-rehearsal.jsonl";
    let ctx_at = reh_lines
        .iter()
        .position(|l| parse(l)["action"] == "context-loaded")
        .expect("context-loaded");
    assert_eq!(ctx_at, 13);
    put(
        o,
        "rehearsal-other-manifest",
        with_details(&reh_lines, ctx_at, |d| {
            d["manifest"]["sha256"] = json!(sha_hex(b"another manifest"));
        }),
        invalid(
            &format!(
                "{reh_from} with context-loaded's manifest.sha256 replaced, re-sealed: a rehearsal must read back the manifest.json it wrote (the artifact-written hash)."
            ),
            "entry seq 13 (line 14): script: a rehearsal must load the manifest.json it wrote",
            "script",
            13,
            14,
        ),
    );
    put(
        o,
        "rehearsal-other-certificate",
        with_details(&reh_lines, ctx_at, |d| {
            d["root"]["certificate_sha256"] = json!(sha_hex(b"another certificate"));
        }),
        invalid(
            &format!(
                "{reh_from} with context-loaded's root.certificate_sha256 replaced, re-sealed: the loaded certificate must be the one certificate-signed recorded."
            ),
            "entry seq 13 (line 14): script: the loaded root certificate is not the one signed at entry seq 4 (line 5)",
            "script",
            13,
            14,
        ),
    );

    let presented = ctx_at + 1;
    assert_eq!(parse(&reh_lines[presented])["action"], "share-presented");
    put(
        o,
        "rehearsal-other-share",
        with_details(&reh_lines, presented, |d| {
            d["envelope_sha256"] = json!(sha_hex(b"another share"));
        }),
        invalid(
            &format!(
                "{reh_from} with the first share-presented's envelope_sha256 replaced, re-sealed: a rehearsal presents the very shares it wrote."
            ),
            "entry seq 14 (line 15): script: share 1 presented is not the share written at entry seq 5 (line 6)",
            "script",
            14,
            15,
        ),
    );

    // c. The entry after `aborted` is the one blamed.
    let ab_lines = lines(ab);
    assert_eq!(parse(&ab_lines[4])["action"], "aborted");
    let mut ls = ab_lines.clone();
    ls.push(entry_line(
        5,
        5,
        "key-rebuilt",
        json!({"public_key": hex::encode(inp.root.public_key_bytes()), "quorum": [2, 4]}),
        &ab_lines[4],
    ));
    put(
        o,
        "after-aborted",
        join(&ls),
        invalid(
            "transcript_aborted.jsonl with a key-rebuilt entry appended after `aborted`, correctly chained to it: the appended entry (line 6) is named, not the `aborted` line.",
            "entry seq 5 (line 6): script: `key-rebuilt` after `aborted` (line 5)",
            "script",
            5,
            6,
        ),
    );

    // d. Chain-break rules: which line is named.
    let mut ls = gen_lines.clone();
    let a = entry_line(
        7,
        7,
        "entropy",
        json!({"dice_rolls": 0, "source": "os"}),
        &ls[6],
    );
    let b = entry_line(
        8,
        7,
        "entropy",
        json!({"dice_rolls": 0, "source": "os"}),
        &a,
    );
    ls.insert(7, b);
    ls.insert(7, a);
    put(
        o,
        "inserted-two",
        join(&ls),
        invalid(
            &format!(
                "{from} with two chained lines inserted after line 7; the original entry seq 7 (now line 10) still links to line 7. The first inserted line (8) is named (rule 6)."
            ),
            "entry seq 7 (line 8): inserted: line 10 links to line 7, so lines 8–9 are not part of the chain",
            "inserted",
            7,
            8,
        ),
    );
    let mut ls = gen_lines.clone();
    ls.push(entry_line(
        13,
        13,
        "artifact-written",
        json!({"file": "extra.pem", "sha256": sha_hex(b"after the seal, unlinked")}),
        b"not the seal",
    ));
    put(
        o,
        "inserted-after-seal",
        join(&ls),
        invalid(
            &format!(
                "{from} with an entry appended after the seal whose prev does not link to the seal: the line after a seal that verifies is named as inserted (rule 3)."
            ),
            "entry seq 13 (line 14): inserted: it follows the seal on line 13",
            "inserted",
            13,
            14,
        ),
    );
    let earlier = parse(&gen_lines[0])["time"].clone();
    put(
        o,
        "time-backwards",
        reforge(&gen_lines, |i, v| {
            if i == 7 {
                v["time"] = earlier.clone();
            }
        }),
        invalid(
            &format!(
                "{from} with line 8's time set to the header's (earlier than line 7's), re-chained and re-sealed: the link into line 8 is intact, its time goes backwards, line 8 is named (rule 0)."
            ),
            "entry seq 7 (line 8): modified: its time 2028-02-29T12:34:56.000Z is earlier than the time",
            "modified",
            7,
            8,
        ),
    );

    // e. Unstated rules, now stated.
    put(
        o,
        "unknown-action",
        reforge(&gen_lines, |i, v| {
            if i == 1 {
                v["action"] = json!("coin-flipped");
            }
        }),
        invalid(
            &format!(
                "{from} with the entropy entry's action renamed \"coin-flipped\", re-sealed: an action the format does not define breaks the script."
            ),
            "entry seq 1 (line 2): script: `coin-flipped` is not an action of this format",
            "script",
            1,
            2,
        ),
    );
    put(
        o,
        "quorum-threshold-1",
        with_details(&gen_lines, 0, |d| d["quorum"]["threshold"] = json!(1)),
        invalid(
            &format!(
                "{from} with the header's threshold set to 1, re-sealed: the header's quorum must have 2 ≤ threshold ≤ shares ≤ 16."
            ),
            "entry seq 0 (line 1): malformed: threshold k = 1 is below 2",
            "malformed",
            0,
            1,
        ),
    );
    put(
        o,
        "impossible-date",
        with_details(&gen_lines, 4, |d| {
            d["not_before"] = json!("2030-02-30T00:00:00Z");
        }),
        invalid(
            &format!(
                "{from} with certificate-signed's not_before set to 2030-02-30T00:00:00Z (no such day), re-sealed."
            ),
            "entry seq 4 (line 5): malformed: `details.not_before` is not a real date and time",
            "malformed",
            4,
            5,
        ),
    );
    put(
        o,
        "empty-validity",
        with_details(&gen_lines, 4, |d| d["not_after"] = d["not_before"].clone()),
        invalid(
            &format!(
                "{from} with certificate-signed's not_after set equal to its not_before, re-sealed: not_after must be later."
            ),
            "entry seq 4 (line 5): malformed: `details.not_after` must be later than not_before",
            "malformed",
            4,
            5,
        ),
    );
    put(
        o,
        "root-serial-not-minimal",
        with_details(&gen_lines, 4, |d| {
            d["serial"] = json!(format!("00{}", d["serial"].as_str().expect("serial")));
        }),
        invalid(
            &format!(
                "{from} with certificate-signed's serial written with a superfluous leading 00 byte (issue 14), re-sealed: a NUMBER is a minimal DER INTEGER."
            ),
            "entry seq 4 (line 5): malformed: `details.serial` is not a minimal DER INTEGER",
            "malformed",
            4,
            5,
        ),
    );

    // e. A bad attestation member is malformed.
    let att = crate::gen_transcript::attestations(gen_bytes);
    let mut als = lines(&att);
    let mut v = parse(&als[1]);
    v["comment"] = json!("added by hand");
    let (_, seed) = WITNESSES[1];
    let key = RootKey::from_seed(&secret(&seed)).expect("witness key");
    v.as_object_mut().expect("object").remove("signature");
    let sig = key.sign(&signed_message(ATTESTATION_DOMAIN, &v).expect("message"));
    v["signature"] = json!(hex::encode(sig.to_bytes()));
    als[1] = canonical(&v);
    o.put("transcript_attestation-member.jsonl", gen_bytes.to_vec());
    o.put("transcript_attestation-member.attestations", join(&als));
    let mut exp = invalid(
        "transcript_attested with a member `comment` added to the second attestation, re-signed by its witness: an attestation has exactly its members; a bad member is malformed. `seq` and `line` are the attestation's.",
        "attestation seq 1 (line 2): malformed: the attestation has an unknown member `comment`",
        "malformed",
        1,
        2,
    );
    exp["location"] = json!("attestations");
    exp["witnesses"] = json!(witness_keys());
    o.json("transcript_attestation-member.expect.json", &exp);
}
