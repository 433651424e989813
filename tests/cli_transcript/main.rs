//! The ceremony transcript through the real binary (`docs/formats.md`, "Ceremony transcript
//! v1"): a tamper matrix over one rehearsal's transcript (every entry flipped, deleted,
//! swapped; forged entries inserted; the file truncated; the seal replaced), witness
//! attestations, artifacts, plans, aborted and refused ceremonies, the auditor's report, and
//! that nothing secret is ever written to a transcript or report.
//!
//! One rehearsal is shared by every test (read-only); each tampered copy lives in its own
//! temporary directory. `transcript verify` exits 0 (valid and sealed), 1 (invalid: stderr
//! names the entry or line and the kind of tampering) or 3 (valid but unsealed).
//!
//! Files, one per command: `verify_tampering.rs` and `verify.rs` (`transcript verify`),
//! `attest.rs`, `report.rs`, `ceremonies.rs` (the transcripts `generate`, `rehearse` and
//! `combine` write), `no_secrets.rs` (all of them); `fixture.rs` holds what they share. One
//! test binary, so that the rehearsal is made once for all of them.

#[path = "../common/mod.rs"]
mod common;
mod fixture;

mod attest;
mod ceremonies;
mod no_secrets;
mod report;
mod verify;
mod verify_tampering;
