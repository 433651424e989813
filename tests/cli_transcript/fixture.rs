//! What the transcript tests share: the one rehearsal every test reads (never modifies), its
//! transcript's lines, running `transcript verify`, `attest` and `report` on copies, parsing
//! the verdict, byte positions inside a canonical entry, and the helpers that forge entries,
//! seals and witness keys.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::sync::OnceLock;

use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::common::{Ceremony, Run, Secrets, combine_into, rootkey};

// ---------------------------------------------------------------------------------------------
// The shared rehearsal
// ---------------------------------------------------------------------------------------------

/// Entries of a rehearsal: header … key-rebuilt, seal (shares 1, 3 and 5 are presented).
pub const REHEARSAL_ENTRIES: usize = 19;

/// Line index of the first `share-presented` entry (seq 14, Alice, share 1).
pub const FIRST_PRESENTED: usize = 14;

pub struct Fixture {
    /// The rehearsal's output directory (never modified by a test).
    pub dir: PathBuf,
    /// The transcript's lines, without their line ends.
    pub lines: Vec<Vec<u8>>,
    /// The share rows, which must never appear in a transcript or report.
    pub secrets: Secrets,
}

impl Fixture {
    pub fn transcript(&self) -> PathBuf {
        self.dir.join("transcript.jsonl")
    }
    pub fn seal(&self) -> &[u8] {
        self.lines.last().unwrap()
    }
}

pub fn fixture() -> &'static Fixture {
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
pub fn text_ceremony() -> &'static Ceremony {
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

pub fn json(line: &[u8]) -> Value {
    serde_json::from_slice(line).unwrap()
}

pub fn canonical(v: &Value) -> Vec<u8> {
    rootkey::jcs::canonicalize(v).unwrap()
}

pub fn action(line: &[u8]) -> String {
    json(line)["action"].as_str().unwrap().to_string()
}

pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Lines joined into a transcript file (each line ends with `0A`).
pub fn joined(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// A copy of the rehearsal directory (shares, root.pem, manifest.json, transcript).
pub fn copy_of_rehearsal() -> (TempDir, PathBuf) {
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
pub fn verify(t: &Path, extra: &[&OsStr]) -> Run {
    let mut args: Vec<OsString> = vec!["transcript".into(), "verify".into(), t.into()];
    args.extend(extra.iter().map(|a| a.to_os_string()));
    let r = rootkey(args);
    r.no_secrets(&fixture().secrets);
    r
}

/// A replay of a transcript written into its own temporary directory.
pub struct Checked {
    pub run: Run,
    pub transcript: PathBuf,
    pub _dir: TempDir,
}

/// Writes `bytes` as a transcript in a fresh directory and verifies it.
pub fn tampered_bytes(bytes: &[u8]) -> Checked {
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
pub fn tampered(lines: &[Vec<u8>]) -> Checked {
    tampered_bytes(&joined(lines))
}

/// What stderr says was wrong: `error: transcript PATH: CULPRIT: KIND: WHAT`.
#[derive(Debug)]
pub struct Finding {
    pub culprit: String,
    pub kind: String,
    pub what: String,
    pub message: String,
}

impl Finding {
    /// Asserts that the culprit names line `line`: `entry seq N (line L)`, `line L (entry seq
    /// N)` or `line L`.
    pub fn names_line(&self, line: usize) -> &Finding {
        let c = &self.culprit;
        let ok = c == &format!("line {line}")
            || c.starts_with(&format!("line {line} ("))
            || c.ends_with(&format!("(line {line})"));
        assert!(ok, "expected the message to name line {line}: {self:#?}");
        self
    }

    pub fn culprit_is(&self, want: &str) -> &Finding {
        assert_eq!(self.culprit, want, "wrong entry or line named: {self:#?}");
        self
    }

    pub fn kind_in(&self, kinds: &[&str]) -> &Finding {
        assert!(
            kinds.contains(&self.kind.as_str()),
            "expected the kind to be one of {kinds:?}: {self:#?}"
        );
        self
    }

    pub fn says(&self, needles: &[&str]) -> &Finding {
        for n in needles {
            assert!(self.what.contains(n), "message lacks {n:?}: {self:#?}");
        }
        self
    }
}

/// Parses the single `error:` line of an invalid replay of `transcript`.
pub fn finding(run: &Run, transcript: &Path) -> Finding {
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
pub fn invalid(run: &Run, transcript: &Path) -> Finding {
    run.code(1)
        .single_error()
        .stdout_has(&["Result: INVALID — "]);
    finding(run, transcript)
}

impl Checked {
    pub fn invalid(&self) -> Finding {
        invalid(&self.run, &self.transcript)
    }

    /// Asserts VALID but UNSEALED (exit 3, nothing on stderr); returns the reason.
    pub fn unsealed(&self) -> String {
        unsealed(&self.run)
    }
}

pub fn unsealed(run: &Run) -> String {
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

pub fn find(line: &[u8], needle: &str) -> usize {
    line.windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap_or_else(|| panic!("{needle:?} not in {}", String::from_utf8_lossy(line)))
}

/// The characters of a top-level string member's value (between the quotes).
pub fn string_value(line: &[u8], member: &str) -> Range<usize> {
    let start = find(line, &format!("\"{member}\":\"")) + member.len() + 4;
    let len = line[start..].iter().position(|&b| b == b'"').unwrap();
    start..start + len
}

/// The `details` object, braces included.
pub fn details_span(line: &[u8]) -> Range<usize> {
    let start = find(line, "\"details\":{") + "\"details\":".len();
    let end = find(line, "},\"prev\":\"") + 1;
    start..end
}

/// The digits of `seq`.
pub fn seq_span(line: &[u8]) -> Range<usize> {
    let start = find(line, "\"seq\":") + "\"seq\":".len();
    let len = line[start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap();
    start..start + len
}

/// The characters of a string member of the seal's `details` (head, public_key, signature).
pub fn seal_value(line: &[u8], member: &str) -> Range<usize> {
    let d = details_span(line);
    let r = string_value(&line[d.clone()], member);
    d.start + r.start..d.start + r.end
}

pub fn flipped(line: &[u8], pos: usize) -> Vec<u8> {
    let mut l = line.to_vec();
    l[pos] ^= 0x01;
    l
}

/// The transcript with byte `pos` of line `i` XORed with 0x01.
pub fn with_flip(i: usize, pos: usize) -> Vec<Vec<u8>> {
    let mut lines = fixture().lines.clone();
    lines[i] = flipped(&lines[i], pos);
    lines
}

/// Positions to flip in entry `line`: first, middle and last byte; three inside `prev`;
/// four inside `details` (both braces, the first member name, the middle); the last digit of
/// `time`; and (if `with_seq`) the last digit of `seq`.
pub fn flip_positions(line: &[u8], with_seq: bool) -> Vec<usize> {
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
pub fn hex_preserving(line: &[u8], r: Range<usize>, from: usize) -> usize {
    (from..r.end)
        .chain(r.start..from)
        .find(|&p| matches!(line[p], b'0'..=b'9' | b'b'..=b'e'))
        .expect("a hex value with only a and f digits")
}

// ---------------------------------------------------------------------------------------------
// Forgeries: another key, a re-signed seal, a wholly re-chained transcript
// ---------------------------------------------------------------------------------------------

pub fn other_key() -> SigningKey {
    SigningKey::from_bytes(&[9u8; 32])
}

/// `entry` (a parsed seal) signed per the spec: Ed25519(key, "rootkey-transcript-seal-v1" ‖
/// 00 ‖ SHA-256(JCS(entry without details.signature))).
pub fn sign_seal(mut entry: Value, key: &SigningKey) -> Vec<u8> {
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

/// The SubjectPublicKeyInfo fingerprint of an Ed25519 key (as in the manifest).
pub fn fingerprint_hex(pk: &[u8; 32]) -> String {
    let mut spki = hex::decode("302a300506032b6570032100").unwrap();
    spki.extend_from_slice(pk);
    sha256_hex(&spki)
}

/// Re-chains `lines` after `edit` changed some of them, and re-seals with another key, the
/// way a forger would: the chain is then consistent and only the checks after it can object.
pub fn reforged(edit: impl Fn(&mut Value)) -> Vec<Vec<u8>> {
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

// ---------------------------------------------------------------------------------------------
// Witnesses, ceremonies and reports run on copies
// ---------------------------------------------------------------------------------------------

pub fn openssl(args: &[&OsStr]) {
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
pub fn witness_key(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
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

pub fn attest(t: &Path, key: &Path, name: &str) -> Run {
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
pub fn transcript_copy() -> (TempDir, PathBuf, PathBuf) {
    let t = TempDir::new().unwrap();
    let p = t.path().join("transcript.jsonl");
    fs::copy(fixture().transcript(), &p).unwrap();
    let a = t.path().join("transcript.attestations");
    (t, p, a)
}

pub fn combine(out: &Path, manifest: &Path, root: &Path, shares: &[&Path]) -> Run {
    combine_into(out, manifest, root, shares, &fixture().secrets)
}

/// A combine of a 3-of-5 rehearsal with 2 share files and `--type`, run without a controlling
/// terminal (`setsid`): it starts, records both shares, then fails at the keyboard. (Fewer
/// share files than the threshold without `--type` are refused before it starts.)
pub fn aborted_combine(t: &TempDir) -> (Run, PathBuf) {
    let f = fixture();
    let c = Ceremony::open(&f.dir);
    let out = t.path().join("aborted");
    let o = StdCommand::new("setsid")
        .arg(env!("CARGO_BIN_EXE_rootkey"))
        .arg("combine")
        .arg("--out")
        .arg(&out)
        .arg("--manifest")
        .arg(&c.manifest)
        .arg("--root")
        .arg(&c.root)
        .arg(c.share(1))
        .arg(c.share(2))
        .arg("--type")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let r = Run {
        what: "setsid rootkey combine … --type".into(),
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    r.no_secrets(&f.secrets);
    (r, out.join("transcript.jsonl"))
}

pub fn report(t: &Path, out: &Path, extra: &[&OsStr]) -> Run {
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
