//! `rootkey run PLAN`.

use std::path::PathBuf;

use crate::ceremony;
use crate::console::Terminal;
use crate::error::Result;

/// `rootkey run`.
#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// Ceremony plan (TOML, version 1 or 2): a generation, rotation, CRL or share-audit plan
    #[arg(value_name = "PLAN.toml")]
    plan: PathBuf,
    /// Output directory; created if missing, refused if it already holds a ceremony
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Continue if secret memory cannot be locked (rehearsal plans only; recorded)
    #[arg(long)]
    allow_unlocked_memory: bool,
    /// Allow paper shard PDFs on a persistent (not RAM-backed) file system; recorded
    /// (always allowed for rehearsal plans)
    #[arg(long)]
    allow_persistent_output: bool,
    /// The PIV attestation root (PEM) that YubiKey slot attestations must chain to (plans
    /// with a yubikey holder; see docs/yubikey.md)
    #[arg(long, value_name = "PEM")]
    piv_attestation_root: Option<PathBuf>,
    /// Answer every question from this file instead of the terminal (rehearsals, CI,
    /// automation; format: docs/formats.md, "Answers file"); recorded in the transcript
    #[arg(long, value_name = "FILE.toml")]
    answers: Option<PathBuf>,
    /// Let an answers file run a real (non-rehearsal) generation, with nobody typing;
    /// recorded in the transcript
    #[arg(long, requires = "answers")]
    i_understand_this_is_unattended: bool,
}

pub(super) fn run(a: RunArgs) -> Result<i32> {
    ceremony::run::run(
        ceremony::run::Args {
            plan: a.plan,
            out: a.out,
            allow_unlocked_memory: a.allow_unlocked_memory,
            allow_persistent_output: a.allow_persistent_output,
            piv_attestation_root: a.piv_attestation_root,
            answers: a.answers,
            unattended: a.i_understand_this_is_unattended,
        },
        &mut Terminal,
    )
}
