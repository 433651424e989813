//! `rootkey token list` and `rootkey token describe`: the operator's pre-flight.

use std::path::PathBuf;

use clap::Subcommand;

use crate::ceremony::token_info::{self, Which};
use crate::error::Result;
use crate::token::pkcs11::Selector;

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// List every YubiKey reachable through PC/SC and every token of each PKCS#11 module
    /// given: serial, label, model, firmware, PIN tries, whether it can hold payloads, free
    /// space. No PIN is asked for
    #[command(
        after_help = "Exit codes: 0 listed (also when none is found); 1 a module that is not a PKCS#11 library; 2 usage error; 4 the environment refused (pcscd not running or no reader while no module is given, a module or token that failed, an answer that could not be written).\n\n\
Examples:\n  \
rootkey token list\n  \
rootkey token list --pkcs11-module /usr/lib/softhsm/libsofthsm2.so\n  \
rootkey token list --pkcs11-module /usr/lib/x86_64-linux-gnu/libykcs11.so"
    )]
    List {
        /// A PKCS#11 library whose tokens to list; repeat for each
        #[arg(long = "pkcs11-module", value_name = "PATH")]
        modules: Vec<PathBuf>,
    },
    /// Describe one token in full: for a YubiKey also which share slots (82..95, 9d) hold keys,
    /// which data objects 5f0000..5f00ff exist and whether the management key is the factory
    /// default; for a PKCS#11 token its public keys. No PIN is asked for
    #[command(
        after_help = "Exit codes: 0 described; 1 no such token (the tokens present are listed), a module that is not a PKCS#11 library, or several YubiKeys and no serial; 2 usage error; 4 the environment refused (pcscd not running, no reader, no YubiKey or not the one named, a token that failed, an answer that could not be written).\n\n\
Examples:\n  \
rootkey token describe --yubikey\n  \
rootkey token describe --yubikey 13371337\n  \
rootkey token describe --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --label alice"
    )]
    Describe {
        /// The YubiKey with this serial, or the only one plugged in
        #[arg(
            long,
            value_name = "SERIAL",
            num_args = 0..=1,
            required_unless_present = "pkcs11_module",
            conflicts_with = "pkcs11_module"
        )]
        yubikey: Option<Option<u32>>,
        /// The PKCS#11 library of the token
        #[arg(long = "pkcs11-module", value_name = "PATH")]
        pkcs11_module: Option<PathBuf>,
        /// The token's label (with --pkcs11-module)
        #[arg(
            long,
            value_name = "LABEL",
            requires = "pkcs11_module",
            required_unless_present_any = ["serial", "yubikey"],
            conflicts_with = "serial"
        )]
        label: Option<String>,
        /// The token's serial number (with --pkcs11-module)
        #[arg(long, value_name = "SERIAL", requires = "pkcs11_module")]
        serial: Option<String>,
    },
}

pub(super) fn run(c: TokenCommand) -> Result<i32> {
    match c {
        TokenCommand::List { modules } => token_info::list(&modules),
        TokenCommand::Describe {
            yubikey,
            pkcs11_module,
            label,
            serial,
        } => {
            let which = match (pkcs11_module, label, serial) {
                (Some(module), Some(l), _) => Which::Pkcs11 {
                    module,
                    token: Selector::Label(l),
                },
                (Some(module), None, Some(s)) => Which::Pkcs11 {
                    module,
                    token: Selector::Serial(s),
                },
                // clap lets only `--yubikey [SERIAL]` through here.
                _ => Which::Yubikey(yubikey.flatten()),
            };
            token_info::describe(&which)
        }
    }
}
