//! `token_*`: token payload vectors (`docs/formats.md`, "Token payload v1"), sealed with fixed,
//! public keys and nonce around share 1 of the vector ceremony (`envelope_valid.hex`).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::secret::SecretBytes;
use rootkey::share::Envelope;
use rootkey::token::payload::{Header, Location, seal_with};
use rootkey::token::{Backend, KeyRef, PublicPoint};

use crate::harness::{read, read_json, unhex};

/// A public test scalar: SHA-256 of `rootkey token vector: LABEL` (below the P-256 order).
pub fn scalar(label: &str) -> [u8; 32] {
    Sha256::digest(format!("rootkey token vector: {label}")).into()
}

pub fn public_of(secret: &[u8; 32]) -> PublicPoint {
    use p256::elliptic_curve::sec1::ToSec1Point;
    let sk = p256::SecretKey::from_slice(secret).expect("scalar");
    sk.public_key()
        .to_sec1_point(false)
        .as_bytes()
        .try_into()
        .expect("65 bytes")
}

pub const SERIAL_A: &str = "5e11a0b0c0d0e0f1";
pub const SERIAL_B: &str = "5e11b0b0c0d0e0f2";

fn nonce() -> [u8; 12] {
    scalar("nonce")[..12].try_into().expect("12")
}

/// The vector ceremony's share 1 and the root fingerprint (from the committed vectors).
fn share_1() -> (Envelope, [u8; 32]) {
    let env_hex = String::from_utf8(read("envelope_valid.hex")).expect("utf-8");
    let env = Envelope::from_bytes(SecretBytes::copy_from(&unhex(&env_hex)).expect("locked"))
        .expect("envelope_valid");
    let fp = unhex(
        read_json("manifest_valid.json")["root"]["fingerprint"]
            .as_str()
            .expect("fingerprint"),
    );
    (env, fp.try_into().expect("32"))
}

fn header(backend: Backend, serial: &str, location: Location, fp: [u8; 32]) -> Header {
    let (key_ref, object_id) = match (backend, location) {
        (Backend::YubikeyPiv, _) => (vec![0x82], vec![0x5F, 0x00, 0x10]),
        (_, Location::TokenAndFile) => (b"share-1".to_vec(), b"rootkey share 1".to_vec()),
        (_, Location::FileOnly) => (b"share-1".to_vec(), Vec::new()),
    };
    Header {
        backend,
        ceremony_id: std::array::from_fn(|i| 0xc0 + i as u8),
        root_fingerprint: fp,
        share_index: 1,
        holder: "Alice Example".into(),
        token_serial: serial.into(),
        key_ref: KeyRef(key_ref),
        location,
        object_id,
        token_public: public_of(&scalar("token A")),
    }
}

fn seal(h: &Header, env: &Envelope) -> Vec<u8> {
    let eph = SecretBytes::copy_from(&scalar("ephemeral")).expect("locked");
    seal_with(h, env, &eph, &nonce()).expect("seal")
}

fn opener(serial: &str, key: &str) -> Value {
    json!({"serial": serial, "private_key_hex": hex::encode(scalar(key)), "key_label": key})
}

fn header_json(h: &Header) -> Value {
    json!({
        "backend": h.backend.code(),
        "ceremony_id": hex::encode(h.ceremony_id),
        "root_fingerprint": hex::encode(h.root_fingerprint),
        "share_index": h.share_index,
        "holder": h.holder,
        "token_serial": h.token_serial,
        "key_ref_hex": hex::encode(&h.key_ref.0),
        "location": if h.location == Location::TokenAndFile { 1 } else { 2 },
        "object_id_hex": hex::encode(&h.object_id),
        "token_public_hex": hex::encode(h.token_public),
    })
}

/// A damaged vector: condition, bytes, opener serial, category, message, description.
type Damaged<'a> = (&'a str, Vec<u8>, &'a str, &'a str, &'a str, &'a str);

/// Every `token_*` file and its contents.
pub fn token_vectors() -> Vec<(String, Vec<u8>)> {
    let (env, fp) = share_1();
    let mut files = Vec::new();
    let mut put = |cond: &str, bytes: &[u8], exp: Value| {
        files.push((
            format!("token_{cond}.hex"),
            (hex::encode(bytes) + "\n").into_bytes(),
        ));
        let mut s = serde_json::to_string_pretty(&exp).expect("json");
        s.push('\n');
        files.push((format!("token_{cond}.expect.json"), s.into_bytes()));
    };
    let ok = |desc: &str, h: &Header, serial: &str| {
        json!({
            "description": desc,
            "outcome": "ok",
            "opener": opener(serial, "token A"),
            "ephemeral_private_key_hex": hex::encode(scalar("ephemeral")),
            "nonce_hex": hex::encode(nonce()),
            "header": header_json(h),
            "envelope_hex": hex::encode(env.as_bytes()),
        })
    };
    let err = |desc: &str, serial: &str, key: &str, category: &str, msg: &str| {
        json!({
            "description": desc,
            "outcome": "error",
            "opener": opener(serial, key),
            "category": category,
            "message_contains": msg,
        })
    };

    let h = header(Backend::Pkcs11, SERIAL_A, Location::TokenAndFile, fp);
    let valid = seal(&h, &env);
    put(
        "valid",
        &valid,
        ok(
            "Share 1 on a PKCS#11 token (SoftHSM2-like serial), object and file.",
            &h,
            SERIAL_A,
        ),
    );
    let hp = header(Backend::YubikeyPiv, "12345678", Location::TokenAndFile, fp);
    put(
        "valid-piv",
        &seal(&hp, &env),
        ok(
            "Share 1 on a YubiKey: slot 82, PIV object 5F0010.",
            &hp,
            "12345678",
        ),
    );
    let hf = header(Backend::Pkcs11, SERIAL_A, Location::FileOnly, fp);
    put(
        "valid-file-only",
        &seal(&hf, &env),
        ok(
            "Share 1 through ykcs11: key on the token, payload in the file only (location 2).",
            &hf,
            SERIAL_A,
        ),
    );

    let holder_at = 56; // 55 is the holder's length byte
    let loc_at = 55 + 1 + 13 + 1 + 16 + 1 + 7;
    let eph_y_end = loc_at + 1 + 1 + 15 + 65 + 65;
    let body_at = eph_y_end + 12;
    let changed = |at: usize, f: &dyn Fn(u8) -> u8| {
        let mut b = valid.clone();
        b[at] = f(b[at]);
        b
    };
    let damaged: Vec<Damaged> = vec![
        (
            "bad-magic",
            changed(3, &|_| b'Q'),
            SERIAL_A,
            "magic",
            "does not start with \"RKTP\"",
            "Magic RKTQ.",
        ),
        (
            "bad-version",
            changed(4, &|_| 2),
            SERIAL_A,
            "version",
            "format version 2 is not supported",
            "Version 2.",
        ),
        (
            "bad-backend",
            changed(5, &|_| 3),
            SERIAL_A,
            "field",
            "byte 5: unknown backend 3",
            "Backend 3.",
        ),
        (
            "index-zero",
            changed(54, &|_| 0),
            SERIAL_A,
            "field",
            "share index 0 is outside 1..=16",
            "Share index 0.",
        ),
        (
            "truncated",
            valid[..valid.len() - 10].to_vec(),
            SERIAL_A,
            "truncated",
            "inside the ciphertext and tag",
            "The last 10 bytes of the tag are missing.",
        ),
        (
            "truncated-header",
            valid[..60].to_vec(),
            SERIAL_A,
            "truncated",
            "ends at byte 60 inside the holder",
            "Cut inside the holder name.",
        ),
        (
            "trailing-byte",
            [valid.as_slice(), &[0]].concat(),
            SERIAL_A,
            "trailing",
            "1 bytes after the tag",
            "One byte after the tag.",
        ),
        (
            "location-mismatch",
            changed(loc_at, &|_| 2),
            SERIAL_A,
            "field",
            "location 2 (file only) with a non-empty object id",
            "Location 2 but an object id is given.",
        ),
        (
            "off-curve-ephemeral",
            changed(eph_y_end - 1, &|b| b ^ 1),
            SERIAL_A,
            "point",
            "the ephemeral public key is not a point on P-256",
            "The ephemeral point's last byte changed: off the curve.",
        ),
        (
            "tampered-header",
            changed(holder_at + 4, &|b| b ^ 1),
            SERIAL_A,
            "authentication",
            "authentication failed",
            "Holder \"Alice\" changed to \"Alicd\" (header = associated data).",
        ),
        (
            "tampered-ciphertext",
            changed(body_at + 40, &|b| b ^ 0x80),
            SERIAL_A,
            "authentication",
            "authentication failed",
            "One ciphertext bit changed.",
        ),
        (
            "other-token",
            valid.clone(),
            SERIAL_B,
            "other-token",
            "this payload belongs to the token with serial 5e11a0b0c0d0e0f1",
            "The valid payload presented to token B.",
        ),
    ];
    for (cond, bytes, serial, cat, msg, desc) in damaged {
        put(cond, &bytes, err(desc, serial, "token A", cat, msg));
    }
    put(
        "other-key",
        &valid,
        err(
            "The valid payload on a token with A's serial but another key (the key was replaced).",
            SERIAL_A,
            "token B",
            "other-token",
            "is not the key this payload (share 1) was sealed to",
        ),
    );
    let mut hb = h.clone();
    hb.token_serial = SERIAL_B.into();
    hb.token_public = public_of(&scalar("token B"));
    let mut forged = seal(&hb, &env);
    let keep = forged.len() - (65 + 12 + 89);
    forged.truncate(keep);
    forged.extend_from_slice(&valid[valid.len() - (65 + 12 + 89)..]);
    put(
        "forged-for-b",
        &forged,
        err(
            "Header rewritten to name token B and its key, ciphertext sealed to A: B's ECDH gives another key.",
            SERIAL_B,
            "token B",
            "authentication",
            "authentication failed",
        ),
    );
    let mut h2 = h.clone();
    h2.share_index = 2;
    put(
        "envelope-mismatch",
        &seal(&h2, &env),
        err(
            "Header says share 2, the (authentic) envelope inside is share 1.",
            SERIAL_A,
            "token A",
            "envelope",
            "does not match the header",
        ),
    );
    files
}
