//! Found by the attacker review of issue 10: a failed transcript write after the shares are on
//! disk, and a kill after `manifest.json` but before the seal, both name the share files SECRET
//! with the command that wipes them; `--out` through a file or a symbolic-link loop is the
//! operator's to fix; a probe file that cannot be removed is reported.

use std::path::Path;

use crate::common::{repo_path, rootkey, s};
use crate::fixture::{strace_works, under_strace};

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|x| x.to_string()).collect()
}

fn sealed(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("transcript.jsonl"))
        .ok()
        .and_then(|t| t.lines().last().map(|l| l.contains("\"action\":\"seal\"")))
        .unwrap_or(false)
}

#[test]
fn a_failed_transcript_write_after_the_shares_wipes_or_names_them() {
    if !strace_works() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    // Fail every fdatasync from the n-th on (the transcript's entries are fdatasync'ed, and so
    // is a wiped file): find the first n at which the run fails after share files were written.
    // Every fdatasync after it fails too, so the transcript is cut back or not, and the shares
    // wiped or not: whichever it is, the error says so, and a share left on disk is named
    // SECRET with the command that wipes it.
    for n in 1..60 {
        let out = t.path().join(format!("r{n}"));
        let o = under_strace(
            &[
                "-qq",
                "-e",
                "trace=fdatasync",
                "-e",
                &format!("inject=fdatasync:error=EIO:when={n}+"),
            ],
            &args(&["rehearse", "--out", &s(&out), "--allow-unlocked-memory"]),
        );
        let err = String::from_utf8_lossy(&o.stderr);
        if o.status.success() || !err.contains("share-01-alice-rehearsal.txt") {
            continue;
        }
        assert_eq!(o.status.code(), Some(4), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("Input/output error"), "{err}");
        let o_ = s(&out);
        let shares = crate::common::share_files(&out);
        if shares.is_empty() {
            assert!(
                err.contains(
                    "(shares of a key that no longer exists) were overwritten and removed"
                ),
                "fdatasync #{n}: the shares are gone, and the error does not say so:\n{err}"
            );
        } else {
            assert!(
                err.contains(&format!(" in {o_} "))
                    && err.contains(&format!(" SECRET (shares of a key whose ceremony never completed): wipe them with `shred -u {o_}/share-*`")),
                "fdatasync #{n} failed with {} share file(s) on disk, and the error does not name them secret:\n{err}",
                shares.len()
            );
        }
        eprintln!("fdatasync #{n}: {} share file(s) left", shares.len());
        return;
    }
    panic!("no failed fdatasync after the first share: the sweep found nothing to check");
}

#[test]
fn a_kill_after_the_manifest_but_before_the_seal_leaves_named_secret_leftovers() {
    if !strace_works() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let plan = repo_path("ceremony-scripts/rehearsal.toml");
    for n in 1..60 {
        let out = t.path().join(format!("g{n}"));
        let generate = [
            "generate",
            "--plan",
            &s(&plan),
            "--out",
            &s(&out),
            "--allow-unlocked-memory",
        ];
        under_strace(
            &[
                "-qq",
                "-e",
                "trace=fdatasync",
                "-e",
                &format!("inject=fdatasync:signal=KILL:when={n}"),
            ],
            &args(&generate),
        );
        if !out.join("manifest.json").exists() || sealed(&out) {
            continue;
        }
        // The run was killed after manifest.json, before the seal: running again into the
        // same directory names the share files secret, with the command that wipes them.
        let o_ = s(&out);
        rootkey(generate).code(1).stderr_has(&[
            &format!("error: --out {o_}: an interrupted run left secret share files here (its transcript is not sealed): share-01-alice-rehearsal.txt, share-02-bob-rehearsal.txt, share-03-carol-rehearsal.pdf"),
            &format!("  next step: these files are SECRET (each holds a share of a key whose ceremony never completed): wipe them with `shred -u {o_}/share-*` (paper shards: `rootkey paper wipe {o_}`), then run again in a new, empty directory\n"),
        ]);
        return;
    }
    panic!("no kill point between manifest.json and the seal was found");
}

#[test]
fn a_sealed_generation_is_a_finished_ceremony_not_leftovers() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("c");
    rootkey(["rehearse", "--out", &s(&out), "--allow-unlocked-memory"]).ok();
    assert!(sealed(&out));
    rootkey(["rehearse", "--out", &s(&out), "--allow-unlocked-memory"])
        .code(1)
        .stderr_has(&[&format!(
            "error: --out {}: already holds a ceremony (manifest.json and",
            s(&out)
        )]);
}

#[test]
fn an_out_path_through_a_file_or_a_link_loop_is_the_operators_to_fix() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::write(d.join("afile"), b"x").unwrap();
    std::os::unix::fs::symlink(d.join("loop2"), d.join("loop1")).unwrap();
    std::os::unix::fs::symlink(d.join("loop1"), d.join("loop2")).unwrap();
    let sub = d.join("afile/sub");
    rootkey(["rehearse", "--out", &s(&sub)]).code(1).stderr_has(&[&format!(
        "error: --out {}: cannot create: a part of the path is a file, not a directory\n  next step: choose a path whose every parent is a directory\n",
        s(&sub)
    )]);
    for out in [d.join("loop1"), d.join("loop1/x")] {
        rootkey(["rehearse", "--out", &s(&out)]).code(1).stderr_has(&[&format!(
            "error: --out {}: cannot create: the path goes round a loop of symbolic links\n  next step: remove the symbolic link loop or choose another path\n",
            s(&out)
        )]);
    }
    assert_eq!(std::fs::read(d.join("afile")).unwrap(), b"x");
}

#[test]
fn a_probe_file_that_cannot_be_removed_is_reported() {
    if !strace_works() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("p");
    let o = under_strace(
        &[
            "-qq",
            "-e",
            "trace=unlink,unlinkat",
            "-e",
            "inject=unlink,unlinkat:error=EIO:when=1",
        ],
        &args(&["rehearse", "--out", &s(&out), "--allow-unlocked-memory"]),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(
        err.contains(&format!(
            "error: --out {}: cannot remove the probe file {}/.rootkey-probe-",
            s(&out),
            s(&out)
        )) && err.contains("next step: remove it by hand (it holds nothing secret)"),
        "{err}"
    );
    // Nothing else was written: the refusal came before the ceremony.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| n.starts_with(".rootkey-probe-")),
        "{names:?}"
    );
}
