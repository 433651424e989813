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

/// A rehearsal ceremony with five text shares in a temporary directory (the ceremony itself
/// in `DIR/root`), shared by the tests of one binary.
pub struct Rehearsal {
    _dir: tempfile::TempDir,
    /// The temporary directory; the ceremony is in its `root` folder.
    pub dir: PathBuf,
    pub c: Ceremony,
}

/// The test binary's one [`Rehearsal`], made on first use.
pub fn rehearsal() -> &'static Rehearsal {
    static F: std::sync::OnceLock<Rehearsal> = std::sync::OnceLock::new();
    F.get_or_init(|| {
        let d = tempfile::TempDir::new().unwrap();
        let c = Ceremony::rehearse(&d.path().join("root"));
        Rehearsal {
            dir: d.path().to_path_buf(),
            _dir: d,
            c,
        }
    })
}

/// The two confirmers the non-interactive signing runs name.
pub const CONFIRMERS: [&str; 4] = ["--confirm", "Ann Officer", "--confirm", "Bob Witness"];

/// `--share FILE` for each of `c`'s shares numbered (from 1) in `shares`, in that order.
pub fn share_args(c: &Ceremony, shares: &[usize]) -> Vec<String> {
    shares
        .iter()
        .flat_map(|&i| ["--share".to_string(), s(c.share(i))])
        .collect()
}

/// `rootkey crl sign` against `c` with the given shares, the two [`CONFIRMERS`] and `extra`;
/// checked for leaks.
pub fn crl_sign(c: &Ceremony, out: &Path, shares: &[usize], extra: &[&str]) -> Run {
    let mut a: Vec<String> = ["crl", "sign", "--root"].map(String::from).to_vec();
    a.extend([s(&c.root), "--manifest".into(), s(&c.manifest)]);
    a.extend(["--out".into(), s(out)]);
    quorum_run(c, a, shares, extra)
}

/// `rootkey intermediate sign` of `csr` against `c` with its true out-of-band hash, the shipped
/// profile, the given shares, the two [`CONFIRMERS`] and `extra`; checked for leaks.
pub fn intermediate_sign(
    c: &Ceremony,
    csr: &Path,
    out: &Path,
    shares: &[usize],
    extra: &[&str],
) -> Run {
    let a = intermediate_sign_args(c, csr, &csr_der_sha256(csr), out);
    quorum_run(c, a, shares, extra)
}

/// `intermediate sign --csr CSR --csr-sha256 HASH --profile SHIPPED --root --manifest --out
/// OUT` against `c`, without shares or confirmers.
pub fn intermediate_sign_args(c: &Ceremony, csr: &Path, hash: &str, out: &Path) -> Vec<String> {
    let mut a: Vec<String> = ["intermediate", "sign", "--csr"].map(String::from).to_vec();
    a.extend([s(csr), "--csr-sha256".into(), hash.into()]);
    a.extend([
        "--profile".into(),
        s(&repo_path("templates/intermediate.toml")),
    ]);
    a.extend(["--root".into(), s(&c.root)]);
    a.extend(["--manifest".into(), s(&c.manifest)]);
    a.extend(["--out".into(), s(out)]);
    a
}

/// Runs `rootkey ARGS` with the two [`CONFIRMERS`], the given shares of `c` and `extra`
/// appended; checked for leaks.
fn quorum_run(c: &Ceremony, mut a: Vec<String>, shares: &[usize], extra: &[&str]) -> Run {
    a.extend(CONFIRMERS.map(String::from));
    a.extend(share_args(c, shares));
    a.extend(extra.iter().map(|x| x.to_string()));
    let r = rootkey(&a);
    r.no_secrets(&c.secrets);
    r
}

/// Runs `sh -c SCRIPT` in `dir`; returns (success, stdout + stderr).
pub fn sh(script: &str, dir: &Path) -> (bool, String) {
    let o = sh_output(script, dir);
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// [`sh`], asserted successful; returns stdout + stderr.
pub fn sh_ok(script: &str, dir: &Path) -> String {
    let (ok, out) = sh(script, dir);
    assert!(ok, "`{script}` failed:\n{out}");
    out
}

/// The entries of a transcript file, one JSON value a line.
pub fn transcript_entries(path: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The `action` of each transcript entry, in order.
pub fn actions(entries: &[serde_json::Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

/// Runs `sh -c SCRIPT` in `dir`, asserted successful; returns its stdout alone.
pub fn sh_stdout(script: &str, dir: &Path) -> String {
    let o = sh_output(script, dir);
    assert!(
        o.status.success(),
        "`{script}` failed: {o:?}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What `sh -c SCRIPT` run in `dir` exited with and wrote.
pub fn sh_output(script: &str, dir: &Path) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The shipped intermediate profile (`templates/intermediate.toml`), parsed under the name
/// `intermediate.toml`.
pub fn shipped_profile() -> rootkey::cert::profile::IntermediateProfile {
    let text = fs::read_to_string(repo_path("templates/intermediate.toml")).expect("profile");
    rootkey::cert::profile::IntermediateProfile::from_toml(&text, "intermediate.toml")
        .expect("profile")
}

/// The pre-flight facts of a hardened test machine (memory locked, no network, tmpfs output,
/// no printer) with the given clock, host and kernel, as a ceremony header records them.
pub fn preflight_facts(clock: &str, host: &str, kernel: &str) -> serde_json::Value {
    serde_json::json!({
        "clock": clock,
        "core_dumps_disabled": true,
        "host": host,
        "kernel": kernel,
        "memory_locked": true,
        "network_interfaces_up": [],
        "output_filesystem": "tmpfs",
        "persistent_output_allowed": true,
        "printer": null,
        "process_dumpable": false,
        "swap_active": false,
    })
}

/// The vector CSR `tests/vectors/csr_ed25519.pem`, read and parsed, and the shipped profile:
/// what the library-level rotation tests sign.
pub struct VectorRotation {
    pub csr_file: rootkey::ceremony::InputFile,
    pub csr: rootkey::cert::csr::Csr,
    pub profile: rootkey::cert::profile::IntermediateProfile,
}

impl VectorRotation {
    pub fn load() -> VectorRotation {
        let name = "csr_ed25519.pem";
        let bytes = fs::read(repo_path("tests/vectors").join(name)).expect("csr");
        let csr = rootkey::cert::csr::parse(&bytes, name).expect("csr");
        VectorRotation {
            csr_file: rootkey::ceremony::InputFile {
                name: name.into(),
                bytes,
            },
            csr,
            profile: shipped_profile(),
        }
    }

    /// The job that signs it against `ctx` (read from `context_files`, root then manifest)
    /// from `not_before`, its hash given on the command line, with no previous intermediate.
    pub fn job<'a>(
        &'a self,
        ctx: &'a rootkey::ceremony::Context,
        context_files: [&'a rootkey::ceremony::InputFile; 2],
        not_before: rootkey::encoding::time::UtcTime,
    ) -> rootkey::ceremony::IntermediateJob<'a> {
        rootkey::ceremony::IntermediateJob {
            ctx,
            context_files,
            csr_file: &self.csr_file,
            csr: &self.csr,
            hash_source: rootkey::ceremony::HashSource::CommandLine,
            profile: &self.profile,
            profile_file: "intermediate.toml",
            previous: None,
            not_before,
        }
    }
}
