//! `rootkey combine`.

use std::path::PathBuf;

use crate::ceremony;
use crate::console::Terminal;
use crate::error::Result;

/// `rootkey combine`.
#[derive(clap::Args)]
pub(crate) struct CombineArgs {
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
    /// Share files (text form)
    #[arg(value_name = "SHARE")]
    shares: Vec<PathBuf>,
    /// A photo or scan (PNG or JPEG) of a paper shard's QR code; repeat for each
    #[arg(long = "qr-image", value_name = "PHOTO")]
    qr_images: Vec<PathBuf>,
    /// Then ask at the keyboard (typed rows, or a USB QR scanner) for shares until the
    /// threshold is reached; the default when no SHARE and no --qr-image is given
    #[arg(long = "type")]
    keyboard: bool,
    #[command(flatten)]
    tokens: super::TokenShares,
    /// Continue if secret memory cannot be locked (rehearsal ceremonies only)
    #[arg(long)]
    allow_unlocked_memory: bool,
}

pub(super) fn run(a: CombineArgs) -> Result<i32> {
    ceremony::combine::run(
        ceremony::combine::Args {
            out: a.out,
            manifest: a.manifest,
            root: a.root,
            shares: a.shares,
            qr_images: a.qr_images,
            keyboard: a.keyboard,
            tokens: a.tokens.args(),
            allow_unlocked_memory: a.allow_unlocked_memory,
        },
        &mut Terminal,
    )
}
