//! Plan schema v2 (`docs/plans.md`): the ceremony kind and its parameters, the roles (named
//! people) and the checklist steps placed between the built-in steps. The tables are read as
//! written (with spans, so that every error names its line and column), then checked against
//! the rest of the plan and resolved into [`V2`].

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::Plan;
use crate::encoding::value_list::value_list;
use crate::error::{Error, Kind, Result};

mod kinds;
pub use kinds::Params;
use kinds::params;
pub(super) use kinds::{AuditTable, CrlTable, GenerationTable, RotationTable};

value_list! {
    /// `ceremony.kind`: what the ceremony does (docs/plans.md, "Kinds and their tables").
    pub enum PlanKind {
        /// A new root key, its certificate and the shares (`[generation]`, optional); with
        /// `rehearsal = true` the rehearsal generation (generate, wipe, rebuild from k).
        Generation = "generation",
        /// A quorum signs an intermediate CA certificate from a CSR (`[rotation]`).
        Rotation = "rotation",
        /// A quorum signs a certificate revocation list (`[crl]`).
        Crl = "crl",
        /// Each holder in turn proves their share against the manifest, no rebuild
        /// (`[share-audit]`).
        ShareAudit = "share-audit",
    }
}

value_list! {
    /// Who acknowledges a checklist step (`by`): one of the plan's `[roles]`.
    pub enum ActorRole {
        /// `roles.administrator`: runs the ceremony and keeps the plan.
        Administrator = "administrator",
        /// The first of `roles.crypto-officers`: at the ceremony machine's keyboard.
        CryptoOfficer = "crypto-officer",
        /// `roles.witness`: the internal witness, who keeps the exception log.
        Witness = "witness",
        /// `roles.auditor` (only when the plan names one).
        Auditor = "auditor",
    }
}

/// The longest checklist `text` (characters).
pub const MAX_TEXT: usize = 300;
/// The longest checklist `title` (characters), as the built-in steps' titles.
pub const MAX_TITLE: usize = 40;

/// The `[roles]` table as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RolesTable {
    administrator: Spanned<String>,
    crypto_officers: Spanned<Vec<Spanned<String>>>,
    witness: Spanned<String>,
    #[serde(default)]
    confirmers: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    auditor: Option<Spanned<String>>,
}

/// One `[[checklist]]` entry as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChecklistTable {
    text: Spanned<String>,
    #[serde(default)]
    title: Option<Spanned<String>>,
    by: Spanned<ActorRole>,
    #[serde(default)]
    before: Option<Spanned<String>>,
    #[serde(default)]
    after: Option<Spanned<String>>,
}

/// The v2 tables of a plan as written (all absent in a v1 plan).
#[derive(Clone, Debug, Default, Deserialize)]
pub(super) struct Tables {
    pub(super) roles: Option<Spanned<RolesTable>>,
    pub(super) checklist: Option<Spanned<Vec<ChecklistTable>>>,
    pub(super) generation: Option<Spanned<GenerationTable>>,
    pub(super) rotation: Option<Spanned<RotationTable>>,
    pub(super) crl: Option<Spanned<CrlTable>>,
    pub(super) share_audit: Option<Spanned<AuditTable>>,
}

/// The people of `[roles]`, by name (each a participant's or holder's `name`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Roles {
    /// The ceremony administrator.
    pub administrator: String,
    /// The crypto officers, the first at the keyboard (at least one).
    pub crypto_officers: Vec<String>,
    /// The internal witness (not the administrator, not a crypto officer).
    pub witness: String,
    /// The two people who confirm critical steps (empty only in a share audit).
    pub confirmers: Vec<String>,
    /// The auditor, if the plan names one.
    pub auditor: Option<String>,
}

impl Roles {
    /// The person who acts as `role`.
    pub fn person(&self, role: ActorRole) -> Option<&str> {
        match role {
            ActorRole::Administrator => Some(&self.administrator),
            ActorRole::CryptoOfficer => self.crypto_officers.first().map(String::as_str),
            ActorRole::Witness => Some(&self.witness),
            ActorRole::Auditor => self.auditor.as_deref(),
        }
    }
}

/// Where a checklist step goes: just before or just after a built-in step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// Before the first step with this id (or exactly this key, `receive-share-3`).
    Before(String),
    /// After the last step with this id (or exactly this key).
    After(String),
}

/// One checklist step, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checklist {
    /// What the person confirms, in prose.
    pub text: String,
    /// The short title of the step's header: `title`, or `text` cut to [`MAX_TITLE`].
    pub title: String,
    /// Who acknowledges it (types their initials).
    pub by: ActorRole,
    /// Where it goes.
    pub place: Place,
    /// Line and column of the `before`/`after` value, for the runner's and the renderer's
    /// errors about a step id.
    pub at: (usize, usize),
}

/// What a v2 plan adds, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V2 {
    /// `ceremony.kind`.
    pub kind: PlanKind,
    /// Line and column of the `kind` value.
    pub kind_at: (usize, usize),
    /// `[roles]`.
    pub roles: Roles,
    /// `[[checklist]]`, in file order.
    pub checklist: Vec<Checklist>,
    /// The kind's table.
    pub params: Params,
}

/// Errors of one plan text.
pub(super) struct Ctx<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, key: &str, what: impl Into<String>) -> Error {
        let (line, column) = crate::tomlpos::position(self.text, span.start);
        Error::new(
            Kind::Plan,
            format!(
                "plan {}, line {line}, column {column}, key {key}: {}",
                self.origin,
                what.into()
            ),
        )
        .hint("correct the plan (its keys: docs/plans.md), then run `rootkey plan check` again")
    }

    /// A single line of 1 to `max` characters without outer spaces or unsafe characters.
    fn line(&self, s: &Spanned<String>, key: &str, max: usize) -> Result<String> {
        let v = s.get_ref();
        let n = v.chars().count();
        if n == 0 || n > max || v.trim() != v || v.chars().any(crate::error::is_unsafe_char) {
            return Err(self.err(
                s.span(),
                key,
                format!("must be a single line of 1 to {max} characters without outer spaces"),
            ));
        }
        Ok(v.clone())
    }

    /// A path as written: a single line.
    fn path(&self, s: &Spanned<String>, key: &str) -> Result<String> {
        self.line(s, key, 4096)
    }

    /// A name of `[roles]`: a participant's or holder's name.
    fn person(&self, plan: &Plan, s: &Spanned<String>, key: &str, holders: bool) -> Result<String> {
        let name = s.get_ref();
        let participant = plan.participants.iter().any(|p| &p.name == name);
        let holder = plan.holders.iter().any(|h| &h.name == name);
        if participant || (holders && holder) {
            return Ok(name.clone());
        }
        let whom = if holders {
            "a participant or a holder"
        } else if holder {
            "a participant (a holder may not take this role)"
        } else {
            "a participant"
        };
        Err(self.err(s.span(), key, format!("{name:?} is not the name of {whom}")))
    }

    fn presenting(
        &self,
        plan: &Plan,
        v: &Option<Spanned<Vec<Spanned<i64>>>>,
        key: &str,
    ) -> Result<Vec<u8>> {
        let Some(list) = v else {
            return Ok(Vec::new());
        };
        let n = plan.quorum.shares;
        let mut out: Vec<u8> = Vec::new();
        for i in list.get_ref() {
            let idx = u8::try_from(*i.get_ref())
                .ok()
                .filter(|x| (1..=n).contains(x));
            let Some(idx) = idx else {
                return Err(self.err(
                    i.span(),
                    key,
                    format!("{} is not a share index (1 to {n})", i.get_ref()),
                ));
            };
            if out.contains(&idx) {
                return Err(self.err(i.span(), key, format!("share {idx} is listed twice")));
            }
            out.push(idx);
        }
        if out.len() < plan.quorum.threshold as usize {
            return Err(self.err(
                list.span(),
                key,
                format!(
                    "{} share(s) listed, fewer than the threshold {}",
                    out.len(),
                    plan.quorum.threshold
                ),
            ));
        }
        Ok(out)
    }
}

/// A step id as `before`/`after` name it: kebab-case, optionally with the repetition
/// (`receive-share-3`).
fn is_step_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// `text` cut to [`MAX_TITLE`] characters at a word boundary, with `…`.
fn short_title(text: &str) -> String {
    if text.chars().count() <= MAX_TITLE {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 1 > MAX_TITLE - 1 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(MAX_TITLE - 1).collect();
    }
    out.push('…');
    out
}

/// Checks the v2 tables (`version` already read): `None` for a v1 plan, which may have none
/// of them. The order of the checks is docs/plans.md's, "Validation".
pub(super) fn resolve(
    plan: &Plan,
    version: Option<&Spanned<i64>>,
    kind: Option<&Spanned<PlanKind>>,
    t: &Tables,
    origin: &str,
    text: &str,
) -> Result<Option<V2>> {
    let cx = Ctx { origin, text };
    let v = match version {
        None => 1,
        Some(v) if matches!(v.get_ref(), 1 | 2) => *v.get_ref(),
        Some(v) => {
            return Err(cx.err(
                v.span(),
                "version",
                format!(
                    "plan version {} is not known (rootkey reads versions 1 and 2)",
                    v.get_ref()
                ),
            ));
        }
    };
    if v == 1 {
        let first_v2 = [
            kind.map(|k| (k.span(), "ceremony.kind")),
            t.roles.as_ref().map(|x| (x.span(), "roles")),
            t.checklist.as_ref().map(|x| (x.span(), "checklist")),
            t.generation.as_ref().map(|x| (x.span(), "generation")),
            t.rotation.as_ref().map(|x| (x.span(), "rotation")),
            t.crl.as_ref().map(|x| (x.span(), "crl")),
            t.share_audit.as_ref().map(|x| (x.span(), "share-audit")),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(s, _)| s.start);
        return match first_v2 {
            None => Ok(None),
            Some((span, key)) => Err(cx.err(
                span,
                key,
                "this is a plan v2 key, but the plan has no `version = 2` (put it on the first line, before any table)",
            )),
        };
    }
    // Anchor for what is missing: the `version` value.
    let anchor = version.map(|v| v.span()).unwrap_or(0..0);
    let (kind, kind_at) = match kind {
        Some(k) => (*k.get_ref(), crate::tomlpos::position(text, k.span().start)),
        None => {
            let line = text
                .lines()
                .position(|l| l.trim() == "[ceremony]")
                .map_or(1, |i| i + 1);
            return Err(Error::new(
                Kind::Plan,
                format!("plan {origin}, line {line}, column 1, key ceremony.kind: a plan v2 needs `kind` in [ceremony] ({})", PlanKind::listed()),
            )
            .hint("add e.g. `kind = \"generation\"` under [ceremony] (docs/plans.md)"));
        }
    };
    let Some(roles_t) = &t.roles else {
        return Err(cx.err(
            anchor,
            "roles",
            "a plan v2 needs a [roles] table (administrator, crypto-officers, witness, confirmers)",
        ));
    };
    let r = roles_t.get_ref();
    let administrator = cx.person(plan, &r.administrator, "roles.administrator", false)?;
    let mut crypto_officers = Vec::new();
    if r.crypto_officers.get_ref().is_empty() {
        return Err(cx.err(
            r.crypto_officers.span(),
            "roles.crypto-officers",
            "name at least one crypto officer",
        ));
    }
    for c in r.crypto_officers.get_ref() {
        let name = cx.person(plan, c, "roles.crypto-officers", false)?;
        if crypto_officers.contains(&name) {
            return Err(cx.err(
                c.span(),
                "roles.crypto-officers",
                format!("{name:?} is listed twice"),
            ));
        }
        crypto_officers.push(name);
    }
    let witness = cx.person(plan, &r.witness, "roles.witness", false)?;
    if witness == administrator || crypto_officers.contains(&witness) {
        return Err(cx.err(
            r.witness.span(),
            "roles.witness",
            format!("{witness:?} is also the administrator or a crypto officer; the internal witness must be someone else"),
        ));
    }
    let mut confirmers = Vec::new();
    match &r.confirmers {
        None if kind != PlanKind::ShareAudit => {
            return Err(cx.err(
                roles_t.span(),
                "roles.confirmers",
                format!(
                    "a {kind} needs `confirmers`: the two people who confirm each critical step"
                ),
            ));
        }
        None => {}
        Some(list) => {
            if list.get_ref().len() != 2 {
                return Err(cx.err(
                    list.span(),
                    "roles.confirmers",
                    format!("name exactly two people ({} named)", list.get_ref().len()),
                ));
            }
            for c in list.get_ref() {
                let name = cx.person(plan, c, "roles.confirmers", true)?;
                if confirmers.contains(&name) {
                    return Err(cx.err(
                        c.span(),
                        "roles.confirmers",
                        format!("{name:?} is named twice; two different people confirm"),
                    ));
                }
                confirmers.push(name);
            }
        }
    }
    let auditor = match &r.auditor {
        Some(a) => Some(cx.person(plan, a, "roles.auditor", false)?),
        None => None,
    };
    let roles = Roles {
        administrator,
        crypto_officers,
        witness,
        confirmers,
        auditor,
    };

    let params = params(&cx, plan, kind, t, anchor)?;

    let mut checklist = Vec::new();
    for c in t
        .checklist
        .as_ref()
        .map(|c| c.get_ref().as_slice())
        .unwrap_or_default()
    {
        let text = cx.line(&c.text, "checklist.text", MAX_TEXT)?;
        let title = match &c.title {
            Some(s) => cx.line(s, "checklist.title", MAX_TITLE)?,
            None => short_title(&text),
        };
        let by = *c.by.get_ref();
        if roles.person(by).is_none() {
            return Err(cx.err(
                c.by.span(),
                "checklist.by",
                "the plan names no auditor in [roles]",
            ));
        }
        let (place, s, key) = match (&c.before, &c.after) {
            (Some(b), None) => (Place::Before(b.get_ref().clone()), b, "checklist.before"),
            (None, Some(a)) => (Place::After(a.get_ref().clone()), a, "checklist.after"),
            (Some(_), Some(a)) => {
                return Err(cx.err(
                    a.span(),
                    "checklist.after",
                    "give `before` or `after`, not both",
                ));
            }
            (None, None) => {
                return Err(cx.err(
                    c.text.span(),
                    "checklist",
                    "say where the step goes: `before = \"STEP-ID\"` or `after = \"STEP-ID\"`",
                ));
            }
        };
        if !is_step_id(s.get_ref()) {
            return Err(cx.err(
                s.span(),
                key,
                format!(
                    "{:?} is not a step id (kebab-case, e.g. \"generate-root-key\")",
                    s.get_ref()
                ),
            ));
        }
        let at = crate::tomlpos::position(cx.text, s.span().start);
        checklist.push(Checklist {
            text,
            title,
            by,
            place,
            at,
        });
    }
    Ok(Some(V2 {
        kind,
        kind_at,
        roles,
        checklist,
        params,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_cut_at_a_word() {
        let t =
            short_title("Witness confirms that no network cable is plugged in and Wi-Fi is off");
        assert_eq!(t, "Witness confirms that no network cable…");
        assert!(t.chars().count() <= MAX_TITLE);
        assert_eq!(short_title("Lights on"), "Lights on");
        let long = "x".repeat(60);
        assert_eq!(short_title(&long).chars().count(), MAX_TITLE);
    }

    #[test]
    fn step_ids() {
        for ok in ["generate-root-key", "receive-share-3", "seal-transcript"] {
            assert!(is_step_id(ok), "{ok}");
        }
        for bad in ["", "Generate", "a--b", "-a", "a-", "a b", "a_b"] {
            assert!(!is_step_id(bad), "{bad}");
        }
    }

    #[test]
    fn the_shipped_plans_are_v2_of_each_kind() {
        let plans = [
            (
                include_str!("../../ceremony-scripts/root-generation.toml"),
                PlanKind::Generation,
            ),
            (
                include_str!("../../ceremony-scripts/rehearsal.toml"),
                PlanKind::Generation,
            ),
            (
                include_str!("../../ceremony-scripts/intermediate-rotation.toml"),
                PlanKind::Rotation,
            ),
            (
                include_str!("../../ceremony-scripts/crl.toml"),
                PlanKind::Crl,
            ),
            (
                include_str!("../../ceremony-scripts/share-audit.toml"),
                PlanKind::ShareAudit,
            ),
        ];
        for (text, kind) in plans {
            let p = Plan::parse(text, "p.toml").unwrap();
            assert_eq!((p.version(), p.kind()), (2, kind));
            let v = p.v2.as_ref().unwrap();
            assert!(!v.checklist.is_empty());
            assert_ne!(v.roles.witness, v.roles.administrator);
        }
        let p = Plan::parse(plans[2].0, "p.toml").unwrap();
        let Some(V2 {
            params:
                Params::Rotation {
                    presenting,
                    csr_sha256,
                    ..
                },
            roles,
            ..
        }) = p.v2
        else {
            panic!("not a rotation");
        };
        assert_eq!((presenting, csr_sha256), (vec![1, 3, 4], None));
        assert_eq!(roles.confirmers, ["Ceremony officer", "Second officer"]);
        assert_eq!(
            roles.person(ActorRole::CryptoOfficer),
            Some("Ceremony officer")
        );
        assert_eq!(roles.person(ActorRole::Auditor), None);
        // A v1 plan: no v2 part, a generation.
        let v1 = include_str!("../../tests/fixtures/real-text-paper-plan.toml");
        let p = Plan::parse(v1, "p.toml").unwrap();
        assert_eq!(
            (p.version(), p.kind(), p.v2.is_none()),
            (1, PlanKind::Generation, true)
        );
        let explicit = format!("version = 1\n{v1}");
        assert_eq!(Plan::parse(&explicit, "p.toml").unwrap().version(), 1);
    }
}
