//! The share audit's own `details` (`docs/formats.md`, "Share audit"): a share refused, with
//! the category of its failure, and the audit's last entry.

use serde::{Deserialize, Serialize};

use crate::encoding::value_list::value_list;

value_list! {
    /// `share-refused.reason`: why a share did not pass its check alone.
    pub enum RefusalReason {
        /// The file, photo or token could not be read, or holds no share.
        Unreadable = "unreadable",
        /// The text or QR payload fails its checksums beyond what the row code corrects.
        Damaged = "damaged",
        /// Another ceremony or another root key.
        Foreign = "foreign",
        /// This ceremony and root key, but the manifest does not list it (digest, k, n,
        /// rehearsal flag or index differ).
        NotListed = "not-listed",
        /// The same index was already proved in this audit.
        Duplicate = "duplicate",
    }
}

details! {
    /// `share-refused` details: a share that did not pass its check alone.
    ShareRefused {
        /// The index the share states when it states this ceremony and root key, else null.
        claimed_index: Option<u8>,
        /// Share file or photo name, a token's payload file, or `-` (keyboard).
        file: String,
        /// The category of the failure.
        reason: RefusalReason,
    }
    /// `audit-completed` details: the end of a share audit.
    AuditCompleted {
        /// Indices of holders whose share did not appear, increasing.
        absent: Vec<u8>,
        /// Indices claimed by refused shares and not proved, increasing.
        failed: Vec<u8>,
        /// Indices proved, increasing.
        proven: Vec<u8>,
        /// Number of `share-refused` entries.
        refused: u64,
    }
}
