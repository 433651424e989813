//! `transcript verify` against tampered copies of the rehearsal's transcript: every entry
//! flipped, deleted, swapped; forged entries inserted; the file truncated; the seal replaced
//! or the whole transcript re-forged for another key.

use std::ffi::OsStr;

use crate::fixture::*;

// ---------------------------------------------------------------------------------------------
// 1. One flipped byte
// ---------------------------------------------------------------------------------------------

#[test]
fn a_flipped_byte_in_any_entry_before_the_seal_is_reported_as_modified_at_its_line() {
    let f = fixture();
    let mut checked = 0;
    for i in 0..REHEARSAL_ENTRIES - 1 {
        // The header's seq is left to `header_with_a_flipped_seq_is_modified_not_deleted`.
        for pos in flip_positions(&f.lines[i], i > 0) {
            let c = tampered(&with_flip(i, pos));
            let found = c.invalid();
            found.names_line(i + 1).kind_in(&["modified"]);
            // Which entry is blamed: the flipped one, by its seq as written (a flipped seq
            // shows the new number), never a neighbour.
            if !seq_span(&f.lines[i]).contains(&pos) {
                let line = i + 1;
                assert!(
                    found.culprit == format!("entry seq {i} (line {line})")
                        || found.culprit == format!("line {line} (entry seq {i})"),
                    "entry {i}, byte {pos}: {found:#?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 18 * 10, "only {checked} flips checked");
}

#[test]
fn a_flipped_byte_in_the_seal_is_a_bad_seal_or_modified_at_its_line() {
    let f = fixture();
    let last = REHEARSAL_ENTRIES - 1;
    let seal = f.seal();
    let prev = string_value(seal, "prev");
    let time = string_value(seal, "time");
    let mut positions = vec![
        0,
        seal.len() - 1,
        prev.start,
        prev.start + 31,
        prev.end - 1,
        seq_span(seal).end - 1,
        time.end - 2,
        time.end - 4,
    ];
    // Flips inside the seal's hex values that keep them hex: the middle of each value, and
    // the middle byte of the line (inside the signature).
    for member in ["head", "public_key", "signature"] {
        let r = seal_value(seal, member);
        positions.push(hex_preserving(seal, r.clone(), (r.start + r.end) / 2));
        positions.push(hex_preserving(seal, r.clone(), r.start));
    }
    let sig = seal_value(seal, "signature");
    assert!(sig.contains(&(seal.len() / 2)));
    positions.push(hex_preserving(seal, sig, seal.len() / 2));
    for pos in positions {
        let c = tampered(&with_flip(last, pos));
        let found = c.invalid();
        found
            .names_line(last + 1)
            .kind_in(&["bad seal", "modified"]);
        let in_details = details_span(seal).contains(&pos);
        if in_details {
            assert_eq!(found.kind, "bad seal", "byte {pos}: {found:#?}");
        }
    }
}

/// A flip that breaks the seal's shape (its action, its actor, a member name, a hex digit
/// turned into a non-hex character) is still a tampered seal.
#[test]
fn a_flipped_byte_that_breaks_the_seal_shape_is_a_bad_seal_or_modified() {
    let f = fixture();
    let last = REHEARSAL_ENTRIES - 1;
    let seal = f.seal();
    let d = details_span(seal);
    let mut positions = vec![
        string_value(seal, "action").start, // "seal" -> "real"
        find(seal, "[\"rootkey\"]") + 2,    // actor "rootkey" -> "sootkey"
        d.start + 2,                        // member "head" -> "iead"
        d.start + find(&seal[d.clone()], "\"signature\"") + 1, // "signature" -> "rignature"
    ];
    // A signature digit `a` or `f` becomes `` ` `` or `g`.
    let sig = seal_value(seal, "signature");
    if let Some(p) = sig.clone().find(|&p| matches!(seal[p], b'a' | b'f')) {
        positions.push(p);
    }
    let mut wrong = Vec::new();
    for pos in positions {
        let c = tampered(&with_flip(last, pos));
        let found = c.invalid();
        found.names_line(last + 1);
        if !["bad seal", "modified"].contains(&found.kind.as_str()) {
            wrong.push(found.message);
        }
    }
    assert!(
        wrong.is_empty(),
        "seal damage reported as:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn header_with_a_flipped_seq_is_modified_not_deleted() {
    let f = fixture();
    let pos = seq_span(&f.lines[0]).start;
    assert_eq!(f.lines[0][pos], b'0');
    let c = tampered(&with_flip(0, pos)); // "seq":0 -> "seq":1
    c.invalid().names_line(1).kind_in(&["modified"]);
}

// ---------------------------------------------------------------------------------------------
// 2. Deleted entries
// ---------------------------------------------------------------------------------------------

#[test]
fn each_deleted_entry_is_named_by_its_missing_seq() {
    let f = fixture();
    for i in 0..REHEARSAL_ENTRIES - 1 {
        let mut lines = f.lines.clone();
        lines.remove(i);
        let c = tampered(&lines);
        let found = c.invalid();
        found
            .culprit_is(&format!("entry seq {i} (line {})", i + 1))
            .kind_in(&["deleted"])
            .says(&[&format!("entry seq {i} "), "missing"]);
    }
}

#[test]
fn deleting_the_seal_leaves_a_valid_but_unsealed_transcript_ending_at_the_entry_before() {
    let f = fixture();
    let lines = &f.lines[..REHEARSAL_ENTRIES - 1];
    let why = tampered(lines).unsealed();
    assert!(
        why.contains("entry seq 17 (line 18)") && why.contains("key-rebuilt"),
        "{why}"
    );
    assert!(why.contains("without a seal"), "{why}");
}

// ---------------------------------------------------------------------------------------------
// 3. Reordered entries
// ---------------------------------------------------------------------------------------------

#[test]
fn each_swapped_pair_is_reported_as_reordered_naming_both_lines() {
    let f = fixture();
    for i in 0..REHEARSAL_ENTRIES - 1 {
        let mut lines = f.lines.clone();
        lines.swap(i, i + 1);
        let c = tampered(&lines);
        c.invalid()
            .culprit_is(&format!("lines {} and {}", i + 1, i + 2))
            .kind_in(&["reordered"])
            .says(&[&format!(
                "line {} holds seq {} and line {} holds seq {i}",
                i + 1,
                i + 1,
                i + 2
            )]);
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Inserted entries
// ---------------------------------------------------------------------------------------------

/// A forged `share-presented`: Alice's (seq 14) presented by Bob as share 2, seq and prev
/// left as copied — well-formed, canonical and plausible.
fn forged_presentation() -> Vec<u8> {
    let mut v = json(&fixture().lines[FIRST_PRESENTED]);
    v["actors"] = serde_json::json!(["Bob Rehearsal"]);
    v["details"]["holder"] = "Bob Rehearsal".into();
    v["details"]["index"] = 2.into();
    v["details"]["file"] = "share-02-bob-rehearsal.txt".into();
    canonical(&v)
}

fn with_insert(at: usize, entry: &[u8]) -> Vec<Vec<u8>> {
    let mut lines = fixture().lines.clone();
    lines.insert(at, entry.to_vec());
    lines
}

#[test]
fn a_forged_entry_inserted_between_any_two_entries_is_named_as_inserted() {
    let forged = forged_presentation();
    // Index 13 (just before the entry the copy links to) is
    // `a_forged_entry_linking_to_its_successor_is_inserted_not_reordered`.
    for at in (1..REHEARSAL_ENTRIES).filter(|&at| at != FIRST_PRESENTED - 1) {
        let c = tampered(&with_insert(at, &forged));
        c.invalid().names_line(at + 1).kind_in(&["inserted"]);
    }
}

#[test]
fn a_forged_entry_linking_to_its_successor_is_inserted_not_reordered() {
    // The copy keeps `prev` = hash of seq 13; inserted just before seq 13 it links to the line
    // after it, but the genuine chain 12 → 13 → 14 is intact: nothing was swapped.
    let c = tampered(&with_insert(FIRST_PRESENTED - 1, &forged_presentation()));
    c.invalid()
        .names_line(FIRST_PRESENTED)
        .kind_in(&["inserted"]);
}

#[test]
fn a_forged_copy_appended_after_the_seal_is_the_inserted_line() {
    let c = tampered(&with_insert(REHEARSAL_ENTRIES, &forged_presentation()));
    c.invalid()
        .names_line(REHEARSAL_ENTRIES + 1)
        .kind_in(&["inserted"]);
}

#[test]
fn an_entry_chained_after_the_seal_is_refused() {
    // Correctly numbered and linked to the seal, with the seal's time: only the script can
    // tell that nothing may follow a seal.
    let f = fixture();
    let mut v = json(&forged_presentation());
    v["seq"] = REHEARSAL_ENTRIES.into();
    v["prev"] = sha256_hex(f.seal()).into();
    v["time"] = json(f.seal())["time"].clone();
    let c = tampered(&with_insert(REHEARSAL_ENTRIES, &canonical(&v)));
    c.invalid()
        .culprit_is(&format!(
            "entry seq {REHEARSAL_ENTRIES} (line {})",
            REHEARSAL_ENTRIES + 1
        ))
        .says(&["after the seal"]);
}

// ---------------------------------------------------------------------------------------------
// 5. Truncation
// ---------------------------------------------------------------------------------------------

/// A cut inside a line is what `kill -9` or a power cut leaves: interrupted, unsealed (exit 3),
/// never tampered (docs/formats.md, "Interrupted").
#[test]
fn a_transcript_cut_inside_its_last_entry_is_interrupted_not_tampered() {
    let f = fixture();
    let whole = joined(&f.lines);
    let last_len = f.seal().len();
    // Cut just before the line end, in the middle of the seal, and after its first byte.
    for cut in [1, last_len / 2 + 1, last_len] {
        let why = tampered_bytes(&whole[..whole.len() - cut]).unsealed();
        let kept = match last_len + 1 - cut {
            1 => "1 byte".to_string(),
            n => format!("{n} bytes"),
        };
        assert!(
            why.starts_with(&format!(
                "line 19 is incomplete ({kept} without a line end): the ceremony was interrupted while entry seq 18 was written, after entry seq 17 (line 18)"
            )),
            "{why}"
        );
    }
    // Cut inside an earlier entry: that line is the incomplete one.
    let mut bytes = joined(&f.lines[..10]);
    bytes.extend_from_slice(&f.lines[10][..50]);
    let why = tampered_bytes(&bytes).unsealed();
    assert!(why.starts_with("line 11 is incomplete (50 bytes"), "{why}");
    // After the seal nothing is ever written: an incomplete line there was added.
    let mut bytes = whole.clone();
    bytes.extend_from_slice(b"{\"action\"");
    tampered_bytes(&bytes)
        .invalid()
        .culprit_is(&format!("entry seq 19 (line {})", REHEARSAL_ENTRIES + 1))
        .kind_in(&["inserted"]);
}

#[test]
fn a_transcript_without_its_last_line_is_unsealed() {
    let f = fixture();
    let why = tampered(&f.lines[..REHEARSAL_ENTRIES - 1]).unsealed();
    assert!(why.contains("entry seq 17 (line 18)"), "{why}");
}

// ---------------------------------------------------------------------------------------------
// 6. A replaced seal
// ---------------------------------------------------------------------------------------------

#[test]
fn a_seal_replaced_by_one_of_another_key_is_a_bad_seal() {
    let f = fixture();
    let key = other_key();
    let mut seal = json(f.seal());
    seal["details"]["public_key"] = hex::encode(key.verifying_key().to_bytes()).into();
    let mut lines = f.lines.clone();
    lines[REHEARSAL_ENTRIES - 1] = sign_seal(seal, &key);
    tampered(&lines)
        .invalid()
        .culprit_is("entry seq 18 (line 19)")
        .kind_in(&["bad seal"])
        .says(&["not the root key"]);

    // Signed by another key but claiming the root key: the signature does not verify.
    let mut lines = f.lines.clone();
    lines[REHEARSAL_ENTRIES - 1] = sign_seal(json(f.seal()), &key);
    tampered(&lines)
        .invalid()
        .culprit_is("entry seq 18 (line 19)")
        .kind_in(&["bad seal"])
        .says(&["does not verify"]);
}

/// A transcript rewritten for another root key throughout (every key and fingerprint,
/// re-chained and re-sealed) is consistent on its own; only the root certificate exposes it.
#[test]
fn a_wholly_reforged_transcript_is_caught_by_the_root_certificate() {
    let f = fixture();
    let key = other_key();
    let pk = key.verifying_key().to_bytes();
    let (pk_hex, fp_hex) = (hex::encode(pk), fingerprint_hex(&pk));
    let mut out: Vec<Vec<u8>> = Vec::new();
    for l in &f.lines {
        let mut v = json(l);
        let act = action(l);
        let d = &mut v["details"];
        match act.as_str() {
            "key-generated" => {
                d["public_key"] = pk_hex.clone().into();
                d["fingerprint"] = fp_hex.clone().into();
            }
            "certificate-signed" => d["fingerprint"] = fp_hex.clone().into(),
            "context-loaded" => {
                d["root"]["public_key"] = pk_hex.clone().into();
                d["root"]["fingerprint"] = fp_hex.clone().into();
            }
            "key-rebuilt" => d["public_key"] = pk_hex.clone().into(),
            _ => {}
        }
        if let Some(p) = out.last() {
            v["prev"] = sha256_hex(p).into();
        }
        if v["action"] == "seal" {
            v["details"]["head"] = v["prev"].clone();
            v["details"]["public_key"] = pk_hex.clone().into();
            out.push(sign_seal(v, &key));
        } else {
            out.push(canonical(&v));
        }
    }
    let c = tampered(&out);
    // Without the certificate the forgery is internally consistent: our seal is accepted,
    // which also shows it was built exactly per the spec.
    c.run
        .ok()
        .stdout_has(&["Result: VALID and SEALED", "root certificate  not checked"]);
    let r = verify(
        &c.transcript,
        &[OsStr::new("--root"), f.dir.join("root.pem").as_os_str()],
    );
    invalid(&r, &c.transcript)
        .culprit_is("entry seq 2 (line 3)")
        .kind_in(&["bad seal"])
        .says(&["not the key of the given root certificate"]);
    // The genuine artifacts expose it too: their hashes match, but root.pem holds another key.
    let r = verify(
        &c.transcript,
        &[OsStr::new("--artifacts"), f.dir.as_os_str()],
    );
    invalid(&r, &c.transcript).kind_in(&["artifact"]).says(&[
        "root.pem",
        "holds root key",
        "another root key",
    ]);
}
