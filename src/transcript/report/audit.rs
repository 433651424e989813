//! The report's "Share audit" part (docs/formats.md, "Share audit", "Report"): who proved
//! which share, whose share failed and why, the refused shares that named no holder, and the
//! holders whose share did not appear.

use serde_json::Value;

use super::super::event::Action;
use super::super::verify::{Header, Replay};
use super::Section;
use super::describe::s;

/// The sections of the share audit part of the report of `r`, whose header is `h`.
pub(super) fn sections(r: &Replay, h: &Header) -> Vec<Section> {
    let holder = |i: u64| {
        h.participants
            .iter()
            .find(|p| p.share.map(u64::from) == Some(i))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "—".into())
    };
    let file = |e: &super::super::verify::Entry| match s(e.details.get("file")).as_str() {
        "-" => "typed at the keyboard".to_string(),
        f => f.to_string(),
    };
    let mut proven = Vec::new();
    let mut failed = Vec::new();
    let mut unnamed = Vec::new();
    for e in &r.entries {
        match e.kind() {
            Some(Action::SharePresented) => proven.push(vec![
                s(e.details.get("index")),
                s(e.details.get("holder")),
                file(e),
                e.seq.to_string(),
            ]),
            Some(Action::ShareRefused) => match e.details.get("claimed_index") {
                Some(Value::Number(n)) if s(e.details.get("reason")) != "duplicate" => {
                    failed.push(vec![
                        n.to_string(),
                        holder(n.as_u64().unwrap_or(0)),
                        s(e.details.get("reason")),
                        format!("{} ({})", e.seq, file(e)),
                    ])
                }
                _ => unnamed.push(vec![file(e), s(e.details.get("reason")), e.seq.to_string()]),
            },
            _ => {}
        }
    }
    let completed = r.entries.iter().find(|e| e.is(Action::AuditCompleted));
    let absent: Vec<Vec<String>> = completed
        .and_then(|e| e.details.get("absent"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .map(|i| vec![i.to_string(), holder(i)])
                .collect()
        })
        .unwrap_or_default();
    let table = |headers: &[&str], widths: &[f32], rows: Vec<Vec<String>>| Section::Table {
        headers: headers.iter().map(|x| x.to_string()).collect(),
        widths: widths.to_vec(),
        rows,
    };
    let mut out = vec![Section::Text(match completed {
        Some(_) => format!(
            "No key was rebuilt: each share was checked alone against the manifest. {} of {} holders proved their share; {} share(s) failed; {} holder(s) did not appear.",
            proven.len(),
            h.quorum.1,
            failed.len() + unnamed.iter().filter(|r| r[1] != "duplicate").count(),
            absent.len()
        ),
        None => "The audit did not complete (no audit-completed entry): the lists below are what it recorded before it stopped.".into(),
    })];
    out.push(Section::Text("Proved:".into()));
    out.push(table(
        &["Share", "Holder", "File", "Step"],
        &[0.6, 2.0, 2.6, 0.6],
        proven,
    ));
    if !failed.is_empty() {
        out.push(Section::Text("FAILED (the share was refused):".into()));
        out.push(table(
            &["Share", "Holder", "Reason", "Step (file)"],
            &[0.6, 2.0, 1.2, 2.4],
            failed,
        ));
    }
    if !unnamed.is_empty() {
        out.push(Section::Text(
            "Other refused shares (naming no holder of this ceremony, or a share already proved):"
                .into(),
        ));
        out.push(table(
            &["File", "Reason", "Step"],
            &[3.0, 1.2, 0.6],
            unnamed,
        ));
    }
    if completed.is_some() {
        out.push(Section::Text(if absent.is_empty() {
            "Did not appear: nobody.".into()
        } else {
            "Did not appear:".into()
        }));
        if !absent.is_empty() {
            out.push(table(&["Share", "Holder"], &[0.6, 3.0], absent));
        }
    }
    out
}
