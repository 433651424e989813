//! Hardware tokens: a share envelope encrypted to a P-256 key that was generated on a token and
//! cannot leave it (`docs/formats.md`, "Token payload v1").
//!
//! One trait, [`Token`], is what the rest of the tool sees of a device; the backends implement
//! it: [`pkcs11`] (any PKCS#11 module: SoftHSM2, Yubico's ykcs11, OpenSC) and `piv` (a YubiKey
//! through PC/SC). [`payload`] seals an envelope to a token's public key on the host and opens
//! it with one ECDH on the token; [`payload::write_then_prove`] writes a payload and reads it
//! back through the token before anyone moves on.
//!
//! This module knows nothing of ceremonies: PINs arrive as [`SecretBytes`] (typed by the
//! console), the key and object names are chosen by the caller, and every error names the
//! token by label and serial. PINs, ECDH shared secrets and decrypted envelopes only ever live
//! in locked memory here; no error message carries one.

pub mod payload;
pub mod piv;
pub mod pkcs11;

use std::fmt;

use crate::error::Result;
use crate::secret::SecretBytes;

/// Length of an uncompressed SEC1 P-256 point (`04 || x || y`).
pub const POINT_LEN: usize = 65;

/// An uncompressed SEC1 P-256 public key (`04 || x || y`), as the payload header carries it.
pub type PublicPoint = [u8; POINT_LEN];

/// Which backend reaches a token. The byte is the payload header's `backend` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A PKCS#11 module (`--pkcs11-module PATH`).
    Pkcs11,
    /// A YubiKey's PIV application over PC/SC.
    YubikeyPiv,
}

impl Backend {
    /// The header byte (`docs/formats.md`, "Token payload v1"): 1 PKCS#11, 2 YubiKey PIV.
    pub fn code(self) -> u8 {
        match self {
            Backend::Pkcs11 => 1,
            Backend::YubikeyPiv => 2,
        }
    }

    /// The backend of a header byte, if it names one.
    pub fn from_code(b: u8) -> Option<Backend> {
        match b {
            1 => Some(Backend::Pkcs11),
            2 => Some(Backend::YubikeyPiv),
            _ => None,
        }
    }

    /// The name used in plans, manifests and messages (`pkcs11`, `yubikey`).
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Pkcs11 => "pkcs11",
            Backend::YubikeyPiv => "yubikey",
        }
    }
}

/// How a token is named in every message: its label and serial number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenName {
    /// The token's label (PKCS#11 `CK_TOKEN_INFO.label`, trimmed; for a YubiKey, its model).
    pub label: String,
    /// The serial number (PKCS#11 `serialNumber`, trimmed; YubiKey: the decimal serial).
    pub serial: String,
}

impl fmt::Display for TokenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = crate::error::replace_unsafe(&self.label, '?');
        let serial = crate::error::replace_unsafe(&self.serial, '?');
        write!(f, "token \"{label}\" (serial {serial})")
    }
}

/// What a token says about the user PIN's remaining tries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinTries {
    /// The exact number of tries left (YubiKey PIV reports it; 0 means blocked).
    Left(u8),
    /// PKCS#11 flags raise no warning (`CKF_USER_PIN_COUNT_LOW`, `_FINAL_TRY`, `_LOCKED` all
    /// clear). Some tokens (SoftHSM2) never count tries, so this is not a promise.
    NoWarning,
    /// `CKF_USER_PIN_COUNT_LOW`: a wrong PIN was given since the last successful login (how
    /// many tries are left is not said).
    CountLow,
    /// `CKF_USER_PIN_FINAL_TRY`: one more wrong PIN blocks the PIN.
    FinalTry,
    /// `CKF_USER_PIN_LOCKED` (or no tries left): the PIN is blocked.
    Locked,
}

impl PinTries {
    /// From the three PKCS#11 token flags (the most severe one wins).
    pub fn from_flags(count_low: bool, final_try: bool, locked: bool) -> PinTries {
        if locked {
            PinTries::Locked
        } else if final_try {
            PinTries::FinalTry
        } else if count_low {
            PinTries::CountLow
        } else {
            PinTries::NoWarning
        }
    }

    /// True when the PIN is blocked.
    pub fn is_locked(self) -> bool {
        matches!(self, PinTries::Locked | PinTries::Left(0))
    }

    /// True when exactly one try is left (one more wrong PIN blocks it).
    pub fn is_final(self) -> bool {
        matches!(self, PinTries::FinalTry | PinTries::Left(1))
    }
}

impl fmt::Display for PinTries {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PinTries::Left(0) => write!(f, "PIN blocked (0 tries left)"),
            PinTries::Left(1) => write!(f, "1 PIN try left"),
            PinTries::Left(n) => write!(f, "{n} PIN tries left"),
            PinTries::NoWarning => write!(
                f,
                "the token reports no failed PIN tries (it may not count them)"
            ),
            PinTries::CountLow => write!(
                f,
                "a wrong PIN was entered since the last successful login (CKF_USER_PIN_COUNT_LOW); the token does not say how many tries are left"
            ),
            PinTries::FinalTry => write!(
                f,
                "one PIN try left (CKF_USER_PIN_FINAL_TRY): another wrong PIN blocks it"
            ),
            PinTries::Locked => write!(f, "PIN blocked (CKF_USER_PIN_LOCKED)"),
        }
    }
}

/// A description of a token, for `token list` / `token describe` and the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// The backend that reached it.
    pub backend: Backend,
    /// Label and serial.
    pub name: TokenName,
    /// Manufacturer (PKCS#11 `manufacturerID`; "Yubico").
    pub manufacturer: String,
    /// Model (PKCS#11 `model`; YubiKey: e.g. "YubiKey 5").
    pub model: String,
    /// Firmware version, `major.minor[.patch]`.
    pub firmware: String,
    /// Free memory for private objects in bytes, when the token reports it.
    pub free_bytes: Option<usize>,
    /// The user PIN's tries, as the token reports them.
    pub pin_tries: PinTries,
    /// Whether a payload can be stored on the token itself (false for ykcs11: the payload file
    /// then carries the ciphertext alone).
    pub can_hold_data: bool,
}

/// Which key on the token: a PKCS#11 `CKA_ID`, or a YubiKey PIV slot (one byte, e.g. 0x82..0x95
/// or 0x9D). Chosen by the caller and recorded in the payload header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRef(pub Vec<u8>);

/// What enrolment does when the token already holds a key under the requested [`KeyRef`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExistingKey {
    /// Refuse, naming the token and the key (the default: never touch a key silently).
    Refuse,
    /// Use the key that is there (the holder confirmed it is theirs and may be reused).
    UseWithConsent,
    /// Replace it with a newly generated key (the holder confirmed the old key may be lost).
    ReplaceWithConsent,
}

/// One hardware token, reached through one backend and opened for one holder.
///
/// Every method names the token (label, serial) in its errors. Methods that touch the private
/// key or private objects need [`Token::login`] first.
pub trait Token {
    /// Label and serial, for messages and the payload header (no device access).
    fn name(&self) -> &TokenName;

    /// Describes the token (serial, model, firmware, free space, PIN tries).
    fn info(&mut self) -> Result<TokenInfo>;

    /// Logs the user in. A wrong PIN is an error naming the token and what it says about the
    /// tries left; a blocked PIN has its own message. Never retries by itself.
    fn login(&mut self, pin: &SecretBytes) -> Result<()>;

    /// Makes sure a P-256 key pair exists under `key`, generated on the token (private key
    /// sensitive, not extractable, usable only for ECDH), and returns its public key. An
    /// existing key is handled as `existing` says.
    fn enrol(&mut self, key: &KeyRef, existing: ExistingKey) -> Result<PublicPoint>;

    /// The public key of the key pair under `key` (an error naming the token if there is none).
    fn public_key(&mut self, key: &KeyRef) -> Result<PublicPoint>;

    /// ECDH on the token between the private key under `key` and `peer`: the 32-byte
    /// x-coordinate of the shared point, in locked memory.
    fn ecdh(&mut self, key: &KeyRef, peer: &PublicPoint) -> Result<SecretBytes>;

    /// Stores `bytes` as a new private data object named `id` (PKCS#11 `CKA_LABEL`; PIV object
    /// id). Refuses to overwrite an existing object, and says "token full" when the token has
    /// no room. An error if the token cannot hold data.
    fn write_object(&mut self, id: &[u8], bytes: &[u8]) -> Result<()>;

    /// The value of the data object `id`, or `None` if there is none.
    fn read_object(&mut self, id: &[u8]) -> Result<Option<Vec<u8>>>;

    /// Removes the data object `id` (no error if there is none).
    fn delete_object(&mut self, id: &[u8]) -> Result<()>;
}

/// A token opened through either backend, for code that handles both (generation's
/// `write-token`, the reading of a token share).
pub enum Opened {
    /// Through a PKCS#11 module.
    Pkcs11(pkcs11::Pkcs11Token),
    /// A YubiKey's PIV application.
    Piv(piv::PivToken),
}

impl Opened {
    /// The token, as the trait sees it.
    pub fn token(&mut self) -> &mut dyn Token {
        match self {
            Opened::Pkcs11(t) => t,
            Opened::Piv(t) => t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_tries_from_flags_most_severe_first() {
        assert_eq!(
            PinTries::from_flags(false, false, false),
            PinTries::NoWarning
        );
        assert_eq!(PinTries::from_flags(true, false, false), PinTries::CountLow);
        assert_eq!(PinTries::from_flags(true, true, false), PinTries::FinalTry);
        assert_eq!(PinTries::from_flags(true, true, true), PinTries::Locked);
        assert!(PinTries::FinalTry.is_final() && PinTries::Left(1).is_final());
        assert!(PinTries::Locked.is_locked() && PinTries::Left(0).is_locked());
        assert!(!PinTries::Left(2).is_final() && !PinTries::CountLow.is_locked());
        assert_eq!(
            PinTries::FinalTry.to_string(),
            "one PIN try left (CKF_USER_PIN_FINAL_TRY): another wrong PIN blocks it"
        );
        assert_eq!(PinTries::Left(3).to_string(), "3 PIN tries left");
    }

    #[test]
    fn token_name_escapes_what_the_token_says() {
        let n = TokenName {
            label: "a\u{1b}[2J".into(),
            serial: "12".into(),
        };
        assert_eq!(n.to_string(), "token \"a?[2J\" (serial 12)");
    }
}
