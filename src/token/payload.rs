//! Token payload format v1 (`docs/formats.md`, "Token payload v1"). Being written.
