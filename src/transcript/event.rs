//! The transcript's schema in one place (`docs/formats.md`, "Ceremony transcript v1" →
//! "Actions", "Rotation and CRL ceremonies", "Seal"): every action name ([`Action`]) and, per
//! action, the typed `details` ([`Event`] and one struct per action).
//!
//! The recorder writes an [`Event`]; the verifier takes each action's exact member list from
//! its struct's `MEMBERS` (and, in debug builds, checks every member it reads against it); the
//! report matches on [`Action`]. A member's name is its struct field's name: the canonical JSON
//! sorts members, so the field order does not matter, and every member is always written
//! (`Option::None` is `null`), except the seal's `signature` while it is being signed.
//!
//! A member has its value's type, written as the format specifies: certificate and CRL times
//! are [`UtcTime`] (`TIME20`; the header's `preflight.clock` a `TIME`), the medium is
//! [`Medium`], a revocation reason [`Reason`](crate::cert::crl::Reason), and each closed list of names one enum
//! (`values.rs`: [`EntropySource`], [`HashSource`], [`ConfirmMethod`]; the ceremony
//! [`Kind`]) that the verifier and the report check and show by. [`Event::from_details`] reads
//! an entry back into its typed event.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Kind;
use crate::encoding::time::UtcTime;
use crate::error::{Error, Result};
use crate::plan::Medium;

mod values;
pub use values::{ConfirmMethod, EntropySource, HashSource, initials_of};

/// Where in the format an action belongs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// The header (entry 0).
    Header,
    /// The generation steps (generation, and the first half of a rehearsal).
    Generation,
    /// The quorum steps (quorum check, the second half of a rehearsal, the core of rotation
    /// and CRL ceremonies).
    Quorum,
    /// The signing ceremonies' own steps (rotation and CRL).
    Signing,
    /// A file the ceremony wrote (generation, rotation and CRL).
    Output,
    /// The last entry: the seal or `aborted`.
    End,
    /// The share audit's own steps (a refused share, the audit's end).
    Audit,
}

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $cat:ident, $details:ident;)*) => {
        /// Every action of the format.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            /// Every action, in the order `docs/formats.md` lists them ("Unknown actions").
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The action's name in transcripts.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// Parses an action name; None for a name that is not an action of this format.
            pub fn parse(s: &str) -> Option<Action> {
                match s {
                    $($name => Some(Action::$variant),)*
                    _ => None,
                }
            }

            /// Where in the format the action belongs.
            pub fn category(self) -> Category {
                match self {
                    $(Action::$variant => Category::$cat,)*
                }
            }

            /// The members of the action's `details` (for `crl-prepared`, of the form written
            /// today; see [`CrlPreparedFirstForm`]).
            pub fn members(self) -> &'static [&'static str] {
                match self {
                    $(Action::$variant => $details::MEMBERS,)*
                }
            }
        }

        /// One entry's action and details, as the recorder writes it.
        #[derive(Clone, Debug, PartialEq)]
        pub enum Event {
            $($(#[$doc])* $variant($details),)*
        }

        impl Event {
            /// The event's action.
            pub fn action(&self) -> Action {
                match self {
                    $(Event::$variant(_) => Action::$variant,)*
                }
            }

            /// The event's `details` object.
            pub fn details(&self) -> Result<Value> {
                match self {
                    $(Event::$variant(d) => to_value(d),)*
                }
            }

            /// Reads `details` as `action`'s event: exactly its members, each of its type
            /// (`crl-prepared` in the form written today). The verifier checks entries member
            /// by member instead, to name what is wrong; this is the typed reading.
            pub fn from_details(action: Action, details: Value) -> Result<Event> {
                let event = match action {
                    $(Action::$variant => serde_json::from_value(details).map(Event::$variant),)*
                };
                event.map_err(|e| {
                    Error::input(format!("`{}` details: {e}", action.as_str()))
                })
            }
        }

        $(
            impl From<$details> for Event {
                fn from(d: $details) -> Event {
                    Event::$variant(d)
                }
            }
        )*
    };
}

fn to_value(d: &impl Serialize) -> Result<Value> {
    serde_json::to_value(d)
        .map_err(|e| Error::environment(format!("internal error: transcript details: {e}")))
}

actions! {
    /// Entry 0: the ceremony, participants, plan, pre-flight facts, quorum and tool.
    Header = "header", Header, Header;
    /// How the seed was made.
    Entropy = "entropy", Generation, Entropy;
    /// The root key was generated.
    KeyGenerated = "key-generated", Generation, KeyGenerated;
    /// The seed was split and every k-subset recombined.
    SharesSplit = "shares-split", Generation, SharesSplit;
    /// The root certificate was self-signed.
    CertificateSigned = "certificate-signed", Generation, CertificateSigned;
    /// A token holder's payload was written to the token (and the payload file) and read back.
    TokenWritten = "token-written", Generation, TokenWritten;
    /// A share file or paper shard was written (or printed).
    ShareWritten = "share-written", Generation, ShareWritten;
    /// A public file was written.
    ArtifactWritten = "artifact-written", Output, ArtifactWritten;
    /// A rehearsal wiped the generated key before the rebuild.
    KeyWiped = "key-wiped", Generation, KeyWiped;
    /// root.pem and manifest.json were loaded and verified.
    ContextLoaded = "context-loaded", Quorum, ContextLoaded;
    /// A holder presented their share.
    SharePresented = "share-presented", Quorum, SharePresented;
    /// A quorum rebuilt the root key.
    KeyRebuilt = "key-rebuilt", Quorum, KeyRebuilt;
    /// A further share was checked against the quorum.
    ShareChecked = "share-checked", Quorum, ShareChecked;
    /// The CSR was read, parsed and matched its out-of-band hash.
    CsrChecked = "csr-checked", Signing, CsrChecked;
    /// The previous intermediate was checked.
    PreviousChecked = "previous-checked", Signing, PreviousChecked;
    /// The intermediate's TBSCertificate was laid out.
    CertificatePrepared = "certificate-prepared", Signing, CertificatePrepared;
    /// The previous CRL was checked.
    PreviousCrlChecked = "previous-crl-checked", Signing, PreviousCrlChecked;
    /// The TBSCertList was laid out.
    CrlPrepared = "crl-prepared", Signing, CrlPrepared;
    /// One person approved what will be signed.
    Confirmed = "confirmed", Signing, Confirmed;
    /// The rebuilt key signed the intermediate certificate.
    CertificateIssued = "certificate-issued", Signing, CertificateIssued;
    /// The rebuilt key signed the CRL.
    CrlIssued = "crl-issued", Signing, CrlIssued;
    /// The named person acknowledged a checklist step of the plan (`rootkey run`): between
    /// the entries of a generation or rehearsal.
    ChecklistAcknowledged = "checklist-acknowledged", Generation, ChecklistAcknowledged;
    /// The plan's witness recorded an exception at a prompt (`rootkey run`): between the
    /// entries of any kind.
    Exception = "exception", Generation, Exception;
    /// Two people confirmed a critical step before it ran (`rootkey run`): between the
    /// entries of any kind.
    StepConfirmed = "step-confirmed", Generation, StepConfirmed;
    /// A slip at a prompt, shown and asked again (docs/formats.md, "Slips"): between any
    /// two entries of any kind.
    Slip = "slip", Quorum, Slip;
    /// The root key sealed the transcript.
    Seal = "seal", End, Seal;
    /// The ceremony failed.
    Aborted = "aborted", End, Aborted;
    /// A share audit refused a share that did not pass its check alone.
    ShareRefused = "share-refused", Audit, ShareRefused;
    /// A share audit's last entry: who proved, whose share failed, who was absent.
    AuditCompleted = "audit-completed", Audit, AuditCompleted;
}

/// Defines a `details` struct (or an object nested in one) whose field names are its member
/// names, with `MEMBERS` listing them for the verifier's "exactly these members" check.
macro_rules! details {
    ($(
        $(#[$doc:meta])*
        $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty,)* }
    )*) => {$(
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl $name {
            /// The member names.
            pub const MEMBERS: &'static [&'static str] = &[$(stringify!($field),)*];
        }
    )*};
}

mod audit;
mod crl;
mod runner;
mod token;
pub use audit::{AuditCompleted, RefusalReason, ShareRefused};
pub use crl::{
    CrlPrepared, CrlPreparedFirstForm, PreviousCrlChecked, PreviousCrlCheckedFirstForm, Revoked,
};
pub use runner::{ChecklistAcknowledged, Exception, Slip, StepConfirmed};
pub use token::{TokenAttestation, TokenWritten};

details! {
    /// `header` details.
    Header {
        /// The ceremony.
        ceremony: Ceremony,
        /// Always [`super::FORMAT`].
        format: String,
        /// Participants, in header order.
        participants: Vec<Participant>,
        /// The plan, or null (quorum check, rotation, CRL).
        plan: Option<PlanRef>,
        /// The pre-flight facts (see [`Preflight`]).
        preflight: Value,
        /// The quorum.
        quorum: Quorum,
        /// The tool.
        tool: Tool,
    }
    /// `header.ceremony`.
    Ceremony {
        /// Ceremony id (32 hex).
        id: String,
        /// Ceremony kind.
        kind: Kind,
        /// Ceremony name.
        name: String,
        /// Rehearsal?
        rehearsal: bool,
    }
    /// `header.participants[i]`.
    Participant {
        /// Name.
        name: String,
        /// Role.
        role: String,
        /// The share index held, or null.
        share: Option<u8>,
    }
    /// `header.plan`.
    PlanRef {
        /// Plan file base name.
        file: String,
        /// SHA-256 of its bytes (hex).
        sha256: String,
    }
    /// `header.quorum`.
    Quorum {
        /// n.
        shares: u8,
        /// k.
        threshold: u8,
    }
    /// `header.tool`.
    Tool {
        /// SHA-256 of the executable that ran (hex).
        binary_sha256: String,
        /// Always `rootkey`.
        name: String,
        /// The crate version.
        version: String,
    }
    /// `header.preflight`.
    Preflight {
        /// The system clock when the ceremony started (`TIME`, with milliseconds).
        #[serde(with = "crate::encoding::time::transcript_form")]
        clock: UtcTime,
        /// RLIMIT_CORE was 0.
        core_dumps_disabled: bool,
        /// Host name.
        host: String,
        /// Kernel release.
        kernel: String,
        /// Secret memory could be locked.
        memory_locked: bool,
        /// Network interfaces up (not loopback).
        network_interfaces_up: Vec<String>,
        /// File system type of the output directory.
        output_filesystem: String,
        /// Secret outputs allowed on persistent storage.
        persistent_output_allowed: bool,
        /// The `lp` destination, or null.
        printer: Option<String>,
        /// `PR_GET_DUMPABLE` after hardening.
        process_dumpable: bool,
        /// A swap device was active.
        swap_active: bool,
    }
    /// `entropy` details.
    Entropy {
        /// Number of dice rolls (never their values).
        dice_rolls: u64,
        /// Where the seed came from.
        source: EntropySource,
    }
    /// `key-generated` details.
    KeyGenerated {
        /// Fingerprint (hex).
        fingerprint: String,
        /// Ed25519 public key (hex).
        public_key: String,
    }
    /// `shares-split` details.
    SharesSplit {
        /// n.
        shares: u8,
        /// C(n, k).
        subsets_checked: u64,
        /// k.
        threshold: u8,
    }
    /// `certificate-signed` details.
    CertificateSigned {
        /// SHA-256 of the certificate's DER (hex).
        certificate_sha256: String,
        /// Fingerprint (hex).
        fingerprint: String,
        /// notAfter (`TIME20`).
        not_after: UtcTime,
        /// notBefore (`TIME20`).
        not_before: UtcTime,
        /// Serial (DER content bytes, hex).
        serial: String,
        /// Subject.
        subject: String,
    }
    /// `share-written` details.
    ShareWritten {
        /// SHA-256 of the envelope (hex).
        envelope_sha256: String,
        /// File written, or `-` (printed).
        file: String,
        /// Holder.
        holder: String,
        /// Share index.
        index: u8,
        /// `text` or `paper`.
        medium: Medium,
        /// Holder's role.
        role: String,
    }
    /// `artifact-written` details.
    ArtifactWritten {
        /// File name.
        file: String,
        /// SHA-256 of its bytes (hex).
        sha256: String,
    }
    /// `key-wiped` details (none).
    KeyWiped {}
    /// `context-loaded` details.
    ContextLoaded {
        /// The manifest.
        manifest: LoadedManifest,
        /// The root certificate.
        root: LoadedRoot,
    }
    /// `context-loaded.manifest`.
    LoadedManifest {
        /// The manifest's ceremony id (32 hex).
        ceremony_id: String,
        /// File name.
        file: String,
        /// SHA-256 of the file (hex).
        sha256: String,
    }
    /// `context-loaded.root`.
    LoadedRoot {
        /// SHA-256 of the certificate's DER (hex).
        certificate_sha256: String,
        /// File name.
        file: String,
        /// Fingerprint (hex).
        fingerprint: String,
        /// Root public key (hex).
        public_key: String,
        /// SHA-256 of the file (hex).
        sha256: String,
    }
    /// `share-presented` details.
    SharePresented {
        /// Characters corrected by the row code.
        corrections: u64,
        /// SHA-256 of the envelope (hex).
        envelope_sha256: String,
        /// Share file or photo name, or `-`.
        file: String,
        /// Holder.
        holder: String,
        /// Share index.
        index: u8,
    }
    /// `key-rebuilt` details.
    KeyRebuilt {
        /// The rebuilt public key (hex).
        public_key: String,
        /// The quorum's share indices, increasing.
        quorum: Vec<u8>,
    }
    /// `share-checked` details.
    ShareChecked {
        /// Whether the share agrees with the quorum.
        agrees: bool,
        /// Share index.
        index: u8,
    }
    /// `csr-checked` details.
    CsrChecked {
        /// SHA-256 of the CSR (hex).
        csr_sha256: String,
        /// CSR file name.
        file: String,
        /// How the out-of-band hash was given.
        hash_source: HashSource,
        /// The CSR key's type as shown.
        key_type: String,
        /// The intermediate profile.
        profile: ProfileRef,
        /// Extensions the CSR requested (not copied).
        requested_extensions: Vec<String>,
        /// SHA-256 of the CSR file (hex).
        sha256: String,
        /// SHA-256 of the CSR's SubjectPublicKeyInfo DER (hex).
        spki_sha256: String,
        /// The CSR's subject.
        subject: String,
    }
    /// `csr-checked.profile`.
    ProfileRef {
        /// Profile file base name.
        file: String,
        /// The profile's name.
        name: String,
        /// SHA-256 of the file (hex).
        sha256: String,
    }
    /// `previous-checked` details.
    PreviousChecked {
        /// File name.
        file: String,
        /// Its notAfter (`TIME20`).
        not_after: UtcTime,
        /// Overlap in days (negative: a gap).
        overlap_days: i64,
        /// Its serial (hex).
        serial: String,
        /// SHA-256 of the file (hex).
        sha256: String,
        /// Warnings shown to the operator.
        warnings: Vec<String>,
    }
    /// `certificate-prepared` details.
    CertificatePrepared {
        /// Issuer (the root's subject).
        issuer: String,
        /// notAfter (`TIME20`).
        not_after: UtcTime,
        /// notBefore (`TIME20`).
        not_before: UtcTime,
        /// Serial (hex).
        serial: String,
        /// SHA-256 of the subject key's SubjectPublicKeyInfo DER (hex).
        spki_sha256: String,
        /// Subject.
        subject: String,
        /// SHA-256 of the TBSCertificate DER (hex).
        tbs_sha256: String,
    }
    /// `confirmed` details.
    Confirmed {
        /// How the confirmation was given.
        method: ConfirmMethod,
        /// Who confirmed.
        name: String,
        /// The TBS hash approved (hex).
        tbs_sha256: String,
    }
    /// `certificate-issued` details.
    CertificateIssued {
        /// SHA-256 of the certificate's DER (hex).
        certificate_sha256: String,
        /// Serial (hex).
        serial: String,
        /// SHA-256 of the TBSCertificate DER (hex).
        tbs_sha256: String,
    }
    /// `crl-issued` details.
    CrlIssued {
        /// CRL number (hex).
        crl_number: String,
        /// SHA-256 of the CRL's DER (hex).
        crl_sha256: String,
        /// SHA-256 of the TBSCertList DER (hex).
        tbs_sha256: String,
    }
    /// `seal` details.
    Seal {
        /// Hash of the entry before the seal (hex).
        head: String,
        /// Root public key (hex).
        public_key: String,
        /// The signature (hex); absent only in the message being signed.
        #[serde(skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    }
    /// `aborted` details.
    Aborted {
        /// The error message.
        reason: String,
    }
}

#[cfg(test)]
mod tests;
