//! What `rootkey share audit` shows: one line per share as it is checked, then the summary
//! (proved, refused, did not appear, the transcript and the witnesses' next step), within 80
//! columns; and the error that explains a non-zero exit code.

use std::fmt::Write as _;
use std::path::Path;

use super::{AuditReport, Refused};
use crate::ceremony::Context;
use crate::console::{SCREEN_COLUMNS, wrap};
use crate::encoding::hexfmt::hex_lines;
use crate::error::{Error, Kind};

/// `text` wrapped to 80 columns, its first line after `first` and the others indented by
/// `indent` spaces.
fn item(first: &str, text: &str, indent: usize) -> String {
    let body = wrap(text, SCREEN_COLUMNS - indent);
    let mut out = String::new();
    for (i, l) in body.lines().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "{first}{l}");
        } else {
            let _ = writeln!(out, "{}{l}", " ".repeat(indent));
        }
    }
    out
}

/// The line shown when a share passes its check.
pub(super) fn proved_line(index: u8, holder: &str, origin: &str) -> String {
    item(
        "  ",
        &format!("share {index} proved: holder \"{holder}\", {origin}"),
        4,
    )
}

/// A refused share: the holder it names (if any) and where it came from.
fn named(r: &Refused, ctx: &Context) -> String {
    r.claimed
        .and_then(|i| ctx.manifest.shares.iter().find(|s| s.index == i))
        .map(|s| format!("share {} (holder \"{}\"), {}", s.index, s.holder, r.origin))
        .unwrap_or_else(|| r.origin.clone())
}

/// The lines shown when a share is refused: the category, what was given, what was wrong.
pub(super) fn refused_line(r: &Refused, ctx: &Context) -> String {
    let what = if r.claimed.is_none() && r.message.contains(&r.origin) {
        r.message.clone()
    } else {
        format!("{}: {}", named(r, ctx), r.message)
    };
    item("  ", &format!("REFUSED ({}): {what}", r.reason), 4)
}

/// The summary after `audit-completed`.
pub(super) fn audited(r: &AuditReport, ctx: &Context, transcript: &Path, root: &Path) -> String {
    let m = &ctx.manifest;
    let mut s = String::new();
    if m.ceremony.rehearsal {
        let _ = writeln!(s, "*** REHEARSAL — throwaway key, NOT A REAL ROOT ***");
    }
    s.push_str(&item(
        "",
        &format!(
            "Share audit of \"{}\" ({} of {}): no key was rebuilt; each share was checked alone against the manifest.",
            m.ceremony.name, m.threshold, m.shares_total
        ),
        2,
    ));
    let _ = writeln!(
        s,
        "Root key SHA256:{}",
        hex_lines(&ctx.root.fingerprint, "Root key SHA256:".len())
    );
    let _ = writeln!(s, "Proved ({} of {}):", r.proved.len(), m.shares_total);
    if r.proved.is_empty() {
        let _ = writeln!(s, "  none");
    }
    let mut proved: Vec<&super::Proved> = r.proved.iter().collect();
    proved.sort_by_key(|p| p.index);
    for p in proved {
        s.push_str(&item(
            "  ",
            &format!("share {}  {} ({})", p.index, p.holder, p.origin),
            4,
        ));
    }
    if !r.refused.is_empty() {
        let _ = writeln!(s, "REFUSED ({}):", r.refused.len());
        for f in &r.refused {
            s.push_str(&item("  ", &format!("{}: {}", f.reason, named(f, ctx)), 4));
        }
    }
    let _ = writeln!(s, "Did not appear ({}):", r.absent.len());
    if r.absent.is_empty() {
        let _ = writeln!(s, "  nobody");
    }
    for (i, h) in &r.absent {
        s.push_str(&item("  ", &format!("share {i}  {h}"), 4));
    }
    s.push_str(&item(
        "",
        &format!(
            "Transcript (complete, not sealed: a share audit rebuilds no key): {}",
            transcript.display()
        ),
        2,
    ));
    s.push_str(&item(
        "",
        &format!(
            "Next: each witness attests it: rootkey transcript attest {} --root {} --key WITNESS.pem --name \"NAME\"",
            transcript.display(),
            root.display()
        ),
        2,
    ));
    s
}

/// The error that explains a non-zero exit code (shown after the summary), if any.
pub(super) fn outcome_error(r: &AuditReport) -> Option<Error> {
    let failed: Vec<String> = r
        .refused
        .iter()
        .filter(|f| f.reason != crate::transcript::event::RefusalReason::Duplicate)
        .map(|f| format!("{} ({})", f.origin, f.reason))
        .collect();
    if !failed.is_empty() {
        return Some(
            Error::new(
                Kind::NotInManifest,
                format!(
                    "{} share(s) failed the audit: {}",
                    failed.len(),
                    failed.join(", ")
                ),
            )
            .hint("treat each failed share as lost: investigate, plan a new split"),
        );
    }
    if !r.absent.is_empty() {
        let who: Vec<String> = r.absent.iter().map(|(i, h)| format!("{i} ({h})")).collect();
        return Some(
            Error::input(format!(
                "the audit is incomplete: no share was presented for {}",
                who.join(", ")
            ))
            .hint("audit the missing holders in another run of rootkey share audit"),
        );
    }
    None
}

/// The summary could not be shown; the transcript is complete.
pub(super) fn not_shown(e: Error, transcript: &Path) -> Error {
    Error::new(
        Kind::Io,
        format!(
            "{} — the audit completed and its transcript is at {}; only its summary on screen was lost",
            e.message,
            transcript.display()
        ),
    )
    .hint(format!(
        "do not run the audit again; read what was done with: rootkey transcript report {} --out report.md",
        transcript.display()
    ))
}
