//! Rotation and revocation through the real binary, with OpenSSL as the oracle: CSRs made by
//! `openssl req` (RSA 2048, P-256, P-384, Ed25519) are signed by a quorum, `openssl verify`
//! accepts each intermediate, `openssl crl -verify` accepts the CRL and `openssl verify
//! -crl_check` then rejects the revoked intermediate; `rootkey chain verify` agrees with
//! OpenSSL on every case; bad inputs are refused before any share is asked for.
//!
//! Files, by what they test: `signing.rs` (every key type signed and verified by OpenSSL),
//! `refusals.rs` (bad CSRs, hashes, confirmations, shares and profiles, refused before any
//! share or without signing), `previous.rs` (the previous intermediate: key reuse, short
//! overlap, gap), `revocation.rs` (CRLs and `chain verify` against OpenSSL); `fixture.rs` holds
//! what they share. One test binary, so that the rehearsal is made once for all of them.

#[path = "../common/mod.rs"]
mod common;
mod fixture;

mod previous;
mod refusals;
mod revocation;
mod signing;
