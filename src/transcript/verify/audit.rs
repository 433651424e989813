//! The share audit's script (docs/formats.md, "Share audit"): after `context-loaded`, one
//! `share-presented` or `share-refused` per share given, then `audit-completed`, whose lists
//! must be exactly what the entries before it say.

use super::details::D;
use super::quorum::presented_step;
use super::script::{Cursor, Facts, actors_are, step_o};
use super::*;
use crate::error::TranscriptFailure as F;
use event::RefusalReason;

/// `share-presented` / `share-refused` …, then `audit-completed`.
pub(super) fn audit_steps<'a>(
    cur: &mut Cursor<'a>,
    h: &Header,
    facts: &mut Facts<'a>,
) -> Result<Option<()>> {
    let (_, n) = h.quorum;
    let mut proven: Vec<u8> = Vec::new();
    let mut failed: BTreeSet<u8> = BTreeSet::new();
    let mut refused: u64 = 0;
    loop {
        if cur.peek_is(Action::SharePresented) {
            let e = step_o!(cur, Action::SharePresented, "holders prove their shares");
            presented_step(e, h, facts, &mut proven)?;
        } else if cur.peek_is(Action::ShareRefused) {
            let e = step_o!(cur, Action::ShareRefused, "a share failed its check");
            refused += 1;
            if let Some(i) = refused_step(e, n, &proven)? {
                failed.insert(i);
            }
        } else {
            break;
        }
    }
    let e = step_o!(
        cur,
        Action::AuditCompleted,
        "a share audit ends with audit-completed"
    );
    actors_are(e, &[TOOL_ACTOR])?;
    let d = D::of(e);
    d.keys(event::AuditCompleted::MEMBERS)?;
    let list = |k: &str| -> Result<Vec<u8>> {
        let mut out: Vec<u8> = Vec::new();
        for v in d.arr(k)? {
            let i = v
                .as_u64()
                .and_then(|i| u8::try_from(i).ok())
                .filter(|i| (1..=n).contains(i))
                .ok_or_else(|| d.err(k, &format!("holds something other than indices 1…{n}")))?;
            if out.last().is_some_and(|&l| l >= i) {
                return Err(d.err(k, "must be in increasing order without repeats"));
            }
            out.push(i);
        }
        Ok(out)
    };
    let (got_proven, got_failed, got_absent) = (list("proven")?, list("failed")?, list("absent")?);
    let got_refused = d.u64("refused")?;
    let mut want_proven = proven.clone();
    want_proven.sort_unstable();
    let want_failed: Vec<u8> = failed
        .iter()
        .copied()
        .filter(|i| !proven.contains(i))
        .collect();
    let want_absent: Vec<u8> = (1..=n)
        .filter(|i| !proven.contains(i) && !want_failed.contains(i))
        .collect();
    for (k, got, want) in [
        ("proven", &got_proven, &want_proven),
        ("failed", &got_failed, &want_failed),
        ("absent", &got_absent, &want_absent),
    ] {
        if got != want {
            return Err(at(
                e,
                F::Script,
                format!("`details.{k}` is {got:?}, but the entries before it make it {want:?}"),
            ));
        }
    }
    if got_refused != refused {
        return Err(at(
            e,
            F::Script,
            format!("`details.refused` is {got_refused}, but {refused} share(s) were refused"),
        ));
    }
    Ok(Some(()))
}

/// One `share-refused` entry; returns its claimed index when it names one.
fn refused_step(e: &Entry, n: u8, proven: &[u8]) -> Result<Option<u8>> {
    let d = D::of(e);
    d.keys(event::ShareRefused::MEMBERS)?;
    let claimed = match d.get("claimed_index")? {
        Value::Null => None,
        _ => Some(d.u8("claimed_index")?),
    };
    if claimed.is_some_and(|i| i == 0 || i > n) {
        return Err(d.err("claimed_index", &format!("must be null or within 1…{n}")));
    }
    d.file("file")?;
    let Some(reason) = RefusalReason::parse(d.str("reason")?) else {
        return Err(d.err("reason", &format!("is not {}", RefusalReason::listed())));
    };
    let names_holder = matches!(reason, RefusalReason::NotListed | RefusalReason::Duplicate);
    if claimed.is_some() && !names_holder {
        return Err(d.err(
            "claimed_index",
            &format!("must be null for a share refused as \"{reason}\" (it names no holder)"),
        ));
    }
    if reason == RefusalReason::Duplicate && !claimed.is_some_and(|i| proven.contains(&i)) {
        return Err(at(
            e,
            F::Script,
            "a share refused as \"duplicate\" must claim an index proved earlier in this audit",
        ));
    }
    actors_are(e, &[TOOL_ACTOR])?;
    Ok(claimed)
}

/// Why a complete share audit is not sealed (docs/formats.md, "Share audit", "Verdict").
pub(super) const COMPLETE: &str =
    "complete, not sealed: a share audit rebuilds no key; witnesses attest it";

/// The verdict of a complete share audit that passed every check: as good as sealed (exit 0)
/// when `--witnesses` was given and at least one listed witness attested its completed head;
/// else valid but unsealed (exit 3), saying what is missing.
pub(super) fn verdict(r: &Replay, witnesses_listed: bool) -> Verdict {
    if witnesses_listed && !r.attestations.is_empty() {
        return Verdict::Sealed;
    }
    Verdict::Unsealed(format!(
        "{COMPLETE}{}",
        if !witnesses_listed {
            " (pass --witnesses to check their attestations)"
        } else {
            " (no witness has attested it yet)"
        }
    ))
}

/// The outcome of a complete share audit for people, from its `audit-completed` entry `e`
/// (checked already): who proved, whose share failed, who did not appear, with names.
pub(super) fn outcome(e: &Entry, h: &Header) -> String {
    let list = |k: &str| -> String {
        let names: Vec<String> = e
            .details
            .get(k)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .map(|i| {
                let who = h
                    .participants
                    .iter()
                    .find(|p| p.share.map(u64::from) == Some(i));
                match who {
                    Some(p) => format!("{i} ({})", p.name),
                    None => i.to_string(),
                }
            })
            .collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join(", ")
        }
    };
    let refused = e
        .details
        .get("refused")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    format!(
        "proved: {}; FAILED: {}; did not appear: {}; {refused} share(s) refused",
        list("proven"),
        list("failed"),
        list("absent")
    )
}
