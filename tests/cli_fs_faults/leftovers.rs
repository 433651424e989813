//! (b) The secret leftovers of a killed or failed run are named as secret, with the command
//! that wipes them; share files gathered for a quorum are never called leftovers.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::common::{rootkey, s};
use crate::fixture::*;

// (b) Secret leftovers are named, with the command that wipes them.

/// The one `.share-…tmp-…` name in `dir`.
fn temp_share(dir: &Path) -> String {
    let temps: Vec<String> = listing(dir)
        .into_iter()
        .filter(|n| n.starts_with(".share-"))
        .collect();
    assert_eq!(temps.len(), 1, "{temps:?}");
    temps[0].clone()
}

#[test]
fn leftovers_of_a_killed_generation_are_named_secret_and_wipeable() {
    let f = fixture();
    let out = f.dir.join("killed-generation");
    if strace_works() {
        let o = killed_at_link(&out.join("share-03-carol-rehearsal.txt"), &generate(&out));
        assert!(killed(&o), "{o:?}");
    } else {
        // The same leftovers, made by hand.
        private_dir(&out);
        fs::copy(f.c.share(1), out.join("share-01-alice-rehearsal.txt")).unwrap();
        fs::copy(f.c.share(2), out.join("share-02-bob-rehearsal.txt")).unwrap();
        fs::copy(
            f.c.share(3),
            out.join(".share-03-carol-rehearsal.txt.tmp-0123456789ab"),
        )
        .unwrap();
        fs::write(
            out.join("transcript.jsonl"),
            b"{\"action\":\"header\",\"details\":{\"ceremony\":{\"kind\":\"generation\"}}}\n",
        )
        .unwrap();
    }
    let tmp = temp_share(&out);
    assert!(
        tmp.starts_with(".share-03-carol-rehearsal.txt.tmp-"),
        "{tmp}"
    );
    assert_eq!(
        listing(&out),
        [
            &tmp,
            "share-01-alice-rehearsal.txt",
            "share-02-bob-rehearsal.txt",
            "transcript.jsonl"
        ]
    );
    let o = s(&out);
    for args in [
        generate(&out),
        vec!["rehearse".into(), "--out".into(), o.clone()],
    ] {
        let r = rootkey(&args);
        r.code(1);
        assert_eq!(
            r.stderr,
            format!(
                "error: --out {o}: an interrupted run left secret share files here (its transcript is not sealed): {tmp}, share-01-alice-rehearsal.txt, share-02-bob-rehearsal.txt; nothing was written\n  next step: these files are SECRET (each holds a share of a key whose ceremony never completed): wipe them with `shred -u {o}/share-* {o}/.share-*.tmp-*`, then run again in a new, empty directory\n"
            )
        );
    }
    // The command given works as given.
    let sh = Command::new("sh")
        .arg("-c")
        .arg(format!("shred -u {o}/share-* {o}/.share-*.tmp-*"))
        .output()
        .unwrap();
    assert!(sh.status.success(), "{sh:?}");
    assert_eq!(listing(&out), ["transcript.jsonl"]);
}

#[test]
fn leftover_paper_shards_point_to_paper_wipe() {
    if !strace_works() {
        return;
    }
    let out = fixture().dir.join("killed-rehearsal");
    let args: Vec<String> = vec!["rehearse".into(), "--out".into(), s(&out)];
    let o = killed_at_link(&out.join("share-04-dave-rehearsal.pdf"), &args);
    assert!(killed(&o), "{o:?}");
    let tmp = temp_share(&out);
    let o = s(&out);
    let r = rootkey(&args);
    r.code(1);
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {o}: an interrupted run left secret share files here (its transcript is not sealed): {tmp}, share-01-alice-rehearsal.txt, share-02-bob-rehearsal.txt, share-03-carol-rehearsal.pdf; nothing was written\n  next step: these files are SECRET (each holds a share of a key whose ceremony never completed): wipe them with `shred -u {o}/share-* {o}/.share-*.tmp-*` (paper shards: `rootkey paper wipe {o}`), then run again in a new, empty directory\n"
        )
    );
    rootkey(["paper", "wipe", o.as_str()]).ok().stdout_has(&[
        &format!("wiped {o}/{tmp}\n"),
        &format!("wiped {o}/share-03-carol-rehearsal.pdf\n"),
        "2 paper shard file(s) overwritten and removed",
    ]);
}

#[test]
fn a_finished_ceremony_with_a_temporary_share_names_it_secret() {
    let f = fixture();
    let out = f.dir.join("finished-with-temp");
    private_dir(&out);
    fs::copy(&f.c.manifest, out.join("manifest.json")).unwrap();
    let tmp = ".share-02-bob-rehearsal.txt.tmp-0123456789ab";
    fs::copy(f.c.share(2), out.join(tmp)).unwrap();
    let o = s(&out);
    let r = rootkey(generate(&out));
    r.code(1);
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {o}: already holds a ceremony ({tmp} and 1 more file exist); nothing was written\n  next step: choose a new, empty output directory — earlier ceremony outputs are never overwritten; {tmp} is a SECRET temporary copy of a share, left by an interrupted write: wipe it with `shred -u {o}/.share-*.tmp-*`\n"
        )
    );
    assert_eq!(listing(&out), [tmp, "manifest.json"]);
}

#[test]
fn share_files_gathered_for_a_quorum_are_never_called_leftovers() {
    let f = fixture();
    let out = f.dir.join("gathered");
    private_dir(&out);
    for i in 1..=3 {
        let name = f.c.share(i).file_name().unwrap().to_owned();
        fs::copy(f.c.share(i), out.join(name)).unwrap();
    }
    let before = listing(&out);
    let mut args: Vec<String> = vec!["combine".into(), "--out".into(), s(&out)];
    args.extend([
        "--root".into(),
        s(&f.c.root),
        "--manifest".into(),
        s(&f.c.manifest),
    ]);
    args.extend(before.iter().map(|n| s(&out.join(n))));
    let r = rootkey(&args);
    r.code(1);
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {}: already holds a ceremony (share-01-alice-rehearsal.txt and 2 more files exist); nothing was written\n  next step: choose a new, empty output directory — earlier ceremony outputs are never overwritten\n",
            out.display()
        )
    );
    assert_eq!(listing(&out), before);
}

#[test]
fn a_temporary_share_that_cannot_be_removed_is_named_with_the_current_share() {
    if !strace_works() {
        return;
    }
    let work = fixture().dir.join("unlink-fails");
    // Which unlink(2) removes share 3's temporary copy: counted on a clean run.
    let log = work.join("unlink.log");
    fs::create_dir_all(&work).unwrap();
    let o = assert_cmd::Command::new("strace")
        .args(["-f", "-o"])
        .arg(&log)
        .args(["-e", "trace=unlink", BIN])
        .args(generate(&work.join("clean")))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let calls: Vec<String> = fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| l.contains("unlink("))
        .map(String::from)
        .collect();
    let n = 1 + calls
        .iter()
        .position(|l| l.contains("/.share-03-carol-rehearsal.txt.tmp-"))
        .expect("share 3's temporary copy is unlinked");
    let out = work.join("failed");
    let o = under_strace(
        &[
            "-e",
            "trace=unlink",
            "-e",
            &format!("inject=unlink:error=EACCES:when={n}"),
        ],
        &generate(&out),
    );
    assert_eq!(o.status.code(), Some(4), "{o:?}");
    let d = s(&out);
    // The ceremony recorded `aborted`, so its partial outputs — the shares written and the
    // temporary copy (a second name of share 3) — are wiped (issue 13, item 6); the error
    // names them as it did, and says so.
    let err = String::from_utf8_lossy(&o.stderr);
    let tmp = err
        .split(&format!("its temporary copy {d}/"))
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .expect("the temporary copy is named")
        .to_string();
    assert!(
        tmp.starts_with(".share-03-carol-rehearsal.txt.tmp-"),
        "{tmp}"
    );
    assert_eq!(
        err,
        format!(
            "error: {d}/share-03-carol-rehearsal.txt was written, but its temporary copy {d}/{tmp} could not be removed: Permission denied (os error 13)\n  next step: the ceremony stopped and its transcript ends with `aborted`, naming the step; the partial outputs {tmp}, share-01-alice-rehearsal.txt, share-02-bob-rehearsal.txt, share-03-carol-rehearsal.txt (shares of a key that no longer exists) were overwritten and removed — keep {d}/transcript.jsonl as evidence and run the ceremony again in a new, empty directory\n"
        )
    );
    assert_eq!(listing(&out), ["transcript.jsonl"]);
    // The run ended with an `aborted` entry: valid but unsealed.
    let t = fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    assert!(t.lines().last().unwrap().contains("\"action\":\"aborted\""));
}
