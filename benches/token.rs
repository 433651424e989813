//! Token payloads on SoftHSM2 (library calls, one process): write-then-prove of one payload
//! (seal, `C_CreateObject`, read back, one ECDH on the token, decrypt, compare) followed by
//! removing the object, and reading one payload back (find, read, ECDH, decrypt).
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` when the module starts, so the bench creates a token in a
//! temporary directory and runs itself again with `SOFTHSM2_CONF` pointing there.

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group};
use rootkey::secret::SecretBytes;
use rootkey::share::{Envelope, ShareHeader};
use rootkey::token::payload::{self, Header, Location};
use rootkey::token::pkcs11::{Module, Selector};
use rootkey::token::{Backend, ExistingKey, KeyRef, Token};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const CHILD: &str = "ROOTKEY_BENCH_SOFTHSM";

fn bench(c: &mut Criterion) {
    let module = Module::load(Path::new(MODULE)).expect("SoftHSM2");
    let mut t = module
        .open(&Selector::Label("bench".into()))
        .expect("token");
    t.login(&SecretBytes::copy_from(b"123456").expect("pin"))
        .expect("login");
    let key = KeyRef(b"bench".to_vec());
    let public = t.enrol(&key, ExistingKey::UseWithConsent).expect("enrol");
    let env = Envelope::new(
        &ShareHeader {
            rehearsal: true,
            ceremony_id: [0x5a; 16],
            root_fingerprint: [0xc3; 16],
            k: 3,
            n: 5,
            index: 1,
        },
        &[7; 32],
    )
    .expect("envelope");
    let header = Header {
        backend: Backend::Pkcs11,
        ceremony_id: [0x5a; 16],
        root_fingerprint: [0xc3; 32],
        share_index: 1,
        holder: "Bench".into(),
        token_serial: t.name().serial.clone(),
        key_ref: key,
        location: Location::TokenAndFile,
        object_id: b"rootkey bench".to_vec(),
        token_public: public,
    };
    c.bench_function("softhsm2 write-then-prove + delete", |b| {
        b.iter(|| {
            payload::write_then_prove(&mut t, &header, &env).expect("write");
            t.delete_object(&header.object_id).expect("delete");
        })
    });
    payload::write_then_prove(&mut t, &header, &env).expect("write");
    c.bench_function("softhsm2 read back + open", |b| {
        b.iter(|| {
            let bytes = t
                .read_object(&header.object_id)
                .expect("read")
                .expect("some");
            payload::open(&bytes, &mut t).expect("open")
        })
    });
}

criterion_group!(benches, bench);

fn main() {
    if std::env::var_os(CHILD).is_some() {
        benches();
        Criterion::default().configure_from_args().final_summary();
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("tokens")).expect("mkdir");
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.path().join("tokens").display()
        ),
    )
    .expect("conf");
    let init = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", "bench"])
        .args(["--pin", "123456", "--so-pin", "12345678"])
        .output()
        .expect("softhsm2-util");
    assert!(init.status.success(), "{init:?}");
    let status = Command::new(std::env::current_exe().expect("exe"))
        .args(std::env::args_os().skip(1))
        .env("SOFTHSM2_CONF", &conf)
        .env(CHILD, "1")
        .status()
        .expect("run the bench");
    std::process::exit(status.code().unwrap_or(1));
}
