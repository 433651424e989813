//! The ceremony transcript (`docs/formats.md`, "Ceremony transcript v1"): a hash-chained JSON
//! Lines log that every ceremony command appends to as things happen, sealed by the root key,
//! attested by witnesses, and replayed by auditors ([`verify`], [`report`]).
//!
//! Files: this one holds the format's constants, the header's contents and the rules shared by
//! writers and verifiers; [`event`] names every action and every `details` member once (the
//! recorder writes its events, the verifier and the report read by them); `recorder.rs` appends
//! entries as a ceremony runs, `facts.rs` gathers the pre-flight facts of the header,
//! `attestation.rs` appends witness attestations.

mod attestation;
pub mod crl_list;
pub mod event;
mod facts;
mod recorder;
pub mod report;
pub mod slip;
pub mod verify;

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::encoding::value_list::value_list;
use crate::error::{Error, Result};
use crate::jcs;

pub use attestation::{AttestReport, attest};
pub use facts::{
    OutputFacts, binary_sha256, network_interfaces_up, preflight, start_binary_sha256,
};
pub use recorder::{Clock, Recorder, interruption, recorded};

/// `header.details.format`.
pub const FORMAT: &str = "rootkey-transcript-v1";
/// The transcript's file name in a ceremony directory.
pub const FILE_NAME: &str = "transcript.jsonl";
/// Longest accepted line (without its newline).
pub const MAX_LINE: usize = 64 * 1024;
/// Largest accepted transcript file.
pub const MAX_FILE: u64 = 256 * 1024 * 1024;
/// Domain string of the seal signature (followed by a zero byte).
pub const SEAL_DOMAIN: &[u8] = b"rootkey-transcript-seal-v1\0";
/// Domain string of an attestation signature (followed by a zero byte).
pub const ATTESTATION_DOMAIN: &[u8] = b"rootkey-transcript-attestation-v1\0";
/// `prev` of the header entry.
pub const ZERO_HASH: [u8; 32] = [0; 32];
/// The actor name of steps the tool performs.
pub const TOOL_ACTOR: &str = "rootkey";

value_list! {
    /// What kind of ceremony a transcript records (`header.ceremony.kind`).
    pub enum Kind {
        /// `rootkey generate`.
        Generation = "generation",
        /// `rootkey rehearse`: generation, then a quorum check, in one transcript.
        Rehearsal = "rehearsal",
        /// `rootkey combine`.
        QuorumCheck = "quorum-check",
        /// `rootkey intermediate sign`: a quorum signs an intermediate CA certificate.
        Rotation = "rotation",
        /// `rootkey crl sign`: a quorum signs a certificate revocation list.
        Crl = "crl",
        /// `rootkey share audit`: each holder proves their share alone; no key is rebuilt.
        ShareAudit = "share-audit",
    }
}

/// A person taking part, as listed in the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// The share index they hold, if any.
    pub share: Option<u8>,
}

/// The participants a plan names: its `[[participants]]`, then its holders with their share
/// index (the order of the transcript header).
pub fn plan_participants(plan: &crate::plan::Plan) -> Vec<Participant> {
    let mut list: Vec<Participant> = plan
        .participants
        .iter()
        .map(|p| Participant {
            name: p.name.clone(),
            role: p.role.clone(),
            share: None,
        })
        .collect();
    list.extend(plan.holders.iter().enumerate().map(|(i, h)| Participant {
        name: h.name.clone(),
        role: h.role.clone(),
        share: Some(i as u8 + 1),
    }));
    list
}

/// Everything the header entry records besides the pre-flight facts.
#[derive(Clone, Debug)]
pub struct HeaderInfo {
    /// Ceremony id.
    pub ceremony_id: [u8; 16],
    /// Ceremony kind.
    pub kind: Kind,
    /// Ceremony name.
    pub name: String,
    /// Rehearsal?
    pub rehearsal: bool,
    /// Plan file base name and SHA-256 of its bytes.
    pub plan: Option<(String, [u8; 32])>,
    /// (threshold, shares).
    pub quorum: (u8, u8),
    /// Participants.
    pub participants: Vec<Participant>,
    /// The `preflight` object (see [`preflight`]).
    pub preflight: Value,
}

/// Checks that the file name of `path` can be recorded in a transcript (a bare name of at most
/// 2 000 characters without control or invisible characters), so that a ceremony never writes
/// a transcript its verifier refuses. `what` names the file in the error.
pub fn check_recordable_name(path: &Path, what: &str) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.chars().count() > 2000
        || name.chars().any(crate::error::is_unsafe_char)
    {
        return Err(Error::new(crate::error::Kind::Argument, format!(
            "{what} {}: its file name cannot be recorded in the transcript (control or invisible characters, or not a file name)",
            path.display()
        ))
        .hint("rename the file"));
    }
    Ok(())
}

/// The header entry's `details`.
pub fn header_details(info: &HeaderInfo, binary_sha256: &[u8; 32]) -> event::Header {
    event::Header {
        ceremony: event::Ceremony {
            id: hex::encode(info.ceremony_id),
            kind: info.kind,
            name: info.name.clone(),
            rehearsal: info.rehearsal,
        },
        format: FORMAT.into(),
        participants: info
            .participants
            .iter()
            .map(|p| event::Participant {
                name: p.name.clone(),
                role: p.role.clone(),
                share: p.share,
            })
            .collect(),
        plan: info.plan.as_ref().map(|(f, h)| event::PlanRef {
            file: f.clone(),
            sha256: hex::encode(h),
        }),
        preflight: info.preflight.clone(),
        quorum: event::Quorum {
            shares: info.quorum.1,
            threshold: info.quorum.0,
        },
        tool: event::Tool {
            binary_sha256: hex::encode(binary_sha256),
            name: TOOL_ACTOR.into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
    }
}

/// The path of the attestations file that belongs to `transcript`
/// (`transcript.jsonl` → `transcript.attestations`).
pub fn attestations_path(transcript: &Path) -> PathBuf {
    let name = transcript
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
    transcript.with_file_name(format!("{stem}.attestations"))
}

/// The seal or attestation message: `domain ‖ SHA-256(canonical JSON of unsigned)`.
pub fn signed_message(domain: &[u8], unsigned: &Value) -> Result<Vec<u8>> {
    let c = jcs::canonicalize(unsigned)?;
    let mut m = domain.to_vec();
    m.extend_from_slice(&Sha256::digest(&c));
    Ok(m)
}
