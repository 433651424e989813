//! rootkey command line: everything is in the library ([`rootkey::cli`] defines every flag
//! and maps each command onto one [`rootkey::ceremony`] function); this only runs it.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used)]

fn main() -> std::process::ExitCode {
    rootkey::cli::main()
}
