//! Golden tests: the exact stderr and exit status of representative user-facing errors, run in
//! a scratch directory with relative paths so the text is stable. A change to any of these
//! messages must be deliberate (update the expectation here and, if it is documented, the docs).

use std::fs;
use std::path::Path;
use std::process::Command;

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

fn golden(dir: &Path, args: &[&str], code: i32, stderr: &str) {
    let (got_code, stdout, got) = run(dir, args);
    assert_eq!(got, stderr, "stderr of rootkey {}", args.join(" "));
    assert_eq!(got_code, code, "exit status of rootkey {}", args.join(" "));
    assert_eq!(stdout, "", "a failing command prints nothing on stdout");
}

#[test]
fn exact_messages_for_common_mistakes() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    let (code, _, err) = run(d, &["rehearse", "--out", "c"]);
    assert_eq!(code, 0, "{err}");

    golden(
        d,
        &[
            "combine",
            "--out",
            "chk",
            "--manifest",
            "c/manifest.json",
            "--root",
            "c/root.pem",
            "c/share-01-alice-rehearsal.txt",
            "c/share-02-bob-rehearsal.txt",
        ],
        1,
        "error: 2 share(s) given and no --type: the threshold is 3, 1 more needed \
         (have: share 1 (Alice Rehearsal), 2 (Bob Rehearsal)) — the quorum check did not \
         start; no share was combined\n  \
         next step: give the missing shares with --share FILE, --qr-image PHOTO or \
         --token-share INDEX, or add --type to type or scan them at the keyboard\n",
    );

    let share = fs::read_to_string(d.join("c/share-02-bob-rehearsal.txt")).unwrap();
    let broken: String = share
        .lines()
        .map(|l| match l.strip_prefix("05 ") {
            // Make the first two characters of row 5 wrong (each changed to another symbol).
            Some(rest) => {
                let mut c: Vec<char> = rest.chars().collect();
                c[0] = if c[0] == 'Z' { 'Y' } else { 'Z' };
                c[1] = if c[1] == 'Z' { 'Y' } else { 'Z' };
                format!("05 {}\n", c.into_iter().collect::<String>())
            }
            None => format!("{l}\n"),
        })
        .collect();
    fs::write(d.join("s2.txt"), broken).unwrap();
    golden(
        d,
        &[
            "share",
            "verify",
            "s2.txt",
            "--manifest",
            "c/manifest.json",
            "--root",
            "c/root.pem",
        ],
        1,
        "error: share file s2.txt: row 5: more than one character is wrong; the row cannot be \
         corrected\n  next step: re-type that row carefully from the paper\n",
    );

    golden(
        d,
        &["rehearse", "--out", "c"],
        1,
        "error: --out c: already holds a ceremony (manifest.json and 7 more files exist); \
         nothing was written\n  next step: choose a new, empty output directory — earlier \
         ceremony outputs are never overwritten\n",
    );

    let manifest = fs::read_to_string(d.join("c/manifest.json")).unwrap();
    fs::write(
        d.join("m.json"),
        manifest.replacen("\"Alice Rehearsal\"", "\"Mallory\"", 1),
    )
    .unwrap();
    golden(
        d,
        &[
            "share",
            "verify",
            "c/share-01-alice-rehearsal.txt",
            "--manifest",
            "m.json",
            "--root",
            "c/root.pem",
        ],
        3,
        "error: manifest m.json: the root key's signature does not verify — the manifest was \
         modified\n  next step: obtain an authentic copy of the ceremony's manifest.json\n",
    );

    fs::write(
        d.join("p.toml"),
        "[ceremony]\nname = \"x\"\n\n[quorum]\nthreshold = 4\nshares = 3\n\n\
         [[holders]]\nname = \"A\"\nrole = \"r\"\nmedium = \"text\"\n",
    )
    .unwrap();
    golden(
        d,
        &["generate", "--plan", "p.toml", "--out", "g"],
        1,
        "error: plan p.toml, line 5, column 13: threshold k = 4 is greater than the number of \
         shares n = 3: no quorum could ever form\n  next step: correct the plan (its keys: \
         docs/plans.md), then run `rootkey plan check` again\n",
    );
    assert!(!d.join("g").exists());
}
