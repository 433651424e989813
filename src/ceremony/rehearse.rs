//! The rehearsal (`rootkey rehearse`, transcript kind `rehearsal`): a whole generation with the
//! bundled rehearsal plan and a throwaway key, then a rebuild from three of its shares — text
//! shares from their files, paper shares from their QR codes — in one transcript sealed by the
//! rebuilt key. [`signing`] rehearses the rotation and the CRL (`--kind rotation|crl`).

use std::path::{Path, PathBuf};

pub mod signing;

use super::combine::CombineReport;
use super::flow::{Flow, Run};
use super::generate::{GenerateOptions, GenerateReport};
use super::keygen::generate_in;
use super::outputs::generation_writes;
use super::session::{after_seal, disagreement_exit, harden, output_facts, preflight};
use super::stages::Started;
use super::steps;
use super::{Context, locked_pages_needed, new_ceremony_id, plan_header, summary};
use crate::cert::{self, RootProfile};
use crate::console::share_input::{self as input, Source};
use crate::console::{Console, Terminal};
use crate::error::Result;
use crate::paper::{DEFAULT_PAPER_LAYOUT, PaperLayout};
use crate::plan::Plan;
use crate::secret;
use crate::transcript::{self, Kind, Recorder};

/// `rootkey rehearse --out OUT`: hardens the process, prepares `out` and its transcript, runs
/// [`rehearse`] at `console` and shows its summary. Returns the exit code.
pub fn run(out: PathBuf, allow_unlocked_memory: bool, console: &mut dyn Console) -> Result<i32> {
    run_plan(
        &rehearsal_plan()?,
        "rehearsal.toml",
        out,
        allow_unlocked_memory,
        None,
        console,
    )
}

/// [`run`] with `plan` (a rehearsal generation plan, recorded as `plan_name`) instead of the
/// bundled one: what `rootkey run` calls for such a plan. Its token holders (if any) get their
/// `write-token` steps as in a generation ([`steps::rehearsal_for`]); their PKCS#11 modules
/// and the PIV attestation root (`piv_attestation_root`, for YubiKey holders) are checked
/// before anything is created, as `rootkey generate` does.
pub fn run_plan(
    plan: &Plan,
    plan_name: &str,
    out: PathBuf,
    allow_unlocked_memory: bool,
    piv_attestation_root: Option<&Path>,
    console: &mut dyn Console,
) -> Result<i32> {
    let piv_root = super::token_stage::attestation_root(plan, piv_attestation_root)
        .map_err(|e| e.context(format!("plan {plan_name}")))?;
    super::session::note_tokens(super::generate::token_needs(plan));
    let hardening = harden(allow_unlocked_memory)?;
    secret::probe_lock(locked_pages_needed(plan.quorum.shares))?;
    let writes = generation_writes(plan);
    super::outdir::prepare_out_dir(&out, &writes.iter().map(String::as_str).collect::<Vec<_>>())?;
    let header = plan_header(
        plan,
        plan_name,
        Kind::Rehearsal,
        new_ceremony_id()?,
        preflight(&hardening, true, &output_facts(&out, true, None)?)?,
    );
    let mut rec = Recorder::create(&out, &header)?;
    let layout = PaperLayout::from_toml(DEFAULT_PAPER_LAYOUT, "templates/paper.toml")?;
    let flow = Flow::new(rehearsal_steps(plan));
    let r = transcript::recorded(&mut rec, |rec| {
        let started = Started::new(Run::new(flow, &mut *console, rec))?;
        rehearse_in(started, &out, plan, &layout, piv_root.as_ref())
    })
    .map_err(|e| super::outdir::wipe_failed_generation(&out, e))?;
    after_seal(&out, || {
        console.out(
            "the summary",
            &format!(
                "{generated}\n{combined}\nREHEARSAL complete. Check the transcript and the certificate yourself:\n  \
cd {dir}\n  \
rootkey transcript verify {transcript} --root {root} --artifacts .\n  \
openssl verify -CAfile {root} {root}\n  \
openssl x509 -in {root} -noout -text\n",
                generated = summary::generated(&r.generated),
                combined = summary::combined(&r.combined),
                dir = summary::shell_word(&out.display().to_string()),
                transcript = transcript::FILE_NAME,
                root = summary::shell_word(
                    &r.generated
                        .root_path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ),
            ),
        )?;
        disagreement_exit(&r.combined)
    })
}

/// What [`rehearse`] did.
#[derive(Debug)]
pub struct RehearsalReport {
    /// The generation part.
    pub generated: GenerateReport,
    /// The rebuild part.
    pub combined: CombineReport,
}

/// The bundled rehearsal plan, parsed.
pub fn rehearsal_plan() -> Result<Plan> {
    Plan::parse(
        crate::plan::REHEARSAL_PLAN,
        "ceremony-scripts/rehearsal.toml",
    )
}

/// A whole rehearsal: generate with the bundled rehearsal plan and a throwaway key (text
/// shares and paper shard PDFs), then rebuild from shares 1, 3 and 5 — text shares read back
/// from their files, paper shares from their QR codes: the code's module matrix (the one drawn
/// on the shard) is rendered to an image and decoded with the `--qr-image` decoder; the PDF
/// itself is not rasterised. One transcript (kind `rehearsal`) records both halves and is
/// sealed by the rebuilt key. `rec` holds its header alone; the steps are those of
/// [`steps::rehearsal`], at no console ([`rehearse_in`] runs them at one).
pub fn rehearse(
    out: &Path,
    plan: &Plan,
    paper: &crate::paper::PaperLayout,
    rec: &mut Recorder,
) -> Result<RehearsalReport> {
    let flow = Flow::new(rehearsal_steps(plan));
    let mut console = Terminal;
    let started = Started::new(Run::new(flow, &mut console, rec))?;
    rehearse_in(started, out, plan, paper, None)
}

/// The steps of a rehearsal of `plan`: [`steps::rehearsal_for`] with its token holders.
fn rehearsal_steps(plan: &Plan) -> Vec<steps::Step> {
    let tokens: Vec<bool> = plan.holders.iter().map(|h| h.medium.is_token()).collect();
    steps::rehearsal_for(&tokens, plan.quorum.threshold)
}

/// [`rehearse`] from its started stage on (`piv_root`: for the plan's YubiKey holders).
///
/// The rebuild takes `threshold` shares, those off tokens first (odd indices, then even: the
/// bundled plan's 1, 3 and 5), so that a token holder types their PIN once, at
/// `write-token`; only when fewer than `threshold` shares are off tokens is a token share read
/// back through its token (its PIN asked again at its `present-share` step, as
/// `--token-share` does).
pub fn rehearse_in(
    started: Started<'_>,
    out: &Path,
    plan: &Plan,
    paper: &crate::paper::PaperLayout,
    piv_root: Option<&crate::token::piv::AttestationRoot>,
) -> Result<RehearsalReport> {
    let profile = RootProfile::from_toml(cert::DEFAULT_ROOT_PROFILE, "templates/root.toml")?;
    let (seeding, _) = started.type_dice(false)?;
    let (written, mut generated) = generate_in(
        seeding,
        &GenerateOptions {
            plan,
            profile: &profile,
            out,
            dice: None,
            paper,
            paper_size: paper.paper,
            printer: None,
            piv_attestation_root: piv_root,
        },
    )?;
    let wiped = written.wipe_key()?;
    let ctx = Context::load(&generated.manifest_path, &generated.root_path)?;
    let mut paper_qr = std::mem::take(&mut generated.paper_qr);
    let mut sources: Vec<Source> = Vec::new();
    for (i, _, p) in rebuild_order(plan, &generated.shares) {
        if let Some(t) = token_source(plan, &ctx, out, i)? {
            sources.push(t);
            continue;
        }
        match paper_qr.iter().position(|(j, _)| *j == i) {
            Some(at) => {
                let (_, compact) = paper_qr.swap_remove(at);
                sources.push(Source::Read(input::read_rendered_qr(
                    &compact,
                    paper.qr_ec,
                    &format!("QR code of paper shard {i}"),
                )?));
            }
            None => sources.push(Source::File(p.clone())),
        }
    }
    drop(paper_qr);
    let combined = wiped.load_context(&ctx)?.rebuild(&ctx, sources)?.seal()?;
    Ok(RehearsalReport {
        generated,
        combined,
    })
}

/// The `threshold` shares a rehearsal rebuilds from, in order: off tokens first, odd indices
/// before even ones; then token shares, in the same order.
fn rebuild_order<'a>(
    plan: &Plan,
    shares: &'a [(u8, String, PathBuf)],
) -> Vec<(u8, String, &'a PathBuf)> {
    let on_token = |i: u8| {
        plan.holders
            .get(usize::from(i).wrapping_sub(1))
            .is_some_and(|h| h.medium.is_token())
    };
    let mut order: Vec<(u8, String, &PathBuf)> =
        shares.iter().map(|(i, h, p)| (*i, h.clone(), p)).collect();
    order.sort_by_key(|(i, _, _)| (on_token(*i), i % 2 == 0, *i));
    order.truncate(usize::from(plan.quorum.threshold));
    order
}

/// Share `index` read back through its token, when the plan puts it on one (its payload file
/// beside the generated manifest, a PKCS#11 token through the plan's module).
fn token_source(plan: &Plan, ctx: &Context, out: &Path, index: u8) -> Result<Option<Source>> {
    let Some(holder) = plan.holders.get(usize::from(index).wrapping_sub(1)) else {
        return Ok(None);
    };
    let m = &ctx.manifest;
    let Some((entry, token)) = m
        .shares
        .iter()
        .find(|s| s.index == index)
        .and_then(|e| e.token.as_ref().map(|t| (e, t)))
    else {
        return Ok(None);
    };
    let pkcs11_modules = match &holder.token {
        Some(crate::plan::TokenSpec::Pkcs11 { module, .. }) => vec![module.clone()],
        _ => Vec::new(),
    };
    Ok(Some(Source::Token(Box::new(input::TokenShare {
        index,
        holder: entry.holder.clone(),
        medium: entry.medium,
        token: token.clone(),
        ceremony_id: m.ceremony_id(),
        root_fingerprint: ctx.root.fingerprint,
        payload_path: out.join(&token.payload_file),
        pkcs11_modules,
        rehearsal: m.ceremony.rehearsal,
    }))))
}
