//! Helpers shared by the integration tests: running the real binary, snapshots of output
//! directories, the secret payloads of share files (for leak checks), and ceremony
//! directories with the `share verify` and `combine` runs against them.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use rootkey::secret::{self, MemoryPolicy};

mod library;
pub mod pty;
mod runs;
// Each test binary uses only some of the helpers (as with `dead_code` above).
#[allow(unused_imports)]
pub use library::*;
#[allow(unused_imports)]
pub use runs::*;

/// Path of a file in the package (plans under `ceremony-scripts/`, …).
pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Exit code, stdout and stderr of one run of the binary.
#[derive(Debug)]
pub struct Run {
    /// What was run (for failure messages).
    pub what: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Both streams, for leak checks.
    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    fn describe(&self) -> String {
        format!(
            "`{}` exited with {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.what, self.code, self.stdout, self.stderr
        )
    }

    /// Asserts the exit code.
    pub fn code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit code: {}", self.describe());
        self
    }

    /// Asserts success (exit 0).
    pub fn ok(&self) -> &Run {
        self.code(0)
    }

    /// Asserts that stderr contains every needle.
    pub fn stderr_has(&self, needles: &[&str]) -> &Run {
        for n in needles {
            assert!(
                self.stderr.contains(n),
                "stderr does not contain {n:?}: {}",
                self.describe()
            );
        }
        self
    }

    /// Asserts that stdout contains every needle.
    pub fn stdout_has(&self, needles: &[&str]) -> &Run {
        for n in needles {
            assert!(
                self.stdout.contains(n),
                "stdout does not contain {n:?}: {}",
                self.describe()
            );
        }
        self
    }

    /// Asserts that stdout contains none of the needles.
    pub fn stdout_lacks(&self, needles: &[&str]) -> &Run {
        for n in needles {
            assert!(
                !self.stdout.contains(n),
                "stdout unexpectedly contains {n:?}: {}",
                self.describe()
            );
        }
        self
    }

    /// Asserts that a failing run printed exactly one error (the `error: ` line and its hint)
    /// and nothing on stdout that could be mistaken for success.
    pub fn single_error(&self) -> &Run {
        assert_eq!(
            self.stderr.matches("error: ").count(),
            1,
            "expected exactly one error message: {}",
            self.describe()
        );
        self.stdout_lacks(&["OK:", "rebuilt the root key", "Generated root key"])
    }

    /// Asserts that neither stream contains any of the secret row payloads.
    pub fn no_secrets(&self, secrets: &Secrets) -> &Run {
        let out = self.all_output();
        for p in &secrets.0 {
            assert!(
                !out.contains(p.as_str()),
                "output contains a secret share row {p:?}: {}",
                self.describe()
            );
        }
        self
    }
}

/// Runs the built `rootkey` binary with `args` (30 s timeout, no stdin).
/// Runs `rootkey generate --plan PLAN --out OUT` followed by `extra` arguments.
#[allow(dead_code)] // not every test binary uses it
pub fn generate_run(plan: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&OsStr> = vec![
        "generate".as_ref(),
        "--plan".as_ref(),
        plan.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(|e| OsStr::new(*e)));
    rootkey(args)
}

pub fn rootkey<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let what = std::iter::once("rootkey".to_string())
        .chain(args.iter().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let out = Command::cargo_bin("rootkey")
        .unwrap()
        .args(&args)
        .args(network_exception(&args))
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    Run {
        what,
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file and directory under `root` with its contents and mode. Two equal snapshots mean
/// nothing was created, removed, modified or re-permissioned.
pub type Snapshot = BTreeMap<PathBuf, (Vec<u8>, u32)>;

pub fn snapshot(root: &Path) -> Snapshot {
    fn walk(p: &Path, out: &mut Snapshot) {
        let meta = fs::symlink_metadata(p).unwrap();
        let mode = meta.permissions().mode();
        if meta.is_dir() {
            out.insert(p.to_path_buf(), (Vec::new(), mode));
            let mut entries: Vec<PathBuf> = fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for e in entries {
                walk(&e, out);
            }
        } else {
            out.insert(p.to_path_buf(), (fs::read(p).unwrap(), mode));
        }
    }
    let mut out = Snapshot::new();
    walk(root, &mut out);
    out
}

/// Asserts that `root` still matches `before`, naming the first difference.
pub fn assert_unchanged(root: &Path, before: &Snapshot) {
    let after = snapshot(root);
    for (p, v) in before {
        match after.get(p) {
            None => panic!("{} was removed", p.display()),
            Some(a) => {
                assert!(a.0 == v.0, "{} was modified", p.display());
                assert_eq!(a.1, v.1, "{}: mode changed", p.display());
            }
        }
    }
    for p in after.keys() {
        assert!(before.contains_key(p), "{} was created", p.display());
    }
}

/// The share files of a ceremony directory, by index.
pub fn share_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("share-") && n.ends_with(".txt")
        })
        .collect();
    v.sort();
    v
}

/// The 13 row payloads of a share file: the 12 symbols of each row, without the row number
/// and without spaces.
pub fn row_payloads(share: &Path) -> Vec<String> {
    let text = fs::read_to_string(share).unwrap();
    let rows: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.len() > 3 && l.as_bytes()[..2].iter().all(u8::is_ascii_digit))
        .map(|l| l[3..].chars().filter(|c| !c.is_whitespace()).collect())
        .collect();
    assert_eq!(rows.len(), 13, "{}: expected 13 rows", share.display());
    assert!(rows.iter().all(|r| r.len() == 12), "{rows:?}");
    rows
}

/// Secret strings that must never appear in any output.
#[derive(Default, Clone)]
pub struct Secrets(pub Vec<String>);

impl Secrets {
    /// Adds the rows of a share file, both as printed (`ABCD EFGH JKMN`) and without spaces.
    pub fn add_share(&mut self, share: &Path) {
        for r in row_payloads(share) {
            self.0.push(format!("{} {} {}", &r[..4], &r[4..8], &r[8..]));
            self.0.push(r);
        }
    }

    /// The secrets of every share file in a ceremony directory.
    pub fn of_dir(dir: &Path) -> Secrets {
        let mut s = Secrets::default();
        for f in share_files(dir) {
            s.add_share(&f);
        }
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Ceremonies through the command line
// ---------------------------------------------------------------------------------------------

/// Exit code of operator mistakes and bad inputs (`src/error.rs`).
pub const INPUT: i32 = 1;
/// Exit code of command-line usage errors.
pub const USAGE: i32 = 2;
/// Exit code of verification failures.
pub const VERIFICATION: i32 = 3;

/// The holders of the rehearsal plan (`rootkey rehearse`), by share index.
pub const REHEARSAL_HOLDERS: [&str; 5] = [
    "Alice Rehearsal",
    "Bob Rehearsal",
    "Carol Rehearsal",
    "Dave Rehearsal",
    "Erin Rehearsal",
];

/// A ceremony directory on disk and the secrets its shares hold.
pub struct Ceremony {
    pub manifest: PathBuf,
    pub root: PathBuf,
    pub shares: Vec<PathBuf>,
    pub secrets: Secrets,
}

impl Ceremony {
    /// Reads an existing ceremony directory.
    pub fn open(dir: &Path) -> Ceremony {
        let shares = share_files(dir);
        Ceremony {
            manifest: dir.join("manifest.json"),
            root: dir.join("root.pem"),
            secrets: Secrets::of_dir(dir),
            shares,
        }
    }

    /// A rehearsal ceremony whose five shares are all text files (`rootkey generate` with the
    /// bundled rehearsal plan, every medium set to text), asserted successful. `rootkey
    /// rehearse` itself puts shares 3–5 on paper; tests that work on share files use this.
    pub fn rehearse(dir: &Path) -> Ceremony {
        let r = generate_run(&text_rehearsal_plan(), dir, &[]);
        r.ok();
        let c = Ceremony::open(dir);
        r.no_secrets(&c.secrets);
        c
    }

    /// `rootkey generate --plan PLAN --out DIR`, asserted successful.
    pub fn generate(plan: &Path, dir: &Path) -> (Ceremony, Run) {
        let r = generate_run(plan, dir, &[]);
        r.ok();
        let c = Ceremony::open(dir);
        r.no_secrets(&c.secrets);
        (c, r)
    }

    pub fn share(&self, index: usize) -> &Path {
        &self.shares[index - 1]
    }

    /// `rootkey share verify SHARE` against this ceremony; checked for leaks.
    pub fn verify(&self, share: &Path) -> Run {
        verify_with(&self.manifest, &self.root, share, &self.secrets)
    }

    /// `rootkey combine SHARES…` against this ceremony; checked for leaks.
    pub fn combine(&self, shares: &[&Path]) -> Run {
        combine_with(&self.manifest, &self.root, shares, &self.secrets)
    }
}

/// `rootkey share verify SHARE --manifest MANIFEST --root ROOT`; checked for leaks.
pub fn verify_with(manifest: &Path, root: &Path, share: &Path, secrets: &Secrets) -> Run {
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

/// A fresh output directory for a quorum check's transcript, outside the directory a test
/// snapshots (kept for inspection; the OS cleans its temporary directory).
pub fn transcript_dir() -> std::path::PathBuf {
    tempfile::Builder::new()
        .prefix("rootkey-check-")
        .tempdir()
        .unwrap()
        .keep()
        .join("check")
}

/// `rootkey combine --manifest MANIFEST --root ROOT --out FRESH SHARES…`; checked for leaks.
pub fn combine_with(manifest: &Path, root: &Path, shares: &[&Path], secrets: &Secrets) -> Run {
    combine_into(&transcript_dir(), manifest, root, shares, secrets)
}

/// `rootkey combine --out OUT --manifest MANIFEST --root ROOT SHARES…`; checked for leaks.
pub fn combine_into(
    out: &Path,
    manifest: &Path,
    root: &Path,
    shares: &[&Path],
    secrets: &Secrets,
) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "combine".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
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

/// A path as messages show it.
pub fn s(p: &Path) -> String {
    p.display().to_string()
}

/// How messages name share `index` of a rehearsal.
pub fn holder_of(index: usize) -> String {
    format!(
        "share {index} (holder \"{}\")",
        REHEARSAL_HOLDERS[index - 1]
    )
}

/// Secret memory in this test process: library fixtures in the tests allocate secrets, and CI
/// machines may have a small RLIMIT_MEMLOCK. Only the test process is affected.
pub fn allow_unlocked_in_tests() {
    secret::set_memory_policy(MemoryPolicy::AllowUnlocked);
}

/// A plan with `holders` holders named `Holder NN`.
pub fn plan_toml(name: &str, rehearsal: bool, k: u8, n: u8, holders: usize) -> String {
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

/// The bundled rehearsal plan with every holder on text (written once to a temporary file).
pub fn text_rehearsal_plan() -> PathBuf {
    static PLAN: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    PLAN.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("rehearsal.toml");
        let text = rootkey::plan::REHEARSAL_PLAN.replace("medium = \"paper\"", "medium = \"text\"");
        fs::write(&p, text).unwrap();
        (d, p)
    })
    .1
    .clone()
}

/// The subject of the test CSRs, in `openssl req -subj` syntax (`\/` is a `/` inside the CN).
pub const CSR_SUBJECT: &str = "/CN=Example Corp Intermediate CA prod\\/2026";

/// A fresh key and CSR made by openssl in `dir`: `NAME.key`, `NAME.csr`. `alg` is one of
/// rsa2048, rsa1024, p256, p384, ed25519.
pub fn openssl_csr(dir: &Path, name: &str, alg: &str, subject: &str) -> PathBuf {
    let genpkey = match alg {
        "rsa2048" => "-algorithm RSA -pkeyopt rsa_keygen_bits:2048",
        "rsa1024" => "-algorithm RSA -pkeyopt rsa_keygen_bits:1024",
        "p256" => "-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
        "p384" => "-algorithm EC -pkeyopt ec_paramgen_curve:P-384",
        "ed25519" => "-algorithm ED25519",
        other => panic!("unknown key algorithm {other}"),
    };
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl genpkey {genpkey} -out {name}.key 2>/dev/null && openssl req -new -key {name}.key -subj '{subject}' -out {name}.csr"
        ))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl: {o:?}");
    dir.join(format!("{name}.csr"))
}

/// SHA-256 of a CSR's DER (the out-of-band hash): a PEM file is converted by openssl, anything
/// else is hashed as it is.
pub fn csr_der_sha256(csr: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = fs::read(csr).unwrap();
    if !bytes.starts_with(b"-----") {
        return hex::encode(Sha256::digest(&bytes));
    }
    let o = std::process::Command::new("openssl")
        .args(["req", "-outform", "DER", "-in"])
        .arg(csr)
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl req -outform DER: {o:?}");
    hex::encode(Sha256::digest(&o.stdout))
}

/// The permission bits of a file (`0o600` for secrets).
pub fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The reason the test suite gives for running real ceremonies with a network interface up
/// (`--allow-network`; CI containers have `eth0` up).
pub const TEST_NETWORK_EXCEPTION: &str = "rootkey test suite: the test machine's network";

/// `--allow-network REASON` for a ceremony command (the refusal itself is tested in
/// `tests/pty_preflight.rs`, without it), nothing for other commands or when the caller gives
/// its own.
pub fn network_exception(args: &[std::ffi::OsString]) -> Vec<&'static str> {
    let ceremony = matches!(
        args.first().and_then(|a| a.to_str()),
        Some("generate" | "combine" | "intermediate" | "crl")
    );
    if ceremony && !args.iter().any(|a| a == "--allow-network") {
        vec!["--allow-network", TEST_NETWORK_EXCEPTION]
    } else {
        Vec::new()
    }
}
