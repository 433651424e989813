//! YubiKey PIV backend of [`Token`], through PC/SC with the `yubikey` crate (0.9.0-rc.0).
//!
//! - The key: P-256, generated on the YubiKey in a retired slot (0x82..=0x95, default 0x82) or
//!   in 9D, PIN policy "always" (a VERIFY right before each ECDH), touch policy "never". A slot
//!   that already holds a key is used or replaced only with the holder's consent
//!   ([`ExistingKey`]).
//! - ECDH: GENERAL AUTHENTICATE with tag 0x85 (the crate's `piv::decrypt_data`).
//! - The payload: a PIV data object in 0x5F0000..=0x5FFFFF, at most [`MAX_OBJECT`] bytes, never
//!   one of the PIV standard containers 0x5FC1xx (0x5FC109 holds the PIN-protected management
//!   key) nor the YubiKey's own 0x5FFFxx (0x5FFF00 admin data, 0x5FFF01 the attestation
//!   certificate).
//! - The management key (needed to generate keys and to write or delete objects): the
//!   PIN-protected one stored on the key (what `ykman piv access change-management-key
//!   --protect` sets up), or one given by the caller. The factory default key
//!   (010203…0708) is refused unless the caller says this is a rehearsal or a test.
//! - Attestation: [`attest`] checks the slot's attestation certificate and the key's F9
//!   intermediate against a configured root ([`AttestationRoot`]): Yubico's PIV attestation CA
//!   for real keys (not shipped: no Debian package here carries a copy; it is published at
//!   <https://developers.yubico.com/PIV/Introduction/piv-attestation-ca.pem>), the emulator's
//!   test CA in the tests.
//!
//! Memory: every operation opens its own short-lived [`yubikey::YubiKey`] handle and drops it
//! at the end. The PIN lives in [`SecretBytes`] here, but the crate copies it into its handle
//! (`YubiKey::verify_pin` caches it in a plain `Vec<u8>`, not zeroized on drop in 0.9.0-rc.0,
//! see its `CachedPin`), and `MgmKey` is not zeroized either. Dropping the handle right after
//! use keeps those copies short-lived; they are not in locked memory.

mod attest;
mod card;

use yubikey::piv::{self, AlgorithmId, SlotId};
use yubikey::{PinPolicy, TouchPolicy};

use crate::error::{Error, Kind, Result};
use crate::secret::SecretBytes;
use crate::token::{
    Backend, ExistingKey, KeyRef, PinTries, PublicPoint, Token, TokenInfo, TokenName,
};

pub use attest::{Attestation, AttestationRoot, verify_attestation};
use card::{Card, card_error};

/// Largest PIV data object the `yubikey` crate writes (3,072-byte buffer less the object id
/// and the 0x53 tag).
pub const MAX_OBJECT: usize = 3063;

/// The retired slot used when the caller names none.
pub const DEFAULT_SLOT: u8 = 0x82;

/// The YubiKey's factory default management key.
pub const DEFAULT_MANAGEMENT_KEY: [u8; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
];

/// Which management key authorises key generation and object writes.
#[derive(Debug)]
pub enum ManagementKey {
    /// The PIN-protected key stored on the YubiKey (object 0x5FC109, readable after the PIN).
    PinProtected,
    /// A key the holder supplies (3DES: 24 bytes; AES: 16, 24 or 32 bytes).
    Given(SecretBytes),
    /// The factory default key: only for a rehearsal or a test.
    FactoryDefault,
}

/// How to reach one YubiKey.
#[derive(Debug)]
pub struct PivOptions {
    /// Its serial number; `None` takes the only YubiKey present.
    pub serial: Option<u32>,
    /// The management key to use.
    pub management_key: ManagementKey,
    /// A rehearsal or test: the factory default management key is accepted.
    pub rehearsal: bool,
}

/// One YubiKey PIV application, reached over PC/SC for one holder.
#[derive(Debug)]
pub struct PivToken {
    card: Card,
    name: TokenName,
    firmware: String,
    model: String,
    pin: Option<SecretBytes>,
    management_key: ManagementKey,
    rehearsal: bool,
}

/// One YubiKey found by [`list`]: its name (model and serial) and firmware.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Model and serial.
    pub name: TokenName,
    /// Firmware version.
    pub firmware: String,
}

/// The YubiKeys present on every PC/SC reader (an empty list when readers hold none).
pub fn list() -> Result<Vec<Found>> {
    Ok(card::list()?
        .into_iter()
        .map(|(serial, version)| Found {
            name: name_of(serial, version),
            firmware: version_string(version),
        })
        .collect())
}

/// How many PC/SC readers pcscd lists, without touching any card (the pre-flight screen's
/// tokens line); an error names what is missing (pcscd, a reader).
pub fn readers() -> Result<usize> {
    card::readers()
}

fn model_of(v: yubikey::Version) -> String {
    format!("YubiKey {}", v.major)
}

fn version_string(v: yubikey::Version) -> String {
    format!("{}.{}.{}", v.major, v.minor, v.patch)
}

fn name_of(serial: u32, v: yubikey::Version) -> TokenName {
    TokenName {
        label: model_of(v),
        serial: serial.to_string(),
    }
}

/// The PIV slot of a key reference: one byte, 0x82..=0x95 (retired) or 0x9D.
pub fn slot_of(key: &KeyRef) -> Result<u8> {
    match key.0.as_slice() {
        [b @ (0x82..=0x95 | 0x9d)] => Ok(*b),
        other => Err(Error::new(
            Kind::TokenSlot,
            format!(
                "YubiKey key slot {}: not a slot for a share key",
                hex::encode(other)
            ),
        )
        .hint("use a retired slot 82..95 (default 82) or 9d")),
    }
}

/// The 3-byte PIV object id of `id`, checked against the ranges a payload may use.
pub fn object_of(id: &[u8]) -> Result<u32> {
    let bad = |why: &str| {
        Error::new(
            Kind::TokenSlot,
            format!("PIV data object {}: {why}", hex::encode(id)),
        ).hint(
            "use an object id in 5f0000..5fffff outside 5fc1xx (PIV standard objects) and 5fffxx (YubiKey's own), e.g. 5f0001",
        )
    };
    let &[0x5f, a, b] = id else {
        return Err(bad("not a 3-byte id in 5f0000..5fffff"));
    };
    if a == 0xc1 {
        return Err(bad(
            "a PIV standard object (5fc109 holds the PIN-protected management key)",
        ));
    }
    if a == 0xff {
        return Err(bad(
            "one of the YubiKey's own objects (5fff00 is its admin data)",
        ));
    }
    Ok(0x5f_0000 | u32::from(a) << 8 | u32::from(b))
}

fn point_of(spki: &x509_cert::spki::SubjectPublicKeyInfoOwned) -> Option<PublicPoint> {
    spki.subject_public_key.as_bytes()?.try_into().ok()
}

impl PivToken {
    /// Finds the YubiKey (by serial, or the only one present) and reads its serial and
    /// firmware. Errors say what is missing: pcscd, a reader, a card, the named key.
    pub fn open(options: PivOptions) -> Result<PivToken> {
        let card = Card::find(options.serial)?;
        Ok(PivToken {
            name: name_of(card.serial, card.version),
            firmware: version_string(card.version),
            model: model_of(card.version),
            card,
            pin: None,
            management_key: options.management_key,
            rehearsal: options.rehearsal,
        })
    }

    /// A short-lived handle to this YubiKey with the PIN verified (if [`Token::login`] was
    /// called).
    fn handle(&self, verify_pin: bool) -> Result<yubikey::YubiKey> {
        let mut yk = self.card.connect(&self.name)?;
        if verify_pin {
            let pin = self.pin.as_ref().ok_or_else(|| {
                Error::new(
                    Kind::TokenNotLoggedIn,
                    format!("{}: the PIN was not given", self.name),
                )
                .hint("log in to the YubiKey first")
            })?;
            yk.verify_pin(pin.as_slice())
                .map_err(|e| self.pin_error(e))?;
        }
        Ok(yk)
    }

    fn pin_error(&self, e: yubikey::Error) -> Error {
        match e {
            yubikey::Error::WrongPin { tries: 0 } | yubikey::Error::PinLocked => self.blocked(),
            yubikey::Error::WrongPin { tries } => Error::new(
                Kind::WrongPin,
                format!(
                "{}: wrong PIN, {}",
                self.name,
                PinTries::Left(tries)
            ))
            .hint(if tries == 1 {
                "one more wrong PIN blocks it: the holder checks the PIN before typing it again (rootkey does not retry by itself)"
            } else {
                "the holder types the PIN again (rootkey does not retry by itself)"
            }),
            yubikey::Error::SizeError => Error::new(
                Kind::WrongPin,
                format!(
                "{}: the PIN is longer than 8 bytes, which no YubiKey PIN is",
                self.name
            ))
            .hint("type the YubiKey's PIV PIN (6 to 8 characters)"),
            e => card_error(&self.name, "verifying the PIN", e),
        }
    }

    fn blocked(&self) -> Error {
        Error::new(
            Kind::PinBlocked,
            format!("{}: the PIN is blocked (0 tries left)", self.name),
        ).hint(
            "the holder unblocks it with the PUK (`ykman piv access unblock-pin`) and comes back; rootkey never uses the PUK",
        )
    }

    /// Authenticates with the management key on `yk` (the PIN already verified when the key
    /// is the PIN-protected one).
    fn authenticate(&self, yk: &mut yubikey::YubiKey) -> Result<()> {
        use yubikey::piv::{ManagementSlotId, SlotAlgorithmId};
        let (alg, default) =
            match piv::metadata(yk, SlotId::Management(ManagementSlotId::Management)) {
                Ok(m) => match m.algorithm {
                    SlotAlgorithmId::Management(a) => (a, m.default),
                    _ => (yubikey::MgmAlgorithmId::ThreeDes, m.default),
                },
                // Firmware before 5.3 has no GET METADATA and only 3DES keys.
                Err(yubikey::Error::NotSupported) => (yubikey::MgmAlgorithmId::ThreeDes, None),
                Err(e) => return Err(card_error(&self.name, "reading the management key", e)),
            };
        let refuse_default = || {
            Error::new(
                Kind::DefaultManagementKey,
                format!(
                "{}: the YubiKey still has the factory default management key, which a real ceremony refuses",
                self.name
            ))
            .hint("set a random PIN-protected management key first (`ykman piv access change-management-key --generate --protect`), or run a rehearsal")
        };
        if default == Some(true) && !self.rehearsal {
            return Err(refuse_default());
        }
        let key = match &self.management_key {
            ManagementKey::PinProtected => yubikey::MgmKey::get_protected(yk).map_err(|e| {
                Error::new(
                    Kind::WrongManagementKey,
                    format!(
                    "{}: no PIN-protected management key could be read ({e})",
                    self.name
                ))
                .hint("set one up with `ykman piv access change-management-key --generate --protect`, or give the management key")
            })?,
            ManagementKey::Given(k) => yubikey::MgmKey::from_bytes(k.as_slice(), Some(alg))
                .map_err(|_| {
                    Error::new(
                        Kind::WrongManagementKey,
                        format!(
                        "{}: the management key given has the wrong length for this YubiKey's {alg:?} key",
                        self.name
                    ))
                    .hint("give the 24-byte (3DES, AES-192), 16-byte or 32-byte (AES) management key")
                })?,
            ManagementKey::FactoryDefault if self.rehearsal => {
                yubikey::MgmKey::from_bytes(DEFAULT_MANAGEMENT_KEY, Some(alg)).map_err(|e| {
                    card_error(&self.name, "using the default management key", e)
                })?
            }
            ManagementKey::FactoryDefault => return Err(refuse_default()),
        };
        if !self.rehearsal && key.as_ref() == DEFAULT_MANAGEMENT_KEY {
            return Err(refuse_default());
        }
        yk.authenticate(&key).map_err(|e| match e {
            yubikey::Error::AuthenticationError => Error::new(
                Kind::WrongManagementKey,
                format!("{}: wrong management key", self.name),
            )
            .hint(
                "check which management key this YubiKey uses (`ykman piv info`) and give that one",
            ),
            e => card_error(&self.name, "authenticating with the management key", e),
        })
    }

    /// The public key in `slot`, if the slot holds a P-256 key; an error if it holds another
    /// kind of key.
    fn slot_key(&self, yk: &mut yubikey::YubiKey, slot: u8) -> Result<Option<PublicPoint>> {
        let sid = SlotId::try_from(slot).map_err(|e| card_error(&self.name, "slot", e))?;
        match piv::metadata(yk, sid) {
            Ok(m) => {
                let p = m.public.as_ref().and_then(point_of);
                match (m.algorithm, p) {
                    (piv::SlotAlgorithmId::Asymmetric(AlgorithmId::EccP256), Some(p)) => {
                        Ok(Some(p))
                    }
                    (alg, _) => Err(Error::new(
                        Kind::TokenKeyUnsuitable,
                        format!(
                        "{}: slot {slot:02x} holds a {alg:?} key, not a P-256 key",
                        self.name
                    ))
                    .hint("choose another slot (82..95)")),
                }
            }
            Err(yubikey::Error::NotFound) => Ok(None),
            Err(yubikey::Error::NotSupported) => Err(Error::new(
                Kind::TokenFailed,
                format!(
                "{}: firmware {} cannot say whether slot {slot:02x} holds a key (GET METADATA needs 5.3 or later)",
                self.name, self.firmware
            ))
            .hint("use a YubiKey with firmware 5.3 or later")),
            Err(e) => Err(card_error(&self.name, "reading the slot", e)),
        }
    }

    /// Reads the attestation certificate of the key under `key` and the YubiKey's attestation
    /// intermediate (slot F9), and checks them against `root` ([`verify_attestation`]).
    pub fn attest(&mut self, key: &KeyRef, root: &AttestationRoot) -> Result<Attestation> {
        let slot = slot_of(key)?;
        let mut yk = self.handle(false)?;
        let sid = SlotId::try_from(slot).map_err(|e| card_error(&self.name, "slot", e))?;
        let point = self
            .slot_key(&mut yk, slot)?
            .ok_or_else(|| self.no_key(slot))?;
        let leaf = piv::attest(&mut yk, sid)
            .map_err(|e| card_error(&self.name, "reading the attestation", e))?;
        let f9 = yubikey::Certificate::read(&mut yk, SlotId::Attestation).map_err(|e| {
            card_error(
                &self.name,
                "reading the attestation intermediate (slot f9)",
                e,
            )
        })?;
        let f9 = der::Encode::to_der(&f9.cert).map_err(|e| {
            Error::new(
                Kind::AttestationRefused,
                format!(
                    "{}: the attestation intermediate (slot f9) does not encode: {e}",
                    self.name
                ),
            )
        })?;
        drop(yk);
        verify_attestation(&leaf, &f9, root, &self.name, slot, &point)
    }

    fn no_key(&self, slot: u8) -> Error {
        Error::new(
            Kind::TokenKeyMissing,
            format!("{}: slot {slot:02x} holds no key", self.name),
        )
        .hint("enrol the YubiKey first, or name the slot that holds the share key")
    }

    fn object_exists(&self, id: &[u8], yk: &mut yubikey::YubiKey, obj: u32) -> Result<bool> {
        match yk.fetch_object(obj) {
            Ok(_) => Ok(true),
            Err(yubikey::Error::NotFound) => Ok(false),
            Err(e) => Err(card_error(
                &self.name,
                &format!("reading object {}", hex::encode(id)),
                e,
            )),
        }
    }
}

impl Token for PivToken {
    fn name(&self) -> &TokenName {
        &self.name
    }

    fn info(&mut self) -> Result<TokenInfo> {
        let mut yk = self.card.connect(&self.name)?;
        let tries = yk
            .get_pin_retries()
            .map_err(|e| card_error(&self.name, "reading the PIN tries", e))?;
        Ok(TokenInfo {
            backend: Backend::YubikeyPiv,
            name: self.name.clone(),
            manufacturer: "Yubico".to_string(),
            model: self.model.clone(),
            firmware: self.firmware.clone(),
            free_bytes: None,
            pin_tries: PinTries::Left(tries),
            can_hold_data: true,
        })
    }

    fn login(&mut self, pin: &SecretBytes) -> Result<()> {
        let mut yk = self.card.connect(&self.name)?;
        // Ask first: a blocked PIN is reported without spending a try.
        match yk.get_pin_retries() {
            Ok(0) => return Err(self.blocked()),
            Ok(_) => {}
            Err(e) => return Err(card_error(&self.name, "reading the PIN tries", e)),
        }
        yk.verify_pin(pin.as_slice())
            .map_err(|e| self.pin_error(e))?;
        drop(yk);
        self.pin = Some(SecretBytes::copy_from(pin.as_slice())?);
        Ok(())
    }

    fn enrol(&mut self, key: &KeyRef, existing: ExistingKey) -> Result<PublicPoint> {
        let slot = slot_of(key)?;
        let mut yk = self.handle(true)?;
        if let Some(p) = self.slot_key(&mut yk, slot)? {
            match existing {
                ExistingKey::UseWithConsent => return Ok(p),
                ExistingKey::Refuse => {
                    return Err(Error::new(
                        Kind::TokenKeyExists,
                        format!(
                        "{}: slot {slot:02x} already holds a key; it is never overwritten without consent",
                        self.name
                    ))
                    .hint("choose another slot (82..95), or confirm that the key there may be used or replaced"));
                }
                ExistingKey::ReplaceWithConsent => {}
            }
        }
        self.authenticate(&mut yk)?;
        let sid = SlotId::try_from(slot).map_err(|e| card_error(&self.name, "slot", e))?;
        let spki = piv::generate(
            &mut yk,
            sid,
            AlgorithmId::EccP256,
            PinPolicy::Always,
            TouchPolicy::Never,
        )
        .map_err(|e| {
            card_error(
                &self.name,
                &format!("generating a key in slot {slot:02x}"),
                e,
            )
        })?;
        point_of(&spki).ok_or_else(|| {
            Error::new(
                Kind::TokenMisbehaves,
                format!(
                    "{}: the key generated in slot {slot:02x} is not an uncompressed P-256 point",
                    self.name
                ),
            )
        })
    }

    fn public_key(&mut self, key: &KeyRef) -> Result<PublicPoint> {
        let slot = slot_of(key)?;
        let mut yk = self.handle(false)?;
        self.slot_key(&mut yk, slot)?
            .ok_or_else(|| self.no_key(slot))
    }

    fn ecdh(&mut self, key: &KeyRef, peer: &PublicPoint) -> Result<SecretBytes> {
        let slot = slot_of(key)?;
        let sid = SlotId::try_from(slot).map_err(|e| card_error(&self.name, "slot", e))?;
        // PIN policy "always": the VERIFY comes right before the operation, on this handle.
        let mut yk = self.handle(true)?;
        let z = piv::decrypt_data(&mut yk, peer, AlgorithmId::EccP256, sid).map_err(|e| {
            card_error(
                &self.name,
                &format!("ECDH with the key in slot {slot:02x}"),
                e,
            )
        })?;
        if z.len() != 32 {
            return Err(Error::new(
                Kind::TokenMisbehaves,
                format!(
                    "{}: ECDH in slot {slot:02x} returned {} bytes, not 32",
                    self.name,
                    z.len()
                ),
            ));
        }
        Ok(SecretBytes::copy_from(&z)?)
    }

    fn write_object(&mut self, id: &[u8], bytes: &[u8]) -> Result<()> {
        let obj = object_of(id)?;
        if bytes.len() > MAX_OBJECT || bytes.is_empty() {
            return Err(Error::new(
                Kind::TokenSlot,
                format!(
                    "{}: object {} would hold {} bytes; a PIV data object holds 1 to {MAX_OBJECT}",
                    self.name,
                    hex::encode(id),
                    bytes.len()
                ),
            ));
        }
        let mut yk = self.handle(true)?;
        if self.object_exists(id, &mut yk, obj)? {
            return Err(Error::new(
                Kind::TokenObjectExists,
                format!(
                "{}: object {} already exists; it is never overwritten",
                self.name,
                hex::encode(id)
            ))
            .hint("remove it first if it is a leftover of an earlier attempt, or use another object id"));
        }
        self.authenticate(&mut yk)?;
        let mut data = bytes.to_vec();
        let saved = yk.save_object(obj, &mut data);
        drop(yk);
        saved.map_err(|e| match e {
            // The crate reports a refused write (6A84, no space) and a write cut short by the
            // card's removal (no status word at all) alike: ask PC/SC whether it is still there.
            yubikey::Error::GenericError if !self.card.present() => card_error(
                &self.name,
                &format!("writing object {}", hex::encode(id)),
                yubikey::Error::PcscError {
                    inner: Some(pcsc::Error::RemovedCard),
                },
            ),
            yubikey::Error::GenericError => Error::new(
                Kind::TokenFull,
                format!(
                "{}: the YubiKey refused to store object {} ({} bytes): its object storage is full",
                self.name,
                hex::encode(id),
                bytes.len()
            ))
            .hint("remove PIV objects that are no longer needed (`ykman piv objects`), or use another YubiKey"),
            e => card_error(&self.name, &format!("writing object {}", hex::encode(id)), e),
        })
    }

    fn read_object(&mut self, id: &[u8]) -> Result<Option<Vec<u8>>> {
        let obj = object_of(id)?;
        let mut yk = self.handle(false)?;
        match yk.fetch_object(obj) {
            Ok(b) => Ok(Some(b.to_vec())),
            Err(yubikey::Error::NotFound) => Ok(None),
            Err(e) => Err(card_error(
                &self.name,
                &format!("reading object {}", hex::encode(id)),
                e,
            )),
        }
    }

    fn delete_object(&mut self, id: &[u8]) -> Result<()> {
        let obj = object_of(id)?;
        let mut yk = self.handle(true)?;
        if !self.object_exists(id, &mut yk, obj)? {
            return Ok(());
        }
        self.authenticate(&mut yk)?;
        yk.save_object(obj, &mut []).map_err(|e| {
            card_error(
                &self.name,
                &format!("removing object {}", hex::encode(id)),
                e,
            )
        })
    }
}

mod inventory;
pub use inventory::{Inventory, SHARE_SLOTS};

#[cfg(test)]
mod tests;
