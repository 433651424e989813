//! `rootkey intermediate sign`.

use std::path::PathBuf;

use clap::Subcommand;

use super::Quorum;
use crate::ceremony;
use crate::error::Result;

#[derive(Subcommand)]
pub(crate) enum IntermediateCommand {
    /// Check a CSR, show the certificate for two-person confirmation, rebuild the root key from
    /// k shares, sign, and write DIR/intermediate.pem and DIR/intermediate-chain.pem
    #[command(
        override_usage = "rootkey intermediate sign [OPTIONS] --csr <REQ.pem>\n         \
--profile <PROFILE.toml> --root <root.pem> --manifest <manifest.json>\n         \
--out <DIR>",
        after_help = "Output: DIR/intermediate.pem, DIR/intermediate-chain.pem (intermediate then root, for \
Vault's pki/intermediate/set-signed), DIR/transcript.jsonl, and copies of the inputs.\n\n\
Examples:\n  \
rootkey intermediate sign --csr prod-2026.csr \\\n      \
--profile templates/intermediate.toml --root root.pem \\\n      \
--manifest manifest.json --previous prod-2025.pem --out rotation-2026\n  \
rootkey intermediate sign --csr prod-2026.csr --csr-sha256 3f9a… \\\n      \
--profile templates/intermediate.toml --root root.pem \\\n      \
--manifest manifest.json --out rotation-2026 \\\n      \
--confirm \"Ann Officer\" --confirm \"Bob Officer\" \\\n      \
--share alice.txt --share bob.txt --qr-image carol.jpg"
    )]
    Sign {
        /// The certificate signing request (PKCS#10, PEM or DER)
        #[arg(long, value_name = "REQ.pem")]
        csr: PathBuf,
        /// SHA-256 of the CSR's DER as delivered out of band (default: typed at the prompt)
        #[arg(long, value_name = "HEX")]
        csr_sha256: Option<String>,
        /// Intermediate certificate profile
        #[arg(long, value_name = "PROFILE.toml")]
        profile: PathBuf,
        /// The root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// The root ceremony's manifest.json
        #[arg(long, value_name = "manifest.json")]
        manifest: PathBuf,
        /// Output directory; created if missing, refused if it already holds a ceremony
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The previous intermediate: warn on a gap or short overlap, refuse a reused key
        #[arg(long, value_name = "PREV.pem")]
        previous: Option<PathBuf>,
        /// notBefore (default: now), as YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD (midnight UTC)
        #[arg(long, value_name = "TIME")]
        not_before: Option<String>,
        #[command(flatten)]
        quorum: Quorum,
    },
}

pub(super) fn run(c: IntermediateCommand) -> Result<i32> {
    match c {
        IntermediateCommand::Sign {
            csr,
            csr_sha256,
            profile,
            root,
            manifest,
            out,
            previous,
            not_before,
            quorum,
        } => {
            let mut console = quorum.console();
            let args = ceremony::intermediate::Args {
                csr,
                csr_sha256,
                profile,
                root,
                manifest,
                out,
                previous,
                not_before,
                quorum: quorum.args(),
            };
            ceremony::intermediate::run(args, console.as_mut())
        }
    }
}
