//! Yubico's ykcs11 reaching the emulated YubiKey through rootkey's PKCS#11 backend: key on the
//! card, payload in the file only (ykcs11 stores no data objects).
//!
//! ykcs11 only lists readers whose name begins with "Yubico", and vpcd's are "Virtual PCD …".
//! So that the shared pcscd stays untouched, the test runs a private pcscd in its own mount
//! namespace (`unshare --mount`, a private directory bound over /run/pcscd) with one vpcd reader
//! named "Yubico YubiKey vpcd" on its own port, and points libpcsclite at that pcscd's socket
//! (`PCSCLITE_CSOCK_NAME`) in a child process. Needs root (for the namespace), ykcs11 and
//! pkcs11-tool (OpenSC); without them it says so and skips, as `token_pkcs11.rs` does.
//!
//! Found here (ykcs11 2.2 against the emulated YubiKey 5, firmware 5.4.3): ykcs11 lists a
//! slot's key from its metadata, also without a certificate; it reports CKA_DERIVE false on EC
//! keys yet performs CKM_ECDH1_DERIVE; generating a key needs the management key (an SO
//! login), which rootkey's PKCS#11 backend never does; and it sends no VERIFY before
//! C_DeriveKey, so a key with PIN policy "always" (the policy rootkey's YubiKey backend sets)
//! works for one ECDH per login. The key with ykcs11's default policy is generated here with
//! `pkcs11-tool`, as a holder would with `ykman piv keys generate`.

mod token_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rootkey::error::Kind;
use rootkey::secret::SecretBytes;
use rootkey::share::{Envelope, ShareHeader};
use rootkey::token::payload::{self, Header, Location};
use rootkey::token::piv::{ManagementKey, PivOptions, PivToken};
use rootkey::token::pkcs11::{Module, Selector};
use rootkey::token::{Backend, ExistingKey, KeyRef, Token};

const YKCS11: &str = "/usr/lib/x86_64-linux-gnu/libykcs11.so";
const CHILD_ENV: &str = "ROOTKEY_TEST_YKCS11_CHILD";
/// vpcd port of the private reader (not one of the shared pcscd's 35963/35964).
const PORT: u16 = 35990;
/// ykcs11's CKA_ID of retired slot 82.
const SLOT_82: u8 = 5;

/// Kills the processes it holds when the test ends, however it ends.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for c in self.0.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn missing_tool() -> Option<String> {
    if !Path::new(YKCS11).exists() {
        return Some(format!("{YKCS11} not installed (apt-get install ykcs11)"));
    }
    if Command::new("pkcs11-tool").arg("--help").output().is_err() {
        return Some("pkcs11-tool not installed (apt-get install opensc)".into());
    }
    let root = Command::new("id").arg("-u").output().ok();
    if root.is_none_or(|o| o.stdout != b"0\n") {
        return Some("not root: a private pcscd needs its own mount namespace".into());
    }
    None
}

fn pkcs11_tool(socket: &Path, args: &[&str]) -> std::process::Output {
    Command::new("pkcs11-tool")
        .env("PCSCLITE_CSOCK_NAME", socket)
        .args(["--module", YKCS11])
        .args(args)
        .output()
        .expect("pkcs11-tool")
}

fn wait(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what}: not within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn ykcs11_reads_a_file_payload_with_the_key_on_the_emulated_card() {
    if std::env::var(CHILD_ENV).is_ok() {
        return child();
    }
    if let Some(why) = missing_tool() {
        println!("note: {why}; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (run, conf) = (dir.path().join("run"), dir.path().join("conf.d"));
    std::fs::create_dir_all(&run).unwrap();
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("vpcd"),
        format!(
            "FRIENDLYNAME \"Yubico YubiKey vpcd\"\nDEVICENAME /dev/null:0x{PORT:04X}\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID 0x{PORT:04X}\n"
        ),
    )
    .unwrap();
    let socket = run.join("pcscd.comm");
    let script = format!(
        "mount --bind '{}' /run/pcscd && exec pcscd --foreground -c '{}'",
        run.display(),
        conf.display()
    );
    let mut procs = Processes(Vec::new());
    procs.0.push(
        Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("unshare"),
    );
    wait("the private pcscd's socket", || socket.exists());
    let card = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/token_support/piv_card.py");
    procs.0.push(
        Command::new(token_support::PYTHON)
            .arg(card)
            .arg("--state")
            .arg(dir.path().join("state.json"))
            .args(["--port", &PORT.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("piv_card.py"),
    );
    wait("ykcs11 listing the emulated card", || {
        let out = pkcs11_tool(&socket, &["-L"]);
        String::from_utf8_lossy(&out.stdout).contains("serial num         : 13371337")
    });
    // The key: generated on the card through ykcs11 with the (factory default) management key.
    let out = pkcs11_tool(
        &socket,
        &[
            "--login",
            "--login-type",
            "so",
            "--so-pin",
            "010203040506070801020304050607080102030405060708",
            "--keypairgen",
            "--key-type",
            "EC:prime256v1",
            "--id",
            "05",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let test = "ykcs11_reads_a_file_payload_with_the_key_on_the_emulated_card";
    let out = Command::new(std::env::current_exe().unwrap())
        .env("PCSCLITE_CSOCK_NAME", &socket)
        .env(CHILD_ENV, "1")
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "the child failed");
    assert!(
        stdout.contains("child done"),
        "the child did not run:\n{stdout}"
    );
}

fn envelope() -> Envelope {
    let h = ShareHeader {
        rehearsal: true,
        ceremony_id: [0xc0; 16],
        root_fingerprint: [0xa0; 16],
        k: 3,
        n: 5,
        index: 2,
    };
    Envelope::new(&h, &[0x5a; 32]).unwrap()
}

fn child() {
    // A key generated by rootkey's YubiKey PIV backend in slot 83 (no certificate there)...
    let mut piv = PivToken::open(PivOptions {
        serial: Some(token_support::SERIAL),
        management_key: ManagementKey::FactoryDefault,
        rehearsal: true,
    })
    .unwrap();
    piv.login(&SecretBytes::copy_from(token_support::PIN).unwrap())
        .unwrap();
    let on_83 = piv.enrol(&KeyRef(vec![0x83]), ExistingKey::Refuse).unwrap();
    drop(piv);
    let m = Module::load(&PathBuf::from(YKCS11)).unwrap();
    assert!(!m.can_hold_data());
    let tokens = m.tokens().unwrap();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0].name.label, "YubiKey PIV #13371337");
    let mut t = m.open(&Selector::Serial("13371337".into())).unwrap();
    let e = t
        .login(&SecretBytes::copy_from(b"654321").unwrap())
        .unwrap_err();
    assert_eq!(e.kind, Kind::WrongPin, "{e}");
    t.login(&SecretBytes::copy_from(token_support::PIN).unwrap())
        .unwrap();
    // ...is seen by ykcs11 too (CKA_ID 6 is slot 83; ykcs11 2.2 reads the slot metadata).
    let key_83 = KeyRef(vec![SLOT_82 + 1]);
    assert_eq!(t.public_key(&key_83).unwrap(), on_83);
    let key = KeyRef(vec![SLOT_82]);
    let e = t.enrol(&key, ExistingKey::Refuse).unwrap_err();
    assert_eq!(e.kind, Kind::TokenKeyExists, "{e}");
    let public = t.enrol(&key, ExistingKey::UseWithConsent).unwrap();
    assert_eq!(t.public_key(&key).unwrap(), public);
    let h = Header {
        backend: Backend::Pkcs11,
        ceremony_id: [0xc0; 16],
        root_fingerprint: [0xa0; 32],
        share_index: 2,
        holder: "Bob".into(),
        token_serial: "13371337".into(),
        key_ref: key,
        location: Location::FileOnly,
        object_id: Vec::new(),
        token_public: public,
    };
    let written = payload::write_then_prove(&mut t, &h, &envelope()).unwrap();
    let opened = payload::open(&written.bytes, &mut t).unwrap();
    assert!(opened.ct_eq(&envelope()));
    // The key the PIV backend generated has PIN policy "always": the card wants a VERIFY
    // right before each use, and ykcs11 sends none before C_DeriveKey (nor accepts
    // CKU_CONTEXT_SPECIFIC there). So through ykcs11 that key works once per login: the
    // write-then-prove (one ECDH) passes, a second ECDH in the same session fails.
    let h83 = Header {
        key_ref: key_83,
        token_public: on_83,
        ..h
    };
    let written = payload::write_then_prove(&mut t, &h83, &envelope()).unwrap();
    let e = payload::open(&written.bytes, &mut t).unwrap_err();
    assert_eq!(e.kind, Kind::TokenFailed, "{e}");
    assert!(
        e.message
            .contains("ECDH on the token (CKM_ECDH1_DERIVE) failed"),
        "{e}"
    );
    let e = t
        .write_object(b"rootkey share 2", &written.bytes)
        .unwrap_err();
    assert_eq!(e.kind, Kind::TokenNoDataObjects);
    println!("child done");
}
