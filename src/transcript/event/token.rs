//! The `token-written` details (`docs/formats.md`, "Ceremony transcript v1", "Generation"):
//! a token holder's token, key and payload, written and proven readable.

use serde::{Deserialize, Serialize};

use crate::plan::Medium;

details! {
    /// `token-written` details (docs/formats.md, "Generation"): the token, the key and the
    /// payload of a token holder, written and proven readable.
    TokenWritten {
        /// YubiKey: the verified attestation of the slot key; null for PKCS#11.
        attestation: Option<TokenAttestation>,
        /// The token's firmware version.
        firmware: String,
        /// Holder.
        holder: String,
        /// Share index.
        index: u8,
        /// The key reference (PKCS#11 `CKA_ID`, PIV slot), hex.
        key_ref: String,
        /// The token's label (YubiKey: its model).
        label: String,
        /// `token+file` or `file`.
        location: String,
        /// `pkcs11` or `yubikey`.
        medium: Medium,
        /// The token's model.
        model: String,
        /// The data object (hex), or null for location `file`.
        object_id: Option<String>,
        /// The payload file's name.
        payload_file: String,
        /// SHA-256 of the payload (hex).
        payload_sha256: String,
        /// The token's P-256 public key, uncompressed SEC1 (130 hex digits).
        public_key: String,
        /// The token's serial number.
        serial: String,
    }
    /// `token-written.attestation`.
    TokenAttestation {
        /// SHA-256 of the slot's attestation certificate DER (hex).
        certificate_sha256: String,
        /// SHA-256 of the YubiKey's attestation intermediate (slot F9) DER (hex).
        intermediate_sha256: String,
        /// The PIN policy the certificate states (1 never, 2 once, 3 always), or null.
        pin_policy: Option<u8>,
        /// Subject of the attestation root it chains to.
        root_subject: String,
    }
}
