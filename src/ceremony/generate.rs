//! The generation ceremony (`rootkey generate`, transcript kind `generation`): new seed →
//! root key → k-of-n split checked on every k-subset → root certificate → shares, root.pem and
//! the signed manifest ([`super::outputs`]), sealed by the root key before it is wiped. Its
//! stages, from the seed on, are in [`super::keygen`]; this file checks the arguments and runs
//! them.

use std::path::{Path, PathBuf};

use super::flow::{Flow, Run};
use super::keygen::{Seeding, generate_in};
use super::outputs::generation_writes;
use super::session::{
    RehearsalFrom, after_seal, check_unlocked_memory, harden, output_facts, preflight,
};
use super::stages::Started;
use super::steps;
use super::{locked_pages_needed, new_ceremony_id, plan_header, summary};
use crate::cert::{DEFAULT_ROOT_PROFILE, RootProfile};
use crate::console::{Console, Question, SCREEN_COLUMNS, Terminal, wrap};
use crate::encoding::names::base_name;
use crate::error::Kind as ErrorKind;
use crate::error::{Error, Result, exit};
use crate::key;
use crate::paper::{DEFAULT_PAPER_LAYOUT, PaperLayout};
use crate::pdfdoc::PaperSize;
use crate::plan::{Medium, Plan};
use crate::secret::{self, SecretBytes};
use crate::share::{Envelope, ShareHeader};
use crate::transcript::{self, Kind, Recorder};

/// The arguments of `rootkey generate` (see `rootkey generate --help`).
pub struct Args {
    /// The plan file.
    pub plan: PathBuf,
    /// The output directory.
    pub out: PathBuf,
    /// The root certificate profile (default: the bundled one).
    pub profile: Option<PathBuf>,
    /// Mix typed dice rolls into the seed.
    pub dice: bool,
    /// Send paper shards to this printer.
    pub print_to: Option<String>,
    /// Allow paper shards on persistent storage.
    pub allow_persistent_output: bool,
    /// The paper shard layout (default: the bundled one).
    pub paper_layout: Option<PathBuf>,
    /// Paper size of the shards (default: the layout's).
    pub paper: Option<PaperSize>,
    /// Continue without locked memory (rehearsal plans only).
    pub allow_unlocked_memory: bool,
    /// The PIV attestation root YubiKey slot attestations must chain to (required when the
    /// plan has a yubikey holder).
    pub piv_attestation_root: Option<PathBuf>,
}

/// `rootkey generate`: checks the arguments, hardens the process, prepares the output
/// directory and the transcript, runs the generation's steps ([`steps::generation`]) at
/// `console` and shows its summary. Returns the exit code.
pub fn run(args: Args, console: &mut dyn Console) -> Result<i32> {
    let Args {
        plan: plan_path,
        out,
        profile,
        dice,
        print_to,
        allow_persistent_output,
        paper_layout,
        paper,
        allow_unlocked_memory,
        piv_attestation_root,
    } = args;
    // Every argument is checked before anything is created: a refused `generate` leaves no
    // --out directory behind. First what needs no file at all, then the inputs, then the
    // machine and where the outputs would go.
    if let Some(p) = print_to.as_deref()
        && (p.is_empty() || p.contains('/') || p.starts_with('-'))
    {
        return Err(Error::new(
            ErrorKind::Argument,
            format!("--print-to {p:?}: not a printer name (no `/` instances, no leading `-`)"),
        )
        .hint("list printers with: lpstat -p"));
    }
    transcript::check_recordable_name(&plan_path, "plan")?;
    let plan = Plan::load(&plan_path)?;
    plan.require_kind(crate::plan::PlanKind::Generation, "rootkey generate")?;
    let profile = match &profile {
        Some(p) => {
            let bytes = crate::fsio::read_public(p, 1 << 20, "root profile")?;
            let text = String::from_utf8_lossy(&bytes);
            RootProfile::from_toml(&text, &p.display().to_string())?
        }
        None => RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "templates/root.toml")?,
    };
    check_unlocked_memory(
        allow_unlocked_memory,
        plan.ceremony.rehearsal,
        RehearsalFrom::Plan,
    )?;
    let layout = match &paper_layout {
        Some(p) => {
            let bytes = crate::fsio::read_public(p, 1 << 20, "paper layout")?;
            let text = String::from_utf8_lossy(&bytes);
            PaperLayout::from_toml(&text, &p.display().to_string())?
        }
        None => PaperLayout::from_toml(DEFAULT_PAPER_LAYOUT, "templates/paper.toml")?,
    };
    let paper_size = paper.unwrap_or(layout.paper);
    // A layout that cannot fit is refused before any key exists.
    check_paper_layout(&plan, &layout, paper_size)?;
    // Token holders' checks that need no token, before any key exists: the attestation root
    // of YubiKey holders, and every PKCS#11 module the plan names.
    let piv_root = super::token_stage::attestation_root(&plan, piv_attestation_root.as_deref())
        .map_err(|e| e.context(format!("plan {}", plan_path.display())))?;
    let persistent_allowed = allow_persistent_output || plan.ceremony.rehearsal;
    super::session::note_tokens(token_needs(&plan));
    let hardening = harden(allow_unlocked_memory)?;
    // Every secret takes at least a page; check the whole need before anyone types.
    secret::probe_lock(locked_pages_needed(plan.quorum.shares))?;
    let paper_files = print_to.is_none() && plan.holders.iter().any(|h| h.medium == Medium::Paper);
    if paper_files && !persistent_allowed && hardening.swap_active {
        return Err(Error::new(
                ErrorKind::UnsafeOutput,
                "swap is active: paper shards on tmpfs could be swapped to disk",
            )
            .hint("turn swap off (swapoff -a), print directly with --print-to PRINTER, or pass --allow-persistent-output (recorded)"));
    }
    if paper_files && !persistent_allowed {
        // Before a missing --out is created, the file system it would be created on.
        if let Some(fs) = future_filesystem(&out)? {
            refuse_persistent(&out, &fs)?;
        }
    }
    super::session::refuse_network(plan.ceremony.rehearsal)?;
    let writes = generation_writes(&plan);
    super::outdir::prepare_out_dir(&out, &writes.iter().map(String::as_str).collect::<Vec<_>>())?;
    let facts = output_facts(&out, persistent_allowed, print_to.as_deref())?;
    if paper_files && !persistent_allowed {
        refuse_persistent(&out, &facts.filesystem)?;
    }
    let header = plan_header(
        &plan,
        &base_name(&plan_path),
        Kind::Generation,
        new_ceremony_id()?,
        preflight(&hardening, plan.ceremony.rehearsal, &facts)?,
    );
    let mut rec = Recorder::create(&out, &header)?;
    let tokens: Vec<bool> = plan.holders.iter().map(|h| h.medium.is_token()).collect();
    let flow = Flow::new(steps::generation_for(&tokens, dice));
    let report = transcript::recorded(&mut rec, |rec| {
        let (seeding, dice) = Started::new(Run::new(flow, &mut *console, rec))?.type_dice(dice)?;
        let (written, report) = generate_in(
            seeding,
            &GenerateOptions {
                plan: &plan,
                profile: &profile,
                out: &out,
                dice: dice.as_ref(),
                paper: &layout,
                paper_size,
                printer: print_to.as_deref(),
                piv_attestation_root: piv_root.as_ref(),
            },
        )?;
        written.seal()?;
        Ok(report)
    })
    .map_err(|e| super::outdir::wipe_failed_generation(&out, e))
    .map_err(|e| super::quorum::at_prompt_next_step(&out, e))?;
    after_seal(&out, || {
        console.out("the summary", &summary::generated(&report))?;
        Ok(exit::OK)
    })
}

/// What the pre-flight screen's tokens line checks for `plan`'s token holders (a generation's
/// and a rehearsal's).
pub(super) fn token_needs(plan: &Plan) -> super::session::TokenNeeds {
    let on = |m: Medium| plan.holders.iter().filter(|h| h.medium == m).count();
    super::session::TokenNeeds {
        yubikeys: on(Medium::Yubikey),
        pkcs11: on(Medium::Pkcs11),
        modules: plan
            .holders
            .iter()
            .filter_map(|h| match &h.token {
                Some(crate::plan::TokenSpec::Pkcs11 { module, .. }) => Some(module.into()),
                _ => None,
            })
            .collect(),
    }
}

/// Paper shards (not allowed on persistent storage) must not go to `out` on file system `fs`
/// unless it is RAM-backed.
fn refuse_persistent(out: &Path, fs: &str) -> Result<()> {
    if crate::fsio::is_ram_backed(fs) {
        return Ok(());
    }
    Err(Error::new(ErrorKind::UnsafeOutput, format!(
        "--out {}: paper shards must not land on a persistent disk, but this directory is on {fs}",
        out.display(),
    ))
    .hint("use a RAM-backed directory (e.g. --out /dev/shm/ceremony), print directly with --print-to PRINTER, or pass --allow-persistent-output (recorded)"))
}

/// The file system a missing `out` will be created on: its nearest existing ancestor's.
/// `None` when something is at `out` already — prepare_out_dir creates nothing then and its
/// own checks (a ceremony there, not a directory, a dangling link) come first, as ever.
fn future_filesystem(out: &Path) -> Result<Option<String>> {
    if std::fs::symlink_metadata(out).is_ok() {
        return Ok(None);
    }
    // The nearest ancestor that exists (`.` for a relative path); if it is not a directory,
    // --out cannot be created there and prepare_out_dir says so.
    let parent = out
        .ancestors()
        .skip(1)
        .find(|a| a.as_os_str().is_empty() || std::fs::symlink_metadata(a).is_ok())
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Ok(None);
    }
    crate::fsio::filesystem_type(parent).map(Some)
}

/// How many times the dice rolls may be typed before the ceremony stops.
pub const DICE_TRIES: usize = 3;

/// Asks for the dice rolls at `console`: hidden, straight into locked memory. A slip (too few
/// rolls, a character that is not a roll, far too much typed) is shown with what was wrong and
/// asked again, [`DICE_TRIES`] times in all; the rolls are typed again from the first (they
/// were hidden, so nobody can tell where a slip was). Ctrl-C cancels (`Kind::Cancelled`).
pub fn read_dice(console: &mut dyn Console) -> Result<SecretBytes> {
    console.err(
        "the dice instructions",
        &format!(
            "Roll a six-sided die at least {} times and type the results\n(digits 1-6, spaces allowed).\n",
            key::MIN_DICE_ROLLS
        ),
    )?;
    let mut attempt = 1;
    loop {
        // Read straight into locked memory with echo off (no intermediate heap buffers).
        let slip = match console.ask_secret(&Question::Dice, "dice rolls (hidden): ", 1024) {
            Ok(typed) => match key::parse_dice(&typed) {
                Ok(rolls) => return Ok(rolls),
                Err(e) => e,
            },
            Err(secret::SecretError::Terminal("cancelled", _)) => {
                return Err(Error::new(
                    ErrorKind::Cancelled,
                    "cancelled (Ctrl-C) at the dice prompt: no key was made",
                ));
            }
            Err(secret::SecretError::Terminal("input too long", e)) => {
                Error::new(ErrorKind::Dice, format!("dice rolls: input too long ({e})"))
                    .hint("type all the rolls again from the first")
            }
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::Dice,
                    format!("cannot read dice rolls: {e}"),
                ));
            }
        };
        if attempt >= DICE_TRIES {
            return Err(Error {
                message: format!(
                    "{} (try {attempt} of {DICE_TRIES}; no key was made)",
                    slip.message
                ),
                hint: None,
                ..slip
            });
        }
        // Recorded as a `slip` entry (the kind only, never the rolls).
        let kind = if slip.kind == ErrorKind::BadCharacter {
            "dice-not-a-roll"
        } else if slip.message.contains("input too long") {
            "dice-too-long"
        } else {
            "dice-too-few"
        };
        crate::transcript::slip::note(kind, attempt, None);
        console.err(
            "the dice prompt",
            &format!(
                "{}\n  try {attempt} of {DICE_TRIES}: {}\n",
                wrap(&slip.message, SCREEN_COLUMNS),
                slip.hint.as_deref().unwrap_or("type all the rolls again")
            ),
        )?;
        attempt += 1;
    }
}

/// What [`generate`] wrote.
#[derive(Debug)]
pub struct GenerateReport {
    /// Ceremony id, hex.
    pub ceremony_id: String,
    /// Root key fingerprint.
    pub fingerprint: [u8; 32],
    /// Root certificate subject.
    pub subject: String,
    /// Path of root.pem.
    pub root_path: PathBuf,
    /// Path of manifest.json.
    pub manifest_path: PathBuf,
    /// Path of the transcript (None for an in-memory transcript).
    pub transcript_path: Option<PathBuf>,
    /// Whether the root key sealed the transcript (generation; a rehearsal seals later).
    pub sealed: bool,
    /// Paper shards sent to a printer (index, holder).
    pub printed: Vec<(u8, String)>,
    /// Rehearsals only: each paper share's compact form, to read its QR code back.
    pub paper_qr: Vec<(u8, SecretBytes)>,
    /// (index, holder, path) per share.
    pub shares: Vec<(u8, String, PathBuf)>,
    /// k.
    pub threshold: u8,
    /// Number of k-subsets checked before writing.
    pub subsets_checked: usize,
    /// Rehearsal?
    pub rehearsal: bool,
    /// Whether all secret memory was locked.
    pub memory_locked: bool,
}

/// Options for [`generate`].
pub struct GenerateOptions<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The root certificate profile.
    pub profile: &'a RootProfile,
    /// Output directory (must not hold a ceremony).
    pub out: &'a Path,
    /// Normalised dice rolls to mix into the seed.
    pub dice: Option<&'a SecretBytes>,
    /// Layout of paper shards.
    pub paper: &'a crate::paper::PaperLayout,
    /// Paper size of paper shards.
    pub paper_size: crate::pdfdoc::PaperSize,
    /// Send paper shards to this `lp` destination instead of writing them.
    pub printer: Option<&'a str>,
    /// The PIV attestation root (YubiKey holders).
    pub piv_attestation_root: Option<&'a crate::token::piv::AttestationRoot>,
}

/// The generation ceremony: new seed → root key → k-of-n split checked on every k-subset →
/// root certificate → share files (0600) + root.pem + signed manifest.json, each step recorded
/// in `rec` as it happens. A generation transcript is sealed by the root key before the key is
/// wiped; in a rehearsal the key is wiped (and recorded so) for the rebuild that follows.
/// Nothing is written unless every check passed. The caller prepares `opts.out`
/// ([`super::outdir::prepare_out_dir`]), creates the transcript there (its header) and reads
/// the dice; the steps from `draw-seed` on are those of [`steps::generation`] (or
/// [`steps::rehearsal`]), at no console ([`generate_in`] runs them at one).
pub fn generate(opts: &GenerateOptions<'_>, rec: &mut Recorder) -> Result<GenerateReport> {
    let kind = rec.kind();
    let (n, k) = (opts.plan.quorum.shares, opts.plan.quorum.threshold);
    // Token holders are asked for their PIN at a console: `run` only.
    if let Some((i, h)) = (1..=u8::MAX)
        .zip(&opts.plan.holders)
        .find(|(_, h)| h.medium.is_token())
    {
        return Err(super::outputs::token_media_not_written(i, h));
    }
    let list = match kind {
        Kind::Rehearsal => steps::rehearsal(n, k),
        _ => steps::generation(n, opts.dice.is_some()),
    };
    let flow = Flow::resume_at(list, "draw-seed")?;
    let mut console = Terminal;
    let seeding = Seeding {
        run: Run::new(flow, &mut console, rec),
    };
    let (written, report) = generate_in(seeding, opts)?;
    match kind {
        Kind::Rehearsal => drop(written.wipe_key()?),
        _ => written.seal()?,
    }
    Ok(report)
}

/// Lays out a stand-in paper shard for every paper holder of `plan` (with the holder's real
/// name and role), so that a layout that cannot fit is refused before any key exists.
pub fn check_paper_layout(
    plan: &Plan,
    layout: &crate::paper::PaperLayout,
    size: crate::pdfdoc::PaperSize,
) -> Result<()> {
    let (k, n) = (plan.quorum.threshold, plan.quorum.shares);
    for (i, h) in plan.holders.iter().enumerate() {
        if h.medium != Medium::Paper {
            continue;
        }
        let index = i as u8 + 1;
        let header = ShareHeader {
            rehearsal: plan.ceremony.rehearsal,
            ceremony_id: [0; 16],
            root_fingerprint: [0; 16],
            k,
            n,
            index,
        };
        let env = Envelope::new(&header, &[0u8; 32])?;
        let info = crate::paper::ShardInfo {
            index,
            n,
            threshold: k,
            holder: h.name.clone(),
            role: h.role.clone(),
            ceremony_name: plan.ceremony.name.clone(),
            ceremony_id: hex::encode([0u8; 16]),
            created: "2000-01-01T00:00:00Z".into(),
            root_fingerprint: [0; 32],
            rehearsal: plan.ceremony.rehearsal,
        };
        crate::paper::shard_fits(&info, &env, layout, size)
            .map_err(|e| e.context(format!("paper layout, holder {index} (\"{}\")", h.name)))?;
    }
    Ok(())
}
