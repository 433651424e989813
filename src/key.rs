//! The root key: seed generation (OS CSPRNG, optionally mixed with dice) and the Ed25519
//! signing key kept in locked memory.
//!
//! Seed derivation (`docs/formats.md`, "Seed derivation"):
//! * without dice: seed = 32 bytes from the OS CSPRNG (`getrandom`);
//! * with dice: seed = SHA-256("rootkey seed v1" ‖ 0x00 ‖ os32 ‖ rolls), where `rolls` is the
//!   ASCII string of the rolls (digits 1–6, whitespace removed). Either source alone carries at
//!   least 256 bits of entropy (99 rolls × log2 6 ≈ 255.9 bits), so either alone is enough.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::error::{Error, Kind, Result};
use crate::secret::{LockedBox, SecretBytes, scrub_stack, sha256_parts};

/// Minimum number of d6 rolls accepted with `--dice`.
pub const MIN_DICE_ROLLS: usize = 99;
const SEED_DOMAIN: &[u8] = b"rootkey seed v1";

/// Validates typed dice rolls and returns them normalised (digits only) in locked memory.
///
/// Accepts digits 1–6 separated by any whitespace; anything else is refused with its position
/// and the number of valid rolls before it (never its value).
pub fn parse_dice(typed: &SecretBytes) -> Result<SecretBytes> {
    let mut out = SecretBytes::zeroed(typed.len())?;
    let mut n = 0usize;
    for (pos, &c) in typed.as_slice().iter().enumerate() {
        match c {
            b'1'..=b'6' => {
                out.as_mut_slice()[n] = c;
                n += 1;
            }
            c if c.is_ascii_whitespace() => {}
            _ => {
                return Err(Error::new(Kind::BadCharacter, format!(
                    "dice rolls, character {}: not a d6 roll (only digits 1 to 6 and spaces are allowed); {n} valid roll(s) were read before it",
                    pos + 1
                ))
                .hint("type all the rolls again from the first"));
            }
        }
    }
    if n < MIN_DICE_ROLLS {
        return Err(Error::new(
            Kind::Dice,
            format!(
                "dice rolls: got {n} rolls, at least {MIN_DICE_ROLLS} are needed ({} more)",
                MIN_DICE_ROLLS - n
            ),
        )
        .hint(format!(
            "roll {} more, then type all the rolls again from the first",
            MIN_DICE_ROLLS - n
        )));
    }
    out.truncate(n);
    Ok(out)
}

/// Draws a fresh 32-byte seed from the OS CSPRNG, mixed with normalised dice rolls if given.
pub fn generate_seed(dice: Option<&SecretBytes>) -> Result<SecretBytes> {
    let mut os = SecretBytes::zeroed(32)?;
    getrandom::fill(os.as_mut_slice()).map_err(|e| {
        Error::new(
            Kind::Random,
            format!("the OS random number generator failed: {e}"),
        )
    })?;
    match dice {
        None => Ok(os),
        Some(dice) => mix_dice(&os, dice),
    }
}

/// seed = SHA-256("rootkey seed v1" ‖ 0x00 ‖ os32 ‖ rolls) (`docs/formats.md`, "Seed
/// derivation"); `rolls` are the normalised ASCII digits returned by [`parse_dice`].
pub fn mix_dice(os: &SecretBytes, rolls: &SecretBytes) -> Result<SecretBytes> {
    let mut digest = sha256_parts(&[SEED_DOMAIN, &[0u8], os.as_slice(), rolls.as_slice()]);
    let out = SecretBytes::take_from(&mut digest)?;
    scrub_stack();
    Ok(out)
}

/// The root signing key, in locked memory; wiped on drop.
pub struct RootKey {
    key: LockedBox<SigningKey>,
}

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RootKey(public {})",
            hex::encode(self.public_key_bytes())
        )
    }
}

impl RootKey {
    /// Builds the signing key from a 32-byte seed.
    pub fn from_seed(seed: &SecretBytes) -> Result<RootKey> {
        let bytes: &[u8; 32] = seed
            .as_slice()
            .try_into()
            .map_err(|_| Error::input("an Ed25519 seed must be 32 bytes"))?;
        let key = LockedBox::new_with(|| SigningKey::from_bytes(bytes));
        // The SigningKey was built in new_with's frame, below ours: wipe it.
        scrub_stack();
        Ok(RootKey { key: key? })
    }

    /// The signing key, for certificate builders. Do not copy it out.
    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// The public key.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The raw 32-byte public key.
    pub fn public_key_bytes(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// Signs `msg` (pure Ed25519).
    pub fn sign(&self, msg: &[u8]) -> Signature {
        let sig = self.key.sign(msg);
        scrub_stack();
        sig
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_validation() {
        let ok = SecretBytes::copy_from("1 2 3 4 5 6\n".repeat(17).as_bytes()).unwrap();
        assert_eq!(parse_dice(&ok).unwrap().len(), 102);
        let short = SecretBytes::copy_from("123456".repeat(16).as_bytes()).unwrap();
        let e = parse_dice(&short).unwrap_err();
        assert_eq!(e.kind, Kind::Dice);
        assert!(e.message.contains("got 96 rolls") && e.message.contains("3 more"));
        let bad = SecretBytes::copy_from(b"1234567").unwrap();
        let e = parse_dice(&bad).unwrap_err();
        assert_eq!(e.kind, Kind::BadCharacter);
        assert!(e.message.contains("character 7"), "{}", e.message);
        assert!(
            e.message.ends_with("; 6 valid roll(s) were read before it"),
            "{}",
            e.message
        );
        assert!(!e.message.contains('7') || e.message.matches('7').count() == 1);
    }

    #[test]
    fn mix_dice_formula() {
        let os = SecretBytes::copy_from(&[0xaa; 32]).unwrap();
        let rolls = SecretBytes::copy_from("6".repeat(99).as_bytes()).unwrap();
        let mut msg = b"rootkey seed v1\0".to_vec();
        msg.extend_from_slice(&[0xaa; 32]);
        msg.extend_from_slice("6".repeat(99).as_bytes());
        use sha2::Digest;
        let want = sha2::Sha256::digest(&msg);
        assert!(mix_dice(&os, &rolls).unwrap().ct_eq(&want));
    }

    #[test]
    fn seeds_differ_and_dice_mix() {
        let a = generate_seed(None).unwrap();
        let b = generate_seed(None).unwrap();
        assert!(!a.ct_eq(b.as_slice()));
        let dice = SecretBytes::copy_from("1".repeat(99).as_bytes()).unwrap();
        let c = generate_seed(Some(&dice)).unwrap();
        let d = generate_seed(Some(&dice)).unwrap();
        assert_eq!(c.len(), 32);
        assert!(
            !c.ct_eq(d.as_slice()),
            "OS randomness must still be mixed in"
        );
    }

    #[test]
    fn key_signs_and_verifies() {
        use ed25519_dalek::Verifier;
        let seed = SecretBytes::copy_from(&[9u8; 32]).unwrap();
        let k = RootKey::from_seed(&seed).unwrap();
        let sig = k.sign(b"hello");
        assert!(k.verifying_key().verify(b"hello", &sig).is_ok());
        assert!(!format!("{k:?}").contains(&"09".repeat(32)));
    }
}
