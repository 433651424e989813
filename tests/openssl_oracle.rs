//! Outside oracles for the public artifacts of a rehearsal: OpenSSL checks the root certificate
//! (strict X.509 verification, fingerprint, SKI, DER hash), and an independent Python
//! canonicaliser + `openssl pkeyutl` verifies the manifest's Ed25519 signature, without any
//! rootkey code.

use std::path::Path;
use std::process::{Command, Stdio};

fn rehearse(dir: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(["rehearse", "--out"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn sh(script: &str, dir: &Path) -> String {
    let o = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(o.status.success(), "`{script}` failed");
    String::from_utf8(o.stdout).unwrap()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn openssl_strictly_verifies_root_and_agrees_on_hashes() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    rehearse(d);
    let v = sh("openssl verify -x509_strict -CAfile root.pem root.pem", d);
    assert_eq!(v.trim(), "root.pem: OK");
    let m = manifest(d);
    let fp = sh(
        "openssl x509 -in root.pem -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum",
        d,
    );
    assert_eq!(
        fp.split_whitespace().next().unwrap(),
        m["root"]["fingerprint"]
    );
    let der = sh("openssl x509 -in root.pem -outform DER | sha256sum", d);
    assert_eq!(
        der.split_whitespace().next().unwrap(),
        m["root"]["certificate_sha256"]
    );
    // SKI = SHA-256(public key)[..20], printed by openssl as colon-separated uppercase hex.
    let pk = hex::decode(m["root"]["public_key"].as_str().unwrap()).unwrap();
    let ski = sh(
        &format!(
            "python3 -c \"import hashlib; print(hashlib.sha256(bytes.fromhex('{}')).hexdigest()[:40])\"",
            hex::encode(&pk)
        ),
        d,
    );
    let text = sh("openssl x509 -in root.pem -noout -text", d);
    let printed = text
        .lines()
        .skip_while(|l| !l.contains("Subject Key Identifier"))
        .nth(1)
        .unwrap()
        .trim()
        .replace(':', "")
        .to_lowercase();
    assert_eq!(printed, ski.trim());
    assert!(text.contains("CA:TRUE, pathlen:1"), "{text}");
    assert!(text.contains("Basic Constraints: critical"), "{text}");
    assert!(text.contains("Key Usage: critical"), "{text}");
    assert!(text.contains("Certificate Sign, CRL Sign"), "{text}");
}

#[test]
fn manifest_signature_verifies_with_python_and_openssl_only() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    rehearse(d);
    // RFC 8785 for this document (string keys, ASCII-sortable names, integers, no floats)
    // is exactly Python's sorted, compact, non-ASCII-escaping json.dumps.
    let py = r#"import json
m = json.load(open('manifest.json'))
sig = m.pop('signature')
open('msg.bin', 'wb').write(json.dumps(m, sort_keys=True, separators=(',', ':'), ensure_ascii=False).encode())
open('sig.bin', 'wb').write(bytes.fromhex(sig))"#;
    std::fs::write(d.join("canon.py"), py).unwrap();
    sh("python3 canon.py", d);
    sh("openssl x509 -in root.pem -noout -pubkey > pub.pem", d);
    let ok = sh(
        "openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in msg.bin -sigfile sig.bin",
        d,
    );
    assert!(ok.contains("Signature Verified Successfully"), "{ok}");
    // And the oracle can fail: one changed holder name breaks the signature.
    let tampered = std::fs::read_to_string(d.join("manifest.json"))
        .unwrap()
        .replacen("Alice Rehearsal", "Mallory", 1);
    std::fs::write(d.join("manifest.json"), tampered).unwrap();
    sh("python3 canon.py", d);
    let o = Command::new("sh")
        .arg("-c")
        .arg("openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in msg.bin -sigfile sig.bin")
        .current_dir(d)
        .output()
        .unwrap();
    assert!(!o.status.success());
}
