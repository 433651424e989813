//! Test vectors for `docs/formats.md`.
//!
//! Every file in `tests/vectors/` is a vector named `AREA_CONDITION.EXT`. Artifact vectors (a
//! share text, an envelope in hex, a manifest, a certificate, a TOML file, a JSON document to
//! canonicalise) carry their expected outcome in a sibling `AREA_CONDITION.expect.json`;
//! description vectors (areas `rowcode`, `shamir`, `seed`, `filename`, `shareverify`,
//! `combine`) are JSON files with an `expect` member. `*.canonical.json` files hold exact
//! canonical bytes referenced by an expectation. The test list is read from the directory:
//! a vector without an expectation, or a file of an unknown area, fails
//! [`every_vector_has_an_expectation`].
//!
//! Ok vectors are checked both ways: decoding gives the expected values, and encoding those
//! values again gives exactly the canonical bytes.
//!
//! The vectors were written by the ignored [`generate_vectors`] test (run
//! `cargo test --test vectors -- --ignored generate_vectors`). It uses a FIXED, PUBLIC seed
//! (bytes 00 01 … 1f): every vector is a rehearsal and its key must never be used for anything.
//! The root certificate has a random serial number, so the generator keeps an existing
//! `cert_valid.pem` (and everything signed over its hash) when it carries the same key.
//! `tests/vectors/independent_check.py` re-derives the key numbers without rootkey's code.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use der::{Decode, DecodePem, Encode, EncodePem, pem::LineEnding};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::ceremony::{self, BuildParams, Context, Outputs};
use rootkey::cert::{self, DEFAULT_ROOT_PROFILE, RootCert, RootProfile};
use rootkey::fsio;
use rootkey::jcs;
use rootkey::key::{self, RootKey};
use rootkey::manifest::Manifest;
use rootkey::plan::Plan;
use rootkey::secret::SecretBytes;
use rootkey::shamir::{self, SharePoint};
use rootkey::share::rs32::{self, RowCheck};
use rootkey::share::text::{self, ALPHABET};
use rootkey::share::{ENVELOPE_LEN, Envelope, ShareHeader};

/// The fixed, public test seed: 00 01 02 … 1f.
const SEED: [u8; 32] = {
    let mut s = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        s[i] = i as u8;
        i += 1;
    }
    s
};
/// Ceremony id of the vector ceremony: c0 c1 … cf.
const CEREMONY_ID: [u8; 16] = {
    let mut s = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        s[i] = 0xc0 + i as u8;
        i += 1;
    }
    s
};
/// Ceremony time: 2028-02-29T12:34:56Z (a leap day, to show the validity rule).
const CEREMONY_UNIX: u64 = 1_835_440_496;
/// Labels hashed (SHA-256) to obtain the Shamir polynomial coefficients of x^1 and x^2.
const COEFF_LABELS: [&str; 2] = [
    "rootkey test vectors: shamir coefficient 1",
    "rootkey test vectors: shamir coefficient 2",
];
/// Areas whose vectors are JSON descriptions with an `expect` member.
const DESCRIPTION_AREAS: &[&str] = &[
    "rowcode",
    "shamir",
    "seed",
    "filename",
    "shareverify",
    "combine",
];
/// Areas whose vectors are artifacts with a sibling `.expect.json`.
const ARTIFACT_AREAS: &[&str] = &[
    "envelope", "share", "manifest", "jcs", "cert", "profile", "plan",
];
const NOT_VECTORS: &[&str] = &["README.md", "independent_check.py"];

// ---------------------------------------------------------------------------------------------
// Directory and expectation plumbing
// ---------------------------------------------------------------------------------------------

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn is_auxiliary(name: &str) -> bool {
    name.ends_with(".expect.json")
        || name.ends_with(".canonical.json")
        || NOT_VECTORS.contains(&name)
}

fn area_of(name: &str) -> &str {
    name.split('_').next().unwrap_or("")
}

fn stem_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// Vector file names of one area, sorted.
fn vectors(area: &str) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir())
        .expect("tests/vectors exists")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| !is_auxiliary(n) && area_of(n) == area)
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no vectors for area {area}");
    v
}

fn read(name: &str) -> Vec<u8> {
    fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read_json(name: &str) -> Value {
    serde_json::from_slice(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The expectation of a vector, from its sibling file or its `expect` member.
fn expectation(name: &str) -> Value {
    if DESCRIPTION_AREAS.contains(&area_of(name)) {
        read_json(name)["expect"].clone()
    } else {
        read_json(&format!("{}.expect.json", stem_of(name)))
    }
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("member {key} missing or not a string in {v}"))
}

fn unhex(h: &str) -> Vec<u8> {
    let clean: String = h.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(clean).expect("hex")
}

fn secret(b: &[u8]) -> SecretBytes {
    SecretBytes::copy_from(b).expect("locked memory")
}

/// Checks a result against an expectation whose outcome is "ok" (calls `ok`) or "error"
/// (the message must contain `message_contains`).
fn outcome<T>(
    r: rootkey::Result<T>,
    exp: &Value,
    ok: impl FnOnce(T) -> Result<(), String>,
) -> Result<(), String> {
    match (s(exp, "outcome"), r) {
        ("ok", Ok(v)) => ok(v),
        ("ok", Err(e)) => Err(format!("expected ok, got error: {e}")),
        ("error", Ok(_)) => Err(format!(
            "expected an error containing {:?}, got ok",
            exp["message_contains"]
        )),
        ("error", Err(e)) => {
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

fn eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}"))
    }
}

/// Runs `check` on every vector of `area` and fails with all failures listed.
fn run_area(area: &str, mut check: impl FnMut(&str, &Value) -> Result<(), String>) {
    let mut failures = Vec::new();
    let names = vectors(area);
    for name in &names {
        let exp = expectation(name);
        if let Err(e) = check(name, &exp) {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {area} vectors failed:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
    println!("{area}: {} vectors passed", names.len());
}

// ---------------------------------------------------------------------------------------------
// Independent helpers (written from docs/formats.md, not from rootkey's code)
// ---------------------------------------------------------------------------------------------

/// GF(2^8) multiplication modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11D), as blahaj uses.
fn gf256_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1d;
        }
        b >>= 1;
    }
    p
}

/// Shamir y values: f_i(x) = secret[i] + c1[i]·x + c2[i]·x² + … over GF(2^8).
fn shamir_eval(secret: &[u8], coeffs: &[Vec<u8>], x: u8) -> Vec<u8> {
    (0..secret.len())
        .map(|i| {
            let mut acc = 0u8;
            for c in coeffs.iter().rev() {
                acc = gf256_mul(acc, x) ^ c[i];
            }
            gf256_mul(acc, x) ^ secret[i]
        })
        .collect()
}

fn coefficients() -> Vec<Vec<u8>> {
    COEFF_LABELS
        .iter()
        .map(|l| Sha256::digest(l.as_bytes()).to_vec())
        .collect()
}

/// The 73 envelope bytes with a correct checksum, for any field values.
fn raw_envelope(
    flags: u8,
    id: &[u8; 16],
    fp: &[u8],
    k: u8,
    n: u8,
    index: u8,
    value: &[u8],
) -> Vec<u8> {
    let mut b = vec![1u8, flags];
    b.extend_from_slice(id);
    b.extend_from_slice(&fp[..16]);
    b.extend_from_slice(&[k, n, index]);
    b.extend_from_slice(value);
    let sum = Sha256::digest(&b);
    b.extend_from_slice(&sum[..4]);
    assert_eq!(b.len(), ENVELOPE_LEN);
    b
}

fn with_checksum(mut b: Vec<u8>) -> Vec<u8> {
    let sum = Sha256::digest(&b[..69]);
    b[69..].copy_from_slice(&sum[..4]);
    b
}

/// The 13 rows of 12 symbols (9 data + 3 parity) for any 73 bytes.
fn rows_of(bytes: &[u8]) -> Vec<[u8; 12]> {
    (0..13)
        .map(|r| {
            let mut row = [0u8; 12];
            for (j, d) in row.iter_mut().take(9).enumerate() {
                let i = r * 9 + j;
                for b in 0..5 {
                    let bit = i * 5 + b;
                    let set = bit < 584 && bytes[bit / 8] & (0x80 >> (bit % 8)) != 0;
                    *d = (*d << 1) | u8::from(set);
                }
            }
            let data: [u8; 9] = row[..9].try_into().expect("9");
            row[9..].copy_from_slice(&rs32::parity(r as u8 + 1, &data));
            row
        })
        .collect()
}

fn row_string(row: &[u8; 12]) -> String {
    let c: Vec<char> = row.iter().map(|&s| ALPHABET[s as usize] as char).collect();
    format!(
        "{} {} {}",
        c[..4].iter().collect::<String>(),
        c[4..8].iter().collect::<String>(),
        c[8..].iter().collect::<String>()
    )
}

fn file_form_of(rows: &[[u8; 12]]) -> String {
    let mut s = String::from("ROOTKEY SHARE V1\n");
    for (i, r) in rows.iter().enumerate() {
        s.push_str(&format!("{:02} {}\n", i + 1, row_string(r)));
    }
    s
}

fn compact_of(rows: &[[u8; 12]]) -> String {
    let mut s = String::from("RKS1:");
    for r in rows {
        s.extend(r.iter().map(|&x| ALPHABET[x as usize] as char));
    }
    s
}

fn symbol_char(v: u8) -> char {
    ALPHABET[v as usize] as char
}

// ---------------------------------------------------------------------------------------------
// The vector ceremony
// ---------------------------------------------------------------------------------------------

const PLAN_TOML: &str = r#"# Test-vector ceremony plan (docs/formats.md, "Ceremony plan").
# A rehearsal: the vectors' root key comes from a published seed and must never be used.

[ceremony]
name = "Test vector ceremony"
rehearsal = true

[quorum]
threshold = 3
shares = 5

[[holders]]
name = "Alice Example"
role = "security officer (token, EU)"
medium = "text"

[[holders]]
name = "Bob Example"
role = "security officer (token, US)"
medium = "text"

[[holders]]
name = "Carol Example"
role = "legal counsel (paper)"
medium = "text"

[[holders]]
name = "Dave Example"
role = "CTO (paper)"
medium = "text"

[[holders]]
name = "Zoë O'Neil"
role = "CISO (paper)"
medium = "text"
"#;

fn root_key() -> RootKey {
    RootKey::from_seed(&secret(&SEED)).expect("root key")
}

fn ceremony_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(CEREMONY_UNIX)
}

fn vector_points() -> Vec<SharePoint> {
    let c = coefficients();
    (1..=5u8)
        .map(|x| SharePoint {
            x,
            y: secret(&shamir_eval(&SEED, &c, x)),
        })
        .collect()
}

/// Re-runs the vector ceremony with rootkey's `build_outputs` (new certificate serial).
fn rebuild_ceremony() -> Outputs {
    let plan = Plan::parse(PLAN_TOML, "plan_valid.toml").expect("plan");
    let profile = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").expect("profile");
    ceremony::build_outputs(
        &root_key(),
        &vector_points(),
        &BuildParams {
            plan: &plan,
            profile: &profile,
            ceremony_id: CEREMONY_ID,
            now: ceremony_time(),
            memory_locked: true,
        },
    )
    .expect("build_outputs")
}

// ---------------------------------------------------------------------------------------------
// Checks, one test per area
// ---------------------------------------------------------------------------------------------

#[test]
fn every_vector_has_an_expectation() {
    let mut problems = Vec::new();
    let names: Vec<String> = fs::read_dir(dir())
        .expect("tests/vectors exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let mut count = 0;
    for n in &names {
        if NOT_VECTORS.contains(&n.as_str()) {
            continue;
        }
        if is_auxiliary(n) {
            let base = n
                .strip_suffix(".expect.json")
                .or_else(|| n.strip_suffix(".canonical.json"))
                .unwrap_or(n);
            if !names.iter().any(|o| !is_auxiliary(o) && stem_of(o) == base) {
                problems.push(format!("{n}: no vector file {base}.* for it"));
            }
            continue;
        }
        count += 1;
        let area = area_of(n);
        if DESCRIPTION_AREAS.contains(&area) {
            let v: Value = match serde_json::from_slice(&read(n)) {
                Ok(v) => v,
                Err(e) => {
                    problems.push(format!("{n}: not JSON: {e}"));
                    continue;
                }
            };
            if !v["expect"]["outcome"].is_string() {
                problems.push(format!("{n}: no expect.outcome member"));
            }
        } else if ARTIFACT_AREAS.contains(&area) {
            let e = format!("{}.expect.json", stem_of(n));
            match fs::read(dir().join(&e)) {
                Ok(b) => match serde_json::from_slice::<Value>(&b) {
                    Ok(v) if v["outcome"].is_string() => {}
                    _ => problems.push(format!("{e}: no outcome member")),
                },
                Err(_) => problems.push(format!("{n}: no expectation file {e}")),
            }
        } else {
            problems.push(format!("{n}: unknown area {area:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(count > 50, "only {count} vectors found");
}

#[test]
fn envelope_vectors() {
    run_area("envelope", |name, exp| {
        let bytes = unhex(&String::from_utf8_lossy(&read(name)));
        outcome(Envelope::from_bytes(secret(&bytes)), exp, |env| {
            let h = env.header();
            eq(
                "rehearsal",
                h.rehearsal,
                exp["rehearsal"].as_bool() == Some(true),
            )?;
            eq(
                "ceremony_id",
                hex::encode(h.ceremony_id),
                s(exp, "ceremony_id").into(),
            )?;
            eq(
                "root_fingerprint",
                hex::encode(h.root_fingerprint),
                s(exp, "root_fingerprint").into(),
            )?;
            eq("k", u64::from(h.k), exp["k"].as_u64().unwrap_or(0))?;
            eq("n", u64::from(h.n), exp["n"].as_u64().unwrap_or(0))?;
            eq(
                "index",
                u64::from(h.index),
                exp["index"].as_u64().unwrap_or(0),
            )?;
            eq(
                "value",
                hex::encode(env.value()),
                s(exp, "value_hex").into(),
            )?;
            eq(
                "digest",
                hex::encode(env.digest()),
                s(exp, "digest_hex").into(),
            )?;
            // Encode direction: the same fields give the same 73 bytes.
            let again = Envelope::new(&h, env.value()).map_err(|e| e.to_string())?;
            eq("re-encoded envelope", again.as_bytes(), &bytes[..])
        })
    });
}

#[test]
fn share_vectors() {
    let rebuilt = rebuild_ceremony();
    run_area("share", |name, exp| {
        let bytes = read(name);
        outcome(text::parse(&bytes), exp, |d| {
            let env = d.envelope.as_bytes();
            eq("envelope", hex::encode(env), s(exp, "envelope_hex").into())?;
            eq(
                "digest",
                hex::encode(d.envelope.digest()),
                s(exp, "digest_hex").into(),
            )?;
            let got: Vec<Value> = d
                .corrections
                .iter()
                .map(|c| json!({"row": c.row, "column": c.column}))
                .collect();
            eq("corrections", Value::Array(got), exp["corrections"].clone())?;
            // Encode direction: canonical file form and compact form, by rootkey and by the
            // independent encoder above.
            let ff = text::encode_file_form(&d.envelope).map_err(|e| e.to_string())?;
            eq("file form", ff.as_slice(), s(exp, "file_form").as_bytes())?;
            eq(
                "file form (independent)",
                file_form_of(&rows_of(env)),
                s(exp, "file_form").into(),
            )?;
            let c = text::encode_compact(&d.envelope).map_err(|e| e.to_string())?;
            eq("compact", c.as_slice(), s(exp, "compact").as_bytes())?;
            eq(
                "compact (independent)",
                compact_of(&rows_of(env)),
                s(exp, "compact").into(),
            )?;
            // A share file as written by a ceremony: the whole file, byte for byte.
            if let Some(file_name) = exp["file_name"].as_str() {
                let (n, body) = rebuilt
                    .shares
                    .iter()
                    .find(|(n, _)| n == file_name)
                    .ok_or_else(|| format!("the ceremony writes no file named {file_name}"))?;
                eq("file name", n.as_str(), file_name)?;
                eq("share file bytes", body.as_slice(), &bytes[..])?;
            }
            Ok(())
        })
    });
}

#[test]
fn rowcode_vectors() {
    run_area("rowcode", |name, exp| {
        let v = read_json(name);
        let row = v["row"].as_u64().ok_or("row")? as u8;
        let syms = |key: &str| -> Vec<u8> {
            v[key]
                .as_array()
                .map(|a| a.iter().map(|x| x.as_u64().unwrap_or(99) as u8).collect())
                .unwrap_or_default()
        };
        if v.get("data").is_some() {
            let data: [u8; 9] = syms("data").try_into().map_err(|_| "9 data symbols")?;
            let want: Vec<u8> = exp["parity"]
                .as_array()
                .ok_or("parity")?
                .iter()
                .map(|x| x.as_u64().unwrap_or(99) as u8)
                .collect();
            eq("parity", rs32::parity(row, &data).to_vec(), want.clone())?;
            // Decode direction: the full row is valid.
            let mut full = [0u8; 12];
            full[..9].copy_from_slice(&data);
            full[9..].copy_from_slice(&want);
            eq(
                "check",
                rs32::check_and_correct(row, &mut full),
                RowCheck::Valid,
            )
        } else {
            let mut printed: [u8; 12] = syms("printed").try_into().map_err(|_| "12 symbols")?;
            let r = rs32::check_and_correct(row, &mut printed);
            match s(exp, "outcome") {
                "valid" => eq("check", r, RowCheck::Valid),
                "corrected" => {
                    let col = exp["column"].as_u64().ok_or("column")? as usize;
                    eq("check", r, RowCheck::Corrected { column: col - 1 })?;
                    let want: Vec<u8> = exp["corrected"]
                        .as_array()
                        .ok_or("corrected")?
                        .iter()
                        .map(|x| x.as_u64().unwrap_or(99) as u8)
                        .collect();
                    eq("corrected row", printed.to_vec(), want)
                }
                "other_row" => {
                    let other = exp["other_row"].as_u64().ok_or("other_row")? as u8;
                    eq("check", r, RowCheck::OtherRow { row: other })
                }
                "uncorrectable" => eq("check", r, RowCheck::Uncorrectable),
                o => Err(format!("unknown outcome {o}")),
            }
        }
    });
}

#[test]
fn shamir_vectors() {
    run_area("shamir", |name, exp| {
        let v = read_json(name);
        let k = v["k"].as_u64().ok_or("k")? as u8;
        let points: Vec<SharePoint> = v["shares"]
            .as_array()
            .ok_or("shares")?
            .iter()
            .map(|p| SharePoint {
                x: p["x"].as_u64().unwrap_or(0) as u8,
                y: secret(&unhex(s(p, "y_hex"))),
            })
            .collect();
        for ex in v["field_examples"].as_array().into_iter().flatten() {
            let a = unhex(s(ex, "a"))[0];
            let b = unhex(s(ex, "b"))[0];
            eq(
                &format!("GF(256) product {a:02x}·{b:02x}"),
                hex::encode([gf256_mul(a, b)]),
                s(ex, "product").into(),
            )?;
        }
        if s(exp, "outcome") == "error" {
            let refs: Vec<&SharePoint> = points.iter().collect();
            return outcome(shamir::combine(&refs, k), exp, |_| Ok(()));
        }
        let secret_bytes = unhex(s(&v, "secret_hex"));
        // Encode direction: the documented polynomial gives exactly these y values.
        let coeffs: Vec<Vec<u8>> = v["coefficients_hex"]
            .as_array()
            .ok_or("coefficients_hex")?
            .iter()
            .map(|c| unhex(c.as_str().unwrap_or("")))
            .collect();
        for p in &points {
            eq(
                &format!("y for x = {}", p.x),
                hex::encode(shamir_eval(&secret_bytes, &coeffs, p.x)),
                hex::encode(p.y.as_slice()),
            )?;
        }
        // Decode direction: every k-subset (and the whole set) rebuilds the secret.
        let checked = shamir::verify_all_subsets(&secret(&secret_bytes), &points, k)
            .map_err(|e| e.to_string())?;
        eq(
            "subsets checked",
            checked as u64,
            exp["subsets"].as_u64().unwrap_or(0),
        )?;
        let all: Vec<&SharePoint> = points.iter().collect();
        let rebuilt = shamir::combine(&all, k).map_err(|e| e.to_string())?;
        eq(
            "secret from all",
            hex::encode(rebuilt.as_slice()),
            s(&v, "secret_hex").into(),
        )
    });
}

#[test]
fn manifest_vectors() {
    run_area("manifest", |name, exp| {
        let bytes = read(name);
        let parsed = Manifest::from_json(&bytes, name).and_then(|m| {
            let root = RootCert::from_pem(&read(s(exp, "root")), s(exp, "root"))?;
            m.verify(&root, name)?;
            Ok(m)
        });
        outcome(parsed, exp, |m| {
            let canonical = read(s(exp, "canonical"));
            let signed = m.signed_bytes().map_err(|e| e.to_string())?;
            eq("signed bytes", &signed[..], &canonical[..])?;
            // The generic canonicaliser over the document minus `signature` agrees.
            let mut v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
            v.as_object_mut().ok_or("object")?.remove("signature");
            eq(
                "jcs of document",
                jcs::canonicalize(&v).map_err(|e| e.to_string())?,
                canonical,
            )?;
            eq(
                "public key",
                m.root.public_key.as_str(),
                s(exp, "public_key_hex"),
            )?;
            eq("signature", m.signature.as_str(), s(exp, "signature_hex"))?;
            // Encode direction: signing again with the fixed key gives the same signature
            // (Ed25519 is deterministic), and the file is exactly what rootkey writes.
            let mut again = m.clone();
            again.sign(&root_key()).map_err(|e| e.to_string())?;
            eq(
                "re-signed",
                again.signature.as_str(),
                s(exp, "signature_hex"),
            )?;
            if exp["exact_file"].as_bool() == Some(true) {
                eq(
                    "file bytes",
                    again.to_json().map_err(|e| e.to_string())?.as_bytes(),
                    &bytes[..],
                )?;
            }
            Ok(())
        })
    });
}

#[test]
fn jcs_vectors() {
    run_area("jcs", |name, exp| {
        let v: Value = serde_json::from_slice(&read(name)).map_err(|e| e.to_string())?;
        outcome(jcs::canonicalize(&v), exp, |out| {
            let want = read(s(exp, "canonical"));
            eq(
                "canonical",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&want),
            )?;
            // Canonical output is a fixed point.
            let again: Value = serde_json::from_slice(&out).map_err(|e| e.to_string())?;
            eq(
                "idempotent",
                jcs::canonicalize(&again).map_err(|e| e.to_string())?,
                out,
            )
        })
    });
}

#[test]
fn cert_vectors() {
    run_area("cert", |name, exp| {
        let pem = read(name);
        outcome(RootCert::from_pem(&pem, name), exp, |root| {
            eq(
                "public key",
                hex::encode(root.public_key_bytes()),
                s(exp, "public_key_hex").into(),
            )?;
            eq(
                "fingerprint",
                hex::encode(root.fingerprint),
                s(exp, "fingerprint_hex").into(),
            )?;
            eq("subject", root.subject.as_str(), s(exp, "subject"))?;
            eq(
                "sha256",
                hex::encode(Sha256::digest(&root.der)),
                s(exp, "certificate_sha256").into(),
            )?;
            let c = x509_cert::Certificate::from_pem(&pem).map_err(|e| e.to_string())?;
            eq(
                "DER round trip",
                c.to_der().map_err(|e| e.to_string())?,
                root.der.clone(),
            )?;
            let tbs = c.tbs_certificate();
            eq("version", format!("{:?}", tbs.version()), "V3".into())?;
            let serial = tbs.serial_number().as_bytes();
            if serial.is_empty() || serial.len() > 17 || serial.iter().all(|&b| b == 0) {
                return Err(format!(
                    "serial {} is not 1..=16 random bytes",
                    hex::encode(serial)
                ));
            }
            eq("issuer = subject", tbs.issuer(), tbs.subject())?;
            let v = tbs.validity();
            let fmt = |t: der::DateTime| {
                format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                    t.year(),
                    t.month(),
                    t.day(),
                    t.hour(),
                    t.minutes(),
                    t.seconds()
                )
            };
            eq(
                "notBefore",
                fmt(v.not_before.to_date_time()),
                s(exp, "not_before").into(),
            )?;
            eq(
                "notAfter",
                fmt(v.not_after.to_date_time()),
                s(exp, "not_after").into(),
            )?;
            let exts: Vec<Value> = tbs
                .extensions()
                .ok_or("no extensions")?
                .iter()
                .map(|e| {
                    json!({
                        "oid": e.extn_id.to_string(),
                        "critical": e.critical,
                        "value_hex": hex::encode(e.extn_value.as_bytes()),
                    })
                })
                .collect();
            eq("extensions", Value::Array(exts), exp["extensions"].clone())?;
            let ski = cert::key_identifier(&root.public_key_bytes());
            eq("SKI", hex::encode(ski), s(exp, "ski_hex").into())
        })
    });
}

#[test]
fn profile_vectors() {
    run_area("profile", |name, exp| {
        let text = String::from_utf8(read(name)).map_err(|e| e.to_string())?;
        outcome(RootProfile::from_toml(&text, name), exp, |p| {
            eq(
                "validity_years",
                u64::from(p.validity_years),
                exp["validity_years"].as_u64().unwrap_or(0),
            )?;
            eq(
                "path_len",
                u64::from(p.path_len),
                exp["path_len"].as_u64().unwrap_or(0),
            )?;
            let real = p.subject_name(false).map_err(|e| e.to_string())?;
            let reh = p.subject_name(true).map_err(|e| e.to_string())?;
            eq("subject", real.to_string(), s(exp, "subject").into())?;
            eq(
                "rehearsal subject",
                reh.to_string(),
                s(exp, "rehearsal_subject").into(),
            )?;
            eq(
                "rehearsal subject DER",
                hex::encode(reh.to_der().map_err(|e| e.to_string())?),
                s(exp, "rehearsal_subject_der_hex").into(),
            )
        })
    });
}

#[test]
fn plan_vectors() {
    run_area("plan", |name, exp| {
        let text = String::from_utf8(read(name)).map_err(|e| e.to_string())?;
        outcome(Plan::parse(&text, name), exp, |p| {
            eq("sha256", hex::encode(p.sha256), s(exp, "sha256").into())?;
            eq("name", p.ceremony.name.as_str(), s(exp, "name"))?;
            eq(
                "rehearsal",
                p.ceremony.rehearsal,
                exp["rehearsal"].as_bool() == Some(true),
            )?;
            eq(
                "threshold",
                u64::from(p.quorum.threshold),
                exp["threshold"].as_u64().unwrap_or(0),
            )?;
            eq(
                "shares",
                u64::from(p.quorum.shares),
                exp["shares"].as_u64().unwrap_or(0),
            )?;
            let holders: Vec<Value> = p
                .holders
                .iter()
                .map(|h| json!({"name": h.name, "role": h.role, "medium": h.medium.as_str()}))
                .collect();
            eq("holders", Value::Array(holders), exp["holders"].clone())
        })
    });
}

#[test]
fn seed_vectors() {
    run_area("seed", |name, exp| {
        let v = read_json(name);
        let seed = if let Some(typed) = v["dice_typed"].as_str() {
            let dice = key::parse_dice(&secret(typed.as_bytes()));
            let mut derived = None;
            outcome(dice, exp, |d| {
                eq(
                    "normalised rolls",
                    d.as_slice(),
                    s(exp, "dice_normalised").as_bytes(),
                )?;
                let os = secret(&unhex(s(&v, "os_random_hex")));
                let seed = key::mix_dice(&os, &d).map_err(|e| e.to_string())?;
                derived = Some(seed.as_slice().to_vec());
                Ok(())
            })?;
            match derived {
                Some(d) => d,
                None => return Ok(()),
            }
        } else {
            unhex(s(&v, "seed_hex"))
        };
        eq("seed", hex::encode(&seed), s(exp, "seed_hex").into())?;
        let key = RootKey::from_seed(&secret(&seed)).map_err(|e| e.to_string())?;
        let pk = key.public_key_bytes();
        eq(
            "public key",
            hex::encode(pk),
            s(exp, "public_key_hex").into(),
        )?;
        eq(
            "SPKI",
            hex::encode(cert::ed25519_spki_der(&pk)),
            s(exp, "spki_der_hex").into(),
        )?;
        let fp = cert::fingerprint(&pk);
        eq(
            "fingerprint",
            hex::encode(fp),
            s(exp, "fingerprint_hex").into(),
        )?;
        eq(
            "display",
            ceremony::fingerprint_display(&fp),
            s(exp, "fingerprint_display").into(),
        )
    });
}

#[test]
fn filename_vectors() {
    run_area("filename", |name, _exp| {
        let v = read_json(name);
        for case in v["slugs"].as_array().ok_or("slugs")? {
            let holder = case[0].as_str().unwrap_or("");
            eq(
                &format!("slug({holder:?})"),
                fsio::slug(holder),
                case[1].as_str().unwrap_or("").into(),
            )?;
        }
        Ok(())
    });
}

#[test]
fn shareverify_vectors() {
    run_area("shareverify", |name, exp| {
        let v = read_json(name);
        let r = Context::load(&dir().join(s(&v, "manifest")), &dir().join(s(&v, "root")))
            .and_then(|ctx| ceremony::verify_share_file(&dir().join(s(&v, "share")), &ctx));
        outcome(r, exp, |vs| {
            eq(
                "index",
                u64::from(vs.entry.index),
                exp["index"].as_u64().unwrap_or(0),
            )?;
            eq("holder", vs.entry.holder.as_str(), s(exp, "holder"))
        })
    });
}

#[test]
fn combine_vectors() {
    run_area("combine", |name, exp| {
        let v = read_json(name);
        let files: Vec<PathBuf> = v["shares"]
            .as_array()
            .ok_or("shares")?
            .iter()
            .map(|f| dir().join(f.as_str().unwrap_or("")))
            .collect();
        let r = Context::load(&dir().join(s(&v, "manifest")), &dir().join(s(&v, "root")))
            .and_then(|ctx| ceremony::combine(&ctx, &files));
        outcome(r, exp, |c| {
            let q: Vec<u64> = c.quorum.iter().map(|(i, _)| u64::from(*i)).collect();
            let want: Vec<u64> = exp["quorum"]
                .as_array()
                .ok_or("quorum")?
                .iter()
                .map(|x| x.as_u64().unwrap_or(0))
                .collect();
            eq("quorum", q, want)?;
            eq("disagreeing", c.disagreeing.len(), 0)
        })
    });
}

/// Runs `tests/vectors/independent_check.py` (a verifier written from docs/formats.md alone)
/// when python3 is installed.
#[test]
fn independent_python_check() {
    let script = dir().join("independent_check.py");
    match Command::new("python3").arg(&script).arg(dir()).output() {
        Err(e) => println!("note: python3 not available ({e}); independent check skipped"),
        Ok(out) => {
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            println!("{stdout}");
            assert!(
                out.status.success(),
                "independent check failed:\n{stdout}\n{stderr}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

struct Out {
    files: Vec<(String, Vec<u8>)>,
}

impl Out {
    fn put(&mut self, name: &str, bytes: impl Into<Vec<u8>>) {
        assert!(
            !self.files.iter().any(|(n, _)| n == name),
            "vector {name} written twice"
        );
        self.files.push((name.to_string(), bytes.into()));
    }
    fn json(&mut self, name: &str, v: &Value) {
        let mut s = serde_json::to_string_pretty(v).expect("json");
        s.push('\n');
        self.put(name, s);
    }
    fn expect_error(&mut self, stem: &str, description: &str, message: &str) {
        self.json(
            &format!("{stem}.expect.json"),
            &json!({"description": description, "outcome": "error", "message_contains": message}),
        );
    }
}

fn share_expect(description: &str, env: &[u8], corrections: Value) -> Value {
    let rows = rows_of(env);
    json!({
        "description": description,
        "outcome": "ok",
        "envelope_hex": hex::encode(env),
        "digest_hex": hex::encode(Sha256::digest(env)),
        "corrections": corrections,
        "file_form": file_form_of(&rows),
        "compact": compact_of(&rows),
    })
}

/// Replaces the text of row `row` (1-based) in a file form.
fn replace_row(file: &str, row: usize, text: &str) -> String {
    file.lines()
        .map(|l| {
            if l.starts_with(&format!("{row:02} ")) {
                format!("{row:02} {text}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

fn row_text_of(file: &str, row: usize) -> String {
    file.lines()
        .find(|l| l.starts_with(&format!("{row:02} ")))
        .map(|l| l[3..].to_string())
        .expect("row present")
}

/// Changes printed column `col` (1-based, 1..=12) of a row's text to another symbol.
fn typo(row_text: &str, col: usize, delta: u8) -> String {
    let mut n = 0;
    row_text
        .chars()
        .map(|c| {
            if c == ' ' {
                return c;
            }
            n += 1;
            if n == col {
                let v = text::symbol_value(c as u8).expect("symbol");
                symbol_char((v + delta) % 32)
            } else {
                c
            }
        })
        .collect()
}

#[allow(clippy::too_many_lines)]
fn build_vectors() -> Out {
    let mut o = Out { files: Vec::new() };
    let key = root_key();
    let pk = key.public_key_bytes();
    let fp = cert::fingerprint(&pk);
    let coeffs = coefficients();

    // --- seed / root key ---
    let seed_exp = |seed: &[u8], extra: Value| {
        let k = RootKey::from_seed(&secret(seed)).expect("key");
        let pk = k.public_key_bytes();
        let fp = cert::fingerprint(&pk);
        let mut e = json!({
            "outcome": "ok",
            "seed_hex": hex::encode(seed),
            "public_key_hex": hex::encode(pk),
            "spki_der_hex": hex::encode(cert::ed25519_spki_der(&pk)),
            "fingerprint_hex": hex::encode(fp),
            "fingerprint_display": ceremony::fingerprint_display(&fp),
        });
        if let (Some(m), Some(x)) = (e.as_object_mut(), extra.as_object()) {
            m.extend(x.clone());
        }
        e
    };
    o.json(
        "seed_fixed.json",
        &json!({
            "description": "The fixed test seed 00 01 .. 1f used by every vector: Ed25519 public key (RFC 8032), SubjectPublicKeyInfo DER and root fingerprint.",
            "seed_hex": hex::encode(SEED),
            "expect": seed_exp(&SEED, json!({})),
        }),
    );
    let os: Vec<u8> = (0..32u8).map(|i| 0xff - i).collect();
    let typed = "1 2 3 4 5 6\n".repeat(16) + "6 5 4\n";
    let norm: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    let mut h = Sha256::new();
    h.update(b"rootkey seed v1");
    h.update([0u8]);
    h.update(&os);
    h.update(norm.as_bytes());
    let dice_seed = h.finalize().to_vec();
    o.json(
        "seed_dice.json",
        &json!({
            "description": "Seed with dice: SHA-256(\"rootkey seed v1\" || 00 || os_random (32 bytes) || rolls as ASCII digits, whitespace removed). 99 rolls.",
            "os_random_hex": hex::encode(&os),
            "dice_typed": typed,
            "expect": seed_exp(&dice_seed, json!({"dice_normalised": norm, "rolls": norm.len()})),
        }),
    );
    o.json(
        "seed_dice-too-few.json",
        &json!({
            "description": "98 rolls are refused (at least 99 are needed).",
            "os_random_hex": hex::encode(&os),
            "dice_typed": "123456".repeat(16) + "12",
            "expect": {"outcome": "error", "message_contains": "got 98 rolls"},
        }),
    );
    o.json(
        "seed_dice-bad-character.json",
        &json!({
            "description": "Only 1-6 and whitespace are allowed; the error names the position (1-based, counting every typed character), never the value.",
            "os_random_hex": hex::encode(&os),
            "dice_typed": "1 2 3 7 ".to_string() + &"1".repeat(99),
            "expect": {"outcome": "error", "message_contains": "character 7"},
        }),
    );

    // --- plan ---
    let plan = Plan::parse(PLAN_TOML, "plan_valid.toml").expect("plan");
    o.put("plan_valid.toml", PLAN_TOML);
    let holders: Vec<Value> = plan
        .holders
        .iter()
        .map(|h| json!({"name": h.name, "role": h.role, "medium": h.medium.as_str()}))
        .collect();
    o.json(
        "plan_valid.expect.json",
        &json!({
            "description": "The plan of the vector ceremony; sha256 is over the file's bytes and appears in the manifest as ceremony.plan_sha256.",
            "outcome": "ok",
            "sha256": hex::encode(plan.sha256),
            "name": plan.ceremony.name,
            "rehearsal": true,
            "threshold": 3,
            "shares": 5,
            "holders": holders,
        }),
    );
    let plan_variants: &[(&str, &str, &str, &str, &str)] = &[
        (
            "k-greater-than-n",
            "threshold = 3",
            "threshold = 6",
            "threshold greater than shares",
            "is greater than the number of shares",
        ),
        (
            "k-below-2",
            "threshold = 3",
            "threshold = 1",
            "threshold below 2",
            "is below 2",
        ),
        (
            "n-above-16",
            "shares = 5",
            "shares = 17",
            "more than 16 shares",
            "at most 16 are supported",
        ),
        (
            "holder-count",
            "shares = 5",
            "shares = 4",
            "4 shares but 5 holders listed",
            "shares = 4 but 5 holders are listed",
        ),
        (
            "duplicate-holder",
            "name = \"Bob Example\"",
            "name = \"Alice Example\"",
            "two holders with the same name",
            "are both named",
        ),
        (
            "unknown-medium",
            "medium = \"text\"",
            "medium = \"yubikey\"",
            "a medium this version does not know; the error names the line",
            "unknown variant `yubikey`",
        ),
        (
            "unknown-key",
            "rehearsal = true",
            "rehearsal = true\nwitnesses = 2",
            "an unknown key in [ceremony]",
            "unknown field `witnesses`",
        ),
        (
            "empty-holder-name",
            "name = \"Dave Example\"",
            "name = \"  \"",
            "a holder name that is only spaces",
            "holder 4 has an empty name",
        ),
        (
            "empty-ceremony-name",
            "name = \"Test vector ceremony\"",
            "name = \"\"",
            "an empty ceremony name",
            "ceremony.name is empty",
        ),
        (
            "missing-quorum",
            "[quorum]\nthreshold = 3\nshares = 5\n",
            "",
            "no [quorum] table",
            "missing field `quorum`",
        ),
    ];
    for (cond, from, to, desc, msg) in plan_variants {
        let t = PLAN_TOML.replacen(from, to, 1);
        assert_ne!(t, PLAN_TOML, "{cond}");
        o.put(&format!("plan_{cond}.toml"), t);
        o.expect_error(&format!("plan_{cond}"), desc, msg);
    }

    // --- profile ---
    let profile = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").expect("profile");
    let profile_exp = |p: &RootProfile, desc: &str| {
        let reh = p.subject_name(true).expect("name");
        json!({
            "description": desc,
            "outcome": "ok",
            "validity_years": p.validity_years,
            "path_len": p.path_len,
            "subject": p.subject_name(false).expect("name").to_string(),
            "rehearsal_subject": reh.to_string(),
            "rehearsal_subject_der_hex": hex::encode(reh.to_der().expect("der")),
        })
    };
    o.put("profile_default.toml", DEFAULT_ROOT_PROFILE);
    o.json(
        "profile_default.expect.json",
        &profile_exp(&profile, "templates/root.toml as shipped. Subject strings are RFC 4514 (most specific RDN first); the DER lists C, O, CN in that order; C is a PrintableString, the others UTF8String."),
    );
    let minimal = "[subject]\ncommon_name = \"Minimal Root\"\n";
    o.put("profile_minimal.toml", minimal);
    o.json(
        "profile_minimal.expect.json",
        &profile_exp(
            &RootProfile::from_toml(minimal, "m").expect("minimal"),
            "Only subject.common_name: validity_years defaults to 10, path_len to 1, no O/OU/C.",
        ),
    );
    let special = "validity_years = 50\npath_len = 0\n[subject]\ncommon_name = \"#1 Root, \\\"Q\\\" + co; <x> \"\norganizational_unit = \"PKI\"\norganization = \"Ex=ample\"\ncountry = \"DE\"\n";
    o.put("profile_special-characters.toml", special);
    o.json(
        "profile_special-characters.expect.json",
        &profile_exp(
            &RootProfile::from_toml(special, "s").expect("special"),
            "RFC 4514 special characters in names are escaped when building the name and appear unescaped in the DER; OU is placed between CN and O; validity_years 50 and path_len 0 are accepted.",
        ),
    );
    let profile_errors: &[(&str, &str, &str, &str)] = &[
        (
            "bad-country",
            "validity_years = 10\n[subject]\ncommon_name = \"X\"\ncountry = \"usa\"\n",
            "country must be two capital letters",
            "country must be two capital letters",
        ),
        (
            "validity-0",
            "validity_years = 0\n[subject]\ncommon_name = \"X\"\n",
            "validity_years = 0",
            "must be between 1 and 50",
        ),
        (
            "validity-51",
            "validity_years = 51\n[subject]\ncommon_name = \"X\"\n",
            "validity_years = 51",
            "must be between 1 and 50",
        ),
        (
            "empty-common-name",
            "[subject]\ncommon_name = \" \"\n",
            "a blank common name",
            "subject.common_name is empty",
        ),
        (
            "unknown-key",
            "[subject]\ncommon_name = \"X\"\nlocality = \"Y\"\n",
            "an unknown subject attribute",
            "unknown field `locality`",
        ),
        (
            "missing-subject",
            "validity_years = 10\n",
            "no [subject] table",
            "missing field `subject`",
        ),
    ];
    for (cond, t, desc, msg) in profile_errors {
        o.put(&format!("profile_{cond}.toml"), *t);
        o.expect_error(&format!("profile_{cond}"), desc, msg);
    }

    // --- shamir ---
    let points = vector_points();
    let share_list: Vec<Value> = points
        .iter()
        .map(|p| json!({"x": p.x, "y_hex": hex::encode(p.y.as_slice())}))
        .collect();
    o.json(
        "shamir_3-of-5.json",
        &json!({
            "description": "3-of-5 split of the fixed seed over GF(2^8) mod x^8+x^4+x^3+x^2+1 (0x11D). For each seed byte i: f_i(x) = seed[i] + c1[i]·x + c2[i]·x^2, c1 = SHA-256(label 1), c2 = SHA-256(label 2) (fixed here; random in a ceremony). Share x has y[i] = f_i(x). field_examples distinguish 0x11D from the AES polynomial 0x11B.",
            "field_polynomial": "0x11d",
            "coefficient_labels": COEFF_LABELS,
            "k": 3,
            "n": 5,
            "secret_hex": hex::encode(SEED),
            "coefficients_hex": coeffs.iter().map(hex::encode).collect::<Vec<_>>(),
            "shares": share_list,
            "field_examples": [
                {"a": "80", "b": "02", "product": hex::encode([gf256_mul(0x80, 2)])},
                {"a": "53", "b": "ca", "product": hex::encode([gf256_mul(0x53, 0xca)])},
                {"a": "02", "b": "8e", "product": hex::encode([gf256_mul(0x02, 0x8e)])},
                {"a": "ff", "b": "ff", "product": hex::encode([gf256_mul(0xff, 0xff)])},
            ],
            "expect": {"outcome": "ok", "subsets": 10},
        }),
    );
    let pj = |i: usize| json!({"x": points[i].x, "y_hex": hex::encode(points[i].y.as_slice())});
    o.json(
        "shamir_duplicate-x.json",
        &json!({
            "description": "The same share twice: Lagrange interpolation over repeated x is undefined (blahaj silently returns a wrong secret); a reader must refuse.",
            "k": 3,
            "shares": [pj(0), pj(1), pj(1)],
            "expect": {"outcome": "error", "message_contains": "given twice"},
        }),
    );
    o.json(
        "shamir_too-few.json",
        &json!({
            "description": "k - 1 shares are refused before interpolation.",
            "k": 3,
            "shares": [pj(0), pj(4)],
            "expect": {"outcome": "error", "message_contains": "2 shares given, 3 needed"},
        }),
    );
    o.json(
        "shamir_x-zero.json",
        &json!({
            "description": "x = 0 would be the secret itself; refused.",
            "k": 2,
            "shares": [{"x": 0, "y_hex": hex::encode(SEED)}, pj(1)],
            "expect": {"outcome": "error", "message_contains": "x coordinate 0"},
        }),
    );

    // --- the ceremony: certificate, shares, manifest ---
    let outputs = rebuild_ceremony();
    let existing = fs::read(dir().join("cert_valid.pem")).ok().and_then(|pem| {
        let r = RootCert::from_pem(&pem, "cert_valid.pem").ok()?;
        let fresh = RootCert::from_pem(outputs.root_pem.as_bytes(), "new").ok()?;
        (r.public_key_bytes() == pk && r.subject == fresh.subject).then_some((pem, r))
    });
    let (root_pem, root) = match existing {
        Some(x) => x,
        None => {
            let r = RootCert::from_pem(outputs.root_pem.as_bytes(), "new").expect("root");
            (outputs.root_pem.clone().into_bytes(), r)
        }
    };
    let mut manifest = outputs.manifest.clone();
    manifest.root.certificate_sha256 = hex::encode(Sha256::digest(&root.der));
    manifest.sign(&key).expect("sign");
    manifest.verify(&root, "manifest").expect("verify");

    let c = x509_cert::Certificate::from_pem(&root_pem).expect("pem");
    let exts: Vec<Value> = c
        .tbs_certificate()
        .extensions()
        .expect("extensions")
        .iter()
        .map(|e| {
            json!({
                "oid": e.extn_id.to_string(),
                "critical": e.critical,
                "value_hex": hex::encode(e.extn_value.as_bytes()),
            })
        })
        .collect();
    o.put("cert_valid.pem", root_pem.clone());
    o.json(
        "cert_valid.expect.json",
        &json!({
            "description": "Rehearsal root certificate of the vector ceremony (templates/root.toml, ceremony time 2028-02-29T12:34:56Z: notAfter falls on 2038-02-28). The serial number is random (128 bits) and is not part of the expectation.",
            "outcome": "ok",
            "subject": root.subject,
            "public_key_hex": hex::encode(pk),
            "fingerprint_hex": hex::encode(fp),
            "certificate_sha256": hex::encode(Sha256::digest(&root.der)),
            "not_before": "2028-02-29T12:34:56Z",
            "not_after": "2038-02-28T12:34:56Z",
            "ski_hex": hex::encode(cert::key_identifier(&pk)),
            "extensions": exts,
        }),
    );
    let mut der = root.der.clone();
    // Flip the last bit of the subjectKeyIdentifier value inside the signed part.
    let ski = cert::key_identifier(&pk);
    let pos = der
        .windows(20)
        .position(|w| w == &ski[..])
        .expect("SKI in DER");
    der[pos + 19] ^= 1;
    let bad = x509_cert::Certificate::from_der(&der)
        .expect("still DER")
        .to_pem(LineEnding::LF)
        .expect("pem");
    o.put("cert_bad-signature.pem", bad);
    o.expect_error(
        "cert_bad-signature",
        "cert_valid.pem with one bit of the subjectKeyIdentifier flipped: the self-signature no longer verifies.",
        "self-signature does not verify",
    );
    o.put("cert_not-pem.pem", "this is not a certificate\n");
    o.expect_error(
        "cert_not-pem",
        "No PEM certificate block.",
        "no \"BEGIN CERTIFICATE\" block",
    );

    // Envelopes of the ceremony.
    let header = |i: u8| ShareHeader {
        rehearsal: true,
        ceremony_id: CEREMONY_ID,
        root_fingerprint: fp[..16].try_into().expect("16"),
        k: 3,
        n: 5,
        index: i,
    };
    let envs: Vec<Vec<u8>> = points
        .iter()
        .map(|p| {
            let e = Envelope::new(&header(p.x), p.y.as_slice()).expect("envelope");
            let raw = raw_envelope(1, &CEREMONY_ID, &fp, 3, 5, p.x, p.y.as_slice());
            assert_eq!(e.as_bytes(), &raw[..]);
            raw
        })
        .collect();

    // Share files exactly as the ceremony writes them.
    for (i, (fname, body)) in outputs.shares.iter().enumerate() {
        let stem = if i == 0 {
            "share_valid".to_string()
        } else {
            format!("share_valid-{}", i + 1)
        };
        o.put(&format!("{stem}.txt"), body.as_slice().to_vec());
        let mut e = share_expect(
            &format!(
                "Share {} of the vector ceremony, exactly as written to {fname} (mode 0600): comment header, then the canonical file form.",
                i + 1
            ),
            &envs[i],
            json!([]),
        );
        e["file_name"] = json!(fname);
        o.json(&format!("{stem}.expect.json"), &e);
    }
    let env1 = &envs[0];
    let canon = file_form_of(&rows_of(env1));
    assert_eq!(
        canon.as_bytes(),
        text::encode_file_form(&Envelope::new(&header(1), points[0].y.as_slice()).expect("env"))
            .expect("ff")
            .as_slice()
    );
    let note = |what: &str| format!("# test vector: {what}\n");

    // One typo in row 4.
    let r4 = row_text_of(&canon, 4);
    o.put(
        "share_row4-one-typo.txt",
        note("share_valid.txt with character 6 of row 4 mistyped")
            + &replace_row(&canon, 4, &typo(&r4, 6, 7)),
    );
    o.json(
        "share_row4-one-typo.expect.json",
        &share_expect(
            "One wrong character (row 4, column 6) is corrected by the row code and reported as a correction.",
            env1,
            json!([{"row": 4, "column": 6}]),
        ),
    );
    // Two typos in row 7.
    let r7 = row_text_of(&canon, 7);
    o.put(
        "share_row7-two-typos.txt",
        note("share_valid.txt with characters 2 and 11 of row 7 mistyped")
            + &replace_row(&canon, 7, &typo(&typo(&r7, 2, 1), 11, 30)),
    );
    o.expect_error(
        "share_row7-two-typos",
        "Two wrong characters in one row are always detected and never corrected.",
        "row 7: more than one character is wrong",
    );
    // Rows 4 and 5 swapped.
    let r5 = row_text_of(&canon, 5);
    o.put(
        "share_rows-swapped.txt",
        note("share_valid.txt with the texts of rows 4 and 5 exchanged")
            + &replace_row(&replace_row(&canon, 4, &r5), 5, &r4),
    );
    o.expect_error(
        "share_rows-swapped",
        "The row code covers the (unprinted) row number, so a row typed in the wrong place is recognised.",
        "row 4: this is the text of row 5",
    );
    // Valid rows, bad checksum.
    let mut bad_sum = env1.clone();
    bad_sum[72] ^= 0x01;
    o.put(
        "share_bad-checksum.txt",
        note("every row is a valid codeword, but the envelope checksum is wrong")
            + &file_form_of(&rows_of(&bad_sum)),
    );
    o.expect_error(
        "share_bad-checksum",
        "All 13 rows are valid codewords (row code recomputed over a modified envelope), but the envelope checksum (last byte flipped) does not match.",
        "share checksum mismatch",
    );
    // Compact form.
    o.put("share_compact.txt", compact_of(&rows_of(env1)) + "\n");
    o.json(
        "share_compact.expect.json",
        &share_expect(
            "Compact one-line form of share_valid.txt (QR alphanumeric mode).",
            env1,
            json!([]),
        ),
    );
    // Compact form, lower case, grouped with hyphens and spaces, after a comment.
    let compact = compact_of(&rows_of(env1));
    let body = &compact[5..];
    let grouped: Vec<String> = body
        .as_bytes()
        .chunks(12)
        .map(|c| {
            let s = String::from_utf8_lossy(c).to_lowercase();
            format!("{}-{} {}", &s[..4], &s[4..8], &s[8..])
        })
        .collect();
    o.put(
        "share_compact-grouped.txt",
        note("compact form in lower case, with hyphens and spaces, preceded by a comment")
            + "\n   rks1:"
            + &grouped.join(" ")
            + "  \n\n",
    );
    o.json(
        "share_compact-grouped.expect.json",
        &share_expect("The RKS1: prefix is case-insensitive; spaces and hyphens in the compact form are ignored; blank and comment lines around it are ignored.", env1, json!([])),
    );
    // Lower case and confusables.
    let mut lc = String::new();
    for (n, line) in canon.lines().enumerate() {
        if n == 0 {
            lc.push_str("rootkey   share v1\n");
            continue;
        }
        let (num, rest) = line.split_at(3);
        let mut flip = false;
        let conv: String = rest
            .chars()
            .map(|c| match c {
                '0' => 'o',
                '1' => {
                    flip = !flip;
                    if flip { 'i' } else { 'L' }
                }
                c => c.to_ascii_lowercase(),
            })
            .collect();
        lc.push_str(&format!("{num}{conv}\n"));
    }
    assert!(
        lc.contains('o') && lc.contains('i'),
        "vector needs confusables"
    );
    o.put(
        "share_lowercase-confusables.txt",
        note("lower case; 0 typed as o, 1 as i or L") + &lc,
    );
    o.json(
        "share_lowercase-confusables.expect.json",
        &share_expect(
            "Input is case-insensitive; O/o read as 0, I/i/L/l as 1 (Crockford).",
            env1,
            json!([]),
        ),
    );
    // Layout freedom: comments between rows, blank lines, CRLF, hyphens, tabs, single-digit row numbers.
    let mut free = String::from("# leading comment\r\n\r\nROOTKEY SHARE V1\r\n");
    for (n, line) in canon.lines().skip(1).enumerate() {
        let rest = line[3..].replace(' ', "-");
        if n == 6 {
            free.push_str("  # a comment between rows\r\n\r\n");
        }
        free.push_str(&format!("\t{}\t{}  \r\n", n + 1, rest));
    }
    o.put("share_free-layout.txt", free);
    o.json(
        "share_free-layout.expect.json",
        &share_expect("CRLF line ends, blank and comment lines anywhere, leading/trailing whitespace, tabs and hyphens inside rows, row numbers without leading zero.", env1, json!([])),
    );
    // A UTF-8 byte-order mark before the first line.
    o.put("share_utf8-bom.txt", format!("\u{feff}{canon}"));
    o.json(
        "share_utf8-bom.expect.json",
        &share_expect(
            "A leading UTF-8 byte-order mark (ef bb bf) is not part of the text.",
            env1,
            json!([]),
        ),
    );
    // Missing and skipped rows, other structural errors.
    let lines: Vec<&str> = canon.lines().collect();
    o.put("share_missing-row.txt", lines[..13].join("\n") + "\n");
    o.expect_error(
        "share_missing-row",
        "The share ends after row 12.",
        "row 13 is missing",
    );
    let skipped: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 9)
        .map(|(_, l)| *l)
        .collect();
    o.put("share_skipped-row.txt", skipped.join("\n") + "\n");
    o.expect_error(
        "share_skipped-row",
        "Row 09 is left out, so row 10 arrives where row 09 is expected.",
        "expected row 09",
    );
    let mut extra = canon.clone();
    extra.push_str("14 0000 0000 0000\n");
    o.put("share_trailing-text.txt", extra);
    o.expect_error(
        "share_trailing-text",
        "Non-comment text after row 13.",
        "unexpected text after row 13",
    );
    o.put(
        "share_bad-header.txt",
        canon.replacen("ROOTKEY SHARE V1", "ROOTKEY SHARE V2", 1),
    );
    o.expect_error(
        "share_bad-header",
        "Unknown header line.",
        "not a rootkey share",
    );
    o.put("share_empty.txt", "# only a comment\n\n");
    o.expect_error(
        "share_empty",
        "Nothing but comments and blank lines.",
        "no share found",
    );
    let r3 = row_text_of(&canon, 3);
    o.put(
        "share_bad-character.txt",
        replace_row(&canon, 3, &format!("{}U{}", &r3[..5], &r3[6..])),
    );
    o.expect_error(
        "share_bad-character",
        "U is not in the alphabet; the position counts symbols only (separators skipped).",
        "row 3, character 5: not a share character",
    );
    let r2 = row_text_of(&canon, 2);
    o.put(
        "share_short-row.txt",
        replace_row(&canon, 2, &r2[..r2.len() - 1]),
    );
    o.expect_error(
        "share_short-row",
        "Row 2 has 11 symbols.",
        "row 2: has 11 characters, expected 12",
    );
    o.put(
        "share_compact-short.txt",
        compact[..compact.len() - 1].to_string() + "\n",
    );
    o.expect_error(
        "share_compact-short",
        "155 symbols after RKS1:.",
        "one-line share has 155 characters after RKS1:, expected 156",
    );
    o.put(
        "share_compact-trailing.txt",
        compact.clone() + "\n" + &compact + "\n",
    );
    o.expect_error(
        "share_compact-trailing",
        "A second line after a compact share.",
        "unexpected text after the one-line (RKS1:) share",
    );
    // A row that is the valid text of a row number that does not exist (20) at row 4.
    let mut r4syms = rows_of(env1)[3];
    let data: [u8; 9] = r4syms[..9].try_into().expect("9");
    r4syms[9..].copy_from_slice(&rs32::parity(20, &data));
    o.put(
        "share_row-of-row-20.txt",
        note("row 4 carries parity computed for row number 20")
            + &replace_row(&canon, 4, &row_string(&r4syms)),
    );
    o.expect_error(
        "share_row-of-row-20",
        "Row 4's text is a codeword for row number 20 (which no share has). A row number outside 1..13 means at least three errors: reported as uncorrectable.",
        "row 4: more than one character is wrong",
    );
    // Padding bit set (row 13 recomputed so it is a valid codeword).
    let mut pad_rows = rows_of(env1);
    pad_rows[12][8] |= 1;
    let d13: [u8; 9] = pad_rows[12][..9].try_into().expect("9");
    let p13 = rs32::parity(13, &d13);
    pad_rows[12][9..].copy_from_slice(&p13);
    o.put(
        "share_padding-bit.txt",
        note("the padding bit (last bit of row 13, character 9) is 1; row 13 is a valid codeword")
            + &file_form_of(&pad_rows),
    );
    o.expect_error(
        "share_padding-bit",
        "The 585th bit (padding) must be 0.",
        "row 13, character 9: not canonical",
    );
    // Envelope field errors carried in otherwise valid text.
    let field_errors: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "bad-version",
            {
                let mut b = env1.clone();
                b[0] = 2;
                with_checksum(b)
            },
            "version byte 2 (checksum recomputed)",
            "share format version 2 is not supported",
        ),
        (
            "unknown-flags",
            {
                let mut b = env1.clone();
                b[1] = 0x03;
                with_checksum(b)
            },
            "flags 0x03: bit 1 is not defined",
            "share flags 0x03 has unknown bits set",
        ),
        (
            "index-out-of-range",
            raw_envelope(1, &CEREMONY_ID, &fp, 3, 5, 6, points[0].y.as_slice()),
            "index 6 with n = 5",
            "share says k = 3, n = 5, index = 6: outside",
        ),
    ];
    for (cond, b, desc, msg) in &field_errors {
        o.put(
            &format!("share_{cond}.txt"),
            note(desc) + &file_form_of(&rows_of(b)),
        );
        o.expect_error(
            &format!("share_{cond}"),
            &format!("Valid text and checksum, but {desc}."),
            msg,
        );
    }
    // Valid shares that are not the ceremony's: forged value, other ceremony.
    let mut forged_value = points[2].y.as_slice().to_vec();
    forged_value[0] ^= 0x01;
    let forged = raw_envelope(1, &CEREMONY_ID, &fp, 3, 5, 3, &forged_value);
    o.put(
        "share_forged-value.txt",
        note("share 3 with one bit of its value changed and the checksum recomputed")
            + &file_form_of(&rows_of(&forged)),
    );
    o.json("share_forged-value.expect.json", &share_expect("A well-formed share: the text form and checksum cannot tell it from the real share 3. Only the manifest digest can (shareverify_forged-value.json).", &forged, json!([])));
    let mut other_id = CEREMONY_ID;
    other_id[15] ^= 0xff;
    let other = raw_envelope(1, &other_id, &fp, 3, 5, 2, points[1].y.as_slice());
    o.put(
        "share_other-ceremony.txt",
        note("share 2 with another ceremony id") + &file_form_of(&rows_of(&other)),
    );
    o.json(
        "share_other-ceremony.expect.json",
        &share_expect(
            "A well-formed share of another ceremony.",
            &other,
            json!([]),
        ),
    );

    // --- envelope ---
    let env_exp = |desc: &str, b: &[u8]| {
        json!({
            "description": desc,
            "outcome": "ok",
            "rehearsal": b[1] & 1 == 1,
            "ceremony_id": hex::encode(&b[2..18]),
            "root_fingerprint": hex::encode(&b[18..34]),
            "k": b[34], "n": b[35], "index": b[36],
            "value_hex": hex::encode(&b[37..69]),
            "digest_hex": hex::encode(Sha256::digest(b)),
        })
    };
    let put_env = |o: &mut Out, cond: &str, b: &[u8]| {
        o.put(&format!("envelope_{cond}.hex"), hex::encode(b) + "\n");
    };
    put_env(&mut o, "valid", env1);
    o.json(
        "envelope_valid.expect.json",
        &env_exp(
            "Envelope of share 1 of the vector ceremony (rehearsal flag set).",
            env1,
        ),
    );
    let real = raw_envelope(0, &CEREMONY_ID, &fp, 3, 5, 1, points[0].y.as_slice());
    put_env(&mut o, "real-ceremony", &real);
    o.json(
        "envelope_real-ceremony.expect.json",
        &env_exp("The same share with flags = 0 (a real ceremony).", &real),
    );
    let max = raw_envelope(0, &[0xff; 16], &[0xee; 16], 16, 16, 16, &[0xdd; 32]);
    put_env(&mut o, "max-16-of-16", &max);
    o.json(
        "envelope_max-16-of-16.expect.json",
        &env_exp("Largest quorum: k = n = index = 16.", &max),
    );
    let min = raw_envelope(0, &[0; 16], &[0; 16], 2, 2, 1, &[0; 32]);
    put_env(&mut o, "min-2-of-2", &min);
    o.json(
        "envelope_min-2-of-2.expect.json",
        &env_exp("Smallest quorum: k = n = 2, index 1.", &min),
    );
    let v = points[0].y.as_slice();
    let env_errors: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "bad-checksum",
            {
                let mut b = env1.clone();
                b[40] ^= 0x80;
                b
            },
            "one bit of the value flipped, checksum not updated",
            "share checksum mismatch",
        ),
        (
            "bad-checksum-and-version",
            {
                let mut b = env1.clone();
                b[0] = 9;
                b
            },
            "version 9 and a stale checksum: the checksum is checked first",
            "share checksum mismatch",
        ),
        (
            "bad-version",
            {
                let mut b = env1.clone();
                b[0] = 0;
                with_checksum(b)
            },
            "version 0",
            "share format version 0 is not supported",
        ),
        (
            "unknown-flags",
            {
                let mut b = env1.clone();
                b[1] = 0x80;
                with_checksum(b)
            },
            "flag bit 7",
            "share flags 0x80 has unknown bits set",
        ),
        (
            "k-below-2",
            raw_envelope(1, &CEREMONY_ID, &fp, 1, 5, 1, v),
            "k = 1",
            "share says k = 1, n = 5, index = 1: outside",
        ),
        (
            "k-greater-than-n",
            raw_envelope(1, &CEREMONY_ID, &fp, 4, 3, 1, v),
            "k = 4 > n = 3",
            "share says k = 4, n = 3, index = 1: outside",
        ),
        (
            "n-above-16",
            raw_envelope(1, &CEREMONY_ID, &fp, 3, 17, 1, v),
            "n = 17",
            "share says k = 3, n = 17, index = 1: outside",
        ),
        (
            "index-0",
            raw_envelope(1, &CEREMONY_ID, &fp, 3, 5, 0, v),
            "index 0 (the secret's own x)",
            "share says k = 3, n = 5, index = 0: outside",
        ),
        (
            "index-above-n",
            raw_envelope(1, &CEREMONY_ID, &fp, 3, 5, 6, v),
            "index 6 > n = 5",
            "share says k = 3, n = 5, index = 6: outside",
        ),
        (
            "short",
            env1[..72].to_vec(),
            "72 bytes",
            "share envelope has 72 bytes, expected 73",
        ),
        (
            "long",
            {
                let mut b = env1.clone();
                b.push(0);
                b
            },
            "74 bytes",
            "share envelope has 74 bytes, expected 73",
        ),
    ];
    for (cond, b, desc, msg) in &env_errors {
        put_env(&mut o, cond, b);
        o.expect_error(&format!("envelope_{cond}"), desc, msg);
    }

    // --- row code ---
    let rows1 = rows_of(env1);
    let enc = |o: &mut Out, cond: &str, row: u8, data: [u8; 9], desc: &str| {
        o.json(
            &format!("rowcode_{cond}.json"),
            &json!({
                "description": desc,
                "row": row,
                "data": data,
                "expect": {"outcome": "ok", "parity": rs32::parity(row, &data)},
            }),
        );
    };
    enc(
        &mut o,
        "zero-row-1",
        1,
        [0; 9],
        "Row 1, all-zero data: the parity is not zero because the row number is part of the codeword.",
    );
    enc(&mut o, "zero-row-13", 13, [0; 9], "Row 13, all-zero data.");
    enc(
        &mut o,
        "all-31-row-13",
        13,
        [31; 9],
        "Row 13, every data symbol 31 (Z).",
    );
    enc(
        &mut o,
        "single-1-row-1",
        1,
        [0, 0, 0, 0, 0, 0, 0, 0, 1],
        "Row 1, data 0…0 1.",
    );
    for r in [1usize, 4, 13] {
        enc(
            &mut o,
            &format!("share-valid-row-{r}"),
            r as u8,
            rows1[r - 1][..9].try_into().expect("9"),
            &format!("Row {r} of share_valid.txt."),
        );
    }
    let dec = |o: &mut Out, cond: &str, row: u8, printed: [u8; 12], exp: Value, desc: &str| {
        o.json(
            &format!("rowcode_{cond}.json"),
            &json!({"description": desc, "row": row, "printed": printed, "expect": exp}),
        );
    };
    let good4 = rows1[3];
    dec(
        &mut o,
        "decode-valid",
        4,
        good4,
        json!({"outcome": "valid"}),
        "Row 4 of share_valid.txt as printed.",
    );
    let mut one = good4;
    one[5] ^= 7;
    dec(
        &mut o,
        "decode-one-error",
        4,
        one,
        json!({"outcome": "corrected", "column": 6, "corrected": good4}),
        "Row 4 with printed column 6 (1-based) changed by XOR 7.",
    );
    let mut one_p = good4;
    one_p[11] ^= 31;
    dec(
        &mut o,
        "decode-one-error-in-parity",
        4,
        one_p,
        json!({"outcome": "corrected", "column": 12, "corrected": good4}),
        "Row 4 with the last parity symbol wrong.",
    );
    let mut two = good4;
    two[0] ^= 1;
    two[11] ^= 1;
    dec(
        &mut o,
        "decode-two-errors",
        4,
        two,
        json!({"outcome": "uncorrectable"}),
        "Row 4 with columns 1 and 12 wrong: detected, not corrected.",
    );
    let mut swap = good4;
    swap.swap(2, 3);
    assert_ne!(swap, good4);
    dec(
        &mut o,
        "decode-adjacent-transposition",
        4,
        swap,
        json!({"outcome": "uncorrectable"}),
        "Row 4 with columns 3 and 4 exchanged (a transposition is two errors).",
    );
    dec(
        &mut o,
        "decode-other-row",
        4,
        rows1[4],
        json!({"outcome": "other_row", "other_row": 5}),
        "Row 5's text checked as row 4: all syndromes point at the row-number position.",
    );
    dec(
        &mut o,
        "decode-row-20",
        4,
        r4syms,
        json!({"outcome": "other_row", "other_row": 20}),
        "Row 4's data with parity for row number 20: reported as row 20 although rows only go to 13.",
    );

    // --- manifest ---
    let mjson = manifest.to_json().expect("json");
    o.put("manifest_valid.json", mjson.clone());
    o.put(
        "manifest_valid.canonical.json",
        manifest.signed_bytes().expect("signed bytes"),
    );
    let mexp = |desc: &str| {
        json!({
            "description": desc,
            "outcome": "ok",
            "root": "cert_valid.pem",
            "canonical": "manifest_valid.canonical.json",
            "public_key_hex": hex::encode(pk),
            "signature_hex": manifest.signature,
        })
    };
    let mut e = mexp(
        "The manifest of the vector ceremony as rootkey writes it. The signature is Ed25519 (fixed key) over manifest_valid.canonical.json = RFC 8785 JSON of the object without `signature`.",
    );
    e["exact_file"] = json!(true);
    o.json("manifest_valid.expect.json", &e);
    // Same content, other layout and member order, \u escapes.
    let value: Value = serde_json::from_str(&mjson).expect("json");
    let reordered = {
        let m = value.as_object().expect("object");
        let mut keys: Vec<&String> = m.keys().collect();
        keys.reverse();
        let parts: Vec<String> = keys
            .iter()
            .map(|k| {
                format!(
                    "{}: {}",
                    serde_json::to_string(k).expect("k"),
                    serde_json::to_string(&m[*k]).expect("v")
                )
            })
            .collect();
        format!("{{ {} }}", parts.join(",\n  ")).replace("Zoë", "Zo\\u00eb")
    };
    assert!(reordered.contains("\\u00eb"));
    o.put("manifest_reordered.json", reordered);
    o.json("manifest_reordered.expect.json", &mexp("The same manifest with members in another order, other whitespace and a \\u escape: it has the same canonical form, so the signature verifies."));
    let text_edit = |from: &str, to: &str| {
        let t = mjson.replacen(from, to, 1);
        assert_ne!(t, mjson, "{from}");
        t
    };
    let h2 = &manifest.shares[1].envelope_sha256;
    o.put(
        "manifest_bad-signature.json",
        text_edit(h2, &hex::encode(Sha256::digest(&forged))),
    );
    let manifest_errors: Vec<(&str, String, &str, &str)> = vec![
        (
            "unknown-member",
            text_edit(
                "\"threshold\": 3,",
                "\"threshold\": 3,\n  \"comment\": \"x\",",
            ),
            "an unknown top-level member",
            "unknown field `comment`",
        ),
        (
            "unknown-nested-member",
            text_edit(
                "\"medium\": \"text\",",
                "\"medium\": \"text\",\n      \"note\": 1,",
            ),
            "an unknown member in a share entry",
            "unknown field `note`",
        ),
        (
            "duplicate-member",
            text_edit(
                "\"threshold\": 3,",
                "\"threshold\": 3,\n  \"threshold\": 3,",
            ),
            "a member given twice (same value)",
            "duplicate field `threshold`",
        ),
        (
            "missing-member",
            text_edit("\"shares_total\": 5,\n", ""),
            "shares_total missing",
            "missing field `shares_total`",
        ),
        (
            "threshold-string",
            text_edit("\"threshold\": 3,", "\"threshold\": \"3\","),
            "threshold as a string",
            "invalid type",
        ),
        (
            "threshold-float",
            text_edit("\"threshold\": 3,", "\"threshold\": 3.0,"),
            "threshold as 3.0",
            "invalid type",
        ),
        (
            "wrong-format",
            text_edit("rootkey-share-manifest-v1", "rootkey-share-manifest-v2"),
            "another format string",
            "format \"rootkey-share-manifest-v2\" is not",
        ),
        (
            "uppercase-hex",
            text_edit(
                &manifest.root.fingerprint,
                &manifest.root.fingerprint.to_uppercase(),
            ),
            "upper-case hex in root.fingerprint",
            "root.fingerprint must be 64 lowercase hex digits",
        ),
        (
            "short-ceremony-id",
            text_edit(&manifest.ceremony.id, &manifest.ceremony.id[..30]),
            "a 15-byte ceremony id",
            "ceremony.id must be 32 lowercase hex digits",
        ),
        (
            "empty-signature",
            text_edit(&manifest.signature, ""),
            "an empty signature",
            "signature must be 128 lowercase hex digits",
        ),
        (
            "k-greater-than-n",
            text_edit("\"threshold\": 3,", "\"threshold\": 6,"),
            "threshold 6 of 5",
            "threshold 6 of 5 shares is outside",
        ),
        (
            "share-count",
            text_edit("\"shares_total\": 5,", "\"shares_total\": 6,"),
            "shares_total 6 with 5 entries",
            "lists 5 shares but shares_total is 6",
        ),
        (
            "index-order",
            text_edit("\"index\": 1,", "\"index\": 2,"),
            "entry 1 says index 2",
            "share entry 1 has index 2, expected 1",
        ),
        (
            "other-root-key",
            text_edit(
                &manifest.root.public_key,
                &hex::encode(
                    RootKey::from_seed(&secret(&[0x42; 32]))
                        .expect("k")
                        .public_key_bytes(),
                ),
            ),
            "root.public_key of another key (seed 42 42 ..)",
            "belongs to another root key than the root certificate",
        ),
        (
            "other-certificate",
            text_edit(&manifest.root.certificate_sha256, &"0".repeat(64)),
            "certificate_sha256 of another certificate",
            "names another root certificate",
        ),
    ];
    o.json(
        "manifest_bad-signature.expect.json",
        &json!({"description": "Share 2's envelope_sha256 replaced (by the digest of share_forged-value.txt) after signing: the signature no longer verifies.", "outcome": "error", "message_contains": "signature does not verify", "root": "cert_valid.pem"}),
    );
    for (cond, t, desc, msg) in manifest_errors {
        o.put(&format!("manifest_{cond}.json"), t);
        o.json(
            &format!("manifest_{cond}.expect.json"),
            &json!({"description": desc, "outcome": "error", "message_contains": msg, "root": "cert_valid.pem"}),
        );
    }

    // --- single share verification and combine ---
    let sv = |o: &mut Out, cond: &str, share: &str, manifest: &str, exp: Value, desc: &str| {
        o.json(
            &format!("shareverify_{cond}.json"),
            &json!({"description": desc, "share": share, "manifest": manifest, "root": "cert_valid.pem", "expect": exp}),
        );
    };
    sv(
        &mut o,
        "valid",
        "share_valid.txt",
        "manifest_valid.json",
        json!({"outcome": "ok", "index": 1, "holder": "Alice Example"}),
        "Share 1 verified alone against the root-signed manifest.",
    );
    sv(
        &mut o,
        "corrected",
        "share_row4-one-typo.txt",
        "manifest_valid.json",
        json!({"outcome": "ok", "index": 1, "holder": "Alice Example"}),
        "A share with a corrected typo verifies (the correction is reported).",
    );
    sv(
        &mut o,
        "valid-5",
        "share_valid-5.txt",
        "manifest_valid.json",
        json!({"outcome": "ok", "index": 5, "holder": "Zoë O'Neil"}),
        "Share 5 verified alone.",
    );
    sv(
        &mut o,
        "forged-value",
        "share_forged-value.txt",
        "manifest_valid.json",
        json!({"outcome": "error", "message_contains": "its digest is not in the manifest"}),
        "A well-formed share 3 whose value differs from the one the manifest lists.",
    );
    sv(
        &mut o,
        "other-ceremony",
        "share_other-ceremony.txt",
        "manifest_valid.json",
        json!({"outcome": "error", "message_contains": "belongs to another ceremony"}),
        "A share of another ceremony.",
    );
    sv(
        &mut o,
        "tampered-manifest",
        "share_valid.txt",
        "manifest_bad-signature.json",
        json!({"outcome": "error", "message_contains": "signature does not verify"}),
        "The manifest is checked before any share.",
    );
    sv(
        &mut o,
        "not-a-share",
        "share_rows-swapped.txt",
        "manifest_valid.json",
        json!({"outcome": "error", "message_contains": "this is the text of row 5"}),
        "Decoding errors are reported with the file name.",
    );
    let cb = |o: &mut Out, cond: &str, shares: &[&str], exp: Value, desc: &str| {
        o.json(
            &format!("combine_{cond}.json"),
            &json!({"description": desc, "shares": shares, "manifest": "manifest_valid.json", "root": "cert_valid.pem", "expect": exp}),
        );
    };
    cb(
        &mut o,
        "valid",
        &[
            "share_valid-2.txt",
            "share_valid-4.txt",
            "share_valid-5.txt",
        ],
        json!({"outcome": "ok", "quorum": [2, 4, 5]}),
        "Shares 2, 4, 5 rebuild the seed 00..1f; its public key matches cert_valid.pem.",
    );
    cb(
        &mut o,
        "all-five",
        &[
            "share_valid.txt",
            "share_valid-2.txt",
            "share_valid-3.txt",
            "share_valid-4.txt",
            "share_valid-5.txt",
        ],
        json!({"outcome": "ok", "quorum": [1, 2, 3]}),
        "All five shares: the first k-subset in lexicographic order that rebuilds the certificate's key is the quorum; shares 4 and 5 are then checked to agree with it.",
    );
    cb(
        &mut o,
        "duplicate",
        &["share_valid.txt", "share_compact.txt", "share_valid-3.txt"],
        json!({"outcome": "error", "message_contains": "share 1 (holder \"Alice Example\") is given twice"}),
        "share_compact.txt is share 1 again.",
    );
    cb(
        &mut o,
        "too-few",
        &["share_valid.txt", "share_valid-3.txt"],
        json!({"outcome": "error", "message_contains": "2 share(s) given, the threshold is 3"}),
        "Two shares of a 3-of-5.",
    );
    cb(
        &mut o,
        "forged",
        &[
            "share_valid.txt",
            "share_valid-2.txt",
            "share_forged-value.txt",
        ],
        json!({"outcome": "error", "message_contains": "its digest is not in the manifest"}),
        "A forged share is refused before interpolation.",
    );

    // --- file names ---
    let slugs: Vec<Value> = [
        "Alice Example",
        "Zoë O'Neil",
        "Chief information security officer",
        "  --Bob--  ",
        "???",
        "Ünïcode!!",
        "A".repeat(60).as_str(),
    ]
    .iter()
    .map(|n| json!([n, fsio::slug(n)]))
    .collect();
    o.json(
        "filename_slugs.json",
        &json!({
            "description": "Share file name = share-NN-SLUG.txt. SLUG keeps ASCII letters (lowercased) and digits; every run of other characters becomes one '-', none at the start or end; then cut to 40 characters (the cut may leave a final '-'); 'holder' if nothing remains.",
            "slugs": slugs,
            "expect": {"outcome": "ok"},
        }),
    );

    // --- JCS ---
    let jcs_cases: &[(&str, &str, &str)] = &[
        (
            "sort-utf16",
            r#"{"z": 1, "é": 2, "a": 3, "\ufb01": 4, "\ud83d\ude00": 5, "\r": 6, "A": 7, "": 8, "aa": 9}"#,
            "Members sorted by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FB01; the empty name first.",
        ),
        (
            "escapes",
            r#"["\"\\/\b\f\n\r\t", "\u0000\u001f\u007f", "\u2028\u2029", "é€😀", "\u00e9"]"#,
            "Only \" \\ and control characters are escaped: \\b \\f \\n \\r \\t by name, others as \\u00xx (lower-case hex); '/', DEL, U+2028/2029 and non-ASCII are literal UTF-8.",
        ),
        (
            "integers",
            r#"[0, -0, 1, -1, 9007199254740991, -9007199254740991]"#,
            "Integers in plain decimal, no leading zeros or plus sign; -0 is written 0; the limits are +-(2^53 - 1).",
        ),
        (
            "literals-nesting",
            "{\n  \"b\" : [ true , false , null , { } , [ ] ],\n  \"a\" : { \"y\" : { \"x\" : 1 } , \"x\" : [ 2 , { \"d\" : 0 , \"c\" : 0 } ] }\n}\n",
            "Whitespace removed; nested objects sorted; arrays keep their order.",
        ),
        (
            "float",
            r#"{"a": 1.5}"#,
            "rootkey refuses non-integers rather than formatting them (its documents hold none).",
        ),
        (
            "exponent",
            r#"[1e2]"#,
            "An exponent makes a float in the parser: refused.",
        ),
        (
            "big-integer",
            r#"[9007199254740992]"#,
            "2^53 is beyond the exactly representable integers: refused.",
        ),
        (
            "negative-big-integer",
            r#"[-9007199254740992]"#,
            "-2^53: refused.",
        ),
        (
            "manifest-sample",
            r#"{"threshold": 3, "shares": [{"index": 1, "holder": "Zo\u00eb"}], "format": "x"}"#,
            "Small manifest-like object.",
        ),
    ];
    for (cond, input, desc) in jcs_cases {
        let v: Value = serde_json::from_str(input).expect("jcs input");
        o.put(&format!("jcs_{cond}.json"), format!("{input}\n"));
        match jcs::canonicalize(&v) {
            Ok(out) => {
                o.put(&format!("jcs_{cond}.canonical.json"), out);
                o.json(
                    &format!("jcs_{cond}.expect.json"),
                    &json!({"description": desc, "outcome": "ok", "canonical": format!("jcs_{cond}.canonical.json")}),
                );
            }
            Err(e) => {
                let msg = if e.message.contains("cannot be canonicalised") {
                    "cannot be canonicalised"
                } else {
                    "?"
                };
                o.expect_error(&format!("jcs_{cond}"), desc, msg);
            }
        }
    }
    o
}

/// Writes all vectors (run explicitly; see the module documentation).
#[test]
#[ignore = "writes tests/vectors/; run explicitly to regenerate"]
fn generate_vectors() {
    let out = build_vectors();
    fs::create_dir_all(dir()).expect("mkdir");
    for (name, bytes) in &out.files {
        fs::write(dir().join(name), bytes).expect("write");
    }
    println!("wrote {} files", out.files.len());
}
