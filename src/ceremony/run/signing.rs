//! `rootkey run PLAN` for a rotation or CRL plan: the ceremony of `rootkey intermediate sign`
//! or `rootkey crl sign` with its parameters from the plan's `[rotation]` or `[crl]` table
//! (paths relative to the plan file), at a [`Guided`] console over the plan's merged step
//! list, and each holder of the plan's `presenting` list asked at their own `present-share`
//! step, on their own screen, as the plan's medium for them says
//! ([`crate::console::share_input::holder`]). The two confirmations are typed as with the
//! expert command; the CSR hash, when the plan does not give it, is typed first.
//! Spec: `docs/plans.md`, "Running a plan".

use std::path::{Path, PathBuf};

use super::guided_steps;
use crate::ceremony::quorum::{Presenter, QuorumArgs, TokenArgs};
use crate::ceremony::script::ScriptKind;
use crate::ceremony::{Context, crl, intermediate};
use crate::console::Console;
use crate::console::guided::Guided;
use crate::error::{Error, Kind, Result};
use crate::plan::{Medium, Params, Plan, TokenSpec};
use crate::transcript::Participant;

/// Runs the rotation or CRL plan `plan` (read from `path`) into `out` at `console`. Returns
/// the exit code.
pub fn run(
    path: &Path,
    plan: &Plan,
    kind: ScriptKind,
    out: PathBuf,
    allow_unlocked_memory: bool,
    console: &mut dyn Console,
) -> Result<i32> {
    let refuse = |what: String, next: &str| {
        Err(
            Error::new(Kind::Argument, format!("plan {}: {what}", path.display()))
                .hint(next.to_string()),
        )
    };
    let kind_name = plan.kind().as_str();
    if plan.ceremony.rehearsal {
        return refuse(
            format!("rootkey run does not run a {kind_name} plan with rehearsal = true"),
            &format!(
                "for a throwaway rehearsal run `rootkey rehearse --kind {kind_name} --out DIR`; to practise this plan's script, set rehearsal = false and point its root and manifest at a rehearsal root (`rootkey rehearse --out DIR`)"
            ),
        );
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    let at = |p: &str| dir.join(p);
    let (root, manifest, presenting) = match plan.v2.as_ref().map(|v| &v.params) {
        Some(
            Params::Rotation {
                root,
                manifest,
                presenting,
                ..
            }
            | Params::Crl {
                root,
                manifest,
                presenting,
                ..
            },
        ) => (at(root), at(manifest), presenting.as_slice()),
        _ => {
            return refuse(
                format!("not a {kind_name} plan"),
                "check it with `rootkey plan check`",
            );
        }
    };
    let table = if kind == ScriptKind::Rotation {
        "rotation"
    } else {
        "crl"
    };
    if presenting.is_empty() {
        return refuse(
            format!(
                "[{table}] has no presenting list, so the runner cannot tell whose turn each share step is"
            ),
            &format!(
                "add `presenting = [...]` to [{table}]: the share numbers of the holders who will present, in order (at least {})",
                plan.quorum.threshold
            ),
        );
    }
    let ctx = Context::load(&manifest, &root).map_err(|e| {
        let hint = e.hint.clone().unwrap_or_else(|| {
            format!(
                "the plan's [{table}] root and manifest are relative to the plan file's directory: bring the generation's root.pem and manifest.json there, or correct the paths"
            )
        });
        e.context(format!("plan {}, [{table}]", path.display()))
            .hint(hint)
    })?;
    let presenters = presenters(path, plan, &ctx, &manifest, presenting)?;
    let on = |m| presenters.iter().filter(|p| p.medium == m).count();
    crate::ceremony::session::note_tokens(crate::ceremony::session::TokenNeeds {
        yubikeys: on(Medium::Yubikey),
        pkcs11: on(Medium::Pkcs11),
        modules: presenters
            .iter()
            .filter_map(|p| p.pkcs11_module.clone())
            .collect(),
    });
    let quorum = QuorumArgs {
        shares: Vec::new(),
        qr_images: Vec::new(),
        keyboard: false,
        tokens: TokenArgs::default(),
        confirm: Vec::new(),
        allow_unlocked_memory,
        // The plan's participants head the header: they acknowledge the checklist steps,
        // recorded as `checklist-acknowledged` between the steps.
        people: plan
            .participants
            .iter()
            .map(|p| Participant {
                name: p.name.clone(),
                role: p.role.clone(),
                share: None,
            })
            .collect(),
    };
    // The witness's exception keyword. The signature's two-person code is the one the two
    // confirmers type at confirm-1 and confirm-2 (the code of the very bytes signed, recorded
    // as `confirmed`): issue-certificate / issue-crl ask no second code.
    let (witness, confirmers, critical) = super::guided_people(plan, kind)?;
    let critical = critical
        .into_iter()
        .filter(|k| k != "issue-certificate" && k != "issue-crl")
        .collect();
    let mut guided =
        Guided::new(console, guided_steps(plan, kind)?).with_people(witness, confirmers, critical);
    let code = match plan.v2.as_ref().map(|v| &v.params) {
        Some(Params::Rotation {
            csr,
            csr_sha256,
            profile,
            previous,
            ..
        }) => intermediate::run_presented(
            intermediate::Args {
                csr: at(csr),
                csr_sha256: csr_sha256.clone(),
                profile: at(profile),
                root,
                manifest,
                out,
                previous: previous.as_deref().map(at),
                not_before: None,
                quorum,
            },
            &mut guided,
            Some(&presenters),
        )?,
        Some(Params::Crl {
            previous_crl,
            revoke,
            next_update_days,
            ..
        }) => crl::run_presented(
            crl::Args {
                root,
                manifest,
                revoke: revoke.clone(),
                previous_crl: previous_crl.as_deref().map(at),
                next_update_days: *next_update_days,
                out,
                quorum,
            },
            &mut guided,
            Some(&presenters),
        )?,
        _ => {
            return refuse(
                format!("not a {kind_name} plan"),
                "check it with `rootkey plan check`",
            );
        }
    };
    guided.finish()?;
    Ok(code)
}

/// The holders of `presenting` as the plan gives them, checked against the ceremony's signed
/// manifest before anything starts: the same quorum, and each presenting holder with the
/// manifest's name and medium for that share (the plan's holders are the generation's).
fn presenters(
    path: &Path,
    plan: &Plan,
    ctx: &Context,
    manifest: &Path,
    presenting: &[u8],
) -> Result<Vec<Presenter>> {
    let m = &ctx.manifest;
    let mismatch = |what: String| {
        Err(Error::new(
            Kind::Argument,
            format!(
                "plan {} and manifest {}: {what}",
                path.display(),
                manifest.display()
            ),
        )
        .hint("a signing plan lists the generation's quorum and holders, in the generation's order: correct the plan, then run `rootkey plan check` and run again"))
    };
    if (plan.quorum.threshold, plan.quorum.shares) != (m.threshold, m.shares_total) {
        return mismatch(format!(
            "the plan's quorum is {} of {}, the manifest's {} of {}",
            plan.quorum.threshold, plan.quorum.shares, m.threshold, m.shares_total
        ));
    }
    let mut out = Vec::with_capacity(presenting.len());
    for &index in presenting {
        let (Some(h), Some(e)) = (
            plan.holders.get(usize::from(index).wrapping_sub(1)),
            m.shares.iter().find(|s| s.index == index),
        ) else {
            return mismatch(format!("share {index} is not in both"));
        };
        if h.name != e.holder {
            return mismatch(format!(
                "share {index}'s holder is \"{}\" in the plan but \"{}\" in the manifest",
                h.name, e.holder
            ));
        }
        if h.medium != e.medium {
            return mismatch(format!(
                "share {index} ({}) is on {} in the plan but on {} in the manifest",
                e.holder,
                h.medium.as_str(),
                e.medium.as_str()
            ));
        }
        let pkcs11_module = match (&h.token, h.medium) {
            (Some(TokenSpec::Pkcs11 { module, .. }), Medium::Pkcs11) => Some(module.clone()),
            _ => None,
        };
        out.push(Presenter {
            index,
            medium: h.medium,
            pkcs11_module,
        });
    }
    Ok(out)
}
