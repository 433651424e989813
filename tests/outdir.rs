//! Output directory rules and hostile inputs, through the real binary: a new directory is
//! created 0700; a directory other users can write, or one holding a leftover temporary file
//! from a killed run, is refused; FIFOs and oversized files are refused without hanging;
//! control characters in input files are escaped, never sent to the terminal.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn rootkey(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn share_verify(share: &Path, ceremony: &Path, manifest: &Path) -> Output {
    let root = ceremony.join("root.pem");
    rootkey(&[
        "share",
        "verify",
        share.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
    ])
}

fn share_file(dir: &Path, index: u8) -> std::path::PathBuf {
    let prefix = format!("share-{index:02}");
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&prefix)
        })
        .unwrap()
}

fn rehearse(out: &Path) {
    let o = rootkey(&["rehearse", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn new_output_directory_is_private() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("a/b");
    rehearse(&out);
    let mode = fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "no probe or temporary file may remain: {names:?}"
    );
}

#[test]
fn directory_writable_by_others_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("shared");
    fs::create_dir(&out).unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o777)).unwrap();
    let o = rootkey(&["rehearse", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("writable by other users (mode 0777)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        fs::read_dir(&out).unwrap().count(),
        0,
        "nothing may be written"
    );
}

#[test]
fn leftover_temporary_share_marks_a_ceremony() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("c");
    fs::create_dir(&out).unwrap();
    let leftover = out.join(".share-01-alice.txt.tmp-0123456789ab");
    fs::write(&leftover, b"half a share").unwrap();
    let o = rootkey(&["rehearse", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("already holds a ceremony"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(&leftover).unwrap(), b"half a share");
}

#[test]
fn fifo_and_directory_as_share_are_refused_without_hanging() {
    let t = tempfile::tempdir().unwrap();
    let c = t.path().join("c");
    rehearse(&c);
    let fifo = t.path().join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let manifest = c.join("manifest.json");
    for bad in [fifo.as_path(), t.path()] {
        let o = share_verify(bad, &c, &manifest);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    }
    // A huge "manifest" is refused by size, not read into memory.
    let big = t.path().join("big.json");
    let f = fs::File::create(&big).unwrap();
    f.set_len(2 << 20).unwrap();
    let o = share_verify(&share_file(&c, 1), &c, &big);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("more than the 1048576"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn control_characters_from_input_files_are_escaped() {
    let t = tempfile::tempdir().unwrap();
    let c = t.path().join("c");
    rehearse(&c);
    let manifest = c.join("manifest.json");
    let share = share_file(&c, 1);
    // An attacker-controlled manifest trying to paint a fake "OK" line over the error.
    let text = fs::read_to_string(&manifest).unwrap();
    for (from, to) in [
        (
            "\"rootkey-share-manifest-v1\"",
            "\"x\\u001b[2K\\rOK: share 1 is authentic\"",
        ),
        ("\"Alice Rehearsal\"", "\"Alice\\u001b[31m Rehearsal\""),
    ] {
        let evil = t.path().join("evil.json");
        fs::write(&evil, text.replacen(from, to, 1)).unwrap();
        let o = share_verify(&share, &c, &evil);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            !err.contains('\u{1b}'),
            "raw ESC reached the terminal: {err:?}"
        );
        assert!(err.contains("\\u{1b}"), "{err}");
        assert!(o.stdout.is_empty());
    }
    // The same holder name in a plan is refused before anything is generated.
    let plan = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ceremony-scripts/rehearsal.toml"
    ))
    .unwrap()
    .replacen("Alice Rehearsal", "Alice\\u001b[31m", 1);
    let p = t.path().join("plan.toml");
    fs::write(&p, plan).unwrap();
    let out = t.path().join("g");
    let o = rootkey(&[
        "generate",
        "--plan",
        p.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("control characters"), "{}", stderr(&o));
    assert!(!out.exists());
}
