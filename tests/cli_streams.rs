//! Output that cannot be written, through the real binary: for every command family, standard
//! output to `/dev/full` (ENOSPC), standard error to `/dev/full`, and either stream to a pipe
//! whose reading end is closed before the child starts (EPIPE, deterministic; Rust ignores
//! SIGPIPE, so this is an error, not a signal). No run panics (exit 101, "panicked"); a lost
//! result is exit 4 with a message naming the output; a ceremony whose summary is lost after
//! the seal says it is sealed (and the transcript verifies sealed); a ceremony whose
//! confirmation summary cannot be shown aborts (transcript ends with `aborted`, exit 3 from
//! `transcript verify`, nothing signed); when only standard error fails, the exit code is the
//! one the command would have had, or 4 if what was lost was a warning.

mod common;
mod streams_support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use tempfile::TempDir;

use common::{rootkey, s};
use streams_support::*;
#[test]
fn help_version_and_usage_errors() {
    for a in [
        &["--help"][..],
        &["--version"],
        &["share", "verify", "--help"],
    ] {
        let what = if a == ["--version"] {
            "the version"
        } else {
            "the help"
        };
        for sink in ALL {
            let r = run_to(sink, a);
            match sink {
                Sink::OutFull | Sink::OutClosed => {
                    r.code(ENVIRONMENT);
                    assert_eq!(
                        r.stderr,
                        format!("error: {}\n  next step: {OUT_HINT}\n", lost(what, sink)),
                        "{}",
                        r.what
                    );
                }
                Sink::ErrFull | Sink::ErrClosed => {
                    r.ok();
                    assert!(r.stdout.contains("rootkey"), "{}", r.stdout);
                }
            }
        }
    }
    // A usage error whose message cannot be shown is still a usage error.
    for sink in [Sink::ErrFull, Sink::ErrClosed] {
        run_to(sink, &["share", "verify", "--bogus"]).code(common::USAGE);
    }
    run_to(Sink::OutFull, &["share", "verify", "--bogus"])
        .code(common::USAGE)
        .stderr_has(&["--bogus"]);
}

#[test]
fn chain_verify_golden_message_and_codes() {
    let f = fixture();
    let inter = s(&f.rotation.join("intermediate.pem"));
    let root = s(&f.c.root);
    let ok = ["chain", "verify", "--root", &root, &inter];
    // The golden message of a lost summary, exactly.
    let r = run_to(Sink::OutFull, &ok);
    r.code(ENVIRONMENT);
    assert_eq!(
        r.stderr,
        "error: could not write the summary to standard output: No space left on device\n  \
next step: make room where standard output goes, or keep the reading end of its pipe open until rootkey exits\n"
    );
    run_to(Sink::OutClosed, &ok)
        .code(ENVIRONMENT)
        .stderr_has(&[&lost("the summary", Sink::OutClosed)]);
    for sink in [Sink::ErrFull, Sink::ErrClosed] {
        run_to(sink, &ok).ok().stdout_has(&["verify"]);
    }
    // A certificate that does not verify: the answer (3) stands when only stderr fails; when
    // the answer itself cannot be shown, 4.
    let late = [
        "chain",
        "verify",
        "--root",
        &root,
        "--at",
        "2100-01-01",
        &inter,
    ];
    rootkey(late).code(common::VERIFICATION);
    for sink in [Sink::ErrFull, Sink::ErrClosed] {
        run_to(sink, &late).code(common::VERIFICATION);
    }
    run_to(Sink::OutFull, &late).code(ENVIRONMENT);
}

#[test]
fn share_verify() {
    let c = &fixture().c;
    let a = [
        "share",
        "verify",
        &s(c.share(2)),
        "--manifest",
        &s(&c.manifest),
        "--root",
        &s(&c.root),
    ];
    for sink in hardened_sinks() {
        let r = run_to(sink, &a);
        r.no_secrets(&c.secrets);
        match sink {
            Sink::OutFull | Sink::OutClosed => {
                r.code(ENVIRONMENT)
                    .stderr_has(&[&lost("the summary", sink), OUT_HINT]);
            }
            _ => {
                r.ok();
            }
        }
    }
    // An error that cannot be shown keeps its exit code.
    let missing = s(&fixture().dir.join("no-such-share.txt"));
    let bad = [
        "share",
        "verify",
        &missing,
        "--manifest",
        &s(&c.manifest),
        "--root",
        &s(&c.root),
    ];
    for sink in hardened_sinks().into_iter().filter(|s| !s.is_stdout()) {
        run_to(sink, &bad).code(common::INPUT);
    }
}

#[test]
fn combine_says_it_is_sealed_when_its_summary_is_lost() {
    let c = &fixture().c;
    for sink in hardened_sinks() {
        let out = fresh("combine-");
        let r = run_to(sink, &combine_args(&out));
        r.no_secrets(&c.secrets);
        summary_lost_or_ok(&r, sink, &out);
        // Sealed in every case.
        assert_eq!(verify_code(&out), 0, "{sink:?}");
        assert_eq!(entries(&out).last().unwrap()["action"], "seal");
    }
}

#[test]
fn rehearse_and_paper_wipe() {
    for sink in hardened_sinks() {
        let out = fresh("rehearse-");
        let r = run_to(sink, &["rehearse", "--out", &s(&out)]);
        summary_lost_or_ok(&r, sink, &out);
        assert_eq!(verify_against(&out, &out.join("root.pem")), 0, "{sink:?}");
        // The wipe goes on when its list cannot be shown, and says it finished.
        let pdfs = || {
            fs::read_dir(&out)
                .unwrap()
                .filter(|e| e.as_ref().unwrap().path().extension() == Some("pdf".as_ref()))
                .count()
        };
        assert_eq!(pdfs(), 3);
        let w = run_to(sink, &["paper", "wipe", &s(&out)]);
        assert_eq!(pdfs(), 0, "{sink:?}: shards left behind");
        match sink {
            Sink::OutFull | Sink::OutClosed => {
                w.code(ENVIRONMENT).stderr_has(&[&format!(
                    "{} — every one of the 3 paper shard file(s) in {} was overwritten and removed",
                    lost("the list of wiped files", sink),
                    s(&out)
                )]);
            }
            _ => {
                w.ok();
            }
        }
    }
}

/// Asserts that the ceremony in `out` stopped before anything was signed or any share read,
/// with an `aborted` entry naming the lost confirmation summary.
fn assert_aborted_before_signing(out: &Path, issued: &[&str], sink: Sink) {
    let es = entries(out);
    let last = es.last().unwrap();
    assert_eq!(last["action"], "aborted", "{sink:?}: {last}");
    let reason = last["details"]["reason"].as_str().unwrap();
    // rootkey's reason starts with the step (docs/formats.md, "Abort").
    let (step, reason) = reason.split_once("): ").unwrap();
    assert!(
        step.starts_with("step ") && step.contains(" confirm-1 ("),
        "{step}"
    );
    assert_eq!(reason, lost("the confirmation summary", sink));
    for e in &es {
        let a = e["action"].as_str().unwrap();
        assert!(
            !matches!(a, "confirmed" | "share-checked" | "quorum" | "seal"),
            "{sink:?}: {a} recorded before the summary was shown"
        );
    }
    assert_eq!(verify_code(out), 3, "{sink:?}: not valid-and-unsealed");
    for f in issued {
        assert!(!out.join(f).exists(), "{sink:?}: {f} was written");
    }
}

fn confirmation_lost_stderr(sink: Sink) -> String {
    format!(
        "error: {}\n  next step: nothing was signed and no share was read; {OUT_HINT}, then run the ceremony again with a new --out directory\n",
        lost("the confirmation summary", sink)
    )
}

/// `intermediate sign --csr-sha256 … --confirm A --confirm B`: the first thing it writes to
/// standard output is the confirmation summary (the CSR is shown before the hash prompt only
/// when the hash is typed), so a broken standard output fails exactly there.
#[test]
fn intermediate_sign_aborts_when_the_confirmation_summary_is_lost() {
    let f = fixture();
    for sink in hardened_sinks() {
        let out = fresh("rotation-");
        let mut a = sign_args(&f.c, &f.csr, &f.csr_sha256, &out);
        a.extend(confirmers());
        let r = run_to(sink, &a);
        r.no_secrets(&f.c.secrets);
        match sink {
            Sink::OutFull | Sink::OutClosed => {
                r.code(ENVIRONMENT);
                assert_eq!(r.stderr, confirmation_lost_stderr(sink));
                assert_aborted_before_signing(
                    &out,
                    &["intermediate.pem", "intermediate-chain.pem"],
                    sink,
                );
            }
            _ => {
                r.ok();
                assert!(out.join("intermediate.pem").exists());
                assert_eq!(verify_code(&out), 0);
            }
        }
    }
}

/// Without `--csr-sha256` the CSR is shown before its hash is asked for: if it cannot be shown,
/// the ceremony does not start (no output directory, no terminal prompt).
#[test]
fn intermediate_sign_does_not_start_when_the_csr_cannot_be_shown() {
    let f = fixture();
    for sink in [Sink::OutFull, Sink::OutClosed] {
        let out = fresh("rotation-typed-");
        let mut a = sign_args(&f.c, &f.csr, &f.csr_sha256, &out);
        let at = a.iter().position(|x| x == "--csr-sha256").unwrap();
        a.drain(at..at + 2);
        a.extend(confirmers());
        let r = run_to(sink, &a);
        r.code(ENVIRONMENT);
        assert_eq!(
            r.stderr,
            format!(
                "error: {} — the ceremony did not start; nothing was signed\n  next step: {OUT_HINT}\n",
                lost("the CSR summary", sink)
            )
        );
        assert!(!out.exists(), "{sink:?}: the output directory was created");
    }
}

#[test]
fn generate_says_it_is_sealed_when_its_summary_is_lost() {
    for sink in [Sink::OutFull, Sink::OutClosed] {
        let out = fresh("generate-");
        let plan = common::text_rehearsal_plan();
        let r = run_to(sink, &["generate", "--plan", &s(&plan), "--out", &s(&out)]);
        r.code(ENVIRONMENT);
        assert_eq!(r.stderr, sealed_message("the summary", sink, &out));
        assert_eq!(verify_against(&out, &out.join("root.pem")), 0);
        assert_eq!(common::share_files(&out).len(), 5);
    }
}

#[test]
fn crl_sign_aborts_when_the_confirmation_summary_is_lost() {
    let c = &fixture().c;
    for sink in hardened_sinks() {
        let out = fresh("crl-");
        let mut a = args(&["crl", "sign", "--first-crl", "--root"]);
        a.extend([
            s(&c.root),
            "--manifest".into(),
            s(&c.manifest),
            "--out".into(),
            s(&out),
        ]);
        a.extend(shares(c, Some("--share")));
        a.extend(confirmers());
        let r = run_to(sink, &a);
        r.no_secrets(&c.secrets);
        match sink {
            Sink::OutFull | Sink::OutClosed => {
                r.code(ENVIRONMENT);
                assert_eq!(r.stderr, confirmation_lost_stderr(sink));
                assert_aborted_before_signing(&out, &["root.crl", "root.crl.pem"], sink);
            }
            _ => {
                r.ok();
                assert!(out.join("root.crl").exists());
            }
        }
    }
}

#[test]
fn transcript_verify_codes() {
    let f = fixture();
    let t = s(&f.rotation.join("transcript.jsonl"));
    let root = s(&f.c.root);
    let with_root = ["transcript", "verify", &t, "--root", &root];
    for sink in ALL {
        let r = run_to(sink, &with_root);
        match sink {
            Sink::OutFull | Sink::OutClosed => {
                r.code(ENVIRONMENT)
                    .stderr_has(&[&lost("the replay summary", sink)]);
            }
            _ => {
                r.ok();
            }
        }
    }
    // Without --root a sealed transcript comes with a warning: if it cannot be shown, the
    // answer is incomplete (4), not "valid and sealed".
    for sink in [Sink::ErrFull, Sink::ErrClosed] {
        run_to(sink, &["transcript", "verify", &t]).code(ENVIRONMENT);
    }
    // Invalid and unreadable transcripts stay invalid (1) when the reason cannot be shown.
    let bad = f.dir.join("tampered.jsonl");
    let text = fs::read_to_string(&t).unwrap();
    fs::write(&bad, text.replacen("Ann Officer", "Eve Officer", 1)).unwrap();
    let missing = s(&f.dir.join("missing.jsonl"));
    for path in [s(&bad), missing] {
        rootkey(["transcript", "verify", &path]).code(1);
        for sink in [Sink::ErrFull, Sink::ErrClosed] {
            run_to(sink, &["transcript", "verify", &path]).code(1);
        }
    }
}

#[test]
fn transcript_report_write_failures_are_the_environments() {
    let f = fixture();
    let t = s(&f.rotation.join("transcript.jsonl"));
    let root = s(&f.c.root);
    let report = |out: &Path, extra: &[&str]| {
        let mut a = args(&["transcript", "report", &t, "--root", &root, "--out"]);
        a.push(s(out));
        a.extend(extra.iter().map(|x| x.to_string()));
        a
    };
    // The report is written; only the summary on screen is lost.
    for sink in ALL {
        let out = fresh("report-").with_extension("md");
        let r = run_to(sink, &report(&out, &[]));
        assert!(out.exists(), "{sink:?}: report not written");
        match sink {
            Sink::OutFull | Sink::OutClosed => {
                r.code(ENVIRONMENT)
                    .stderr_has(&[&lost("the list of reports written", sink)]);
            }
            _ => {
                r.ok();
            }
        }
    }
    // A report that cannot be written: 4, never 1 ("invalid transcript").
    let nowhere = f.dir.join("no-such-dir").join("report.md");
    rootkey(report(&nowhere, &[])).code(ENVIRONMENT).stderr_has(&[
        &format!("{}: cannot create temporary file", s(&nowhere)),
        "next step: free space or choose a writable place for the report, then run `transcript report` again (the transcript was not changed)",
    ]);
    let md = fresh("report-").with_extension("md");
    let pdf = f.dir.join("no-such-dir").join("report.pdf");
    rootkey(report(&md, &["--pdf", &s(&pdf)]))
        .code(ENVIRONMENT)
        .stderr_has(&[&format!(
            "next step: {} was written and is complete; to get the PDF, free space or choose a writable place for it, then run `transcript report` again with another --out name (the transcript was not changed)",
            s(&md)
        )]);
    assert!(md.exists());
    // With --pdf and the list on screen lost, both reports are complete: nothing is left half
    // done for a second run to trip over.
    for sink in [Sink::OutFull, Sink::OutClosed] {
        let md = fresh("report-").with_extension("md");
        let pdf = md.with_extension("pdf");
        run_to(sink, &report(&md, &["--pdf", &s(&pdf)]))
            .code(ENVIRONMENT)
            .stderr_has(&[
                &format!(
                    "— {} and {} written; only the list on screen was lost",
                    s(&md),
                    s(&pdf)
                ),
                "next step: do not run the report again: the files are complete",
            ]);
        assert!(md.exists() && pdf.exists(), "{sink:?}: a report is missing");
    }
}

#[test]
fn transcript_attest() {
    let f = fixture();
    for sink in hardened_sinks() {
        let out = fresh("attest-");
        rootkey(combine_args(&out)).ok();
        let t = out.join("transcript.jsonl");
        let r = run_to(
            sink,
            &[
                "transcript",
                "attest",
                &s(&t),
                "--root",
                &s(&f.c.root),
                "--key",
                &s(&f.witness),
                "--name",
                "Wendy Witness",
            ],
        );
        let att = out.join("transcript.attestations");
        assert_eq!(
            fs::read_to_string(&att).unwrap().lines().count(),
            1,
            "{sink:?}"
        );
        match sink {
            Sink::OutFull | Sink::OutClosed => {
                r.code(ENVIRONMENT).stderr_has(&[
                    &format!(
                        "{} — the attestation was appended to {}; only its summary on screen was lost",
                        lost("the summary", sink),
                        s(&att)
                    ),
                    "next step: do not attest again",
                ]);
            }
            _ => {
                r.ok();
            }
        }
    }
}

/// `--print-to`: an `lp` that exits without reading the shard (an unknown printer) may break
/// the pipe rootkey writes the PDF into (or the PDF may already sit in the pipe's buffer: the
/// order is the scheduler's); either way the error is `lp`'s own reason, never a panic or a
/// bare "Broken pipe", and the generation is aborted in its transcript.
#[test]
fn print_to_an_lp_that_refuses_the_job() {
    use std::os::unix::fs::PermissionsExt;
    let t = TempDir::new().unwrap();
    let bin = t.path().join("bin");
    fs::create_dir_all(&bin).unwrap();
    let lp = bin.join("lp");
    fs::write(
        &lp,
        "#!/bin/sh\necho 'lp: The printer or class does not exist.' >&2\nexit 1\n",
    )
    .unwrap();
    fs::set_permissions(&lp, fs::Permissions::from_mode(0o755)).unwrap();
    let out = t.path().join("printed");
    let o = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .arg("generate")
        .arg("--plan")
        .arg(common::repo_path("ceremony-scripts/rehearsal.toml"))
        .arg("--out")
        .arg(&out)
        .args(["--print-to", "no-such-printer"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(ENVIRONMENT), "{stderr}");
    assert!(
        stderr.contains(
            "error: printing paper shard 3 with `lp -d no-such-printer`: lp failed (exit status: 1): lp: The printer or class does not exist.\n  next step: the ceremony stopped and its transcript ends with `aborted`, naming the step; the partial outputs share-01-alice-rehearsal.txt, share-02-bob-rehearsal.txt (shares of a key that no longer exists) were overwritten and removed"
        ),
        "{stderr}"
    );
    let es = entries(&out);
    assert_eq!(es.last().unwrap()["action"], "aborted");
}

/// No `print!` family macro (they panic when the write fails) outside `src/console.rs`, except
/// in test code: every byte to the operator goes through the console.
#[test]
fn no_print_macros_outside_the_console() {
    fn walk(dir: &Path, found: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, found);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.extension() != Some("rs".as_ref()) || name == "console.rs" || name == "tests.rs" {
                continue;
            }
            let text = fs::read_to_string(&p).unwrap();
            // Test modules sit at the end of a file.
            let code = text.split("#[cfg(test)]").next().unwrap();
            for (i, line) in code.lines().enumerate() {
                let l = line.trim_start();
                if l.starts_with("//") {
                    continue;
                }
                for m in ["print!(", "println!(", "eprint!(", "eprintln!(", "dbg!("] {
                    let hit = l
                        .match_indices(m)
                        .any(|(at, _)| at == 0 || !l.as_bytes()[at - 1].is_ascii_alphanumeric());
                    if hit {
                        found.push(format!("{}:{}: {}", p.display(), i + 1, l));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    walk(&common::repo_path("src"), &mut found);
    assert!(
        found.is_empty(),
        "print macros outside src/console.rs:\n{}",
        found.join("\n")
    );
}
