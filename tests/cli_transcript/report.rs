//! `transcript report`: the auditor's Markdown and PDF reports of a valid and of a tampered
//! transcript, the PDF read back by poppler's pdftotext.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::*;
use crate::fixture::*;

// ---------------------------------------------------------------------------------------------
// 12. The auditor's report
// ---------------------------------------------------------------------------------------------

/// What the timeline says for an entry (a fragment of its description).
fn timeline_fragment(entry: &Value) -> String {
    let d = &entry["details"];
    let g = |k: &str| match &d[k] {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    match entry["action"].as_str().unwrap() {
        "header" => "rehearsal ceremony \"Rehearsal root generation\" started".into(),
        "entropy" => "seed from the OS random generator".into(),
        "key-generated" => "root key generated: SHA256:".into(),
        "shares-split" => "seed split 3-of-5; all 10 subsets recombined".into(),
        "certificate-signed" => format!("root certificate \"{}\"", g("subject")),
        "share-written" => format!("share {} for {} (", g("index"), g("holder")),
        "artifact-written" => format!("{} written, SHA-256 ", g("file")),
        "key-wiped" => "generated key wiped before the rebuild".into(),
        "context-loaded" => "root.pem and manifest.json loaded and verified".into(),
        "share-presented" => format!("{} presented share {} (", g("holder"), g("index")),
        "key-rebuilt" => "root key rebuilt from shares".into(),
        "seal" => "transcript sealed by root key SHA256:".into(),
        other => panic!("unexpected action {other}"),
    }
}

#[test]
fn the_report_of_a_valid_rehearsal_has_the_timeline_verdict_holders_and_hashes() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let out = t.path().join("report.md");
    let r = report(
        &f.transcript(),
        &out,
        &[
            OsStr::new("--root"),
            f.dir.join("root.pem").as_os_str(),
            OsStr::new("--artifacts"),
            f.dir.as_os_str(),
        ],
    );
    r.ok()
        .stdout_has(&["report written", "Result: VALID and SEALED"]);
    let md = fs::read_to_string(&out).unwrap();
    assert_eq!(mode(&out), 0o644);
    for needle in [
        "# Ceremony transcript report",
        "VALID and SEALED",
        "## Timeline",
        "Auditor 1",
        "Auditor 2",
    ] {
        assert!(md.contains(needle), "report lacks {needle:?}:\n{md}");
    }
    for h in REHEARSAL_HOLDERS {
        assert!(md.contains(h), "report lacks holder {h}:\n{md}");
    }
    for file in ["root.pem", "manifest.json"] {
        let h = sha256_hex(&fs::read(f.dir.join(file)).unwrap());
        assert!(
            md.contains(&format!("| {file} | {h} |")),
            "report lacks {file}'s SHA-256 {h}:\n{md}"
        );
    }
    // One timeline row per entry, steps 0…18, each with its time and description.
    for (i, l) in f.lines.iter().enumerate() {
        let v = json(l);
        let prefix = format!("| {i} | {} | ", v["time"].as_str().unwrap());
        let row = md
            .lines()
            .find(|r| r.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no timeline row {prefix:?}:\n{md}"));
        let what = timeline_fragment(&v);
        assert!(row.contains(&what), "step {i}: {row:?} lacks {what:?}");
    }
    assert!(!md.contains("| 19 | "), "a step too many:\n{md}");

    // An existing report is never overwritten.
    let before = fs::read(&out).unwrap();
    let r = report(&f.transcript(), &out, &[]);
    assert_ne!(r.code, 0, "{r:#?}");
    r.single_error().stderr_has(&[&out.display().to_string()]);
    assert_eq!(fs::read(&out).unwrap(), before);
}

#[test]
fn the_report_of_a_tampered_transcript_is_written_and_says_invalid() {
    let f = fixture();
    let mut lines = f.lines.clone();
    lines.remove(4);
    let t = TempDir::new().unwrap();
    let tr = t.path().join("transcript.jsonl");
    fs::write(&tr, joined(&lines)).unwrap();
    let out = t.path().join("report.md");
    let r = report(&tr, &out, &[]);
    r.stdout_has(&["report written"]);
    invalid(&r, &tr)
        .culprit_is("entry seq 4 (line 5)")
        .kind_in(&["deleted"]);
    let md = fs::read_to_string(&out).unwrap();
    assert!(md.contains("INVALID"), "{md}");
    assert!(md.contains("(line 5): deleted"), "{md}");
    assert!(!md.contains("VALID and SEALED"), "{md}");
}

fn pdftotext(pdf: &Path, extra: &[&str]) -> String {
    let out = StdCommand::new("pdftotext")
        .args(extra)
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed to run these tests");
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The PDF report, read back by poppler (an independent PDF reader), says what the Markdown
/// report says, on every page of a rehearsal carries the REHEARSAL watermark, and is the same
/// bytes when rendered twice.
#[test]
fn the_pdf_report_reads_back_with_pdftotext() {
    let f = fixture();
    let t = TempDir::new().unwrap();
    let pdf = t.path().join("report.pdf");
    let root = f.dir.join("root.pem");
    let args = [
        OsStr::new("--root"),
        root.as_os_str(),
        OsStr::new("--pdf"),
        pdf.as_os_str(),
    ];
    report(&f.transcript(), &t.path().join("report.md"), &args)
        .ok()
        .stdout_has(&["report.pdf"]);
    assert_eq!(mode(&pdf), 0o644);
    let text = pdftotext(&pdf, &["-layout"]);
    for needle in [
        "Ceremony transcript report",
        "Result: VALID and SEALED",
        "Timeline",
        "Witness attestations",
        "Auditor 1",
        "Auditor 2",
        "page 1 of",
    ] {
        assert!(text.contains(needle), "PDF lacks {needle:?}:\n{text}");
    }
    for h in REHEARSAL_HOLDERS {
        assert!(text.contains(h), "PDF lacks holder {h}:\n{text}");
    }
    let pages = text.matches('\u{c}').count();
    assert!(pages >= 2, "expected a multi-page report, got {pages}");
    for page in 1..=pages {
        // The diagonal watermark comes out one letter per line, first on each page.
        let p = page.to_string();
        let raw = pdftotext(&pdf, &["-raw", "-f", &p, "-l", &p]);
        let letters: String = raw.split_whitespace().take(9).collect();
        assert_eq!(letters, "REHEARSAL", "watermark on page {page}");
    }

    // Rendering again gives the same bytes (the report can be hashed and signed).
    let pdf2 = t.path().join("report2.pdf");
    let args2 = [
        OsStr::new("--root"),
        root.as_os_str(),
        OsStr::new("--pdf"),
        pdf2.as_os_str(),
    ];
    report(&f.transcript(), &t.path().join("report2.md"), &args2).ok();
    assert_eq!(fs::read(&pdf).unwrap(), fs::read(&pdf2).unwrap());

    // An existing PDF is never overwritten, and then no Markdown is written either.
    let md3 = t.path().join("report3.md");
    let before = fs::read(&pdf).unwrap();
    let r = report(&f.transcript(), &md3, &args);
    assert_ne!(r.code, 0);
    r.single_error().stderr_has(&["already exists"]);
    assert_eq!(fs::read(&pdf).unwrap(), before);
    assert!(!md3.exists());
}
