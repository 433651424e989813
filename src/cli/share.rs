//! `rootkey share verify`.

use std::path::PathBuf;

use clap::Subcommand;

use crate::ceremony::{self, combine::OneShare};
use crate::error::Result;

#[derive(Subcommand)]
pub(crate) enum ShareCommand {
    /// Check one share alone against the root-signed manifest, without any other share
    #[command(after_help = "Examples:\n  \
        rootkey share verify out/share-02-bob.txt --manifest out/manifest.json --root out/root.pem\n  \
        rootkey share verify --qr-image carol.jpg --manifest out/manifest.json --root out/root.pem\n  \
        rootkey share verify --type --manifest out/manifest.json --root out/root.pem\n  \
        rootkey share verify --token-share 1 --manifest out/manifest.json --root out/root.pem")]
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
}

pub(super) fn run(c: ShareCommand) -> Result<i32> {
    match c {
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
