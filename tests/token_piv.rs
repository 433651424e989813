//! The YubiKey PIV backend through the real PC/SC stack: pcscd + vsmartcard's vpcd + the
//! emulated YubiKey 5 in `tests/token_support/piv_card.py`, driven by the unmodified `yubikey`
//! crate. pcscd must be running (`.ci/run` starts it); otherwise every test here fails saying
//! so.

mod token_support;

use rootkey::error::Kind;
use rootkey::secret::SecretBytes;
use rootkey::token::piv::{
    AttestationRoot, ManagementKey, PivOptions, PivToken, verify_attestation,
};
use rootkey::token::{ExistingKey, KeyRef, PinTries, Token};
use token_support::{CardOptions, PIN, PivCard, SERIAL, init_state};
use yubikey::{MgmAlgorithmId, MgmKey, Serial, YubiKey};

const OBJ: &[u8] = &[0x5f, 0x00, 0x01];
const NAME: &str = "token \"YubiKey 5\" (serial 13371337)";

fn secret(b: &[u8]) -> SecretBytes {
    SecretBytes::copy_from(b).unwrap()
}

fn slot(s: u8) -> KeyRef {
    KeyRef(vec![s])
}

/// What `ykman piv access change-management-key --generate --protect` does, through the crate.
fn protect_management_key() {
    protect_management_key_with(MgmAlgorithmId::ThreeDes);
}

fn protect_management_key_with(alg: MgmAlgorithmId) {
    let mut yk = YubiKey::open_by_serial(Serial(SERIAL)).unwrap();
    yk.authenticate(&MgmKey::get_default(&yk).unwrap()).unwrap();
    yk.verify_pin(PIN).unwrap();
    let key = MgmKey::generate(alg, &mut getrandom::SysRng).unwrap();
    key.set_protected(&mut yk).unwrap();
}

fn open(mgm: ManagementKey, rehearsal: bool) -> PivToken {
    PivToken::open(PivOptions {
        serial: Some(SERIAL),
        management_key: mgm,
        rehearsal,
    })
    .unwrap()
}

/// A real-ceremony token (PIN-protected management key), logged in.
fn ceremony_token() -> PivToken {
    let mut t = open(ManagementKey::PinProtected, false);
    t.login(&secret(PIN)).unwrap();
    t
}

fn message(e: rootkey::Error) -> String {
    e.to_string()
}

/// Host side of the payload's ECDH: an ephemeral key and the x-coordinate shared with `point`.
fn host_ecdh(point: &[u8; 65]) -> ([u8; 65], [u8; 32]) {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    let eph = p256::SecretKey::from_slice(&seed).unwrap();
    let token_pub = p256::PublicKey::from_sec1_bytes(point).unwrap();
    let z = eph.diffie_hellman(&token_pub);
    let eph_pub: [u8; 65] = (*eph.public_key().to_sec1_bytes()).try_into().unwrap();
    (eph_pub, z.raw_secret_bytes().as_slice().try_into().unwrap())
}

#[test]
fn enrol_write_read_ecdh_attest_and_again_later() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("apdu.log");
    let logged = CardOptions {
        apdu_log: Some(log.clone()),
        ..CardOptions::default()
    };
    let card = PivCard::start(dir.path(), &logged);
    protect_management_key();
    let mut t = ceremony_token();
    let info = t.info().unwrap();
    assert_eq!(
        (
            info.name.to_string(),
            info.model.as_str(),
            info.firmware.as_str()
        ),
        (NAME.to_string(), "YubiKey 5", "5.4.3")
    );
    assert_eq!(
        (info.pin_tries, info.can_hold_data),
        (PinTries::Left(3), true)
    );

    let point = t.enrol(&slot(0x82), ExistingKey::Refuse).unwrap();
    assert_eq!(t.public_key(&slot(0x82)).unwrap(), point);
    let (eph, z) = host_ecdh(&point);
    let on_card = t.ecdh(&slot(0x82), &eph).unwrap();
    assert_eq!(
        on_card.as_slice(),
        z,
        "ECDH on the card differs from the host's"
    );
    // PIN policy "always": a second ECDH works too (the backend verifies before each one).
    assert_eq!(t.ecdh(&slot(0x82), &eph).unwrap().as_slice(), z);

    let payload: Vec<u8> = (0..3063u32).map(|i| (i * 7 % 251) as u8).collect();
    t.write_object(OBJ, &payload).unwrap();
    assert_eq!(t.read_object(OBJ).unwrap().as_deref(), Some(&payload[..]));
    assert_eq!(t.read_object(&[0x5f, 0, 2]).unwrap(), None);
    let e = t.write_object(OBJ, b"other").unwrap_err();
    assert_eq!(e.kind, Kind::TokenObjectExists);
    let again = message(e);
    assert_eq!(
        again,
        format!(
            "{NAME}: object 5f0001 already exists; it is never overwritten\n  next step: remove it first if it is a leftover of an earlier attempt, or use another object id"
        )
    );

    let root = AttestationRoot::from_pem(&std::fs::read(&card.ca).unwrap(), "ca.pem").unwrap();
    let att = t.attest(&slot(0x82), &root).unwrap();
    assert_eq!(att.firmware.as_deref(), Some("5.4.3"));
    assert_eq!(att.policy, Some((3, 1)), "PIN policy always, touch never");
    assert_eq!(att.root_subject, "CN=rootkey test PIV attestation CA");
    drop(t);
    // What the crate sent (INS P1P2; the emulator logs no data): the commands the emulator
    // must implement.
    let lines: std::collections::BTreeSet<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    println!("APDUs sent by the yubikey crate (INS P1P2): {lines:?}");
    let sent: std::collections::BTreeSet<&str> =
        lines.iter().filter_map(|l| l.split(' ').next()).collect();
    for ins in [
        "A4", "FD", "F8", "F7", "20", "87", "47", "F9", "CB", "DB", "C0",
    ] {
        assert!(sent.contains(ins), "INS {ins} not sent: {sent:?}");
    }

    // "Later": the card is stopped and started again from its state.
    let _card = card.restart(&CardOptions::default());
    let mut t = ceremony_token();
    assert_eq!(t.public_key(&slot(0x82)).unwrap(), point);
    assert_eq!(t.read_object(OBJ).unwrap().as_deref(), Some(&payload[..]));
    assert_eq!(t.ecdh(&slot(0x82), &eph).unwrap().as_slice(), z);
    t.delete_object(OBJ).unwrap();
    assert_eq!(t.read_object(OBJ).unwrap(), None);
    t.delete_object(OBJ).unwrap();
}

#[test]
fn forged_attestation_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = tempfile::tempdir().unwrap();
    init_state(other.path(), SERIAL);
    let card = PivCard::start(dir.path(), &CardOptions::default());
    let mut t = open(ManagementKey::FactoryDefault, true);
    t.login(&secret(PIN)).unwrap();
    let point = t.enrol(&slot(0x83), ExistingKey::Refuse).unwrap();
    let mut yk = YubiKey::open_by_serial(Serial(SERIAL)).unwrap();
    let leaf = yubikey::piv::attest(&mut yk, yubikey::piv::SlotId::try_from(0x83).unwrap())
        .unwrap()
        .to_vec();
    let f9 = yubikey::Certificate::read(&mut yk, yubikey::piv::SlotId::Attestation).unwrap();
    let f9 = der::Encode::to_der(&f9.cert).unwrap();
    drop(yk);
    let root = AttestationRoot::from_pem(&std::fs::read(&card.ca).unwrap(), "ca.pem").unwrap();
    let name = t.name().clone();
    let check = |leaf: &[u8], f9: &[u8], root: &AttestationRoot, point: &[u8; 65]| {
        let e = verify_attestation(leaf, f9, root, &name, 0x83, point).unwrap_err();
        assert_eq!(e.kind, Kind::AttestationRefused);
        e.to_string()
    };
    verify_attestation(&leaf, &f9, &root, &name, 0x83, &point).unwrap();

    let prefix = format!("{NAME}: the attestation of slot 83 does not verify against");
    let e = check(
        &leaf,
        &f9,
        &AttestationRoot::from_pem(
            &std::fs::read(other.path().join("ca.pem")).unwrap(),
            "other-ca.pem",
        )
        .unwrap(),
        &point,
    );
    assert!(e.starts_with(&format!("{prefix} other-ca.pem: the intermediate in slot f9 (issuer CN=rootkey test PIV attestation CA) does not chain to the root\n  next step: do not use this key")), "{e}");
    let mut forged = leaf.clone();
    let n = forged.len();
    forged[n - 1] ^= 1;
    let e = check(&forged, &f9, &root, &point);
    assert!(e.ends_with("not signed by the YubiKey's intermediate (slot f9)\n  next step: do not use this key: it may not have been generated on this YubiKey; check that the attestation root is the right one"), "{e}");
    let other_point = t.enrol(&slot(0x84), ExistingKey::Refuse).unwrap();
    let e = check(&leaf, &f9, &root, &other_point);
    assert!(
        e.contains("ca.pem: the attested key is not the key in the slot"),
        "{e}"
    );
    let e = check(&f9, &f9, &root, &point);
    assert!(
        e.contains("not signed by the YubiKey's intermediate"),
        "{e}"
    );
    drop(card);
}

#[test]
fn default_management_key_refused_unless_rehearsal() {
    let dir = tempfile::tempdir().unwrap();
    let _card = PivCard::start(dir.path(), &CardOptions::default());
    let refused = format!(
        "{NAME}: the YubiKey still has the factory default management key, which a real ceremony refuses\n  next step: set a random PIN-protected management key first (`ykman piv access change-management-key --generate --protect`), or run a rehearsal"
    );
    for mgm in [ManagementKey::FactoryDefault, ManagementKey::PinProtected] {
        let mut t = open(mgm, false);
        t.login(&secret(PIN)).unwrap();
        let e = t.enrol(&slot(0x82), ExistingKey::Refuse).unwrap_err();
        assert_eq!(e.kind, Kind::DefaultManagementKey);
        assert_eq!(message(e), refused);
        let e = t.write_object(OBJ, b"x").unwrap_err();
        assert_eq!(e.kind, Kind::DefaultManagementKey);
        assert_eq!(message(e), refused);
    }
    let mut t = open(ManagementKey::FactoryDefault, true);
    t.login(&secret(PIN)).unwrap();
    t.enrol(&slot(0x82), ExistingKey::Refuse).unwrap();
    t.write_object(OBJ, b"rehearsal").unwrap();

    // A wrong management key is named as such.
    drop(t);
    protect_management_key();
    let mut t = open(ManagementKey::Given(secret(&[9u8; 24])), false);
    t.login(&secret(PIN)).unwrap();
    let e = t.write_object(&[0x5f, 0, 2], b"x").unwrap_err();
    assert_eq!(e.kind, Kind::WrongManagementKey);
    assert_eq!(
        message(e),
        format!(
            "{NAME}: wrong management key\n  next step: check which management key this YubiKey uses (`ykman piv info`) and give that one"
        )
    );
}

#[test]
fn wrong_pin_names_card_and_tries_left_and_never_retries() {
    let dir = tempfile::tempdir().unwrap();
    let _card = PivCard::start(dir.path(), &CardOptions::default());
    let mut t = open(ManagementKey::PinProtected, false);
    let e = t.login(&secret(b"654321")).unwrap_err();
    assert_eq!(e.kind, Kind::WrongPin);
    assert_eq!(
        message(e),
        format!(
            "{NAME}: wrong PIN, 2 PIN tries left\n  next step: the holder types the PIN again (rootkey does not retry by itself)"
        )
    );
    assert_eq!(
        t.info().unwrap().pin_tries,
        PinTries::Left(2),
        "exactly one try spent"
    );
    let e = t.login(&secret(b"000000")).unwrap_err();
    assert_eq!(
        message(e),
        format!(
            "{NAME}: wrong PIN, 1 PIN try left\n  next step: one more wrong PIN blocks it: the holder checks the PIN before typing it again (rootkey does not retry by itself)"
        )
    );
    t.login(&secret(PIN)).unwrap();
    assert_eq!(t.info().unwrap().pin_tries, PinTries::Left(3));
    let e = t.login(&secret(b"123456789")).unwrap_err();
    assert_eq!(e.kind, Kind::WrongPin);
    assert!(message(e).contains("the PIN is longer than 8 bytes"));
    assert_eq!(
        t.info().unwrap().pin_tries,
        PinTries::Left(3),
        "not sent to the card"
    );
}

#[test]
fn blocked_pin_has_its_own_message() {
    let dir = tempfile::tempdir().unwrap();
    let opts = CardOptions {
        block_pin: true,
        ..CardOptions::default()
    };
    let _card = PivCard::start(dir.path(), &opts);
    let mut t = open(ManagementKey::PinProtected, false);
    assert_eq!(t.info().unwrap().pin_tries, PinTries::Left(0));
    let blocked = format!(
        "{NAME}: the PIN is blocked (0 tries left)\n  next step: the holder unblocks it with the PUK (`ykman piv access unblock-pin`) and comes back; rootkey never uses the PUK"
    );
    assert_eq!(message(t.login(&secret(PIN)).unwrap_err()), blocked);
    // Running out of tries ends in the same message.
    let dir = tempfile::tempdir().unwrap();
    drop(_card);
    let _card = PivCard::start(dir.path(), &CardOptions::default());
    let mut t = open(ManagementKey::PinProtected, false);
    for _ in 0..2 {
        t.login(&secret(b"999999")).unwrap_err();
    }
    let e = t.login(&secret(b"999999")).unwrap_err();
    assert_eq!(e.kind, Kind::PinBlocked);
    assert_eq!(message(e), blocked);
    assert_eq!(message(t.login(&secret(PIN)).unwrap_err()), blocked);
}

#[test]
fn card_removed_mid_write_leaves_no_object() {
    let dir = tempfile::tempdir().unwrap();
    let card = PivCard::start(dir.path(), &CardOptions::default());
    protect_management_key();
    let mut card = card.restart(&CardOptions {
        drop_at_put_data: true,
        ..CardOptions::default()
    });
    let mut t = ceremony_token();
    let payload = vec![0xA5u8; 1000]; // four chained APDUs: the card drops at the last one
    let e = t.write_object(OBJ, &payload).unwrap_err();
    assert_eq!(e.kind, Kind::TokenRemoved);
    assert_eq!(
        message(e),
        format!(
            "{NAME}: writing object 5f0001: the YubiKey was removed or lost contact; the step did not complete\n  next step: plug the YubiKey in again and run the step again"
        )
    );
    card.wait_removed();
    let e = t.read_object(OBJ).unwrap_err();
    assert_eq!(e.kind, Kind::TokenRemoved);
    assert_eq!(
        message(e),
        format!(
            "{NAME}: the YubiKey is no longer plugged in\n  next step: plug it in again and run the step again"
        )
    );
    let _card = card.restart(&CardOptions::default());
    let mut t = ceremony_token();
    assert_eq!(t.read_object(OBJ).unwrap(), None, "no half-written object");
    t.write_object(OBJ, &payload).unwrap();
    assert_eq!(t.read_object(OBJ).unwrap(), Some(payload));
}

#[test]
fn card_removed_between_steps_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // Finding the card takes three APDUs (SELECT, GET VERSION, GET SERIAL); the card is gone
    // when the login's SELECT arrives.
    let mut card = PivCard::start(
        dir.path(),
        &CardOptions {
            drop_after: Some(4),
            ..CardOptions::default()
        },
    );
    let mut t = open(ManagementKey::PinProtected, false);
    let e = t.login(&secret(PIN)).unwrap_err();
    assert_eq!(e.kind, Kind::TokenRemoved);
    assert_eq!(
        message(e),
        format!(
            "{NAME}: the YubiKey is no longer plugged in\n  next step: plug it in again and run the step again"
        )
    );
    card.wait_removed();
}

#[test]
fn card_full_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let _card = PivCard::start(
        dir.path(),
        &CardOptions {
            capacity: Some(5000),
            ..CardOptions::default()
        },
    );
    protect_management_key();
    let mut t = ceremony_token();
    t.write_object(OBJ, &[1u8; 3063]).unwrap();
    let e = t.write_object(&[0x5f, 0, 2], &[2u8; 3063]).unwrap_err();
    assert_eq!(e.kind, Kind::TokenFull);
    assert_eq!(
        message(e),
        format!(
            "{NAME}: the YubiKey refused to store object 5f0002 (3063 bytes): its object storage is full\n  next step: remove PIV objects that are no longer needed (`ykman piv objects`), or use another YubiKey"
        )
    );
    assert_eq!(t.read_object(&[0x5f, 0, 2]).unwrap(), None);
    let e = t.write_object(&[0x5f, 0, 3], &[0u8; 3064]).unwrap_err();
    assert_eq!(e.kind, Kind::TokenSlot);
    assert_eq!(
        message(e),
        format!("{NAME}: object 5f0003 would hold 3064 bytes; a PIV data object holds 1 to 3063")
    );
}

#[test]
fn aes_management_key_on_firmware_5_7() {
    let dir = tempfile::tempdir().unwrap();
    let opts = CardOptions {
        version: Some("5.7.1"),
        ..CardOptions::default()
    };
    let _card = PivCard::start(dir.path(), &opts);
    // Firmware 5.7 ships with an AES-192 default key; the holder sets an AES-256 one.
    protect_management_key_with(MgmAlgorithmId::Aes256);
    let mut t = ceremony_token();
    assert_eq!(t.info().unwrap().firmware, "5.7.1");
    t.enrol(&slot(0x82), ExistingKey::Refuse).unwrap();
    t.write_object(OBJ, b"aes").unwrap();
    assert_eq!(t.read_object(OBJ).unwrap().as_deref(), Some(&b"aes"[..]));
}

#[test]
fn slot_holding_a_key_needs_consent() {
    let dir = tempfile::tempdir().unwrap();
    let _card = PivCard::start(dir.path(), &CardOptions::default());
    protect_management_key();
    let mut t = ceremony_token();
    let first = t.enrol(&slot(0x9d), ExistingKey::Refuse).unwrap();
    let e = t.enrol(&slot(0x9d), ExistingKey::Refuse).unwrap_err();
    assert_eq!(e.kind, Kind::TokenKeyExists);
    assert_eq!(
        message(e),
        format!(
            "{NAME}: slot 9d already holds a key; it is never overwritten without consent\n  next step: choose another slot (82..95), or confirm that the key there may be used or replaced"
        )
    );
    assert_eq!(
        t.enrol(&slot(0x9d), ExistingKey::UseWithConsent).unwrap(),
        first
    );
    let second = t
        .enrol(&slot(0x9d), ExistingKey::ReplaceWithConsent)
        .unwrap();
    assert_ne!(second, first);
    assert_eq!(t.public_key(&slot(0x9d)).unwrap(), second);
    let e = t.public_key(&slot(0x95)).unwrap_err();
    assert_eq!(e.kind, Kind::TokenKeyMissing);
    assert_eq!(
        message(e),
        format!(
            "{NAME}: slot 95 holds no key\n  next step: enrol the YubiKey first, or name the slot that holds the share key"
        )
    );
    let e = t.enrol(&slot(0x9a), ExistingKey::Refuse).unwrap_err();
    assert_eq!(e.kind, Kind::TokenSlot);
    assert!(message(e).starts_with("YubiKey key slot 9a: not a slot for a share key"));
}

#[test]
fn no_card_or_wrong_serial_is_named() {
    let _ctx = token_support::require_pcscd();
    let guard = token_support::vpcd_lock();
    let open_err = |serial| {
        PivToken::open(PivOptions {
            serial,
            management_key: ManagementKey::PinProtected,
            rehearsal: false,
        })
        .unwrap_err()
    };
    let e = open_err(None);
    assert_eq!(e.kind, Kind::NoCard);
    assert_eq!(
        message(e),
        "no YubiKey found: the smart-card readers hold no card with a PIV application\n  next step: plug in the YubiKey and run again"
    );
    let e = open_err(Some(42));
    assert_eq!(e.kind, Kind::NoCard);
    assert_eq!(
        message(e),
        "YubiKey serial 42 is not plugged in (no YubiKey is plugged in)\n  next step: plug in YubiKey serial 42 and run again"
    );
    drop(guard);
    let dir = tempfile::tempdir().unwrap();
    let _card = PivCard::start(dir.path(), &CardOptions::default());
    let e = open_err(Some(42));
    assert_eq!(e.kind, Kind::TokenNotFound);
    assert_eq!(
        message(e),
        "YubiKey serial 42 is not plugged in (present: serial 13371337)\n  next step: plug in YubiKey serial 42 and run again"
    );
    assert_eq!(rootkey::token::piv::list().unwrap().len(), 1);
}

/// Run by `pcscd_not_running_is_named` in a child process whose libpcsclite points at a
/// socket where no pcscd listens.
#[test]
#[ignore = "run as a child process by pcscd_not_running_is_named"]
fn child_open_without_pcscd() {
    let e = PivToken::open(PivOptions {
        serial: None,
        management_key: ManagementKey::PinProtected,
        rehearsal: false,
    })
    .unwrap_err();
    assert_eq!(e.kind, Kind::PcscUnavailable);
    println!("CODE={}\n{e}", e.exit_code());
}

#[test]
fn pcscd_not_running_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "child_open_without_pcscd",
            "--nocapture",
        ])
        .env("PCSCLITE_CSOCK_NAME", dir.path().join("no-pcscd.comm"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("CODE=4\nlooking for YubiKeys: cannot reach pcscd, the PC/SC daemon: it is not running\n  next step: start the PC/SC daemon (`sudo systemctl start pcscd`, or run `pcscd` as root) and run again"),
        "{stdout}"
    );
}

/// Benchmark (`cargo test --release --test token_piv -- --ignored bench --nocapture`): write
/// and read back one 3,063-byte payload plus one ECDH on the emulated card, as library calls
/// through pcscd and vpcd. Prints milliseconds per step.
#[test]
#[ignore = "benchmark; run by hand"]
fn bench_write_read_back() {
    use std::time::Instant;
    let dir = tempfile::tempdir().unwrap();
    let _card = PivCard::start(dir.path(), &CardOptions::default());
    protect_management_key();
    let mut t = ceremony_token();
    let point = t.enrol(&slot(0x82), ExistingKey::Refuse).unwrap();
    let (eph, _) = host_ecdh(&point);
    let payload = vec![0x5au8; 3063];
    for round in 0..5u8 {
        let id = [0x5f, 0, round + 1];
        let t0 = Instant::now();
        let mut t = ceremony_token();
        let t1 = Instant::now();
        t.write_object(&id, &payload).unwrap();
        let t2 = Instant::now();
        assert_eq!(t.read_object(&id).unwrap().as_deref(), Some(&payload[..]));
        let t3 = Instant::now();
        t.ecdh(&slot(0x82), &eph).unwrap();
        let t4 = Instant::now();
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
        println!(
            "round {round}: open+login {:.0} ms, write {:.0} ms, read back {:.0} ms, ECDH {:.0} ms, total {:.0} ms",
            ms(t0, t1),
            ms(t1, t2),
            ms(t2, t3),
            ms(t3, t4),
            ms(t0, t4)
        );
    }
}
