//! `rootkey run PLAN`: the guided runner over the plan's merged step list
//! ([`super::script::script`]). It runs generation plans — the real generation
//! (as `rootkey generate --plan PLAN`, with the plan's `[generation]` parameters) and the
//! rehearsal generation (as `rootkey rehearse`, with this plan) — at a [`Guided`] console
//! that shows each step's header and runs the checklist steps between them; rotation and CRL
//! plans run in [`signing`], share-audit plans one holder at a time in [`share_audit`].
//! Spec: `docs/plans.md`, "Running a plan".

mod signing;

use std::path::PathBuf;

mod share_audit;

use super::script::{ScriptKind, StepKind, script};
use crate::console::answers::{Answers, MAX_FILE, known_id};
use crate::console::guided::{Checklist, Guided, GuidedStep};
use crate::console::{Console, SCREEN_COLUMNS};
use crate::error::{Error, Kind, Result};
use crate::plan::{Params, Plan};

/// The arguments of `rootkey run` (see `rootkey run --help`).
pub struct Args {
    /// The plan file.
    pub plan: PathBuf,
    /// The output directory.
    pub out: PathBuf,
    /// Continue without locked memory (rehearsal plans only).
    pub allow_unlocked_memory: bool,
    /// Allow paper shards on persistent storage (real generation; recorded).
    pub allow_persistent_output: bool,
    /// The PIV attestation root for YubiKey holders (generation plans, real or rehearsal).
    pub piv_attestation_root: Option<PathBuf>,
    /// An answers file that answers every question (docs/formats.md, "Answers file").
    pub answers: Option<PathBuf>,
    /// `--i-understand-this-is-unattended`: an answers file may run a real generation.
    pub unattended: bool,
}

/// The screens of `plan`'s merged step list run as `kind`. A checklist step after
/// `seal-transcript` (a share audit: `complete-audit`) comes after the seal, when nothing more can be recorded: it is
/// acknowledged with Enter by the person the plan names (not recorded), as docs/plans.md says.
pub fn guided_steps(plan: &Plan, kind: ScriptKind) -> Result<Vec<GuidedStep>> {
    let mut sealed = false;
    Ok(script(plan, kind)?
        .into_iter()
        .map(|s| GuidedStep {
            number: s.number,
            header: s.header_within(SCREEN_COLUMNS),
            checklist: match s.kind {
                StepKind::Checklist => Some(Checklist {
                    person: s.person.clone().filter(|_| !sealed),
                    // Who presses Enter after the seal: the named person, else the role.
                    role: s
                        .person
                        .clone()
                        .filter(|_| sealed)
                        .unwrap_or_else(|| s.actor.as_str().to_string()),
                    title: s.title.clone(),
                    text: s.text.clone().unwrap_or_default(),
                }),
                StepKind::Builtin { .. } => {
                    // A share audit's transcript ends at audit-completed (never sealed).
                    sealed |= s.key == "seal-transcript" || s.key == "complete-audit";
                    None
                }
            },
            key: s.key,
        })
        .collect())
}

/// The plan's people for the runner's screens ([`Guided::with_people`]): the witness (who
/// may record exceptions), the confirmers of the critical steps — the plan's `[roles]
/// confirmers`, or, in a plan v1 (no roles), any of its participants and holders — and the
/// keys of the critical steps of the merged list.
pub fn guided_people(
    plan: &Plan,
    kind: ScriptKind,
) -> Result<(Option<String>, Vec<String>, Vec<String>)> {
    let roles = plan.v2.as_ref().map(|v| &v.roles);
    let witness = roles.map(|r| r.witness.clone());
    let confirmers = match roles.map(|r| r.confirmers.clone()) {
        Some(c) if !c.is_empty() => c,
        _ => plan
            .participants
            .iter()
            .map(|p| p.name.clone())
            .chain(plan.holders.iter().map(|h| h.name.clone()))
            .collect(),
    };
    let critical = script(plan, kind)?
        .into_iter()
        .filter(|s| s.is_critical())
        .map(|s| s.key)
        .collect();
    Ok((witness, confirmers, critical))
}

/// `rootkey run`: loads the plan (and the answers file, if any) and runs its ceremony at a
/// guided console over `console` (or over the answers file). Returns the exit code.
pub fn run(args: Args, console: &mut dyn Console) -> Result<i32> {
    crate::transcript::check_recordable_name(&args.plan, "plan")?;
    let plan = Plan::load(&args.plan)?;
    let kind = ScriptKind::of(&plan);
    if matches!(kind, ScriptKind::Rotation | ScriptKind::Crl)
        && (args.allow_persistent_output || args.piv_attestation_root.is_some())
    {
        return Err(Error::new(
            Kind::Argument,
            format!(
                "plan {}: --allow-persistent-output and --piv-attestation-root are for generation plans, and this is a {} plan",
                args.plan.display(),
                plan.kind().as_str()
            ),
        )
        .hint("run it without them: a signing ceremony writes no share"));
    }
    let steps = guided_steps(&plan, kind)?;
    let mut answers = match &args.answers {
        Some(path) => Some(load_answers(
            path,
            &args.plan,
            &plan,
            &steps,
            args.unattended,
        )?),
        None => None,
    };
    let console: &mut dyn Console = match answers.as_mut() {
        Some(a) => a,
        None => console,
    };
    let code = if matches!(kind, ScriptKind::Rotation | ScriptKind::Crl) {
        signing::run(
            &args.plan,
            &plan,
            kind,
            args.out,
            args.allow_unlocked_memory,
            console,
        )?
    } else {
        run_kind(args, &plan, kind, steps, console)?
    };
    if let Some(a) = &answers {
        warn_unused(a)?;
    }
    Ok(code)
}

/// Reads, parses and checks the answers file `path` for `plan` (its ids against the plan's
/// questions), refuses it for a real generation without `unattended`, and notes its use for
/// the transcript's pre-flight facts. Nothing is created before this.
fn load_answers(
    path: &std::path::Path,
    plan_path: &std::path::Path,
    plan: &Plan,
    steps: &[GuidedStep],
    unattended: bool,
) -> Result<Answers> {
    crate::transcript::check_recordable_name(path, "answers file")?;
    let origin = path.display().to_string();
    if !plan.ceremony.rehearsal && !unattended {
        return Err(Error::new(
            Kind::Argument,
            format!(
                "plan {}: a real {} (rehearsal = false) would run unattended from the answers file {origin}; nothing was done",
                plan_path.display(),
                plan.kind().as_str()
            ),
        )
        .hint("run it at the terminal without --answers, or, if nobody needs to type (automation), add --i-understand-this-is-unattended (recorded in the transcript)"));
    }
    let bytes = crate::fsio::read_secret(path, MAX_FILE)
        .map_err(|e| e.context(format!("answers file {origin}")))?;
    let sha256 = hex::encode(crate::secret::sha256_parts(&[bytes.as_slice()]));
    let answers = Answers::parse(bytes.as_slice(), &origin)?;
    drop(bytes);
    let checklist: Vec<usize> = steps
        .iter()
        .filter(|s| s.checklist.is_some())
        .map(|s| s.number)
        .collect();
    answers.check_ids(
        |id| known_id(id, plan.quorum.shares, &checklist),
        &format!("plan {}", plan_path.display()),
    )?;
    super::session::use_answers(Some(super::session::AnswersUse {
        file: crate::encoding::names::base_name(path),
        sha256,
        unattended,
    }));
    Ok(answers)
}

/// After the ceremony: a warning naming each answer that was never asked for (the ceremony
/// is done; the file only has answers to spare).
fn warn_unused(a: &Answers) -> Result<()> {
    for (id, given, asked) in a.unused() {
        crate::console::warn(&format!(
            "answers file: `{id}` gives {given} string(s) but was asked {asked} time(s); the rest were not used"
        ))?;
    }
    Ok(())
}

/// Runs the generation, rehearsal or share audit of `plan` at a guided console over
/// `console`.
fn run_kind(
    args: Args,
    plan: &Plan,
    kind: ScriptKind,
    steps: Vec<GuidedStep>,
    console: &mut dyn Console,
) -> Result<i32> {
    let (witness, confirmers, critical) = guided_people(plan, kind)?;
    let mut guided = Guided::new(console, steps).with_people(witness, confirmers, critical);
    let code = if kind == ScriptKind::ShareAudit {
        share_audit::run_plan(
            plan,
            &args.plan,
            args.out,
            args.allow_unlocked_memory,
            &mut guided,
        )?
    } else if kind == ScriptKind::RehearsalGeneration {
        if let Some(Params::Generation {
            profile,
            dice,
            print_to,
        }) = plan.v2.as_ref().map(|v| &v.params)
            && (profile.is_some() || *dice || print_to.is_some())
        {
            return Err(Error::new(
                Kind::Argument,
                format!(
                    "plan {}: a rehearsal runs with the built-in root profile, no dice and no printer, but its [generation] table sets profile, dice or print-to",
                    args.plan.display()
                ),
            )
            .hint("remove the [generation] table from the rehearsal plan, or set rehearsal = false"));
        }
        let name = crate::encoding::names::base_name(&args.plan);
        super::rehearse::run_plan(
            plan,
            &name,
            args.out,
            args.allow_unlocked_memory,
            args.piv_attestation_root.as_deref(),
            &mut guided,
        )?
    } else {
        let (profile, dice, print_to) = match plan.v2.as_ref().map(|v| &v.params) {
            Some(Params::Generation {
                profile,
                dice,
                print_to,
            }) => (
                // As written, relative to the plan file's directory (docs/plans.md).
                profile.as_ref().map(|p| {
                    args.plan
                        .parent()
                        .unwrap_or_else(|| std::path::Path::new(""))
                        .join(p)
                }),
                *dice,
                print_to.clone(),
            ),
            _ => (None, false, None),
        };
        super::generate::run(
            super::generate::Args {
                plan: args.plan,
                out: args.out,
                profile,
                dice,
                print_to,
                allow_persistent_output: args.allow_persistent_output,
                paper_layout: None,
                paper: None,
                allow_unlocked_memory: args.allow_unlocked_memory,
                piv_attestation_root: args.piv_attestation_root,
            },
            &mut guided,
        )?
    };
    guided.finish()?;
    Ok(code)
}
