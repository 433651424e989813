//! An OpenBao dev server for the document's two claims about Vault's PKI engine: it serves no
//! CRL for the root (an issuer without its key) and its OCSP responder fails for an Ed25519
//! issuer. The server is the end-to-end test's (`tests/openbao_support`: a free loopback port,
//! a temporary HOME, stopped when dropped, a failed assertion included).

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::common::s;

#[allow(dead_code)] // the end-to-end test's guide and rotation helpers are not used here
#[path = "../openbao_support/mod.rs"]
mod shared;

/// A running dev server.
pub struct Bao {
    server: shared::BaoServer,
    /// Where `run` runs `bao`.
    work: std::path::PathBuf,
}

impl Bao {
    /// Starts `bao server -dev` and waits until it answers; `bao` runs in `work`.
    pub fn start(work: &Path) -> Bao {
        Bao {
            server: shared::BaoServer::start(),
            work: work.to_path_buf(),
        }
    }

    /// `bao ARGS` against this server: (success, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (bool, String, String) {
        let o = self.server.run(args, &self.work);
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
            .arg(format!("{}/v1/{path}", self.server.addr))
            .arg(request.map(s).unwrap_or_default())
            .arg(response)
            .output()
            .unwrap();
        assert!(o.status.success(), "HTTP request to /v1/{path}: {o:?}");
        String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
    }
}
