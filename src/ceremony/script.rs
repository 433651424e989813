//! The one merged step list of a planned ceremony: the built-in steps of its kind
//! ([`super::steps`]) with the plan's checklist steps placed between them, each numbered, with
//! the role and the named person who acts. The guided runner shows exactly these steps
//! ("Step 7/23 · Crypto officer (Alice Martin) · Generate the root key") and
//! `rootkey plan render` prints them ([`render`]); neither writes a step of its own.
//! Spec: `docs/plans.md`, "The merged step list".

pub mod command;
pub mod render;

use super::steps::{self, Quorum, Role, RotationShape, Step};
use crate::error::{Error, Kind, Result};
use crate::plan::{ActorRole, Params, Place, Plan, PlanKind};
use crate::transcript::event::Action;

/// Which step list a plan runs (the plan's kind, a generation split into the real one and the
/// rehearsal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptKind {
    /// `rootkey generate`.
    Generation,
    /// `rootkey rehearse`: generate, wipe, rebuild from k.
    RehearsalGeneration,
    /// `rootkey intermediate sign`.
    Rotation,
    /// `rootkey crl sign`.
    Crl,
    /// Each holder proves their share, no rebuild.
    ShareAudit,
}

impl ScriptKind {
    /// The kind a plan runs as: its `ceremony.kind` (v1: generation), a generation with
    /// `rehearsal = true` as the rehearsal generation.
    pub fn of(plan: &Plan) -> ScriptKind {
        match plan.kind() {
            PlanKind::Generation if plan.ceremony.rehearsal => ScriptKind::RehearsalGeneration,
            PlanKind::Generation => ScriptKind::Generation,
            PlanKind::Rotation => ScriptKind::Rotation,
            PlanKind::Crl => ScriptKind::Crl,
            PlanKind::ShareAudit => ScriptKind::ShareAudit,
        }
    }

    /// As a title says it: "Root key generation".
    pub fn title(self) -> &'static str {
        match self {
            ScriptKind::Generation => "Root key generation",
            ScriptKind::RehearsalGeneration => "Rehearsal of a root key generation",
            ScriptKind::Rotation => "Intermediate rotation",
            ScriptKind::Crl => "CRL signing",
            ScriptKind::ShareAudit => "Share audit",
        }
    }
}

/// Who acts at a step of the script, as the header names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// `roles.administrator`.
    Administrator,
    /// The first crypto officer: at the keyboard, also for the steps rootkey does alone.
    CryptoOfficer,
    /// `roles.witness`.
    Witness,
    /// `roles.auditor`.
    Auditor,
    /// A share holder.
    Holder,
    /// One of the two confirmers.
    Confirmer,
}

impl Actor {
    /// The role's name in a header: "Crypto officer".
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::Administrator => "Ceremony administrator",
            Actor::CryptoOfficer => "Crypto officer",
            Actor::Witness => "Witness",
            Actor::Auditor => "Auditor",
            Actor::Holder => "Holder",
            Actor::Confirmer => "Confirmer",
        }
    }

    fn of_checklist(r: ActorRole) -> Actor {
        match r {
            ActorRole::Administrator => Actor::Administrator,
            ActorRole::CryptoOfficer => Actor::CryptoOfficer,
            ActorRole::Witness => Actor::Witness,
            ActorRole::Auditor => Actor::Auditor,
        }
    }
}

/// What a step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// A step of [`super::steps`]; `critical`: two different people type back a code shown
    /// on the screen before it ([`is_critical`]).
    Builtin {
        /// Needs the two-person code.
        critical: bool,
        /// The transcript entry it writes, if any.
        records: Option<Action>,
    },
    /// A checklist step of the plan, acknowledged by the named person's initials.
    Checklist,
}

/// One step of the merged list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptStep {
    /// 1-based position.
    pub number: usize,
    /// Number of steps in the list.
    pub total: usize,
    /// The built-in step's key (`receive-share-3`), or `checklist-N` (N from 1, file order).
    pub key: String,
    /// Who acts.
    pub actor: Actor,
    /// Their name, when the plan names them.
    pub person: Option<String>,
    /// Short title (at most 40 characters).
    pub title: String,
    /// A checklist step's full text.
    pub text: Option<String>,
    /// Built-in or checklist.
    pub kind: StepKind,
}

impl ScriptStep {
    /// `Step 7/23 · Crypto officer (Alice Martin) · Generate the root key`.
    pub fn header(&self) -> String {
        format!(
            "Step {}/{} · {} · {}",
            self.number,
            self.total,
            self.actor_line(),
            self.title
        )
    }

    /// [`ScriptStep::header`] in at most `width` characters (a screen's): the person's name
    /// is cut first (to no fewer than 8 characters, marked `…`), then the title.
    pub fn header_within(&self, width: usize) -> String {
        let full = self.header();
        let len = |s: &str| s.chars().count();
        if len(&full) <= width {
            return full;
        }
        let mut out = full;
        if let Some(p) = &self.person {
            let without = len(&out) - len(p);
            let room = width.saturating_sub(without).max(8);
            if room < len(p) {
                let cut: String = p.chars().take(room - 1).collect();
                out = format!(
                    "Step {}/{} · {} ({cut}…) · {}",
                    self.number,
                    self.total,
                    self.actor.as_str(),
                    self.title
                );
            }
        }
        if len(&out) > width {
            out = out.chars().take(width.saturating_sub(1)).collect();
            out.push('…');
        }
        out
    }

    /// `Crypto officer (Alice Martin)`, or the role alone when nobody is named.
    pub fn actor_line(&self) -> String {
        match &self.person {
            Some(p) => format!("{} ({p})", self.actor.as_str()),
            None => self.actor.as_str().to_string(),
        }
    }

    /// True for a built-in critical step.
    pub fn is_critical(&self) -> bool {
        matches!(self.kind, StepKind::Builtin { critical: true, .. })
    }
}

/// The built-in steps that need two people to type back a code: generating the key, every
/// signature by the root key over something that leaves the room (root certificate, manifest,
/// intermediate, CRL), and writing each share (file, printout or token). The seal is not
/// (it signs only the record, and is never refused).
pub fn is_critical(id: &str) -> bool {
    matches!(
        id,
        "generate-root-key"
            | "sign-root-certificate"
            | "write-manifest"
            | "receive-share"
            | "write-token"
            | "issue-certificate"
            | "issue-crl"
    )
}

/// The built-in steps of `kind` for `plan` (its quorum, holders' media and inputs).
pub fn builtin_steps(plan: &Plan, kind: ScriptKind) -> Vec<Step> {
    let (k, n) = (plan.quorum.threshold, plan.quorum.shares);
    let presented = |p: &[u8]| Quorum {
        threshold: k,
        presented: if p.is_empty() { k } else { p.len() as u8 },
    };
    let params = plan.v2.as_ref().map(|v| &v.params);
    // Token holders' `write-token` steps: in a generation and in a rehearsal generation alike.
    let tokens: Vec<bool> = plan.holders.iter().map(|h| h.medium.is_token()).collect();
    match kind {
        ScriptKind::Generation => {
            let dice = matches!(params, Some(Params::Generation { dice: true, .. }));
            steps::generation_for(&tokens, dice)
        }
        ScriptKind::RehearsalGeneration => steps::rehearsal_for(&tokens, k),
        ScriptKind::Rotation => match params {
            Some(Params::Rotation {
                csr_sha256,
                previous,
                presenting,
                ..
            }) => steps::intermediate(
                presented(presenting),
                RotationShape {
                    previous: previous.is_some(),
                    typed_hash: csr_sha256.is_none(),
                },
            ),
            _ => steps::intermediate(Quorum::exact(k), RotationShape::default()),
        },
        ScriptKind::Crl => match params {
            Some(Params::Crl {
                previous_crl,
                presenting,
                ..
            }) => steps::crl(presented(presenting), previous_crl.is_some()),
            _ => steps::crl(Quorum::exact(k), false),
        },
        ScriptKind::ShareAudit => steps::share_audit(n),
    }
}

/// Who acts at built-in step `s`, and their name from the plan.
fn actor_of(plan: &Plan, kind: ScriptKind, s: &Step) -> (Actor, Option<String>) {
    let roles = plan.v2.as_ref().map(|v| &v.roles);
    let holder = |i: u8| {
        plan.holders
            .get(usize::from(i).wrapping_sub(1))
            .map(|h| h.name.clone())
    };
    match s.role {
        Role::Officer if s.id == "start-ceremony" => {
            (Actor::Administrator, roles.map(|r| r.administrator.clone()))
        }
        Role::Officer | Role::Tool => (
            Actor::CryptoOfficer,
            roles.and_then(|r| r.crypto_officers.first().cloned()),
        ),
        Role::Witness => (Actor::Witness, roles.map(|r| r.witness.clone())),
        Role::Confirmer => (
            Actor::Confirmer,
            roles.and_then(|r| {
                r.confirmers
                    .get(usize::from(s.nth.unwrap_or(1)).saturating_sub(1))
                    .cloned()
            }),
        ),
        Role::Holder => {
            let nth = s.nth.unwrap_or(0);
            let person = if s.id == "present-share" {
                // Which holder presents is known only when the plan says who comes.
                let presenting = match plan.v2.as_ref().map(|v| &v.params) {
                    Some(Params::Rotation { presenting, .. } | Params::Crl { presenting, .. }) => {
                        presenting.as_slice()
                    }
                    _ => &[],
                };
                if kind == ScriptKind::RehearsalGeneration {
                    holder(nth)
                } else {
                    presenting
                        .get(usize::from(nth).saturating_sub(1))
                        .and_then(|&i| holder(i))
                }
            } else {
                holder(nth)
            };
            (Actor::Holder, person)
        }
    }
}

/// Where checklist step `c` goes among `builtin` (its index: it goes just before that step,
/// `builtin.len()` for the end), or the error naming its line and column.
fn slot_of(
    plan: &Plan,
    kind: ScriptKind,
    builtin: &[Step],
    place: &Place,
    at: (usize, usize),
) -> Result<(usize, bool)> {
    let (want, before) = match place {
        Place::Before(id) => (id, true),
        Place::After(id) => (id, false),
    };
    let hits: Vec<usize> = builtin
        .iter()
        .enumerate()
        .filter(|(_, s)| s.key() == *want || s.id == want.as_str())
        .map(|(i, _)| i)
        .collect();
    match (hits.first(), hits.last()) {
        (Some(&first), _) if before => Ok((first, true)),
        (_, Some(&last)) => Ok((last, false)),
        _ => {
            let mut ids: Vec<&str> = Vec::new();
            for s in builtin {
                if !ids.contains(&s.id) {
                    ids.push(s.id);
                }
            }
            Err(Error::new(
                Kind::Plan,
                format!(
                    "plan {}, line {}, column {}, key checklist.{}: {want:?} is not a step of this {} (its steps: {})",
                    plan.origin,
                    at.0,
                    at.1,
                    if before { "before" } else { "after" },
                    kind.title().to_lowercase(),
                    ids.join(", ")
                ),
            )
            .hint("name one of the steps listed (docs/plans.md, \"Built-in steps\")"))
        }
    }
}

/// The merged step list of `plan` run as `kind`: the built-in steps with the checklist steps
/// placed as the plan says (several at one place in file order; "after X" ones before the
/// "before Y" ones when Y follows X), numbered from 1.
///
/// # Errors
/// A checklist step placed at a step id that is not in this list (naming its line and
/// column).
pub fn script(plan: &Plan, kind: ScriptKind) -> Result<Vec<ScriptStep>> {
    let builtin = builtin_steps(plan, kind);
    let checklist = plan
        .v2
        .as_ref()
        .map(|v| v.checklist.as_slice())
        .unwrap_or_default();
    // For each built-in index: the checklist steps just before it and just after it.
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); builtin.len()];
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); builtin.len()];
    for (ci, c) in checklist.iter().enumerate() {
        match slot_of(plan, kind, &builtin, &c.place, c.at)? {
            (i, true) => before[i].push(ci),
            (i, false) => after[i].push(ci),
        }
    }
    let roles = plan.v2.as_ref().map(|v| &v.roles);
    let check = |ci: usize| {
        let c = &checklist[ci];
        ScriptStep {
            number: 0,
            total: 0,
            key: format!("checklist-{}", ci + 1),
            actor: Actor::of_checklist(c.by),
            person: roles.and_then(|r| r.person(c.by)).map(str::to_string),
            title: c.title.clone(),
            text: Some(c.text.clone()),
            kind: StepKind::Checklist,
        }
    };
    let mut out = Vec::new();
    for (i, s) in builtin.iter().enumerate() {
        out.extend(before[i].iter().map(|&ci| check(ci)));
        let (actor, person) = actor_of(plan, kind, s);
        out.push(ScriptStep {
            number: 0,
            total: 0,
            key: s.key(),
            actor,
            person,
            title: s.title.to_string(),
            text: None,
            kind: StepKind::Builtin {
                critical: is_critical(s.id),
                records: s.records,
            },
        });
        out.extend(after[i].iter().map(|&ci| check(ci)));
    }
    let total = out.len();
    for (i, s) in out.iter_mut().enumerate() {
        s.number = i + 1;
        s.total = total;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
