//! What `tests/customer_verification.rs` runs on: the fenced blocks of
//! `docs/customer-verification.md` (by their `<!-- test: NAME -->` markers), the two years of
//! rotation they verify (a rehearsal root, two intermediates signed by `rootkey intermediate
//! sign` from openssl CSRs, leaves issued by openssl, the intermediates' CRLs from `openssl ca`,
//! the root CRL from `rootkey crl sign`), and running a block with bash and the document's
//! variables.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::common::{self, Ceremony, s, sh_ok};

pub mod openbao;

/// The document under test.
pub const DOC: &str = "docs/customer-verification.md";
/// The Go program it lists.
pub const GO_PROGRAM: &str = "docs/examples/updater-verify/main.go";

/// One marked fenced block of the document.
pub struct Block {
    pub name: String,
    /// The fence's language (`sh`, `go`).
    pub lang: String,
    pub body: String,
}

/// Every block that follows a `<!-- test: NAME -->` line (the fence on the next line), in
/// document order; a marker without a fenced block after it, or a name used twice, fails.
pub fn doc_blocks() -> Vec<Block> {
    let text = fs::read_to_string(common::repo_path(DOC)).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut blocks: Vec<Block> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_end();
        i += 1;
        let Some(name) = l
            .strip_prefix("<!-- test: ")
            .and_then(|r| r.strip_suffix(" -->"))
        else {
            continue;
        };
        let fence = lines.get(i).map(|f| f.trim_end()).unwrap_or("");
        let lang = fence
            .strip_prefix("```")
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| panic!("{DOC}: marker {name:?} is not followed by a fenced block"));
        i += 1;
        let mut body = String::new();
        while i < lines.len() && lines[i].trim_end() != "```" {
            body.push_str(lines[i]);
            i += 1;
        }
        assert!(i < lines.len(), "{DOC}: block {name:?} is not closed");
        i += 1;
        assert!(
            blocks.iter().all(|b| b.name != name),
            "{DOC}: block {name:?} appears twice"
        );
        blocks.push(Block {
            name: name.to_string(),
            lang: lang.to_string(),
            body,
        });
    }
    blocks
}

/// The block named `name`.
pub fn block(name: &str) -> Block {
    doc_blocks()
        .into_iter()
        .find(|b| b.name == name)
        .unwrap_or_else(|| panic!("{DOC}: no block marked {name:?}"))
}

/// The files of the two-year rotation and the document's variables pointing at them.
pub struct Fixture {
    _dir: tempfile::TempDir,
    pub work: PathBuf,
    /// The document's variables (`ROOT`, `LEAF1`, …) and their values.
    pub vars: BTreeMap<&'static str, String>,
    /// Another rehearsal root (not the pinned one).
    pub other_root: PathBuf,
    /// Year 1's intermediate's serial as openssl prints it.
    pub serial1: String,
    /// T, the Unix time just before year 1 was signed.
    pub t: u64,
}

impl Fixture {
    pub fn var(&self, name: &str) -> &str {
        self.vars
            .get(name)
            .unwrap_or_else(|| panic!("no variable {name}"))
    }
}

const DAY: u64 = 86_400;

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time (GNU date, as the document's blocks use).
pub fn utc(secs: u64) -> String {
    sh_ok(
        &format!("date -u -d @{secs} +%Y-%m-%dT%H:%M:%SZ"),
        Path::new("/"),
    )
    .trim()
    .to_string()
}

/// The test binary's one fixture, made on first use.
pub fn fixture() -> &'static Fixture {
    static F: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
    F.get_or_init(make_fixture)
}

/// Key, CSR and signed intermediate of one year: openssl makes the key and CSR (`key_alg` as
/// [`common::openssl_csr`]), a quorum signs it with the shipped profile.
fn sign_year(c: &Ceremony, work: &Path, year: u32, key_alg: &str, extra: &[&str]) -> PathBuf {
    let name = format!("y{year}");
    let subject = format!("/CN=Example Corp Intermediate CA prod\\/{}", 2025 + year);
    let csr = common::openssl_csr(work, &name, key_alg, &subject);
    let out = work.join(format!("rotation-{name}"));
    common::intermediate_sign(c, &csr, &out, &[1, 2, 3], extra)
        .ok()
        .stdout_has(&["INTERMEDIATE SIGNED"]);
    out.join("intermediate.pem")
}

/// A certificate issued by `ca` (key `ca_key`) with openssl: a fresh P-256 key, `days` long,
/// the extensions `ext` (openssl `-extfile` lines).
fn issue_leaf(
    work: &Path,
    name: &str,
    subject: &str,
    ca: &Path,
    ca_key: &Path,
    days: u32,
    ext: &str,
) -> PathBuf {
    fs::write(work.join(format!("{name}.ext")), ext).unwrap();
    sh_ok(
        &format!(
            "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out {name}.key 2>/dev/null && \
             openssl req -new -key {name}.key -subj '{subject}' -out {name}.csr && \
             openssl x509 -req -in {name}.csr -CA {ca} -CAkey {key} -CAserial {name}.srl -CAcreateserial \
               -days {days} -extfile {name}.ext -out {name}.pem",
            ca = s(ca),
            key = s(ca_key)
        ),
        work,
    );
    work.join(format!("{name}.pem"))
}

/// The empty CRL of an intermediate (what Vault serves for it), made by `openssl ca -gencrl`.
fn intermediate_crl(work: &Path, name: &str, ca: &Path, ca_key: &Path) -> PathBuf {
    let d = work.join(name);
    fs::create_dir_all(&d).unwrap();
    fs::write(d.join("index.txt"), "").unwrap();
    fs::write(d.join("crlnumber"), "01\n").unwrap();
    let conf = format!(
        "[ca]\ndefault_ca = ica\n[ica]\ndatabase = {db}\ncrlnumber = {num}\ndefault_md = sha256\ndefault_crl_days = 800\n",
        db = s(&d.join("index.txt")),
        num = s(&d.join("crlnumber"))
    );
    fs::write(d.join("ca.cnf"), conf).unwrap();
    sh_ok(
        &format!(
            "openssl ca -batch -config ca.cnf -gencrl -cert {} -keyfile {} -out crl.pem",
            s(ca),
            s(ca_key)
        ),
        &d,
    );
    d.join("crl.pem")
}

const CODE_SIGNING_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
extendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n";
const TLS_SERVER_EXT: &str = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
extendedKeyUsage=serverAuth\nsubjectAltName=DNS:updates.example.com\nsubjectKeyIdentifier=hash\n\
authorityKeyIdentifier=keyid\n";

fn make_fixture() -> Fixture {
    let dir = tempfile::TempDir::new().unwrap();
    let work = dir.path().to_path_buf();
    let c = Ceremony::rehearse(&work.join("root"));
    let other = Ceremony::rehearse(&work.join("other"));
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Year 1 now; year 2 an early rotation at T+300d (the root cannot be back-dated).
    let inter1 = sign_year(&c, &work, 1, "p256", &[]);
    let not_before2 = utc(t + 300 * DAY);
    let inter2 = sign_year(
        &c,
        &work,
        2,
        "rsa2048",
        &["--previous", &s(&inter1), "--not-before", &not_before2],
    );
    let intermediates = work.join("intermediates.pem");
    let mut both = fs::read(&inter1).unwrap();
    both.extend(fs::read(&inter2).unwrap());
    fs::write(&intermediates, both).unwrap();
    // Year 1's leaf outlives AT_AFTER: what fails then is its intermediate.
    let (key1, key2) = (work.join("y1.key"), work.join("y2.key"));
    let leaf1 = issue_leaf(
        &work,
        "leaf1",
        "/CN=Example Corp release signing 1",
        &inter1,
        &key1,
        500,
        CODE_SIGNING_EXT,
    );
    let leaf2 = issue_leaf(
        &work,
        "leaf2",
        "/CN=Example Corp release signing 2",
        &inter2,
        &key2,
        800,
        CODE_SIGNING_EXT,
    );
    let tls = issue_leaf(
        &work,
        "tls",
        "/CN=updates.example.com",
        &inter1,
        &key1,
        90,
        TLS_SERVER_EXT,
    );
    let inter1_crl = intermediate_crl(&work, "y1-crl", &inter1, &key1);
    let inter2_crl = intermediate_crl(&work, "y2-crl", &inter2, &key2);
    // The root CRL revoking year 1's intermediate.
    let serial1 = sh_ok(
        &format!("openssl x509 -in {} -noout -serial", s(&inter1)),
        &work,
    )
    .trim()
    .trim_start_matches("serial=")
    .to_string();
    let crl_dir = work.join("root-crl");
    common::crl_sign(
        &c,
        &crl_dir,
        &[1, 2, 3],
        &[
            "--first-crl",
            "--revoke",
            &format!("{serial1}:superseded"),
            "--next-update-days",
            "365",
        ],
    )
    .ok()
    .stdout_has(&["CRL SIGNED: number 01"]);
    // The pin, from the manifest (`root.fingerprint`), not from the commands under test.
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&c.manifest).unwrap()).unwrap();
    let pin = manifest["root"]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    let mut vars = BTreeMap::new();
    for (k, v) in [
        ("ROOT", s(&c.root)),
        ("PIN", pin),
        ("INTER1", s(&inter1)),
        ("INTER2", s(&inter2)),
        ("INTERMEDIATES", s(&intermediates)),
        ("LEAF1", s(&leaf1)),
        ("LEAF2", s(&leaf2)),
        ("TLS_LEAF", s(&tls)),
        ("ROOT_CRL", s(&crl_dir.join("root.crl"))),
        ("ROOT_CRL_PEM", s(&crl_dir.join("root.crl.pem"))),
        ("INTER1_CRL", s(&inter1_crl)),
        ("INTER2_CRL", s(&inter2_crl)),
        ("AT_OVERLAP", utc(t + 330 * DAY)),
        ("AT_AFTER", utc(t + 460 * DAY)),
        ("UPDATER", s(&work.join("bin").join("updater-verify"))),
    ] {
        vars.insert(k, v);
    }
    Fixture {
        other_root: other.root.clone(),
        _dir: dir,
        work,
        vars,
        serial1,
        t,
    }
}

/// Exit code and output (stdout then stderr) of one run of a block.
pub struct Ran {
    pub name: String,
    pub code: i32,
    pub out: String,
}

impl Ran {
    /// Asserts the exit code, that every needle is in the output and no `absent` one is.
    pub fn expect(&self, code: i32, needles: &[String], absent: &[String]) {
        assert_eq!(
            self.code, code,
            "block {}: exit code\n{}",
            self.name, self.out
        );
        for n in needles {
            assert!(
                self.out.contains(n.as_str()),
                "block {}: no {n:?} in\n{}",
                self.name,
                self.out
            );
        }
        for n in absent {
            assert!(
                !self.out.contains(n.as_str()),
                "block {}: {n:?} in\n{}",
                self.name,
                self.out
            );
        }
    }
}

/// Runs a block with bash from the repository root (as a reader in a rootkey checkout would),
/// with the fixture's variables (`overrides` replacing some), `rootkey` first on PATH, and
/// temporary files, Go's cache and HOME inside the fixture.
pub fn run_block(f: &Fixture, b: &Block, overrides: &[(&str, &str)]) -> Ran {
    assert_eq!(b.lang, "sh", "block {} is not a sh block", b.name);
    let bin = Path::new(env!("CARGO_BIN_EXE_rootkey")).parent().unwrap();
    let path = format!("{}:{}", s(bin), std::env::var("PATH").unwrap_or_default());
    let home = f.work.join("home");
    fs::create_dir_all(home.join("tmp")).unwrap();
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-o", "pipefail", "-c", &b.body])
        .current_dir(common::repo_path(""))
        .envs(f.vars.iter().map(|(k, v)| (*k, v.as_str())))
        .env("PATH", path)
        .env("HOME", &home)
        .env("TMPDIR", home.join("tmp"))
        .env("GOCACHE", home.join("gocache"))
        .env("GOPATH", home.join("gopath"))
        .env("GOPROXY", "off")
        .env("GOFLAGS", "")
        .env("LC_ALL", "C");
    for (k, v) in overrides {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    Ran {
        name: b.name.clone(),
        code: o.status.code().unwrap_or(-1),
        out: format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    }
}

/// Fails (never skips) when `tool` is not on PATH, naming the package that provides it.
pub fn require(tool: &str, install: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{tool}` is not on PATH: {install} (run .ci/run's install lines)"
    );
}

/// The first line of `sh -c CMD`'s output, for the versions the test reports.
pub fn version(cmd: &str) -> String {
    let o = Command::new("sh").args(["-c", cmd]).output().unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    all.lines().next().unwrap_or("").trim().to_string()
}
