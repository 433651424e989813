//! What every ceremony starts from: the verified public context (root.pem and manifest.json),
//! a new ceremony id, the transcript header, and the locked memory it needs.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::cert::RootCert;
use crate::encoding::names::base_name;
use crate::error::Kind as ErrorKind;
use crate::error::{Error, Result};
use crate::fsio;
use crate::manifest::Manifest;
use crate::plan::Plan;
use crate::transcript::{HeaderInfo, Kind, Participant};

/// Upper bound of the locked pages a generation ceremony with `n` shares holds at once (seed,
/// key, dice, and per share its point, envelope, text and compact forms and its file — a
/// paper shard PDF takes about four pages; plus working buffers).
pub fn locked_pages_needed(n: u8) -> usize {
    16 + 12 * n as usize
}

/// The transcript header of a generation or rehearsal run from `plan` (`plan_file` is the
/// plan's file name as recorded).
pub fn plan_header(
    plan: &Plan,
    plan_file: &str,
    kind: Kind,
    ceremony_id: [u8; 16],
    preflight: serde_json::Value,
) -> HeaderInfo {
    let participants = crate::transcript::plan_participants(plan);
    HeaderInfo {
        ceremony_id,
        kind,
        name: plan.ceremony.name.clone(),
        rehearsal: plan.ceremony.rehearsal,
        plan: Some((plan_file.to_string(), plan.sha256)),
        quorum: (plan.quorum.threshold, plan.quorum.shares),
        participants,
        preflight,
    }
}

/// The transcript header of a ceremony run against `ctx` (`combine`, `intermediate sign`,
/// `crl sign`): no plan; the participants are the manifest's holders.
pub fn quorum_header(
    ctx: &Context,
    kind: Kind,
    ceremony_id: [u8; 16],
    preflight: serde_json::Value,
) -> HeaderInfo {
    let m = &ctx.manifest;
    HeaderInfo {
        ceremony_id,
        kind,
        name: m.ceremony.name.clone(),
        rehearsal: m.ceremony.rehearsal,
        plan: None,
        quorum: (m.threshold, m.shares_total),
        participants: m
            .shares
            .iter()
            .map(|s| Participant {
                name: s.holder.clone(),
                role: s.role.clone(),
                share: Some(s.index),
            })
            .collect(),
        preflight,
    }
}

/// A new random ceremony id.
pub fn new_ceremony_id() -> Result<[u8; 16]> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|e| {
        Error::new(
            ErrorKind::Random,
            format!("the OS random number generator failed: {e}"),
        )
    })?;
    Ok(id)
}

/// Largest root.pem read.
pub const MAX_ROOT_BYTES: u64 = 64 * 1024;
/// Largest manifest.json read.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// The verified public context of a ceremony: its root certificate and signed manifest.
pub struct Context {
    /// The root certificate.
    pub root: RootCert,
    /// The verified manifest.
    pub manifest: Manifest,
    /// root.pem's file name and SHA-256 of its bytes.
    pub root_file: (String, [u8; 32]),
    /// manifest.json's file name and SHA-256 of its bytes.
    pub manifest_file: (String, [u8; 32]),
}

impl Context {
    /// Loads root.pem and manifest.json (each read once) and verifies the manifest's signature.
    pub fn load(manifest: &Path, root: &Path) -> Result<Context> {
        let root_bytes = fsio::read_public(root, MAX_ROOT_BYTES, "root certificate")?;
        let m_bytes = fsio::read_public(manifest, MAX_MANIFEST_BYTES, "manifest")?;
        Context::from_bytes(&m_bytes, manifest, &root_bytes, root)
    }

    /// As [`Context::load`], from bytes already read (`manifest` and `root` name the files).
    pub fn from_bytes(
        m_bytes: &[u8],
        manifest: &Path,
        root_bytes: &[u8],
        root: &Path,
    ) -> Result<Context> {
        let root_cert =
            RootCert::from_pem(root_bytes, &format!("root certificate {}", root.display()))?;
        let m = Manifest::from_json(m_bytes, &manifest.display().to_string())?;
        m.verify(&root_cert, &manifest.display().to_string())?;
        Ok(Context {
            root: root_cert,
            manifest: m,
            root_file: (base_name(root), Sha256::digest(root_bytes).into()),
            manifest_file: (base_name(manifest), Sha256::digest(m_bytes).into()),
        })
    }
}
