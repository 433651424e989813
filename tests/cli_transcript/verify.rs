//! `transcript verify` with what the transcript names (artifacts, the plan, the root
//! certificate), fields a hostile transcript fills with strings the verifier slices, and the
//! independent Python verifier agreeing with rootkey on the real transcript and tampered copies.

use std::ffi::OsStr;
use std::fs;
use std::path::Path;
use std::process::Command as StdCommand;

use crate::common::*;
use crate::fixture::*;

// ---------------------------------------------------------------------------------------------
// 8. Artifacts, 9. plan
// ---------------------------------------------------------------------------------------------

#[test]
fn artifacts_changed_or_missing_after_the_ceremony_are_named() {
    let (_t, dir) = copy_of_rehearsal();
    let tr = dir.join("transcript.jsonl");
    let artifacts = [OsStr::new("--artifacts"), dir.as_os_str()];
    verify(&tr, &artifacts)
        .ok()
        .stdout_has(&["Result: VALID and SEALED"]);
    // (file, the entry that recorded it first)
    for (file, entry) in [
        ("root.pem", "entry seq 10 (line 11)"),
        ("manifest.json", "entry seq 11 (line 12)"),
    ] {
        let p = dir.join(file);
        let original = fs::read(&p).unwrap();
        let mut more = original.clone();
        more.push(b'\n');
        fs::write(&p, &more).unwrap();
        invalid(&verify(&tr, &artifacts), &tr)
            .culprit_is(entry)
            .kind_in(&["artifact"])
            .says(&[&p.display().to_string(), "modified after the ceremony"]);

        fs::remove_file(&p).unwrap();
        invalid(&verify(&tr, &artifacts), &tr)
            .culprit_is(entry)
            .kind_in(&["artifact"])
            .says(&[&format!("{file} cannot be checked")]);

        fs::write(&p, &original).unwrap();
        verify(&tr, &artifacts).ok();
    }
}

#[test]
fn only_the_recorded_plan_is_accepted() {
    let tr = fixture().transcript();
    verify(
        &tr,
        &[
            OsStr::new("--plan"),
            repo_path("ceremony-scripts/rehearsal.toml").as_os_str(),
        ],
    )
    .ok()
    .stdout_has(&["Result: VALID and SEALED"]);
    let other = repo_path("ceremony-scripts/root-generation.toml");
    invalid(
        &verify(&tr, &[OsStr::new("--plan"), other.as_os_str()]),
        &tr,
    )
    .culprit_is("entry seq 0 (line 1)")
    .kind_in(&["plan"])
    .says(&["root-generation.toml", "rehearsal.toml"]);
}

#[test]
fn the_rehearsal_verifies_against_everything_it_names() {
    let f = fixture();
    let rehearsal_plan = repo_path("ceremony-scripts/rehearsal.toml");
    verify(
        &f.transcript(),
        &[
            OsStr::new("--root"),
            f.dir.join("root.pem").as_os_str(),
            OsStr::new("--artifacts"),
            f.dir.as_os_str(),
            OsStr::new("--plan"),
            rehearsal_plan.as_os_str(),
        ],
    )
    .ok()
    .stdout_has(&["19 entries", "Result: VALID and SEALED"]);
    assert_eq!(mode(&f.transcript()), 0o644);
}

/// Hostile strings in fields the verifier slices or shortens never crash it (exit 101): a
/// multi-byte character where a time's `Z` belongs, a non-hex digest in the report.
#[test]
fn hostile_field_contents_are_refused_without_a_crash() {
    for bad in ["2036-11-23T01:46:3é", "2036-11-23T01:46:32X"] {
        let lines = reforged(|v| {
            if v["action"] == "certificate-signed" {
                v["details"]["not_after"] = bad.into();
            }
        });
        let c = tampered(&lines);
        c.invalid()
            .culprit_is("entry seq 4 (line 5)")
            .kind_in(&["malformed"])
            .says(&["not_after", "YYYY-MM-DDTHH:MM:SSZ"]);
    }
    // The report of a transcript with a non-hex, non-ASCII digest is still written.
    let mut lines = fixture().lines.clone();
    let mut v = json(&lines[5]);
    v["details"]["envelope_sha256"] = format!("{}é{}", "a".repeat(15), "b".repeat(48)).into();
    lines[5] = canonical(&v);
    let c = tampered(&lines);
    let out = c.transcript.with_file_name("report.md");
    let r = report(&c.transcript, &out, &[]);
    r.code(1);
    assert!(fs::read_to_string(&out).unwrap().contains("INVALID"));
}

/// The independent Python verifier (written from docs/formats.md alone) accepts the real
/// rehearsal transcript and blames the same line as rootkey for tampered copies.
#[test]
fn the_independent_python_verifier_agrees_on_real_transcripts() {
    let f = fixture();
    let script = repo_path("tests/vectors/independent_transcript_check.py");
    let py = |t: &Path, extra: &[&OsStr]| -> Option<(i32, String)> {
        let out = StdCommand::new("python3")
            .arg(&script)
            .arg(t)
            .args(extra)
            .output()
            .ok()?;
        Some((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ))
    };
    let plan = repo_path("ceremony-scripts/rehearsal.toml");
    let root = f.dir.join("root.pem");
    let Some((code, out)) = py(
        &f.transcript(),
        &[
            OsStr::new("--root"),
            root.as_os_str(),
            OsStr::new("--artifacts"),
            f.dir.as_os_str(),
            OsStr::new("--plan"),
            plan.as_os_str(),
        ],
    ) else {
        println!("note: python3 not available; independent check skipped");
        return;
    };
    assert_eq!((code, out.trim()), (0, "VALID SEALED"));
    // Deleting, swapping and flipping: both tools refuse, naming the same line.
    let mut cases: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    for i in [1, 7, 12] {
        let mut l = f.lines.clone();
        l.remove(i);
        cases.push((format!("delete {i}"), l));
        let mut l = f.lines.clone();
        l.swap(i, i + 1);
        cases.push((format!("swap {i}"), l));
        let mut l = f.lines.clone();
        let mid = l[i].len() / 2;
        l[i][mid] ^= 1;
        cases.push((format!("flip {i}"), l));
    }
    for (what, lines) in cases {
        let c = tampered(&lines);
        assert_eq!(c.run.code, 1, "{what}: rootkey");
        let (code, out) = py(&c.transcript, &[]).unwrap();
        assert_eq!(code, 1, "{what}: python says {out}");
        let line: usize = out
            .split("line=")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{what}: no line in {out}"));
        assert!(
            c.run.stderr.contains(&format!("line {line}"))
                || c.run.stderr.contains(&format!("lines {line} and")),
            "{what}: python blames line {line} ({out}), rootkey says {}",
            c.run.stderr
        );
    }
}
