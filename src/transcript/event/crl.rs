//! The CRL ceremony's `details` of `crl-prepared` (`docs/formats.md`, "Rotation and CRL
//! ceremonies"): the form written today and the first form of version 1, still read, and one
//! revocation of their lists.

use serde::{Deserialize, Serialize};

use crate::cert::crl::Reason;
use crate::encoding::time::UtcTime;

details! {
    /// `crl-prepared` details, as written today (the list by count and digest, and in full
    /// while short: [`crate::transcript::crl_list`]).
    CrlPrepared {
        /// Revocations carried forward from the previous CRL.
        carried_forward: u64,
        /// CRL number (hex).
        crl_number: String,
        /// nextUpdate (`TIME20`).
        next_update: UtcTime,
        /// The list, or null above [`crate::transcript::crl_list::MAX_LISTED`] elements.
        revoked: Option<Vec<Revoked>>,
        /// Number of revoked certificates.
        revoked_count: u64,
        /// SHA-256 of the list's canonical JSON (hex).
        revoked_sha256: String,
        /// SHA-256 of the TBSCertList DER (hex).
        tbs_sha256: String,
        /// thisUpdate (`TIME20`).
        this_update: UtcTime,
    }
    /// `crl-prepared` details in the first form of version 1 (still read, never written).
    CrlPreparedFirstForm {
        /// Revocations carried forward from the previous CRL.
        carried_forward: u64,
        /// CRL number (hex).
        crl_number: String,
        /// nextUpdate (`TIME20`).
        next_update: UtcTime,
        /// The whole list.
        revoked: Vec<Revoked>,
        /// SHA-256 of the TBSCertList DER (hex).
        tbs_sha256: String,
        /// thisUpdate (`TIME20`).
        this_update: UtcTime,
    }
    /// One element of `crl-prepared.revoked`.
    Revoked {
        /// Reason code name (RFC 5280, as `openssl crl -text` prints it), or null.
        reason: Option<Reason>,
        /// Serial (hex).
        serial: String,
    }
}

impl CrlPrepared {
    /// The member whose presence tells this form from [`CrlPreparedFirstForm`].
    pub const FORM_MARKER: &'static str = "revoked_sha256";
}
