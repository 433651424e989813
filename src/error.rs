//! One error type for the whole tool: what failed, on which object, and what to do next.
//!
//! Errors are grouped by whose fault they are ([`Fault`]); the exit code follows from it.
//! Messages never contain secret material (share values, seeds, dice rolls).

use std::fmt;

/// Whose fault an error is; decides the exit code (see `docs/cli.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// Process exit codes, documented in `docs/cli.md`.
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
}

/// A user-facing error.
#[derive(Debug)]
pub struct Error {
    /// Whose fault it is.
    pub fault: Fault,
    /// What failed and on which object.
    pub message: String,
    /// What to do next, if there is something useful to say.
    pub hint: Option<String>,
}

/// Result alias.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A new error.
    pub fn new(fault: Fault, message: impl Into<String>) -> Error {
        Error {
            fault,
            message: message.into(),
            hint: None,
        }
    }
    /// Operator mistake.
    pub fn operator(message: impl Into<String>) -> Error {
        Error::new(Fault::Operator, message)
    }
    /// Malformed input.
    pub fn input(message: impl Into<String>) -> Error {
        Error::new(Fault::Input, message)
    }
    /// Verification failure.
    pub fn verification(message: impl Into<String>) -> Error {
        Error::new(Fault::Verification, message)
    }
    /// Environment failure.
    pub fn environment(message: impl Into<String>) -> Error {
        Error::new(Fault::Environment, message)
    }
    /// Adds the next step.
    pub fn hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }
    /// Prefixes the message with the object it concerns (`share 3 (holder "Carol")`).
    pub fn context(mut self, what: impl fmt::Display) -> Error {
        self.message = format!("{what}: {}", self.message);
        self
    }
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self.fault {
            Fault::Operator | Fault::Input => exit::INPUT,
            Fault::Verification => exit::VERIFICATION,
            Fault::Environment => exit::ENVIRONMENT,
        }
    }
}

/// Writes `s` with control characters escaped, so that text taken from input files (names,
/// parser messages) can never drive the terminal.
fn write_clean(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    for c in s.chars() {
        if c.is_control() {
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
        Error::environment(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        let e = Error::input("holder \u{1b}[2K\rOK").hint("x\ny");
        assert_eq!(e.to_string(), "holder \\u{1b}[2K\\rOK\n  next step: x\\ny");
    }
}
