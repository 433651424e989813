//! The PKCS#11 backend against a real SoftHSM2 (`softhsm2`, installed by `.ci/run`).
//!
//! SoftHSM2 reads `SOFTHSM2_CONF` once, when the module is initialised, and a module is
//! initialised once per process. So each test runs its body in a child process — this test
//! binary again, filtered to the one test — with `SOFTHSM2_CONF` pointing at a token directory
//! of its own, where the parent created the test's tokens with `softhsm2-util --init-token`.
//! The library is driven through the same [`Token`] trait the ceremonies use.
//!
//! Not produced here: a blocked PIN (SoftHSM2 counts no tries; it sets
//! `CKF_USER_PIN_COUNT_LOW` after a wrong PIN and never blocks) and "token full" (SoftHSM2
//! reports no free memory and never answers `CKR_DEVICE_MEMORY`; with its files unwritable it
//! fails with `CKR_GENERAL_ERROR`, even in `C_GetTokenInfo`). Their messages are unit-tested in
//! `src/token` (`PinTries`, `pkcs11::tests::device_memory_is_token_full`).

use std::fs;
use std::path::{Path, PathBuf};

use rootkey::error::{Kind, TokenPayloadFailure as F};
use rootkey::secret::SecretBytes;
use rootkey::share::{Envelope, ShareHeader};
use rootkey::token::payload::{self, Header, Location};
use rootkey::token::pkcs11::{Module, Selector};
use rootkey::token::{Backend, ExistingKey, KeyRef, PinTries, Token};

mod softhsm_support;

use softhsm_support::{PIN, softhsm_module};

/// Runs `body` with SoftHSM2 loaded in a child holding fresh tokens `labels`
/// ([`softhsm_support::in_softhsm`]).
fn in_softhsm(test: &str, labels: &[&str], body: impl FnOnce(&Module)) {
    softhsm_support::in_softhsm(test, labels, || {
        let module = Module::load(&softhsm_module()).expect("load SoftHSM2");
        body(&module);
    });
}

fn pin(s: &str) -> SecretBytes {
    SecretBytes::copy_from(s.as_bytes()).unwrap()
}

fn open(module: &Module, label: &str) -> rootkey::token::pkcs11::Pkcs11Token {
    let mut t = module.open(&Selector::Label(label.into())).unwrap();
    t.login(&pin(PIN)).unwrap();
    t
}

const SHARE_VALUE: [u8; 32] = [
    0x5a, 0x11, 0x7e, 0x93, 0x04, 0xc8, 0x2b, 0xd1, 0x66, 0x0f, 0xa3, 0x38, 0xe5, 0x72, 0x19, 0xbc,
    0x4d, 0x80, 0xf6, 0x27, 0x9e, 0x53, 0x0a, 0xcd, 0x31, 0x68, 0xb7, 0x45, 0xea, 0x2c, 0x91, 0x7f,
];

fn envelope(index: u8) -> Envelope {
    let h = ShareHeader {
        rehearsal: true,
        ceremony_id: [0xc0; 16],
        root_fingerprint: [0xa0; 16],
        k: 3,
        n: 5,
        index,
    };
    Envelope::new(&h, &SHARE_VALUE).unwrap()
}

fn header(t: &mut dyn Token, key: &KeyRef, public: [u8; 65], index: u8) -> Header {
    Header {
        backend: Backend::Pkcs11,
        ceremony_id: [0xc0; 16],
        root_fingerprint: [0xa0; 32],
        share_index: index,
        holder: "Alice".into(),
        token_serial: t.name().serial.clone(),
        key_ref: key.clone(),
        location: Location::TokenAndFile,
        object_id: format!("rootkey share {index}").into_bytes(),
        token_public: public,
    }
}

#[test]
fn enrol_write_prove_and_read_back() {
    in_softhsm("enrol_write_prove_and_read_back", &["alpha"], |m| {
        let key = KeyRef(b"share-1".to_vec());
        let written = {
            let mut t = open(m, "alpha");
            let info = t.info().unwrap();
            assert_eq!(info.backend, Backend::Pkcs11);
            assert_eq!(info.name.label, "alpha");
            assert_eq!(info.name.serial.len(), 16, "{info:?}");
            assert_eq!(info.model, "SoftHSM v2");
            assert_eq!(info.firmware, "2.6");
            assert!(info.can_hold_data);
            assert_eq!(info.pin_tries, PinTries::NoWarning);
            let public = t.enrol(&key, ExistingKey::Refuse).unwrap();
            assert_eq!(t.public_key(&key).unwrap(), public);
            let h = header(&mut t, &key, public, 1);
            payload::write_then_prove(&mut t, &h, &envelope(1)).unwrap()
        };
        // A new session, as at a later ceremony: the object is there and opens.
        let mut t = open(m, "alpha");
        let back = t.read_object(b"rootkey share 1").unwrap().unwrap();
        assert_eq!(back, written.bytes);
        let env = payload::open(&back, &mut t).unwrap();
        assert!(env.ct_eq(&envelope(1)));
        // Selecting by serial finds the same token.
        let serial = t.name().serial.clone();
        let again = m.open(&Selector::Serial(serial)).unwrap();
        assert_eq!(again.name().label, "alpha");
        // Writing the same object twice is refused; deleting removes it.
        let e = t.write_object(b"rootkey share 1", &back).unwrap_err();
        assert_eq!(e.kind, Kind::TokenObjectExists);
        assert!(
            e.message.ends_with(
                "already holds a payload object \"rootkey share 1\"; it is left untouched"
            ),
            "{}",
            e.message
        );
        t.delete_object(b"rootkey share 1").unwrap();
        assert_eq!(t.read_object(b"rootkey share 1").unwrap(), None);
    });
}

/// The object on the token and SoftHSM2's files hold only ciphertext: no 8 consecutive bytes of
/// the share value, and the private key's value cannot be read.
#[test]
fn token_holds_no_share_bytes() {
    in_softhsm("token_holds_no_share_bytes", &["alpha"], |m| {
        let key = KeyRef(b"share-2".to_vec());
        let mut t = open(m, "alpha");
        let public = t.enrol(&key, ExistingKey::Refuse).unwrap();
        let h = header(&mut t, &key, public, 2);
        payload::write_then_prove(&mut t, &h, &envelope(2)).unwrap();
        let object = t.read_object(b"rootkey share 2").unwrap().unwrap();
        let contains_share = |hay: &[u8]| {
            SHARE_VALUE
                .windows(8)
                .any(|w| hay.windows(8).any(|x| x == w))
        };
        assert!(!contains_share(&object));
        assert!(
            contains_share(envelope(2).as_bytes()),
            "the detector finds the plaintext"
        );
        let dir = PathBuf::from(std::env::var("SOFTHSM2_CONF").unwrap())
            .parent()
            .unwrap()
            .join("tokens");
        let mut files = 0;
        for token_dir in fs::read_dir(&dir).unwrap() {
            for f in fs::read_dir(token_dir.unwrap().path()).unwrap() {
                let bytes = fs::read(f.unwrap().path()).unwrap();
                assert!(!contains_share(&bytes));
                files += 1;
            }
        }
        assert!(files >= 3, "{files} files in {}", dir.display());
        // The private key itself: sensitive and not extractable, so no CKA_VALUE comes out.
        let ctx = cryptoki::context::Pkcs11::new(softhsm_module()).unwrap();
        let slot = ctx
            .get_slots_with_token()
            .unwrap()
            .into_iter()
            .find(|s| ctx.get_token_info(*s).unwrap().label() == "alpha")
            .unwrap();
        let s = ctx.open_ro_session(slot).unwrap();
        use cryptoki::object::{Attribute, AttributeType, ObjectClass};
        let pk = s
            .find_objects(&[
                Attribute::Class(ObjectClass::PRIVATE_KEY),
                Attribute::Id(key.0.clone()),
            ])
            .unwrap();
        assert_eq!(pk.len(), 1);
        let attrs = s
            .get_attributes(
                pk[0],
                &[
                    AttributeType::Sensitive,
                    AttributeType::Extractable,
                    AttributeType::Value,
                ],
            )
            .unwrap();
        assert!(attrs.contains(&Attribute::Sensitive(true)), "{attrs:?}");
        assert!(attrs.contains(&Attribute::Extractable(false)), "{attrs:?}");
        assert!(
            !attrs
                .iter()
                .any(|a| matches!(a, Attribute::Value(v) if !v.is_empty())),
            "{attrs:?}"
        );
    });
}

#[test]
fn payload_of_one_token_cannot_be_opened_with_another() {
    in_softhsm(
        "payload_of_one_token_cannot_be_opened_with_another",
        &["alpha", "beta"],
        |m| {
            let key = KeyRef(b"share-1".to_vec());
            let mut a = open(m, "alpha");
            let mut b = open(m, "beta");
            let pa = a.enrol(&key, ExistingKey::Refuse).unwrap();
            b.enrol(&key, ExistingKey::Refuse).unwrap();
            let h = header(&mut a, &key, pa, 1);
            let w = payload::write_then_prove(&mut a, &h, &envelope(1)).unwrap();
            let e = payload::open(&w.bytes, &mut b).unwrap_err();
            assert_eq!(e.kind, Kind::TokenPayload(F::OtherToken));
            let (sa, sb) = (a.name().serial.clone(), b.name().serial.clone());
            assert_eq!(
                e.message,
                format!(
                    "this payload belongs to the token with serial {sa} (share 1, holder \"Alice\"), not to token \"beta\" (serial {sb})"
                )
            );
            // A header rewritten to name beta and its key: beta's ECDH gives another secret.
            let mut forged = h.clone();
            forged.token_serial = sb.clone();
            forged.token_public = b.public_key(&key).unwrap();
            let sealed_to_a = payload::seal(&h, &envelope(1)).unwrap();
            let mut bytes = payload::seal(&forged, &envelope(1)).unwrap();
            let tail = sealed_to_a.len() - (12 + 89 + 65);
            bytes.truncate(bytes.len() - (12 + 89 + 65));
            bytes.extend_from_slice(&sealed_to_a[tail..]);
            let e = payload::open(&bytes, &mut b).unwrap_err();
            assert_eq!(e.kind, Kind::TokenPayload(F::Authentication), "{e:?}");
            assert!(
                e.message.starts_with(&format!(
                    "token \"beta\" (serial {sb}): token payload for share 1: authentication failed"
                )),
                "{}",
                e.message
            );
        },
    );
}

#[test]
fn wrong_pin_names_the_token_and_its_tries() {
    in_softhsm("wrong_pin_names_the_token_and_its_tries", &["alpha"], |m| {
        let mut t = m.open(&Selector::Label("alpha".into())).unwrap();
        let serial = t.name().serial.clone();
        let e = t.login(&pin("000000")).unwrap_err();
        assert_eq!(
            e.message,
            format!(
                "token \"alpha\" (serial {serial}): wrong PIN; a wrong PIN was entered since the last successful login (CKF_USER_PIN_COUNT_LOW); the token does not say how many tries are left"
            )
        );
        assert_eq!(
            e.hint.as_deref(),
            Some(
                "check which token this is and type its user PIN again; rootkey never retries a PIN by itself"
            )
        );
        assert_eq!(e.kind, Kind::WrongPin);
        assert_eq!(e.exit_code(), 1);
        // SoftHSM2 counts no tries and never blocks the PIN; it keeps COUNT_LOW set until a
        // correct login.
        for _ in 0..3 {
            assert_eq!(t.login(&pin("000000")).unwrap_err().message, e.message);
        }
        assert_eq!(t.info().unwrap().pin_tries, PinTries::CountLow);
        t.login(&pin(PIN)).unwrap();
        assert_eq!(t.info().unwrap().pin_tries, PinTries::NoWarning);
    });
}

#[test]
fn existing_key_needs_consent() {
    in_softhsm("existing_key_needs_consent", &["alpha"], |m| {
        let key = KeyRef(b"share-1".to_vec());
        let mut t = open(m, "alpha");
        let first = t.enrol(&key, ExistingKey::Refuse).unwrap();
        let serial = t.name().serial.clone();
        let e = t.enrol(&key, ExistingKey::Refuse).unwrap_err();
        assert_eq!(e.kind, Kind::TokenKeyExists);
        assert_eq!(
            e.message,
            format!(
                "token \"alpha\" (serial {serial}) already holds a key with CKA_ID \"share-1\" (or the label \"rootkey …\" for it); it is left untouched"
            )
        );
        assert_eq!(t.public_key(&key).unwrap(), first, "the key was touched");
        assert_eq!(t.enrol(&key, ExistingKey::UseWithConsent).unwrap(), first);
        let replaced = t.enrol(&key, ExistingKey::ReplaceWithConsent).unwrap();
        assert_ne!(replaced, first);
        assert_eq!(t.public_key(&key).unwrap(), replaced);
    });
}

#[test]
fn token_not_found_lists_the_tokens_present() {
    in_softhsm(
        "token_not_found_lists_the_tokens_present",
        &["alpha", "beta"],
        |m| {
            let listed = m.tokens().unwrap();
            assert_eq!(listed.len(), 2, "{listed:?}");
            let names: Vec<String> = listed.iter().map(|i| i.name.to_string()).collect();
            let e = m.open(&Selector::Label("gamma".into())).err().unwrap();
            assert_eq!(e.kind, Kind::TokenNotFound);
            assert_eq!(
                e.message,
                format!(
                    "no token with label \"gamma\" in {}; tokens present: {}",
                    softhsm_module().display(),
                    names.join(", ")
                )
            );
            assert!(
                names
                    .iter()
                    .any(|n| n.starts_with("token \"alpha\" (serial "))
            );
            let e = m.open(&Selector::Serial("0000".into())).err().unwrap();
            assert!(
                e.message.starts_with("no token with serial \"0000\" in "),
                "{}",
                e.message
            );
        },
    );
}

#[test]
fn a_library_that_is_not_pkcs11_is_refused_naming_it() {
    let libc = Path::new("/usr/lib/x86_64-linux-gnu/libc.so.6");
    if libc.exists() {
        let e = Module::load(libc).err().unwrap();
        assert!(
            e.message.starts_with(
                "--pkcs11-module /usr/lib/x86_64-linux-gnu/libc.so.6: not a PKCS#11 library ("
            ),
            "{}",
            e.message
        );
        assert_eq!(e.kind, Kind::NotPkcs11Module);
        assert_eq!(e.exit_code(), 1);
    }
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("module.so");
    fs::write(&text, "not a library\n").unwrap();
    let e = Module::load(&text).err().unwrap();
    assert!(
        e.message.starts_with(&format!(
            "--pkcs11-module {}: not a PKCS#11 library (",
            text.display()
        )),
        "{}",
        e.message
    );
    assert_eq!(e.kind, Kind::NotPkcs11Module);
    assert!(e.hint.unwrap().contains("libsofthsm2.so"));
    let missing = dir.path().join("missing.so");
    let e = Module::load(&missing).err().unwrap();
    assert_eq!(e.kind, Kind::NotPkcs11Module);
    assert_eq!(
        e.message,
        format!(
            "--pkcs11-module {}: No such file or directory (os error 2)",
            missing.display()
        )
    );
}

/// Yubico's ykcs11 loads as a PKCS#11 module (with no card it lists no token) and is known
/// not to hold data objects: a payload reached through it lives in the file only.
#[test]
fn ykcs11_loads_and_cannot_hold_data() {
    let path = Path::new("/usr/lib/x86_64-linux-gnu/libykcs11.so");
    if !path.exists() {
        println!(
            "note: {} not installed (apt-get install ykcs11); skipped",
            path.display()
        );
        return;
    }
    let m = Module::load(path).unwrap();
    assert!(!m.can_hold_data());
    // Listing goes through PC/SC: with pcscd running and no card it lists nothing; while
    // pcscd is unavailable ykcs11 answers CKR_DEVICE_ERROR, reported naming the module.
    match m.tokens() {
        Ok(tokens) => {
            for info in tokens {
                assert!(!info.can_hold_data, "{info:?}");
            }
        }
        Err(e) => assert!(
            e.message.starts_with(
                "--pkcs11-module /usr/lib/x86_64-linux-gnu/libykcs11.so: could not list the slots ("
            ),
            "{}",
            e.message
        ),
    }
}
