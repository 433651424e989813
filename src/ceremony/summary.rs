//! Human-readable summaries printed by the commands. Public facts only: never a secret.

use std::fmt::Write;

use super::{CombineReport, GenerateReport, VerifiedShare};
use crate::encoding::hexfmt::fingerprint_display;

const BANNER: &str = "*** REHEARSAL — throwaway key, NOT A REAL ROOT ***";

/// Summary of a generation ceremony.
pub fn generated(r: &GenerateReport) -> String {
    let mut s = String::new();
    if r.rehearsal {
        let _ = writeln!(s, "{BANNER}");
    }
    let _ = writeln!(s, "Generated root key and certificate");
    let _ = writeln!(s, "  ceremony id   {}", r.ceremony_id);
    let _ = writeln!(s, "  subject       {}", r.subject);
    let _ = writeln!(s, "  fingerprint   {}", fingerprint_display(&r.fingerprint));
    let _ = writeln!(s, "  certificate   {}", r.root_path.display());
    let _ = writeln!(s, "  manifest      {}", r.manifest_path.display());
    if let Some(t) = &r.transcript_path {
        let _ = writeln!(s, "  transcript    {}", t.display());
    }
    let _ = writeln!(
        s,
        "Split {}-of-{}: all {} subsets of {} shares were recombined and rebuild the key",
        r.threshold,
        r.shares.len(),
        r.subsets_checked,
        r.threshold
    );
    for (i, holder, path) in &r.shares {
        if r.printed.iter().any(|(p, _)| p == i) {
            let _ = writeln!(
                s,
                "  share {i:>2}  {holder:<28} paper shard sent to the printer (no file)"
            );
        } else if path.extension().is_some_and(|e| e == "token") {
            // A token payload is public (0644): useless without the holder's token.
            let _ = writeln!(
                s,
                "  share {i:>2}  {holder:<28} on the token; payload {} (0644)",
                path.display()
            );
        } else {
            let _ = writeln!(s, "  share {i:>2}  {holder:<28} {} (0600)", path.display());
        }
    }
    if r.shares
        .iter()
        .any(|(_, _, p)| p.extension().is_some_and(|e| e == "pdf"))
        && r.printed.is_empty()
    {
        let dir = r
            .root_path
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "Print the paper shards (share-NN-*.pdf) at 100 %, then run: rootkey paper wipe {dir}"
        );
    }
    if !r.memory_locked {
        let _ = writeln!(
            s,
            "WARNING: secret memory was NOT locked (--allow-unlocked-memory); recorded in the manifest"
        );
    }
    if r.sealed {
        let _ = writeln!(
            s,
            "The root key sealed the transcript and has been wiped from memory."
        );
    } else {
        let _ = writeln!(s, "The root key has been wiped from memory.");
    }
    s
}

fn corrections(s: &mut String, list: &[(u8, crate::share::text::Correction)]) {
    for (i, c) in list {
        let _ = writeln!(
            s,
            "  note: share {i}, row {} — character {} was wrong and has been corrected; check the paper",
            c.row, c.column
        );
    }
}

/// Summary of a combine.
pub fn combined(r: &CombineReport) -> String {
    let mut s = String::new();
    if r.rehearsal {
        let _ = writeln!(s, "{BANNER}");
    }
    let q: Vec<String> = r.quorum.iter().map(|(i, h)| format!("{i} ({h})")).collect();
    let _ = writeln!(s, "Quorum: shares {} rebuilt the root key", q.join(", "));
    let _ = writeln!(
        s,
        "  it matches the root certificate {} ({})",
        r.subject,
        fingerprint_display(&r.fingerprint)
    );
    for (i, h) in &r.agreeing {
        let _ = writeln!(s, "  share {i} ({h}) also agrees");
    }
    for (i, h, origin) in &r.disagreeing {
        let _ = writeln!(
            s,
            "  PROBLEM: share {i} ({h}, {origin}) does NOT agree with the quorum — it would rebuild another key"
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

/// Summary of a single-share verification.
pub fn verified(v: &VerifiedShare, rehearsal: bool, fp: &[u8; 32]) -> String {
    let mut s = String::new();
    if rehearsal {
        let _ = writeln!(s, "{BANNER}");
    }
    let h = v.envelope.header();
    let _ = writeln!(
        s,
        "OK: share {} of {} (threshold {}) of holder \"{}\" ({}) is authentic",
        h.index, h.n, h.k, v.entry.holder, v.entry.role
    );
    let _ = writeln!(
        s,
        "  its digest is listed in the manifest signed by the root key {}",
        fingerprint_display(fp)
    );
    let list: Vec<_> = v.corrections.iter().map(|c| (h.index, c.clone())).collect();
    corrections(&mut s, &list);
    s
}

/// Summary of a transcript replay (`transcript verify`).
pub fn replayed(r: &crate::transcript::verify::Replay) -> String {
    let mut s = String::new();
    if let Some(h) = &r.header {
        if h.rehearsal {
            let _ = writeln!(s, "{BANNER}");
        }
        let _ = writeln!(
            s,
            "Transcript {} — {} ceremony \"{}\", id {}",
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
    format!(
        "Attested by \"{name}\" (key {})\n  {} ceremony \"{}\", id {}\n  sealed by root key {} (the given root.pem)\n  sealed head {} ({} entries)\n  attestation seq {} appended to {}\n",
        fingerprint_display(&crate::cert::fingerprint(&a.public_key)),
        a.ceremony.0,
        a.ceremony.1,
        a.ceremony.2,
        fingerprint_display(&crate::cert::fingerprint(&a.seal_key)),
        hex::encode(a.head),
        a.entries,
        a.seq,
        a.path.display()
    )
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
