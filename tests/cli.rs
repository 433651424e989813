//! End-to-end tests of the `rootkey` command line, through the real binary.
//!
//! Every failure case checks the exit code (`src/error.rs`: 1 input/operator, 2 usage,
//! 3 verification), that stderr names the problem and the object concerned (share index,
//! holder, file, row, plan file), that nothing on disk changed, and that no secret share row
//! appears in any output.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::SystemTime;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rootkey::ceremony::{self, BuildParams};
use rootkey::cert::{DEFAULT_ROOT_PROFILE, RootProfile};
use rootkey::key::RootKey;
use rootkey::plan::{Plan, REHEARSAL_PLAN};
use rootkey::secret::{self, MemoryPolicy, SecretBytes};
use rootkey::shamir;
use rootkey::share::{Envelope, text};
use tempfile::TempDir;

use common::{Run, Secrets, assert_unchanged, repo_path, rootkey, share_files, snapshot};

const INPUT: i32 = 1;
const USAGE: i32 = 2;
const VERIFICATION: i32 = 3;

const REHEARSAL_HOLDERS: [&str; 5] = [
    "Alice Rehearsal",
    "Bob Rehearsal",
    "Carol Rehearsal",
    "Dave Rehearsal",
    "Erin Rehearsal",
];

/// A ceremony directory on disk and the secrets its shares hold.
struct Ceremony {
    manifest: PathBuf,
    root: PathBuf,
    shares: Vec<PathBuf>,
    secrets: Secrets,
}

impl Ceremony {
    /// Reads an existing ceremony directory.
    fn open(dir: &Path) -> Ceremony {
        let shares = share_files(dir);
        Ceremony {
            manifest: dir.join("manifest.json"),
            root: dir.join("root.pem"),
            secrets: Secrets::of_dir(dir),
            shares,
        }
    }

    /// `rootkey rehearse --out DIR`, asserted successful.
    fn rehearse(dir: &Path) -> Ceremony {
        let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), dir.as_os_str()]);
        r.ok();
        let c = Ceremony::open(dir);
        r.no_secrets(&c.secrets);
        c
    }

    /// `rootkey generate --plan PLAN --out DIR`, asserted successful.
    fn generate(plan: &Path, dir: &Path) -> (Ceremony, Run) {
        let r = rootkey([
            "generate".as_ref(),
            "--plan".as_ref(),
            plan.as_os_str(),
            "--out".as_ref(),
            dir.as_os_str(),
        ]);
        r.ok();
        let c = Ceremony::open(dir);
        r.no_secrets(&c.secrets);
        (c, r)
    }

    fn share(&self, index: usize) -> &Path {
        &self.shares[index - 1]
    }

    /// `rootkey share verify SHARE` against this ceremony; checked for leaks.
    fn verify(&self, share: &Path) -> Run {
        verify_with(&self.manifest, &self.root, share, &self.secrets)
    }

    /// `rootkey combine SHARES…` against this ceremony; checked for leaks.
    fn combine(&self, shares: &[&Path]) -> Run {
        combine_with(&self.manifest, &self.root, shares, &self.secrets)
    }
}

fn verify_with(manifest: &Path, root: &Path, share: &Path, secrets: &Secrets) -> Run {
    let r = rootkey([
        "share".as_ref(),
        "verify".as_ref(),
        share.as_os_str(),
        "--manifest".as_ref(),
        manifest.as_os_str(),
        "--root".as_ref(),
        root.as_os_str(),
    ]);
    r.no_secrets(secrets);
    r
}

fn combine_with(manifest: &Path, root: &Path, shares: &[&Path], secrets: &Secrets) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "combine".as_ref(),
        "--manifest".as_ref(),
        manifest.as_os_str(),
        "--root".as_ref(),
        root.as_os_str(),
    ];
    args.extend(shares.iter().map(|s| s.as_os_str()));
    let r = rootkey(args);
    r.no_secrets(secrets);
    r
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn holder_of(index: usize) -> String {
    format!(
        "share {index} (holder \"{}\")",
        REHEARSAL_HOLDERS[index - 1]
    )
}

/// Secret memory in this test process: the library fixtures below allocate secrets, and CI
/// machines may have a small RLIMIT_MEMLOCK. Only the test process is affected.
fn allow_unlocked_in_tests() {
    secret::set_memory_policy(MemoryPolicy::AllowUnlocked);
}

/// A plan with `holders` holders named `Holder NN`.
fn plan_toml(name: &str, rehearsal: bool, k: u8, n: u8, holders: usize) -> String {
    let mut t = format!(
        "[ceremony]\nname = \"{name}\"\nrehearsal = {rehearsal}\n\n[quorum]\nthreshold = {k}\nshares = {n}\n"
    );
    for i in 1..=holders {
        t.push_str(&format!(
            "\n[[holders]]\nname = \"Holder {i:02}\"\nrole = \"officer {i}\"\nmedium = \"text\"\n"
        ));
    }
    t
}

fn openssl(args: &[&str]) -> String {
    let out = StdCommand::new("openssl")
        .args(args)
        .output()
        .expect("openssl must be installed to run these tests");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?} failed: {text}");
    text
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// Replaces the characters at `columns` (0-based among the 12 symbols) of `row` in a share's
/// text by the next symbol of the alphabet.
fn mistype(share_text: &str, row: usize, columns: &[usize]) -> String {
    let prefix = format!("{row:02} ");
    let mut out = String::new();
    let mut found = false;
    for line in share_text.lines() {
        if let Some(payload) = line.strip_prefix(&prefix) {
            found = true;
            let mut col = 0;
            let mut new = prefix.clone();
            for c in payload.chars() {
                if c == ' ' {
                    new.push(c);
                    continue;
                }
                if columns.contains(&col) {
                    let p = text::ALPHABET.iter().position(|&a| a == c as u8).unwrap();
                    new.push(text::ALPHABET[(p + 1) % 32] as char);
                } else {
                    new.push(c);
                }
                col += 1;
            }
            out.push_str(&new);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    assert!(found, "row {row} not found");
    out
}

// ---------------------------------------------------------------------------------------------
// Successful ceremonies
// ---------------------------------------------------------------------------------------------

#[test]
fn rehearse_writes_a_complete_marked_ceremony() {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("rehearsal");
    let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), dir.as_os_str()]);
    r.ok().stdout_has(&[
        "REHEARSAL",
        "Split 3-of-5",
        "all 10 subsets",
        "Quorum: shares 1 (Alice Rehearsal), 3 (Carol Rehearsal), 5 (Erin Rehearsal) rebuilt the root key",
        "REHEARSAL complete",
    ]);

    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "manifest.json",
            "root.pem",
            "share-01-alice-rehearsal.txt",
            "share-02-bob-rehearsal.txt",
            "share-03-carol-rehearsal.txt",
            "share-04-dave-rehearsal.txt",
            "share-05-erin-rehearsal.txt",
        ],
        "exactly the ceremony outputs, no temporary files left behind"
    );
    let c = Ceremony::open(&dir);
    r.no_secrets(&c.secrets);
    for (i, share) in c.shares.iter().enumerate() {
        assert_eq!(mode(share), 0o600, "{}", share.display());
        let text = fs::read_to_string(share).unwrap();
        assert!(text.contains("REHEARSAL — NOT A REAL SHARE"), "{text}");
        assert!(text.contains(REHEARSAL_HOLDERS[i]), "{text}");
        assert!(text.contains("ROOTKEY SHARE V1"), "{text}");
    }
    assert_eq!(mode(&c.root), 0o644);
    assert_eq!(mode(&c.manifest), 0o644);

    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(&c.manifest).unwrap()).unwrap();
    assert_eq!(manifest["threshold"], 3);
    assert_eq!(manifest["shares_total"], 5);
    assert_eq!(manifest["ceremony"]["rehearsal"], true);
    assert_eq!(manifest["shares"].as_array().unwrap().len(), 5);

    // The certificate, checked by an independent implementation.
    let root = s(&c.root);
    assert!(openssl(&["verify", "-CAfile", &root, &root]).contains(": OK"));
    let x509 = openssl(&["x509", "-in", &root, "-noout", "-text"]);
    for needle in [
        "CA:TRUE",
        "Certificate Sign, CRL Sign",
        "ED25519",
        "X509v3 Basic Constraints: critical",
        "X509v3 Key Usage: critical",
        "Subject Key Identifier",
    ] {
        assert!(x509.contains(needle), "missing {needle:?} in:\n{x509}");
    }
    let subject = openssl(&["x509", "-in", &root, "-noout", "-subject"]);
    assert!(subject.contains("REHEARSAL"), "{subject}");
}

#[test]
fn generate_with_the_real_plan_then_verify_and_combine() {
    let t = TempDir::new().unwrap();
    let plan = repo_path("ceremony-scripts/root-generation.toml");
    let (c, r) = Ceremony::generate(&plan, &t.path().join("ceremony"));
    r.stdout_has(&["Split 3-of-5", "all 10 subsets"])
        .stdout_lacks(&["REHEARSAL"]);
    assert_eq!(c.shares.len(), 5);
    for share in &c.shares {
        assert_eq!(mode(share), 0o600);
        assert!(!fs::read_to_string(share).unwrap().contains("REHEARSAL"));
    }
    let root = s(&c.root);
    assert!(openssl(&["verify", "-CAfile", &root, &root]).contains(": OK"));
    let subject = openssl(&["x509", "-in", &root, "-noout", "-subject"]);
    assert!(subject.contains("Example Corp Root CA"), "{subject}");
    assert!(!subject.contains("REHEARSAL"), "{subject}");

    let holders = [
        "Security officer, jurisdiction A",
        "Security officer, jurisdiction B",
        "Legal counsel",
        "Chief technology officer",
        "Chief information security officer",
    ];
    for (i, h) in holders.iter().enumerate() {
        c.verify(c.share(i + 1))
            .ok()
            .stdout_has(&[
                &format!("OK: share {} of 5 (threshold 3) of holder \"{h}\"", i + 1),
                "is authentic",
            ])
            .stdout_lacks(&["REHEARSAL"]);
    }

    c.combine(&[c.share(2), c.share(4), c.share(5)])
        .ok()
        .stdout_has(&[
            "Quorum: shares 2 (Security officer, jurisdiction B), 4 (Chief technology officer), 5 (Chief information security officer) rebuilt the root key",
            "it matches the root certificate",
        ])
        .stdout_lacks(&["also agrees", "PROBLEM", "REHEARSAL"]);

    let all: Vec<&Path> = c.shares.iter().map(PathBuf::as_path).collect();
    c.combine(&all).ok().stdout_has(&[
        "rebuilt the root key",
        "share 4 (Chief technology officer) also agrees",
        "share 5 (Chief information security officer) also agrees",
    ]);
}

/// Generates a k-of-n ceremony from a plan file written for the test, then verifies every
/// share alone, combines exactly k (the last k) and all n shares.
fn custom_ceremony(k: u8, n: u8) {
    let t = TempDir::new().unwrap();
    let plan = t.path().join(format!("plan-{k}-of-{n}.toml"));
    fs::write(
        &plan,
        plan_toml(&format!("Custom {k} of {n}"), false, k, n, n as usize),
    )
    .unwrap();
    let (c, r) = Ceremony::generate(&plan, &t.path().join("out"));
    r.stdout_has(&[&format!("Split {k}-of-{n}")]);
    assert_eq!(c.shares.len(), n as usize);
    for i in 1..=n as usize {
        assert!(
            c.share(i)
                .to_string_lossy()
                .ends_with(&format!("share-{i:02}-holder-{i:02}.txt"))
        );
        c.verify(c.share(i)).ok().stdout_has(&[&format!(
            "OK: share {i} of {n} (threshold {k}) of holder \"Holder {i:02}\""
        )]);
    }
    let last_k: Vec<&Path> = c.shares[(n - k) as usize..]
        .iter()
        .map(PathBuf::as_path)
        .collect();
    let r = c.combine(&last_k);
    r.ok().stdout_lacks(&["also agrees"]);
    let quorum: Vec<String> = ((n - k + 1)..=n)
        .map(|i| format!("{i} (Holder {i:02})"))
        .collect();
    r.stdout_has(&[&format!("Quorum: shares {} rebuilt", quorum.join(", "))]);

    let all: Vec<&Path> = c.shares.iter().map(PathBuf::as_path).collect();
    let r = c.combine(&all);
    r.ok();
    for i in k + 1..=n {
        r.stdout_has(&[&format!("share {i} (Holder {i:02}) also agrees")]);
    }
}

#[test]
fn generate_custom_plan_2_of_3() {
    custom_ceremony(2, 3);
}

#[test]
fn generate_custom_plan_4_of_7() {
    custom_ceremony(4, 7);
}

#[test]
fn one_line_rks1_form_and_lowercase_typing_are_accepted() {
    allow_unlocked_in_tests();
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let typed = t.path().join("typed");
    fs::create_dir(&typed).unwrap();

    // The compact QR form of share 2, built from the decoded share file.
    let decoded = text::parse(&fs::read(c.share(2)).unwrap()).unwrap();
    let compact = text::encode_compact(&decoded.envelope).unwrap();
    let compact_file = typed.join("share-2-compact.txt");
    fs::write(&compact_file, compact.as_slice()).unwrap();
    c.verify(&compact_file)
        .ok()
        .stdout_has(&["OK: share 2 of 5 (threshold 3) of holder \"Bob Rehearsal\""]);

    // Share 4 typed in lowercase, with CRLF line ends and stray indentation.
    let lower_file = typed.join("share-4-lower.txt");
    let lower: String = fs::read_to_string(c.share(4))
        .unwrap()
        .lines()
        .map(|l| format!("  {}\t\r\n", l.to_lowercase()))
        .collect();
    fs::write(&lower_file, lower).unwrap();
    c.verify(&lower_file)
        .ok()
        .stdout_has(&["OK: share 4 of 5"])
        .stdout_lacks(&["note:"]);

    c.combine(&[&compact_file, c.share(3), &lower_file])
        .ok()
        .stdout_has(&["rebuilt the root key"]);
}

// ---------------------------------------------------------------------------------------------
// Operator mistakes and bad inputs: exit 1
// ---------------------------------------------------------------------------------------------

/// The leak check itself must catch a printed row, with or without its spaces.
#[test]
fn leak_check_catches_a_printed_share_row() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let rows = common::row_payloads(c.share(3));
    for printed in [
        rows[6].clone(),
        format!("{} {} {}", &rows[6][..4], &rows[6][4..8], &rows[6][8..]),
    ] {
        let fake = Run {
            what: "fake".into(),
            code: 0,
            stdout: String::new(),
            stderr: format!("error: row 7 is {printed}, oops"),
        };
        let caught = std::panic::catch_unwind(|| {
            fake.no_secrets(&c.secrets);
        });
        assert!(caught.is_err(), "leak of {printed:?} not detected");
    }
}

#[test]
fn combine_with_fewer_than_k_shares_says_how_many_more() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let before = snapshot(t.path());

    c.combine(&[c.share(1), c.share(4)])
        .code(INPUT)
        .single_error()
        .stderr_has(&[
            "2 share(s) given, the threshold is 3: 1 more needed",
            "1 (Alice Rehearsal), 4 (Dave Rehearsal)",
        ]);
    c.combine(&[c.share(5)])
        .code(INPUT)
        .single_error()
        .stderr_has(&[
            "1 share(s) given, the threshold is 3: 2 more needed",
            "5 (Erin Rehearsal)",
        ]);
    assert_unchanged(t.path(), &before);
}

#[test]
fn combine_refuses_a_share_given_twice() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let copy = t.path().join("copy-of-bob.txt");
    fs::copy(c.share(2), &copy).unwrap();
    let before = snapshot(t.path());

    // The same file twice.
    c.combine(&[c.share(1), c.share(2), c.share(2)])
        .code(INPUT)
        .single_error()
        .stderr_has(&[&format!("{} is given twice", holder_of(2)), &s(c.share(2))]);
    // A copy under another name: both file names are reported.
    c.combine(&[c.share(2), c.share(3), &copy])
        .code(INPUT)
        .single_error()
        .stderr_has(&[
            &format!("{} is given twice", holder_of(2)),
            &format!("{} and {}", s(c.share(2)), s(&copy)),
        ]);
    assert_unchanged(t.path(), &before);
}

#[test]
fn out_directory_holding_a_ceremony_is_refused() {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("c");
    Ceremony::rehearse(&dir);
    let partial = t.path().join("partial");
    fs::create_dir(&partial).unwrap();
    fs::write(partial.join("share-01-someone.txt"), "left over\n").unwrap();
    let not_a_dir = t.path().join("plain-file");
    fs::write(&not_a_dir, "x").unwrap();
    let before = snapshot(t.path());

    rootkey(["rehearse".as_ref(), "--out".as_ref(), dir.as_os_str()])
        .code(INPUT)
        .single_error()
        .stderr_has(&[
            &format!("--out {}: already holds a ceremony", s(&dir)),
            "nothing was written",
        ]);
    let plan = repo_path("ceremony-scripts/root-generation.toml");
    for out in [&dir, &partial] {
        rootkey([
            "generate".as_ref(),
            "--plan".as_ref(),
            plan.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
        .code(INPUT)
        .single_error()
        .stderr_has(&[&format!("--out {}: already holds a ceremony", s(out))]);
    }
    rootkey(["rehearse".as_ref(), "--out".as_ref(), not_a_dir.as_os_str()])
        .code(INPUT)
        .single_error()
        .stderr_has(&[&format!(
            "--out {}: exists and is not a directory",
            s(&not_a_dir)
        )]);
    assert_unchanged(t.path(), &before);
}

/// Runs `generate` with a plan holding `toml`; expects exit 1, an error naming the plan file
/// and `needle`, and no output directory.
fn bad_plan(toml: &str, needle: &str) {
    let t = TempDir::new().unwrap();
    let plan = t.path().join("bad-plan.toml");
    fs::write(&plan, toml).unwrap();
    let out = t.path().join("out");
    let before = snapshot(t.path());
    rootkey([
        "generate".as_ref(),
        "--plan".as_ref(),
        plan.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .code(INPUT)
    .single_error()
    .stderr_has(&[&format!("plan {}", s(&plan)), needle]);
    assert_unchanged(t.path(), &before);
}

#[test]
fn plan_with_k_greater_than_n_is_refused() {
    bad_plan(
        &plan_toml("k > n", false, 6, 5, 5),
        "threshold k = 6 is greater than the number of shares n = 5",
    );
}

#[test]
fn plan_with_17_holders_is_refused() {
    bad_plan(
        &plan_toml("too many", false, 3, 17, 17),
        "17 shares requested, but at most 16 are supported",
    );
}

#[test]
fn plan_with_holder_count_not_matching_shares_is_refused() {
    bad_plan(
        &plan_toml("4 holders", false, 3, 5, 4),
        "[quorum] shares = 5 but 4 holders are listed",
    );
    bad_plan(
        &plan_toml("6 holders", false, 3, 5, 6),
        "[quorum] shares = 5 but 6 holders are listed",
    );
}

#[test]
fn plan_with_other_mistakes_is_refused() {
    bad_plan(
        &plan_toml("k = 1", false, 1, 3, 3),
        "threshold k = 1 is below 2",
    );
    bad_plan(
        &plan_toml("dup", false, 2, 3, 3).replace("Holder 03", "Holder 01"),
        "holders 1 and 3 are both named \"Holder 01\"",
    );
    // A TOML mistake is reported with its line.
    bad_plan(
        &plan_toml("typo", false, 2, 3, 3).replace("medium = \"text\"\n", "medium = \"txt\"\n"),
        ", line ",
    );
    // A missing plan file.
    let t = TempDir::new().unwrap();
    let plan = t.path().join("no-such-plan.toml");
    let out = t.path().join("out");
    rootkey([
        "generate".as_ref(),
        "--plan".as_ref(),
        plan.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
    .code(INPUT)
    .single_error()
    .stderr_has(&[&format!("cannot read plan {}", s(&plan))]);
    assert!(!out.exists());
}

#[test]
fn allow_unlocked_memory_is_refused_for_real_ceremonies() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("out");
    let plan = repo_path("ceremony-scripts/root-generation.toml");
    let r = rootkey([
        "generate".as_ref(),
        "--plan".as_ref(),
        plan.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--allow-unlocked-memory".as_ref(),
    ]);
    r.code(INPUT).single_error().stderr_has(&[
        "--allow-unlocked-memory is only allowed for rehearsal plans",
        "ulimit -l",
    ]);
    assert!(!out.exists(), "nothing may be created");

    // combine on a real ceremony refuses it as well.
    let (c, _) = Ceremony::generate(&plan, &t.path().join("real"));
    let before = snapshot(t.path());
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "combine".as_ref(),
        "--manifest".as_ref(),
        c.manifest.as_os_str(),
        "--root".as_ref(),
        c.root.as_os_str(),
        "--allow-unlocked-memory".as_ref(),
    ];
    args.extend(c.shares[..3].iter().map(|p| p.as_os_str()));
    rootkey(args)
        .code(INPUT)
        .single_error()
        .stderr_has(&["--allow-unlocked-memory is only allowed for rehearsal ceremonies"])
        .no_secrets(&c.secrets);
    assert_unchanged(t.path(), &before);
}

#[test]
fn files_that_are_not_shares_are_named() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let junk = t.path().join("junk");
    fs::create_dir(&junk).unwrap();

    let mut rng = StdRng::seed_from_u64(11);
    let random_text: String = (0..20)
        .map(|_| {
            let line: String = (0..40)
                .map(|_| rng.random_range(b' '..=b'~') as char)
                .collect();
            line + "\n"
        })
        .collect();
    let not_share = junk.join("random.txt");
    fs::write(&not_share, random_text).unwrap();
    let mut binary = vec![0u8; 4096];
    rng.fill(&mut binary[..]);
    let binary_file = junk.join("random.bin");
    fs::write(&binary_file, &binary).unwrap();
    let empty = junk.join("empty.txt");
    fs::write(&empty, "").unwrap();
    let comments_only = junk.join("comments.txt");
    fs::write(&comments_only, "# just a comment\n\n# another\n").unwrap();
    let huge = junk.join("huge.txt");
    fs::write(&huge, "A".repeat(20_000)).unwrap();
    let missing = junk.join("missing.txt");
    let truncated = junk.join("truncated.txt");
    let text: String = fs::read_to_string(c.share(1))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("13 "))
        .map(|l| format!("{l}\n"))
        .collect();
    fs::write(&truncated, text).unwrap();

    let cases: Vec<(&Path, Vec<String>)> = vec![
        (
            &not_share,
            vec![format!("share file {}: not a rootkey share", s(&not_share))],
        ),
        (
            &binary_file,
            vec![format!(
                "share file {}: not a rootkey share",
                s(&binary_file)
            )],
        ),
        (
            &empty,
            vec![format!(
                "share file {}: no share found (the input is empty)",
                s(&empty)
            )],
        ),
        (
            &comments_only,
            vec![format!("share file {}: no share found", s(&comments_only))],
        ),
        (
            &huge,
            vec![format!(
                "share file {}: larger than 16384 bytes, so not a share file",
                s(&huge)
            )],
        ),
        (
            &missing,
            vec![format!("share file {}: cannot read", s(&missing))],
        ),
        (
            &truncated,
            vec![format!("share file {}: row 13 is missing", s(&truncated))],
        ),
    ];
    let before = snapshot(t.path());
    for (file, needles) in &cases {
        let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
        c.verify(file)
            .code(INPUT)
            .single_error()
            .stderr_has(&needles);
        c.combine(&[c.share(1), file, c.share(3)])
            .code(INPUT)
            .single_error()
            .stderr_has(&needles);
    }
    assert_unchanged(t.path(), &before);
}

#[test]
fn mistyped_rows_are_named_or_corrected() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let typed = t.path().join("typed");
    fs::create_dir(&typed).unwrap();
    let original = fs::read_to_string(c.share(1)).unwrap();

    // Two wrong characters in row 5: detected, not corrected.
    let two = typed.join("share-1-two-errors.txt");
    fs::write(&two, mistype(&original, 5, &[1, 7])).unwrap();
    // One wrong character in row 4 (the 2nd character): corrected, with a note.
    let one = typed.join("share-1-one-error.txt");
    fs::write(&one, mistype(&original, 4, &[1])).unwrap();
    // Rows 4 and 5 swapped.
    let swapped = typed.join("share-1-swapped.txt");
    let lines: Vec<String> = original.lines().map(str::to_string).collect();
    let i4 = lines.iter().position(|l| l.starts_with("04 ")).unwrap();
    let mut sw = lines.clone();
    sw[i4] = format!("04 {}", &lines[i4 + 1][3..]);
    sw[i4 + 1] = format!("05 {}", &lines[i4][3..]);
    fs::write(&swapped, sw.join("\n") + "\n").unwrap();
    // A character outside the alphabet.
    let bad_char = typed.join("share-1-bad-char.txt");
    fs::write(&bad_char, original.replacen("\n06 ", "\n06 U", 1)).unwrap();
    let before = snapshot(t.path());

    let two_needles = [
        format!("share file {}", s(&two)),
        "row 5: more than one character is wrong".to_string(),
    ];
    let two_needles: Vec<&str> = two_needles.iter().map(String::as_str).collect();
    c.verify(&two)
        .code(INPUT)
        .single_error()
        .stderr_has(&two_needles);
    c.combine(&[&two, c.share(2), c.share(3)])
        .code(INPUT)
        .single_error()
        .stderr_has(&two_needles);

    let note = "note: share 1, row 4 — character 2 was wrong and has been corrected";
    c.verify(&one).ok().stdout_has(&["OK: share 1 of 5", note]);
    c.combine(&[c.share(3), &one, c.share(2)])
        .ok()
        .stdout_has(&["rebuilt the root key", note]);

    c.verify(&swapped)
        .code(INPUT)
        .single_error()
        .stderr_has(&[&s(&swapped), "row 4: this is the text of row 5"]);
    c.verify(&bad_char)
        .code(INPUT)
        .single_error()
        .stderr_has(&[&s(&bad_char), "row 6, character 1: not a share character"]);
    assert_unchanged(t.path(), &before);
}

// ---------------------------------------------------------------------------------------------
// Verification failures: exit 3
// ---------------------------------------------------------------------------------------------

#[test]
fn share_of_another_ceremony_is_refused() {
    let t = TempDir::new().unwrap();
    let a = Ceremony::rehearse(&t.path().join("a"));
    let b = Ceremony::rehearse(&t.path().join("b"));
    let mut secrets = a.secrets.clone();
    secrets.0.extend(b.secrets.0.iter().cloned());
    let before = snapshot(t.path());

    verify_with(&a.manifest, &a.root, b.share(1), &secrets)
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&[&format!(
            "share 1, file {}: belongs to another ceremony",
            s(b.share(1))
        )]);
    combine_with(
        &a.manifest,
        &a.root,
        &[a.share(1), a.share(2), b.share(3)],
        &secrets,
    )
    .code(VERIFICATION)
    .single_error()
    .stderr_has(&[
        &format!(
            "share 3, file {}: belongs to another ceremony",
            s(b.share(3))
        ),
        "belongs to another ceremony",
    ]);
    assert_unchanged(t.path(), &before);
}

#[test]
fn share_whose_digest_is_not_in_the_manifest_is_refused() {
    allow_unlocked_in_tests();
    let t = TempDir::new().unwrap();
    let mut c = Ceremony::rehearse(&t.path().join("c"));
    // Same header as the real share 2 (ceremony, fingerprint, k, n, index), other value.
    let real = text::parse(&fs::read(c.share(2)).unwrap()).unwrap();
    let header = real.envelope.header();
    assert_eq!(header.index, 2);
    let forged = Envelope::new(&header, &[0xA5; 32]).unwrap();
    assert_eq!(forged.header(), header);
    let forged_file = t.path().join("forged-share-02.txt");
    fs::write(
        &forged_file,
        text::encode_file_form(&forged).unwrap().as_slice(),
    )
    .unwrap();
    c.secrets.add_share(&forged_file);
    let before = snapshot(t.path());

    let needles = [
        format!("{}, file {}", holder_of(2), s(&forged_file)),
        "its digest is not in the manifest".to_string(),
    ];
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    c.verify(&forged_file)
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&needles);
    c.combine(&[c.share(1), &forged_file, c.share(3)])
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&needles);
    assert_unchanged(t.path(), &before);
}

#[test]
fn manifest_with_an_edited_holder_fails_its_signature() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let edited = t.path().join("edited-manifest.json");
    let json = fs::read_to_string(&c.manifest).unwrap();
    assert!(json.contains("\"Bob Rehearsal\""));
    fs::write(&edited, json.replace("\"Bob Rehearsal\"", "\"Mallory\"")).unwrap();
    let before = snapshot(t.path());

    let needles = [
        format!("manifest {}", s(&edited)),
        "signature does not verify".to_string(),
    ];
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    verify_with(&edited, &c.root, c.share(2), &c.secrets)
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&needles);
    combine_with(
        &edited,
        &c.root,
        &[c.share(1), c.share(2), c.share(3)],
        &c.secrets,
    )
    .code(VERIFICATION)
    .single_error()
    .stderr_has(&needles);
    assert_unchanged(t.path(), &before);
}

#[test]
fn root_certificate_of_another_ceremony_is_refused() {
    let t = TempDir::new().unwrap();
    let a = Ceremony::rehearse(&t.path().join("a"));
    let b = Ceremony::rehearse(&t.path().join("b"));
    let before = snapshot(t.path());

    let needles = [
        format!("manifest {}", s(&a.manifest)),
        "belongs to another root key than the root certificate".to_string(),
    ];
    let needles: Vec<&str> = needles.iter().map(String::as_str).collect();
    verify_with(&a.manifest, &b.root, a.share(1), &a.secrets)
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&needles);
    combine_with(
        &a.manifest,
        &b.root,
        &[a.share(1), a.share(2), a.share(3)],
        &a.secrets,
    )
    .code(VERIFICATION)
    .single_error()
    .stderr_has(&needles);
    assert_unchanged(t.path(), &before);
}

#[test]
fn missing_manifest_or_root_is_named() {
    let t = TempDir::new().unwrap();
    let c = Ceremony::rehearse(&t.path().join("c"));
    let nowhere = t.path().join("nowhere");
    let before = snapshot(t.path());
    verify_with(
        &nowhere.join("manifest.json"),
        &c.root,
        c.share(1),
        &c.secrets,
    )
    .code(INPUT)
    .single_error()
    .stderr_has(&[&format!(
        "cannot read manifest {}",
        s(&nowhere.join("manifest.json"))
    )]);
    verify_with(
        &c.manifest,
        &nowhere.join("root.pem"),
        c.share(1),
        &c.secrets,
    )
    .code(INPUT)
    .single_error()
    .stderr_has(&[&format!(
        "cannot read root certificate {}",
        s(&nowhere.join("root.pem"))
    )]);
    assert_unchanged(t.path(), &before);
}

/// Writes, with the library, a rehearsal ceremony whose manifest is validly signed over five
/// shares of which share `bad` carries a wrong value: shares 1..5 except `bad` rebuild the key
/// of root.pem, any quorum including `bad` rebuilds another key.
fn ceremony_with_a_bad_share(dir: &Path, bad: usize) {
    allow_unlocked_in_tests();
    let seed = SecretBytes::copy_from(&[7u8; 32]).unwrap();
    let key = RootKey::from_seed(&seed).unwrap();
    let mut rng = StdRng::seed_from_u64(2026);
    let (mut points, checked) = shamir::split(&seed, 3, 5, &mut rng).unwrap();
    assert_eq!(checked, 10);
    let mut wrong = [0x3cu8; 32];
    for (w, y) in wrong.iter_mut().zip(points[bad - 1].y.as_slice()) {
        *w ^= *y;
    }
    points[bad - 1].y = SecretBytes::copy_from(&wrong).unwrap();
    let plan = Plan::parse(REHEARSAL_PLAN, "ceremony-scripts/rehearsal.toml").unwrap();
    let profile = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "templates/root.toml").unwrap();
    let outputs = ceremony::build_outputs(
        &key,
        &points,
        &BuildParams {
            plan: &plan,
            profile: &profile,
            ceremony_id: [0x5e; 16],
            now: SystemTime::now(),
            memory_locked: true,
        },
    )
    .unwrap();
    fs::create_dir_all(dir).unwrap();
    ceremony::write_outputs(dir, &outputs).unwrap();
}

#[test]
fn shares_that_rebuild_another_key_are_refused() {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("bad-split");
    ceremony_with_a_bad_share(&dir, 2);
    let c = Ceremony::open(&dir);
    assert_eq!(c.shares.len(), 5);
    let before = snapshot(t.path());

    // The manifest is signed over the bad share, so alone it looks authentic.
    c.verify(c.share(2)).ok().stdout_has(&["OK: share 2 of 5"]);

    // Exactly k shares including the bad one: no quorum matches root.pem.
    c.combine(&[c.share(1), c.share(2), c.share(3)])
        .code(VERIFICATION)
        .single_error()
        .stderr_has(&[
            "shares 1 (Alice Rehearsal), 2 (Bob Rehearsal), 3 (Carol Rehearsal) rebuild a key that does not match root.pem",
            "no 3 of them agree with the root certificate",
        ]);

    // All n shares: the consistent quorum is found and the bad share is named.
    let all: Vec<&Path> = c.shares.iter().map(PathBuf::as_path).collect();
    c.combine(&all)
        .code(VERIFICATION)
        .stdout_has(&[
            "Quorum: shares 1 (Alice Rehearsal), 3 (Carol Rehearsal), 4 (Dave Rehearsal) rebuilt the root key",
            "share 5 (Erin Rehearsal) also agrees",
            &format!(
                "PROBLEM: share 2 (Bob Rehearsal, {}) does NOT agree with the quorum",
                s(c.share(2))
            ),
        ]);
    assert_unchanged(t.path(), &before);
}

/// Every failing run names the problem on stderr, including a share that disagrees with the
/// quorum (the quorum itself is reported on stdout).
#[test]
fn disagreeing_share_is_reported_on_stderr() {
    let t = TempDir::new().unwrap();
    let dir = t.path().join("bad-split");
    ceremony_with_a_bad_share(&dir, 2);
    let c = Ceremony::open(&dir);
    let all: Vec<&Path> = c.shares.iter().map(PathBuf::as_path).collect();
    c.combine(&all).code(VERIFICATION).stderr_has(&[
        "error: ",
        "share 2",
        "Bob Rehearsal",
        &s(c.share(2)),
    ]);
}

// ---------------------------------------------------------------------------------------------
// Usage and help
// ---------------------------------------------------------------------------------------------

#[test]
fn help_of_every_command_has_an_example() {
    for args in [
        &["generate", "--help"][..],
        &["rehearse", "--help"],
        &["combine", "--help"],
        &["share", "verify", "--help"],
        &["help", "combine"],
    ] {
        let r = rootkey(args);
        r.ok().stdout_has(&["Example", "rootkey "]);
    }
    rootkey(["--help"]).ok().stdout_has(&[
        "Exit codes",
        "generate",
        "rehearse",
        "combine",
        "share",
    ]);
}

#[test]
fn help_of_share_group_has_an_example() {
    rootkey(["share", "--help"]).ok().stdout_has(&["Example"]);
}

#[test]
fn usage_errors_exit_2() {
    let t = TempDir::new().unwrap();
    let before = snapshot(t.path());
    let m = t.path().join("manifest.json");
    let r = t.path().join("root.pem");
    // combine without any share.
    rootkey([
        "combine".as_ref(),
        "--manifest".as_ref(),
        m.as_os_str(),
        "--root".as_ref(),
        r.as_os_str(),
    ])
    .code(USAGE)
    .stderr_has(&["<SHARE>"]);
    rootkey(["generate", "--plan", "p.toml"])
        .code(USAGE)
        .stderr_has(&["--out"]);
    rootkey(["rehearse", "--out", "x", "--no-such-flag"])
        .code(USAGE)
        .stderr_has(&["--no-such-flag"]);
    rootkey(["frobnicate"]).code(USAGE);
    assert_unchanged(t.path(), &before);
}
