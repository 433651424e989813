//! The CSR's out-of-band hash (`intermediate sign`, step `type-csr-hash`): the hash delivered
//! by the requester is given with `--csr-sha256` or typed at the console before the CSR's own
//! hash is shown, so that it is compared rather than copied. A typing slip is asked for again;
//! a difference names the groups of four hex digits that differ; a real mismatch stops the
//! ceremony before it starts (exit 3).

use std::path::Path;

use super::HashSource;
use crate::ceremony::quorum::nothing_started;
use crate::cert::csr::Csr;
use crate::console::{Console, Question, SCREEN_COLUMNS, wrap};
use crate::encoding::hexfmt::{hash_display, parse_sha256};
use crate::error::Kind as ErrorKind;
use crate::error::{Error, Result};

/// How many times the delivered CSR hash may be typed malformed (not 64 hex digits) before
/// the ceremony stops.
pub const HASH_TYPING_TRIES: usize = 3;
/// How many well-formed typings of the delivered hash may differ from the CSR's: one retype,
/// because 64 hand-typed hex digits are easily mistyped and the typist never sees the CSR's
/// hash before typing; a second difference is a real mismatch (exit 3).
pub const HASH_MISMATCH_TRIES: usize = 2;

/// The groups of four hex digits (1 to 16, from the left, as [`hash_display`] shows them) in
/// which `a` and `b` differ.
pub fn differing_groups(a: &[u8; 32], b: &[u8; 32]) -> Vec<usize> {
    (0..16)
        .filter(|&g| a[g * 2..g * 2 + 2] != b[g * 2..g * 2 + 2])
        .map(|g| g + 1)
        .collect()
}

/// "group 5" or "groups 3, 5 and 9" (of 16).
fn groups_text(groups: &[usize]) -> String {
    let list: Vec<String> = groups.iter().map(usize::to_string).collect();
    match list.split_last() {
        Some((last, [])) => format!("group {last} of 16"),
        Some((last, rest)) => format!("groups {} and {last} of 16", rest.join(", ")),
        None => "no group".into(),
    }
}

/// Compares the CSR's hash with the one delivered out of band; a mismatch names the groups of
/// four hex digits that differ.
pub fn check_out_of_band(csr: &Csr, given: &[u8; 32], origin: &str) -> Result<()> {
    if csr.sha256 != *given {
        return Err(Error::new(ErrorKind::HashMismatch, format!(
            "{origin}: SHA-256 {} does not match the hash delivered out of band {} ({} differ{}): this is not the CSR that was sent",
            hex::encode(csr.sha256),
            hex::encode(given),
            groups_text(&differing_groups(&csr.sha256, given)),
            if differing_groups(&csr.sha256, given).len() == 1 { "s" } else { "" },
        ))
        .hint("stop: get the CSR again over a trusted path and compare the hash with the requester"));
    }
    Ok(())
}

/// What is wrong with a typed hash that is not 64 hex digits (spaces, colons and dashes are
/// ignored, as [`parse_sha256`] does).
fn malformed_hash(typed: &str) -> String {
    let mut digits = 0usize;
    for (i, c) in typed.chars().enumerate() {
        if c.is_whitespace() || c == ':' || c == '-' {
            continue;
        }
        if !c.is_ascii_hexdigit() {
            return format!(
                "character {} is not a hex digit (after {digits} hex digits)",
                i + 1
            );
        }
        digits += 1;
    }
    format!("{digits} hex digit(s) typed, a SHA-256 has 64")
}

/// Asks for the CSR's hash as delivered out of band, until it is 64 hex digits
/// ([`HASH_TYPING_TRIES`] times in all) and equal to the CSR's (one retype,
/// [`HASH_MISMATCH_TRIES`]). The CSR's own hash is not shown before it matches, so that it is
/// compared, not copied; a difference names the groups that differ.
fn ask_delivered_hash(console: &mut dyn Console, request: &Csr, origin: &str) -> Result<()> {
    let (mut malformed, mut mismatched) = (0usize, 0usize);
    loop {
        let typed = console
            .ask_line(
                &Question::CsrSha256,
                "Type the CSR's SHA-256 as delivered out of band (64 hex digits): ",
            )
            .map_err(|e| {
                if e.kind == ErrorKind::Cancelled {
                    nothing_started(Error {
                        message: format!("{} at the CSR hash prompt", e.message),
                        ..e
                    })
                } else {
                    e
                }
            })?;
        let given = match parse_sha256(&typed, "the typed CSR hash") {
            Ok(h) => h,
            Err(e) => {
                malformed += 1;
                let what = malformed_hash(&typed);
                if malformed >= HASH_TYPING_TRIES {
                    return Err(Error {
                        message: format!(
                            "{}: {what} (try {malformed} of {HASH_TYPING_TRIES})",
                            e.message
                        ),
                        ..e
                    }
                    .hint("get the hash again from the requester, then run again"));
                }
                console.err(
                    "the CSR hash prompt",
                    &format!(
                        "{}\n  try {malformed} of {HASH_TYPING_TRIES}: type the delivered hash again\n",
                        wrap(&format!("not a SHA-256: {what}"), SCREEN_COLUMNS)
                    ),
                )?;
                continue;
            }
        };
        if given == request.sha256 {
            return Ok(());
        }
        mismatched += 1;
        if mismatched >= HASH_MISMATCH_TRIES {
            return check_out_of_band(request, &given, origin);
        }
        console.err(
            "the CSR hash prompt",
            &format!(
                "{}\n  try {mismatched} of {HASH_MISMATCH_TRIES}: {}\n",
                wrap(
                    &format!(
                        "the typed hash differs from the CSR's in {} (counted from the left)",
                        groups_text(&differing_groups(&request.sha256, &given))
                    ),
                    SCREEN_COLUMNS
                ),
                "read the delivered hash again and retype all of it"
            ),
        )?;
    }
}

/// Step 1's out-of-band check of the CSR at `csr` (parsed as `request`): against
/// `--csr-sha256` when given (`given`), else the CSR is shown without its hash, the delivered
/// hash is typed at `console` ([`ask_delivered_hash`]) and only then is the CSR's hash shown.
/// Returns how the hash was given; a failure here starts nothing.
pub fn out_of_band_hash(
    console: &mut dyn Console,
    csr: &Path,
    request: &Csr,
    given: Option<[u8; 32]>,
) -> Result<HashSource> {
    let csr_origin = format!("CSR {}", csr.display());
    // With --csr-sha256 the comparison is automatic and the confirmation summary shows the
    // CSR and its hash.
    let Some(given) = given else {
        console
            .out(
                "the CSR summary",
                &format!(
                    "CSR {}\n  Subject: {}\n  Key type: {}\n",
                    csr.display(),
                    request.subject_text,
                    request.key_type,
                ),
            )
            .map_err(nothing_started)?;
        ask_delivered_hash(console, request, &csr_origin)?;
        console
            .out(
                "the CSR hash check",
                &format!(
                    "The CSR's SHA-256 matches the hash delivered out of band:\n{}",
                    hash_display(&request.sha256)
                ),
            )
            .map_err(nothing_started)?;
        return Ok(HashSource::Typed);
    };
    check_out_of_band(request, &given, &csr_origin)?;
    Ok(HashSource::CommandLine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differing_groups_count_from_the_left() {
        let a = [0u8; 32];
        let mut b = a;
        assert!(differing_groups(&a, &b).is_empty());
        b[0] = 1;
        b[9] = 1;
        b[31] = 1;
        assert_eq!(differing_groups(&a, &b), [1, 5, 16]);
        assert_eq!(groups_text(&[5]), "group 5 of 16");
        assert_eq!(groups_text(&[1, 5, 16]), "groups 1, 5 and 16 of 16");
    }

    #[test]
    fn a_malformed_hash_says_what_is_wrong() {
        assert_eq!(
            malformed_hash("ab:cd 12"),
            "6 hex digit(s) typed, a SHA-256 has 64"
        );
        assert_eq!(
            malformed_hash("abcd efgh"),
            "character 8 is not a hex digit (after 6 hex digits)"
        );
    }
}
