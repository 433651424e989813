//! Replaying a transcript (`rootkey transcript verify`): lines, chain, script, seal,
//! attestations, artifacts and plan, in the order `docs/formats.md` ("Replay") gives. The first
//! failure is reported with the entry's `seq` and line and what kind of tampering it shows.
//!
//! [`chain`] parses lines and diagnoses breaks in the hash chain; [`header`] checks the header
//! and [`script`] the order of actions ([`details`] reads their members); [`checks`] holds the
//! seal, attestation, artifact and plan checks.

mod audit;
mod chain;
#[cfg(test)]
mod chain_tests;
mod checks;
mod crl_artifact;
mod details;
mod entry;
mod header;
mod quorum;
mod screens;
mod script;
mod signing;
#[cfg(test)]
mod tests;
mod token;

pub use chain::verify_chain;
pub use checks::witness_key_from_pem;
use checks::{check_artifact_content, check_attestations, check_plan, check_seal};
pub use entry::{Details, Entry};
use header::parse_header;
use script::check_script;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::event::{self, Action};
use super::{
    ATTESTATION_DOMAIN, FORMAT, Kind, MAX_FILE, MAX_LINE, Participant, SEAL_DOMAIN, TOOL_ACTOR,
    ZERO_HASH, attestations_path, signed_message,
};
use crate::cert::{self, RootCert};
use crate::encoding::time::UtcTime;
use crate::error::{Error, Result, TranscriptFailure as F, is_unsafe_char};
use crate::fsio;
use crate::jcs;
use crate::plan::Plan;

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
    /// The witness-list entry (e.g. the public key file) whose key this is; None when no
    /// list was given.
    pub listed_as: Option<String>,
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
    /// Hash of the seal entry, when sealed; of `audit-completed` (the completed head, which
    /// witnesses attest) for a complete share audit.
    pub sealed_head: Option<[u8; 32]>,
    /// The key that sealed, when sealed.
    pub seal_key: Option<[u8; 32]>,
    /// A share audit that reached `audit-completed` (complete, not sealed).
    pub completed_audit: bool,
    /// Valid attestations.
    pub attestations: Vec<Attestation>,
    /// What was checked, in order: (check, outcome).
    pub checks: Vec<(String, String)>,
    /// Whether the root keys were checked against a root certificate.
    pub root_checked: bool,
}

pub use crate::error::exit::transcript::{INVALID, SEALED, UNSEALED};

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
    /// The witnesses the auditor knows: (label, e.g. the key file, and public key).
    pub witnesses: Option<&'a [(String, [u8; 32])]>,
    /// Require an attestation by every listed witness.
    pub all_witnesses: bool,
}

/// A finding of category `f` (the message names it: [`F::word`]).
fn bad(f: F, what: impl Into<String>) -> Error {
    Error::new(crate::error::Kind::Transcript(f), what.into())
}

/// A finding of category `f` at entry `e`: `entry seq N (line L): WORD: what`.
fn at(e: &Entry, f: F, what: impl std::fmt::Display) -> Error {
    bad(f, format!("{}: {}: {what}", e.at(), f.word()))
}

/// Reads and replays the transcript at `path`. `Err` only when an input (the transcript, the
/// plan, the certificate) cannot be read at all; every finding is in [`Replay::verdict`].
pub fn replay(path: &Path, opts: &ReplayOptions<'_>) -> Result<Replay> {
    let bytes = fsio::read_public(path, MAX_FILE, "transcript")?;
    let att_path = attestations_path(path);
    // An empty attestations file (a witness's attempt that was refused) holds nothing.
    let att_bytes = if att_path.exists() {
        Some(fsio::read_public(&att_path, 16 << 20, "attestations file")?).filter(|b| !b.is_empty())
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
        completed_audit: false,
        attestations: Vec::new(),
        checks: Vec::new(),
        root_checked: opts.root.is_some(),
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
    // 1. Lines and 2. chain: the chain check (what `benches/transcript.rs` measures).
    let incomplete = chain::chain_steps(bytes, &mut r.entries)?;
    if r.entries.is_empty() {
        // Interrupted before the header was complete (docs/formats.md, "Interrupted").
        let why = match &incomplete {
            None => "the transcript is empty".to_string(),
            Some(p) => p.describe(),
        };
        let why = format!(
            "{why}: the ceremony was interrupted before its header was written; it records nothing, not even the ceremony's kind"
        );
        r.checks.push(("chain".into(), format!("NONE: {why}")));
        r.verdict = Verdict::Unsealed(why);
        return Ok(());
    }
    r.checks.push((
        "chain".into(),
        format!(
            "ok: {} entries, each linked to the one before by SHA-256{}",
            r.entries.len(),
            incomplete
                .map(|p| format!("; {} (ignored: an interrupted write)", p.describe()))
                .unwrap_or_default()
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
    r.checks
        .push(("findings".into(), findings(&r.entries, &header)));
    // 4. Seal (or why there is none).
    let last = &r.entries[r.entries.len() - 1];
    let mut unsealed = None;
    match last.kind() {
        Some(Action::Seal) => {
            let key = check_seal(last, &facts)?;
            r.sealed_head = Some(last.hash);
            r.seal_key = Some(key);
            r.checks.push((
                "seal".into(),
                format!(
                    "ok: {} signed by root key {}",
                    last.at(),
                    crate::encoding::hexfmt::fingerprint_display(&cert::fingerprint(&key))
                ),
            ));
        }
        Some(Action::AuditCompleted) => {
            r.sealed_head = Some(last.hash);
            r.completed_audit = true;
            r.checks
                .push(("share audit".into(), audit::outcome(last, &header)));
            unsealed = Some(audit::COMPLETE.to_string());
        }
        Some(Action::Aborted) => {
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
        _ => {
            unsealed = Some(match incomplete {
                Some(p) => format!(
                    "{}: the ceremony was interrupted while entry seq {} was written, after {} (`{}`), without a seal or an `aborted` entry",
                    p.describe(),
                    p.line - 1,
                    last.at(),
                    last.action
                ),
                None => format!(
                    "the transcript ends at {} (`{}`) without a seal or an `aborted` entry: the ceremony was interrupted, or its last entries were cut off",
                    last.at(),
                    last.action
                ),
            });
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
                    F::BadSeal,
                    format!(
                        "the root key recorded here ({}) is not the key of the given root certificate ({})",
                        crate::encoding::hexfmt::fingerprint_display(&cert::fingerprint(key)),
                        crate::encoding::hexfmt::fingerprint_display(&root.fingerprint)
                    ),
                ));
            }
        }
        let der_hash = hex::encode(Sha256::digest(&root.der));
        for (e, h) in &facts.certificate_hashes {
            if *h != der_hash {
                return Err(at(
                    e,
                    F::RootMismatch,
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
                crate::encoding::hexfmt::fingerprint_display(&root.fingerprint)
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
                return Err(bad(
                    F::Deleted,
                    format!(
                        "{}, attestation seq 0 (line 1): deleted: attestations exist but the transcript is not sealed: they attest a seal that is not in the transcript (was it cut off?)",
                        p.display()
                    ),
                ));
            };
            r.attestations = check_attestations(&p, b, &head, opts.witnesses)?;
            let names: Vec<String> = r
                .attestations
                .iter()
                .map(|a| {
                    format!(
                        "\"{}\" with key {}{}",
                        a.name,
                        crate::encoding::hexfmt::fingerprint_display(&cert::fingerprint(
                            &a.public_key
                        )),
                        a.listed_as
                            .as_ref()
                            .map(|l| format!(" = {l}"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            r.checks.push((
                "attestations".into(),
                format!(
                    "ok: {} valid: {}{}",
                    r.attestations.len(),
                    names.join("; "),
                    if opts.witnesses.is_some() {
                        " — every key in the witness list (names are as each witness typed them; the key is what counts)"
                    } else {
                        " — keys not checked against a witness list (pass --witnesses)"
                    }
                ),
            ));
        }
        None => r
            .checks
            .push(("attestations".into(), "none (no .attestations file)".into())),
    }
    if let Some(list) = opts.witnesses.filter(|_| opts.all_witnesses) {
        for (label, key) in list {
            if !r.attestations.iter().any(|a| a.public_key == *key) {
                return Err(bad(
                    F::MissingWitness,
                    format!(
                        "{}: missing witness: {label} (key {}) did not attest this transcript (--all-witnesses)",
                        attestations_path(Path::new(&r.path)).display(),
                        crate::encoding::hexfmt::fingerprint_display(&cert::fingerprint(key))
                    ),
                ));
            }
        }
        r.checks.push((
            "witnesses".into(),
            format!("ok: all {} listed witnesses attested", list.len()),
        ));
    }
    // 6. Artifacts.
    if let Some(dir) = opts.artifacts {
        for (e, file, sha, role) in &facts.artifacts {
            let p = dir.join(file);
            let b = fsio::read_public(&p, 64 << 20, "artifact").map_err(|err| {
                at(
                    e,
                    F::Artifact,
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
                    F::Artifact,
                    format!(
                        "{} has SHA-256 {got}, but the transcript recorded {sha}: the file was modified after the ceremony",
                        p.display()
                    ),
                ));
            }
            check_artifact_content(e, &p, &b, role, &facts, &header)?;
            crl_artifact::check_crl_list(&r.entries, header.kind, e, role, &p, &b)?;
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
    // 7. Plan. Only a generation or rehearsal runs one; for the other kinds `--plan` is
    // refused as a usage error by the command before this answer is shown.
    if header.plan.is_none() {
        r.checks.push((
            "plan".into(),
            format!("none: a {} runs no plan", header.kind.as_str()),
        ));
    } else if let Some(plan_path) = opts.plan {
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
    match unsealed {
        _ if r.completed_audit => r.verdict = audit::verdict(r, opts.witnesses.is_some()),
        Some(u) => r.verdict = Verdict::Unsealed(u),
        None => {}
    }
    Ok(())
}

/// Facts recorded faithfully that an auditor must not miss although the transcript is valid:
/// shares that disagreed with the quorum, and weak pre-flight conditions.
fn findings(es: &[Entry], h: &Header) -> String {
    let mut f = Vec::new();
    for e in es.iter().filter(|e| e.is(Action::ShareChecked)) {
        if e.details.get("agrees") == Some(&Value::Bool(false)) {
            f.push(format!(
                "ATTENTION: share {} did NOT agree with the quorum ({})",
                e.details.get("index").and_then(Value::as_u64).unwrap_or(0),
                e.at()
            ));
        }
    }
    let flag = |k: &str| h.preflight.get(k).and_then(Value::as_bool);
    if flag("swap_active") == Some(true) {
        f.push("swap was active".into());
    }
    if flag("memory_locked") == Some(false) {
        f.push("secret memory was NOT locked".into());
    }
    if flag("core_dumps_disabled") == Some(false) || flag("process_dumpable") == Some(true) {
        f.push("core dumps were possible".into());
    }
    let up = h
        .preflight
        .get("network_interfaces_up")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    if !up.is_empty() {
        let reason = h
            .preflight
            .get("network_exception")
            .and_then(|x| x.get("reason"))
            .and_then(Value::as_str);
        f.push(match reason {
            Some(r) => format!("network interface(s) up: {up} (exception recorded: {r})"),
            None => format!("network interface(s) up: {up}"),
        });
    }
    f.extend(signing::unproven_carrying(es));
    if let Some(a) = h.preflight.get("answers_file") {
        let s = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("?");
        f.push(format!(
            "questions answered from the answers file {} (SHA-256 {}){}",
            s("file"),
            s("sha256"),
            if a.get("unattended").and_then(Value::as_bool) == Some(true) {
                ", unattended acknowledged"
            } else {
                ""
            }
        ));
    }
    if f.is_empty() {
        "none: pre-flight clean, every share agreed".into()
    } else {
        f.join("; ")
    }
}
