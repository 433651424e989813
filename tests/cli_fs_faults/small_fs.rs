//! Output on a file system that fails the ceremony (issue 15, item 6): a full one (a small
//! tmpfs), one that runs out of inodes at a share file (the share cannot be written), and a
//! read-only one. Each tmpfs is mounted by the test in a mount namespace of its own
//! (`unshare`), with the ceremony run inside it; what is left on the file system is copied out
//! and checked: the transcript ends on a whole entry and replays (valid, unsealed), and no
//! share of the key that never got certified is left.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::common::s;
use super::fixture::listing;

/// What one ceremony on a small tmpfs left behind.
struct Outcome {
    code: i32,
    stderr: String,
    /// A copy of the output directory as the ceremony left it (None: it was never created).
    out: Option<PathBuf>,
    /// `--out` as the ceremony was given it (on the tmpfs, gone now).
    given: String,
    _dir: tempfile::TempDir,
}

/// Runs `rootkey ARGS --out MNT/ceremony` with a tmpfs mounted at MNT with `options`, in a
/// mount namespace of its own; None (skipped, saying so) where no mount namespace can be made.
fn on_tmpfs(options: &str, args: &[&str]) -> Option<Outcome> {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    let copy = dir.path().join("left");
    fs::create_dir(&mnt).unwrap();
    let script = r#"set -e
mount -t tmpfs -o "$OPTIONS" tmpfs "$MNT"
set +e
"$ROOTKEY" "$@" --out "$MNT/ceremony" >"$LOG/stdout" 2>"$LOG/stderr"
echo $? >"$LOG/code"
[ -d "$MNT/ceremony" ] && cp -a "$MNT/ceremony" "$COPY"
exit 0
"#;
    // As root, a mount namespace is enough; otherwise a user namespace maps us to root in it.
    let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    let mut c = Command::new("unshare");
    c.args(["--mount", "--propagation", "private"]);
    if !root {
        c.arg("--map-root-user");
    }
    let o = c
        .args(["bash", "-c", script, "bash"])
        .args(args)
        .env("OPTIONS", options)
        .env("MNT", &mnt)
        .env("COPY", &copy)
        .env("LOG", dir.path())
        .env("ROOTKEY", env!("CARGO_BIN_EXE_rootkey"))
        .output()
        .unwrap();
    if !o.status.success() {
        eprintln!(
            "skipped: no tmpfs in a mount namespace here (unshare: {})",
            String::from_utf8_lossy(&o.stderr).trim()
        );
        return None;
    }
    let read = |name: &str| fs::read_to_string(dir.path().join(name)).unwrap();
    Some(Outcome {
        code: read("code").trim().parse().unwrap(),
        stderr: read("stderr"),
        out: copy.exists().then_some(copy),
        given: s(&mnt.join("ceremony")),
        _dir: dir,
    })
}

/// The transcript in `out` ends on a whole entry, every line parses, and both verifiers call
/// it valid but unsealed (exit 3); returns its last entry's action.
fn whole_and_unsealed(out: &Path) -> String {
    let t = out.join("transcript.jsonl");
    let text = fs::read_to_string(&t).unwrap();
    assert!(
        text.ends_with('\n'),
        "the transcript ends mid-entry: {text:?}"
    );
    let last = text.lines().last().unwrap();
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    let rk = super::common::rootkey(["transcript", "verify", s(&t).as_str()]);
    assert_eq!(rk.code, 3, "{}{}", rk.stdout, rk.stderr);
    let py = Command::new("python3")
        .arg(super::common::repo_path(
            "tests/vectors/independent_transcript_check.py",
        ))
        .arg(&t)
        .output()
        .unwrap();
    assert_eq!(py.status.code(), Some(3), "{py:?}");
    v["action"].as_str().unwrap().to_string()
}

/// No share file, shard PDF or temporary copy of one is left.
fn no_share_left(out: &Path) {
    let left = listing(out);
    assert!(
        left.iter().all(|n| !n.contains("share")),
        "shares left behind: {left:?}"
    );
}

#[test]
fn a_full_file_system_leaves_whole_entries_and_no_share() {
    // Sizes at which the rehearsal runs out of space at different writes: a share file, a
    // shard PDF, or the transcript itself (its entry, then its `aborted`).
    let mut aborted = 0;
    let mut cut = 0;
    for size in ["20k", "24k", "28k", "32k", "36k", "40k"] {
        let Some(o) = on_tmpfs(&format!("size={size}"), &["rehearse"]) else {
            return;
        };
        assert_eq!(o.code, 4, "{size}: {}", o.stderr);
        assert!(
            o.stderr.contains("No space left on device"),
            "{size}: {}",
            o.stderr
        );
        let out = o.out.as_deref().expect("the output directory");
        match whole_and_unsealed(out).as_str() {
            "aborted" => aborted += 1,
            _ => {
                cut += 1;
                assert!(
                    o.stderr
                        .contains("the transcript could not record `aborted` (")
                        && o.stderr.contains(") and ends on its last whole entry"),
                    "{size}: {}",
                    o.stderr
                );
            }
        }
        no_share_left(out);
        if o.stderr.contains("share-01") {
            assert!(
                o.stderr.contains(
                    "(shares of a key that no longer exists) were overwritten and removed"
                ),
                "{size}: {}",
                o.stderr
            );
        }
    }
    eprintln!("full file system: {aborted} run(s) recorded `aborted`, {cut} could not");
}

#[test]
fn a_share_file_that_cannot_be_written_stops_the_ceremony_and_wipes_the_others() {
    // Six inodes: the directory, the transcript and two shares fit; the third share cannot be
    // linked into place.
    let Some(o) = on_tmpfs("size=4m,nr_inodes=6", &["rehearse"]) else {
        return;
    };
    assert_eq!(o.code, 4, "{}", o.stderr);
    let out = o.out.as_deref().expect("the output directory");
    assert!(
        o.stderr.starts_with(&format!(
            "error: {}/share-03-carol-rehearsal.pdf: cannot move into place (hard link): No space left on device (os error 28)\n",
            o.given
        )),
        "{}",
        o.stderr
    );
    assert!(
        o.stderr.contains("the ceremony stopped and its transcript ends with `aborted`, naming the step; the partial outputs share-01-alice-rehearsal.txt, share-02-bob-rehearsal.txt (shares of a key that no longer exists) were overwritten and removed"),
        "{}",
        o.stderr
    );
    assert_eq!(whole_and_unsealed(out), "aborted");
    no_share_left(out);
    assert_eq!(listing(out), ["transcript.jsonl"]);
}

#[test]
fn a_read_only_file_system_is_refused_before_anything_is_written() {
    let Some(o) = on_tmpfs("size=1m,ro", &["rehearse"]) else {
        return;
    };
    assert_eq!(o.code, 4, "{}", o.stderr);
    assert!(o.out.is_none(), "an output directory was created");
    assert_eq!(
        o.stderr,
        format!(
            "error: --out {}: cannot create: Read-only file system (os error 30)\n  next step: the file system is mounted read-only: choose an --out on a writable one (a RAM disk such as /dev/shm), or remount it read-write\n",
            o.given
        )
    );
}
