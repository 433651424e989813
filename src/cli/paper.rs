//! `rootkey paper wipe`.

use std::path::PathBuf;

use clap::Subcommand;

use crate::ceremony;
use crate::error::Result;

#[derive(Subcommand)]
pub(crate) enum PaperCommand {
    /// Overwrite and remove the paper shard PDFs (share-*.pdf) in DIR after printing
    #[command(after_help = "Example:\n  rootkey paper wipe /dev/shm/root-2026")]
    Wipe {
        /// The ceremony output directory holding share-NN-*.pdf
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

pub(super) fn run(c: PaperCommand) -> Result<i32> {
    match c {
        PaperCommand::Wipe { dir } => ceremony::paper_wipe::run(dir),
    }
}
