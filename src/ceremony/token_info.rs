//! The operator's pre-flight (`rootkey token list`, `rootkey token describe`): which tokens
//! are reachable and what they hold, before a ceremony asks anyone for a PIN. Not a ceremony:
//! no share, no key, no transcript, and no PIN is ever asked for.

use std::path::{Path, PathBuf};

use crate::console;
use crate::error::{Kind, Result, exit, replace_unsafe};
use crate::token::piv::{self, Inventory, ManagementKey, PivOptions, PivToken};
use crate::token::pkcs11::{Module, Selector};
use crate::token::{Backend, Token, TokenInfo};

/// Width of the output: every line fits 80 columns unless one word (a path) is longer.
const WIDTH: usize = 80;
/// Indent of a field's label, and the width of the label column.
const INDENT: usize = 4;
const LABEL: usize = 16;

/// Which token `rootkey token describe` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Which {
    /// A YubiKey through PC/SC: the one with this serial, or the only one present.
    Yubikey(Option<u32>),
    /// A token of a PKCS#11 module, by label or serial.
    Pkcs11 {
        /// The module (`--pkcs11-module`).
        module: PathBuf,
        /// The token.
        token: Selector,
    },
}

/// `label  value`, the value wrapped at [`WIDTH`] under itself.
fn field(out: &mut String, label: &str, value: &str) {
    let start = INDENT + LABEL + 1;
    let mut line = format!("{:INDENT$}{label:<LABEL$} ", "");
    let mut empty = true;
    for word in value.split(' ') {
        if !empty && line.len() + 1 + word.len() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(start);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// A line of free text at `indent`, wrapped at [`WIDTH`] (continuations 2 deeper).
fn para(out: &mut String, indent: usize, text: &str) {
    let mut line = " ".repeat(indent);
    let mut empty = true;
    for word in text.split(' ') {
        if !empty && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(indent + 2);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

/// The fields every token shows: `list` prints these, `describe` adds to them.
fn token_block(out: &mut String, info: &TokenInfo, module: Option<&Path>) {
    para(out, 2, &info.name.to_string());
    let backend = match (info.backend, module) {
        (Backend::Pkcs11, Some(m)) => format!("pkcs11, module {}", m.display()),
        (b, _) => format!("{} (PIV over PC/SC)", b.as_str()),
    };
    field(out, "backend", &backend);
    field(
        out,
        "manufacturer",
        &replace_unsafe(&info.manufacturer, '?'),
    );
    field(out, "model", &replace_unsafe(&info.model, '?'));
    field(out, "firmware", &info.firmware);
    field(out, "PIN", &info.pin_tries.to_string());
    let data = match (info.can_hold_data, info.backend) {
        (true, Backend::YubikeyPiv) => {
            format!("yes: PIV data objects of up to {} bytes", piv::MAX_OBJECT)
        }
        (true, Backend::Pkcs11) => "yes: private CKO_DATA objects".to_string(),
        (false, _) => {
            "no: this module stores keys only; the payload file carries the ciphertext".to_string()
        }
    };
    field(out, "holds payloads", &data);
    let free = match info.free_bytes {
        Some(n) => format!("{n} bytes"),
        None => "not reported".to_string(),
    };
    field(out, "free space", &free);
}

/// The YubiKeys on the PC/SC readers, described (no PIN used).
fn yubikeys() -> Result<Vec<TokenInfo>> {
    let mut out = Vec::new();
    for found in piv::list()? {
        let mut t = open_yubikey(found.name.serial.parse().ok())?;
        out.push(t.info()?);
    }
    Ok(out)
}

fn open_yubikey(serial: Option<u32>) -> Result<PivToken> {
    PivToken::open(PivOptions {
        serial,
        // Never used: describing a YubiKey needs no management key.
        management_key: ManagementKey::PinProtected,
        rehearsal: false,
    })
}

/// `rootkey token list`: every YubiKey reachable through PC/SC and every token of each
/// module in `modules`. A PC/SC that cannot be reached is an error when no module is given,
/// and a note in the YubiKey section otherwise.
pub fn list(modules: &[PathBuf]) -> Result<i32> {
    let mut out = String::from("YubiKeys (PC/SC):\n");
    match yubikeys() {
        Ok(keys) if keys.is_empty() => out.push_str("  none found\n"),
        Ok(keys) => {
            for k in &keys {
                token_block(&mut out, k, None);
            }
        }
        Err(e)
            if !modules.is_empty() && matches!(e.kind, Kind::PcscUnavailable | Kind::NoReader) =>
        {
            let why = e.message.trim_start_matches("looking for YubiKeys: ");
            para(&mut out, 2, &format!("not searched: {why}"));
        }
        Err(e) => return Err(e),
    }
    for path in modules {
        let module = Module::load(path)?;
        let mut tokens = module.tokens()?;
        // Slot order is the module's; label and serial order is the same on every run.
        tokens
            .sort_by(|a, b| (&a.name.label, &a.name.serial).cmp(&(&b.name.label, &b.name.serial)));
        out.push('\n');
        para(&mut out, 0, &format!("PKCS#11 module {}:", path.display()));
        if tokens.is_empty() {
            out.push_str("  no initialised token\n");
        }
        for t in &tokens {
            token_block(&mut out, t, Some(path));
        }
    }
    console::out("the token list", &out)?;
    Ok(exit::OK)
}

/// `rootkey token describe`: one token in full. For a YubiKey also the share slots holding
/// keys, the objects 5F0000..5F00FF and the management key's state; for a PKCS#11 token the
/// public keys. Nothing that needs the PIN is shown, and the output says what was left out.
pub fn describe(which: &Which) -> Result<i32> {
    let mut out = String::new();
    match which {
        Which::Yubikey(serial) => {
            let mut t = open_yubikey(*serial)?;
            let info = t.info()?;
            token_block(&mut out, &info, None);
            inventory(&mut out, &t.inventory()?);
        }
        Which::Pkcs11 { module, token } => {
            let m = Module::load(module)?;
            let mut t = m.open(token)?;
            let info = t.info()?;
            token_block(&mut out, &info, Some(module));
            let keys = t.public_keys()?;
            if keys.is_empty() {
                field(&mut out, "public keys", "none");
            }
            for (i, (id, label)) in keys.iter().enumerate() {
                let label = replace_unsafe(label, '?');
                let text = format!("CKA_ID {}, label \"{label}\"", key_id(id));
                field(&mut out, if i == 0 { "public keys" } else { "" }, &text);
            }
            field(
                &mut out,
                "not shown",
                "private keys and payload objects: listing them needs the PIN",
            );
        }
    }
    console::out("the token description", &out)?;
    Ok(exit::OK)
}

fn key_id(id: &[u8]) -> String {
    if !id.is_empty() && id.iter().all(|c| c.is_ascii_graphic()) {
        format!("\"{}\"", String::from_utf8_lossy(id))
    } else if id.is_empty() {
        "(none)".to_string()
    } else {
        hex::encode(id)
    }
}

fn inventory(out: &mut String, inv: &Inventory) {
    let mgm = match inv.default_management_key {
        Some(true) => "the factory default: a real ceremony refuses it",
        Some(false) => "not the factory default",
        None => "not reported (firmware before 5.3)",
    };
    field(out, "management key", mgm);
    match &inv.keys {
        None => field(
            out,
            "share slots",
            "not readable: firmware before 5.3 has no GET METADATA",
        ),
        Some(keys) if keys.is_empty() => field(out, "share slots", "all empty (82..95, 9d)"),
        Some(keys) => {
            for (i, (slot, what)) in keys.iter().enumerate() {
                let label = if i == 0 { "share slots" } else { "" };
                field(out, label, &format!("{slot:02x}: {what}"));
            }
        }
    }
    if inv.objects.is_empty() {
        field(out, "objects 5f00xx", "none");
    }
    for (i, (id, len)) in inv.objects.iter().enumerate() {
        let label = if i == 0 { "objects 5f00xx" } else { "" };
        field(out, label, &format!("{id:06x}: {len} bytes"));
    }
}
