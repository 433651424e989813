//! Non-interactive signing runs (`crl sign`, `intermediate sign` with shares and `--confirm`)
//! against a shared rehearsal ceremony, shell helpers, and reading a transcript's entries.

use super::*;

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

/// Re-chains transcript entries (`seq` and `prev` recomputed, no seal: a forger cannot
/// re-seal) as canonical lines.
pub fn rechain(entries: &[serde_json::Value]) -> Vec<u8> {
    use sha2::Digest;
    let mut prev = "0".repeat(64);
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let mut e = e.clone();
        e["seq"] = serde_json::json!(i);
        e["prev"] = serde_json::json!(prev);
        let c = rootkey::jcs::canonicalize(&e).unwrap();
        prev = hex::encode(sha2::Sha256::digest(&c));
        out.extend_from_slice(&c);
        out.push(b'\n');
    }
    out
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

/// `transcript.jsonl` in `out` verifies, sealed, under `out/root.pem` with both verifiers:
/// `rootkey transcript verify` and the independent `independent_transcript_check.py`.
pub fn transcript_verifies_with_both(out: &Path) {
    transcript_verifies_with_both_under(out, &out.join("root.pem"));
}

/// `transcript.jsonl` in `out` verifies, sealed, under `root` with both verifiers.
pub fn transcript_verifies_with_both_under(out: &Path, root: &Path) {
    let transcript = out.join("transcript.jsonl");
    let r = rootkey([
        "transcript".as_ref(),
        "verify".as_ref(),
        transcript.as_os_str(),
        "--root".as_ref(),
        root.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let py = std::process::Command::new("python3")
        .arg(repo_path("tests/vectors/independent_transcript_check.py"))
        .arg(&transcript)
        .arg("--root")
        .arg(root)
        .output()
        .expect("python3");
    assert!(py.status.success(), "{py:?}");
}
