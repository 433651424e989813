//! The closed value lists of transcript members (docs/formats.md, "Ceremony transcript v1"):
//! one enum each, used by the ceremonies that record them, the verifier that checks them and
//! the report that shows them.

use crate::encoding::value_list::value_list;

value_list! {
    /// `entropy.source`: where the seed came from.
    pub enum EntropySource {
        /// The operating system's generator alone (`dice_rolls` 0).
        Os = "os",
        /// The operating system's generator mixed with dice rolls typed by the officer.
        OsDice = "os+dice",
    }
}

value_list! {
    /// `csr-checked.hash_source`: how the CSR's out-of-band SHA-256 was given.
    pub enum HashSource {
        /// `--csr-sha256`.
        CommandLine = "command-line",
        /// Typed at the prompt.
        Typed = "typed",
    }
}

value_list! {
    /// `confirmed.method`: how a confirmation was given.
    pub enum ConfirmMethod {
        /// Typed the short code at the terminal.
        TypedCode = "typed-code",
        /// Named with `--confirm` (scripted run).
        CommandLine = "command-line",
    }
}

/// The initials of `name` that a `checklist-acknowledged` entry's `initials` must be
/// (compared upper-cased): the first character of each word, upper-cased ("Wendy Witness" →
/// "WW").
pub fn initials_of(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_as_the_format_says() {
        assert_eq!(EntropySource::listed(), r#""os" or "os+dice""#);
        assert_eq!(
            crate::transcript::Kind::listed_bare(),
            "generation, rehearsal, quorum-check, rotation, crl or share-audit"
        );
        assert_eq!(HashSource::listed(), r#""command-line" or "typed""#);
        assert_eq!(ConfirmMethod::listed(), r#""typed-code" or "command-line""#);
        assert_eq!(
            serde_json::to_string(&[ConfirmMethod::TypedCode, ConfirmMethod::CommandLine]).unwrap(),
            r#"["typed-code","command-line"]"#
        );
    }
}
