//! `rootkey share verify` and `rootkey share wipe`.

use std::path::PathBuf;

use clap::Subcommand;

use crate::ceremony::{self, combine::OneShare};
use crate::error::Result;

#[derive(Subcommand)]
pub(crate) enum ShareCommand {
    /// Check one share alone against the root-signed manifest, without any other share
    #[command(
        override_usage = "rootkey share verify [OPTIONS] --manifest <manifest.json>\n         \
--root <root.pem> [SHARE]",
        after_help = "Examples (in the ceremony's output directory):\n  \
rootkey share verify share-02-bob.txt --manifest manifest.json --root root.pem\n  \
rootkey share verify --qr-image carol.jpg --manifest manifest.json --root root.pem\n  \
rootkey share verify --type --manifest manifest.json --root root.pem\n  \
rootkey share verify --token-share 1 --manifest manifest.json --root root.pem"
    )]
    Verify {
        /// The share file (text form)
        #[arg(value_name = "SHARE", required_unless_present_any = ["qr_image", "keyboard", "token_share"], conflicts_with_all = ["qr_image", "keyboard", "token_share"])]
        share: Option<PathBuf>,
        /// A photo or scan (PNG or JPEG) of a paper shard's QR code instead of a file
        #[arg(long = "qr-image", value_name = "PHOTO", conflicts_with_all = ["keyboard", "token_share"])]
        qr_image: Option<PathBuf>,
        /// Type the share's rows (or scan its QR code with a USB scanner) at the keyboard
        #[arg(long = "type", conflicts_with = "token_share")]
        keyboard: bool,
        /// Read share INDEX from its holder's token (the holder types the PIN); the payload
        /// file is looked for beside the manifest, else the token's copy is read
        #[arg(long = "token-share", value_name = "INDEX", value_parser = clap::value_parser!(u8).range(1..=16))]
        token_share: Option<u8>,
        /// The PKCS#11 module that reaches a PKCS#11 token; repeat to search several
        #[arg(long = "pkcs11-module", value_name = "PATH")]
        pkcs11_modules: Vec<PathBuf>,
        /// The ceremony's manifest.json
        #[arg(long, value_name = "manifest.json")]
        manifest: PathBuf,
        /// The ceremony's root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
    },
    /// Overwrite and remove the text share files (share-*.txt) in DIR, once every holder has
    /// their share and has checked it (the same refusals as `paper wipe`)
    #[command(after_help = "Example:\n  rootkey share wipe /dev/shm/root-2026")]
    Wipe {
        /// The ceremony output directory holding share-NN-*.txt
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

pub(super) fn run(c: ShareCommand) -> Result<i32> {
    use ceremony::paper_wipe::{ShareFiles, wipe};
    match c {
        ShareCommand::Wipe { dir } => wipe(dir, ShareFiles::Text),
        ShareCommand::Verify {
            share,
            qr_image,
            keyboard,
            token_share,
            pkcs11_modules,
            manifest,
            root,
        } => {
            let share = match (share, qr_image, token_share) {
                (Some(p), _, _) => OneShare::File(p),
                (None, Some(p), _) => OneShare::QrImage(p),
                (None, None, Some(i)) => OneShare::Token(ceremony::TokenArgs {
                    indices: vec![i],
                    pkcs11_modules,
                }),
                // clap lets only `--type` through here.
                (None, None, None) => {
                    debug_assert!(keyboard);
                    OneShare::Keyboard
                }
            };
            ceremony::combine::verify_one(share, manifest, root)
        }
    }
}
