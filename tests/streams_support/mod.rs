//! Helpers of `tests/cli_streams.rs`: running the binary with one output stream broken, and a
//! shared fixture (a rehearsal ceremony, a CSR, a signed intermediate, a witness key).
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::{self, Ceremony, Run, rootkey, s};

/// Exit code of an environment failure.
pub const ENVIRONMENT: i32 = 4;

/// Where the child's output goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sink {
    /// Standard output is `/dev/full`.
    OutFull,
    /// Standard error is `/dev/full`.
    ErrFull,
    /// Standard output is a pipe whose reader is already closed.
    OutClosed,
    /// Standard error is a pipe whose reader is already closed.
    ErrClosed,
}

pub const ALL: [Sink; 4] = [
    Sink::OutFull,
    Sink::ErrFull,
    Sink::OutClosed,
    Sink::ErrClosed,
];

impl Sink {
    /// True for the standard output sinks.
    pub fn is_stdout(self) -> bool {
        matches!(self, Sink::OutFull | Sink::OutClosed)
    }
}

/// The sinks for commands that harden the process first. On a machine with swap active they
/// warn on standard error before anything else, so a broken standard error stops them there
/// (exit 4, tested by `transcript verify` without `--root`, whose warning is deterministic);
/// only the standard output sinks are exercised on such a machine.
pub fn hardened_sinks() -> Vec<Sink> {
    if rootkey::secret::swap_active() {
        vec![Sink::OutFull, Sink::OutClosed]
    } else {
        ALL.to_vec()
    }
}

/// The message for a failed write of `what` to standard output through `sink`.
pub fn lost(what: &str, sink: Sink) -> String {
    let reason = match sink {
        Sink::OutFull => "No space left on device",
        Sink::OutClosed => "Broken pipe",
        _ => unreachable!("only standard output failures can be read"),
    };
    format!("could not write {what} to standard output: {reason}")
}

pub const OUT_HINT: &str = "make room where standard output goes, or keep the reading end of its pipe open until rootkey exits";

/// Runs `rootkey ARGS` with one stream broken as `sink` (the other captured, stdin empty).
/// Asserts that it exited normally and did not panic.
pub fn run_to<S: AsRef<std::ffi::OsStr>>(sink: Sink, args: &[S]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rootkey"));
    cmd.args(args).stdin(Stdio::null());
    let full = || {
        fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let closed = || {
        let (r, w) = std::io::pipe().unwrap();
        drop(r);
        w
    };
    match sink {
        Sink::OutFull => cmd.stdout(full()),
        Sink::ErrFull => cmd.stderr(full()),
        Sink::OutClosed => cmd.stdout(closed()),
        Sink::ErrClosed => cmd.stderr(closed()),
    };
    let o = cmd.output().unwrap();
    let what = format!(
        "rootkey {} ({sink:?})",
        args.iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let code = o
        .status
        .code()
        .unwrap_or_else(|| panic!("{what}: killed by a signal: {:?}", o.status));
    let r = Run {
        what,
        code,
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        // The machine's swap warning (see `hardened_sinks`) is not part of the messages pinned.
        stderr: String::from_utf8_lossy(&o.stderr)
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("warning: swap is active on this machine."))
            .collect(),
    };
    assert_ne!(r.code, 101, "{}: panicked: {}", r.what, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}: {}", r.what, r.stderr);
    r
}

pub fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|a| a.to_string()).collect()
}

pub struct Fixture {
    pub dir: PathBuf,
    pub c: Ceremony,
    pub csr: PathBuf,
    pub csr_sha256: String,
    /// A signed intermediate (its rotation directory).
    pub rotation: PathBuf,
    /// A witness's Ed25519 key (PKCS#8 PEM).
    pub witness: PathBuf,
    _keep: TempDir,
}

/// One rehearsal ceremony with five text shares, a CSR, one intermediate signed from it and a
/// witness key, shared by the tests.
pub fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let keep = TempDir::new().unwrap();
        let dir = keep.path().to_path_buf();
        let c = Ceremony::rehearse(&dir.join("root"));
        let csr = common::openssl_csr(&dir, "p256", "p256", common::CSR_SUBJECT);
        let csr_sha256 = common::csr_der_sha256(&csr);
        let rotation = dir.join("rotation");
        let mut a = sign_args(&c, &csr, &csr_sha256, &rotation);
        a.extend(confirmers());
        rootkey(&a).ok();
        let witness = dir.join("witness.pem");
        let o = Command::new("openssl")
            .args(["genpkey", "-algorithm", "ed25519", "-out"])
            .arg(&witness)
            .output()
            .unwrap();
        assert!(o.status.success(), "openssl genpkey: {o:?}");
        Fixture {
            dir,
            c,
            csr,
            csr_sha256,
            rotation,
            witness,
            _keep: keep,
        }
    })
}

/// A fresh, not yet existing directory in the fixture.
pub fn fresh(name: &str) -> PathBuf {
    let d = tempfile::Builder::new()
        .prefix(name)
        .tempdir_in(&fixture().dir)
        .unwrap()
        .keep();
    d.join("out")
}

pub fn confirmers() -> Vec<String> {
    args(&common::CONFIRMERS)
}

pub fn shares(c: &Ceremony, flag: Option<&str>) -> Vec<String> {
    let mut v = Vec::new();
    for i in 1..=3 {
        if let Some(f) = flag {
            v.push(f.to_string());
        }
        v.push(s(c.share(i)));
    }
    v
}

pub fn sign_args(c: &Ceremony, csr: &Path, hash: &str, out: &Path) -> Vec<String> {
    let mut a = common::intermediate_sign_args(c, csr, hash, out);
    a.extend(common::share_args(c, &[1, 2, 3]));
    a
}

pub fn combine_args(out: &Path) -> Vec<String> {
    let c = &fixture().c;
    let mut a = args(&["combine", "--out"]);
    a.extend([
        s(out),
        "--manifest".into(),
        s(&c.manifest),
        "--root".into(),
        s(&c.root),
    ]);
    a.extend(shares(c, None));
    a
}

pub fn entries(out: &Path) -> Vec<Value> {
    common::transcript_entries(&out.join("transcript.jsonl"))
}

/// `rootkey transcript verify` of the transcript in `out` against the fixture's root.
pub fn verify_code(out: &Path) -> i32 {
    verify_against(out, &fixture().c.root)
}

pub fn verify_against(out: &Path, root: &Path) -> i32 {
    rootkey([
        "transcript",
        "verify",
        &s(&out.join("transcript.jsonl")),
        "--root",
        &s(root),
    ])
    .code
}

/// Asserts that `r` exited 4 saying its summary was lost after the seal where `sink` loses
/// stdout, and succeeded otherwise.
pub fn summary_lost_or_ok(r: &Run, sink: Sink, out: &Path) {
    match sink {
        Sink::OutFull | Sink::OutClosed => {
            r.code(ENVIRONMENT);
            assert_eq!(r.stderr, sealed_message("the summary", sink, out));
        }
        _ => {
            r.ok();
        }
    }
}

/// The stderr of a ceremony whose summary was lost after the seal.
pub fn sealed_message(what: &str, sink: Sink, out: &Path) -> String {
    let t = s(&out.join("transcript.jsonl"));
    format!(
        "error: {} — the ceremony completed and its transcript is sealed at {t}; only its summary on screen was lost\n  \
next step: do not run the ceremony again; read what was done with: rootkey transcript report {t} --out report.md\n",
        lost(what, sink)
    )
}
