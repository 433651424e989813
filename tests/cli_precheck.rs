//! Every share that needs no person is checked before anyone confirms (issue 13, item 9): in
//! `crl sign`, `intermediate sign` and `combine`, share files and QR photos are read and each
//! share is verified alone against the manifest, a share given twice and fewer shares than the
//! threshold without `--type` are refused — all before the output directory exists and before
//! the first confirmation prompt. The runs have no controlling terminal (`setsid`, standard
//! input closed): a run that reached a confirmation prompt would fail on `/dev/tty` instead of
//! naming the share. The shares checked early are still recorded at the quorum step, after the
//! confirmations, as the transcript's order requires.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use tempfile::TempDir;

use common::{Ceremony, INPUT, REHEARSAL_HOLDERS, Run, VERIFICATION, actions, s};

struct Fixture {
    dir: TempDir,
    /// The ceremony signed for (five text shares, 3 of 5).
    c: Ceremony,
    /// Another ceremony, whose shares do not belong here.
    other: Ceremony,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let c = Ceremony::rehearse(&dir.path().join("c"));
        let other = Ceremony::rehearse(&dir.path().join("other"));
        Fixture { dir, c, other }
    })
}

/// `rootkey ARGS…` in `cwd` without a controlling terminal and with standard input closed.
fn run_detached(cwd: &Path, args: &[&str]) -> Run {
    let o = Command::new("setsid")
        .arg(env!("CARGO_BIN_EXE_rootkey"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let r = Run {
        what: format!("setsid rootkey {}", args.join(" ")),
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    r.no_secrets(&fixture().c.secrets);
    r.no_secrets(&fixture().other.secrets);
    r
}

/// `rootkey crl sign --first-crl` against the fixture into `out`, with `extra` (shares).
fn crl_sign(out: &Path, extra: &[&str]) -> Run {
    let f = fixture();
    let (root, manifest, out) = (s(&f.c.root), s(&f.c.manifest), s(out));
    let mut args = vec![
        "crl",
        "sign",
        "--first-crl",
        "--root",
        &root,
        "--manifest",
        &manifest,
        "--out",
        &out,
    ];
    args.extend_from_slice(extra);
    run_detached(Path::new("."), &args)
}

/// A refusal before anything started: the exit code, one error with `needles`, no
/// confirmation prompt, and no output directory.
fn refused_before_anyone_confirms(r: &Run, out: &Path, code: i32, needles: &[&str]) {
    r.code(code).single_error().stderr_has(needles);
    assert!(!r.stderr.contains("/dev/tty"), "{}", r.stderr);
    assert!(!r.all_output().contains("confirmer 1"), "{}", r.stderr);
    assert!(!out.exists(), "{} was created", out.display());
}

fn scratch(name: &str) -> PathBuf {
    let d = fixture().dir.path().join("runs");
    fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn a_share_of_another_ceremony_is_refused_before_anyone_confirms() {
    let f = fixture();
    let out = scratch("crl-foreign");
    let r = crl_sign(
        &out,
        &[
            "--share",
            &s(f.c.share(1)),
            "--share",
            &s(f.other.share(3)),
            "--share",
            &s(f.c.share(2)),
        ],
    );
    refused_before_anyone_confirms(
        &r,
        &out,
        VERIFICATION,
        &[
            &format!("file {}", s(f.other.share(3))),
            "another ceremony",
            "— the ceremony did not start; nothing was signed",
        ],
    );
}

#[test]
fn intermediate_sign_checks_its_share_files_before_the_confirmations() {
    let f = fixture();
    let work = scratch("rotation-inputs");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "ed25519", common::CSR_SUBJECT);
    let out = scratch("rotation-foreign");
    let (root, manifest, profile) = (
        s(&f.c.root),
        s(&f.c.manifest),
        s(&common::repo_path("templates/intermediate.toml")),
    );
    let hash = common::csr_der_sha256(&csr);
    let r = run_detached(
        Path::new("."),
        &[
            "intermediate",
            "sign",
            "--csr",
            &s(&csr),
            "--csr-sha256",
            &hash,
            "--profile",
            &profile,
            "--root",
            &root,
            "--manifest",
            &manifest,
            "--out",
            &s(&out),
            "--share",
            &s(f.c.share(1)),
            "--share",
            &s(f.c.share(2)),
            "--share",
            &s(f.other.share(4)),
        ],
    );
    refused_before_anyone_confirms(
        &r,
        &out,
        VERIFICATION,
        &["share 4", "another ceremony", "the ceremony did not start"],
    );
}

#[test]
fn a_damaged_share_file_or_photo_is_refused_before_anyone_confirms() {
    let f = fixture();
    let bad = scratch("not-a-share.txt");
    fs::write(&bad, "not a share\n").unwrap();
    fs::set_permissions(&bad, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let out = scratch("crl-damaged");
    let r = crl_sign(
        &out,
        &[
            "--share",
            &s(f.c.share(1)),
            "--share",
            &s(f.c.share(2)),
            "--share",
            &s(&bad),
        ],
    );
    refused_before_anyone_confirms(&r, &out, INPUT, &[&format!("share file {}", s(&bad))]);

    let photo = scratch("not-a-photo.png");
    fs::write(&photo, "not an image").unwrap();
    let out = scratch("crl-photo");
    let r = crl_sign(
        &out,
        &[
            "--share",
            &s(f.c.share(1)),
            "--share",
            &s(f.c.share(2)),
            "--qr-image",
            &s(&photo),
        ],
    );
    refused_before_anyone_confirms(
        &r,
        &out,
        INPUT,
        &[&format!("QR image {}: not a PNG or JPEG image", s(&photo))],
    );
}

#[test]
fn the_same_share_twice_is_refused_before_anyone_confirms() {
    let f = fixture();
    let copy = scratch("copy-of-share-2.txt");
    if !copy.exists() {
        fs::copy(f.c.share(2), &copy).unwrap();
    }
    let out = scratch("crl-twice");
    let r = crl_sign(
        &out,
        &[
            "--share",
            &s(f.c.share(2)),
            "--share",
            &s(f.c.share(1)),
            "--share",
            &s(&copy),
        ],
    );
    refused_before_anyone_confirms(
        &r,
        &out,
        INPUT,
        &[&format!(
            "share 2 (holder \"{}\") is given twice: file {} and file {} hold the same share",
            REHEARSAL_HOLDERS[1],
            s(f.c.share(2)),
            s(&copy)
        )],
    );
}

#[test]
fn fewer_share_files_than_the_threshold_without_type_are_refused_first() {
    // Golden: relative paths in the ceremony's directory keep the text stable.
    let f = fixture();
    let cwd = f.c.root.parent().unwrap();
    let name = |i: usize| {
        f.c.share(i)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let out = cwd.join("never");
    let r = run_detached(
        cwd,
        &[
            "crl",
            "sign",
            "--first-crl",
            "--root",
            "root.pem",
            "--manifest",
            "manifest.json",
            "--out",
            "never",
            "--share",
            &name(1),
            "--share",
            &name(4),
        ],
    );
    assert_eq!(
        r.stderr,
        format!(
            "error: 2 share(s) given and no --type: the threshold is 3, 1 more needed (have: \
             share 1 ({}), 4 ({})) — the ceremony did not start; nothing was signed\n  \
             next step: give the missing shares with --share FILE, --qr-image PHOTO or \
             --token-share INDEX, or add --type to type or scan them at the keyboard\n",
            REHEARSAL_HOLDERS[0], REHEARSAL_HOLDERS[3]
        )
    );
    refused_before_anyone_confirms(&r, &out, INPUT, &[]);
    assert_eq!(r.stdout, "");
}

#[test]
fn combine_checks_its_share_files_before_the_output_directory_exists() {
    let f = fixture();
    let out = scratch("combine-foreign");
    let r = run_detached(
        Path::new("."),
        &[
            "combine",
            "--out",
            &s(&out),
            "--manifest",
            &s(&f.c.manifest),
            "--root",
            &s(&f.c.root),
            &s(f.c.share(1)),
            &s(f.other.share(2)),
            "--type",
        ],
    );
    // The keyboard share would be asked for only after the output directory exists.
    refused_before_anyone_confirms(
        &r,
        &out,
        VERIFICATION,
        &[
            "another ceremony",
            "— the quorum check did not start; no share was combined",
        ],
    );
}

#[test]
fn shares_checked_early_are_recorded_after_the_confirmations_as_before() {
    let f = fixture();
    let out = scratch("crl-ok");
    let r = crl_sign(
        &out,
        &[
            "--confirm",
            "Ann Officer",
            "--confirm",
            "Bob Witness",
            "--share",
            &s(f.c.share(5)),
            "--share",
            &s(f.c.share(1)),
            "--share",
            &s(f.c.share(3)),
        ],
    );
    r.ok();
    let entries: Vec<serde_json::Value> = fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let a = actions(&entries);
    let first_share = a.iter().position(|x| *x == "share-presented").unwrap();
    let confirmed: Vec<usize> = (0..a.len()).filter(|&i| a[i] == "confirmed").collect();
    assert_eq!(confirmed.len(), 2, "{a:?}");
    assert!(confirmed.iter().all(|&i| i < first_share), "{a:?}");
    // Each share as presented: the file's base name, in the order given.
    let presented: Vec<(u64, String)> = entries
        .iter()
        .filter(|e| e["action"] == "share-presented")
        .map(|e| {
            (
                e["details"]["index"].as_u64().unwrap(),
                e["details"]["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let base = |i: usize| {
        f.c.share(i)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    assert_eq!(
        presented,
        [(5, base(5)), (1, base(1)), (3, base(3))],
        "{entries:?}"
    );
    common::transcript_verifies_with_both_under(&out, &f.c.root);
}
