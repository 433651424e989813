//! `rootkey token list` and `rootkey token describe` through the real binary: SoftHSM2 tokens
//! in a temporary `SOFTHSM2_CONF`, and the emulated YubiKey behind pcscd and vpcd
//! (`tests/token_support`; pcscd must be running, `.ci/run` starts it). Output and exit codes
//! are pinned; every line fits 80 columns.

mod token_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rootkey::secret::SecretBytes;
use rootkey::token::piv::{ManagementKey, PivOptions, PivToken};
use rootkey::token::{ExistingKey, KeyRef, Token};
use token_support::{CardOptions, PIN, PivCard};

const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn rootkey(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rootkey"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run rootkey")
}

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).expect("UTF-8")
}

fn assert_fits(out: &str) {
    for line in out.lines() {
        assert!(
            line.chars().count() <= 80,
            "longer than 80 columns: {line:?}"
        );
    }
}

/// A SoftHSM2 configuration in a fresh directory with tokens `labels` (user PIN 123456).
fn softhsm(test: &str, labels: &[&str]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-token-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    let body = format!(
        "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
        dir.join("tokens").display()
    );
    fs::write(&conf, body).unwrap();
    for label in labels {
        let out = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", label])
            .args(["--pin", "123456", "--so-pin", "65432100"])
            .output()
            .expect("softhsm2-util (apt-get install softhsm2; .ci/run does)");
        assert!(out.status.success(), "{out:?}");
    }
    conf
}

/// The serial SoftHSM2 gave the token `label` (from `token list`).
fn serial_of(list: &str, label: &str) -> String {
    let start = format!("  token \"{label}\" (serial ");
    let line = list.lines().find(|l| l.starts_with(&start)).unwrap();
    line[start.len()..line.len() - 1].to_string()
}

fn softhsm_block(label: &str, serial: &str) -> String {
    format!(
        "  token \"{label}\" (serial {serial})
    backend          pkcs11, module {SOFTHSM}
    manufacturer     SoftHSM project
    model            SoftHSM v2
    firmware         2.6
    PIN              the token reports no failed PIN tries (it may not count
                     them)
    holds payloads   yes: private CKO_DATA objects
    free space       not reported
"
    )
}

#[test]
fn list_and_describe_softhsm_tokens() {
    let conf = softhsm("list", &["beta", "alpha"]);
    let no_pcscd = conf.with_file_name("no-pcscd.comm");
    let env = [
        ("SOFTHSM2_CONF", conf.as_path()),
        ("PCSCLITE_CSOCK_NAME", no_pcscd.as_path()),
    ];
    let out = rootkey(&["token", "list", "--pkcs11-module", SOFTHSM], &env);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (a, b) = (serial_of(&stdout, "alpha"), serial_of(&stdout, "beta"));
    assert_eq!(
        stdout,
        format!(
            "YubiKeys (PC/SC):
  not searched: cannot reach pcscd, the PC/SC daemon: it is not running

PKCS#11 module {SOFTHSM}:
{}{}",
            softhsm_block("alpha", &a),
            softhsm_block("beta", &b)
        )
    );
    assert_fits(&stdout);

    // A key imported under CKA_ID "share-1" shows as a public key; nothing private does.
    let key = conf.with_file_name("key.pem");
    let keygen = Command::new("openssl")
        .args(["genpkey", "-algorithm", "EC", "-pkeyopt"])
        .args(["ec_paramgen_curve:P-256", "-out"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{keygen:?}");
    let import = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .arg("--import")
        .arg(&key)
        .args(["--token", "alpha", "--label", "rootkey share-1"])
        .args(["--id", &hex::encode("share-1"), "--pin", "123456"])
        .output()
        .unwrap();
    assert!(import.status.success(), "{import:?}");
    for args in [
        ["--label", "alpha"].as_slice(),
        ["--serial", a.as_str()].as_slice(),
    ] {
        let mut all = vec!["token", "describe", "--pkcs11-module", SOFTHSM];
        all.extend_from_slice(args);
        let out = rootkey(&all, &env);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let stdout = text(&out.stdout);
        assert_eq!(
            stdout,
            format!(
                "{}    public keys      CKA_ID \"share-1\", label \"rootkey share-1\"
    not shown        private keys and payload objects: listing them needs the
                     PIN
",
                softhsm_block("alpha", &a)
            )
        );
        assert_fits(&stdout);
    }

    // A token that is not there: the tokens present are named (exit 1).
    let out = rootkey(
        &[
            "token",
            "describe",
            "--pkcs11-module",
            SOFTHSM,
            "--label",
            "gamma",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let present = present_in_slot_order(&stderr, &a, &b);
    assert_eq!(
        stderr,
        format!(
            "error: no token with label \"gamma\" in {SOFTHSM}; tokens present: {present}\n  next step: insert the token, or give the label or serial of one that is present\n"
        )
    );
    assert!(out.stdout.is_empty());
}

/// The tokens-present list is in the module's slot order, which SoftHSM2 derives from the
/// serials: accept either order, but nothing else.
fn present_in_slot_order(stderr: &str, a: &str, b: &str) -> String {
    let ab = format!("token \"alpha\" (serial {a}), token \"beta\" (serial {b})");
    let ba = format!("token \"beta\" (serial {b}), token \"alpha\" (serial {a})");
    if stderr.contains(&ab) { ab } else { ba }
}

#[test]
fn not_a_module_and_pcscd_not_running_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("module.so");
    fs::write(&fake, "not a library\n".repeat(20)).unwrap();
    let no_pcscd = dir.path().join("no-pcscd.comm");
    let env = [("PCSCLITE_CSOCK_NAME", no_pcscd.as_path())];
    let m = fake.to_str().unwrap();
    let out = rootkey(&["token", "list", "--pkcs11-module", m], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing listed before the error");
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: --pkcs11-module {m}: not a PKCS#11 library (libloading error ({m}: invalid ELF header))\n  next step: give --pkcs11-module the path of the token's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so (SoftHSM2), /usr/lib/x86_64-linux-gnu/libykcs11.so (YubiKey), /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so (OpenSC)\n"
        )
    );
    let out = rootkey(
        &["token", "describe", "--pkcs11-module", m, "--serial", "1"],
        &env,
    );
    assert_eq!(out.status.code(), Some(1));

    let pcscd_down = "error: looking for YubiKeys: cannot reach pcscd, the PC/SC daemon: it is not running\n  next step: start the PC/SC daemon (`sudo systemctl start pcscd`, or run `pcscd` as root) and run again\n";
    for args in [
        ["token", "list"].as_slice(),
        &["token", "describe", "--yubikey"],
    ] {
        let out = rootkey(args, &env);
        assert_eq!(out.status.code(), Some(4), "{args:?}");
        assert_eq!(text(&out.stderr), pcscd_down, "{args:?}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        ["token", "describe"].as_slice(),
        &["token", "describe", "--pkcs11-module", SOFTHSM],
        &["token", "describe", "--yubikey", "--pkcs11-module", SOFTHSM],
        &["token", "describe", "--yubikey", "12ab"],
        &["token", "describe", "--label", "alpha"],
    ] {
        let out = rootkey(args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
}

#[test]
fn list_and_describe_the_emulated_yubikey() {
    let dir = tempfile::tempdir().unwrap();
    let card = PivCard::start(dir.path(), &CardOptions::default());
    let yubikey_block = "  token \"YubiKey 5\" (serial 13371337)
    backend          yubikey (PIV over PC/SC)
    manufacturer     Yubico
    model            YubiKey 5
    firmware         5.4.3
    PIN              3 PIN tries left
    holds payloads   yes: PIV data objects of up to 3063 bytes
    free space       not reported
";
    let out = rootkey(&["token", "list"], &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        format!("YubiKeys (PC/SC):\n{yubikey_block}")
    );
    let out = rootkey(&["token", "describe", "--yubikey"], &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        text(&out.stdout),
        format!(
            "{yubikey_block}    management key   the factory default: a real ceremony refuses it
    share slots      all empty (82..95, 9d)
    objects 5f00xx   none
"
        )
    );

    // A rehearsal enrols slots 82 and 9d and writes object 5f0001.
    let mut t = PivToken::open(PivOptions {
        serial: Some(token_support::SERIAL),
        management_key: ManagementKey::FactoryDefault,
        rehearsal: true,
    })
    .unwrap();
    t.login(&SecretBytes::copy_from(PIN).unwrap()).unwrap();
    t.enrol(&KeyRef(vec![0x82]), ExistingKey::Refuse).unwrap();
    t.enrol(&KeyRef(vec![0x9d]), ExistingKey::Refuse).unwrap();
    t.write_object(&[0x5f, 0, 1], &[7u8; 547]).unwrap();
    drop(t);
    let out = rootkey(&["token", "describe", "--yubikey", "13371337"], &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stdout = text(&out.stdout);
    assert_eq!(
        stdout,
        format!(
            "{yubikey_block}    management key   the factory default: a real ceremony refuses it
    share slots      82: P-256, generated on the card, PIN policy always
                     9d: P-256, generated on the card, PIN policy always
    objects 5f00xx   5f0001: 547 bytes
"
        )
    );
    assert_fits(&stdout);

    // Another serial: the one present is named (exit 1: the wrong YubiKey was brought).
    let out = rootkey(&["token", "describe", "--yubikey", "42"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: YubiKey serial 42 is not plugged in (present: serial 13371337)\n  next step: plug in YubiKey serial 42 and run again\n"
    );
    drop(card);

    // No card: list says so and succeeds; describe is an error (exit 4).
    let _guard = token_support::vpcd_lock();
    let out = rootkey(&["token", "list"], &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(text(&out.stdout), "YubiKeys (PC/SC):\n  none found\n");
    let out = rootkey(&["token", "describe", "--yubikey"], &[]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        text(&out.stderr),
        "error: no YubiKey found: the smart-card readers hold no card with a PIV application\n  next step: plug in the YubiKey and run again\n"
    );
}
