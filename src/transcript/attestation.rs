//! Witness attestations (`docs/formats.md`, "Witness attestations"): a witness signs the
//! sealed head of a transcript that verifies and was sealed by the root certificate they were
//! shown (of a complete share audit, which nothing seals: its completed head); the attestations file is locked while it is checked and appended to.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::{ATTESTATION_DOMAIN, attestations_path, signed_message, verify};
use crate::encoding::time::UtcTime;
use crate::error::{Error, Kind, Result};
use crate::fsio;
use crate::jcs;

/// What [`attest`] appended.
#[derive(Debug)]
pub struct AttestReport {
    /// The attestations file.
    pub path: PathBuf,
    /// The new attestation's `seq`.
    pub seq: u64,
    /// The witness's public key.
    pub public_key: [u8; 32],
    /// The sealed head that was attested.
    pub head: [u8; 32],
    /// Number of entries in the transcript.
    pub entries: usize,
    /// The root key that sealed the transcript (of a share audit: the root key it checked the
    /// shares against, which is the key of the given root.pem).
    pub seal_key: [u8; 32],
    /// The transcript is a complete share audit (its completed head was attested).
    pub completed_audit: bool,
    /// Ceremony kind, name and id (from the header).
    pub ceremony: (String, String, String),
}

/// Appends a witness attestation over the sealed head of `transcript`, which must verify, be
/// sealed, and be sealed by the key of `root` (a witness never signs a self-consistent forgery
/// sealed by some other key). `key_pem` is the witness's unencrypted PKCS#8 Ed25519 private key
/// (PEM). The attestations file is locked while it is checked and appended to.
pub fn attest(
    transcript: &Path,
    root: &crate::cert::RootCert,
    key_pem: &crate::secret::SecretBytes,
    name: &str,
) -> Result<AttestReport> {
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    let _scrub = crate::secret::ScrubOnDrop;
    if name.trim().is_empty()
        || name.chars().count() > 200
        || name.chars().any(crate::error::is_unsafe_char)
    {
        return Err(Error::new(
            Kind::Argument,
            "--name must be the witness's name: 1 to 200 characters, without control or invisible characters",
        ));
    }
    // The strict PEM reader, never quoting a line of the key file; the DER is zeroized.
    let expect = crate::pem::Expect {
        labels: &["PRIVATE KEY", "ENCRYPTED PRIVATE KEY"],
        what: "private key",
        one: true,
        der: false,
    };
    let (label, der) = crate::pem::read_secret(key_pem.as_slice(), "witness key", &expect)?;
    if label == "ENCRYPTED PRIVATE KEY" {
        return Err(Error::new(Kind::Unsupported,
            "witness key: the key is encrypted; rootkey reads unencrypted PKCS#8 keys only",
        )
        .hint("decrypt it into RAM-backed storage, e.g. openssl pkey -in key.pem -out /dev/shm/key.pem"));
    }
    let key = crate::secret::LockedBox::new_with(|| {
        ed25519_dalek::SigningKey::from_pkcs8_der(&der).ok()
    })?;
    drop(der);
    let Some(key) = key.as_ref() else {
        return Err(Error::new(
            Kind::Unsupported,
            "witness key: not an Ed25519 private key in PKCS#8 PEM (\"BEGIN PRIVATE KEY\")",
        )
        .hint("create one with: openssl genpkey -algorithm ed25519 -out witness.pem"));
    };
    let path = attestations_path(transcript);
    let io = |what: &str, e: std::io::Error| {
        Error::new(Kind::Io, format!("{}: {what}: {e}", path.display()))
    };
    // Open (never through a symlink) and lock the attestations file first, so that two
    // witnesses attesting at once are serialised instead of both writing seq N.
    let created = std::fs::symlink_metadata(&path).is_err();
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(fsio::PUBLIC_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| {
            io(
                "cannot open for appending (it must be a regular file, not a link)",
                e,
            )
        })?;
    if !f.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(Error::new(
            Kind::PathIsLink,
            format!("{} is not a regular file", path.display()),
        ));
    }
    f.lock().map_err(|e| io("cannot lock", e))?;
    if created {
        f.set_permissions(std::fs::Permissions::from_mode(fsio::PUBLIC_MODE))
            .map_err(|e| io("cannot set the file mode", e))?;
    }
    let result = append_attestation(transcript, root, key, name, &mut f, &io);
    let _ = f.unlock();
    match result {
        Ok(mut report) => {
            if created {
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(|e| io("fsync of directory failed", e))?;
            }
            report.path = path;
            Ok(report)
        }
        Err(e) => {
            // Leave no empty attestations file behind.
            if created && f.metadata().map(|m| m.len() == 0).unwrap_or(false) {
                let _ = std::fs::remove_file(&path);
            }
            Err(e)
        }
    }
}

/// The checks and the append of [`attest`], with the attestations file open and locked.
fn append_attestation(
    transcript: &Path,
    root: &crate::cert::RootCert,
    key: &ed25519_dalek::SigningKey,
    name: &str,
    f: &mut File,
    io: &dyn Fn(&str, std::io::Error) -> Error,
) -> Result<AttestReport> {
    let public_key = key.verifying_key().to_bytes();
    let r = verify::replay(
        transcript,
        &verify::ReplayOptions {
            root: Some(root),
            ..verify::ReplayOptions::default()
        },
    )?;
    let head = match (&r.verdict, r.sealed_head) {
        (verify::Verdict::Sealed, Some(h)) => h,
        // A complete share audit: its completed head stands in for the sealed head.
        (verify::Verdict::Unsealed(_), Some(h)) if r.completed_audit => h,
        (verify::Verdict::Invalid(e), _) => {
            // The finding's kind when it is one (the exit code stays that of a verification
            // failure either way).
            let kind = match e.fault() {
                crate::error::Fault::Verification => e.kind,
                _ => Kind::General(crate::error::Fault::Verification),
            };
            return Err(Error::new(
                kind,
                format!("refusing to attest an invalid transcript: {}", e.message),
            ));
        }
        (verify::Verdict::Unsealed(_), _) | (verify::Verdict::Sealed, None) => {
            let why = why_unsealed(&r.verdict);
            return Err(Error::new(
                Kind::Attestation,
                format!(
                    "refusing to attest {}: it is not sealed ({why})",
                    transcript.display()
                ),
            ));
        }
    };
    if let Some(a) = r.attestations.iter().find(|a| a.public_key == public_key) {
        return Err(Error::new(
            Kind::Attestation,
            format!(
                "this key already attested {} (attestation seq {}, as \"{}\")",
                transcript.display(),
                a.seq,
                a.name
            ),
        ));
    }
    let seq = r.attestations.len() as u64;
    let prev = r.attestations.last().map(|a| a.hash).unwrap_or(head);
    let mut m = Map::new();
    m.insert("head".into(), json!(hex::encode(head)));
    m.insert("prev".into(), json!(hex::encode(prev)));
    m.insert("seq".into(), json!(seq));
    m.insert("time".into(), json!(UtcTime::now()?.transcript_string()));
    m.insert(
        "witness".into(),
        json!({"name": name, "public_key": hex::encode(public_key)}),
    );
    let msg = signed_message(ATTESTATION_DOMAIN, &Value::Object(m.clone()))?;
    let sig = {
        use ed25519_dalek::Signer;
        key.sign(&msg)
    };
    m.insert("signature".into(), json!(hex::encode(sig.to_bytes())));
    let mut line = jcs::canonicalize(&Value::Object(m))?;
    line.push(b'\n');
    f.write_all(&line)
        .and_then(|()| f.sync_data())
        .map_err(|e| io("cannot append the attestation", e))?;
    let (kind, cname, id) = r
        .header
        .as_ref()
        .map(|h| (h.kind.as_str().to_string(), h.name.clone(), h.id.clone()))
        .unwrap_or_default();
    Ok(AttestReport {
        path: PathBuf::new(),
        seq,
        public_key,
        head,
        entries: r.entries.len(),
        seal_key: r.seal_key.unwrap_or_else(|| root.public_key_bytes()),
        completed_audit: r.completed_audit,
        ceremony: (kind, cname, id),
    })
}

fn why_unsealed(v: &verify::Verdict) -> String {
    match v {
        verify::Verdict::Unsealed(w) => w.clone(),
        _ => "no seal".into(),
    }
}
