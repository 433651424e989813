//! `rootkey share audit` through the real binary (docs/formats.md, "Share audit"): each share
//! given is checked alone against the manifest, one at a time, never combined; the transcript
//! records who proved which share, the shares refused (with the category) and the holders who
//! did not appear, and ends with `audit-completed`, which `transcript verify` calls complete
//! but not sealed (exit 3) until listed witnesses have attested it (exit 0). Summaries fit 80
//! columns; bad input is refused before anything is written.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;
use image::{GrayImage, Luma};
use qrcode::{Color, EcLevel, QrCode};
use serde_json::Value;
use tempfile::TempDir;

use common::{Ceremony, INPUT, Run, Secrets, VERIFICATION};

struct Fixture {
    _dir: TempDir,
    /// The ceremony audited (a rehearsal with five text shares).
    a: PathBuf,
    /// Another ceremony.
    b: PathBuf,
    /// A photo (PNG) of the QR code of `a`'s share 5.
    photo: PathBuf,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        for d in [&a, &b] {
            Ceremony::rehearse(d);
        }
        let photo = a.join("erin-shard.png");
        qr_picture(&compact_of(&a.join(share_name(5))))
            .save(&photo)
            .unwrap();
        Fixture {
            _dir: dir,
            a,
            b,
            photo,
        }
    })
}

fn share_name(i: usize) -> String {
    let names = ["alice", "bob", "carol", "dave", "erin"];
    format!("share-0{i}-{}-rehearsal.txt", names[i - 1])
}

/// The compact form of a share file (what a paper shard's QR code holds).
fn compact_of(file: &Path) -> String {
    let d = rootkey::share::text::parse(&std::fs::read(file).unwrap()).unwrap();
    let c = rootkey::share::text::encode_compact(&d.envelope).unwrap();
    String::from_utf8(c.as_slice().to_vec()).unwrap()
}

/// A clean picture of a QR code holding `text` (8 pixels per module, 4-module quiet zone).
fn qr_picture(text: &str) -> GrayImage {
    let code = QrCode::with_error_correction_level(text, EcLevel::H).unwrap();
    let w = code.width() as u32;
    let colors = code.to_colors();
    let px = 8;
    let mut img = GrayImage::from_pixel((w + 8) * px, (w + 8) * px, Luma([255]));
    for y in 0..w {
        for x in 0..w {
            if colors[(y * w + x) as usize] == Color::Dark {
                for dy in 0..px {
                    for dx in 0..px {
                        img.put_pixel((x + 4) * px + dx, (y + 4) * px + dy, Luma([0]));
                    }
                }
            }
        }
    }
    img
}

/// `rootkey ARGS` run in `cwd` (so that the paths it shows are the relative ones given),
/// checked for leaks of `a`'s and `b`'s shares.
fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("rootkey")
        .unwrap()
        .current_dir(cwd)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let r = Run {
        what: format!("rootkey {}", args.join(" ")),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    let f = fixture();
    r.no_secrets(&Secrets::of_dir(&f.a));
    r.no_secrets(&Secrets::of_dir(&f.b));
    r
}

/// `rootkey share audit` against `a`, in `a`, into a fresh directory `../NAME` (returned).
fn audit(name: &str, shares: &[&str]) -> (Run, PathBuf) {
    let f = fixture();
    let out = format!("../{name}");
    assert!(!f.a.join(&out).exists(), "{name} used twice");
    let mut args = vec![
        "share",
        "audit",
        "--manifest",
        "manifest.json",
        "--root",
        "root.pem",
        "--out",
        &out,
    ];
    args.extend_from_slice(shares);
    (run_in(&f.a, &args), f.a.join(out))
}

fn entries(t: &Path) -> Vec<Value> {
    std::fs::read_to_string(t.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// (action, details) of every entry after the header and context.
fn steps(t: &Path) -> Vec<(String, Value)> {
    entries(t)[2..]
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["details"].clone(),
            )
        })
        .collect()
}

/// The root key fingerprint as the summary shows it (two lines of eight groups).
fn fingerprint_lines(a: &Path) -> String {
    let root = rootkey::cert::RootCert::load(&a.join("root.pem")).unwrap();
    format!(
        "Root key SHA256:{}",
        rootkey::encoding::hexfmt::hex_lines(&root.fingerprint, "Root key SHA256:".len())
    )
}

fn fits_80(text: &str) {
    for l in text.lines() {
        assert!(l.chars().count() <= 80, "over 80 columns: {l:?}");
    }
}

#[test]
fn three_files_and_a_photo_prove_four_holders_and_the_fifth_is_absent() {
    let f = fixture();
    assert!(f.photo.is_file());
    let photo = "erin-shard.png";
    let (r, out) = audit(
        "audit-four",
        &[
            &share_name(1),
            &share_name(2),
            &share_name(3),
            "--qr-image",
            photo,
        ],
    );
    r.code(INPUT);
    let want = format!(
        "  share 1 proved: holder \"Alice Rehearsal\", file share-01-alice-rehearsal.txt
  share 2 proved: holder \"Bob Rehearsal\", file share-02-bob-rehearsal.txt
  share 3 proved: holder \"Carol Rehearsal\", file share-03-carol-rehearsal.txt
  share 5 proved: holder \"Erin Rehearsal\", QR image {photo}
*** REHEARSAL — throwaway key, NOT A REAL ROOT ***
Share audit of \"Rehearsal root generation\" (3 of 5): no key was rebuilt; each
  share was checked alone against the manifest.
{}
Proved (4 of 5):
  share 1  Alice Rehearsal (file share-01-alice-rehearsal.txt)
  share 2  Bob Rehearsal (file share-02-bob-rehearsal.txt)
  share 3  Carol Rehearsal (file share-03-carol-rehearsal.txt)
  share 5  Erin Rehearsal (QR image {photo})
Did not appear (1):
  share 4  Dave Rehearsal
Transcript (complete, not sealed: a share audit rebuilds no key):
  ../audit-four/transcript.jsonl
Next: each witness attests it: rootkey transcript attest
  ../audit-four/transcript.jsonl --root root.pem --key WITNESS.pem --name \"NAME\"
",
        fingerprint_lines(&f.a)
    );
    assert_eq!(r.stdout, want);
    assert_eq!(
        r.stderr,
        "error: the audit is incomplete: no share was presented for 4 (Dave Rehearsal)\n  \
next step: audit the missing holders in another run of rootkey share audit\n"
    );
    let s = steps(&out);
    let actions: Vec<&str> = s.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "share-presented",
            "share-presented",
            "share-presented",
            "share-presented",
            "audit-completed"
        ]
    );
    assert_eq!(s[3].1["file"], "erin-shard.png");
    assert_eq!(s[3].1["index"], 5);
    assert_eq!(
        s[4].1,
        serde_json::json!({"absent": [4], "failed": [], "proven": [1, 2, 3, 5], "refused": 0})
    );
    assert_eq!(
        entries(&out)[0]["details"]["ceremony"]["kind"],
        "share-audit"
    );
    assert!(
        entries(&out)
            .iter()
            .all(|e| e["action"] != "key-rebuilt" && e["action"] != "seal"),
        "no key is rebuilt, nothing is sealed"
    );

    // transcript verify: complete, not sealed (exit 3), naming who proved and who was absent.
    let t = "../audit-four/transcript.jsonl";
    let v = run_in(&f.a, &["transcript", "verify", t, "--root", "root.pem"]);
    v.code(3);
    assert!(
        v.stdout
            .contains("  script            ok: the share-audit steps happened in order\n"),
        "{}",
        v.stdout
    );
    assert!(v.stdout.contains(
        "  share audit       proved: 1 (Alice Rehearsal), 2 (Bob Rehearsal), 3 (Carol Rehearsal), 5 (Erin Rehearsal); FAILED: none; did not appear: 4 (Dave Rehearsal); 0 share(s) refused\n"
    ), "{}", v.stdout);
    assert!(v.stdout.ends_with(
        "Result: VALID but UNSEALED — complete, not sealed: a share audit rebuilds no key; witnesses attest it (pass --witnesses to check their attestations)\n"
    ), "{}", v.stdout);
    // The independent verifier agrees.
    let py = std::process::Command::new("python3")
        .arg(common::repo_path(
            "tests/vectors/independent_transcript_check.py",
        ))
        .arg(out.join("transcript.jsonl"))
        .args(["--root", "root.pem", "--artifacts", "."])
        .current_dir(&f.a)
        .output()
        .unwrap();
    assert_eq!(py.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&py.stdout),
        "VALID UNSEALED complete, not sealed: a share audit rebuilds no key\n"
    );

    // The report lists the proved shares and the absent holder.
    let rep = run_in(
        &f.a,
        &[
            "transcript",
            "report",
            t,
            "--out",
            "../audit-four/report.md",
            "--root",
            "root.pem",
        ],
    );
    rep.code(3);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for want in [
        "share audit (no key rebuilt) with the root of \"Rehearsal root generation\"",
        "## Share audit",
        "4 of 5 holders proved their share; 0 share(s) failed; 1 holder(s) did not appear.",
        "| 5 | Erin Rehearsal | erin-shard.png | 5 |",
        "Did not appear:\n\n| Share | Holder |\n|---|---|\n| 4 | Dave Rehearsal |",
    ] {
        assert!(md.contains(want), "report lacks {want:?}:\n{md}");
    }

    // A witness attests the completed head; with the witness list it verifies (exit 0).
    let key = out.join("witness.pem");
    let pubkey = out.join("witness.pub.pem");
    for args in [
        vec![
            "genpkey",
            "-algorithm",
            "ed25519",
            "-out",
            key.to_str().unwrap(),
        ],
        vec![
            "pkey",
            "-in",
            key.to_str().unwrap(),
            "-pubout",
            "-out",
            pubkey.to_str().unwrap(),
        ],
    ] {
        assert!(
            std::process::Command::new("openssl")
                .args(&args)
                .status()
                .unwrap()
                .success()
        );
    }
    let att = run_in(
        &f.a,
        &[
            "transcript",
            "attest",
            t,
            "--root",
            "root.pem",
            "--key",
            key.to_str().unwrap(),
            "--name",
            "Wendy Witness",
        ],
    );
    att.ok();
    assert!(
        att.stdout.contains(
            "  complete (not sealed), checked against the root key of the given root.pem\n"
        ),
        "{}",
        att.stdout
    );
    assert!(
        att.stdout.contains("  completed head\n    "),
        "{}",
        att.stdout
    );
    fits_80(&att.stdout);
    let v = run_in(
        &f.a,
        &[
            "transcript",
            "verify",
            t,
            "--root",
            "root.pem",
            "--witnesses",
            pubkey.to_str().unwrap(),
        ],
    );
    v.code(0);
    assert!(v.stdout.ends_with(
        "Result: VALID and COMPLETE — a share audit rebuilds no key; attested by 1 listed witness(es)\n"
    ), "{}", v.stdout);
    // Without the witness list, the same file is valid but not proven.
    run_in(&f.a, &["transcript", "verify", t, "--root", "root.pem"]).code(3);
}

#[test]
fn another_ceremonys_share_is_refused_with_its_reason_and_the_audit_goes_on() {
    let f = fixture();
    // Another ceremony's share 2, brought by mistake.
    let foreign = "bob-other-ceremony.txt";
    if !f.a.join(foreign).exists() {
        std::fs::copy(f.b.join(share_name(2)), f.a.join(foreign)).unwrap();
    }
    let (r, out) = audit(
        "audit-foreign",
        &[
            &share_name(1),
            foreign,
            &share_name(3),
            &share_name(4),
            &share_name(5),
        ],
    );
    r.code(VERIFICATION);
    let id = |d: &Path| {
        let m: Value =
            serde_json::from_slice(&std::fs::read(d.join("manifest.json")).unwrap()).unwrap();
        m["ceremony"]["id"].as_str().unwrap().to_string()
    };
    let want = format!(
        "  share 1 proved: holder \"Alice Rehearsal\", file share-01-alice-rehearsal.txt
  REFUSED (foreign): share 2, file bob-other-ceremony.txt: belongs to another
    ceremony (share ceremony id {}, manifest
    {})
  share 3 proved: holder \"Carol Rehearsal\", file share-03-carol-rehearsal.txt
  share 4 proved: holder \"Dave Rehearsal\", file share-04-dave-rehearsal.txt
  share 5 proved: holder \"Erin Rehearsal\", file share-05-erin-rehearsal.txt
*** REHEARSAL — throwaway key, NOT A REAL ROOT ***
Share audit of \"Rehearsal root generation\" (3 of 5): no key was rebuilt; each
  share was checked alone against the manifest.
{}
Proved (4 of 5):
  share 1  Alice Rehearsal (file share-01-alice-rehearsal.txt)
  share 3  Carol Rehearsal (file share-03-carol-rehearsal.txt)
  share 4  Dave Rehearsal (file share-04-dave-rehearsal.txt)
  share 5  Erin Rehearsal (file share-05-erin-rehearsal.txt)
REFUSED (1):
  foreign: file bob-other-ceremony.txt
Did not appear (1):
  share 2  Bob Rehearsal
Transcript (complete, not sealed: a share audit rebuilds no key):
  ../audit-foreign/transcript.jsonl
Next: each witness attests it: rootkey transcript attest
  ../audit-foreign/transcript.jsonl --root root.pem --key WITNESS.pem --name
  \"NAME\"
",
        id(&f.b),
        id(&f.a),
        fingerprint_lines(&f.a)
    );
    assert_eq!(r.stdout, want);
    fits_80(&r.stdout);
    assert_eq!(
        r.stderr,
        format!(
            "error: 1 share(s) failed the audit: file {foreign} (foreign)\n  next step: treat each failed share as lost: investigate, plan a new split\n"
        )
    );
    let s = steps(&out);
    assert_eq!(s[1].0, "share-refused");
    assert_eq!(
        s[1].1,
        serde_json::json!({"claimed_index": null, "file": "bob-other-ceremony.txt", "reason": "foreign"})
    );
    assert_eq!(
        s.last().unwrap().1,
        serde_json::json!({"absent": [2], "failed": [], "proven": [1, 3, 4, 5], "refused": 1})
    );
    let v = run_in(
        &f.a,
        &[
            "transcript",
            "verify",
            "../audit-foreign/transcript.jsonl",
            "--root",
            "root.pem",
        ],
    );
    v.code(3);
    assert!(
        v.stdout
            .contains("did not appear: 2 (Bob Rehearsal); 1 share(s) refused"),
        "{}",
        v.stdout
    );
}

#[test]
fn a_share_given_twice_is_refused_as_a_duplicate_and_is_no_failure() {
    let names: Vec<String> = [1, 2, 3, 4, 5, 2].iter().map(|&i| share_name(i)).collect();
    let args: Vec<&str> = names.iter().map(String::as_str).collect();
    let (r, out) = audit("audit-twice", &args);
    r.code(0);
    assert_eq!(r.stderr, "");
    assert!(
        r.stdout.contains(
            "  REFUSED (duplicate): share 2 (holder \"Bob Rehearsal\"), file
    share-02-bob-rehearsal.txt: share 2 (holder \"Bob Rehearsal\") was already
    proved in this audit (file share-02-bob-rehearsal.txt)\n"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("Proved (5 of 5):\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains("Did not appear (0):\n  nobody\n"),
        "{}",
        r.stdout
    );
    fits_80(&r.stdout);
    let s = steps(&out);
    assert_eq!(
        s[5].1,
        serde_json::json!({"claimed_index": 2, "file": "share-02-bob-rehearsal.txt", "reason": "duplicate"})
    );
    assert_eq!(
        s[6].1,
        serde_json::json!({"absent": [], "failed": [], "proven": [1, 2, 3, 4, 5], "refused": 1})
    );
}

#[test]
fn bad_manifest_root_or_share_path_is_refused_before_anything_is_written() {
    let f = fixture();
    let other_root = f.b.join("root.pem").display().to_string();
    let cases: [(&[&str], i32, &str); 3] = [
        (
            &[
                "--manifest",
                "manifest.json",
                "--root",
                &other_root,
                &share_name(1),
            ],
            VERIFICATION,
            "error: manifest manifest.json belongs to another root key than the root certificate",
        ),
        (
            &[
                "--manifest",
                "root.pem",
                "--root",
                "root.pem",
                &share_name(1),
            ],
            INPUT,
            "error: manifest root.pem: not a valid share manifest: invalid number at line 1 column 2\n  next step: give the manifest.json and root.pem the generation wrote; the audit did not start\n",
        ),
        (
            &[
                "--manifest",
                "manifest.json",
                "--root",
                "root.pem",
                "share-09-nobody.txt",
            ],
            INPUT,
            "error: share file share-09-nobody.txt: cannot read: No such file or directory\n  next step: check the path; the audit did not start and nothing was written\n",
        ),
    ];
    for (i, (args, code, err)) in cases.iter().enumerate() {
        let out = format!("../audit-bad-{i}");
        let mut all = vec!["share", "audit", "--out", &out];
        all.extend_from_slice(args);
        let r = run_in(&f.a, &all);
        r.code(*code);
        assert!(r.stderr.starts_with(err), "{}", r.stderr);
        assert!(r.stderr.contains("next step: "), "{}", r.stderr);
        assert_eq!(r.stdout, "");
        assert!(!f.a.join(&out).exists(), "{out} was created");
    }
    // No share at all is a mistake too.
    let r = run_in(
        &f.a,
        &[
            "share",
            "audit",
            "--manifest",
            "manifest.json",
            "--root",
            "root.pem",
            "--out",
            "../audit-none",
        ],
    );
    r.code(INPUT);
    assert_eq!(
        r.stderr,
        "error: no share given to audit\n  next step: give the shares presented: share files, --qr-image PHOTO, --token-share INDEX, or --type once per share typed at the keyboard\n"
    );
}
