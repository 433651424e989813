//! The ceremony transcript through the real binary (`docs/formats.md`, "Ceremony transcript
//! v1"): a tamper matrix over one rehearsal's transcript (every entry flipped, deleted,
//! swapped; forged entries inserted; the file truncated; the seal replaced), witness
//! attestations, artifacts, plans, aborted and refused ceremonies, the auditor's report, and
//! that nothing secret is ever written to a transcript or report.
//!
//! One rehearsal is shared by every test (read-only); each tampered copy lives in its own
//! temporary directory. `transcript verify` exits 0 (valid and sealed), 1 (invalid: stderr
//! names the entry or line and the kind of tampering) or 3 (valid but unsealed).

mod common;

use std::ffi::{OsStr, OsString};
use std::fs;
use std::ops::Range;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::OnceLock;

use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use common::{
    Ceremony, INPUT, REHEARSAL_HOLDERS, Run, Secrets, VERIFICATION, assert_unchanged, combine_into,
    repo_path, rootkey, snapshot,
};

// ---------------------------------------------------------------------------------------------
// The shared rehearsal
// ---------------------------------------------------------------------------------------------

/// Entries of a rehearsal: header … key-rebuilt, seal (shares 1, 3 and 5 are presented).
const REHEARSAL_ENTRIES: usize = 19;
/// Line index of the first `share-presented` entry (seq 14, Alice, share 1).
const FIRST_PRESENTED: usize = 14;

struct Fixture {
    /// The rehearsal's output directory (never modified by a test).
    dir: PathBuf,
    /// The transcript's lines, without their line ends.
    lines: Vec<Vec<u8>>,
    /// The share rows, which must never appear in a transcript or report.
    secrets: Secrets,
}

impl Fixture {
    fn transcript(&self) -> PathBuf {
        self.dir.join("transcript.jsonl")
    }
    fn seal(&self) -> &[u8] {
        self.lines.last().unwrap()
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("rootkey-transcript-")
            .tempdir()
            .unwrap()
            .keep()
            .join("rehearsal");
        // `rootkey rehearse` itself: shares 1–2 text, 3–5 paper (read back from their QR
        // codes), one 19-entry transcript.
        let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), dir.as_os_str()]);
        r.ok();
        let c = Ceremony::open(&dir);
        r.no_secrets(&c.secrets);
        let bytes = fs::read(dir.join("transcript.jsonl")).unwrap();
        assert_eq!(bytes.last(), Some(&b'\n'));
        let lines: Vec<Vec<u8>> = bytes[..bytes.len() - 1]
            .split(|&b| b == b'\n')
            .map(<[u8]>::to_vec)
            .collect();
        assert_eq!(lines.len(), REHEARSAL_ENTRIES, "a rehearsal has 19 entries");
        assert_eq!(action(&lines[FIRST_PRESENTED]), "share-presented");
        assert_eq!(action(&lines[REHEARSAL_ENTRIES - 1]), "seal");
        Fixture {
            dir,
            lines,
            secrets: c.secrets,
        }
    })
}

/// A rehearsal ceremony with all five shares as text files (for quorum checks from files).
fn text_ceremony() -> &'static Ceremony {
    static C: OnceLock<Ceremony> = OnceLock::new();
    C.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("rootkey-text-")
            .tempdir()
            .unwrap()
            .keep()
            .join("ceremony");
        Ceremony::rehearse(&dir)
    })
}

// ---------------------------------------------------------------------------------------------
// Helpers: files, lines, running `transcript verify`
// ---------------------------------------------------------------------------------------------

fn json(line: &[u8]) -> Value {
    serde_json::from_slice(line).unwrap()
}

fn canonical(v: &Value) -> Vec<u8> {
    rootkey::jcs::canonicalize(v).unwrap()
}

fn action(line: &[u8]) -> String {
    json(line)["action"].as_str().unwrap().to_string()
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Lines joined into a transcript file (each line ends with `0A`).
fn joined(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// A copy of the rehearsal directory (shares, root.pem, manifest.json, transcript).
fn copy_of_rehearsal() -> (TempDir, PathBuf) {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("ceremony");
    fs::create_dir(&dir).unwrap();
    for e in fs::read_dir(&fixture().dir).unwrap() {
        let p = e.unwrap().path();
        fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    (t, dir)
}

/// `rootkey transcript verify T EXTRA…`, checked for leaks.
fn verify(t: &Path, extra: &[&OsStr]) -> Run {
    let mut args: Vec<OsString> = vec!["transcript".into(), "verify".into(), t.into()];
    args.extend(extra.iter().map(|a| a.to_os_string()));
    let r = rootkey(args);
    r.no_secrets(&fixture().secrets);
    r
}

/// A replay of a transcript written into its own temporary directory.
struct Checked {
    run: Run,
    transcript: PathBuf,
    _dir: TempDir,
}

/// Writes `bytes` as a transcript in a fresh directory and verifies it.
fn tampered_bytes(bytes: &[u8]) -> Checked {
    let dir = TempDir::new().unwrap();
    let transcript = dir.path().join("transcript.jsonl");
    fs::write(&transcript, bytes).unwrap();
    let run = verify(&transcript, &[]);
    Checked {
        run,
        transcript,
        _dir: dir,
    }
}

/// Verifies a transcript made of `lines`.
fn tampered(lines: &[Vec<u8>]) -> Checked {
    tampered_bytes(&joined(lines))
}

/// What stderr says was wrong: `error: transcript PATH: CULPRIT: KIND: WHAT`.
#[derive(Debug)]
struct Finding {
    culprit: String,
    kind: String,
    what: String,
    message: String,
}

impl Finding {
    /// Asserts that the culprit names line `line`: `entry seq N (line L)`, `line L (entry seq
    /// N)` or `line L`.
    fn names_line(&self, line: usize) -> &Finding {
        let c = &self.culprit;
        let ok = c == &format!("line {line}")
            || c.starts_with(&format!("line {line} ("))
            || c.ends_with(&format!("(line {line})"));
        assert!(ok, "expected the message to name line {line}: {self:#?}");
        self
    }

    fn culprit_is(&self, want: &str) -> &Finding {
        assert_eq!(self.culprit, want, "wrong entry or line named: {self:#?}");
        self
    }

    fn kind_in(&self, kinds: &[&str]) -> &Finding {
        assert!(
            kinds.contains(&self.kind.as_str()),
            "expected the kind to be one of {kinds:?}: {self:#?}"
        );
        self
    }

    fn says(&self, needles: &[&str]) -> &Finding {
        for n in needles {
            assert!(self.what.contains(n), "message lacks {n:?}: {self:#?}");
        }
        self
    }
}

/// Parses the single `error:` line of an invalid replay of `transcript`.
fn finding(run: &Run, transcript: &Path) -> Finding {
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error message: {run:#?}"));
    let prefix = format!("error: transcript {}: ", transcript.display());
    let rest = line
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("the message does not start with {prefix:?}: {run:#?}"));
    let mut parts = rest.splitn(3, ": ");
    let (culprit, kind, what) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    Finding {
        culprit: culprit.to_string(),
        kind: kind.to_string(),
        what: what.to_string(),
        message: line.to_string(),
    }
}

/// Asserts an INVALID verdict (exit 1, one error, stdout says INVALID) and returns it.
fn invalid(run: &Run, transcript: &Path) -> Finding {
    run.code(1)
        .single_error()
        .stdout_has(&["Result: INVALID — "]);
    finding(run, transcript)
}

impl Checked {
    fn invalid(&self) -> Finding {
        invalid(&self.run, &self.transcript)
    }

    /// Asserts VALID but UNSEALED (exit 3, nothing on stderr); returns the reason.
    fn unsealed(&self) -> String {
        unsealed(&self.run)
    }
}

fn unsealed(run: &Run) -> String {
    run.code(3);
    assert_eq!(
        run.stderr, "",
        "an unsealed transcript is not an error: {run:#?}"
    );
    let marker = "Result: VALID but UNSEALED — ";
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with(marker))
        .unwrap_or_else(|| panic!("no UNSEALED verdict: {run:#?}"));
    line[marker.len()..].to_string()
}

// ---------------------------------------------------------------------------------------------
// Byte positions inside a canonical entry line (members sorted: action, actors, details,
// prev, seq, time)
// ---------------------------------------------------------------------------------------------

fn find(line: &[u8], needle: &str) -> usize {
    line.windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap_or_else(|| panic!("{needle:?} not in {}", String::from_utf8_lossy(line)))
}

/// The characters of a top-level string member's value (between the quotes).
fn string_value(line: &[u8], member: &str) -> Range<usize> {
    let start = find(line, &format!("\"{member}\":\"")) + member.len() + 4;
    let len = line[start..].iter().position(|&b| b == b'"').unwrap();
    start..start + len
}

/// The `details` object, braces included.
fn details_span(line: &[u8]) -> Range<usize> {
    let start = find(line, "\"details\":{") + "\"details\":".len();
    let end = find(line, "},\"prev\":\"") + 1;
    start..end
}

/// The digits of `seq`.
fn seq_span(line: &[u8]) -> Range<usize> {
    let start = find(line, "\"seq\":") + "\"seq\":".len();
    let len = line[start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap();
    start..start + len
}

/// The characters of a string member of the seal's `details` (head, public_key, signature).
fn seal_value(line: &[u8], member: &str) -> Range<usize> {
    let d = details_span(line);
    let r = string_value(&line[d.clone()], member);
    d.start + r.start..d.start + r.end
}

fn flipped(line: &[u8], pos: usize) -> Vec<u8> {
    let mut l = line.to_vec();
    l[pos] ^= 0x01;
    l
}

/// The transcript with byte `pos` of line `i` XORed with 0x01.
fn with_flip(i: usize, pos: usize) -> Vec<Vec<u8>> {
    let mut lines = fixture().lines.clone();
    lines[i] = flipped(&lines[i], pos);
    lines
}

/// Positions to flip in entry `line`: first, middle and last byte; three inside `prev`;
/// four inside `details` (both braces, the first member name, the middle); the last digit of
/// `time`; and (if `with_seq`) the last digit of `seq`.
fn flip_positions(line: &[u8], with_seq: bool) -> Vec<usize> {
    let prev = string_value(line, "prev");
    let d = details_span(line);
    let time = string_value(line, "time");
    let mut v = vec![
        0,
        line.len() / 2,
        line.len() - 1,
        prev.start,
        prev.start + 31,
        prev.end - 1,
        d.start,
        d.start + 1,
        (d.start + d.end) / 2,
        d.end - 1,
        time.end - 2,
    ];
    if with_seq {
        v.push(seq_span(line).end - 1);
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// The first position at or after `from` inside `r` whose byte stays a lower-case hex digit
/// when XORed with 0x01 (`0`–`9`, `b`–`e`).
fn hex_preserving(line: &[u8], r: Range<usize>, from: usize) -> usize {
    (from..r.end)
        .chain(r.start..from)
        .find(|&p| matches!(line[p], b'0'..=b'9' | b'b'..=b'e'))
        .expect("a hex value with only a and f digits")
}

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

#[test]
fn a_transcript_cut_inside_its_last_entry_is_truncated_at_that_line() {
    let f = fixture();
    let whole = joined(&f.lines);
    let last_len = f.seal().len();
    // Cut just before the line end, in the middle of the seal, and after its first byte.
    for cut in [1, last_len / 2 + 1, last_len] {
        let c = tampered_bytes(&whole[..whole.len() - cut]);
        c.invalid()
            .culprit_is(&format!("entry seq 18 (line {REHEARSAL_ENTRIES})"))
            .kind_in(&["truncated"]);
    }
    // Cut inside an earlier entry: that line is the truncated one.
    let mut bytes = joined(&f.lines[..10]);
    bytes.extend_from_slice(&f.lines[10][..50]);
    tampered_bytes(&bytes)
        .invalid()
        .culprit_is("entry seq 10 (line 11)")
        .kind_in(&["truncated"]);
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

fn other_key() -> SigningKey {
    SigningKey::from_bytes(&[9u8; 32])
}

/// `entry` (a parsed seal) signed per the spec: Ed25519(key, "rootkey-transcript-seal-v1" ‖
/// 00 ‖ SHA-256(JCS(entry without details.signature))).
fn sign_seal(mut entry: Value, key: &SigningKey) -> Vec<u8> {
    entry["details"]
        .as_object_mut()
        .unwrap()
        .remove("signature");
    let msg =
        rootkey::transcript::signed_message(rootkey::transcript::SEAL_DOMAIN, &entry).unwrap();
    assert!(msg.starts_with(b"rootkey-transcript-seal-v1\0"));
    assert_eq!(msg.len(), 27 + 32);
    let sig = key.sign(&msg);
    entry["details"]["signature"] = hex::encode(sig.to_bytes()).into();
    canonical(&entry)
}

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

/// The SubjectPublicKeyInfo fingerprint of an Ed25519 key (as in the manifest).
fn fingerprint_hex(pk: &[u8; 32]) -> String {
    let mut spki = hex::decode("302a300506032b6570032100").unwrap();
    spki.extend_from_slice(pk);
    sha256_hex(&spki)
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

// ---------------------------------------------------------------------------------------------
// 7. Witness attestations
// ---------------------------------------------------------------------------------------------

fn openssl(args: &[&OsStr]) {
    let out = StdCommand::new("openssl")
        .args(args)
        .output()
        .expect("openssl must be installed to run these tests");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// An Ed25519 witness key made by openssl: (private PEM, public PEM).
fn witness_key(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{name}.pem"));
    let public = dir.join(format!("{name}.pub.pem"));
    openssl(&[
        "genpkey".as_ref(),
        "-algorithm".as_ref(),
        "ed25519".as_ref(),
        "-out".as_ref(),
        key.as_os_str(),
    ]);
    openssl(&[
        "pkey".as_ref(),
        "-in".as_ref(),
        key.as_os_str(),
        "-pubout".as_ref(),
        "-out".as_ref(),
        public.as_os_str(),
    ]);
    (key, public)
}

fn attest(t: &Path, key: &Path, name: &str) -> Run {
    let root = fixture().dir.join("root.pem");
    let r = rootkey([
        "transcript".as_ref(),
        "attest".as_ref(),
        t.as_os_str(),
        "--root".as_ref(),
        root.as_os_str(),
        "--key".as_ref(),
        key.as_os_str(),
        "--name".as_ref(),
        OsStr::new(name),
    ]);
    r.no_secrets(&fixture().secrets);
    r
}

/// A copy of the rehearsal's transcript in its own directory, with its attestations path.
fn transcript_copy() -> (TempDir, PathBuf, PathBuf) {
    let t = TempDir::new().unwrap();
    let p = t.path().join("transcript.jsonl");
    fs::copy(fixture().transcript(), &p).unwrap();
    let a = t.path().join("transcript.attestations");
    (t, p, a)
}

#[test]
fn two_witnesses_attest_and_only_known_witnesses_are_accepted() {
    let (t, tr, att) = transcript_copy();
    let (carol, carol_pub) = witness_key(t.path(), "carol");
    let (dave, dave_pub) = witness_key(t.path(), "dave");
    attest(&tr, &carol, "Carol Witness")
        .ok()
        .stdout_has(&["Carol Witness", "attestation seq 0"]);
    attest(&tr, &dave, "Dave Witness")
        .ok()
        .stdout_has(&["Dave Witness", "attestation seq 1"]);
    assert_eq!(mode(&att), 0o644);
    assert_eq!(
        fs::read(&att)
            .unwrap()
            .iter()
            .filter(|&&b| b == b'\n')
            .count(),
        2
    );

    let both = [
        OsStr::new("--witnesses"),
        carol_pub.as_os_str(),
        dave_pub.as_os_str(),
    ];
    verify(&tr, &both).ok().stdout_has(&[
        "Result: VALID and SEALED",
        "2 valid: \"Carol Witness\" with key SHA256:",
        &format!("= {}; \"Dave Witness\"", carol_pub.display()),
        &format!("= {} — every key in the witness list", dave_pub.display()),
    ]);
    // --all-witnesses: both attested; with a third listed key that did not, it is refused.
    let (_, erin_pub) = witness_key(t.path(), "erin");
    let mut all = both.to_vec();
    all.push(OsStr::new("--all-witnesses"));
    verify(&tr, &all)
        .ok()
        .stdout_has(&["all 2 listed witnesses attested"]);
    let three = [
        OsStr::new("--all-witnesses"),
        OsStr::new("--witnesses"),
        carol_pub.as_os_str(),
        dave_pub.as_os_str(),
        erin_pub.as_os_str(),
    ];
    let r = verify(&tr, &three);
    r.code(INPUT)
        .single_error()
        .stderr_has(&["missing witness", &erin_pub.display().to_string()]);

    // Only Carol known: Dave's attestation (seq 1, line 2) is refused, and vice versa.
    let r = verify(&tr, &[OsStr::new("--witnesses"), carol_pub.as_os_str()]);
    invalid(&r, &tr)
        .culprit_is(&format!("{}, attestation seq 1 (line 2)", att.display()))
        .kind_in(&["unknown witness"])
        .says(&["\"Dave Witness\""]);
    let r = verify(&tr, &[OsStr::new("--witnesses"), dave_pub.as_os_str()]);
    invalid(&r, &tr)
        .culprit_is(&format!("{}, attestation seq 0 (line 1)", att.display()))
        .kind_in(&["unknown witness"])
        .says(&["\"Carol Witness\""]);

    // The same key cannot attest twice, under any name; the file is unchanged.
    let before = fs::read(&att).unwrap();
    let r = attest(&tr, &dave, "Dave Again");
    r.code(INPUT)
        .single_error()
        .stderr_has(&["already attested"]);
    assert_eq!(fs::read(&att).unwrap(), before);
}

#[test]
fn a_flipped_byte_in_an_attestation_is_refused_at_its_line() {
    let (t, tr, att) = transcript_copy();
    let (carol, carol_pub) = witness_key(t.path(), "carol");
    let (dave, dave_pub) = witness_key(t.path(), "dave");
    attest(&tr, &carol, "Carol Witness").ok();
    attest(&tr, &dave, "Dave Witness").ok();
    let good = fs::read(&att).unwrap();
    let first_len = good.iter().position(|&b| b == b'\n').unwrap();
    let witnesses = [
        OsStr::new("--witnesses"),
        carol_pub.as_os_str(),
        dave_pub.as_os_str(),
    ];
    verify(&tr, &witnesses).ok();
    let sig_of = |line_start: usize| {
        let line = &good[line_start..];
        let r = string_value(line, "signature");
        line_start + hex_preserving(line, r.clone(), (r.start + r.end) / 2)
    };
    let name_of = |line_start: usize| line_start + find(&good[line_start..], "Witness\"");
    // (position, attestation line it is in)
    let cases = [
        (0, 1),
        (first_len / 2, 1),
        (sig_of(0), 1),
        (name_of(0), 1),
        (first_len + 1 + 10, 2),
        (sig_of(first_len + 1), 2),
        (name_of(first_len + 1), 2),
        (good.len() - 2, 2),
    ];
    for (pos, line) in cases {
        let mut bad = good.clone();
        bad[pos] ^= 0x01;
        fs::write(&att, &bad).unwrap();
        let r = verify(&tr, &witnesses);
        let found = invalid(&r, &tr);
        assert!(
            found.culprit.starts_with(&att.display().to_string())
                && found.culprit.ends_with(&format!("(line {line})")),
            "byte {pos}: {found:#?}"
        );
    }
}

#[test]
fn an_unsealed_transcript_cannot_be_attested() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let (key, _) = witness_key(t.path(), "carol");
    let tr = t.path().join("transcript.jsonl");
    fs::write(&tr, joined(&f.lines[..REHEARSAL_ENTRIES - 1])).unwrap();
    let r = attest(&tr, &key, "Carol Witness");
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error()
        .stderr_has(&["refusing to attest", "not sealed"]);
    assert!(!t.path().join("transcript.attestations").exists());

    // Nor an invalid one.
    fs::write(&tr, joined(&with_flip(5, 40))).unwrap();
    let r = attest(&tr, &key, "Carol Witness");
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error()
        .stderr_has(&["refusing to attest an invalid transcript", "line 6"]);
    assert!(!t.path().join("transcript.attestations").exists());
}

// ---------------------------------------------------------------------------------------------
// 8. Artifacts, 9. plan
// ---------------------------------------------------------------------------------------------

#[test]
fn artifacts_changed_or_missing_after_the_ceremony_are_named() {
    let (_t, dir) = copy_of_rehearsal();
    let tr = dir.join("transcript.jsonl");
    let artifacts = [OsStr::new("--artifacts"), dir.as_os_str()];
    verify(&tr, &artifacts)
        .ok()
        .stdout_has(&["Result: VALID and SEALED"]);
    // (file, the entry that recorded it first)
    for (file, entry) in [
        ("root.pem", "entry seq 10 (line 11)"),
        ("manifest.json", "entry seq 11 (line 12)"),
    ] {
        let p = dir.join(file);
        let original = fs::read(&p).unwrap();
        let mut more = original.clone();
        more.push(b'\n');
        fs::write(&p, &more).unwrap();
        invalid(&verify(&tr, &artifacts), &tr)
            .culprit_is(entry)
            .kind_in(&["artifact"])
            .says(&[&p.display().to_string(), "modified after the ceremony"]);

        fs::remove_file(&p).unwrap();
        invalid(&verify(&tr, &artifacts), &tr)
            .culprit_is(entry)
            .kind_in(&["artifact"])
            .says(&[&format!("{file} cannot be checked")]);

        fs::write(&p, &original).unwrap();
        verify(&tr, &artifacts).ok();
    }
}

#[test]
fn only_the_recorded_plan_is_accepted() {
    let tr = fixture().transcript();
    verify(
        &tr,
        &[
            OsStr::new("--plan"),
            repo_path("ceremony-scripts/rehearsal.toml").as_os_str(),
        ],
    )
    .ok()
    .stdout_has(&["Result: VALID and SEALED"]);
    let other = repo_path("ceremony-scripts/root-generation.toml");
    invalid(
        &verify(&tr, &[OsStr::new("--plan"), other.as_os_str()]),
        &tr,
    )
    .culprit_is("entry seq 0 (line 1)")
    .kind_in(&["plan"])
    .says(&["root-generation.toml", "rehearsal.toml"]);
}

#[test]
fn the_rehearsal_verifies_against_everything_it_names() {
    let f = fixture();
    let rehearsal_plan = repo_path("ceremony-scripts/rehearsal.toml");
    verify(
        &f.transcript(),
        &[
            OsStr::new("--root"),
            f.dir.join("root.pem").as_os_str(),
            OsStr::new("--artifacts"),
            f.dir.as_os_str(),
            OsStr::new("--plan"),
            rehearsal_plan.as_os_str(),
        ],
    )
    .ok()
    .stdout_has(&["19 entries", "Result: VALID and SEALED"]);
    assert_eq!(mode(&f.transcript()), 0o644);
}

// ---------------------------------------------------------------------------------------------
// Generation and quorum-check transcripts
// ---------------------------------------------------------------------------------------------

fn combine(out: &Path, manifest: &Path, root: &Path, shares: &[&Path]) -> Run {
    combine_into(out, manifest, root, shares, &fixture().secrets)
}

fn actions(t: &Path) -> Vec<String> {
    fs::read(t)
        .unwrap()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(action)
        .collect()
}

#[test]
fn generation_and_quorum_check_transcripts_are_sealed() {
    // The real plan has paper shards: RAM-backed output.
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let plan = repo_path("ceremony-scripts/root-generation.toml");
    let dir = t.path().join("gen");
    let (c, _) = Ceremony::generate(&plan, &dir);
    let tr = dir.join("transcript.jsonl");
    let mut want = vec![
        "header",
        "entropy",
        "key-generated",
        "shares-split",
        "certificate-signed",
    ];
    want.extend(["share-written"; 5]);
    want.extend(["artifact-written", "artifact-written", "seal"]);
    assert_eq!(actions(&tr), want);
    assert_eq!(mode(&tr), 0o644);
    let everything = [
        OsStr::new("--root"),
        c.root.as_os_str(),
        OsStr::new("--artifacts"),
        dir.as_os_str(),
        OsStr::new("--plan"),
        plan.as_os_str(),
    ];
    let r = rootkey(
        [
            OsStr::new("transcript"),
            OsStr::new("verify"),
            tr.as_os_str(),
        ]
        .into_iter()
        .chain(everything),
    );
    r.ok()
        .stdout_has(&["generation ceremony", "Result: VALID and SEALED"]);
    r.no_secrets(&c.secrets);
    let r = rootkey([
        OsStr::new("transcript"),
        OsStr::new("verify"),
        tr.as_os_str(),
        OsStr::new("--plan"),
        repo_path("ceremony-scripts/rehearsal.toml").as_os_str(),
    ]);
    invalid(&r, &tr)
        .culprit_is("entry seq 0 (line 1)")
        .kind_in(&["plan"]);

    // A quorum check of the rehearsal, all five shares: sealed by the rebuilt key.
    let rc = text_ceremony();
    let out = t.path().join("check");
    let shares: Vec<&Path> = rc.shares.iter().map(PathBuf::as_path).collect();
    combine(&out, &rc.manifest, &rc.root, &shares).ok();
    let qt = out.join("transcript.jsonl");
    let mut want = vec!["header", "context-loaded"];
    want.extend(["share-presented"; 5]);
    want.push("key-rebuilt");
    want.extend(["share-checked"; 2]);
    want.push("seal");
    assert_eq!(actions(&qt), want);
    assert_eq!(mode(&qt), 0o644);
    verify(
        &qt,
        &[
            OsStr::new("--root"),
            rc.root.as_os_str(),
            OsStr::new("--artifacts"),
            rc.root.parent().unwrap().as_os_str(),
        ],
    )
    .ok()
    .stdout_has(&["quorum-check ceremony", "Result: VALID and SEALED"]);
}

// ---------------------------------------------------------------------------------------------
// 10. Aborted and refused ceremonies
// ---------------------------------------------------------------------------------------------

/// A combine with 2 shares of a 3-of-5 rehearsal: it starts, then fails.
fn aborted_combine(t: &TempDir) -> (Run, PathBuf) {
    let f = fixture();
    let c = Ceremony::open(&f.dir);
    let out = t.path().join("aborted");
    let r = combine(&out, &c.manifest, &c.root, &[c.share(1), c.share(2)]);
    (r, out.join("transcript.jsonl"))
}

#[test]
fn a_combine_that_fails_after_starting_leaves_an_aborted_transcript() {
    let t = TempDir::new().unwrap();
    let (r, tr) = aborted_combine(&t);
    r.code(INPUT)
        .single_error()
        .stderr_has(&["the threshold is 3"]);
    assert_eq!(
        actions(&tr),
        [
            "header",
            "context-loaded",
            "share-presented",
            "share-presented",
            "aborted"
        ]
    );
    assert_eq!(mode(&tr), 0o644);
    let bytes = fs::read(&tr).unwrap();
    let last = bytes[..bytes.len() - 1]
        .rsplit(|&b| b == b'\n')
        .next()
        .unwrap();
    let reason = json(last)["details"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("the threshold is 3"), "{reason}");
    // No seal.
    assert!(!actions(&tr).contains(&"seal".to_string()));
}

#[test]
fn an_aborted_transcript_is_valid_but_unsealed_and_says_why() {
    let t = TempDir::new().unwrap();
    let (r, tr) = aborted_combine(&t);
    r.code(INPUT);
    let why = unsealed(&verify(&tr, &[]));
    assert!(
        why.contains("aborted") && why.contains("entry seq 4 (line 5)"),
        "{why}"
    );
    assert!(
        why.contains("the threshold is 3"),
        "the reason is given: {why}"
    );
    // And it cannot be attested, because it is not sealed.
    let (key, _) = witness_key(t.path(), "carol");
    let r = attest(&tr, &key, "Carol Witness");
    assert_ne!(r.code, 0);
    r.single_error().stderr_has(&["not sealed", "aborted"]);
}

#[test]
fn an_aborted_transcript_cannot_be_attested() {
    let t = TempDir::new().unwrap();
    let (_, tr) = aborted_combine(&t);
    let (key, _) = witness_key(t.path(), "carol");
    let r = attest(&tr, &key, "Carol Witness");
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error().stderr_has(&["refusing to attest"]);
    assert!(!tr.with_extension("attestations").exists());
}

#[test]
fn a_combine_refused_before_it_starts_writes_no_transcript() {
    let t = TempDir::new().unwrap();
    let c = text_ceremony();
    let out = t.path().join("never");
    let missing = t.path().join("no-such-manifest.json");
    let r = combine(
        &out,
        &missing,
        &c.root,
        &[c.share(1), c.share(2), c.share(3)],
    );
    r.code(INPUT)
        .single_error()
        .stderr_has(&["no-such-manifest.json"]);
    assert!(!out.join("transcript.jsonl").exists());
}

// ---------------------------------------------------------------------------------------------
// 11. A second ceremony in the same directory
// ---------------------------------------------------------------------------------------------

#[test]
fn a_second_ceremony_in_the_same_directory_is_refused_and_changes_nothing() {
    let (_t, dir) = copy_of_rehearsal();
    let c = Ceremony::open(&dir);
    let before = snapshot(&dir);
    let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), dir.as_os_str()]);
    r.code(INPUT)
        .single_error()
        .stderr_has(&["already holds a ceremony"]);
    assert_unchanged(&dir, &before);
    let r = combine(
        &dir,
        &c.manifest,
        &c.root,
        &[c.share(1), c.share(2), c.share(1)],
    );
    r.code(INPUT)
        .single_error()
        .stderr_has(&["already holds a ceremony"]);
    assert_unchanged(&dir, &before);

    // A directory holding only a transcript is a ceremony too.
    let lone = dir.parent().unwrap().join("lone");
    fs::create_dir(&lone).unwrap();
    fs::copy(dir.join("transcript.jsonl"), lone.join("transcript.jsonl")).unwrap();
    let before = snapshot(&lone);
    let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), lone.as_os_str()]);
    r.code(INPUT)
        .single_error()
        .stderr_has(&["already holds a ceremony", "transcript.jsonl"]);
    assert_unchanged(&lone, &before);
}

// ---------------------------------------------------------------------------------------------
// 12. The auditor's report
// ---------------------------------------------------------------------------------------------

fn report(t: &Path, out: &Path, extra: &[&OsStr]) -> Run {
    let mut args: Vec<OsString> = vec![
        "transcript".into(),
        "report".into(),
        t.into(),
        "--out".into(),
        out.into(),
    ];
    args.extend(extra.iter().map(|a| a.to_os_string()));
    let r = rootkey(args);
    r.no_secrets(&fixture().secrets);
    r
}

/// What the timeline says for an entry (a fragment of its description).
fn timeline_fragment(entry: &Value) -> String {
    let d = &entry["details"];
    let g = |k: &str| match &d[k] {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    match entry["action"].as_str().unwrap() {
        "header" => "rehearsal ceremony \"Rehearsal root generation\" started".into(),
        "entropy" => "seed from the OS random generator".into(),
        "key-generated" => "root key generated: SHA256:".into(),
        "shares-split" => "seed split 3-of-5; all 10 subsets recombined".into(),
        "certificate-signed" => format!("root certificate \"{}\"", g("subject")),
        "share-written" => format!("share {} for {} (", g("index"), g("holder")),
        "artifact-written" => format!("{} written, SHA-256 ", g("file")),
        "key-wiped" => "generated key wiped before the rebuild".into(),
        "context-loaded" => "root.pem and manifest.json loaded and verified".into(),
        "share-presented" => format!("{} presented share {} (", g("holder"), g("index")),
        "key-rebuilt" => "root key rebuilt from shares".into(),
        "seal" => "transcript sealed by root key SHA256:".into(),
        other => panic!("unexpected action {other}"),
    }
}

#[test]
fn the_report_of_a_valid_rehearsal_has_the_timeline_verdict_holders_and_hashes() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let out = t.path().join("report.md");
    let r = report(
        &f.transcript(),
        &out,
        &[
            OsStr::new("--root"),
            f.dir.join("root.pem").as_os_str(),
            OsStr::new("--artifacts"),
            f.dir.as_os_str(),
        ],
    );
    r.ok()
        .stdout_has(&["report written", "Result: VALID and SEALED"]);
    let md = fs::read_to_string(&out).unwrap();
    assert_eq!(mode(&out), 0o644);
    for needle in [
        "# Ceremony transcript report",
        "VALID and SEALED",
        "## Timeline",
        "Auditor 1",
        "Auditor 2",
    ] {
        assert!(md.contains(needle), "report lacks {needle:?}:\n{md}");
    }
    for h in REHEARSAL_HOLDERS {
        assert!(md.contains(h), "report lacks holder {h}:\n{md}");
    }
    for file in ["root.pem", "manifest.json"] {
        let h = sha256_hex(&fs::read(f.dir.join(file)).unwrap());
        assert!(
            md.contains(&format!("| {file} | {h} |")),
            "report lacks {file}'s SHA-256 {h}:\n{md}"
        );
    }
    // One timeline row per entry, steps 0…18, each with its time and description.
    for (i, l) in f.lines.iter().enumerate() {
        let v = json(l);
        let prefix = format!("| {i} | {} | ", v["time"].as_str().unwrap());
        let row = md
            .lines()
            .find(|r| r.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no timeline row {prefix:?}:\n{md}"));
        let what = timeline_fragment(&v);
        assert!(row.contains(&what), "step {i}: {row:?} lacks {what:?}");
    }
    assert!(!md.contains("| 19 | "), "a step too many:\n{md}");

    // An existing report is never overwritten.
    let before = fs::read(&out).unwrap();
    let r = report(&f.transcript(), &out, &[]);
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error().stderr_has(&[&out.display().to_string()]);
    assert_eq!(fs::read(&out).unwrap(), before);
}

#[test]
fn the_report_of_a_tampered_transcript_is_written_and_says_invalid() {
    let f = fixture();
    let mut lines = f.lines.clone();
    lines.remove(4);
    let t = TempDir::new().unwrap();
    let tr = t.path().join("transcript.jsonl");
    fs::write(&tr, joined(&lines)).unwrap();
    let out = t.path().join("report.md");
    let r = report(&tr, &out, &[]);
    r.stdout_has(&["report written"]);
    invalid(&r, &tr)
        .culprit_is("entry seq 4 (line 5)")
        .kind_in(&["deleted"]);
    let md = fs::read_to_string(&out).unwrap();
    assert!(md.contains("INVALID"), "{md}");
    assert!(md.contains("(line 5): deleted"), "{md}");
    assert!(!md.contains("VALID and SEALED"), "{md}");
}

// ---------------------------------------------------------------------------------------------
// 13. Nothing secret
// ---------------------------------------------------------------------------------------------

fn assert_no_secret(what: &Path, secrets: &Secrets) {
    let text = String::from_utf8_lossy(&fs::read(what).unwrap()).into_owned();
    assert!(!secrets.0.is_empty());
    for p in &secrets.0 {
        assert!(
            !text.contains(p.as_str()),
            "{} holds a secret share row {p:?}",
            what.display()
        );
    }
}

#[test]
fn no_share_row_appears_in_any_transcript_attestation_or_report() {
    let f = fixture();
    // The check itself works: a share file does hold its rows.
    let share = Ceremony::open(&f.dir).share(1).to_path_buf();
    let text = fs::read_to_string(&share).unwrap();
    assert!(f.secrets.0.iter().any(|p| text.contains(p.as_str())));

    let t = TempDir::new().unwrap();
    let (_, aborted) = aborted_combine(&t);
    let (key, _) = witness_key(t.path(), "carol");
    let (_t2, tr, att) = transcript_copy();
    attest(&tr, &key, "Carol Witness").ok();
    let rep = t.path().join("report.md");
    report(&tr, &rep, &[]).ok();
    let rep_aborted = t.path().join("aborted.md");
    report(&aborted, &rep_aborted, &[]);
    for p in [f.transcript(), aborted, att, rep, rep_aborted] {
        assert_no_secret(&p, &f.secrets);
    }
}

fn pdftotext(pdf: &Path, extra: &[&str]) -> String {
    let out = StdCommand::new("pdftotext")
        .args(extra)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed to run these tests");
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The PDF report, read back by poppler (an independent PDF reader), says what the Markdown
/// report says, on every page of a rehearsal carries the REHEARSAL watermark, and is the same
/// bytes when rendered twice.
#[test]
fn the_pdf_report_reads_back_with_pdftotext() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let pdf = t.path().join("report.pdf");
    let root = f.dir.join("root.pem");
    let args = [
        OsStr::new("--root"),
        root.as_os_str(),
        OsStr::new("--pdf"),
        pdf.as_os_str(),
    ];
    report(&f.transcript(), &t.path().join("report.md"), &args)
        .ok()
        .stdout_has(&["report.pdf"]);
    assert_eq!(mode(&pdf), 0o644);
    let text = pdftotext(&pdf, &["-layout"]);
    for needle in [
        "Ceremony transcript report",
        "Result: VALID and SEALED",
        "Timeline",
        "Witness attestations",
        "Auditor 1",
        "Auditor 2",
        "page 1 of",
    ] {
        assert!(text.contains(needle), "PDF lacks {needle:?}:\n{text}");
    }
    for h in REHEARSAL_HOLDERS {
        assert!(text.contains(h), "PDF lacks holder {h}:\n{text}");
    }
    let pages = text.matches('\u{c}').count();
    assert!(pages >= 2, "expected a multi-page report, got {pages}");
    for page in 1..=pages {
        // The diagonal watermark comes out one letter per line, first on each page.
        let p = page.to_string();
        let raw = pdftotext(&pdf, &["-raw", "-f", &p, "-l", &p]);
        let letters: String = raw.split_whitespace().take(9).collect();
        assert_eq!(letters, "REHEARSAL", "watermark on page {page}");
    }

    // Rendering again gives the same bytes (the report can be hashed and signed).
    let pdf2 = t.path().join("report2.pdf");
    let args2 = [
        OsStr::new("--root"),
        root.as_os_str(),
        OsStr::new("--pdf"),
        pdf2.as_os_str(),
    ];
    report(&f.transcript(), &t.path().join("report2.md"), &args2).ok();
    assert_eq!(fs::read(&pdf).unwrap(), fs::read(&pdf2).unwrap());

    // An existing PDF is never overwritten, and then no Markdown is written either.
    let md3 = t.path().join("report3.md");
    let before = fs::read(&pdf).unwrap();
    let r = report(&f.transcript(), &md3, &args);
    assert_ne!(r.code, 0);
    r.single_error().stderr_has(&["already exists"]);
    assert_eq!(fs::read(&pdf).unwrap(), before);
    assert!(!md3.exists());
}

/// The independent Python verifier (written from docs/formats.md alone) accepts the real
/// rehearsal transcript and blames the same line as rootkey for tampered copies.
#[test]
fn the_independent_python_verifier_agrees_on_real_transcripts() {
    let f = fixture();
    let script = repo_path("tests/vectors/independent_transcript_check.py");
    let py = |t: &Path, extra: &[&OsStr]| -> Option<(i32, String)> {
        let out = StdCommand::new("python3")
            .arg(&script)
            .arg(t)
            .args(extra)
            .output()
            .ok()?;
        Some((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ))
    };
    let plan = repo_path("ceremony-scripts/rehearsal.toml");
    let root = f.dir.join("root.pem");
    let Some((code, out)) = py(
        &f.transcript(),
        &[
            OsStr::new("--root"),
            root.as_os_str(),
            OsStr::new("--artifacts"),
            f.dir.as_os_str(),
            OsStr::new("--plan"),
            plan.as_os_str(),
        ],
    ) else {
        println!("note: python3 not available; independent check skipped");
        return;
    };
    assert_eq!((code, out.trim()), (0, "VALID SEALED"));
    // Deleting, swapping and flipping: both tools refuse, naming the same line.
    let mut cases: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    for i in [1, 7, 12] {
        let mut l = f.lines.clone();
        l.remove(i);
        cases.push((format!("delete {i}"), l));
        let mut l = f.lines.clone();
        l.swap(i, i + 1);
        cases.push((format!("swap {i}"), l));
        let mut l = f.lines.clone();
        let mid = l[i].len() / 2;
        l[i][mid] ^= 1;
        cases.push((format!("flip {i}"), l));
    }
    for (what, lines) in cases {
        let c = tampered(&lines);
        assert_eq!(c.run.code, 1, "{what}: rootkey");
        let (code, out) = py(&c.transcript, &[]).unwrap();
        assert_eq!(code, 1, "{what}: python says {out}");
        let line: usize = out
            .split("line=")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{what}: no line in {out}"));
        assert!(
            c.run.stderr.contains(&format!("line {line}"))
                || c.run.stderr.contains(&format!("lines {line} and")),
            "{what}: python blames line {line} ({out}), rootkey says {}",
            c.run.stderr
        );
    }
}

/// Re-chains `lines` after `edit` changed some of them, and re-seals with another key, the
/// way a forger would: the chain is then consistent and only the checks after it can object.
fn reforged(edit: impl Fn(&mut Value)) -> Vec<Vec<u8>> {
    let key = other_key();
    let mut out: Vec<Vec<u8>> = Vec::new();
    for l in &fixture().lines {
        let mut v = json(l);
        edit(&mut v);
        if let Some(p) = out.last() {
            v["prev"] = sha256_hex(p).into();
        }
        if v["action"] == "seal" {
            v["details"]["head"] = v["prev"].clone();
            v["details"]["public_key"] = hex::encode(key.verifying_key().to_bytes()).into();
            out.push(sign_seal(v, &key));
        } else {
            out.push(canonical(&v));
        }
    }
    out
}

/// Hostile strings in fields the verifier slices or shortens never crash it (exit 101): a
/// multi-byte character where a time's `Z` belongs, a non-hex digest in the report.
#[test]
fn hostile_field_contents_are_refused_without_a_crash() {
    for bad in ["2036-11-23T01:46:3é", "2036-11-23T01:46:32X"] {
        let lines = reforged(|v| {
            if v["action"] == "certificate-signed" {
                v["details"]["not_after"] = bad.into();
            }
        });
        let c = tampered(&lines);
        c.invalid()
            .culprit_is("entry seq 4 (line 5)")
            .kind_in(&["malformed"])
            .says(&["not_after", "YYYY-MM-DDTHH:MM:SSZ"]);
    }
    // The report of a transcript with a non-hex, non-ASCII digest is still written.
    let mut lines = fixture().lines.clone();
    let mut v = json(&lines[5]);
    v["details"]["envelope_sha256"] = format!("{}é{}", "a".repeat(15), "b".repeat(48)).into();
    lines[5] = canonical(&v);
    let c = tampered(&lines);
    let out = c.transcript.with_file_name("report.md");
    let r = report(&c.transcript, &out, &[]);
    r.code(1);
    assert!(fs::read_to_string(&out).unwrap().contains("INVALID"));
}

/// A witness attests only a transcript sealed by the root certificate they were shown: a
/// consistent forgery sealed by another key is refused, and nothing is written.
#[test]
fn a_witness_never_attests_a_transcript_sealed_by_another_key() {
    let t = TempDir::new().unwrap();
    let tr = t.path().join("transcript.jsonl");
    let lines = reforged(|v| {
        let pk = hex::encode(other_key().verifying_key().to_bytes());
        let fp = fingerprint_hex(&other_key().verifying_key().to_bytes());
        let act = v["action"].as_str().unwrap_or_default().to_string();
        let d = &mut v["details"];
        match act.as_str() {
            "key-generated" => {
                d["public_key"] = pk.into();
                d["fingerprint"] = fp.into();
            }
            "certificate-signed" => d["fingerprint"] = fp.into(),
            "context-loaded" => {
                d["root"]["public_key"] = pk.into();
                d["root"]["fingerprint"] = fp.into();
            }
            "key-rebuilt" => d["public_key"] = pk.into(),
            _ => {}
        }
    });
    let joined: Vec<u8> = lines
        .iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect();
    fs::write(&tr, joined).unwrap();
    // Self-consistent: without a root certificate it verifies (with a warning).
    verify(&tr, &[])
        .ok()
        .stderr_has(&["warning: no --root given"]);
    let (carol, _) = witness_key(t.path(), "carol");
    let r = attest(&tr, &carol, "Carol Witness");
    r.code(VERIFICATION).single_error().stderr_has(&[
        "refusing to attest",
        "not the key of the given root certificate",
    ]);
    assert!(!t.path().join("transcript.attestations").exists());
}

/// The attestations file is never written through a symbolic link.
#[test]
fn attest_refuses_an_attestations_file_that_is_a_symlink() {
    let (t, tr, att) = transcript_copy();
    let target = t.path().join("elsewhere");
    std::os::unix::fs::symlink(&target, &att).unwrap();
    let (carol, _) = witness_key(t.path(), "carol");
    let r = attest(&tr, &carol, "Carol Witness");
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error().stderr_has(&["not a link"]);
    assert!(!target.exists(), "nothing may be written through the link");
}

/// A file name the transcript could not record (a control character) is refused before the
/// ceremony starts, so that no ceremony writes a transcript its verifier refuses.
#[test]
fn combine_refuses_share_file_names_the_transcript_cannot_record() {
    let c = text_ceremony();
    let dir = c.root.parent().unwrap();
    let t = TempDir::new().unwrap();
    let share = |i: usize| {
        dir.join(format!(
            "share-0{i}-{}-rehearsal.txt",
            ["alice", "bob", "carol", "dave", "erin"][i - 1]
        ))
    };
    let odd = t.path().join("share\tone.txt");
    fs::copy(share(1), &odd).unwrap();
    let out = t.path().join("check");
    let r = combine(
        &out,
        &dir.join("manifest.json"),
        &dir.join("root.pem"),
        &[&odd, &share(3), &share(5)],
    );
    r.code(INPUT)
        .single_error()
        .stderr_has(&["cannot be recorded in the transcript"]);
    assert!(!out.exists(), "no transcript is started");
}
