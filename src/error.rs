//! One error type for the whole tool: what failed, on which object, and what to do next.
//!
//! Each error has a [`Kind`] (what went wrong, for tests and callers to match on); the kind
//! decides whose fault it is ([`Fault`], [`Kind::fault`]) and the fault the exit code
//! ([`exit`]). Messages never contain secret material (share values, seeds, dice rolls).

use std::fmt;

mod kind;
pub use kind::{Kind, TokenPayloadFailure, TranscriptFailure};

/// Whose fault an error is; decides the exit code ([`exit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The operator asked for something impossible (bad flag combination, k > n, …).
    Operator,
    /// An input file is malformed (unparseable share, bad plan, bad certificate).
    Input,
    /// Something verifiable did not verify: wrong signature, digest not in the manifest,
    /// shares that rebuild another key. Possible tampering.
    Verification,
    /// The machine refused: mlock, file system, OS random generator.
    Environment,
}

/// Process exit codes: the one definition. README.md, "Exit codes", is their documentation
/// for people; the `--help` texts summarise them (a test in `cli` checks that they agree).
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Bad input or an operator mistake: nothing was done.
    pub const INPUT: i32 = 1;
    /// Usage error (clap): unknown flag, missing argument.
    pub const USAGE: i32 = 2;
    /// Verification failed: signatures, digests or the rebuilt key do not match.
    pub const VERIFICATION: i32 = 3;
    /// The environment refused (memory locking, file system, randomness).
    pub const ENVIRONMENT: i32 = 4;

    /// The codes of `transcript verify` and `transcript report`, which answer an auditor's
    /// question (the transcript specification's verdicts); usage errors stay [`crate::error::exit::USAGE`]
    /// and an answer that could not be delivered [`crate::error::exit::ENVIRONMENT`].
    pub mod transcript {
        /// Valid and sealed.
        pub const SEALED: i32 = 0;
        /// Invalid, or an input could not be read.
        pub const INVALID: i32 = 1;
        /// Valid but unsealed (aborted or interrupted).
        pub const UNSEALED: i32 = 3;
    }
}

/// A user-facing error.
#[derive(Debug)]
pub struct Error {
    /// What went wrong.
    pub kind: Kind,
    /// What failed and on which object.
    pub message: String,
    /// What to do next, if there is something useful to say.
    pub hint: Option<String>,
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A new error of `kind`; its fault follows from the kind.
    pub fn new(kind: Kind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
            hint: None,
        }
    }
    /// Operator mistake with no specific kind ([`Kind::General`]).
    pub fn operator(message: impl Into<String>) -> Error {
        Error::new(Kind::General(Fault::Operator), message)
    }
    /// Malformed input with no specific kind ([`Kind::General`]).
    pub fn input(message: impl Into<String>) -> Error {
        Error::new(Kind::General(Fault::Input), message)
    }
    /// Verification failure with no specific kind ([`Kind::General`]).
    pub fn verification(message: impl Into<String>) -> Error {
        Error::new(Kind::General(Fault::Verification), message)
    }
    /// Environment failure with no specific kind ([`Kind::General`]).
    pub fn environment(message: impl Into<String>) -> Error {
        Error::new(Kind::General(Fault::Environment), message)
    }
    /// Whose fault it is ([`Kind::fault`] of the kind).
    pub fn fault(&self) -> Fault {
        self.kind.fault()
    }
    /// Adds the next step (the kind is kept).
    pub fn hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }
    /// Prefixes the message with the object it concerns (`share 3 (holder "Carol")`); the kind
    /// is kept.
    pub fn context(mut self, what: impl fmt::Display) -> Error {
        self.message = format!("{what}: {}", self.message);
        self
    }
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self.fault() {
            Fault::Operator | Fault::Input => exit::INPUT,
            Fault::Verification => exit::VERIFICATION,
            Fault::Environment => exit::ENVIRONMENT,
        }
    }
}

/// Characters that may not appear in names from plans, profiles and manifests, and that are
/// escaped whenever text from input files is printed: control characters (Unicode Cc, which
/// include the C1 controls such as CSI U+009B) and invisible formatting characters that can
/// reorder or hide text (soft hyphen, bidi marks and overrides, zero-width characters, BOM).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}')
}

/// `s` with every [`is_unsafe_char`] replaced by `with` (for one-line facts shown in files).
pub fn replace_unsafe(s: &str, with: char) -> String {
    s.chars()
        .map(|c| if is_unsafe_char(c) { with } else { c })
        .collect()
}

/// `s` with every [`is_unsafe_char`] except line feeds escaped (`\u{1b}`), for printing
/// multi-line summaries that contain names and paths from input.
pub fn clean_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c != '\n' && is_unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes `s` with unsafe characters escaped, so that text taken from input files (names,
/// paths, parser messages) can never drive the terminal.
fn write_clean(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    for c in s.chars() {
        if is_unsafe_char(c) {
            write!(f, "{}", c.escape_default())?;
        } else {
            write!(f, "{c}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_clean(f, &self.message)?;
        if let Some(h) = &self.hint {
            f.write_str("\n  next step: ")?;
            write_clean(f, h)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<crate::secret::SecretError> for Error {
    fn from(e: crate::secret::SecretError) -> Error {
        use crate::secret::SecretError as S;
        let kind = match e {
            S::LockFailed { .. } => Kind::UnlockedMemory,
            S::Harden(..) => Kind::Hardening,
            S::Terminal(..) => Kind::Terminal,
            S::Interrupted(_) => Kind::Interrupted,
            S::MapFailed(_) => Kind::General(Fault::Environment),
        };
        let hint = matches!(e, S::Interrupted(_)).then(|| {
            "nothing more was done and the secrets in memory were wiped; a ceremony's transcript ends with `aborted` naming the step it stopped at — keep its directory as evidence and run the ceremony again in a new, empty output directory"
        });
        let err = Error::new(kind, e.to_string());
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_and_c1_characters_are_escaped() {
        assert!(
            is_unsafe_char('\u{202E}') && is_unsafe_char('\u{200B}') && is_unsafe_char('\u{9B}')
        );
        assert!(!is_unsafe_char('é') && !is_unsafe_char('€') && !is_unsafe_char(' '));
        assert_eq!(clean_lines("a\u{202E}b\nc\u{9b}"), "a\\u{202e}b\nc\\u{9b}");
    }

    #[test]
    fn the_kind_decides_the_fault_and_survives_context_and_hint() {
        let e = Error::new(Kind::ShareChecksum, "checksum mismatch")
            .context("share 3")
            .hint("re-type it");
        assert_eq!(e.kind, Kind::ShareChecksum);
        assert_eq!(e.fault(), Fault::Input);
        assert_eq!(e.exit_code(), exit::INPUT);
        assert_eq!(e.message, "share 3: checksum mismatch");
        let e = Error::new(Kind::Transcript(TranscriptFailure::Modified), "x");
        assert_eq!(e.exit_code(), exit::VERIFICATION);
        assert_eq!(
            Error::new(Kind::UnlockedMemory, "x").exit_code(),
            exit::ENVIRONMENT
        );
        assert_eq!(
            Error::new(Kind::WouldOverwrite, "x").exit_code(),
            exit::INPUT
        );
        assert_eq!(
            Error::verification("x").kind,
            Kind::General(Fault::Verification)
        );
    }

    #[test]
    fn transcript_failures_are_found_by_their_word() {
        for f in TranscriptFailure::ALL {
            assert_eq!(TranscriptFailure::from_word(f.word()), Some(f));
            assert_eq!(
                TranscriptFailure::from_word(&f.word().replace(' ', "-")),
                Some(f)
            );
        }
        assert_eq!(TranscriptFailure::from_word("tampered"), None);
    }

    #[test]
    fn control_characters_are_escaped() {
        let e = Error::input("holder \u{1b}[2K\rOK").hint("x\ny");
        assert_eq!(e.to_string(), "holder \\u{1b}[2K\\rOK\n  next step: x\\ny");
    }
}
