//! `rootkey crl sign`.

use std::path::PathBuf;

use clap::Subcommand;

use super::Quorum;
use crate::ceremony;
use crate::error::Result;

#[derive(Subcommand)]
pub(crate) enum CrlCommand {
    /// Build the next CRL (previous entries carried forward, CRL number + 1), show it for
    /// two-person confirmation, rebuild the root key from k shares, sign, and write DIR/root.crl
    #[command(
        override_usage = "rootkey crl sign [OPTIONS] --root <root.pem> --manifest <manifest.json>\n         \
--out <DIR>",
        after_help = "Output: DIR/root.crl (DER), DIR/root.crl.pem, DIR/transcript.jsonl, and copies of the inputs.\n\n\
Examples:\n  \
rootkey crl sign --root root.pem --manifest manifest.json \\\n      \
--previous-crl crl-2026/root.crl \\\n      \
--revoke 5f:3a:…:91:keyCompromise --out crl-2027\n  \
rootkey crl sign --root root.pem --manifest manifest.json --first-crl --out crl-first"
    )]
    Sign {
        /// The root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// The root ceremony's manifest.json
        #[arg(long, value_name = "manifest.json")]
        manifest: PathBuf,
        /// Revoke a certificate: serial in hex (colons allowed), optionally with a reason
        /// (keyCompromise, cACompromise, affiliationChanged, superseded,
        /// cessationOfOperation, privilegeWithdrawn, unspecified); repeat for each
        #[arg(long, value_name = "SERIAL[:REASON]")]
        revoke: Vec<String>,
        /// The previous CRL signed by this root: its entries are carried forward and the CRL
        /// number continues from it
        #[arg(
            long,
            value_name = "CRL",
            conflicts_with = "first_crl",
            required_unless_present = "first_crl"
        )]
        previous_crl: Option<PathBuf>,
        /// There is no previous CRL: this one gets CRL number 1
        #[arg(long)]
        first_crl: bool,
        /// Days from thisUpdate (now) to nextUpdate, 1 to 365
        #[arg(long, value_name = "DAYS", default_value_t = 180)]
        next_update_days: u32,
        /// Output directory; created if missing, refused if it already holds a ceremony
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        quorum: Quorum,
    },
}

pub(super) fn run(c: CrlCommand) -> Result<i32> {
    match c {
        CrlCommand::Sign {
            root,
            manifest,
            revoke,
            previous_crl,
            first_crl: _,
            next_update_days,
            out,
            quorum,
        } => {
            let mut console = quorum.console();
            let args = ceremony::crl::Args {
                root,
                manifest,
                revoke,
                previous_crl,
                next_update_days,
                out,
                quorum: quorum.args(),
            };
            ceremony::crl::run(args, console.as_mut())
        }
    }
}
