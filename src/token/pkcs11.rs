//! The PKCS#11 backend of [`Token`] (`cryptoki`): SoftHSM2, Yubico's ykcs11, OpenSC.
//!
//! * The module is the library the operator names (`--pkcs11-module PATH`); a file that is not
//!   a PKCS#11 library is refused naming the path. Each module is loaded and initialised once
//!   per process ([`Module::load`]) and never finalised.
//! * A token is chosen by label or serial ([`Selector`]); one that is not there is reported
//!   with the list of the tokens that are.
//! * Enrolment generates a P-256 key pair on the token: the private key is `CKA_TOKEN`,
//!   `CKA_PRIVATE`, `CKA_SENSITIVE`, not `CKA_EXTRACTABLE`, `CKA_DERIVE` only; both halves carry
//!   the caller's `CKA_ID` and the label `rootkey <id>`. An existing key is used or replaced
//!   only with consent, and is used only if it has those properties.
//! * ECDH is `CKM_ECDH1_DERIVE` with `CKD_NULL` into a session object (`CKA_TOKEN` false) of
//!   type generic secret that is not sensitive and extractable — SoftHSM2 reveals no other
//!   kind — whose `CKA_VALUE` (the shared x-coordinate) is read into locked memory; the object
//!   is destroyed at once, also when reading it failed (`docs/formats.md`, "Token payload v1").
//! * Payloads are private `CKO_DATA` objects (`CKA_TOKEN`, `CKA_PRIVATE`, `CKA_APPLICATION`
//!   "rootkey", `CKA_LABEL` = the object id). A module from Yubico (ykcs11) cannot create data
//!   objects: [`TokenInfo::can_hold_data`] is false there.
//!
//! The PIN is passed to `C_Login` from a heap copy that cryptoki's `RawAuthPin` zeroizes on
//! drop; the derived `CKA_VALUE` arrives in a heap vector that is zeroized once copied.

use cryptoki::context::Pkcs11;
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::RawAuthPin;
use zeroize::Zeroize;

use super::{
    Backend, ExistingKey, KeyRef, POINT_LEN, PinTries, PublicPoint, Token, TokenInfo, TokenName,
};
use crate::error::{Error, Kind, Result};
use crate::secret::SecretBytes;

/// DER of the named curve prime256v1 (1.2.840.10045.3.1.7), the `CKA_EC_PARAMS` of our keys.
const P256_PARAMS: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// `CKA_APPLICATION` of payload objects.
pub const APPLICATION: &[u8] = b"rootkey";

mod module;
pub use module::{Module, Selector};

/// An error of a PKCS#11 call on a token, named; the "token full" and "token removed" cases
/// have their own messages.
fn ck(name: &TokenName, what: &str, e: CkError) -> Error {
    match e {
        CkError::Pkcs11(RvError::DeviceMemory, _) => token_full(name, None),
        CkError::Pkcs11(
            RvError::DeviceRemoved | RvError::TokenNotPresent | RvError::SessionHandleInvalid,
            _,
        ) => Error::new(
            Kind::TokenRemoved,
            format!("{name} was removed or stopped answering while {what}"),
        )
            .hint("insert the token again and repeat the step; a half-written object is removed on the next attempt"),
        CkError::Pkcs11(RvError::UserNotLoggedIn, _) => {
            Error::new(Kind::TokenNotLoggedIn, format!("{name}: not logged in while {what}"))
                .hint("log in with the token's user PIN first")
        }
        e => Error::new(Kind::TokenFailed, format!("{name}: {what} failed ({e})")),
    }
}

/// The "token full" error (`free`: what the token said it has left).
pub fn token_full(name: &TokenName, need: Option<(usize, usize)>) -> Error {
    let detail = match need {
        Some((free, need)) => format!(": it reports {free} bytes free, the payload needs {need}"),
        None => " (CKR_DEVICE_MEMORY)".to_string(),
    };
    Error::new(Kind::TokenFull, format!("{name} is full{detail}"))
        .hint("remove objects that are no longer needed from the token, or use another token; nothing was written")
}

/// One token opened through a [`Module`].
pub struct Pkcs11Token {
    module: Pkcs11,
    slot: Slot,
    session: Session,
    name: TokenName,
    can_hold_data: bool,
}

impl Pkcs11Token {
    fn key_label(key: &KeyRef) -> Vec<u8> {
        let mut l = b"rootkey ".to_vec();
        l.extend_from_slice(&key.0);
        l
    }

    fn find(&self, template: &[Attribute], what: &str) -> Result<Vec<ObjectHandle>> {
        self.session
            .find_objects(template)
            .map_err(|e| ck(&self.name, what, e))
    }

    /// The private and public key objects carrying `key`'s CKA_ID or our label for it.
    fn key_objects(&self, key: &KeyRef) -> Result<(Vec<ObjectHandle>, Vec<ObjectHandle>)> {
        let mut found = (Vec::new(), Vec::new());
        for (class, out) in [
            (ObjectClass::PRIVATE_KEY, &mut found.0),
            (ObjectClass::PUBLIC_KEY, &mut found.1),
        ] {
            for attr in [
                Attribute::Id(key.0.clone()),
                Attribute::Label(Self::key_label(key)),
            ] {
                for h in self.find(&[Attribute::Class(class), attr], "looking for the key")? {
                    if !out.contains(&h) {
                        out.push(h);
                    }
                }
            }
        }
        Ok(found)
    }

    fn key_text(key: &KeyRef) -> String {
        if key.0.iter().all(|c| c.is_ascii_graphic()) {
            format!("\"{}\"", String::from_utf8_lossy(&key.0))
        } else {
            hex::encode(&key.0)
        }
    }

    fn one_key(&self, key: &KeyRef, class: ObjectClass, what: &str) -> Result<ObjectHandle> {
        let hs = self.find(
            &[Attribute::Class(class), Attribute::Id(key.0.clone())],
            "looking for the key",
        )?;
        match hs.as_slice() {
            [h] => Ok(*h),
            [] => Err(Error::new(
                Kind::TokenKeyMissing,
                format!(
                    "{}: no {what} with CKA_ID {}",
                    self.name,
                    Self::key_text(key)
                ),
            )
            .hint("enrol the token first, or present the token this share was written to")),
            _ => Err(Error::new(
                Kind::TokenObjects,
                format!(
                    "{}: {} {what}s carry CKA_ID {}",
                    self.name,
                    hs.len(),
                    Self::key_text(key)
                ),
            )
            .hint("remove the extra keys with the token's own tools")),
        }
    }

    /// Refuses a private key that could leave the token or is not a P-256 ECDH key.
    fn check_private_key(&self, h: ObjectHandle, key: &KeyRef) -> Result<()> {
        let attrs = self
            .session
            .get_attributes(
                h,
                &[
                    AttributeType::KeyType,
                    AttributeType::EcParams,
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::Derive,
                ],
            )
            .map_err(|e| ck(&self.name, "reading the key's attributes", e))?;
        let mut ok = [false; 5];
        for a in attrs {
            match a {
                Attribute::KeyType(t) => ok[0] = t == KeyType::EC,
                Attribute::EcParams(p) => ok[1] = p == P256_PARAMS,
                Attribute::Sensitive(s) => ok[2] = s,
                Attribute::Extractable(x) => ok[3] = !x,
                // ykcs11 (the module that cannot hold data) reports CKA_DERIVE false on every
                // EC key yet performs CKM_ECDH1_DERIVE with it.
                Attribute::Derive(d) => ok[4] = d || !self.can_hold_data,
                _ => {}
            }
        }
        if ok.iter().all(|b| *b) {
            return Ok(());
        }
        Err(Error::new(
            Kind::TokenKeyUnsuitable,
            format!(
            "{}: the existing key {} is not a P-256 ECDH key that is sensitive and not extractable",
            self.name,
            Self::key_text(key)
        ))
        .hint("enrol with another key id, or replace the key (with the holder's consent)"))
    }

    fn generate(&self, key: &KeyRef) -> Result<()> {
        let label = Self::key_label(key);
        let public = [
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::EcParams(P256_PARAMS.to_vec()),
            Attribute::Id(key.0.clone()),
            Attribute::Label(label.clone()),
            Attribute::Derive(true),
        ];
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Derive(true),
            Attribute::Sign(false),
            Attribute::Id(key.0.clone()),
            Attribute::Label(label),
        ];
        self.session
            .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private)
            .map_err(|e| ck(&self.name, "generating the P-256 key pair", e))?;
        Ok(())
    }

    fn data_objects(&self, id: &[u8]) -> Result<Vec<ObjectHandle>> {
        self.find(
            &[
                Attribute::Class(ObjectClass::DATA),
                Attribute::Application(APPLICATION.to_vec()),
                Attribute::Label(id.to_vec()),
            ],
            "looking for the payload object",
        )
    }

    fn value(&self, h: ObjectHandle, what: &str) -> Result<Vec<u8>> {
        let attrs = self
            .session
            .get_attributes(h, &[AttributeType::Value])
            .map_err(|e| ck(&self.name, what, e))?;
        for a in attrs {
            if let Attribute::Value(v) = a {
                return Ok(v);
            }
        }
        Err(Error::new(
            Kind::TokenFailed,
            format!("{}: {what}: the token returned no CKA_VALUE", self.name),
        ))
    }
}

/// The 65-byte point inside a `CKA_EC_POINT` (DER OCTET STRING `04 41 …`, or the raw point).
fn ec_point(v: &[u8]) -> Option<PublicPoint> {
    let raw = match v {
        [0x04, 0x41, rest @ ..] if rest.len() == POINT_LEN => rest,
        _ if v.len() == POINT_LEN => v,
        _ => return None,
    };
    (raw[0] == 0x04).then(|| {
        let mut p = [0u8; POINT_LEN];
        p.copy_from_slice(raw);
        p
    })
}

/// What the token says of itself (`C_GetTokenInfo`), as a [`TokenInfo`] named `name`.
fn token_info(t: &cryptoki::slot::TokenInfo, name: TokenName, can_hold_data: bool) -> TokenInfo {
    let fw = t.firmware_version();
    TokenInfo {
        backend: Backend::Pkcs11,
        name,
        manufacturer: t.manufacturer_id().trim().to_string(),
        model: t.model().trim().to_string(),
        firmware: format!("{}.{}", fw.major(), fw.minor()),
        free_bytes: t.free_private_memory(),
        pin_tries: PinTries::from_flags(
            t.user_pin_count_low(),
            t.user_pin_final_try(),
            t.user_pin_locked(),
        ),
        can_hold_data,
    }
}

impl Token for Pkcs11Token {
    fn name(&self) -> &TokenName {
        &self.name
    }

    fn info(&mut self) -> Result<TokenInfo> {
        let t = self
            .module
            .get_token_info(self.slot)
            .map_err(|e| ck(&self.name, "reading the token information", e))?;
        Ok(token_info(&t, self.name.clone(), self.can_hold_data))
    }

    fn login(&mut self, pin: &SecretBytes) -> Result<()> {
        let raw = RawAuthPin::from(Box::new(pin.as_slice().to_vec()));
        match self.session.login_with_raw(UserType::User, &raw) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => Ok(()),
            Err(CkError::Pkcs11(RvError::PinLocked, _)) => {
                Err(pin_locked(&self.name, "the user PIN is blocked"))
            }
            Err(CkError::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange, _)) => {
                let tries = self.info().map(|i| i.pin_tries)?;
                if tries.is_locked() {
                    return Err(pin_locked(
                        &self.name,
                        "wrong PIN, and the token has now blocked the user PIN",
                    ));
                }
                Err(Error::new(Kind::WrongPin, format!("{}: wrong PIN; {tries}", self.name)).hint(
                    "check which token this is and type its user PIN again; rootkey never retries a PIN by itself",
                ))
            }
            Err(e) => Err(ck(&self.name, "logging in", e)),
        }
    }

    fn enrol(&mut self, key: &KeyRef, existing: ExistingKey) -> Result<PublicPoint> {
        if key.0.is_empty() || key.0.len() > super::payload::MAX_FIELD {
            return Err(Error::new(
                Kind::TokenSlot,
                format!(
                    "key id of {} bytes: a CKA_ID for rootkey has 1..=64 bytes",
                    key.0.len()
                ),
            ));
        }
        let (private, public) = self.key_objects(key)?;
        if !private.is_empty() || !public.is_empty() {
            match existing {
                ExistingKey::Refuse => {
                    return Err(Error::new(
                        Kind::TokenKeyExists,
                        format!(
                        "{} already holds a key with CKA_ID {} (or the label \"rootkey …\" for it); it is left untouched",
                        self.name,
                        Self::key_text(key)
                    ))
                    .hint("if the holder confirms that key may be used (or replaced), repeat with their consent; otherwise use another token"));
                }
                ExistingKey::UseWithConsent => {
                    let h = self.one_key(key, ObjectClass::PRIVATE_KEY, "private key")?;
                    self.check_private_key(h, key)?;
                    return self.public_key(key);
                }
                ExistingKey::ReplaceWithConsent => {
                    for h in private.into_iter().chain(public) {
                        self.session
                            .destroy_object(h)
                            .map_err(|e| ck(&self.name, "removing the old key", e))?;
                    }
                }
            }
        }
        self.generate(key)?;
        self.public_key(key)
    }

    fn public_key(&mut self, key: &KeyRef) -> Result<PublicPoint> {
        let h = self.one_key(key, ObjectClass::PUBLIC_KEY, "public key")?;
        let attrs = self
            .session
            .get_attributes(h, &[AttributeType::EcParams, AttributeType::EcPoint])
            .map_err(|e| ck(&self.name, "reading the public key", e))?;
        let (mut params, mut point) = (None, None);
        for a in attrs {
            match a {
                Attribute::EcParams(p) => params = Some(p),
                Attribute::EcPoint(p) => point = ec_point(&p),
                _ => {}
            }
        }
        match (params.as_deref(), point) {
            (Some(P256_PARAMS), Some(p)) => Ok(p),
            _ => Err(Error::new(
                Kind::BadKey,
                format!(
                    "{}: the public key {} is not an uncompressed P-256 point",
                    self.name,
                    Self::key_text(key)
                ),
            )),
        }
    }

    fn ecdh(&mut self, key: &KeyRef, peer: &PublicPoint) -> Result<SecretBytes> {
        let h = self.one_key(key, ObjectClass::PRIVATE_KEY, "private key")?;
        let params = Ecdh1DeriveParams::new(EcKdf::null(), peer);
        let template = [
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::GENERIC_SECRET),
            Attribute::ValueLen(32.into()),
            Attribute::Token(false),
            Attribute::Private(true),
            Attribute::Sensitive(false),
            Attribute::Extractable(true),
        ];
        let derived = self
            .session
            .derive_key(&Mechanism::Ecdh1Derive(params), h, &template)
            .map_err(|e| ck(&self.name, "ECDH on the token (CKM_ECDH1_DERIVE)", e))?;
        let value = self.value(derived, "reading the ECDH result");
        let destroyed = self.session.destroy_object(derived);
        let mut value = value?;
        destroyed.map_err(|e| ck(&self.name, "destroying the ECDH result", e))?;
        if value.len() != 32 {
            value.zeroize();
            return Err(Error::new(
                Kind::TokenMisbehaves,
                format!(
                    "{}: ECDH gave {} bytes, expected the 32-byte x-coordinate",
                    self.name,
                    value.len()
                ),
            ));
        }
        SecretBytes::take_from(&mut value).map_err(Error::from)
    }

    fn write_object(&mut self, id: &[u8], bytes: &[u8]) -> Result<()> {
        let label = String::from_utf8_lossy(id).into_owned();
        if !self.can_hold_data {
            return Err(Error::new(
                Kind::TokenNoDataObjects,
                format!(
                "{}: this module cannot store data objects (ykcs11 stores only keys and certificates)",
                self.name
            ))
            .hint("write the payload to the file only (location 2)"));
        }
        if !self.data_objects(id)?.is_empty() {
            return Err(Error::new(
                Kind::TokenObjectExists,
                format!(
                    "{} already holds a payload object \"{label}\"; it is left untouched",
                    self.name
                ),
            )
            .hint("read it first; remove it only if the holder confirms it is no longer needed"));
        }
        if let Some(free) = self.info()?.free_bytes
            && free < bytes.len()
        {
            return Err(token_full(&self.name, Some((free, bytes.len()))));
        }
        let template = [
            Attribute::Class(ObjectClass::DATA),
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Modifiable(false),
            Attribute::Application(APPLICATION.to_vec()),
            Attribute::Label(id.to_vec()),
            Attribute::Value(bytes.to_vec()),
        ];
        self.session.create_object(&template).map_err(|e| {
            ck(
                &self.name,
                &format!("writing the payload object \"{label}\""),
                e,
            )
        })?;
        Ok(())
    }

    fn read_object(&mut self, id: &[u8]) -> Result<Option<Vec<u8>>> {
        let hs = self.data_objects(id)?;
        match hs.as_slice() {
            [] => Ok(None),
            [h] => self.value(*h, "reading the payload object").map(Some),
            _ => Err(Error::new(
                Kind::TokenObjects,
                format!(
                    "{}: {} payload objects are labelled \"{}\"",
                    self.name,
                    hs.len(),
                    String::from_utf8_lossy(id)
                ),
            )
            .hint("remove the extra objects with the token's own tools")),
        }
    }

    fn delete_object(&mut self, id: &[u8]) -> Result<()> {
        for h in self.data_objects(id)? {
            self.session
                .destroy_object(h)
                .map_err(|e| ck(&self.name, "removing the payload object", e))?;
        }
        Ok(())
    }
}

fn pin_locked(name: &TokenName, what: &str) -> Error {
    Error::new(Kind::PinBlocked, format!("{name}: {what} (CKF_USER_PIN_LOCKED)")).hint(
        "the token's security officer must unblock it with the SO PIN (or the token's own tools); rootkey cannot use this token until then",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_point_forms() {
        let mut raw = [0u8; 65];
        raw[0] = 4;
        raw[1] = 9;
        let mut der = vec![0x04, 0x41];
        der.extend_from_slice(&raw);
        assert_eq!(ec_point(&der), Some(raw));
        assert_eq!(ec_point(&raw), Some(raw));
        assert_eq!(ec_point(&der[..66]), None);
        raw[0] = 2;
        assert_eq!(ec_point(&raw), None);
    }

    #[test]
    fn blocked_pin_message() {
        let name = TokenName {
            label: "alpha".into(),
            serial: "1234".into(),
        };
        let e = pin_locked(&name, "the user PIN is blocked");
        assert_eq!(e.kind, Kind::PinBlocked);
        assert_eq!(
            e.message,
            "token \"alpha\" (serial 1234): the user PIN is blocked (CKF_USER_PIN_LOCKED)"
        );
        assert!(
            e.hint
                .unwrap()
                .starts_with("the token's security officer must unblock it")
        );
    }

    #[test]
    fn device_memory_is_token_full() {
        let name = TokenName {
            label: "alpha".into(),
            serial: "1234".into(),
        };
        let e = ck(
            &name,
            "writing",
            CkError::Pkcs11(
                RvError::DeviceMemory,
                cryptoki::context::Function::CreateObject,
            ),
        );
        assert_eq!(
            e.message,
            "token \"alpha\" (serial 1234) is full (CKR_DEVICE_MEMORY)"
        );
        assert_eq!(e.kind, Kind::TokenFull);
        assert_eq!(e.exit_code(), crate::error::exit::ENVIRONMENT);
        let e = ck(
            &name,
            "writing",
            CkError::Pkcs11(
                RvError::DeviceRemoved,
                cryptoki::context::Function::CreateObject,
            ),
        );
        assert_eq!(e.kind, Kind::TokenRemoved);
        assert_eq!(e.exit_code(), crate::error::exit::ENVIRONMENT);
    }
}
