//! The CRL ceremony's `details` of `previous-crl-checked` and `crl-prepared` (`docs/formats.md`,
//! "Rotation and CRL ceremonies"): the forms written today and the first forms of version 1,
//! still read, and one revocation of their lists.

use serde::{Deserialize, Serialize};

use crate::cert::crl::Reason;
use crate::encoding::time::UtcTime;

details! {
    /// `previous-crl-checked` details, as written today: the previous CRL's revocation list by
    /// count and digest, so that a verifier proves it was carried forward whole.
    PreviousCrlChecked {
        /// Its CRL number (hex).
        crl_number: String,
        /// File name.
        file: String,
        /// How many certificates it revokes.
        revoked_count: u64,
        /// SHA-256 of the canonical JSON of its revocation list
        /// ([`crate::transcript::crl_list`]), hex.
        revoked_sha256: String,
        /// SHA-256 of the file (hex).
        sha256: String,
        /// Its thisUpdate (`TIME20`).
        this_update: UtcTime,
    }
    /// `previous-crl-checked` details in the first form of version 1 (no list: still read,
    /// never written).
    PreviousCrlCheckedFirstForm {
        /// Its CRL number (hex).
        crl_number: String,
        /// File name.
        file: String,
        /// SHA-256 of the file (hex).
        sha256: String,
        /// Its thisUpdate (`TIME20`).
        this_update: UtcTime,
    }
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

impl PreviousCrlChecked {
    /// The member whose presence tells this form from [`PreviousCrlCheckedFirstForm`].
    pub const FORM_MARKER: &'static str = "revoked_sha256";
}

impl CrlPrepared {
    /// The member whose presence tells this form from [`CrlPreparedFirstForm`].
    pub const FORM_MARKER: &'static str = "revoked_sha256";
}
