//! What a YubiKey shows without its PIN, for `rootkey token describe --yubikey`: which share
//! slots hold keys (GET METADATA, firmware 5.3 and later), which payload objects 5F0000..5F00FF
//! exist (GET DATA), and whether the management key is still the factory default.

use yubikey::piv::{self, AlgorithmId, ManagementSlotId, Origin, SlotAlgorithmId, SlotId};

use super::{PivToken, card_error};
use crate::error::Result;

/// The slots a share key may use: the retired slots 82..95 and 9D.
pub const SHARE_SLOTS: [u8; 21] = [
    0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90, 0x91,
    0x92, 0x93, 0x94, 0x95, 0x9d,
];

/// What a YubiKey holds, as far as it can be seen without the PIN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inventory {
    /// The share slots holding a key, with a description (algorithm, origin, PIN policy);
    /// `None` when the firmware cannot say (before 5.3: no GET METADATA).
    pub keys: Option<Vec<(u8, String)>>,
    /// The data objects 5F0000..5F00FF that exist, with their length in bytes.
    pub objects: Vec<(u32, usize)>,
    /// Whether the management key is the factory default (`None`: the firmware cannot say).
    pub default_management_key: Option<bool>,
}

fn algorithm(a: AlgorithmId) -> String {
    match a {
        AlgorithmId::EccP256 => "P-256".into(),
        AlgorithmId::EccP384 => "P-384".into(),
        AlgorithmId::Rsa1024 => "RSA-1024".into(),
        AlgorithmId::Rsa2048 => "RSA-2048".into(),
        AlgorithmId::Rsa3072 => "RSA-3072".into(),
        AlgorithmId::Rsa4096 => "RSA-4096".into(),
        other => format!("{other:?}"),
    }
}

fn describe(m: &piv::SlotMetadata) -> String {
    let mut d = match m.algorithm {
        SlotAlgorithmId::Asymmetric(a) => algorithm(a),
        other => format!("{other:?}"),
    };
    match m.origin {
        Some(Origin::Generated) => d.push_str(", generated on the card"),
        Some(Origin::Imported) => d.push_str(", imported"),
        None => {}
    }
    if let Some((pin, _)) = m.policy {
        d.push_str(&format!(
            ", PIN policy {}",
            format!("{pin:?}").to_lowercase()
        ));
    }
    d
}

impl PivToken {
    /// The slots, objects and management key state of this YubiKey; no PIN is used.
    pub fn inventory(&mut self) -> Result<Inventory> {
        let mut yk = self.card.connect(&self.name)?;
        let mut keys = Some(Vec::new());
        for slot in SHARE_SLOTS {
            let sid = SlotId::try_from(slot).map_err(|e| card_error(&self.name, "slot", e))?;
            match piv::metadata(&mut yk, sid) {
                Ok(m) => {
                    if let Some(k) = keys.as_mut() {
                        k.push((slot, describe(&m)));
                    }
                }
                Err(yubikey::Error::NotFound) => {}
                Err(yubikey::Error::NotSupported) => keys = None,
                Err(e) => {
                    let what = format!("reading slot {slot:02x}");
                    return Err(card_error(&self.name, &what, e));
                }
            }
        }
        let mut objects = Vec::new();
        for low in 0..=0xffu32 {
            let id = 0x5f_0000 | low;
            match yk.fetch_object(id) {
                Ok(b) => objects.push((id, b.len())),
                Err(yubikey::Error::NotFound) => {}
                Err(e) => {
                    let what = format!("reading object {id:06x}");
                    return Err(card_error(&self.name, &what, e));
                }
            }
        }
        let mgm = SlotId::Management(ManagementSlotId::Management);
        let default_management_key = match piv::metadata(&mut yk, mgm) {
            Ok(m) => m.default,
            Err(yubikey::Error::NotSupported) => None,
            Err(e) => return Err(card_error(&self.name, "reading the management key", e)),
        };
        Ok(Inventory {
            keys,
            objects,
            default_management_key,
        })
    }
}
