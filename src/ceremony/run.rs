//! `rootkey run PLAN`: the guided runner over the plan's merged step list
//! ([`super::script::script`]). This first slice runs generation plans — the real generation
//! (as `rootkey generate --plan PLAN`, with the plan's `[generation]` parameters) and the
//! rehearsal generation (as `rootkey rehearse`, with this plan) — at a [`Guided`] console
//! that shows each step's header and runs the checklist steps between them; rotation and CRL
//! plans run in [`signing`], share-audit plans one holder at a time in [`share_audit`].
//! Spec: `docs/plans.md`, "Running a plan".

mod signing;

use std::path::PathBuf;

mod share_audit;

use super::script::{ScriptKind, StepKind, script};
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
    /// The PIV attestation root for YubiKey holders (real generation).
    pub piv_attestation_root: Option<PathBuf>,
}

/// The screens of `plan`'s merged step list run as `kind`.
pub fn guided_steps(plan: &Plan, kind: ScriptKind) -> Result<Vec<GuidedStep>> {
    Ok(script(plan, kind)?
        .into_iter()
        .map(|s| GuidedStep {
            number: s.number,
            header: s.header_within(SCREEN_COLUMNS),
            checklist: match s.kind {
                StepKind::Checklist => Some(Checklist {
                    person: s.person.clone(),
                    role: s.actor.as_str().to_string(),
                    title: s.title.clone(),
                    text: s.text.clone().unwrap_or_default(),
                }),
                StepKind::Builtin { .. } => None,
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

/// `rootkey run`: loads the plan, refuses the kinds this runner does not run yet, and runs
/// the generation or the rehearsal at a guided `console`. Returns the exit code.
pub fn run(args: Args, console: &mut dyn Console) -> Result<i32> {
    crate::transcript::check_recordable_name(&args.plan, "plan")?;
    let plan = Plan::load(&args.plan)?;
    let kind = ScriptKind::of(&plan);
    if matches!(kind, ScriptKind::Rotation | ScriptKind::Crl) {
        if args.allow_persistent_output || args.piv_attestation_root.is_some() {
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
        return signing::run(
            &args.plan,
            &plan,
            kind,
            args.out,
            args.allow_unlocked_memory,
            console,
        );
    }
    let steps = guided_steps(&plan, kind)?;
    let (witness, confirmers, critical) = guided_people(&plan, kind)?;
    let mut guided = Guided::new(console, steps).with_people(witness, confirmers, critical);
    let code = if kind == ScriptKind::ShareAudit {
        share_audit::run_plan(
            &plan,
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
            &plan,
            &name,
            args.out,
            args.allow_unlocked_memory,
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
