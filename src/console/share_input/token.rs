//! Reading a share from a hardware token (`--token-share INDEX`; `docs/formats.md`, "Token
//! payload v1", "Reading a payload"), and the PIN dialogue that generation shares with it.
//!
//! Everything needed to find the token and check its payload comes from the root-signed
//! manifest's entry for the share (`shares[].token`): the token's serial, the key reference,
//! the data object, the payload file's name and SHA-256, the token's public key. In order:
//! 1. the holder is told which token to insert;
//! 2. the payload file beside the manifest (if there) must have the manifest's SHA-256 and a
//!    header that agrees with the entry — before any PIN is asked for;
//! 3. the token with the manifest's serial is opened (a PKCS#11 module of `--pkcs11-module`,
//!    or the YubiKey with that serial); a blocked PIN stops here, and with one try left the
//!    holder must type `TRY` first;
//! 4. the PIN is typed (hidden, into locked memory) and the token logs in — never retried;
//! 5. without the payload file, the token's data object is read, and checked as in step 2;
//! 6. the payload is opened: one ECDH on the token, then HKDF and AES-256-GCM on the host.
//!
//! The envelope then goes through the same checks as any other share
//! (`ceremony::combine::verify_share`).

use std::path::PathBuf;

use super::Presented;
use crate::console::{Channel, Console, Question, SCREEN_COLUMNS, wrap};
use crate::error::{Error, Kind, Result};
use crate::fsio;
use crate::manifest::TokenEntry;
use crate::plan::Medium;
use crate::secret::sha256_parts;
use crate::token::payload::{self, Location};
use crate::token::piv::{ManagementKey, PivOptions, PivToken};
use crate::token::pkcs11::{Module, Selector};
use crate::token::{Backend, Opened, Token, TokenInfo};

/// Longest PIN accepted at the prompt (the limit only bounds input).
pub const MAX_PIN: usize = 64;

/// Largest payload file read (a payload is at most 547 bytes).
const MAX_PAYLOAD_FILE: u64 = 4096;

/// One token share to read, with what the manifest says about it.
#[derive(Clone, Debug)]
pub struct TokenShare {
    /// The share index.
    pub index: u8,
    /// The holder, as the manifest names them.
    pub holder: String,
    /// `pkcs11` or `yubikey`.
    pub medium: Medium,
    /// The manifest's `token` member for the share.
    pub token: TokenEntry,
    /// The ceremony id (the manifest's).
    pub ceremony_id: [u8; 16],
    /// SHA-256 of the root key's SubjectPublicKeyInfo.
    pub root_fingerprint: [u8; 32],
    /// Where the payload file is looked for: beside the manifest.
    pub payload_path: PathBuf,
    /// The PKCS#11 modules to search for the token (`--pkcs11-module`, in order).
    pub pkcs11_modules: Vec<PathBuf>,
    /// A rehearsal ceremony (for the YubiKey backend's management-key rule; reading needs no
    /// management key).
    pub rehearsal: bool,
}

impl TokenShare {
    /// `share N (holder "NAME")`, for messages.
    fn who(&self) -> String {
        format!("share {} (holder \"{}\")", self.index, self.holder)
    }

    /// The token as the holder is told to bring it.
    fn wanted(&self) -> String {
        let t = &self.token;
        match self.medium {
            Medium::Yubikey => format!("YubiKey serial {}", t.serial),
            _ => format!("PKCS#11 token \"{}\" (serial {})", t.label, t.serial),
        }
    }
}

/// Reads and opens a token share at `console` (the steps in the module documentation).
pub fn read_token(console: &mut dyn Console, t: &TokenShare) -> Result<Presented> {
    let who = t.who();
    let file_name = t.token.payload_file.clone();
    console.tell(
        Channel::Err,
        "the holder's instructions",
        &wrap(
            &format!(
                "Holder {} ({}): insert your {}. You will type its user PIN; rootkey reads share {} through it.\n",
                t.index,
                t.holder,
                t.wanted(),
                t.index
            ),
            SCREEN_COLUMNS,
        ),
    )?;
    let from_file = read_payload_file(t)?;
    if let Some(bytes) = &from_file {
        check_payload(
            bytes,
            t,
            &format!("payload file {}", t.payload_path.display()),
        )?;
    }
    let mut opened = open(t).map_err(|e| e.context(&who))?;
    let token = opened.token();
    let name = token.name().clone();
    let info = token.info().map_err(|e| e.context(&who))?;
    pin_login(console, token, &info, t.index).map_err(|e| e.context(&who))?;
    let bytes = match from_file {
        Some(b) => b,
        None => {
            let id = t
                .token
                .object_id
                .as_deref()
                .and_then(|o| hex::decode(o).ok())
                .unwrap_or_default();
            let Some(b) = token.read_object(&id).map_err(|e| e.context(&who))? else {
                return Err(Error::new(
                    Kind::TokenPayloadMissing,
                    format!(
                        "{who}: {name} holds no payload object {} and the payload file {} is not there",
                        hex::encode(&id),
                        t.payload_path.display()
                    ),
                )
                .hint(format!(
                    "copy the holder's payload file {file_name} beside the manifest, then run again"
                )));
            };
            check_payload(&b, t, &format!("the payload object on {name}"))?;
            b
        }
    };
    let envelope = payload::open(&bytes, token).map_err(|e| e.context(&who))?;
    console.tell(
        Channel::Err,
        "the holder's instructions",
        &wrap(
            &format!(
                "Holder {} ({}): share {} was read through {name}. You may remove the token.\n",
                t.index, t.holder, t.index
            ),
            SCREEN_COLUMNS,
        ),
    )?;
    Ok(Presented {
        envelope,
        origin: name.to_string(),
        file: file_name,
        corrections: Vec::new(),
    })
}

/// The checks of [`read_token`] that need neither the token nor its PIN: the payload file
/// beside the manifest, when there (required when the token holds no copy), is the one the
/// manifest lists. A signing ceremony runs them before anyone confirms.
pub fn check_payload_early(t: &TokenShare) -> Result<()> {
    if let Some(bytes) = read_payload_file(t)? {
        check_payload(
            &bytes,
            t,
            &format!("payload file {}", t.payload_path.display()),
        )?;
    }
    Ok(())
}

/// The payload file beside the manifest, if there. A missing file is `None` when the token
/// holds a copy, and an error when the file is the only copy (location `file`).
fn read_payload_file(t: &TokenShare) -> Result<Option<Vec<u8>>> {
    if !t.payload_path.exists() && t.payload_path.symlink_metadata().is_err() {
        if t.token.location == "file" {
            return Err(Error::new(
                Kind::TokenPayloadMissing,
                format!(
                    "{}: the payload file {} is not there, and the token holds no copy (location \"file\")",
                    t.who(),
                    t.payload_path.display()
                ),
            )
            .hint(format!(
                "copy the holder's payload file {} beside the manifest, then run again",
                t.token.payload_file
            )));
        }
        return Ok(None);
    }
    fsio::read_public(&t.payload_path, MAX_PAYLOAD_FILE, "payload file")
        .map(Some)
        .map_err(|e| e.context(t.who()))
}

/// Reading before the PIN: `bytes` (named `what`) must be the payload the manifest lists for
/// the share, and its header must agree with the manifest's entry.
fn check_payload(bytes: &[u8], t: &TokenShare, what: &str) -> Result<()> {
    let who = t.who();
    let sha = hex::encode(sha256_parts(&[bytes]));
    if sha != t.token.payload_sha256 {
        // Say what it is when it reads as a payload: another ceremony's share is the likely
        // case (a token reused by a later ceremony).
        if let Ok(p) = payload::parse(bytes)
            && p.header.ceremony_id != t.ceremony_id
        {
            return Err(Error::new(
                Kind::NotInManifest,
                format!(
                    "{who}: {what} holds share {} of another ceremony ({}), not of this one ({})",
                    p.header.share_index,
                    hex::encode(p.header.ceremony_id),
                    hex::encode(t.ceremony_id)
                ),
            )
            .hint(
                "present the payload and token of this ceremony's share; a token reused by a later ceremony no longer holds this one",
            ));
        }
        return Err(Error::new(
            Kind::NotInManifest,
            format!(
                "{who}: {what} is not the payload the manifest lists (SHA-256 {}…, the manifest says {}…)",
                &sha[..16],
                &t.token.payload_sha256[..16.min(t.token.payload_sha256.len())]
            ),
        )
        .hint(if t.token.location == "file" {
            "restore the holder's payload file from the generation's output, then run again; report possible tampering"
        } else {
            "move the changed payload file away to read the copy on the token, and report possible tampering"
        }));
    }
    let p = payload::parse(bytes).map_err(|e| e.context(format!("{who}, {what}")))?;
    let h = &p.header;
    let e = &t.token;
    let differs = [
        ("ceremony id", h.ceremony_id != t.ceremony_id),
        ("root fingerprint", h.root_fingerprint != t.root_fingerprint),
        ("share index", h.share_index != t.index),
        ("holder", h.holder != t.holder),
        ("token serial", h.token_serial != e.serial),
        ("key reference", hex::encode(&h.key_ref.0) != e.key_ref),
        (
            "location",
            (h.location == Location::FileOnly) != (e.location == "file"),
        ),
        (
            "object id",
            e.object_id.as_deref().unwrap_or("") != hex::encode(&h.object_id),
        ),
        (
            "token public key",
            hex::encode(h.token_public) != e.public_key,
        ),
        (
            "backend",
            h.backend.as_str() != t.medium.as_str() || !t.medium.is_token(),
        ),
    ];
    if let Some((field, _)) = differs.iter().find(|(_, d)| *d) {
        return Err(Error::new(
            Kind::NotInManifest,
            format!("{who}: {what}: its header's {field} is not the manifest's"),
        )
        .hint("the manifest was signed over an inconsistent entry; stop and investigate"));
    }
    Ok(())
}

/// Opens the token with the manifest's serial: the first `--pkcs11-module` that reaches it, or
/// the YubiKey with that serial.
fn open(t: &TokenShare) -> Result<Opened> {
    match t.medium {
        Medium::Yubikey => {
            let serial = t.token.serial.parse::<u32>().map_err(|_| {
                Error::new(
                    Kind::NotInManifest,
                    format!(
                        "the manifest's YubiKey serial \"{}\" is not a number",
                        t.token.serial
                    ),
                )
            })?;
            Ok(Opened::Piv(PivToken::open(PivOptions {
                serial: Some(serial),
                // Reading needs only the PIN; the management key is never used.
                management_key: ManagementKey::PinProtected,
                rehearsal: t.rehearsal,
            })?))
        }
        _ => {
            let mut searched = Vec::new();
            for path in &t.pkcs11_modules {
                let m = Module::load(path)?;
                match m.open(&Selector::Serial(t.token.serial.clone())) {
                    Ok(tok) => return Ok(Opened::Pkcs11(tok)),
                    Err(e) if e.kind == Kind::TokenNotFound => {
                        searched.push(path.display().to_string())
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(Error::new(
                Kind::TokenNotFound,
                format!(
                    "no token with serial {} (label \"{}\") in {}",
                    crate::error::replace_unsafe(&t.token.serial, '?'),
                    crate::error::replace_unsafe(&t.token.label, '?'),
                    searched.join(", ")
                ),
            )
            .hint("insert the holder's token, or give the --pkcs11-module that reaches it"))
        }
    }
}

/// The PIN dialogue of a token holder (generation and reading): a blocked PIN stops; the
/// tries the token reports are shown; with one try left the holder types `TRY` first; then
/// the PIN is typed hidden, into locked memory, and the token logs in once (a wrong PIN is an
/// error naming the token and its tries; rootkey never retries by itself).
pub fn pin_login(
    console: &mut dyn Console,
    token: &mut dyn Token,
    info: &TokenInfo,
    holder: u8,
) -> Result<()> {
    let name = token.name().clone();
    if info.pin_tries.is_locked() {
        return Err(
            Error::new(Kind::PinBlocked, format!("{name}: {}", info.pin_tries)).hint(
                match info.backend {
                    // A YubiKey has no SO PIN; its PUK unblocks the PIN.
                    Backend::YubikeyPiv => {
                        "the holder unblocks it with the PUK (`ykman piv access unblock-pin`), then run the ceremony again; rootkey never uses the PUK"
                    }
                    Backend::Pkcs11 => {
                        "unblock the PIN with the token's SO PIN or PUK, then run the ceremony again"
                    }
                },
            ),
        );
    }
    console.tell(
        Channel::Err,
        "the token's PIN state",
        &wrap(&format!("{name}: {}.\n", info.pin_tries), SCREEN_COLUMNS),
    )?;
    if info.pin_tries.is_final() {
        console.tell(
            Channel::Err,
            "the holder's instructions",
            "One PIN try is left: a wrong PIN blocks the token.\n",
        )?;
        let go = console.ask_line(
            &Question::TokenFinalTry { holder },
            "Type TRY to enter the PIN, anything else to stop: ",
        )?;
        if go.trim() != "TRY" {
            return Err(Error::new(
                Kind::Cancelled,
                format!("{name}: one PIN try left; the holder did not confirm a try"),
            )
            .hint(match info.backend {
                // The PIN is not blocked: "unblock" would send the holder the wrong way.
                Backend::YubikeyPiv => {
                    "when the holder is sure of the PIN, run again and type TRY; or first set a new PIN with the PUK (`ykman piv access unblock-pin`)"
                }
                Backend::Pkcs11 => {
                    "when the holder is sure of the PIN, run again and type TRY; or first have the PIN reset with the token's SO PIN"
                }
            }));
        }
    }
    let pin = console
        .ask_secret(
            &Question::TokenPin {
                holder,
                token: name.to_string(),
            },
            &format!("PIN of {name} (hidden): "),
            MAX_PIN,
        )
        .map_err(|e| Error::from(e).context(format!("the PIN of {name}")))?;
    token.login(&pin)
}
