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
    /// Share audit: check each share presented alone against the manifest, one holder at a
    /// time, and record who proved which share and who did not appear (no key is rebuilt)
    #[command(
        override_usage = "rootkey share audit [OPTIONS] --manifest <manifest.json>\n         \
--root <root.pem> --out <DIR> [SHARE]...",
        after_help = "Examples:\n  \
rootkey share audit --manifest 2026/manifest.json --root 2026/root.pem \\\n      \
--out audit-2027 share-03-carol.txt --qr-image dave.jpg --type\n  \
rootkey share audit --manifest M --root R --out audit-2027 \\\n      \
--token-share 1 --token-share 2 --pkcs11-module /usr/lib/p11.so\n\n\
Exit codes: 0 every holder proved their share; 1 some holders did not appear (or bad input); 3 a share given failed its check. The transcript is written in every case; the witnesses attest it with rootkey transcript attest."
    )]
    Audit(AuditArgs),
    /// Overwrite and remove the text share files (share-*.txt) in DIR, once every holder has
    /// their share and has checked it (the same refusals as `paper wipe`)
    #[command(after_help = "Example:\n  rootkey share wipe /dev/shm/root-2026")]
    Wipe {
        /// The ceremony output directory holding share-NN-*.txt
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

/// `rootkey share audit`.
#[derive(clap::Args)]
pub(crate) struct AuditArgs {
    /// Output directory for the transcript; created if missing, refused if it already
    /// holds a ceremony
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The ceremony's manifest.json
    #[arg(long, value_name = "manifest.json")]
    manifest: PathBuf,
    /// The ceremony's root certificate
    #[arg(long, value_name = "root.pem")]
    root: PathBuf,
    /// Share files (text form), checked in the order given
    #[arg(value_name = "SHARE")]
    shares: Vec<PathBuf>,
    /// A photo or scan (PNG or JPEG) of a paper shard's QR code; repeat for each
    #[arg(long = "qr-image", value_name = "PHOTO")]
    qr_images: Vec<PathBuf>,
    /// Then read one share at the keyboard (typed rows, or a USB QR scanner); repeat for
    /// each share typed
    #[arg(long = "type", action = clap::ArgAction::Count)]
    keyboard: u8,
    #[command(flatten)]
    tokens: super::TokenShares,
    /// Continue if secret memory cannot be locked (rehearsal ceremonies only)
    #[arg(long)]
    allow_unlocked_memory: bool,
}

pub(super) fn run(c: ShareCommand) -> Result<i32> {
    use ceremony::paper_wipe::{ShareFiles, wipe};
    match c {
        ShareCommand::Audit(a) => ceremony::share_audit::run(
            ceremony::share_audit::Args {
                out: a.out,
                manifest: a.manifest,
                root: a.root,
                shares: a.shares,
                qr_images: a.qr_images,
                keyboard: a.keyboard as usize,
                tokens: a.tokens.args(),
                allow_unlocked_memory: a.allow_unlocked_memory,
            },
            &mut crate::console::Terminal,
        ),
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
