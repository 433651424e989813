//! File-system faults through the real binary (issue 10, item 3): a ceremony killed with
//! SIGKILL at any file system call leaves a transcript that `transcript verify --artifacts`
//! calls valid but unsealed (exit 3), never invalid; the secret leftovers of a killed or failed
//! run are named as secret, with the command that wipes them; a symbolic link (dangling or
//! not) named like any file a command writes is refused before the first write; `paper wipe`
//! never zeroes through a symbolic or hard link; a dangling `--out` link and a FAT file system
//! get their own messages, and a refused `--out` leaves no directory behind.
//!
//! Kills and failed calls are injected with `strace -e inject=…` at the exact system call (the
//! campaign's method); those tests say so and pass without checking anything where strace
//! cannot trace. The FAT test mounts a real FAT image with `fusefat` (root and /dev/fuse
//! needed; skipped otherwise).

mod common;

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use tempfile::TempDir;

use common::{Ceremony, Run, rootkey, s};

const BIN: &str = env!("CARGO_BIN_EXE_rootkey");

struct Fixture {
    _dir: TempDir,
    dir: PathBuf,
    c: Ceremony,
    /// A second CSR (its key differs from the previous intermediate's) and its DER hash.
    csr: PathBuf,
    csr_sha256: String,
    /// An intermediate signed from a first CSR: the `--previous` of the rotations here.
    previous: PathBuf,
    /// A first CRL: the `--previous-crl` of the CRL ceremonies here.
    crl: PathBuf,
}

/// A rehearsal ceremony with five text shares, a previous intermediate and a first CRL.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let d = TempDir::new().unwrap();
        let dir = d.path().to_path_buf();
        let c = Ceremony::rehearse(&dir.join("root"));
        let work = dir.join("csr");
        fs::create_dir_all(&work).unwrap();
        let first = common::openssl_csr(&work, "first", "ed25519", common::CSR_SUBJECT);
        let csr = common::openssl_csr(&work, "next", "ed25519", common::CSR_SUBJECT);
        let csr_sha256 = common::csr_der_sha256(&csr);
        let mut f = Fixture {
            _dir: d,
            dir: dir.clone(),
            c,
            csr: first.clone(),
            csr_sha256: common::csr_der_sha256(&first),
            previous: PathBuf::new(),
            crl: PathBuf::new(),
        };
        rootkey(rotation_args(&f, &dir.join("int1"), false)).ok();
        rootkey(crl_args(&f, &dir.join("crl1"), false)).ok();
        // The next CRL's thisUpdate must be later, to the second.
        std::thread::sleep(Duration::from_millis(1100));
        f.previous = dir.join("int1/intermediate.pem");
        f.crl = dir.join("crl1/root.crl");
        f.csr = csr;
        f.csr_sha256 = csr_sha256;
        f
    })
}

fn quorum(f: &Fixture, args: &mut Vec<String>) {
    args.extend([
        "--root".into(),
        s(&f.c.root),
        "--manifest".into(),
        s(&f.c.manifest),
    ]);
    for i in 1..=3 {
        args.extend(["--share".into(), s(f.c.share(i))]);
    }
    args.extend(["--confirm", "Ann Officer", "--confirm", "Bob Witness"].map(String::from));
}

/// `intermediate sign` of the fixture's CSR into `out` (with `--previous` if `previous`).
fn rotation_args(f: &Fixture, out: &Path, previous: bool) -> Vec<String> {
    let mut a: Vec<String> = ["intermediate", "sign", "--csr"].map(String::from).to_vec();
    a.extend([s(&f.csr), "--csr-sha256".into(), f.csr_sha256.clone()]);
    a.extend([
        "--profile".into(),
        s(&common::repo_path("templates/intermediate.toml")),
    ]);
    a.extend(["--out".into(), s(out)]);
    if previous {
        a.extend(["--previous".into(), s(&f.previous)]);
    }
    quorum(f, &mut a);
    a
}

/// `crl sign` into `out`: the first CRL, or the next one after the fixture's.
fn crl_args(f: &Fixture, out: &Path, previous: bool) -> Vec<String> {
    let mut a: Vec<String> = ["crl", "sign", "--out"].map(String::from).to_vec();
    a.push(s(out));
    if previous {
        a.extend([
            "--previous-crl".into(),
            s(&f.crl),
            "--revoke".into(),
            "5678".into(),
        ]);
    } else {
        a.extend(["--first-crl", "--revoke", "1234"].map(String::from));
    }
    quorum(f, &mut a);
    a
}

/// Whether strace can trace and inject here (ptrace may be forbidden in a container).
fn strace_works() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        let ok = Command::new("strace")
            .args([
                "-f",
                "-o",
                "/dev/null",
                "-e",
                "inject=getppid:retval=7",
                "true",
            ])
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("skipped: strace cannot trace and inject system calls here");
        }
        ok
    })
}

/// Runs `rootkey ARGS` under `strace -f -o /dev/null STRACE_ARGS` (60 s timeout).
fn under_strace(strace_args: &[&str], args: &[String]) -> Output {
    assert_cmd::Command::new("strace")
        .args(["-f", "-o", "/dev/null"])
        .args(strace_args)
        .arg(BIN)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

fn killed(o: &Output) -> bool {
    use std::os::unix::process::ExitStatusExt;
    o.status.signal() == Some(9)
}

/// The names in `dir`, sorted, a symbolic link shown as `NAME -> TARGET`.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let n = e.file_name().to_string_lossy().into_owned();
            match fs::read_link(e.path()) {
                Ok(t) => format!("{n} -> {}", t.display()),
                Err(_) => n,
            }
        })
        .collect();
    v.sort();
    v
}

fn verify(out: &Path) -> Run {
    verify_against(out, Some(&fixture().c.root))
}

/// `transcript verify DIR/transcript.jsonl [--root ROOT] --artifacts DIR`.
fn verify_against(out: &Path, root: Option<&Path>) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "transcript".as_ref(),
        "verify".as_ref(),
        "--artifacts".as_ref(),
        out.as_os_str(),
    ];
    let t = out.join("transcript.jsonl");
    args.push(t.as_os_str());
    if let Some(r) = root {
        args.extend(["--root".as_ref(), r.as_os_str()]);
    }
    rootkey(args)
}

fn private_dir(p: &Path) {
    fs::create_dir_all(p).unwrap();
    fs::set_permissions(p, fs::Permissions::from_mode(0o700)).unwrap();
}

// (a) An interrupted rotation or CRL ceremony verifies as valid but unsealed.

#[test]
fn a_kill_as_an_input_copy_is_linked_leaves_a_valid_unsealed_transcript() {
    if !strace_works() {
        return;
    }
    let f = fixture();
    let work = f.dir.join("kill-copy");
    let csr_name = f.csr.file_name().unwrap().to_string_lossy().into_owned();
    let cases: [(&str, &str); 7] = [
        ("rotation", "root.pem"),
        ("rotation", "manifest.json"),
        ("rotation", &csr_name),
        ("rotation", "previous-intermediate.pem"),
        ("crl", "root.pem"),
        ("crl", "manifest.json"),
        ("crl", "previous-root.crl"),
    ];
    for (kind, name) in cases {
        let out = work.join(format!("{kind}-{name}"));
        let args = match kind {
            "rotation" => rotation_args(f, &out, true),
            _ => crl_args(f, &out, true),
        };
        let target = s(&out.join(name));
        let o = under_strace(
            &[
                "-P",
                &target,
                "-e",
                "trace=linkat",
                "-e",
                "inject=linkat:signal=KILL",
            ],
            &args,
        );
        assert!(killed(&o), "{kind}: not killed at {name}: {o:?}");
        assert!(!out.join(name).exists(), "{kind}: {name} was linked");
        verify(&out)
            .code(3)
            .stdout_has(&["Result: VALID but UNSEALED", "interrupted"]);
    }
}

const ALL_CALLS: &[&str] = &["linkat", "fsync", "fdatasync", "unlink", "write", "mkdir"];

/// Kills a ceremony at the n-th call of each of these system calls, for every n until the
/// ceremony completes, and checks every transcript left behind.
fn kill_everywhere(
    kind: &str,
    calls: &[&str],
    root: Option<&Path>,
    make: impl Fn(&Path) -> Vec<String>,
) -> usize {
    let work = fixture().dir.join(format!("kill-{kind}"));
    let mut kills = 0;
    for &call in calls {
        for n in 1..200 {
            let out = work.join(format!("{call}-{n}"));
            let inject = format!("inject={call}:signal=KILL:when={n}");
            let o = under_strace(
                &["-e", &format!("trace={call}"), "-e", &inject],
                &make(&out),
            );
            if o.status.success() {
                break;
            }
            assert!(killed(&o), "{kind}, {call} #{n}: {o:?}");
            kills += 1;
            if !out.join("transcript.jsonl").exists() {
                // Killed before the transcript was linked into place: only temporary files.
                continue;
            }
            let v = verify_against(&out, root);
            let sealed = fs::read_to_string(out.join("transcript.jsonl"))
                .unwrap()
                .lines()
                .last()
                .is_some_and(|l| l.contains("\"action\":\"seal\""));
            if sealed {
                v.code(0);
            } else {
                v.code(3).stdout_has(&["Result: VALID but UNSEALED"]);
            }
        }
    }
    kills
}

#[test]
fn a_rotation_killed_at_any_file_call_verifies_as_unsealed_never_invalid() {
    if !strace_works() {
        return;
    }
    let f = fixture();
    let kills = kill_everywhere("rotation", ALL_CALLS, Some(&f.c.root), |out| {
        rotation_args(f, out, true)
    });
    assert!(kills > 40, "only {kills} kill points");
}

#[test]
fn a_crl_ceremony_killed_at_any_file_call_verifies_as_unsealed_never_invalid() {
    if !strace_works() {
        return;
    }
    let f = fixture();
    let kills = kill_everywhere("crl", ALL_CALLS, Some(&f.c.root), |out| {
        crl_args(f, out, true)
    });
    assert!(kills > 40, "only {kills} kill points");
}

#[test]
fn a_generation_killed_at_any_link_or_sync_verifies_as_unsealed_never_invalid() {
    if !strace_works() {
        return;
    }
    // Its own root.pem (in the directory, once written) is the one checked.
    let kills = kill_everywhere("generation", &["linkat", "fdatasync"], None, generate);
    assert!(kills > 15, "only {kills} kill points");
}

// (b) Secret leftovers are named, with the command that wipes them.

fn generate(out: &Path) -> Vec<String> {
    ["generate", "--plan"]
        .map(String::from)
        .into_iter()
        .chain([s(&common::text_rehearsal_plan()), "--out".into(), s(out)])
        .collect()
}

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
        let target = s(&out.join("share-03-carol-rehearsal.txt"));
        let o = under_strace(
            &[
                "-P",
                &target,
                "-e",
                "trace=linkat",
                "-e",
                "inject=linkat:signal=KILL",
            ],
            &generate(&out),
        );
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
    let target = s(&out.join("share-04-dave-rehearsal.pdf"));
    let args: Vec<String> = vec!["rehearse".into(), "--out".into(), s(&out)];
    let o = under_strace(
        &[
            "-P",
            &target,
            "-e",
            "trace=linkat",
            "-e",
            "inject=linkat:signal=KILL",
        ],
        &args,
    );
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
    let tmp = temp_share(&out);
    let d = s(&out);
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "error: {d}/share-03-carol-rehearsal.txt was written, but its temporary copy {d}/{tmp} could not be removed: Permission denied (os error 13)\n  next step: the ceremony is incomplete; {tmp}, share-01-alice-rehearsal.txt, share-02-bob-rehearsal.txt, share-03-carol-rehearsal.txt in {d} are SECRET (shares of a key whose ceremony never completed): wipe them with `shred -u {d}/share-* {d}/.share-*.tmp-*`, then run again in a new, empty directory\n"
        )
    );
    // The run ended with an `aborted` entry: valid but unsealed.
    let t = fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    assert!(t.lines().last().unwrap().contains("\"action\":\"aborted\""));
}

// (c) A link named like any file a command writes is refused before the first write.

const LINK_HINT: &str = "  next step: use a new, empty output directory — rootkey never replaces a file and never writes through a link\n";

/// Runs `args` against an output directory holding only a symbolic link `name` (dangling, or
/// to an existing file); asserts the golden refusal and that nothing was written.
fn refused_for_link(out: &Path, name: &str, dangling: bool, args: &[String]) {
    private_dir(out);
    let victim = out.with_extension("victim");
    if dangling {
        let _ = fs::remove_file(&victim);
    } else {
        fs::write(&victim, b"not yours").unwrap();
    }
    symlink(&victim, out.join(name)).unwrap();
    let before = listing(out);
    let r = rootkey(args);
    r.code(1);
    let what = if dangling {
        format!(
            "a symbolic link to {}, which does not exist",
            victim.display()
        )
    } else {
        format!("a symbolic link to {}", victim.display())
    };
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {}: {name} ({what}) already exists, and this command writes a file of that name; nothing was written\n{LINK_HINT}",
            out.display()
        ),
        "{}",
        r.what
    );
    assert_eq!(listing(out), before, "{}: something was written", r.what);
    if dangling {
        assert!(!victim.exists(), "written through the link");
    } else {
        assert_eq!(fs::read(&victim).unwrap(), b"not yours");
    }
}

#[test]
fn a_link_named_like_an_output_or_input_copy_is_refused_before_any_write() {
    let f = fixture();
    let w = f.dir.join("links");
    let csr_name = f.csr.file_name().unwrap().to_string_lossy().into_owned();
    let combine = |out: &Path| {
        let mut a: Vec<String> = vec!["combine".into(), "--out".into(), s(out)];
        a.extend([
            "--root".into(),
            s(&f.c.root),
            "--manifest".into(),
            s(&f.c.manifest),
        ]);
        a.extend((1..=3).map(|i| s(f.c.share(i))));
        a
    };
    let cases: Vec<(&str, &str, bool, Vec<String>)> = vec![
        (
            "gen-share",
            "share-02-bob-rehearsal.txt",
            true,
            generate(&w.join("gen-share")),
        ),
        ("gen-root", "root.pem", false, generate(&w.join("gen-root"))),
        (
            "reh",
            "manifest.json",
            true,
            vec!["rehearse".into(), "--out".into(), s(&w.join("reh"))],
        ),
        ("comb", "transcript.jsonl", true, combine(&w.join("comb"))),
        (
            "rot-csr",
            &csr_name,
            true,
            rotation_args(f, &w.join("rot-csr"), true),
        ),
        (
            "rot-prev",
            "previous-intermediate.pem",
            false,
            rotation_args(f, &w.join("rot-prev"), true),
        ),
        (
            "rot-root",
            "root.pem",
            true,
            rotation_args(f, &w.join("rot-root"), true),
        ),
        (
            "rot-chain",
            "intermediate-chain.pem",
            true,
            rotation_args(f, &w.join("rot-chain"), false),
        ),
        (
            "crl-prev",
            "previous-root.crl",
            true,
            crl_args(f, &w.join("crl-prev"), true),
        ),
        (
            "crl-pem",
            "root.crl.pem",
            false,
            crl_args(f, &w.join("crl-pem"), true),
        ),
    ];
    for (dir, name, dangling, args) in cases {
        refused_for_link(&w.join(dir), name, dangling, &args);
    }
}

#[test]
fn transcript_report_checks_both_outputs_before_writing_either() {
    let f = fixture();
    let w = f.dir.join("report");
    private_dir(&w);
    let md = w.join("report.md");
    let pdf = w.join("report.pdf");
    symlink(w.join("nowhere.pdf"), &pdf).unwrap();
    let r = rootkey([
        "transcript".as_ref(),
        "report".as_ref(),
        f.dir.join("root/transcript.jsonl").as_os_str(),
        "--out".as_ref(),
        md.as_os_str(),
        "--pdf".as_ref(),
        pdf.as_os_str(),
    ]);
    r.code(1);
    assert_eq!(
        r.stderr,
        format!(
            "error: --pdf {}: already exists (a symbolic link to {}, which does not exist); refusing to overwrite it — nothing was written\n  next step: give a file name that does not exist yet\n",
            pdf.display(),
            w.join("nowhere.pdf").display()
        )
    );
    assert_eq!(
        listing(&w),
        [format!("report.pdf -> {}", s(&w.join("nowhere.pdf")))]
    );
}

// (d) paper wipe never zeroes through a link.

#[test]
fn paper_wipe_refuses_hard_links_and_symbolic_links() {
    let f = fixture();
    let dir = f.dir.join("wipe");
    rootkey(["rehearse", "--out", &s(&dir)]).ok();
    let p3 = dir.join("share-03-carol-rehearsal.pdf");
    let p4 = dir.join("share-04-dave-rehearsal.pdf");
    let p5 = dir.join("share-05-erin-rehearsal.pdf");
    // A hard link elsewhere to shard 3; shard 4 replaced by a link to a file outside.
    let other = f.dir.join("wipe-other-name.pdf");
    fs::hard_link(&p3, &other).unwrap();
    let outside = f.dir.join("wipe-outside.pdf");
    fs::rename(&p4, &outside).unwrap();
    symlink(&outside, &p4).unwrap();
    let (b3, b4) = (fs::read(&p3).unwrap(), fs::read(&outside).unwrap());
    let d = s(&dir);
    let r = rootkey(["paper", "wipe", d.as_str()]);
    r.code(1);
    assert_eq!(
        r.stdout,
        format!(
            "wiped {}\n1 paper shard file(s) overwritten and removed from {d}\n",
            s(&p5)
        )
    );
    assert_eq!(
        r.stderr,
        format!(
            "error: {p3} has 2 hard links: not wiped — overwriting it would also zero the same data under its other name(s)\n  next step: find the other names (find / -xdev -samefile {p3}), remove the ones that are not shards (rm), then run again\n\
             error: {p4} is a symbolic link to {o}, not a shard file: not wiped, and nothing was written through it\n  next step: remove the link (rm {p4}); if {o} is a shard, wipe it where it is\n\
             error: 2 file(s) could not be wiped: {p3}, {p4}\n  next step: they may still hold shares: deal with each as its error says\n",
            p3 = s(&p3),
            p4 = s(&p4),
            o = s(&outside)
        )
    );
    assert_eq!(fs::read(&p3).unwrap(), b3, "zeroed through a hard link");
    assert_eq!(fs::read(&other).unwrap(), b3);
    assert_eq!(
        fs::read(&outside).unwrap(),
        b4,
        "zeroed through a symbolic link"
    );
    assert!(!p5.exists());
    // Once the extra name and the link are gone, the shard is wiped.
    fs::remove_file(&other).unwrap();
    fs::remove_file(&p4).unwrap();
    rootkey(["paper", "wipe", d.as_str()])
        .ok()
        .stdout_has(&[&format!("wiped {}\n", s(&p3))]);
    assert!(!p3.exists());
}

// (e) A dangling --out link and a FAT file system.

#[test]
fn a_dangling_out_link_is_named_and_nothing_is_created() {
    let w = fixture().dir.join("dangling");
    private_dir(&w);
    let link = w.join("out");
    let target = w.join("gone");
    symlink(&target, &link).unwrap();
    let (l, t) = (s(&link), s(&target));
    for (out, shown) in [
        (link.clone(), l.clone()),
        (link.join("sub"), format!("{l}/sub")),
    ] {
        let which = if out == link {
            String::new()
        } else {
            format!(" {l}")
        };
        let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), out.as_os_str()]);
        r.code(1);
        assert_eq!(
            r.stderr,
            format!(
                "error: --out {shown}:{which} is a symbolic link to {t}, which does not exist; nothing was written\n  next step: create the directory it points to (mkdir -m 700 {t}) or remove the link (rm {l}), then run again\n"
            )
        );
        assert!(!target.exists());
    }
}

/// A FAT image mounted with fusefat; unmounted on drop.
struct Fat {
    _dir: TempDir,
    mnt: PathBuf,
}

impl Fat {
    fn mount() -> Option<Fat> {
        let have = |tool: &str| {
            Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !(have("mkfs.vfat") && have("fusefat") && Path::new("/dev/fuse").exists()) {
            eprintln!("skipped: mkfs.vfat (dosfstools), fusefat or /dev/fuse missing");
            return None;
        }
        let dir = TempDir::new().unwrap();
        let img = dir.path().join("fat.img");
        let mnt = dir.path().join("mnt");
        fs::create_dir(&mnt).unwrap();
        fs::File::create(&img).unwrap().set_len(16 << 20).unwrap();
        let mk = Command::new("mkfs.vfat").arg(&img).output().unwrap();
        assert!(mk.status.success(), "{mk:?}");
        let m = Command::new("fusefat")
            .args(["-o", "rw+"])
            .arg(&img)
            .arg(&mnt)
            .output()
            .unwrap();
        if !m.status.success() {
            eprintln!("skipped: fusefat cannot mount here: {m:?}");
            return None;
        }
        Some(Fat { _dir: dir, mnt })
    }
}

impl Drop for Fat {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.mnt).output();
    }
}

#[test]
fn fat_is_refused_with_the_documented_message_and_no_directory_is_left() {
    let Some(fat) = Fat::mount() else {
        return;
    };
    let out = fat.mnt.join("ceremony/2026");
    let o = s(&out);
    let r = rootkey(["rehearse", "--out", o.as_str()]);
    r.code(4);
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {o}: this file system does not keep file permissions (setting mode 0600 failed: Function not implemented (os error 38)); rootkey writes only where it can set each file's mode (a share must be 0600) — FAT, as on a USB stick, is like that\n  next step: write to a Linux file system, e.g. tmpfs under /dev/shm (copy public files elsewhere afterwards)\n"
        )
    );
    assert!(
        listing(&fat.mnt).is_empty(),
        "left behind: {:?}",
        listing(&fat.mnt)
    );
    // A single-file output says the same, and leaves no temporary file.
    let report = fat.mnt.join("report.md");
    let r = rootkey([
        "transcript".as_ref(),
        "report".as_ref(),
        fixture().dir.join("root/transcript.jsonl").as_os_str(),
        "--out".as_ref(),
        report.as_os_str(),
    ]);
    // A report that cannot be written is the environment's failure (exit 4), not an invalid
    // transcript (exit 1).
    r.code(4).stderr_has(&[&format!(
        "error: {}: this file system does not keep file permissions (setting mode 0644 failed: Function not implemented (os error 38))",
        report.display()
    )]);
    assert!(
        listing(&fat.mnt).is_empty(),
        "left behind: {:?}",
        listing(&fat.mnt)
    );
}

#[test]
fn a_file_system_without_hard_links_is_refused_and_no_directory_is_left() {
    if !strace_works() {
        return;
    }
    // A kernel FAT mount with umask=077 keeps mode 0600 but refuses link(2) with EPERM: the
    // first link(2) of a run is the output-directory probe's.
    let w = fixture().dir.join("no-links");
    private_dir(&w);
    let out = w.join("new/ceremony");
    let o = under_strace(
        &[
            "-e",
            "trace=linkat",
            "-e",
            "inject=linkat:error=EPERM:when=1",
        ],
        &generate(&out),
    );
    assert_eq!(o.status.code(), Some(4), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "error: --out {}: this file system has no hard links (link: Operation not permitted (os error 1)), which rootkey needs to put each file in place without ever replacing one — FAT, as on a USB stick, is like that\n  next step: write to a Linux file system, e.g. tmpfs under /dev/shm (copy public files elsewhere afterwards)\n",
            out.display()
        )
    );
    assert!(listing(&w).is_empty(), "left behind: {:?}", listing(&w));
}
