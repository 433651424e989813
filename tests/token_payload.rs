//! Token payload vectors (`tests/vectors/token_*`, `docs/formats.md` "Token payload v1"),
//! checked both ways by rootkey and by the independent verifier
//! `tests/vectors/independent_token_check.py` (Python standard library + `cryptography`).
//!
//! Each vector names the token that opens it (serial and private scalar, public test values);
//! here that token is [`VectorToken`], a software stand-in that does the ECDH a real token
//! would (the real backends are tested in `token_pkcs11.rs` and the PIV tests). Regenerate with
//! `cargo test --test token_payload -- --ignored generate_token_vectors`.

#[path = "vector_support/gen_token.rs"]
mod gen_token;
#[path = "vector_support/harness.rs"]
#[allow(dead_code)]
mod harness;

use std::fs;
use std::process::Command;

use serde_json::Value;

use rootkey::error::Kind;
use rootkey::secret::SecretBytes;
use rootkey::token::payload::{self, Header, Location};
use rootkey::token::{
    Backend, ExistingKey, KeyRef, PinTries, PublicPoint, Token, TokenInfo, TokenName,
};

use harness::{dir, eq, read, run_area, s, unhex};

/// A token that is only a P-256 scalar and a serial.
struct VectorToken {
    name: TokenName,
    key: p256::SecretKey,
}

impl VectorToken {
    fn from_expectation(exp: &Value) -> VectorToken {
        let o = &exp["opener"];
        VectorToken {
            name: TokenName {
                label: s(o, "key_label").to_string(),
                serial: s(o, "serial").to_string(),
            },
            key: p256::SecretKey::from_slice(&unhex(s(o, "private_key_hex"))).expect("scalar"),
        }
    }
}

impl Token for VectorToken {
    fn name(&self) -> &TokenName {
        &self.name
    }
    fn info(&mut self) -> rootkey::Result<TokenInfo> {
        Ok(TokenInfo {
            backend: Backend::Pkcs11,
            name: self.name.clone(),
            manufacturer: "test vectors".into(),
            model: "scalar".into(),
            firmware: "0".into(),
            free_bytes: None,
            pin_tries: PinTries::NoWarning,
            can_hold_data: false,
        })
    }
    fn login(&mut self, _pin: &SecretBytes) -> rootkey::Result<()> {
        Ok(())
    }
    fn enrol(&mut self, key: &KeyRef, _e: ExistingKey) -> rootkey::Result<PublicPoint> {
        self.public_key(key)
    }
    fn public_key(&mut self, _key: &KeyRef) -> rootkey::Result<PublicPoint> {
        use p256::elliptic_curve::sec1::ToSec1Point;
        Ok(self
            .key
            .public_key()
            .to_sec1_point(false)
            .as_bytes()
            .try_into()
            .expect("65"))
    }
    fn ecdh(&mut self, _key: &KeyRef, peer: &PublicPoint) -> rootkey::Result<SecretBytes> {
        let peer = p256::PublicKey::from_sec1_bytes(peer).expect("parse checked the point");
        let z = p256::ecdh::diffie_hellman(self.key.to_nonzero_scalar(), peer.as_affine());
        Ok(SecretBytes::copy_from(z.raw_secret_bytes()).expect("locked"))
    }
    fn write_object(&mut self, _id: &[u8], _bytes: &[u8]) -> rootkey::Result<()> {
        unreachable!("vectors are only read")
    }
    fn read_object(&mut self, _id: &[u8]) -> rootkey::Result<Option<Vec<u8>>> {
        Ok(None)
    }
    fn delete_object(&mut self, _id: &[u8]) -> rootkey::Result<()> {
        Ok(())
    }
}

fn header_of(exp: &Value) -> Header {
    let h = &exp["header"];
    let n = |k: &str| h[k].as_u64().unwrap_or_else(|| panic!("{k}")) as u8;
    Header {
        backend: Backend::from_code(n("backend")).expect("backend"),
        ceremony_id: unhex(s(h, "ceremony_id")).try_into().expect("16"),
        root_fingerprint: unhex(s(h, "root_fingerprint")).try_into().expect("32"),
        share_index: n("share_index"),
        holder: s(h, "holder").into(),
        token_serial: s(h, "token_serial").into(),
        key_ref: KeyRef(unhex(s(h, "key_ref_hex"))),
        location: if n("location") == 1 {
            Location::TokenAndFile
        } else {
            Location::FileOnly
        },
        object_id: unhex(s(h, "object_id_hex")),
        token_public: unhex(s(h, "token_public_hex")).try_into().expect("65"),
    }
}

fn check(name: &str, exp: &Value) -> Result<(), String> {
    let bytes = unhex(&String::from_utf8(read(name)).map_err(|e| e.to_string())?);
    let mut token = VectorToken::from_expectation(exp);
    let got = payload::open(&bytes, &mut token);
    match (s(exp, "outcome"), got) {
        ("ok", Ok(env)) => {
            eq(
                "envelope",
                hex::encode(env.as_bytes()),
                s(exp, "envelope_hex").into(),
            )?;
            let header = header_of(exp);
            let parsed = payload::parse(&bytes).map_err(|e| e.message)?;
            eq("header", &parsed.header, &header)?;
            // Encoding again with the vector's ephemeral key and nonce gives the same bytes.
            let eph = SecretBytes::copy_from(&unhex(s(exp, "ephemeral_private_key_hex")))
                .expect("locked");
            let nonce: [u8; 12] = unhex(s(exp, "nonce_hex")).try_into().expect("12");
            let again = payload::seal_with(&header, &env, &eph, &nonce).map_err(|e| e.message)?;
            eq("sealed again", hex::encode(again), hex::encode(&bytes))
        }
        ("ok", Err(e)) => Err(format!("expected ok, got {:?}: {}", e.kind, e.message)),
        ("error", Ok(_)) => Err("expected an error, got ok".into()),
        ("error", Err(e)) => {
            let Kind::TokenPayload(f) = e.kind else {
                return Err(format!(
                    "{:?} is not a payload category: {}",
                    e.kind, e.message
                ));
            };
            eq("category", f.word(), s(exp, "category"))?;
            let want = s(exp, "message_contains");
            if e.message.contains(want) {
                Ok(())
            } else {
                Err(format!("error {:?} does not contain {want:?}", e.message))
            }
        }
        (o, _) => Err(format!("unknown outcome {o}")),
    }
}

#[test]
fn token_vectors() {
    run_area("token", check);
}

/// The committed vectors are exactly what the generator writes.
#[test]
fn token_vectors_are_current() {
    for (name, bytes) in gen_token::token_vectors() {
        assert_eq!(
            fs::read(dir().join(&name)).ok().as_deref(),
            Some(bytes.as_slice()),
            "{name} differs from the generator's output; regenerate (see the module docs)"
        );
    }
}

/// Runs the independent verifier; Debian's /usr/bin/python3 has `cryptography` from
/// python3-cryptography (.ci/run installs it).
#[test]
fn independent_python_token_check() {
    let python = ["/usr/bin/python3", "python3"]
        .into_iter()
        .find(|p| {
            Command::new(p)
                .args(["-c", "import cryptography"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("python3 with the cryptography module (apt-get install python3-cryptography)");
    let out = Command::new(python)
        .arg(dir().join("independent_token_check.py"))
        .arg(dir())
        .output()
        .expect("run the verifier");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "independent_token_check.py failed");
    let n = harness::vectors("token").len();
    assert!(
        stdout.contains(&format!("{n} of {n} token vectors agree")),
        "{stdout}"
    );
}

#[test]
#[ignore = "writes tests/vectors/token_*; run explicitly to regenerate"]
fn generate_token_vectors() {
    for (name, bytes) in gen_token::token_vectors() {
        fs::write(dir().join(&name), bytes).expect("write");
    }
}
