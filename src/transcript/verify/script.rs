//! The ceremony scripts: which actions, in which order, with which details (the header is
//! parsed in `header.rs`, the `details` accessors are in `details.rs`).

use super::details::D;
use super::*;
use crate::error::TranscriptFailure as F;
use crate::plan::Medium;
use event::EntropySource;

/// Facts gathered from the script for the later checks.
#[derive(Default)]
pub(super) struct Facts<'a> {
    /// Every entry that states the ceremony's root public key.
    pub(super) root_keys: Vec<(&'a Entry, [u8; 32])>,
    /// Every entry that states the root certificate's DER hash.
    pub(super) certificate_hashes: Vec<(&'a Entry, String)>,
    /// (entry, file, sha256, what it is) of every artifact.
    pub(super) artifacts: Vec<(&'a Entry, String, String, Artifact)>,
    /// (entry, share index, envelope SHA-256 hex) of every share written or presented.
    pub(super) envelopes: Vec<(&'a Entry, u8, String)>,
    /// The ceremony id the manifest must carry.
    pub(super) manifest_ceremony_id: Option<String>,
    /// `certificate-signed` and its `certificate_sha256` (generation and rehearsal).
    pub(super) root_certificate: Option<(&'a Entry, String)>,
    /// (file, sha256) of each `artifact-written` of the generation steps.
    pub(super) written: Vec<(&'static str, String)>,
}

#[derive(Clone, PartialEq, Eq)]
pub(super) enum Artifact {
    Root,
    Manifest,
    /// An input copied into the output directory (CSR, previous certificate or CRL): hash only.
    Input,
    /// A certificate or CRL the ceremony issued (PEM or DER) whose DER has this SHA-256 (hex).
    Issued(String),
}

pub(super) struct Cursor<'a> {
    es: &'a [Entry],
    pos: usize,
    /// The header's participants' names when `checklist-acknowledged` entries may stand
    /// between the steps (every kind `rootkey run` runs: not a quorum check), else None.
    checklist_people: Option<Vec<String>>,
    /// The `step` of the last `checklist-acknowledged` (they increase).
    checklist_step: u64,
    /// The header's participants' names: `exception` and `step-confirmed` entries may stand
    /// between the steps of any kind.
    people: Vec<String>,
}

use event::initials_of;

impl Cursor<'_> {
    /// Checks a `checklist-acknowledged` entry `e` (docs/formats.md, "Actions").
    fn checklist(&mut self, e: &Entry, people: &[String]) -> Result<()> {
        let m = e.details.read_once();
        let d = D::nested(e, &m, "details".into());
        d.keys(event::ChecklistAcknowledged::MEMBERS)?;
        let initials = d.str("initials")?;
        let step = d.u64("step")?;
        if d.str("title")?.trim().is_empty() {
            return Err(d.err("title", "must not be blank"));
        }
        d.hex32("text_sha256")?;
        let [who] = e.actors.as_slice() else {
            return Err(at(
                e,
                F::Script,
                "actors must be the one person who acknowledged",
            ));
        };
        if !people.contains(who) {
            return Err(at(
                e,
                F::Script,
                format!("actor {who:?} is not a participant of the header"),
            ));
        }
        let typed: String = initials.chars().flat_map(char::to_uppercase).collect();
        if initials.chars().count() > 8 || typed != initials_of(who) {
            return Err(d.err(
                "initials",
                &format!("are not the initials of {who:?} ({})", initials_of(who)),
            ));
        }
        if step <= self.checklist_step {
            return Err(d.err(
                "step",
                &format!(
                    "must follow step {} (the checklist steps come in order)",
                    self.checklist_step
                ),
            ));
        }
        self.checklist_step = step;
        Ok(())
    }
}

impl<'a> Cursor<'a> {
    /// The next entry if it is `action`; None when the transcript has ended (or ends with
    /// `aborted` here); an error for any other action.
    pub(super) fn next(&mut self, action: Action, why: &str) -> Result<Option<&'a Entry>> {
        // Checklist acknowledgements may stand between the steps of the kinds a plan runs;
        // exceptions, step confirmations and slips between those of any kind.
        while let Some(e) = self.es.get(self.pos) {
            if e.is(Action::Slip) {
                check_slip(e)?;
            } else if e.is(Action::ChecklistAcknowledged)
                && let Some(people) = self.checklist_people.take()
            {
                let r = self.checklist(e, &people);
                self.checklist_people = Some(people);
                r?;
            } else if e.is(Action::Exception) {
                super::screens::exception(e, &self.people)?;
            } else if e.is(Action::StepConfirmed) {
                super::screens::step_confirmed(e, &self.people)?;
            } else {
                break;
            }
            self.pos += 1;
        }
        let Some(e) = self.es.get(self.pos) else {
            return Ok(None);
        };
        if e.is(Action::Aborted) {
            if self.pos + 1 == self.es.len() {
                return Ok(None);
            }
            // Nothing may follow `aborted`: the entry after it is the one that does not
            // belong (docs/formats.md, "Replay", step 3).
            return Err(after_end(
                &self.es[self.pos + 1],
                "`aborted`",
                self.es[self.pos].line,
            ));
        }
        if e.kind().is_none() && action != Action::Seal {
            return Err(at(
                e,
                F::Script,
                format!(
                    "`{}` is not an action of this format (expected `{}`: {why})",
                    e.action,
                    action.as_str()
                ),
            ));
        }
        if !e.is(action) {
            // Where the seal belongs, anything else is a damaged (or replaced) seal.
            let kind = if action == Action::Seal {
                F::BadSeal
            } else {
                F::Script
            };
            return Err(at(
                e,
                kind,
                format!(
                    "expected `{}` ({why}), found `{}`",
                    action.as_str(),
                    e.action
                ),
            ));
        }
        self.pos += 1;
        Ok(Some(e))
    }

    /// Whether the next entry of the script (past the entries that may stand between steps)
    /// is `action`.
    pub(super) fn peek_is(&self, action: Action) -> bool {
        self.es[self.pos.min(self.es.len())..]
            .iter()
            .find(|e| {
                !(e.is(Action::Exception)
                    || e.is(Action::StepConfirmed)
                    || e.is(Action::Slip)
                    || (e.is(Action::ChecklistAcknowledged) && self.checklist_people.is_some()))
            })
            .is_some_and(|e| e.is(action))
    }
}

/// Checks a `slip` entry `e` (docs/formats.md, "Slips").
fn check_slip(e: &Entry) -> Result<()> {
    let m = e.details.read_once();
    let d = D::nested(e, &m, "details".into());
    d.keys(event::Slip::MEMBERS)?;
    if !crate::transcript::slip::KINDS.contains(&d.str("kind")?) {
        return Err(d.err(
            "kind",
            &format!(
                "is not a kind of slip ({})",
                crate::transcript::slip::KINDS.join(", ")
            ),
        ));
    }
    if d.u64("attempt")? == 0 {
        return Err(d.err("attempt", "must be 1 or more"));
    }
    if d.str("step")?.trim().is_empty() {
        return Err(d.err("step", "must not be blank"));
    }
    actors_are(e, &[TOOL_ACTOR])
}

/// The finding for entry `e`, which follows the end of the ceremony (`aborted` or the seal)
/// on line `end_line`: it is the entry that does not belong.
pub(super) fn after_end(e: &Entry, end: &str, end_line: usize) -> Error {
    at(
        e,
        F::Script,
        format!(
            "`{}` after {end} (line {end_line}): nothing may follow {end}",
            e.action
        ),
    )
}

pub(super) fn actors_are(e: &Entry, want: &[&str]) -> Result<()> {
    if e.actors.iter().map(String::as_str).ne(want.iter().copied()) {
        return Err(at(
            e,
            F::Script,
            format!("actors are {:?}, expected {:?}", e.actors, want),
        ));
    }
    Ok(())
}

/// The `index` and `holder` of a per-share entry (`share-written`, `token-written`): the
/// index must be `idx` (shares are written in order), and the header's holder of share `idx`
/// is returned with the entry's `holder` for the caller to compare.
pub(super) fn holder_of_share<'a>(
    e: &Entry,
    d: &D<'a>,
    h: &'a Header,
    idx: u8,
) -> Result<(&'a str, &'a crate::transcript::Participant)> {
    if d.u8("index")? != idx {
        return Err(at(
            e,
            F::Script,
            format!("`details.index` must be {idx} (shares are written in order)"),
        ));
    }
    let holder = d.name("holder")?;
    let p = h
        .participants
        .iter()
        .find(|p| p.share == Some(idx))
        .ok_or_else(|| d.err("index", "has no holder in the header"))?;
    Ok((holder, p))
}

pub(super) fn binom(n: u64, k: u64) -> u64 {
    (0..k).fold(1u64, |acc, i| acc * (n - i) / (i + 1))
}

macro_rules! step {
    ($cur:expr, $action:expr, $why:expr) => {
        match $cur.next($action, $why)? {
            Some(e) => e,
            None => return Ok(()),
        }
    };
}

pub(super) fn check_script<'a>(es: &'a [Entry], h: &Header) -> Result<Facts<'a>> {
    let mut facts = Facts::default();
    let mut cur = Cursor {
        es,
        pos: 1,
        checklist_people: matches!(
            h.kind,
            Kind::Generation | Kind::Rehearsal | Kind::ShareAudit | Kind::Rotation | Kind::Crl
        )
        .then(|| h.participants.iter().map(|p| p.name.clone()).collect()),
        checklist_step: 0,
        people: h.participants.iter().map(|p| p.name.clone()).collect(),
    };
    let res = script_steps(&mut cur, h, &mut facts);
    res?;
    let ended = es[..cur.pos]
        .last()
        .filter(|p| p.is(Action::Seal) || p.is(Action::AuditCompleted));
    let sealed = ended.is_some();
    // The script may stop at a final `aborted` entry (not after a seal).
    if !sealed && cur.pos + 1 == es.len() && es[cur.pos].is(Action::Aborted) {
        cur.pos += 1;
    }
    if cur.pos < es.len() {
        let e = &es[cur.pos];
        if let Some(end) = ended {
            let what = if end.is(Action::Seal) {
                "the seal"
            } else {
                "`audit-completed`"
            };
            return Err(after_end(e, what, end.line));
        }
        if e.is(Action::Aborted) {
            return Err(after_end(&es[cur.pos + 1], "`aborted`", e.line));
        }
        return Err(at(e, F::Script, format!("unexpected `{}` here", e.action)));
    }
    // The script may stop early; an `aborted` entry is checked for shape.
    if let Some(last) = es.last().filter(|e| e.is(Action::Aborted)) {
        let d = D::of(last);
        d.keys(event::Aborted::MEMBERS)?;
        d.str("reason")?;
        actors_are(last, &[TOOL_ACTOR])?;
    }
    Ok(facts)
}

pub(super) fn script_steps<'a>(
    cur: &mut Cursor<'a>,
    h: &Header,
    facts: &mut Facts<'a>,
) -> Result<()> {
    let (k, n) = h.quorum;
    if matches!(h.kind, Kind::Generation | Kind::Rehearsal) {
        facts.manifest_ceremony_id = Some(h.id.clone());
        let e = step!(cur, Action::Entropy, "the seed is made first");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(event::Entropy::MEMBERS)?;
        let rolls = d.u64("dice_rolls")?;
        let min = crate::key::MIN_DICE_ROLLS as u64;
        match EntropySource::parse(d.str("source")?) {
            Some(EntropySource::Os) if rolls == 0 => {}
            Some(EntropySource::OsDice) if rolls >= min => {}
            _ => {
                return Err(d.err(
                    "source",
                    &format!(
                        "must be \"{}\" with 0 dice rolls or \"{}\" with at least {min}",
                        EntropySource::Os,
                        EntropySource::OsDice
                    ),
                ));
            }
        }
        let e = step!(cur, Action::KeyGenerated, "the root key follows the seed");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(event::KeyGenerated::MEMBERS)?;
        let pk = d.hex32("public_key")?;
        if d.hex32("fingerprint")? != cert::fingerprint(&pk) {
            return Err(d.err(
                "fingerprint",
                "is not the SHA-256 of the key's SubjectPublicKeyInfo",
            ));
        }
        facts.root_keys.push((e, pk));
        let e = step!(cur, Action::SharesSplit, "the seed is split next");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(event::SharesSplit::MEMBERS)?;
        if (d.u8("threshold")?, d.u8("shares")?) != (k, n) {
            return Err(at(
                e,
                F::Script,
                "threshold and shares differ from the header's quorum",
            ));
        }
        if d.u64("subsets_checked")? != binom(n as u64, k as u64) {
            return Err(d.err(
                "subsets_checked",
                &format!("must be C({n}, {k}) = {}", binom(n as u64, k as u64)),
            ));
        }
        let e = step!(
            cur,
            Action::CertificateSigned,
            "the root certificate is signed next"
        );
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(event::CertificateSigned::MEMBERS)?;
        if d.hex32("fingerprint")? != cert::fingerprint(&pk) {
            return Err(at(
                e,
                F::Script,
                "`details.fingerprint` is not the generated key's fingerprint",
            ));
        }
        facts
            .certificate_hashes
            .push((e, d.hex_str("certificate_sha256")?));
        // Strict TIME20 (a real date and time), and a validity that is not empty.
        let not_before = super::signing::seconds(&d, "not_before")?;
        if super::signing::seconds(&d, "not_after")? <= not_before {
            return Err(d.err("not_after", "must be later than not_before"));
        }
        facts.root_certificate = Some((e, d.hex_str("certificate_sha256")?));
        // A NUMBER: a minimal non-negative DER INTEGER's content bytes.
        super::signing::number(&d, "serial")?;
        d.str("subject")?;
        for idx in 1..=n {
            let token = super::token::token_written(cur, h, idx)?;
            let e = step!(cur, Action::ShareWritten, "one per holder, in plan order");
            let d = D::of(e);
            d.keys(event::ShareWritten::MEMBERS)?;
            let (holder, p) = holder_of_share(e, &d, h, idx)?;
            if p.name != holder || p.role != d.str("role")? {
                return Err(at(
                    e,
                    F::Script,
                    format!(
                        "share {idx} was written for \"{holder}\", but the header gives it to \"{}\" ({})",
                        p.name, p.role
                    ),
                ));
            }
            actors_are(e, &[TOOL_ACTOR, holder])?;
            facts
                .envelopes
                .push((e, idx, d.hex_str("envelope_sha256")?));
            let file = d.file("file")?;
            // The media a share is written to (docs/formats.md, "Ceremony plan").
            let Some(medium) = Medium::parse(d.name("medium")?) else {
                return Err(d.err(
                    "medium",
                    &format!("is not a known medium ({})", Medium::listed_bare()),
                ));
            };
            super::token::check_share_written(e, idx, medium, file, token.as_ref())?;
        }
        for file in ["root.pem", "manifest.json"] {
            let e = step!(cur, Action::ArtifactWritten, "root.pem, then manifest.json");
            actors_are(e, &[TOOL_ACTOR])?;
            let d = D::of(e);
            d.keys(event::ArtifactWritten::MEMBERS)?;
            if d.file("file")? != file {
                return Err(d.err("file", &format!("must be {file} at this step")));
            }
            let role = if file == "root.pem" {
                Artifact::Root
            } else {
                Artifact::Manifest
            };
            let sha = d.hex_str("sha256")?;
            facts.written.push((file, sha.clone()));
            facts.artifacts.push((e, file.to_string(), sha, role));
        }
        if h.kind == Kind::Generation {
            step!(cur, Action::Seal, "a generation ends with the seal");
            return Ok(());
        }
        let e = step!(
            cur,
            Action::KeyWiped,
            "the generated key is wiped before the rebuild"
        );
        actors_are(e, &[TOOL_ACTOR])?;
        D::of(e).keys(event::KeyWiped::MEMBERS)?;
    }
    // Quorum check (also the second half of a rehearsal, and the core of rotation and CRL
    // ceremonies).
    let Some(pk) = super::quorum::context_step(cur, h, facts)? else {
        return Ok(());
    };
    if h.kind == Kind::ShareAudit {
        super::audit::audit_steps(cur, h, facts)?;
        return Ok(());
    }
    let confirmed = match h.kind {
        Kind::Rotation => match super::signing::rotation_prelude(cur, facts)? {
            Some(t) => Some(t),
            None => return Ok(()),
        },
        Kind::Crl => match super::signing::crl_prelude(cur, facts)? {
            Some(t) => Some(t),
            None => return Ok(()),
        },
        _ => None,
    };
    if super::quorum::quorum_steps(cur, h, facts, pk)?.is_none() {
        return Ok(());
    }
    if let Some(prepared) = confirmed
        && super::signing::issued_steps(cur, h, facts, &prepared)?.is_none()
    {
        return Ok(());
    }
    step!(cur, Action::Seal, "the ceremony ends with the seal");
    Ok(())
}

/// Like `step!`, for helpers returning `Result<Option<T>>`: `Ok(None)` when the transcript ends.
macro_rules! step_o {
    ($cur:expr, $action:expr, $why:expr) => {
        match $cur.next($action, $why)? {
            Some(e) => e,
            None => return Ok(None),
        }
    };
}
pub(super) use step_o;
