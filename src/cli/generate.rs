//! `rootkey generate` and `rootkey rehearse`.

use std::path::PathBuf;

use super::Paper;
use crate::ceremony;
use crate::console::Terminal;
use crate::error::Result;

/// `rootkey generate`.
#[derive(clap::Args)]
pub(crate) struct GenerateArgs {
    /// Ceremony plan (TOML): name, threshold, holders and their media
    #[arg(long, value_name = "PLAN.toml")]
    plan: PathBuf,
    /// Output directory; created if missing, refused if it already holds a ceremony
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Root certificate profile (default: the bundled templates/root.toml)
    #[arg(long, value_name = "PROFILE.toml")]
    profile: Option<PathBuf>,
    /// Also mix at least 99 typed d6 rolls into the seed (prompted, hidden input)
    #[arg(long)]
    dice: bool,
    /// Send paper shards straight to this printer (`lp -d PRINTER`, through stdin; no
    /// file is written)
    #[arg(long, value_name = "PRINTER")]
    print_to: Option<String>,
    /// Allow paper shard PDFs on a persistent (not RAM-backed) file system; recorded
    /// (always allowed for rehearsal plans)
    #[arg(long)]
    allow_persistent_output: bool,
    /// Paper shard layout (default: the bundled templates/paper.toml)
    #[arg(long, value_name = "PAPER.toml")]
    paper_layout: Option<PathBuf>,
    /// Paper size of the shards (default: the layout's)
    #[arg(long, value_enum)]
    paper: Option<Paper>,
    /// Continue if secret memory cannot be locked (rehearsal plans only; recorded)
    #[arg(long)]
    allow_unlocked_memory: bool,
    /// The PIV attestation root (PEM) that YubiKey slot attestations must chain to (required
    /// when the plan has a yubikey holder; Yubico's PIV attestation CA for real keys, see
    /// docs/yubikey.md)
    #[arg(long, value_name = "PEM")]
    piv_attestation_root: Option<PathBuf>,
}

/// `rootkey rehearse`.
#[derive(clap::Args)]
pub(crate) struct RehearseArgs {
    /// Output directory; created if missing, refused if it already holds a ceremony (for
    /// --kind rotation or crl: refused unless empty; each part gets its own directory in it)
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// What to rehearse: the generation and a rebuild; a rotation (a rehearsal root, then an
    /// intermediate signed from a throwaway CSR made by rootkey); or a CRL (the same, then a
    /// first CRL revoking that intermediate)
    #[arg(long, value_enum, default_value_t = RehearsalKind::Generation)]
    kind: RehearsalKind,
    /// Continue if secret memory cannot be locked (recorded in the manifest)
    #[arg(long)]
    allow_unlocked_memory: bool,
}

pub(super) fn run(a: GenerateArgs) -> Result<i32> {
    ceremony::generate::run(
        ceremony::generate::Args {
            plan: a.plan,
            out: a.out,
            profile: a.profile,
            dice: a.dice,
            print_to: a.print_to,
            allow_persistent_output: a.allow_persistent_output,
            paper_layout: a.paper_layout,
            paper: a.paper.map(Paper::size),
            allow_unlocked_memory: a.allow_unlocked_memory,
            piv_attestation_root: a.piv_attestation_root,
        },
        &mut Terminal,
    )
}

/// `rootkey rehearse --kind`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum RehearsalKind {
    /// Generation, then a rebuild from 3 of the 5 shares
    Generation,
    /// A rehearsal root, then `intermediate sign` of a throwaway CSR
    Rotation,
    /// As rotation, then `crl sign` of a first CRL revoking the rehearsal intermediate
    Crl,
}

pub(super) fn rehearse(a: RehearseArgs) -> Result<i32> {
    use ceremony::rehearse::signing::{self, SigningKind};
    match a.kind {
        RehearsalKind::Generation => {
            ceremony::rehearse::run(a.out, a.allow_unlocked_memory, &mut Terminal)
        }
        RehearsalKind::Rotation => signing::run(
            SigningKind::Rotation,
            &a.out,
            a.allow_unlocked_memory,
            &mut Terminal,
        ),
        RehearsalKind::Crl => signing::run(
            SigningKind::Crl,
            &a.out,
            a.allow_unlocked_memory,
            &mut Terminal,
        ),
    }
}
