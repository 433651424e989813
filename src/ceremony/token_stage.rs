//! Step `write-token` of a generation (`ceremony::steps::generation_for`): a token holder's
//! share sealed to a key generated on their token, written (object on the token when it can
//! hold data, and always the payload file) and read back through the token before the ceremony
//! moves on (`docs/formats.md`, "Token payload v1", "Writing, then proving").
//!
//! Everything the holder is asked goes through the console: the PIN (hidden, into locked
//! memory; asked once — a wrong PIN ends the ceremony, naming the token and its tries), a
//! confirmation when the token says one try is left, and consent before an existing key under
//! the share's key reference is replaced.

use std::path::Path;

use super::flow::Run;
use crate::console::share_input::pin_login;
use crate::console::{Channel, Question};
use crate::console::{SCREEN_COLUMNS, wrap};
use crate::error::{Error, Kind, Result};
use crate::fsio;
use crate::manifest::TokenEntry;
use crate::plan::{Holder, TokenSpec};
use crate::secret::sha256_parts;
use crate::share::Envelope;
use crate::token::payload::{self, Header, Location};
use crate::token::piv::{AttestationRoot, ManagementKey, PivOptions, PivToken};
use crate::token::pkcs11::{Module, Selector};
use crate::token::{Backend, ExistingKey, KeyRef, Opened, Token, TokenInfo};
use crate::transcript::{TOOL_ACTOR, event};

/// The PKCS#11 key reference (`CKA_ID`) of share `index`: ASCII `rootkey-share-NN`.
pub fn pkcs11_key_ref(index: u8) -> KeyRef {
    KeyRef(format!("rootkey-share-{index:02}").into_bytes())
}

/// The PKCS#11 payload object's label: ASCII `rootkey-<ceremony id hex>-NN`.
pub fn pkcs11_object_id(ceremony_id: &[u8; 16], index: u8) -> Vec<u8> {
    format!("rootkey-{}-{index:02}", hex::encode(ceremony_id)).into_bytes()
}

/// The PIV data object of share `index`'s payload: `5F00NN`.
pub fn piv_object_id(index: u8) -> Vec<u8> {
    vec![0x5f, 0x00, index]
}

/// The checks of the plan's tokens that need no token, before any key exists: every PKCS#11
/// module the plan names is loaded (a missing file or a library that is not PKCS#11 is refused,
/// naming the holder), and with a yubikey holder `--piv-attestation-root` must be given and
/// parse. Returns the attestation root.
pub fn attestation_root(
    plan: &crate::plan::Plan,
    root: Option<&Path>,
) -> Result<Option<AttestationRoot>> {
    let mut yubikey = None;
    for (i, h) in (1..=u8::MAX).zip(&plan.holders) {
        match &h.token {
            Some(TokenSpec::Pkcs11 { module, .. }) => {
                Module::load(module)
                    .map_err(|e| e.context(format!("holder {i} ({:?})", h.name)))?;
            }
            Some(TokenSpec::Yubikey { .. }) => yubikey = yubikey.or(Some((i, &h.name))),
            None => {}
        }
    }
    match (yubikey, root) {
        (None, _) => Ok(None),
        (Some((i, name)), None) => Err(Error::new(
            crate::error::Kind::Argument,
            format!(
                "holder {i} ({name:?}) is on a YubiKey, whose slot attestation needs --piv-attestation-root PEM"
            ),
        )
        .hint("give Yubico's PIV attestation CA (docs/yubikey.md says where it comes from)")),
        (Some(_), Some(p)) => {
            let bytes = fsio::read_public(p, 1 << 20, "PIV attestation root")?;
            Ok(Some(AttestationRoot::from_pem(
                &bytes,
                &format!("--piv-attestation-root {}", p.display()),
            )?))
        }
    }
}

/// What [`open`] found: the token, its backend, the share's key reference, the payload
/// object's id (if the token can hold data) and the token's description.
type Found = (Opened, Backend, KeyRef, Option<Vec<u8>>, TokenInfo);

/// Opens the holder's token as the plan names it.
fn open(run: &mut Run<'_>, job: &TokenJob<'_>) -> Result<Found> {
    let index = job.index;
    match &job.holder.token {
        Some(TokenSpec::Pkcs11 {
            module,
            label,
            serial,
        }) => {
            let m = Module::load(module)?;
            let sel = match (label, serial) {
                (_, Some(s)) => Selector::Serial(s.clone()),
                (Some(l), None) => Selector::Label(l.clone()),
                (None, None) => return Err(Error::new(Kind::Plan, "the plan names no token")),
            };
            let mut token = m.open(&sel)?;
            let name = token.name().clone();
            if let Some(l) = label
                && name.label != *l
            {
                return Err(Error::new(
                    Kind::TokenNotFound,
                    format!("{name} is not labelled \"{l}\" as the plan says for holder {index}"),
                )
                .hint("present the token the plan names, or correct the plan"));
            }
            let info = token.info()?;
            let object = info
                .can_hold_data
                .then(|| pkcs11_object_id(&job.ceremony_id, index));
            Ok((
                Opened::Pkcs11(token),
                Backend::Pkcs11,
                pkcs11_key_ref(index),
                object,
                info,
            ))
        }
        Some(TokenSpec::Yubikey { serial, slot }) => {
            let management_key = if job.rehearsal {
                ManagementKey::FactoryDefault
            } else {
                run.console()?.tell(
                    Channel::Err,
                    "the holder's instructions",
                    "Type the YubiKey's management key (48 hex digits), or press Enter alone to\nuse the PIN-protected management key stored on the card.\n",
                )?;
                let typed = run
                    .console()?
                    .ask_secret(
                        &Question::TokenManagementKey { holder: index },
                        "YubiKey management key (hidden): ",
                        64,
                    )
                    .map_err(|e| Error::from(e).context("the management key"))?;
                management_key(typed)?
            };
            let mut token = PivToken::open(PivOptions {
                serial: *serial,
                management_key,
                rehearsal: job.rehearsal,
            })?;
            let info = token.info()?;
            Ok((
                Opened::Piv(token),
                Backend::YubikeyPiv,
                KeyRef(vec![*slot]),
                Some(piv_object_id(index)),
                info,
            ))
        }
        None => Err(super::outputs::token_media_not_written(index, job.holder)),
    }
}

/// A typed management key: empty = the PIN-protected one; else 32, 48 or 64 hex digits.
fn management_key(typed: crate::secret::SecretBytes) -> Result<ManagementKey> {
    let t = typed.as_slice();
    if t.is_empty() {
        return Ok(ManagementKey::PinProtected);
    }
    if !matches!(t.len(), 32 | 48 | 64) || !t.iter().all(u8::is_ascii_hexdigit) {
        return Err(Error::new(
            Kind::TypedValue,
            format!(
                "the management key must be 32, 48 or 64 hex digits (3DES: 48), not {} characters",
                t.len()
            ),
        )
        .hint("type the YubiKey's management key, or an empty line for the PIN-protected one"));
    }
    let mut key = crate::secret::SecretBytes::zeroed(t.len() / 2)?;
    let nibble = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
    for (i, pair) in t.chunks(2).enumerate() {
        key.as_mut_slice()[i] = (nibble(pair[0]) << 4) | nibble(pair[1]);
    }
    Ok(ManagementKey::Given(key))
}

/// A key reference for a message: its text when printable, else hex.
fn hex_or_text(b: &[u8]) -> String {
    if b.iter().all(u8::is_ascii_graphic) {
        String::from_utf8_lossy(b).into_owned()
    } else {
        hex::encode(b)
    }
}

/// What the stage needs of the ceremony.
pub struct TokenJob<'a> {
    /// The share index.
    pub index: u8,
    /// The holder (with the plan's token).
    pub holder: &'a Holder,
    /// The share envelope to seal.
    pub envelope: &'a Envelope,
    /// The ceremony id.
    pub ceremony_id: [u8; 16],
    /// SHA-256 of the root key's SubjectPublicKeyInfo.
    pub root_fingerprint: [u8; 32],
    /// The output directory.
    pub out: &'a Path,
    /// The payload file's name in it.
    pub file: &'a str,
    /// A rehearsal (a YubiKey's factory default management key is accepted, and not asked).
    pub rehearsal: bool,
    /// The PIV attestation root (YubiKey holders).
    pub piv_root: Option<&'a AttestationRoot>,
}

/// Step `write-token` for one holder: returns the manifest's `token` object. Records
/// `token-written` once the payload is proven and its file written.
pub fn write_token(run: &mut Run<'_>, job: &TokenJob<'_>) -> Result<TokenEntry> {
    run.enter("write-token")?;
    let (h, index) = (job.holder, job.index);
    let want = h
        .token
        .as_ref()
        .map(TokenSpec::describe)
        .unwrap_or_default();
    run.console()?.tell(
        Channel::Err,
        "the holder's instructions",
        &wrap(
            &format!(
                "Holder {index} ({}): insert your {want}. You will type its user PIN; the share is sealed to a key generated on the token, stored on it and in the payload file {}.\n",
                h.name, job.file
            ),
            SCREEN_COLUMNS,
        ),
    )?;
    let (mut opened, backend, key, object, info) = open(run, job)?;
    let name = opened.token().name().clone();
    let token = opened.token();
    pin_login(run.console()?, token, &info, index)?;
    let mut existing = ExistingKey::Refuse;
    if token.public_key(&key).is_ok() {
        run.console()?.tell(
            Channel::Err,
            "the holder's instructions",
            &wrap(
                &format!(
                    "{name} already holds a key \"{}\". Type REPLACE to replace it (anything sealed to it can no longer be read).\n",
                    hex_or_text(&key.0)
                ),
                SCREEN_COLUMNS,
            ),
        )?;
        let answer = run.console()?.ask_line(
            &Question::TokenReplaceKey { holder: index },
            "Type REPLACE to replace the key, anything else to stop: ",
        )?;
        if answer.trim() == "REPLACE" {
            existing = ExistingKey::ReplaceWithConsent;
        }
    }
    let public = token.enrol(&key, existing)?;
    let attestation = match (&mut opened, job.piv_root) {
        (Opened::Piv(t), Some(root)) => Some(t.attest(&key, root)?),
        (Opened::Piv(_), None) => {
            return Err(Error::new(
                Kind::Argument,
                "a YubiKey holder needs --piv-attestation-root",
            ));
        }
        (Opened::Pkcs11(_), _) => None,
    };
    let token = opened.token();
    let location = match object {
        Some(_) => Location::TokenAndFile,
        None => Location::FileOnly,
    };
    let object_id = object.unwrap_or_default();
    let header = Header {
        backend,
        ceremony_id: job.ceremony_id,
        root_fingerprint: job.root_fingerprint,
        share_index: index,
        holder: h.name.clone(),
        token_serial: name.serial.clone(),
        key_ref: key.clone(),
        location,
        object_id: object_id.clone(),
        token_public: public,
    };
    let written = payload::write_then_prove(token, &header, job.envelope)?;
    if let Err(e) = fsio::write_new(&job.out.join(job.file), &written.bytes, fsio::PUBLIC_MODE) {
        // Nothing half-written: the object goes with the file that could not be written.
        if location == Location::TokenAndFile {
            let _ = token.delete_object(&object_id);
        }
        return Err(e.context(format!("{name}: the payload file")));
    }
    debug_assert_eq!(sha256_parts(&[&written.bytes]), written.sha256);
    let entry = TokenEntry {
        serial: name.serial.clone(),
        label: name.label.clone(),
        key_ref: hex::encode(&key.0),
        location: match location {
            Location::TokenAndFile => "token+file",
            Location::FileOnly => "file",
        }
        .into(),
        object_id: (!object_id.is_empty()).then(|| hex::encode(&object_id)),
        payload_file: job.file.to_string(),
        payload_sha256: hex::encode(written.sha256),
        public_key: hex::encode(public),
        attestation_sha256: attestation
            .as_ref()
            .map(|a| hex::encode(sha256_parts(&[&a.certificate]))),
    };
    run.entry().record(
        &[TOOL_ACTOR, &h.name],
        event::TokenWritten {
            attestation: attestation.as_ref().map(|a| event::TokenAttestation {
                certificate_sha256: hex::encode(sha256_parts(&[&a.certificate])),
                intermediate_sha256: hex::encode(sha256_parts(&[&a.intermediate])),
                pin_policy: a.policy.map(|p| p.0),
                root_subject: a.root_subject.clone(),
            }),
            firmware: info.firmware.clone(),
            holder: h.name.clone(),
            index,
            key_ref: entry.key_ref.clone(),
            label: entry.label.clone(),
            location: entry.location.clone(),
            medium: h.medium,
            model: info.model.clone(),
            object_id: entry.object_id.clone(),
            payload_file: entry.payload_file.clone(),
            payload_sha256: entry.payload_sha256.clone(),
            public_key: entry.public_key.clone(),
            serial: entry.serial.clone(),
        },
    )?;
    run.console()?.tell(
        Channel::Err,
        "the holder's instructions",
        &wrap(&format!(
            "Holder {index} ({}): your share is on {name} and in {} (payload SHA-256 {}). Keep the token; the file is useless without it.\n",
            h.name,
            job.file,
            &entry.payload_sha256[..16]
        ), SCREEN_COLUMNS),
    )?;
    Ok(entry)
}
