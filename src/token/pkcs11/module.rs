//! Loading a PKCS#11 module, listing its tokens and choosing one by label or serial.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::slot::Slot;

use super::{Pkcs11Token, ck, token_info};
use crate::error::{Error, Kind, Result};
use crate::token::{TokenInfo, TokenName};

/// Modules loaded by this process, by canonical path (loaded and initialised once).
static LOADED: Mutex<Vec<(PathBuf, Pkcs11)>> = Mutex::new(Vec::new());

/// How the operator names a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// By `CK_TOKEN_INFO.label`.
    Label(String),
    /// By `CK_TOKEN_INFO.serialNumber`.
    Serial(String),
}

/// A loaded PKCS#11 module.
pub struct Module {
    ctx: Pkcs11,
    path: PathBuf,
    can_hold_data: bool,
}

fn module_hint() -> &'static str {
    "give --pkcs11-module the path of the token's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so (SoftHSM2), /usr/lib/x86_64-linux-gnu/libykcs11.so (YubiKey), /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so (OpenSC)"
}

impl Module {
    /// Loads (once per process) and initialises the PKCS#11 library at `path`.
    pub fn load(path: &Path) -> Result<Module> {
        let shown = path.display();
        let canonical = path.canonicalize().map_err(|e| {
            Error::new(
                Kind::NotPkcs11Module,
                format!("--pkcs11-module {shown}: {e}"),
            )
            .hint(module_hint())
        })?;
        if !canonical.is_file() {
            return Err(Error::new(
                Kind::NotPkcs11Module,
                format!("--pkcs11-module {shown}: not a file"),
            )
            .hint(module_hint()));
        }
        let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
        let ctx = match loaded.iter().find(|(p, _)| *p == canonical) {
            Some((_, ctx)) => ctx.clone(),
            None => {
                let ctx = Pkcs11::new(&canonical).map_err(|e| not_a_module(path, &e))?;
                match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
                    Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
                    Err(e) => {
                        return Err(Error::new(Kind::TokenFailed, format!(
                            "--pkcs11-module {shown}: the module refused to start (C_Initialize: {e})"
                        ))
                        .hint("check the module's configuration (e.g. SOFTHSM2_CONF for SoftHSM2)"));
                    }
                }
                loaded.push((canonical, ctx.clone()));
                ctx
            }
        };
        let info = ctx.get_library_info().map_err(|e| not_a_module(path, &e))?;
        // ykcs11 refuses C_CreateObject for CKO_DATA (it stores only certificates and keys).
        let can_hold_data = !info.manufacturer_id().starts_with("Yubico");
        Ok(Module {
            ctx,
            path: path.to_path_buf(),
            can_hold_data,
        })
    }

    /// The path the module was loaded from, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether tokens of this module can store payload objects (false for Yubico's ykcs11).
    pub fn can_hold_data(&self) -> bool {
        self.can_hold_data
    }

    /// Every initialised token present in the module's slots, described.
    pub fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let slots = self.ctx.get_slots_with_initialized_token().map_err(|e| {
            Error::new(
                Kind::TokenFailed,
                format!(
                    "--pkcs11-module {}: could not list the slots ({e})",
                    self.path.display()
                ),
            )
        })?;
        let mut out = Vec::new();
        for slot in slots {
            out.push(self.describe(slot)?);
        }
        Ok(out)
    }

    fn describe(&self, slot: Slot) -> Result<TokenInfo> {
        let t = self.ctx.get_token_info(slot).map_err(|e| {
            Error::new(
                Kind::TokenFailed,
                format!(
                    "--pkcs11-module {}: could not read the token in slot {} ({e})",
                    self.path.display(),
                    slot.id()
                ),
            )
        })?;
        let name = TokenName {
            label: t.label().trim().to_string(),
            serial: t.serial_number().trim().to_string(),
        };
        Ok(token_info(&t, name, self.can_hold_data))
    }

    /// Opens a read-write session with the token `sel` names.
    pub fn open(&self, sel: &Selector) -> Result<Pkcs11Token> {
        let slots = self.ctx.get_slots_with_initialized_token().map_err(|e| {
            Error::new(
                Kind::TokenFailed,
                format!(
                    "--pkcs11-module {}: could not list the slots ({e})",
                    self.path.display()
                ),
            )
        })?;
        let mut all = Vec::new();
        let mut found = Vec::new();
        for slot in slots {
            let info = self.describe(slot)?;
            let hit = match sel {
                Selector::Label(l) => info.name.label == *l,
                Selector::Serial(s) => info.name.serial == *s,
            };
            if hit {
                found.push((slot, info.name.clone()));
            }
            all.push(info.name);
        }
        let (what, value) = match sel {
            Selector::Label(l) => ("label", l),
            Selector::Serial(s) => ("serial", s),
        };
        let value = crate::error::replace_unsafe(value, '?');
        let listed = if all.is_empty() {
            "none".to_string()
        } else {
            all.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        if found.len() > 1 {
            return Err(Error::new(
                Kind::TokenAmbiguous,
                format!(
                    "{} tokens in {} carry the {what} \"{value}\": {listed}",
                    found.len(),
                    self.path.display()
                ),
            )
            .hint("choose the token by its serial number"));
        }
        let Some((slot, name)) = found.pop() else {
            return Err(Error::new(
                Kind::TokenNotFound,
                format!(
                    "no token with {what} \"{value}\" in {}; tokens present: {listed}",
                    self.path.display()
                ),
            )
            .hint("insert the token, or give the label or serial of one that is present"));
        };
        let session = self
            .ctx
            .open_rw_session(slot)
            .map_err(|e| ck(&name, "opening a session", e))?;
        Ok(Pkcs11Token {
            module: self.ctx.clone(),
            slot,
            session,
            name,
            can_hold_data: self.can_hold_data,
        })
    }
}

fn not_a_module(path: &Path, e: &CkError) -> Error {
    Error::new(
        Kind::NotPkcs11Module,
        format!(
            "--pkcs11-module {}: not a PKCS#11 library ({e})",
            path.display()
        ),
    )
    .hint(module_hint())
}

impl Pkcs11Token {
    /// The public key objects visible without logging in: (`CKA_ID`, `CKA_LABEL`) of each,
    /// for `rootkey token describe`. Private objects (keys, payloads) need the PIN and are not
    /// listed.
    pub fn public_keys(&self) -> Result<Vec<(Vec<u8>, String)>> {
        use cryptoki::object::{Attribute, AttributeType, ObjectClass};
        let what = "listing the public keys";
        let handles = self
            .session
            .find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY)])
            .map_err(|e| ck(&self.name, what, e))?;
        let mut out = Vec::new();
        for h in handles {
            let attrs = self
                .session
                .get_attributes(h, &[AttributeType::Id, AttributeType::Label])
                .map_err(|e| ck(&self.name, what, e))?;
            let (mut id, mut label) = (Vec::new(), String::new());
            for a in attrs {
                match a {
                    Attribute::Id(v) => id = v,
                    Attribute::Label(v) => label = String::from_utf8_lossy(&v).into_owned(),
                    _ => {}
                }
            }
            out.push((id, label));
        }
        out.sort();
        Ok(out)
    }
}
