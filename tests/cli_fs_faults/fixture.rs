//! What the file-system fault tests share: one rehearsal with a previous intermediate and a
//! first CRL, the arguments of a rotation and a CRL ceremony against it, running the binary
//! under strace, and `transcript verify` of an output directory.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use tempfile::TempDir;

use crate::common::{self, Ceremony, Run, rootkey, s};

pub const BIN: &str = env!("CARGO_BIN_EXE_rootkey");

pub struct Fixture {
    pub _dir: TempDir,
    pub dir: PathBuf,
    pub c: Ceremony,
    /// A second CSR (its key differs from the previous intermediate's) and its DER hash.
    pub csr: PathBuf,
    csr_sha256: String,
    /// An intermediate signed from a first CSR: the `--previous` of the rotations here.
    pub previous: PathBuf,
    /// A first CRL: the `--previous-crl` of the CRL ceremonies here.
    pub crl: PathBuf,
}

/// A rehearsal ceremony with five text shares, a previous intermediate and a first CRL.
pub fn fixture() -> &'static Fixture {
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

pub fn quorum(f: &Fixture, args: &mut Vec<String>) {
    args.extend([
        "--root".into(),
        s(&f.c.root),
        "--manifest".into(),
        s(&f.c.manifest),
    ]);
    args.extend(common::share_args(&f.c, &[1, 2, 3]));
    args.extend(common::CONFIRMERS.map(String::from));
}

/// `intermediate sign` of the fixture's CSR into `out` (with `--previous` if `previous`).
pub fn rotation_args(f: &Fixture, out: &Path, previous: bool) -> Vec<String> {
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
pub fn crl_args(f: &Fixture, out: &Path, previous: bool) -> Vec<String> {
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
pub fn strace_works() -> bool {
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
pub fn under_strace(strace_args: &[&str], args: &[String]) -> Output {
    assert_cmd::Command::new("strace")
        .args(["-f", "-o", "/dev/null"])
        .args(strace_args)
        .arg(BIN)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

/// Runs `rootkey ARGS` under strace, killed (SIGKILL) when it links `target` into place.
pub fn killed_at_link(target: &Path, args: &[String]) -> Output {
    under_strace(
        &[
            "-P",
            &s(target),
            "-e",
            "trace=linkat",
            "-e",
            "inject=linkat:signal=KILL",
        ],
        args,
    )
}

pub fn killed(o: &Output) -> bool {
    use std::os::unix::process::ExitStatusExt;
    o.status.signal() == Some(9)
}

/// The names in `dir`, sorted, a symbolic link shown as `NAME -> TARGET`.
pub fn listing(dir: &Path) -> Vec<String> {
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

pub fn verify(out: &Path) -> Run {
    verify_against(out, Some(&fixture().c.root))
}

/// `transcript verify DIR/transcript.jsonl [--root ROOT] --artifacts DIR`.
pub fn verify_against(out: &Path, root: Option<&Path>) -> Run {
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

pub fn private_dir(p: &Path) {
    fs::create_dir_all(p).unwrap();
    fs::set_permissions(p, fs::Permissions::from_mode(0o700)).unwrap();
}

/// The arguments of a rehearsal generation from text shares into `out`.
pub fn generate(out: &Path) -> Vec<String> {
    ["generate", "--plan"]
        .map(String::from)
        .into_iter()
        .chain([s(&common::text_rehearsal_plan()), "--out".into(), s(out)])
        .collect()
}
