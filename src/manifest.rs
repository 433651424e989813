//! Share manifest (`docs/formats.md`, "Share manifest v1"): the public, root-signed list of a
//! ceremony's shares, with which any single share can be verified alone.
//!
//! The signature is Ed25519 by the root key over the RFC 8785 canonical JSON of the manifest
//! object without its `signature` member.

use ed25519_dalek::Signature;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cert::RootCert;
use crate::error::{Error, Kind, Result};
use crate::jcs;
use crate::key::RootKey;
use crate::plan::Medium;
use crate::share::{MAX_SHARES, ShareHeader};

mod token;
pub use token::{LOCATIONS, TokenEntry};

/// The `format` value of this version.
pub const FORMAT: &str = "rootkey-share-manifest-v1";

/// Ceremony facts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CeremonyInfo {
    /// 16-byte ceremony id, lowercase hex.
    pub id: String,
    /// Ceremony name from the plan.
    pub name: String,
    /// UTC time of generation, `YYYY-MM-DDTHH:MM:SSZ`.
    pub created: String,
    /// Rehearsal (throwaway key) or real ceremony.
    pub rehearsal: bool,
    /// Whether all secret memory was locked (false only with `--allow-unlocked-memory`).
    pub memory_locked: bool,
    /// SHA-256 of the plan file, lowercase hex.
    pub plan_sha256: String,
}

/// Root key facts.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RootInfo {
    /// Raw Ed25519 public key, lowercase hex (64 characters).
    pub public_key: String,
    /// SHA-256 of the SubjectPublicKeyInfo DER, lowercase hex.
    pub fingerprint: String,
    /// SHA-256 of the root certificate DER, lowercase hex.
    pub certificate_sha256: String,
}

/// One share. `M` is the medium: [`Medium`], except while a manifest is read (its text, checked
/// by Reading step 3 before it becomes a [`Medium`]).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ShareEntry<M = Medium> {
    /// Share index (Shamir x), 1..=n.
    pub index: u8,
    /// Holder's name.
    pub holder: String,
    /// Holder's role.
    pub role: String,
    /// Medium: `text`, `paper`, `pkcs11` or `yubikey` (the plan's medium for the holder).
    pub medium: M,
    /// SHA-256 of the 73-byte envelope, lowercase hex.
    pub envelope_sha256: String,
    /// The token and payload of a token medium; absent (never `null`) for `text` and `paper`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "token::present"
    )]
    pub token: Option<TokenEntry>,
}

/// The manifest document (`M`: see [`ShareEntry`]).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest<M = Medium> {
    /// Always [`FORMAT`].
    pub format: String,
    /// Ceremony facts.
    pub ceremony: CeremonyInfo,
    /// Root key facts.
    pub root: RootInfo,
    /// k.
    pub threshold: u8,
    /// n.
    pub shares_total: u8,
    /// The shares, by increasing index.
    pub shares: Vec<ShareEntry<M>>,
    /// Ed25519 signature, lowercase hex (128 characters); empty while unsigned.
    pub signature: String,
}

/// The first 16 characters of a hex string (all of it if shorter), for messages.
fn short(s: &str) -> &str {
    s.get(..16).unwrap_or(s)
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl<M: AsRef<str>> Manifest<M> {
    /// formats.md, "Share manifest v1", Reading step 3 (the structure, before any signature).
    fn check_structure(&self, origin: &str) -> Result<()> {
        let bad = |what: String| Error::new(Kind::Manifest, format!("manifest {origin}: {what}"));
        if self.format != FORMAT {
            return Err(bad(format!("format {:?} is not \"{FORMAT}\"", self.format)));
        }
        let (k, n) = (self.threshold, self.shares_total);
        if k < 2 || n > MAX_SHARES || k > n {
            return Err(bad(format!(
                "threshold {k} of {n} shares is outside 2 <= threshold <= shares_total <= {MAX_SHARES}"
            )));
        }
        let texts = [
            ("ceremony.name", self.ceremony.name.as_str()),
            ("ceremony.created", self.ceremony.created.as_str()),
        ];
        let entry_texts = self.shares.iter().flat_map(|s| {
            [
                ("holder", s.holder.as_str()),
                ("role", s.role.as_str()),
                ("medium", s.medium.as_ref()),
            ]
        });
        for (field, value) in texts.into_iter().chain(entry_texts) {
            if value.chars().any(crate::error::is_unsafe_char) {
                return Err(bad(format!(
                    "{field} {:?} contains control characters",
                    value
                )));
            }
        }
        if !is_hex(&self.ceremony.id, 32) {
            return Err(bad("ceremony.id must be 32 lowercase hex digits".into()));
        }
        for (field, value, len) in [
            ("root.public_key", &self.root.public_key, 64),
            ("root.fingerprint", &self.root.fingerprint, 64),
            ("root.certificate_sha256", &self.root.certificate_sha256, 64),
            ("ceremony.plan_sha256", &self.ceremony.plan_sha256, 64),
            ("signature", &self.signature, 128),
        ] {
            if !is_hex(value, len) {
                return Err(bad(format!("{field} must be {len} lowercase hex digits")));
            }
        }
        if self.shares.len() != self.shares_total as usize {
            return Err(bad(format!(
                "lists {} shares but shares_total is {}",
                self.shares.len(),
                self.shares_total
            )));
        }
        for (i, s) in self.shares.iter().enumerate() {
            if s.index as usize != i + 1 {
                return Err(bad(format!(
                    "share entry {} has index {}, expected {}",
                    i + 1,
                    s.index,
                    i + 1
                )));
            }
            if !is_hex(&s.envelope_sha256, 64) {
                return Err(bad(format!(
                    "share {}: envelope_sha256 must be 64 lowercase hex digits",
                    s.index
                )));
            }
            // formats.md, "Share manifest v1", Reading step 3: the media this version writes
            // (`plan::Medium`).
            let Some(medium) = Medium::parse(s.medium.as_ref()) else {
                return Err(bad(format!(
                    "share {}: medium {:?} is not a known medium ({})",
                    s.index,
                    s.medium.as_ref(),
                    Medium::listed()
                )));
            };
            match (&s.token, medium.is_token()) {
                (None, true) => {
                    return Err(bad(format!(
                        "share {}: medium \"{medium}\" needs a `token` member",
                        s.index
                    )));
                }
                (Some(_), false) => {
                    return Err(bad(format!(
                        "share {}: medium \"{medium}\" takes no `token` member",
                        s.index
                    )));
                }
                (Some(t), true) => {
                    token::check(t, medium)
                        .map_err(|what| bad(format!("share {}: {what}", s.index)))?;
                }
                (None, false) => {}
            }
        }
        Ok(())
    }
}

impl Manifest {
    /// The bytes the signature covers: canonical JSON without `signature`.
    pub fn signed_bytes(&self) -> Result<Vec<u8>> {
        let mut v =
            serde_json::to_value(self).map_err(|e| Error::input(format!("manifest: {e}")))?;
        if let Some(o) = v.as_object_mut() {
            o.remove("signature");
        }
        jcs::canonicalize(&v)
    }

    /// Signs with the root key.
    pub fn sign(&mut self, key: &RootKey) -> Result<()> {
        self.signature.clear();
        let sig = key.sign(&self.signed_bytes()?);
        self.signature = hex::encode(sig.to_bytes());
        Ok(())
    }

    /// Pretty JSON for the file (any JSON layout verifies; the signature covers the content).
    pub fn to_json(&self) -> Result<String> {
        let mut s = serde_json::to_string_pretty(self)
            .map_err(|e| Error::input(format!("manifest: {e}")))?;
        s.push('\n');
        Ok(s)
    }

    /// Parses a manifest file strictly (unknown or duplicate members are refused).
    pub fn from_json(text: &[u8], origin: &str) -> Result<Manifest> {
        let m: Manifest<String> = serde_json::from_slice(text).map_err(|e| {
            Error::new(
                Kind::Manifest,
                format!("manifest {origin}: not a valid share manifest: {e}"),
            )
        })?;
        m.check_structure(origin)?;
        let shares = m
            .shares
            .into_iter()
            .map(|s| {
                let medium = Medium::parse(&s.medium).ok_or_else(|| {
                    Error::new(
                        Kind::Manifest,
                        format!("manifest {origin}: share {}: unknown medium", s.index),
                    )
                })?;
                Ok(ShareEntry {
                    index: s.index,
                    holder: s.holder,
                    role: s.role,
                    medium,
                    envelope_sha256: s.envelope_sha256,
                    token: s.token,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Manifest {
            format: m.format,
            ceremony: m.ceremony,
            root: m.root,
            threshold: m.threshold,
            shares_total: m.shares_total,
            shares,
            signature: m.signature,
        })
    }

    /// Loads a manifest file.
    pub fn load(path: &std::path::Path) -> Result<Manifest> {
        let bytes = crate::fsio::read_public(path, 1 << 20, "manifest")?;
        Manifest::from_json(&bytes, &path.display().to_string())
    }

    /// Verifies the manifest against the root certificate: same key, same certificate, and a
    /// valid root signature.
    pub fn verify(&self, root: &RootCert, origin: &str) -> Result<()> {
        self.check_structure(origin)?;
        if self.root.public_key != hex::encode(root.public_key_bytes()) {
            return Err(Error::new(Kind::OtherRoot, format!(
                "manifest {origin} belongs to another root key than the root certificate ({} vs {})",
                short(&self.root.fingerprint),
                short(&hex::encode(root.fingerprint))
            ))
            .hint("use the manifest.json written by the same ceremony as root.pem"));
        }
        if self.root.fingerprint != hex::encode(root.fingerprint)
            || self.root.certificate_sha256 != hex::encode(Sha256::digest(&root.der))
        {
            return Err(Error::new(
                Kind::OtherRoot,
                format!(
                    "manifest {origin} names another root certificate (fingerprint or certificate hash differs)"
                ),
            ));
        }
        let sig_bytes = hex::decode(&self.signature)
            .ok()
            .and_then(|b| Signature::from_slice(&b).ok())
            .ok_or_else(|| {
                Error::new(
                    Kind::Manifest,
                    format!("manifest {origin}: malformed signature"),
                )
            })?;
        root.public_key
            .verify_strict(&self.signed_bytes()?, &sig_bytes)
            .map_err(|_| {
                Error::new(Kind::SignatureInvalid, format!(
                    "manifest {origin}: the root key's signature does not verify — the manifest was modified"
                ))
                .hint("obtain an authentic copy of the ceremony's manifest.json")
            })?;
        Ok(())
    }

    /// The ceremony id as bytes.
    pub fn ceremony_id(&self) -> [u8; 16] {
        let mut id = [0u8; 16];
        if let Ok(b) = hex::decode(&self.ceremony.id)
            && b.len() == 16
        {
            id.copy_from_slice(&b);
        }
        id
    }

    /// Finds the entry for a share and checks the share's public header and digest against it.
    pub fn entry_for(&self, header: &ShareHeader, digest: &[u8; 32]) -> Result<&ShareEntry> {
        if header.ceremony_id != self.ceremony_id() {
            return Err(Error::new(
                Kind::NotInManifest,
                format!(
                    "belongs to another ceremony (share ceremony id {}, manifest {})",
                    hex::encode(header.ceremony_id),
                    self.ceremony.id
                ),
            )
            .hint("use shares and manifest from the same ceremony"));
        }
        if !self
            .root
            .fingerprint
            .starts_with(&hex::encode(header.root_fingerprint))
        {
            return Err(Error::new(
                Kind::NotInManifest,
                "was made for another root key (fingerprint differs from the manifest)",
            ));
        }
        if header.k != self.threshold || header.n != self.shares_total {
            return Err(Error::new(
                Kind::NotInManifest,
                format!(
                    "says {}-of-{}, the manifest says {}-of-{}",
                    header.k, header.n, self.threshold, self.shares_total
                ),
            ));
        }
        if header.rehearsal != self.ceremony.rehearsal {
            return Err(Error::new(
                Kind::NotInManifest,
                "rehearsal flag differs from the manifest's",
            ));
        }
        let entry = self
            .shares
            .iter()
            .find(|s| s.index == header.index)
            .ok_or_else(|| {
                Error::new(
                    Kind::NotInManifest,
                    format!("index {} is not in the manifest", header.index),
                )
            })?;
        if entry.envelope_sha256 != hex::encode(digest) {
            return Err(Error::new(Kind::NotInManifest, format!(
                "its digest is not in the manifest (expected share {} of holder \"{}\" to have digest {}…, got {}…)",
                entry.index,
                entry.holder,
                short(&entry.envelope_sha256),
                short(&hex::encode(digest))
            ))
            .hint("this share was altered or comes from a different split; do not use it"));
        }
        Ok(entry)
    }
}
