//! rootkey — air-gapped Shamir ceremonies for an offline Ed25519 root CA key.
//!
//! Modules follow the ceremony concepts: [`secret`] (locked memory, process hardening),
//! [`key`] (seed and root key), [`shamir`] (split/combine), [`share`] (envelope and text form),
//! [`manifest`] (root-signed share list), [`cert`] (root and intermediate certificates, CSRs,
//! CRLs, chain checks), [`console`] (output to the operator's terminal), [`plan`] (ceremony
//! plans), [`ceremony`] (the commands), [`signing`] (rotation and CRL ceremonies), [`fsio`]
//! (atomic, non-overwriting output), [`pem`] (the one strict PEM reader), [`tomlpos`] (where
//! in a TOML file an error is),
//! [`transcript`] (the hash-chained, root-sealed ceremony log and its replay), [`pdfdoc`]
//! (printed documents), [`paper`] (the paper shard each holder keeps).
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod ceremony;
pub mod cert;
pub mod console;
pub mod encoding;
pub mod error;
pub mod fsio;
pub mod jcs;
pub mod key;
pub mod manifest;
pub mod paper;
pub mod pdfdoc;
pub mod pem;
/// The PGP word list: hashes as words to read aloud (`docs/formats.md`, "PGP words").
pub mod pgpwords;
pub mod plan;
pub mod secret;
pub mod shamir;
pub mod share;
pub mod signing;
pub mod summary;
pub mod tomlpos;
pub mod transcript;

pub use error::{Error, Result};
