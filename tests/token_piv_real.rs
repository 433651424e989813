//! The manual checklist of `docs/yubikey.md` on a real YubiKey: ignored unless run by hand
//! with a spare key plugged in (slot 95 and object 5f0fff empty).
//!
//! `ROOTKEY_YUBIKEY_SERIAL=… ROOTKEY_YUBIKEY_PIN=… ROOTKEY_YUBIKEY_ROOT=piv-attestation-ca.pem
//!  cargo test --test token_piv_real -- --ignored --nocapture`

use rootkey::secret::SecretBytes;
use rootkey::token::piv::{AttestationRoot, ManagementKey, PivOptions, PivToken};
use rootkey::token::{ExistingKey, KeyRef, Token};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("set {name} (see docs/yubikey.md)"))
}

#[test]
#[ignore = "needs a real YubiKey; see docs/yubikey.md"]
fn real_yubikey_checklist() {
    let serial: u32 = env("ROOTKEY_YUBIKEY_SERIAL").parse().expect("serial");
    let pin = SecretBytes::copy_from(env("ROOTKEY_YUBIKEY_PIN").as_bytes()).unwrap();
    let root_path = env("ROOTKEY_YUBIKEY_ROOT");
    let root = AttestationRoot::from_pem(&std::fs::read(&root_path).unwrap(), &root_path).unwrap();
    let mut t = PivToken::open(PivOptions {
        serial: Some(serial),
        management_key: ManagementKey::PinProtected,
        rehearsal: false,
    })
    .unwrap();
    println!("{:?}", t.info().unwrap());
    t.login(&pin).unwrap();
    let slot = KeyRef(vec![0x95]);
    let point = t.enrol(&slot, ExistingKey::Refuse).unwrap();
    let att = t.attest(&slot, &root).unwrap();
    println!(
        "attested by {}: firmware {:?}, policy {:?}",
        att.root_subject, att.firmware, att.policy
    );
    assert_eq!(att.policy.map(|p| p.0), Some(3), "PIN policy always");

    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    let eph = p256::SecretKey::from_slice(&seed).unwrap();
    let z = eph.diffie_hellman(&p256::PublicKey::from_sec1_bytes(&point).unwrap());
    let eph_pub: [u8; 65] = (*eph.public_key().to_sec1_bytes()).try_into().unwrap();
    assert_eq!(
        t.ecdh(&slot, &eph_pub).unwrap().as_slice(),
        z.raw_secret_bytes().as_slice()
    );

    let obj = [0x5f, 0x0f, 0xff];
    let payload = vec![0x42u8; 3063];
    t.write_object(&obj, &payload).unwrap();
    assert_eq!(t.read_object(&obj).unwrap(), Some(payload));
    t.delete_object(&obj).unwrap();
    assert_eq!(t.read_object(&obj).unwrap(), None);
}
