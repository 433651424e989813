//! `rootkey chain verify`.

use std::path::PathBuf;

use clap::Subcommand;

use crate::ceremony;
use crate::error::Result;

#[derive(Subcommand)]
pub(crate) enum ChainCommand {
    /// Verify certificates against the root, offline: signatures up the chain, validity at a
    /// time, CA constraints and (with --crl) revocation
    #[command(
        after_help = "Exit codes: 0 every certificate verifies; 1 bad input; 2 usage error; 3 a certificate does not verify; 4 the answer could not be written.\n\n\
Examples:\n  \
rootkey chain verify --root root.pem intermediate.pem\n  \
rootkey chain verify --root root.pem --crl root.crl --at 2027-01-01 \\\n      \
intermediate.pem leaf.pem"
    )]
    Verify {
        /// The trusted root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// A CRL signed by the root
        #[arg(long, value_name = "CRL")]
        crl: Option<PathBuf>,
        /// Check validity at this time instead of now (YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Certificates (PEM, possibly several per file, or DER), issuer first or in any order
        #[arg(value_name = "CERT", required = true)]
        certs: Vec<PathBuf>,
    },
}

pub(super) fn run(c: ChainCommand) -> Result<i32> {
    match c {
        ChainCommand::Verify {
            root,
            crl,
            at,
            certs,
        } => ceremony::chain::run(root, crl, at, certs),
    }
}
