//! rootkey — air-gapped Shamir ceremonies for an offline Ed25519 root CA key.
//!
//! The modules form layers; a module imports only from its own layer or the ones below it:
//!
//! 1. foundation — [`secret`] (locked memory, process hardening, hidden terminal reads),
//!    [`encoding`] (UTC time, hash display, file names), [`jcs`] (canonical JSON),
//!    [`pgpwords`], [`pem`] (the one strict PEM reader), [`tomlpos`] (where in a TOML file an
//!    error is), [`fsio`] (size-capped reads, atomic non-overwriting writes, file system
//!    facts), [`error`] (the error type and the exit codes);
//! 2. formats — [`key`] (seed and root key), [`shamir`] (split/combine), [`share`] (envelope
//!    and text form), [`manifest`] (root-signed share list), [`cert`] (root and intermediate
//!    certificates, CSRs, CRLs, chain checks), [`transcript`] (the hash-chained, root-sealed
//!    ceremony log and its replay), [`plan`] (ceremony plans);
//! 3. media and output — [`paper`] (the paper shard each holder keeps), [`pdfdoc`] (printed
//!    documents), [`token`] (hardware tokens: the payload format and the PKCS#11 / YubiKey PIV
//!    backends);
//! 4. [`console`] — the operator's terminal: the [`console::Console`] every ceremony asks and
//!    tells through (hidden answers into locked memory, visible lines, the two-person
//!    confirmation, output), the real [`console::Terminal`] and a [`console::Scripted`] one for
//!    tests, and share entry;
//! 5. [`ceremony`] — one file per ceremony kind, and the other commands' flows;
//! 6. [`cli`] — the clap definitions and the mapping of each command onto [`ceremony`];
//!    `main.rs` only calls [`cli::main`].
#![deny(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod ceremony;
pub mod cert;
pub mod cli;
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
pub mod token;
pub mod tomlpos;
pub mod transcript;

pub use error::{Error, Result};

/// Every heap block is wiped before it is freed ([`secret::WipingAllocator`]): third-party
/// crates (printpdf, lopdf, qrcode, …) free buffers that held share text without wiping them.
#[global_allocator]
static ALLOCATOR: secret::WipingAllocator = secret::WipingAllocator;
