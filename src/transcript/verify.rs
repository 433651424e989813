//! Replaying a transcript (`rootkey transcript verify`): lines, chain, script, seal,
//! attestations, artifacts and plan, in the order `docs/formats.md` ("Replay") gives. The first
//! failure is reported with the entry's `seq` and line and what kind of tampering it shows.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{
    ATTESTATION_DOMAIN, FORMAT, Kind, MAX_FILE, MAX_LINE, Participant, SEAL_DOMAIN, TOOL_ACTOR,
    ZERO_HASH, attestations_path, is_time_string, signed_message,
};
use crate::cert::{self, RootCert};
use crate::error::{Error, Result, is_unsafe_char};
use crate::fsio;
use crate::jcs;
use crate::plan::Plan;

/// One parsed transcript line.
#[derive(Clone, Debug)]
pub struct Entry {
    /// `seq`.
    pub seq: u64,
    /// 1-based line number in the file.
    pub line: usize,
    /// `time`.
    pub time: String,
    /// `actors`.
    pub actors: Vec<String>,
    /// `action`.
    pub action: String,
    /// `details`.
    pub details: Map<String, Value>,
    /// `prev`.
    pub prev: [u8; 32],
    /// SHA-256 of the line.
    pub hash: [u8; 32],
}

impl Entry {
    /// `entry seq N (line L)`.
    pub fn at(&self) -> String {
        format!("entry seq {} (line {})", self.seq, self.line)
    }
}

/// The header's facts.
#[derive(Clone, Debug)]
pub struct Header {
    /// Ceremony kind.
    pub kind: Kind,
    /// Ceremony id (hex).
    pub id: String,
    /// Ceremony name.
    pub name: String,
    /// Rehearsal?
    pub rehearsal: bool,
    /// Plan file and SHA-256 (hex).
    pub plan: Option<(String, String)>,
    /// (threshold, shares).
    pub quorum: (u8, u8),
    /// Participants.
    pub participants: Vec<Participant>,
    /// Tool version.
    pub tool_version: String,
    /// SHA-256 of the binary that ran (hex).
    pub binary_sha256: String,
    /// The pre-flight facts.
    pub preflight: Map<String, Value>,
}

/// One witness attestation.
#[derive(Clone, Debug)]
pub struct Attestation {
    /// `seq`.
    pub seq: u64,
    /// Line in the attestations file.
    pub line: usize,
    /// `time`.
    pub time: String,
    /// Witness name.
    pub name: String,
    /// Witness public key.
    pub public_key: [u8; 32],
    /// Whether the key is in the auditor's witness list (None: no list given).
    pub known: Option<bool>,
    /// SHA-256 of the attestation line.
    pub hash: [u8; 32],
}

/// The outcome of a replay.
#[derive(Debug)]
pub enum Verdict {
    /// Every check passed and the last entry is a valid seal.
    Sealed,
    /// Every check passed but the ceremony was not sealed; the reason.
    Unsealed(String),
    /// A check failed.
    Invalid(Error),
}

/// Everything a replay found.
#[derive(Debug)]
pub struct Replay {
    /// The transcript path as given.
    pub path: String,
    /// SHA-256 of the whole transcript file.
    pub file_sha256: [u8; 32],
    /// Lines that parsed, in file order.
    pub entries: Vec<Entry>,
    /// The header, if it parsed.
    pub header: Option<Header>,
    /// The verdict.
    pub verdict: Verdict,
    /// Hash of the seal entry, when sealed.
    pub sealed_head: Option<[u8; 32]>,
    /// The key that sealed, when sealed.
    pub seal_key: Option<[u8; 32]>,
    /// Valid attestations.
    pub attestations: Vec<Attestation>,
    /// What was checked, in order: (check, outcome).
    pub checks: Vec<(String, String)>,
}

/// `transcript verify` exit code: valid and sealed.
pub const SEALED: i32 = 0;
/// `transcript verify` exit code: invalid, or an input could not be read.
pub const INVALID: i32 = 1;
/// `transcript verify` exit code: valid but unsealed (aborted or interrupted).
pub const UNSEALED: i32 = 3;

impl Replay {
    /// Exit code of `transcript verify`: 0 sealed, 1 invalid, 3 unsealed.
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Sealed => SEALED,
            Verdict::Invalid(_) => INVALID,
            Verdict::Unsealed(_) => UNSEALED,
        }
    }
}

/// What to check the transcript against (all optional).
#[derive(Default)]
pub struct ReplayOptions<'a> {
    /// The root certificate.
    pub root: Option<&'a RootCert>,
    /// Directory holding the artifacts.
    pub artifacts: Option<&'a Path>,
    /// The plan file.
    pub plan: Option<&'a Path>,
    /// Public keys of the witnesses the auditor knows.
    pub witnesses: Option<&'a [[u8; 32]]>,
}

fn bad(what: impl Into<String>) -> Error {
    Error::verification(what.into())
}

fn at(e: &Entry, kind: &str, what: impl std::fmt::Display) -> Error {
    bad(format!("{}: {kind}: {what}", e.at()))
}

/// Reads and replays the transcript at `path`. `Err` only when an input (the transcript, the
/// plan, the certificate) cannot be read at all; every finding is in [`Replay::verdict`].
pub fn replay(path: &Path, opts: &ReplayOptions<'_>) -> Result<Replay> {
    let bytes = fsio::read_public(path, MAX_FILE, "transcript")?;
    let att_path = attestations_path(path);
    let att_bytes = if att_path.exists() {
        Some(fsio::read_public(&att_path, 16 << 20, "attestations file")?)
    } else {
        None
    };
    Ok(replay_bytes(
        &path.display().to_string(),
        &bytes,
        att_bytes.as_deref().map(|b| (att_path, b)),
        opts,
    ))
}

/// Replays transcript bytes (and the attestations file's bytes, if any).
pub fn replay_bytes(
    origin: &str,
    bytes: &[u8],
    attestations: Option<(PathBuf, &[u8])>,
    opts: &ReplayOptions<'_>,
) -> Replay {
    let mut r = Replay {
        path: origin.to_string(),
        file_sha256: Sha256::digest(bytes).into(),
        entries: Vec::new(),
        header: None,
        verdict: Verdict::Sealed,
        sealed_head: None,
        seal_key: None,
        attestations: Vec::new(),
        checks: Vec::new(),
    };
    if let Err(e) = run(&mut r, bytes, attestations, opts) {
        r.verdict = Verdict::Invalid(e.context(format!("transcript {origin}")));
    }
    r
}

fn run(
    r: &mut Replay,
    bytes: &[u8],
    attestations: Option<(PathBuf, &[u8])>,
    opts: &ReplayOptions<'_>,
) -> Result<()> {
    // 1. Lines.
    let truncated = parse_lines(bytes, &mut r.entries)?;
    // 2. Chain.
    check_chain(&r.entries)?;
    if let Some(line) = truncated {
        let seq = line - 1;
        return Err(bad(format!(
            "line {line} (entry seq {seq}): truncated: the last line has no line end — the file was cut off in the middle of an entry"
        )));
    }
    r.checks.push((
        "chain".into(),
        format!(
            "ok: {} entries, each linked to the one before by SHA-256",
            r.entries.len()
        ),
    ));
    // 3. Header and script.
    let header = parse_header(&r.entries[0])?;
    r.header = Some(header.clone());
    let facts = check_script(&r.entries, &header)?;
    r.checks.push((
        "script".into(),
        format!("ok: the {} steps happened in order", header.kind.as_str()),
    ));
    // 4. Seal (or why there is none).
    let last = &r.entries[r.entries.len() - 1];
    let mut unsealed = None;
    match last.action.as_str() {
        "seal" => {
            let key = check_seal(last, &facts)?;
            r.sealed_head = Some(last.hash);
            r.seal_key = Some(key);
            r.checks.push((
                "seal".into(),
                format!(
                    "ok: {} signed by root key {}",
                    last.at(),
                    crate::ceremony::fingerprint_display(&cert::fingerprint(&key))
                ),
            ));
        }
        "aborted" => {
            let reason = last
                .details
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or_default();
            unsealed = Some(format!(
                "the ceremony was aborted at {}: {reason}",
                last.at()
            ));
        }
        other => {
            unsealed = Some(format!(
                "the transcript ends at {} (`{other}`) without a seal or an `aborted` entry: the ceremony was interrupted, or its last entries were cut off",
                last.at()
            ));
        }
    }
    if let Some(u) = &unsealed {
        r.checks.push(("seal".into(), format!("NONE: {u}")));
    }
    // Root certificate.
    if let Some(root) = opts.root {
        let pk = root.public_key_bytes();
        for (e, key) in &facts.root_keys {
            if *key != pk {
                return Err(at(
                    e,
                    "bad seal",
                    format!(
                        "the root key recorded here ({}) is not the key of the given root certificate ({})",
                        crate::ceremony::fingerprint_display(&cert::fingerprint(key)),
                        crate::ceremony::fingerprint_display(&root.fingerprint)
                    ),
                ));
            }
        }
        let der_hash = hex::encode(Sha256::digest(&root.der));
        for (e, h) in &facts.certificate_hashes {
            if *h != der_hash {
                return Err(at(
                    e,
                    "root mismatch",
                    format!(
                        "recorded certificate SHA-256 {h} differs from the given root certificate's {der_hash}"
                    ),
                ));
            }
        }
        r.checks.push((
            "root certificate".into(),
            format!(
                "ok: the recorded root key and certificate are those of the given root.pem ({})",
                crate::ceremony::fingerprint_display(&root.fingerprint)
            ),
        ));
    } else {
        r.checks.push((
            "root certificate".into(),
            "not checked: the seal was checked against the key recorded in the transcript only (pass --root)".into(),
        ));
    }
    // 5. Attestations.
    match attestations {
        Some((p, b)) => {
            let Some(head) = r.sealed_head else {
                return Err(bad(format!(
                    "{}: attestations exist but the transcript is not sealed",
                    p.display()
                )));
            };
            r.attestations = check_attestations(&p, b, &head, opts.witnesses)?;
            let names: Vec<String> = r.attestations.iter().map(|a| a.name.clone()).collect();
            r.checks.push((
                "attestations".into(),
                format!(
                    "ok: {} valid ({}){}",
                    r.attestations.len(),
                    names.join(", "),
                    if opts.witnesses.is_some() {
                        ", every key in the witness list"
                    } else {
                        "; keys not checked against a witness list (pass --witnesses)"
                    }
                ),
            ));
        }
        None => r
            .checks
            .push(("attestations".into(), "none (no .attestations file)".into())),
    }
    // 6. Artifacts.
    if let Some(dir) = opts.artifacts {
        for (e, file, sha, role) in &facts.artifacts {
            let p = dir.join(file);
            let b = fsio::read_public(&p, 64 << 20, "artifact").map_err(|err| {
                at(
                    e,
                    "artifact",
                    format!(
                        "{file} cannot be checked in {}: {}",
                        dir.display(),
                        err.message
                    ),
                )
            })?;
            let got = hex::encode(Sha256::digest(&b));
            if got != *sha {
                return Err(at(
                    e,
                    "artifact",
                    format!(
                        "{} has SHA-256 {got}, but the transcript recorded {sha}: the file was modified after the ceremony",
                        p.display()
                    ),
                ));
            }
            check_artifact_content(e, &p, &b, *role, &facts, &header)?;
        }
        let mut names: Vec<&str> = Vec::new();
        for (_, f, _, _) in &facts.artifacts {
            if !names.contains(&f.as_str()) {
                names.push(f);
            }
        }
        r.checks.push((
            "artifacts".into(),
            format!("ok: {} in {} match", names.join(", "), dir.display()),
        ));
    } else {
        r.checks.push((
            "artifacts".into(),
            "not checked (pass --artifacts DIR)".into(),
        ));
    }
    // 7. Plan.
    if let Some(plan_path) = opts.plan {
        check_plan(plan_path, &r.entries[0], &header)?;
        r.checks.push((
            "plan".into(),
            format!(
                "ok: {} is the recorded plan and matches the header",
                plan_path.display()
            ),
        ));
    } else {
        r.checks
            .push(("plan".into(), "not checked (pass --plan PLAN.toml)".into()));
    }
    if let Some(u) = unsealed {
        r.verdict = Verdict::Unsealed(u);
    }
    Ok(())
}

/// Checks lines and chain only (steps 1 and 2 of the replay: canonical form, `seq`, `prev`,
/// times) and returns the parsed entries; the first defect is the error. Used by the
/// benchmark, which measures the per-entry cost of a replay.
pub fn verify_chain(bytes: &[u8]) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let truncated = parse_lines(bytes, &mut entries)?;
    check_chain(&entries)?;
    if let Some(line) = truncated {
        return Err(bad(format!("line {line}: truncated")));
    }
    Ok(entries)
}

/// Parses every line into `out`; returns the 1-based number of a truncated last line.
fn parse_lines(bytes: &[u8], out: &mut Vec<Entry>) -> Result<Option<usize>> {
    if bytes.is_empty() {
        return Err(bad(
            "line 1: truncated: the file is empty (no header entry)",
        ));
    }
    let mut truncated = None;
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.last() == Some(&b'\n') {
        lines.pop();
    } else {
        truncated = Some(lines.len());
    }
    for (i, l) in lines.iter().enumerate() {
        let line = i + 1;
        if truncated == Some(line) {
            // The cut-off line cannot be parsed; the chain up to it is still checked.
            break;
        }
        match parse_entry(l, line) {
            Ok(e) => out.push(e),
            Err(what) => {
                return Err(bad(format!(
                    "line {line} (entry seq {}): modified: {what}",
                    i
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(bad(
            "line 1: truncated: the header entry is incomplete (no line end)",
        ));
    }
    Ok(truncated)
}

/// Parses a canonical JSON object line (shared with attestations). Errors are descriptions.
pub(crate) fn parse_canonical(l: &[u8]) -> std::result::Result<Map<String, Value>, String> {
    if l.len() > MAX_LINE {
        return Err(format!("the line is longer than {MAX_LINE} bytes"));
    }
    if let Err(e) = std::str::from_utf8(l) {
        return Err(format!("not UTF-8 (byte {})", e.valid_up_to() + 1));
    }
    let v: Value = serde_json::from_slice(l).map_err(|e| format!("not valid JSON ({e})"))?;
    let c = jcs::canonicalize(&v).map_err(|e| format!("not canonical JSON ({})", e.message))?;
    if c != l {
        let pos = c
            .iter()
            .zip(l)
            .position(|(a, b)| a != b)
            .unwrap_or(c.len().min(l.len()));
        return Err(format!(
            "not in canonical form (RFC 8785): it differs from its canonical encoding at byte {}",
            pos + 1
        ));
    }
    match v {
        Value::Object(m) => Ok(m),
        _ => Err("not a JSON object".into()),
    }
}

fn exact_keys(
    m: &Map<String, Value>,
    keys: &[&str],
    what: &str,
) -> std::result::Result<(), String> {
    for k in m.keys() {
        if !keys.contains(&k.as_str()) {
            return Err(format!("{what} has an unknown member `{k}`"));
        }
    }
    for k in keys {
        if !m.contains_key(*k) {
            return Err(format!("{what} has no member `{k}`"));
        }
    }
    Ok(())
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

fn safe_text(s: &str, max: usize) -> bool {
    !s.chars().any(is_unsafe_char) && s.chars().count() <= max
}

fn parse_entry(l: &[u8], line: usize) -> std::result::Result<Entry, String> {
    let mut m = parse_canonical(l)?;
    exact_keys(
        &m,
        &["action", "actors", "details", "prev", "seq", "time"],
        "the entry",
    )?;
    let seq = m["seq"]
        .as_u64()
        .ok_or("`seq` is not a non-negative integer")?;
    let time = m["time"].as_str().ok_or("`time` is not a string")?;
    if !is_time_string(time) {
        return Err(format!("`time` \"{time}\" is not YYYY-MM-DDTHH:MM:SS.sssZ"));
    }
    let actors = m["actors"].as_array().ok_or("`actors` is not an array")?;
    if actors.is_empty() || actors.len() > 32 {
        return Err("`actors` must hold 1 to 32 names".into());
    }
    let actors: Vec<String> = actors
        .iter()
        .map(|a| match a.as_str() {
            Some(s) if !s.is_empty() && safe_text(s, 200) => Ok(s.to_string()),
            _ => Err("`actors` holds something other than a name of 1 to 200 safe characters"),
        })
        .collect::<std::result::Result<_, _>>()?;
    let action = m["action"].as_str().ok_or("`action` is not a string")?;
    let prev = m["prev"]
        .as_str()
        .and_then(hex32)
        .ok_or("`prev` is not 64 lower-case hex digits")?;
    let time = time.to_string();
    let action = action.to_string();
    let Some(Value::Object(details)) = m.remove("details") else {
        return Err("`details` is not an object".into());
    };
    Ok(Entry {
        seq,
        line,
        time,
        actors,
        action,
        details,
        prev,
        hash: Sha256::digest(l).into(),
    })
}

/// Checks `seq` and `prev` of every entry; on the first break, works out what happened from
/// the links around it.
fn check_chain(es: &[Entry]) -> Result<()> {
    let n = es.len();
    let link_ok = |i: usize| {
        if i == 0 {
            es[0].prev == ZERO_HASH
        } else {
            es[i].prev == es[i - 1].hash
        }
    };
    let line_of_hash = |h: &[u8; 32]| es.iter().position(|e| e.hash == *h);
    for i in 0..n {
        if link_ok(i) && es[i].seq == i as u64 {
            if i > 0 && es[i].time < es[i - 1].time {
                return Err(at(
                    &es[i],
                    "modified",
                    format!(
                        "its time {} is earlier than the previous entry's {}",
                        es[i].time,
                        es[i - 1].time
                    ),
                ));
            }
            continue;
        }
        let e = &es[i];
        let line = i + 1;
        if i == 0 {
            if n > 1 && es[0].seq == 1 && es[1].seq == 0 {
                return Err(bad(
                    "lines 1 and 2: reordered: entry seq 1 comes before entry seq 0 (the header)",
                ));
            }
            if es[0].seq == 1 && es[0].prev != ZERO_HASH {
                return Err(bad(
                    "line 1: deleted: entry seq 0 (the header) is missing; the file starts with entry seq 1",
                ));
            }
            return Err(at(
                e,
                "modified",
                "the first entry must have seq 0 and a `prev` of 64 zeros",
            ));
        }
        if link_ok(i) {
            // Linked, but numbered wrongly: its seq was changed (which also breaks the next
            // link) or it was written so.
            return Err(at(
                e,
                "modified",
                format!("its seq is {}, but it is entry {} of the chain", e.seq, i),
            ));
        }
        // The link into line i is broken.
        if es[i - 1].action == "seal" {
            return Err(at(
                e,
                "inserted",
                format!(
                    "entries follow the seal (line {}); nothing may be added to a sealed transcript",
                    line - 1
                ),
            ));
        }
        // Swapped with the next entry: it links to the next one, the next one links to the
        // entry before, and the chain continues from it (or it was the last pair).
        if i + 1 < n
            && e.prev == es[i + 1].hash
            && es[i + 1].prev == es[i - 1].hash
            && (i + 2 == n || es[i + 2].prev == e.hash)
        {
            return Err(bad(format!(
                "lines {line} and {}: reordered: entry seq {} comes before entry seq {} (the entries were swapped)",
                line + 1,
                e.seq,
                es[i + 1].seq
            )));
        }
        if i + 1 < n && es[i + 1].prev == es[i - 1].hash {
            return Err(at(
                e,
                "inserted",
                format!(
                    "this entry is not part of the chain: the next entry (line {}) links to line {}, skipping it",
                    line + 1,
                    line - 1
                ),
            ));
        }
        match line_of_hash(&e.prev) {
            Some(j) if j + 1 < i => {
                return Err(bad(format!(
                    "line{} {}: inserted: entry seq {} (line {line}) links to line {}, so the line{} in between {} not part of the chain",
                    if i - j > 2 { "s" } else { "" },
                    if i - j > 2 {
                        format!("{}–{}", j + 2, line - 1)
                    } else {
                        format!("{}", j + 2)
                    },
                    e.seq,
                    j + 1,
                    if i - j > 2 { "s" } else { "" },
                    if i - j > 2 { "are" } else { "is" },
                )));
            }
            Some(j) => {
                return Err(bad(format!(
                    "line {line}: reordered: entry seq {} links to line {}, which comes after it",
                    e.seq,
                    j + 1
                )));
            }
            None => {}
        }
        if e.seq == i as u64 + 1 && es[i - 1].seq == i as u64 - 1 {
            return Err(bad(format!(
                "line {line}: deleted: entry seq {i} is missing — line {} holds entry seq {} and line {line} holds entry seq {}, which links to an entry that is not in the file",
                line - 1,
                i - 1,
                e.seq
            )));
        }
        let next_broken = i + 1 < n && es[i + 1].prev != e.hash;
        let seal_broken = i + 1 == n && e.action == "seal" && seal_signature_ok(e) == Some(false);
        if next_broken || seal_broken {
            return Err(at(
                e,
                "modified",
                format!(
                    "its link to the previous entry (line {}) was altered",
                    line - 1
                ),
            ));
        }
        let p = &es[i - 1];
        return Err(at(
            p,
            "modified",
            format!(
                "its SHA-256 no longer matches the link recorded in the next entry (seq {}, line {line}): it was changed after it was written",
                e.seq
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Typed access to `details`.

struct D<'a> {
    e: &'a Entry,
    m: &'a Map<String, Value>,
    path: String,
}

impl<'a> D<'a> {
    fn of(e: &'a Entry) -> D<'a> {
        D {
            e,
            m: &e.details,
            path: "details".into(),
        }
    }
    fn err(&self, key: &str, what: &str) -> Error {
        at(self.e, "malformed", format!("`{}.{key}` {what}", self.path))
    }
    fn keys(&self, keys: &[&str]) -> Result<()> {
        exact_keys(self.m, keys, &format!("`{}`", self.path))
            .map_err(|w| at(self.e, "malformed", w))
    }
    fn get(&self, key: &str) -> Result<&'a Value> {
        self.m.get(key).ok_or_else(|| self.err(key, "is missing"))
    }
    fn str(&self, key: &str) -> Result<&'a str> {
        match self.get(key)?.as_str() {
            Some(s) if safe_text(s, 2000) => Ok(s),
            Some(_) => Err(self.err(key, "holds control or invisible characters")),
            None => Err(self.err(key, "is not a string")),
        }
    }
    fn name(&self, key: &str) -> Result<&'a str> {
        let s = self.str(key)?;
        if s.trim().is_empty() || s.chars().count() > 200 {
            return Err(self.err(key, "must be a name of 1 to 200 characters"));
        }
        Ok(s)
    }
    fn file(&self, key: &str) -> Result<&'a str> {
        let s = self.str(key)?;
        if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') {
            return Err(self.err(key, "must be a bare file name"));
        }
        Ok(s)
    }
    fn hex32(&self, key: &str) -> Result<[u8; 32]> {
        self.get(key)?
            .as_str()
            .and_then(hex32)
            .ok_or_else(|| self.err(key, "is not 64 lower-case hex digits"))
    }
    fn hex_str(&self, key: &str) -> Result<String> {
        Ok(hex::encode(self.hex32(key)?))
    }
    fn u64(&self, key: &str) -> Result<u64> {
        self.get(key)?
            .as_u64()
            .ok_or_else(|| self.err(key, "is not a non-negative integer"))
    }
    fn u8(&self, key: &str) -> Result<u8> {
        u8::try_from(self.u64(key)?).map_err(|_| self.err(key, "is larger than 255"))
    }
    fn bool(&self, key: &str) -> Result<bool> {
        self.get(key)?
            .as_bool()
            .ok_or_else(|| self.err(key, "is not true or false"))
    }
    fn obj(&self, key: &str) -> Result<D<'a>> {
        let m = self
            .get(key)?
            .as_object()
            .ok_or_else(|| self.err(key, "is not an object"))?;
        Ok(D {
            e: self.e,
            m,
            path: format!("{}.{key}", self.path),
        })
    }
    fn arr(&self, key: &str) -> Result<&'a Vec<Value>> {
        self.get(key)?
            .as_array()
            .ok_or_else(|| self.err(key, "is not an array"))
    }
}

fn parse_header(e: &Entry) -> Result<Header> {
    if e.action != "header" {
        return Err(at(
            e,
            "script",
            format!("the first entry must be `header`, found `{}`", e.action),
        ));
    }
    if e.actors != [TOOL_ACTOR] {
        return Err(at(e, "script", "the header's actors must be [\"rootkey\"]"));
    }
    let d = D::of(e);
    d.keys(&[
        "ceremony",
        "format",
        "participants",
        "plan",
        "preflight",
        "quorum",
        "tool",
    ])?;
    if d.str("format")? != FORMAT {
        return Err(d.err("format", &format!("is not \"{FORMAT}\"")));
    }
    let c = d.obj("ceremony")?;
    c.keys(&["id", "kind", "name", "rehearsal"])?;
    let id = c.str("id")?;
    if id.len() != 32 || hex::decode(id).is_err() || id.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(c.err("id", "is not 32 lower-case hex digits"));
    }
    let kind = Kind::parse(c.str("kind")?)
        .ok_or_else(|| c.err("kind", "is not generation, rehearsal or quorum-check"))?;
    let name = c.name("name")?.to_string();
    let rehearsal = c.bool("rehearsal")?;
    if kind == Kind::Rehearsal && !rehearsal {
        return Err(c.err("rehearsal", "must be true for a rehearsal"));
    }
    let q = d.obj("quorum")?;
    q.keys(&["shares", "threshold"])?;
    let (k, n) = (q.u8("threshold")?, q.u8("shares")?);
    crate::share::check_k_n(k, n).map_err(|x| at(e, "malformed", x.message))?;
    let plan = match d.get("plan")? {
        Value::Null => None,
        _ => {
            let p = d.obj("plan")?;
            p.keys(&["file", "sha256"])?;
            Some((p.file("file")?.to_string(), p.hex_str("sha256")?))
        }
    };
    if (kind == Kind::QuorumCheck) != plan.is_none() {
        return Err(d.err(
            "plan",
            "must be null exactly for a quorum check (generation and rehearsal run a plan)",
        ));
    }
    let t = d.obj("tool")?;
    t.keys(&["binary_sha256", "name", "version"])?;
    if t.str("name")? != "rootkey" {
        return Err(t.err("name", "is not \"rootkey\""));
    }
    let tool_version = t.name("version")?.to_string();
    let binary_sha256 = t.hex_str("binary_sha256")?;
    let p = d.obj("preflight")?;
    p.keys(&[
        "clock",
        "core_dumps_disabled",
        "host",
        "kernel",
        "memory_locked",
        "network_interfaces_up",
        "process_dumpable",
        "swap_active",
    ])?;
    if !is_time_string(p.str("clock")?) {
        return Err(p.err("clock", "is not YYYY-MM-DDTHH:MM:SS.sssZ"));
    }
    for b in [
        "core_dumps_disabled",
        "memory_locked",
        "process_dumpable",
        "swap_active",
    ] {
        p.bool(b)?;
    }
    p.str("host")?;
    p.str("kernel")?;
    for v in p.arr("network_interfaces_up")? {
        if !v.as_str().is_some_and(|s| safe_text(s, 200)) {
            return Err(p.err("network_interfaces_up", "holds something other than names"));
        }
    }
    let mut participants = Vec::new();
    for (i, v) in d.arr("participants")?.iter().enumerate() {
        let m = v
            .as_object()
            .ok_or_else(|| d.err("participants", "holds something other than objects"))?;
        let pd = D {
            e,
            m,
            path: format!("details.participants[{i}]"),
        };
        pd.keys(&["name", "role", "share"])?;
        let share = match pd.get("share")? {
            Value::Null => None,
            _ => Some(pd.u8("share")?),
        };
        participants.push(Participant {
            name: pd.name("name")?.to_string(),
            role: pd.str("role")?.to_string(),
            share,
        });
    }
    // Each share index 1..n is held by exactly one listed participant.
    for idx in 1..=n {
        let c = participants.iter().filter(|p| p.share == Some(idx)).count();
        if c != 1 {
            return Err(d.err(
                "participants",
                &format!("must list exactly one holder of share {idx} (found {c})"),
            ));
        }
    }
    if let Some(p) = participants
        .iter()
        .find(|p| p.share.is_some_and(|s| s == 0 || s > n))
    {
        return Err(d.err(
            "participants",
            &format!("lists a share index outside 1…{n} for {}", p.name),
        ));
    }
    Ok(Header {
        kind,
        id: id.to_string(),
        name,
        rehearsal,
        plan,
        quorum: (k, n),
        participants,
        tool_version,
        binary_sha256,
        preflight: p.m.clone(),
    })
}

/// Facts gathered from the script for the later checks.
#[derive(Default)]
struct Facts<'a> {
    /// Every entry that states the ceremony's root public key.
    root_keys: Vec<(&'a Entry, [u8; 32])>,
    /// Every entry that states the root certificate's DER hash.
    certificate_hashes: Vec<(&'a Entry, String)>,
    /// (entry, file, sha256, what it is) of every artifact.
    artifacts: Vec<(&'a Entry, String, String, Artifact)>,
    /// (entry, share index, envelope SHA-256 hex) of every share written or presented.
    envelopes: Vec<(&'a Entry, u8, String)>,
    /// The ceremony id the manifest must carry.
    manifest_ceremony_id: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Artifact {
    Root,
    Manifest,
}

struct Cursor<'a> {
    es: &'a [Entry],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// The next entry if it is `action`; None when the transcript has ended (or ends with
    /// `aborted` here); an error for any other action.
    fn next(&mut self, action: &str, why: &str) -> Result<Option<&'a Entry>> {
        let Some(e) = self.es.get(self.pos) else {
            return Ok(None);
        };
        if e.action == "aborted" && self.pos + 1 == self.es.len() {
            return Ok(None);
        }
        if e.action != action {
            // Where the seal belongs, anything else is a damaged (or replaced) seal.
            let kind = if action == "seal" {
                "bad seal"
            } else {
                "script"
            };
            return Err(at(
                e,
                kind,
                format!("expected `{action}` ({why}), found `{}`", e.action),
            ));
        }
        self.pos += 1;
        Ok(Some(e))
    }

    fn peek_is(&self, action: &str) -> bool {
        self.es.get(self.pos).is_some_and(|e| e.action == action)
    }
}

fn actors_are(e: &Entry, want: &[&str]) -> Result<()> {
    if e.actors.iter().map(String::as_str).ne(want.iter().copied()) {
        return Err(at(
            e,
            "script",
            format!("actors are {:?}, expected {:?}", e.actors, want),
        ));
    }
    Ok(())
}

fn binom(n: u64, k: u64) -> u64 {
    (0..k).fold(1u64, |acc, i| acc * (n - i) / (i + 1))
}

macro_rules! step {
    ($cur:expr, $action:expr, $why:expr) => {
        match $cur.next($action, $why)? {
            Some(e) => e,
            None => return Ok(()),
        }
    };
}

fn check_script<'a>(es: &'a [Entry], h: &Header) -> Result<Facts<'a>> {
    let mut facts = Facts::default();
    let mut cur = Cursor { es, pos: 1 };
    let res = script_steps(&mut cur, h, &mut facts);
    res?;
    let sealed = es[..cur.pos].last().is_some_and(|p| p.action == "seal");
    // The script may stop at a final `aborted` entry (not after a seal).
    if !sealed && cur.pos + 1 == es.len() && es[cur.pos].action == "aborted" {
        cur.pos += 1;
    }
    if cur.pos < es.len() {
        let e = &es[cur.pos];
        let what = if sealed {
            format!(
                "`{}` after the seal: nothing may follow the seal (an entry was inserted after sealing)",
                e.action
            )
        } else if e.action == "aborted" {
            "`aborted` must be the last entry".to_string()
        } else {
            format!("unexpected `{}` here", e.action)
        };
        return Err(at(e, "script", what));
    }
    // The script may stop early; an `aborted` entry is checked for shape.
    if let Some(last) = es.last().filter(|e| e.action == "aborted") {
        let d = D::of(last);
        d.keys(&["reason"])?;
        d.str("reason")?;
        actors_are(last, &[TOOL_ACTOR])?;
    }
    Ok(facts)
}

fn script_steps<'a>(cur: &mut Cursor<'a>, h: &Header, facts: &mut Facts<'a>) -> Result<()> {
    let (k, n) = h.quorum;
    if matches!(h.kind, Kind::Generation | Kind::Rehearsal) {
        facts.manifest_ceremony_id = Some(h.id.clone());
        let e = step!(cur, "entropy", "the seed is made first");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(&["dice_rolls", "source"])?;
        let rolls = d.u64("dice_rolls")?;
        match d.str("source")? {
            "os" if rolls == 0 => {}
            "os+dice" if rolls >= crate::key::MIN_DICE_ROLLS as u64 => {}
            _ => {
                return Err(d.err(
                    "source",
                    "must be \"os\" with 0 dice rolls or \"os+dice\" with at least 99",
                ));
            }
        }
        let e = step!(cur, "key-generated", "the root key follows the seed");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(&["fingerprint", "public_key"])?;
        let pk = d.hex32("public_key")?;
        if d.hex32("fingerprint")? != cert::fingerprint(&pk) {
            return Err(d.err(
                "fingerprint",
                "is not the SHA-256 of the key's SubjectPublicKeyInfo",
            ));
        }
        facts.root_keys.push((e, pk));
        let e = step!(cur, "shares-split", "the seed is split next");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(&["shares", "subsets_checked", "threshold"])?;
        if (d.u8("threshold")?, d.u8("shares")?) != (k, n) {
            return Err(at(
                e,
                "script",
                "threshold and shares differ from the header's quorum",
            ));
        }
        if d.u64("subsets_checked")? != binom(n as u64, k as u64) {
            return Err(d.err(
                "subsets_checked",
                &format!("must be C({n}, {k}) = {}", binom(n as u64, k as u64)),
            ));
        }
        let e = step!(
            cur,
            "certificate-signed",
            "the root certificate is signed next"
        );
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(&[
            "certificate_sha256",
            "fingerprint",
            "not_after",
            "not_before",
            "serial",
            "subject",
        ])?;
        if d.hex32("fingerprint")? != cert::fingerprint(&pk) {
            return Err(d.err("fingerprint", "is not the generated key's fingerprint"));
        }
        facts
            .certificate_hashes
            .push((e, d.hex_str("certificate_sha256")?));
        for t in ["not_after", "not_before"] {
            let s = d.str(t)?;
            if s.len() != 20 || !is_time_string(&format!("{}.000Z", &s[..19.min(s.len())])) {
                return Err(d.err(t, "is not YYYY-MM-DDTHH:MM:SSZ"));
            }
        }
        let serial = d.str("serial")?;
        if serial.is_empty() || serial.len() > 42 || hex::decode(serial).is_err() {
            return Err(d.err("serial", "is not a hex serial number"));
        }
        d.str("subject")?;
        for idx in 1..=n {
            let e = step!(cur, "share-written", "one per holder, in plan order");
            let d = D::of(e);
            d.keys(&[
                "envelope_sha256",
                "file",
                "holder",
                "index",
                "medium",
                "role",
            ])?;
            if d.u8("index")? != idx {
                return Err(d.err(
                    "index",
                    &format!("must be {idx} (shares are written in order)"),
                ));
            }
            let holder = d.name("holder")?;
            let p = h
                .participants
                .iter()
                .find(|p| p.share == Some(idx))
                .ok_or_else(|| d.err("index", "has no holder in the header"))?;
            if p.name != holder || p.role != d.str("role")? {
                return Err(at(
                    e,
                    "script",
                    format!(
                        "share {idx} was written for \"{holder}\", but the header gives it to \"{}\" ({})",
                        p.name, p.role
                    ),
                ));
            }
            actors_are(e, &[TOOL_ACTOR, holder])?;
            facts
                .envelopes
                .push((e, idx, d.hex_str("envelope_sha256")?));
            d.file("file")?;
            d.name("medium")?;
        }
        for file in ["root.pem", "manifest.json"] {
            let e = step!(cur, "artifact-written", "root.pem, then manifest.json");
            actors_are(e, &[TOOL_ACTOR])?;
            let d = D::of(e);
            d.keys(&["file", "sha256"])?;
            if d.file("file")? != file {
                return Err(d.err("file", &format!("must be {file} at this step")));
            }
            let role = if file == "root.pem" {
                Artifact::Root
            } else {
                Artifact::Manifest
            };
            facts
                .artifacts
                .push((e, file.to_string(), d.hex_str("sha256")?, role));
        }
        if h.kind == Kind::Generation {
            step!(cur, "seal", "a generation ends with the seal");
            return Ok(());
        }
        let e = step!(
            cur,
            "key-wiped",
            "the generated key is wiped before the rebuild"
        );
        actors_are(e, &[TOOL_ACTOR])?;
        D::of(e).keys(&[])?;
    }
    // Quorum check (also the second half of a rehearsal).
    let e = step!(
        cur,
        "context-loaded",
        "the root certificate and manifest are loaded first"
    );
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(&["manifest", "root"])?;
    let m = d.obj("manifest")?;
    m.keys(&["ceremony_id", "file", "sha256"])?;
    let mid = m.str("ceremony_id")?;
    if mid.len() != 32 || hex::decode(mid).is_err() {
        return Err(m.err("ceremony_id", "is not 32 lower-case hex digits"));
    }
    if h.kind == Kind::Rehearsal && mid != h.id {
        return Err(m.err("ceremony_id", "must be this rehearsal's id"));
    }
    let mfile = m.file("file")?.to_string();
    facts
        .artifacts
        .push((e, mfile, m.hex_str("sha256")?, Artifact::Manifest));
    facts.manifest_ceremony_id = Some(mid.to_string());
    let r = d.obj("root")?;
    r.keys(&[
        "certificate_sha256",
        "file",
        "fingerprint",
        "public_key",
        "sha256",
    ])?;
    let pk = r.hex32("public_key")?;
    if r.hex32("fingerprint")? != cert::fingerprint(&pk) {
        return Err(r.err(
            "fingerprint",
            "is not the SHA-256 of the key's SubjectPublicKeyInfo",
        ));
    }
    if let Some((first, k0)) = facts.root_keys.first()
        && *k0 != pk
    {
        return Err(at(
            e,
            "script",
            format!(
                "the loaded root key differs from the one generated at {}",
                first.at()
            ),
        ));
    }
    facts.root_keys.push((e, pk));
    facts
        .certificate_hashes
        .push((e, r.hex_str("certificate_sha256")?));
    let rfile = r.file("file")?.to_string();
    facts
        .artifacts
        .push((e, rfile, r.hex_str("sha256")?, Artifact::Root));
    let mut presented: Vec<u8> = Vec::new();
    while cur.peek_is("share-presented") {
        let e = step!(cur, "share-presented", "holders present their shares");
        let d = D::of(e);
        d.keys(&["corrections", "envelope_sha256", "file", "holder", "index"])?;
        let idx = d.u8("index")?;
        if idx == 0 || idx > n {
            return Err(d.err("index", &format!("must be within 1…{n}")));
        }
        if presented.contains(&idx) {
            return Err(at(e, "script", format!("share {idx} was presented twice")));
        }
        presented.push(idx);
        let holder = d.name("holder")?;
        let p = h.participants.iter().find(|p| p.share == Some(idx));
        if p.is_none_or(|p| p.name != holder) {
            return Err(at(
                e,
                "script",
                format!(
                    "share {idx} is presented by \"{holder}\", who does not hold it per the header"
                ),
            ));
        }
        actors_are(e, &[holder])?;
        d.u64("corrections")?;
        facts
            .envelopes
            .push((e, idx, d.hex_str("envelope_sha256")?));
        d.file("file")?;
    }
    let e = step!(
        cur,
        "key-rebuilt",
        "the quorum rebuilds the key after the shares"
    );
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(&["public_key", "quorum"])?;
    if d.hex32("public_key")? != pk {
        return Err(at(
            e,
            "script",
            "the rebuilt key is not the loaded root key",
        ));
    }
    facts.root_keys.push((e, pk));
    let mut quorum = BTreeSet::new();
    for v in d.arr("quorum")? {
        let i = v
            .as_u64()
            .and_then(|i| u8::try_from(i).ok())
            .ok_or_else(|| d.err("quorum", "holds something other than share indices"))?;
        if !presented.contains(&i) || !quorum.insert(i) {
            return Err(d.err(
                "quorum",
                &format!("lists share {i}, which was not presented or is listed twice"),
            ));
        }
    }
    if quorum.len() != k as usize {
        return Err(d.err("quorum", &format!("must list exactly {k} shares")));
    }
    for &idx in presented.iter().filter(|i| !quorum.contains(i)) {
        let e = step!(
            cur,
            "share-checked",
            "each further share is checked against the quorum"
        );
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(&["agrees", "index"])?;
        if d.u8("index")? != idx {
            return Err(d.err(
                "index",
                &format!("must be {idx} (further shares in the order presented)"),
            ));
        }
        d.bool("agrees")?;
    }
    step!(cur, "seal", "the ceremony ends with the seal");
    Ok(())
}

/// The seal's unsigned form and signature; None if the shape is wrong.
fn seal_parts(e: &Entry) -> Option<(Value, [u8; 32], [u8; 64])> {
    let sig_hex = e.details.get("signature")?.as_str()?;
    if sig_hex.len() != 128 || sig_hex.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut sig = [0u8; 64];
    hex::decode_to_slice(sig_hex, &mut sig).ok()?;
    let pk = hex32(e.details.get("public_key")?.as_str()?)?;
    let mut details = e.details.clone();
    details.remove("signature");
    let mut m = Map::new();
    m.insert("action".into(), Value::from(e.action.clone()));
    m.insert("actors".into(), Value::from(e.actors.clone()));
    m.insert("details".into(), Value::Object(details));
    m.insert("prev".into(), Value::from(hex::encode(e.prev)));
    m.insert("seq".into(), Value::from(e.seq));
    m.insert("time".into(), Value::from(e.time.clone()));
    Some((Value::Object(m), pk, sig))
}

fn verify_sig(domain: &[u8], unsigned: &Value, pk: &[u8; 32], sig: &[u8; 64]) -> bool {
    let Ok(msg) = signed_message(domain, unsigned) else {
        return false;
    };
    let Ok(vk) = VerifyingKey::from_bytes(pk) else {
        return false;
    };
    vk.verify_strict(&msg, &Signature::from_bytes(sig)).is_ok()
}

/// Some(valid?) for a seal entry with a well-formed signature.
fn seal_signature_ok(e: &Entry) -> Option<bool> {
    let (unsigned, pk, sig) = seal_parts(e)?;
    Some(verify_sig(SEAL_DOMAIN, &unsigned, &pk, &sig))
}

/// Checks the seal; every defect of the seal entry is reported as a bad seal.
fn check_seal(e: &Entry, facts: &Facts<'_>) -> Result<[u8; 32]> {
    check_seal_entry(e, facts).map_err(|mut err| {
        for kind in [": malformed: ", ": script: "] {
            if let Some(i) = err.message.find(kind) {
                err.message.replace_range(i..i + kind.len(), ": bad seal: ");
                break;
            }
        }
        err
    })
}

fn check_seal_entry(e: &Entry, facts: &Facts<'_>) -> Result<[u8; 32]> {
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(&["head", "public_key", "signature"])?;
    if d.hex32("head")? != e.prev {
        return Err(at(
            e,
            "bad seal",
            "`head` is not the hash of the entry before the seal",
        ));
    }
    let Some((unsigned, pk, sig)) = seal_parts(e) else {
        return Err(d.err("signature", "is not 128 lower-case hex digits"));
    };
    if let Some((first, k)) = facts.root_keys.first()
        && *k != pk
    {
        return Err(at(
            e,
            "bad seal",
            format!(
                "sealed by key {}, which is not the root key recorded at {} ({}): the seal was replaced",
                crate::ceremony::fingerprint_display(&cert::fingerprint(&pk)),
                first.at(),
                crate::ceremony::fingerprint_display(&cert::fingerprint(k)),
            ),
        ));
    }
    if !verify_sig(SEAL_DOMAIN, &unsigned, &pk, &sig) {
        return Err(at(
            e,
            "bad seal",
            "the root key's signature does not verify: the seal entry was modified or forged",
        ));
    }
    Ok(pk)
}

fn check_attestations(
    path: &Path,
    bytes: &[u8],
    head: &[u8; 32],
    witnesses: Option<&[[u8; 32]]>,
) -> Result<Vec<Attestation>> {
    let file = path.display().to_string();
    let mut out: Vec<Attestation> = Vec::new();
    if bytes.is_empty() {
        return Ok(out);
    }
    if bytes.last() != Some(&b'\n') {
        let line = bytes.split(|&b| b == b'\n').count();
        return Err(bad(format!(
            "{file}, line {line}: truncated: the last attestation has no line end"
        )));
    }
    let mut prev = *head;
    for (i, l) in bytes[..bytes.len() - 1].split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let here = format!("{file}, attestation seq {i} (line {line})");
        let m = parse_canonical(l).map_err(|w| bad(format!("{here}: modified: {w}")))?;
        exact_keys(
            &m,
            &["head", "prev", "seq", "signature", "time", "witness"],
            "the attestation",
        )
        .map_err(|w| bad(format!("{here}: malformed: {w}")))?;
        let malformed = |w: &str| bad(format!("{here}: malformed: {w}"));
        if m["seq"].as_u64() != Some(i as u64) {
            return Err(bad(format!(
                "{here}: reordered or deleted: its seq is {}, expected {i}",
                m["seq"]
            )));
        }
        let time = m["time"]
            .as_str()
            .filter(|t| is_time_string(t))
            .ok_or_else(|| malformed("`time` is not YYYY-MM-DDTHH:MM:SS.sssZ"))?;
        if m["head"].as_str().and_then(hex32) != Some(*head) {
            return Err(bad(format!(
                "{here}: attests another transcript head, not this transcript's seal"
            )));
        }
        if m["prev"].as_str().and_then(hex32) != Some(prev) {
            return Err(bad(format!(
                "{here}: modified, deleted or reordered: `prev` does not link to the {}",
                if i == 0 {
                    "sealed head".to_string()
                } else {
                    format!("attestation on line {}", line - 1)
                }
            )));
        }
        let w = m["witness"]
            .as_object()
            .ok_or_else(|| malformed("`witness` is not an object"))?;
        exact_keys(w, &["name", "public_key"], "`witness`").map_err(|x| malformed(&x))?;
        let name = w["name"]
            .as_str()
            .filter(|s| !s.trim().is_empty() && safe_text(s, 200))
            .ok_or_else(|| {
                malformed("`witness.name` must be a name of 1 to 200 safe characters")
            })?;
        let pk = w["public_key"]
            .as_str()
            .and_then(hex32)
            .ok_or_else(|| malformed("`witness.public_key` is not 64 lower-case hex digits"))?;
        let sig_hex = m["signature"].as_str().unwrap_or_default();
        let mut sig = [0u8; 64];
        if sig_hex.len() != 128
            || sig_hex.bytes().any(|b| b.is_ascii_uppercase())
            || hex::decode_to_slice(sig_hex, &mut sig).is_err()
        {
            return Err(malformed("`signature` is not 128 lower-case hex digits"));
        }
        let mut unsigned = m.clone();
        unsigned.remove("signature");
        if !verify_sig(ATTESTATION_DOMAIN, &Value::Object(unsigned), &pk, &sig) {
            return Err(bad(format!(
                "{here}: bad signature: the attestation by \"{name}\" does not verify under its key (modified or forged)"
            )));
        }
        if let Some(o) = out.iter().find(|a| a.public_key == pk) {
            return Err(bad(format!(
                "{here}: the key of \"{name}\" already attested on line {}",
                o.line
            )));
        }
        let known = witnesses.map(|list| list.contains(&pk));
        if known == Some(false) {
            return Err(bad(format!(
                "{here}: unknown witness: \"{name}\" signed with key {}, which is not in the witness list",
                crate::ceremony::fingerprint_display(&cert::fingerprint(&pk))
            )));
        }
        out.push(Attestation {
            seq: i as u64,
            line,
            time: time.to_string(),
            name: name.to_string(),
            public_key: pk,
            known,
            hash: Sha256::digest(l).into(),
        });
        prev = Sha256::digest(l).into();
    }
    Ok(out)
}

fn h_is_generation(h: &Header) -> bool {
    matches!(h.kind, Kind::Generation | Kind::Rehearsal)
}

/// An artifact whose hash matches must also say what the transcript says: root.pem holds the
/// recorded root key; manifest.json names that key, this ceremony and the recorded envelopes.
/// (Catches a transcript re-forged around genuine artifacts.)
fn check_artifact_content(
    e: &Entry,
    p: &Path,
    bytes: &[u8],
    role: Artifact,
    facts: &Facts<'_>,
    h: &Header,
) -> Result<()> {
    let shown = p.display().to_string();
    let keys: Vec<[u8; 32]> = facts.root_keys.iter().map(|(_, k)| *k).collect();
    let fail = |what: String| at(e, "artifact", format!("{shown}: {what}"));
    match role {
        Artifact::Root => {
            let c = RootCert::from_pem(bytes, &shown).map_err(|x| fail(x.message))?;
            if keys.iter().any(|k| *k != c.public_key_bytes()) {
                return Err(fail(format!(
                    "holds root key {}, but the transcript records another root key",
                    crate::ceremony::fingerprint_display(&c.fingerprint)
                )));
            }
            let der = hex::encode(Sha256::digest(&c.der));
            if facts.certificate_hashes.iter().any(|(_, h)| *h != der) {
                return Err(fail(
                    "is not the certificate whose SHA-256 the transcript records".into(),
                ));
            }
        }
        Artifact::Manifest => {
            let m =
                crate::manifest::Manifest::from_json(bytes, &shown).map_err(|x| fail(x.message))?;
            if keys.iter().any(|k| hex::encode(k) != m.root.public_key) {
                return Err(fail(
                    "names another root key than the one the transcript records".into(),
                ));
            }
            if let Some(id) = &facts.manifest_ceremony_id
                && *id != m.ceremony.id
            {
                return Err(fail(format!(
                    "belongs to ceremony {}, the transcript records ceremony {id}",
                    m.ceremony.id
                )));
            }
            if let (true, Some((_, sha))) = (h_is_generation(h), &h.plan)
                && *sha != m.ceremony.plan_sha256
            {
                return Err(fail("records another plan than the transcript".into()));
            }
            for (ee, idx, digest) in &facts.envelopes {
                let listed = m.shares.iter().find(|s| s.index == *idx);
                if listed.is_none_or(|s| s.envelope_sha256 != *digest) {
                    return Err(at(
                        ee,
                        "artifact",
                        format!(
                            "share {idx}'s envelope SHA-256 differs from the one {shown} lists"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

fn check_plan(path: &Path, e: &Entry, h: &Header) -> Result<()> {
    let Some((file, sha)) = &h.plan else {
        return Err(bad(format!(
            "{}: plan: a {} runs no plan, but --plan {} was given",
            e.at(),
            h.kind.as_str(),
            path.display()
        )));
    };
    let bytes = fsio::read_public(path, 1 << 20, "plan")?;
    let got = hex::encode(Sha256::digest(&bytes));
    if got != *sha {
        return Err(at(
            e,
            "plan",
            format!(
                "{} has SHA-256 {got}, but the ceremony ran plan {file} with SHA-256 {sha}",
                path.display()
            ),
        ));
    }
    let text = String::from_utf8_lossy(&bytes);
    let plan = Plan::parse(&text, &path.display().to_string())?;
    let want = super::plan_participants(&plan);
    let same = plan.ceremony.name == h.name
        && plan.ceremony.rehearsal == h.rehearsal
        && (plan.quorum.threshold, plan.quorum.shares) == h.quorum
        && want == h.participants;
    if !same {
        return Err(at(
            e,
            "plan",
            "the header's ceremony name, rehearsal flag, quorum or participants differ from the plan",
        ));
    }
    Ok(())
}

/// Parses an Ed25519 public key from SubjectPublicKeyInfo PEM (`openssl pkey -pubout`).
pub fn witness_key_from_pem(pem: &[u8], origin: &str) -> Result<[u8; 32]> {
    use ed25519_dalek::pkcs8::DecodePublicKey;
    let text = std::str::from_utf8(pem)
        .map_err(|_| Error::input(format!("witness key {origin}: not a PEM text file")))?;
    let vk = VerifyingKey::from_public_key_pem(text).map_err(|e| {
        Error::input(format!(
            "witness key {origin}: not an Ed25519 public key in PEM (\"BEGIN PUBLIC KEY\"): {e}"
        ))
        .hint("export it with: openssl pkey -in witness.pem -pubout -out witness.pub.pem")
    })?;
    Ok(vk.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::RootKey;
    use crate::secret::SecretBytes;
    use crate::transcript::{HeaderInfo, Recorder};
    use serde_json::json;
    use std::time::{Duration, UNIX_EPOCH};

    fn key(b: u8) -> RootKey {
        RootKey::from_seed(&SecretBytes::copy_from(&[b; 32]).unwrap()).unwrap()
    }

    fn preflight() -> Value {
        json!({
            "clock": "2028-02-29T12:34:56.000Z", "core_dumps_disabled": true, "host": "h",
            "kernel": "k", "memory_locked": true, "network_interfaces_up": [],
            "process_dumpable": false, "swap_active": false
        })
    }

    /// A complete, sealed quorum-check transcript built in memory.
    fn quorum_check(k: &RootKey) -> Vec<u8> {
        crate::secret::set_memory_policy(crate::secret::MemoryPolicy::AllowUnlocked);
        let info = HeaderInfo {
            ceremony_id: [1; 16],
            kind: Kind::QuorumCheck,
            name: "unit test".into(),
            rehearsal: true,
            plan: None,
            quorum: (2, 3),
            participants: (1..=3)
                .map(|i| Participant {
                    name: format!("H{i}"),
                    role: "holder".into(),
                    share: Some(i),
                })
                .collect(),
            preflight: preflight(),
        };
        let mut t = 1_830_000_000_000u64;
        let clock = Box::new(move || {
            t += 1;
            UNIX_EPOCH + Duration::from_millis(t)
        });
        let mut r = Recorder::in_memory_with(&info, [2; 32], clock).unwrap();
        let pk = k.public_key_bytes();
        r.record(
            &["rootkey"],
            "context-loaded",
            json!({
                "manifest": {"ceremony_id": hex::encode([3u8; 16]), "file": "manifest.json", "sha256": hex::encode([4u8; 32])},
                "root": {"certificate_sha256": hex::encode([5u8; 32]), "file": "root.pem",
                         "fingerprint": hex::encode(cert::fingerprint(&pk)), "public_key": hex::encode(pk),
                         "sha256": hex::encode([6u8; 32])}
            }),
        )
        .unwrap();
        for i in [1u8, 3, 2] {
            let h = format!("H{i}");
            r.record(
                &[&h],
                "share-presented",
                json!({"corrections": 0, "envelope_sha256": hex::encode([i; 32]), "file": format!("s{i}.txt"), "holder": h, "index": i}),
            )
            .unwrap();
        }
        r.record(
            &["rootkey"],
            "key-rebuilt",
            json!({"public_key": hex::encode(pk), "quorum": [1, 3]}),
        )
        .unwrap();
        r.record(
            &["rootkey"],
            "share-checked",
            json!({"agrees": true, "index": 2}),
        )
        .unwrap();
        r.seal(k).unwrap();
        r.bytes().unwrap().to_vec()
    }

    fn verdict(bytes: &[u8]) -> Verdict {
        replay_bytes("t", bytes, None, &ReplayOptions::default()).verdict
    }

    #[test]
    fn a_sealed_transcript_verifies() {
        let k = key(9);
        let t = quorum_check(&k);
        assert!(matches!(verdict(&t), Verdict::Sealed), "{:?}", verdict(&t));
    }

    /// Every single-byte change anywhere is detected and blamed on the line it is in.
    #[test]
    fn every_byte_flip_is_detected_at_its_line() {
        let k = key(9);
        let t = quorum_check(&k);
        let line_of = |pos: usize| t[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        for pos in (0..t.len()).step_by(3) {
            let mut m = t.clone();
            m[pos] ^= 0x01;
            let line = line_of(pos);
            match verdict(&m) {
                Verdict::Invalid(e) => {
                    let msg = e.message;
                    assert!(
                        msg.contains(&format!("line {line})"))
                            || msg.contains(&format!("line {line}:"))
                            || msg.contains(&format!("lines {line} "))
                            || msg.contains(&format!("line {line} (")),
                        "byte {pos} (line {line}): {msg}"
                    );
                }
                other => panic!("byte {pos} (line {line}) not detected: {other:?}"),
            }
        }
    }

    #[test]
    fn removing_the_seal_leaves_an_unsealed_transcript() {
        let k = key(9);
        let t = quorum_check(&k);
        let cut = t[..t.len() - 1].iter().rposition(|&b| b == b'\n').unwrap() + 1;
        match verdict(&t[..cut]) {
            Verdict::Unsealed(w) => assert!(w.contains("entry seq 6 (line 7)"), "{w}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_seal_by_another_key_is_refused() {
        let t = quorum_check(&key(9));
        let other = quorum_check(&key(10));
        // Same entries except the keys: splice this transcript's seal onto the other one's
        // body is caught by the chain; re-sealing the body with another key by the seal check.
        let body_end = t[..t.len() - 1].iter().rposition(|&b| b == b'\n').unwrap() + 1;
        let mut spliced = t[..body_end].to_vec();
        spliced.extend_from_slice(
            &other[other[..other.len() - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .unwrap()
                + 1..],
        );
        assert!(matches!(verdict(&spliced), Verdict::Invalid(_)));
    }

    #[test]
    fn time_strings() {
        assert!(is_time_string("2028-02-29T12:34:56.789Z"));
        for bad in [
            "2028-02-29T12:34:56Z",
            "2028-13-01T00:00:00.000Z",
            "2028-02-29 12:34:56.789Z",
            "2028-02-29T24:00:00.000Z",
            "",
        ] {
            assert!(!is_time_string(bad), "{bad}");
        }
    }

    #[test]
    fn attestations_sit_next_to_the_transcript() {
        assert_eq!(
            attestations_path(Path::new("a/transcript.jsonl")),
            Path::new("a/transcript.attestations")
        );
        assert_eq!(
            attestations_path(Path::new("t")),
            Path::new("t.attestations")
        );
    }

    #[test]
    fn a_closed_recorder_refuses_more_entries() {
        let k = key(9);
        let info = HeaderInfo {
            ceremony_id: [1; 16],
            kind: Kind::Generation,
            name: "x".into(),
            rehearsal: true,
            plan: Some(("p.toml".into(), [0; 32])),
            quorum: (2, 2),
            participants: vec![],
            preflight: preflight(),
        };
        let mut r = Recorder::in_memory(&info).unwrap();
        r.seal(&k).unwrap();
        assert!(r.record(&["rootkey"], "entropy", json!({})).is_err());
        // abort after a seal does nothing.
        let n = r.len();
        r.abort("late").unwrap();
        assert_eq!(r.len(), n);
        // `recorded` turns an error into an `aborted` entry.
        let mut r = Recorder::in_memory(&info).unwrap();
        let e = crate::transcript::recorded(&mut r, |_| -> Result<()> {
            Err(Error::operator("too few shares"))
        })
        .unwrap_err();
        assert_eq!(e.message, "too few shares");
        let text = String::from_utf8(r.bytes().unwrap().to_vec()).unwrap();
        let last = text.lines().last().unwrap();
        assert!(
            last.contains("\"action\":\"aborted\"") && last.contains("too few shares"),
            "{last}"
        );
    }
}
