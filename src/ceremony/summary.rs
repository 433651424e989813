//! Human-readable summaries printed by the commands. Public facts only: never a secret.

use std::fmt::Write;

use super::{CombineReport, VerifiedShare};

mod generation;
use crate::encoding::hexfmt::fingerprint_display;
pub use generation::generated;

const BANNER: &str = "*** REHEARSAL — throwaway key, NOT A REAL ROOT ***";

/// The widest line a summary prints (an 80-column terminal). Only a path or a name longer
/// than the terminal itself can make a line wider.
pub const WIDTH: usize = 80;

/// `name` quoted for a POSIX shell when it needs it (spaces, quotes, `$`, …), as is otherwise.
pub fn shell_word(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    }
}

/// `label` then `value` on one line when it fits in [`WIDTH`], else `value` alone on the next
/// line indented by `indent` (a path is never broken).
fn label_value(s: &mut String, label: &str, value: &str, indent: usize) {
    if label.chars().count() + 1 + value.chars().count() <= WIDTH {
        let _ = writeln!(s, "{label} {value}");
    } else {
        let _ = writeln!(s, "{label}\n{}{value}", " ".repeat(indent));
    }
}

/// A fingerprint as two lines of eight groups, `SHA256:` on the first, the second aligned
/// under it after `indent` columns.
fn fingerprint_lines(fp: &[u8; 32], indent: usize) -> String {
    crate::encoding::hexfmt::hex_lines(fp, indent + "SHA256:".len())
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("SHA256:{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Shown as soon as the root certificate is signed (step `sign-root-certificate`): its
/// fingerprint in hex and PGP words, for the witness to read aloud while the holders write it
/// down (the generation's result repeats it).
pub fn root_signed(fp: &[u8; 32]) -> String {
    let mut s = String::from("Root certificate signed. Its fingerprint, to read aloud:\n");
    let _ = writeln!(s, "  {}", fingerprint_lines(fp, 2));
    for l in pgp_word_lines(fp, 2) {
        let _ = writeln!(s, "{l}");
    }
    s
}

/// The fingerprint as PGP words in rows at `indent` columns, within [`WIDTH`]
/// ([`crate::encoding::hexfmt::pgp_word_lines`]).
pub fn pgp_word_lines(h: &[u8; 32], indent: usize) -> Vec<String> {
    crate::encoding::hexfmt::pgp_word_lines(h, indent, WIDTH)
}

fn corrections(s: &mut String, list: &[(u8, crate::share::text::Correction)]) {
    for (i, c) in list {
        let _ = writeln!(
            s,
            "  note: share {i}, row {} — character {} was wrong and has been corrected;\n        check the paper",
            c.row, c.column
        );
    }
}

/// Summary of a combine: the quorum (one holder per line), the root it matches, the shares
/// beyond the quorum.
pub fn combined(r: &CombineReport) -> String {
    let mut s = String::new();
    if r.rehearsal {
        let _ = writeln!(s, "{BANNER}");
    }
    // In increasing share number, whatever order they were presented in.
    let mut quorum: Vec<&(u8, String)> = r.quorum.iter().collect();
    quorum.sort_by_key(|(i, _)| *i);
    let _ = writeln!(
        s,
        "Quorum: shares {} rebuilt the root key",
        and_list(quorum.iter().map(|(i, _)| i.to_string()).collect())
    );
    for (i, h) in quorum {
        let _ = writeln!(s, "  share {i:>2}  {h}");
    }
    let _ = writeln!(s, "It matches the root certificate");
    let _ = writeln!(s, "  {}", r.subject);
    let _ = writeln!(s, "  {}", fingerprint_lines(&r.fingerprint, 2));
    for (i, h) in &r.agreeing {
        let _ = writeln!(s, "  share {i} ({h}) also agrees");
    }
    for (i, h, origin) in &r.disagreeing {
        let _ = writeln!(
            s,
            "  PROBLEM: share {i} ({h}, {origin}) does NOT agree with the quorum\n    — it would rebuild another key"
        );
    }
    corrections(&mut s, &r.corrections);
    if !r.memory_locked {
        let _ = writeln!(
            s,
            "WARNING: secret memory was NOT locked (--allow-unlocked-memory)"
        );
    }
    let _ = writeln!(s, "The rebuilt key has been wiped from memory.");
    s
}

/// "1", "1 and 3", "1, 3 and 5".
fn and_list(mut items: Vec<String>) -> String {
    match items.len() {
        0 => String::new(),
        1 => items.remove(0),
        _ => {
            let last = items.pop().unwrap_or_default();
            format!("{} and {last}", items.join(", "))
        }
    }
}

/// The written files of a signing ceremony and the commands that check them, typed in the
/// output directory (`cd DIR` first): every line short, whatever the directory's length.
fn written_and_checks(
    s: &mut String,
    out: &std::path::Path,
    files: &[(&str, &str)],
    checks: &[String],
) {
    label_value(s, "Written to", &out.display().to_string(), 2);
    for (name, note) in files {
        if note.is_empty() {
            let _ = writeln!(s, "  {name}");
        } else {
            let _ = writeln!(s, "  {name}  ({note})");
        }
    }
    let _ = writeln!(s, "Check it:");
    let _ = writeln!(s, "  cd {}", shell_word(&out.display().to_string()));
    for c in checks {
        let _ = writeln!(s, "  {c}");
    }
}

fn confirmers(c: &[crate::console::Confirmation]) -> String {
    and_list(c.iter().map(|c| format!("\"{}\"", c.name)).collect())
}

/// Summary of `intermediate sign`: the quorum, the certificate, the files written in `out`
/// and the commands that check them (`root` is the root certificate's copy in `out`).
pub fn rotated(r: &super::IntermediateReport, out: &std::path::Path, root: &str) -> String {
    use super::{CHAIN_FILE, INTERMEDIATE_FILE};
    let mut s = combined(&r.quorum);
    let _ = writeln!(s, "\nINTERMEDIATE SIGNED: {}", r.draft.subject);
    let _ = writeln!(
        s,
        "  serial {}",
        crate::encoding::hexfmt::serial_display(&r.draft.serial)
    );
    let _ = writeln!(s, "  valid {} to {}", r.draft.not_before, r.draft.not_after);
    let _ = writeln!(
        s,
        "  certificate SHA-256 {}",
        crate::encoding::hexfmt::hex_lines(&r.certificate_sha256, 22)
    );
    let _ = writeln!(s, "  confirmed by {}", confirmers(&r.confirmations));
    let root = shell_word(root);
    let t = crate::transcript::FILE_NAME;
    let vault = format!("for Vault: pki/intermediate/set-signed certificate=@{CHAIN_FILE}");
    written_and_checks(
        &mut s,
        out,
        &[
            (INTERMEDIATE_FILE, ""),
            (CHAIN_FILE, "intermediate then root"),
            (t, "sealed by the root key"),
        ],
        &[
            format!("openssl verify -CAfile {root} {INTERMEDIATE_FILE}"),
            format!("rootkey chain verify --root {root} {INTERMEDIATE_FILE}"),
            format!("rootkey transcript verify {t} --root {root} --artifacts ."),
        ],
    );
    let _ = writeln!(s, "Then, {vault}");
    s
}

/// Summary of `crl sign`, as [`rotated`] for a CRL.
pub fn crl_signed(r: &super::CrlReport, out: &std::path::Path, root: &str) -> String {
    use super::{CRL_FILE, CRL_PEM_FILE};
    let mut s = combined(&r.quorum);
    let _ = writeln!(
        s,
        "\nCRL SIGNED: number {}, {} revoked certificate(s)",
        crate::encoding::hexfmt::serial_display(&r.draft.number),
        r.draft.revoked.len()
    );
    let _ = writeln!(s, "  next update {}", r.draft.next_update);
    let _ = writeln!(
        s,
        "  CRL SHA-256 {}",
        crate::encoding::hexfmt::hex_lines(&r.crl_sha256, 14)
    );
    let _ = writeln!(s, "  confirmed by {}", confirmers(&r.confirmations));
    let root = shell_word(root);
    let t = crate::transcript::FILE_NAME;
    written_and_checks(
        &mut s,
        out,
        &[
            (CRL_FILE, "DER"),
            (CRL_PEM_FILE, "PEM"),
            (t, "sealed by the root key"),
        ],
        &[
            format!("openssl crl -in {CRL_PEM_FILE} -noout -verify -CAfile {root}"),
            format!("rootkey transcript verify {t} --root {root} --artifacts ."),
        ],
    );
    s
}

/// Summary of a single-share verification.
pub fn verified(v: &VerifiedShare, rehearsal: bool, fp: &[u8; 32]) -> String {
    let mut s = String::new();
    if rehearsal {
        let _ = writeln!(s, "{BANNER}");
    }
    let h = v.envelope.header();
    let _ = writeln!(
        s,
        "OK: share {} of {} (threshold {}) of holder \"{}\" is authentic",
        h.index, h.n, h.k, v.entry.holder
    );
    let _ = writeln!(s, "  holder's role: {}", v.entry.role);
    let _ = writeln!(
        s,
        "  its digest is listed in the manifest signed by the root key\n  {}",
        fingerprint_lines(fp, 2)
    );
    let list: Vec<_> = v.corrections.iter().map(|c| (h.index, c.clone())).collect();
    corrections(&mut s, &list);
    s
}

/// `text` after `first` (the first line's start), wrapped at spaces to [`WIDTH`]; further
/// lines start with `indent` spaces. A word longer than a line stays whole.
pub fn wrapped(first: &str, text: &str, indent: usize) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut fresh = true;
    for w in text.split(' ').filter(|w| !w.is_empty()) {
        if !fresh && line.chars().count() + 1 + w.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
            fresh = true;
        }
        if !fresh {
            line.push(' ');
        }
        line.push_str(w);
        fresh = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// Summary of a transcript replay (`transcript verify`). One line per check, as the tests
/// and the auditor guide quote them (an outcome may pass 80 columns).
pub fn replayed(r: &crate::transcript::verify::Replay) -> String {
    let mut s = String::new();
    if let Some(h) = &r.header {
        if h.rehearsal {
            let _ = writeln!(s, "{BANNER}");
        }
        let of = if h.plan.is_some() {
            ""
        } else {
            " for the root of"
        };
        let _ = writeln!(
            s,
            "Transcript {} — {} ceremony{of} \"{}\", id {}",
            r.path,
            h.kind.as_str(),
            h.name,
            h.id
        );
        let _ = writeln!(
            s,
            "  recorded by rootkey {}, binary SHA-256 {}",
            h.tool_version, h.binary_sha256
        );
    } else {
        let _ = writeln!(s, "Transcript {}", r.path);
    }
    let _ = writeln!(
        s,
        "  {} entries, file SHA-256 {}",
        r.entries.len(),
        hex::encode(r.file_sha256)
    );
    for (what, outcome) in &r.checks {
        let _ = writeln!(s, "  {what:<17} {outcome}");
    }
    let _ = writeln!(s, "Result: {}", crate::transcript::report::verdict_line(r));
    s
}

/// Summary of `transcript attest`.
pub fn attested(a: &crate::transcript::AttestReport, name: &str) -> String {
    let (by, head) = if a.completed_audit {
        (
            "complete (not sealed), checked against",
            "completed head\n   ",
        )
    } else {
        ("sealed by", "sealed head")
    };
    let mut s = format!(
        "Attested by \"{name}\", key\n  {}\n  {} ceremony \"{}\"\n  ceremony id {}\n  {by} the root key of the given root.pem\n  {}\n  {head} {}\n  ({} entries)\n",
        fingerprint_lines(&crate::cert::fingerprint(&a.public_key), 2),
        a.ceremony.0,
        a.ceremony.1,
        a.ceremony.2,
        fingerprint_lines(&crate::cert::fingerprint(&a.seal_key), 2),
        hex::encode(a.head),
        a.entries,
    );
    label_value(
        &mut s,
        &format!("  attestation seq {} appended to", a.seq),
        &a.path.display().to_string(),
        4,
    );
    s
}

/// Summary of a quorum check (`combine`): the quorum, then where its sealed transcript is.
pub fn quorum_checked(r: &CombineReport, transcript: &std::path::Path) -> String {
    let mut s = combined(r);
    label_value(
        &mut s,
        "Transcript (sealed by the rebuilt key):",
        &transcript.display().to_string(),
        2,
    );
    s
}

/// What `chain verify` prints.
pub fn chain(r: &crate::cert::chain::Report, root: &crate::cert::RootCert) -> String {
    let mut s = format!(
        "Trusted root: {}\n  {}\nTime checked: {}\n",
        root.subject,
        fingerprint_display(&root.fingerprint),
        r.at
    );
    if let Some(c) = &r.crl {
        s.push_str(&format!("CRL: {c}\n"));
    }
    for v in &r.verdicts {
        match &v.failure {
            None => s.push_str(&format!(
                "OK       {} ({})\n  subject {}, serial {}\n  path: {}\n",
                v.origin,
                "verifies",
                v.subject,
                v.serial,
                v.path.join(" <- ")
            )),
            Some(f) => s.push_str(&format!(
                "INVALID  {}\n  subject {}, serial {}\n  {f}\n",
                v.origin, v.subject, v.serial
            )),
        }
        for n in &v.notes {
            s.push_str(&format!("  note: {n}\n"));
        }
    }
    let bad = r.verdicts.iter().filter(|v| v.failure.is_some()).count();
    if bad == 0 {
        s.push_str(&format!(
            "All {} certificate(s) verify.\n",
            r.verdicts.len()
        ));
    } else {
        s.push_str(&format!(
            "{bad} of {} certificate(s) do NOT verify.\n",
            r.verdicts.len()
        ));
    }
    s
}
