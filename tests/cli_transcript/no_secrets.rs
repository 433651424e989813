//! Nothing secret is ever written to a transcript, an attestation or a report.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use crate::common::*;
use crate::fixture::*;

// ---------------------------------------------------------------------------------------------
// 13. Nothing secret
// ---------------------------------------------------------------------------------------------

fn assert_no_secret(what: &Path, secrets: &Secrets) {
    let text = String::from_utf8_lossy(&fs::read(what).unwrap()).into_owned();
    assert!(!secrets.0.is_empty());
    for p in &secrets.0 {
        assert!(
            !text.contains(p.as_str()),
            "{} holds a secret share row {p:?}",
            what.display()
        );
    }
}

#[test]
fn no_share_row_appears_in_any_transcript_attestation_or_report() {
    let f = fixture();
    // The check itself works: a share file does hold its rows.
    let share = Ceremony::open(&f.dir).share(1).to_path_buf();
    let text = fs::read_to_string(&share).unwrap();
    assert!(f.secrets.0.iter().any(|p| text.contains(p.as_str())));

    let t = TempDir::new().unwrap();
    let (_, aborted) = aborted_combine(&t);
    let (key, _) = witness_key(t.path(), "carol");
    let (_t2, tr, att) = transcript_copy();
    attest(&tr, &key, "Carol Witness").ok();
    let rep = t.path().join("report.md");
    report(&tr, &rep, &[]).ok();
    let rep_aborted = t.path().join("aborted.md");
    report(&aborted, &rep_aborted, &[]);
    for p in [f.transcript(), aborted, att, rep, rep_aborted] {
        assert_no_secret(&p, &f.secrets);
    }
}
