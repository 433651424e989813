//! A holder's `token` table in a plan (`docs/formats.md`, "Ceremony plan"): which hardware
//! token receives the share, for `medium = "pkcs11"` and `medium = "yubikey"`.

use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

use super::Medium;
use crate::error::{Error, Kind, Result};

/// The `token` table as written (every key optional here; [`TokenTable::resolve`] applies the
/// medium's rules). Spans locate errors by line and column.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenTable {
    /// PKCS#11: absolute path of the module (shared library).
    module: Option<Spanned<String>>,
    /// PKCS#11: the token's label.
    label: Option<Spanned<String>>,
    /// PKCS#11: the token's serial number; YubiKey: the decimal serial.
    serial: Option<Spanned<String>>,
    /// YubiKey: the PIV slot, two hex digits (default `82`).
    slot: Option<Spanned<String>>,
}

/// Where a token holder's share goes, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenSpec {
    /// A PKCS#11 token.
    Pkcs11 {
        /// Absolute path of the PKCS#11 module.
        module: PathBuf,
        /// The token's label, if given.
        label: Option<String>,
        /// The token's serial number, if given (at least one of label and serial is).
        serial: Option<String>,
    },
    /// A YubiKey's PIV application.
    Yubikey {
        /// The YubiKey's serial; `None`: the only YubiKey present (its serial is recorded).
        serial: Option<u32>,
        /// The PIV slot of the share key (0x82..=0x95 or 0x9D).
        slot: u8,
    },
}

impl TokenSpec {
    /// How the plan names the token, for the holder's screen: `token "label" (serial S)`,
    /// `YubiKey serial S`, or `the only YubiKey present`.
    pub fn describe(&self) -> String {
        match self {
            TokenSpec::Pkcs11 { label, serial, .. } => match (label, serial) {
                (Some(l), Some(s)) => format!("PKCS#11 token \"{l}\" (serial {s})"),
                (Some(l), None) => format!("PKCS#11 token \"{l}\""),
                (None, Some(s)) => format!("PKCS#11 token with serial {s}"),
                (None, None) => "PKCS#11 token".into(),
            },
            TokenSpec::Yubikey {
                serial: Some(s), ..
            } => format!("YubiKey serial {s}"),
            TokenSpec::Yubikey { serial: None, .. } => "the only YubiKey present".into(),
        }
    }
}

/// The next step of every token-table error.
const HINT: &str =
    "correct the holder's [holders.token] table (its keys: docs/formats.md, \"Ceremony plan\")";

/// The default YubiKey slot (a retired key-management slot).
pub const DEFAULT_SLOT: u8 = 0x82;

/// `ORIGIN, line L, column C, key holders.token.KEY` for a span in `text`.
fn at(origin: &str, text: &str, span: std::ops::Range<usize>, key: &str) -> String {
    let (line, column) = crate::tomlpos::position(text, span.start);
    format!("plan {origin}, line {line}, column {column}, key holders.token{key}")
}

/// A value without control characters, 1 to 64 characters, no outer spaces.
fn plain(v: &str) -> bool {
    let n = v.chars().count();
    (1..=64).contains(&n) && v.trim() == v && !v.chars().any(crate::error::is_unsafe_char)
}

impl TokenTable {
    /// Applies the rules of `medium` (a token medium) to the table of holder `index` (1-based).
    pub fn resolve(&self, medium: Medium, origin: &str, text: &str) -> Result<TokenSpec> {
        let bad = |s: &Spanned<String>, key: &str, what: String| {
            Error::new(
                Kind::Plan,
                format!("{}: {what}", at(origin, text, s.span(), key)),
            )
            .hint(HINT)
        };
        let refuse_for = |s: &Option<Spanned<String>>, key: &str| match s {
            Some(s) => Err(bad(
                s,
                &format!(".{key}"),
                format!("`{key}` is not a key of a {medium} token"),
            )),
            None => Ok(()),
        };
        for (s, key) in [
            (&self.module, "module"),
            (&self.label, "label"),
            (&self.serial, "serial"),
            (&self.slot, "slot"),
        ] {
            if let Some(s) = s
                && s.get_ref().chars().any(crate::error::is_unsafe_char)
            {
                return Err(bad(
                    s,
                    &format!(".{key}"),
                    "must be a single line without control characters".into(),
                ));
            }
        }
        match medium {
            Medium::Pkcs11 => {
                refuse_for(&self.slot, "slot")?;
                let module = self.module.as_ref().ok_or_else(|| {
                    Error::new(
                        Kind::Plan,
                        format!(
                            "plan {origin}: a pkcs11 holder's token table needs `module` (the absolute path of the PKCS#11 library)"
                        ),
                    )
                    .hint(HINT)
                })?;
                if !module.get_ref().starts_with('/') {
                    return Err(bad(
                        module,
                        ".module",
                        format!(
                            "{:?} is not an absolute path (give the full path of the PKCS#11 library)",
                            module.get_ref()
                        ),
                    ));
                }
                let mut out = Vec::new();
                for (s, key) in [(&self.label, "label"), (&self.serial, "serial")] {
                    match s {
                        Some(s) if !plain(s.get_ref()) => {
                            return Err(bad(
                                s,
                                &format!(".{key}"),
                                "must be 1 to 64 characters without outer spaces".into(),
                            ));
                        }
                        s => out.push(s.as_ref().map(|s| s.get_ref().clone())),
                    }
                }
                let (label, serial) = (out.remove(0), out.remove(0));
                if label.is_none() && serial.is_none() {
                    return Err(bad(
                        module,
                        "",
                        "a pkcs11 holder's token table needs `label` or `serial` (or both) to choose the token".into(),
                    ));
                }
                Ok(TokenSpec::Pkcs11 {
                    module: PathBuf::from(module.get_ref()),
                    label,
                    serial,
                })
            }
            Medium::Yubikey => {
                refuse_for(&self.module, "module")?;
                refuse_for(&self.label, "label")?;
                let serial = match &self.serial {
                    None => None,
                    Some(s) => Some(
                        s.get_ref()
                            .parse::<u32>()
                            .ok()
                            .filter(|_| s.get_ref().bytes().all(|b| b.is_ascii_digit()))
                            .ok_or_else(|| {
                                bad(
                                    s,
                                    ".serial",
                                    format!(
                                        "{:?} is not a YubiKey serial (decimal digits, as printed on the key)",
                                        s.get_ref()
                                    ),
                                )
                            })?,
                    ),
                };
                let slot = match &self.slot {
                    None => DEFAULT_SLOT,
                    Some(s) => {
                        let v = s.get_ref();
                        let b = u8::from_str_radix(v, 16).ok().filter(|b| {
                            v.len() == 2
                                && v.bytes().all(|c| c.is_ascii_hexdigit())
                                && matches!(b, 0x82..=0x95 | 0x9d)
                        });
                        b.ok_or_else(|| {
                            bad(
                                s,
                                ".slot",
                                format!(
                                    "{v:?} is not a slot for a share key (two hex digits, 82 to 95 or 9d)"
                                ),
                            )
                        })?
                    }
                };
                Ok(TokenSpec::Yubikey { serial, slot })
            }
            Medium::Text | Medium::Paper => Err(Error::new(
                Kind::Plan,
                format!("plan {origin}: internal: no token for medium {medium}"),
            )),
        }
    }
}
