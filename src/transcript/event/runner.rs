//! The `details` of the entries `rootkey run` writes between a ceremony's steps
//! (`docs/formats.md`, "Checklist acknowledgements", "Exceptions and step confirmations",
//! "Slips"): a checklist step acknowledged, the witness's exception, a critical step confirmed
//! by two people, a slip asked again.

use serde::{Deserialize, Serialize};

use super::ConfirmMethod;

details! {
    /// `checklist-acknowledged` details; the actor is the person who acknowledged.
    ChecklistAcknowledged {
        /// The initials they typed, as typed (1 to 8 characters).
        initials: String,
        /// The step's number in the plan's merged step list.
        step: u64,
        /// The step's title.
        title: String,
        /// SHA-256 (hex) of the step's text, UTF-8.
        text_sha256: String,
    }
    /// `exception` details; the actor is the plan's witness.
    Exception {
        /// The key of the step on screen (`generate-root-key`, `checklist-4`).
        key: String,
        /// Its number in the plan's merged step list.
        step: u64,
        /// The exception, one line as typed.
        text: String,
    }
    /// `step-confirmed` details; the actors are the two people who confirmed.
    StepConfirmed {
        /// The code shown on the screen (`7F3A-09C2`).
        code: String,
        /// The critical step's key.
        key: String,
        /// How they confirmed.
        method: ConfirmMethod,
        /// The step's number in the plan's merged step list.
        step: u64,
    }
    /// `slip` details: never the value typed.
    Slip {
        /// The try that was refused (1, 2, …).
        attempt: u64,
        /// What kind of slip ([`crate::transcript::slip::KINDS`]).
        kind: String,
        /// Where: the step the ceremony was at, or the checklist step.
        step: String,
    }
}
