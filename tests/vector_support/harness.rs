//! Directory scan and expectation plumbing shared by the vector checks.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use rootkey::secret::SecretBytes;

/// Areas whose vectors are JSON descriptions with an `expect` member.
pub const DESCRIPTION_AREAS: &[&str] = &[
    "rowcode",
    "shamir",
    "seed",
    "filename",
    "shareverify",
    "combine",
];
/// Areas whose vectors are artifacts with a sibling `.expect.json`.
pub const ARTIFACT_AREAS: &[&str] = &[
    "envelope",
    "share",
    "manifest",
    "jcs",
    "cert",
    "crl",
    "profile",
    "plan",
    "planv2",
    "transcript",
    "csr",
    "pem",
    "token",
    "answers",
];
pub const NOT_VECTORS: &[&str] = &[
    "README.md",
    "independent_check.py",
    "independent_plan_check.py",
    "independent_answers_check.py",
    "independent_transcript_check.py",
    "independent_token_check.py",
    "make_csr_vectors.sh",
    "make_pem_vectors.py",
];

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// Every file name in `tests/vectors/`, unsorted.
pub fn file_names() -> Vec<String> {
    fs::read_dir(dir())
        .expect("tests/vectors exists")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

pub fn is_auxiliary(name: &str) -> bool {
    name.ends_with(".expect.json")
        || name.ends_with(".canonical.json")
        || name.ends_with(".attestations")
        || NOT_VECTORS.contains(&name)
}

pub fn area_of(name: &str) -> &str {
    name.split('_').next().unwrap_or("")
}

pub fn stem_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// Vector file names of one area, sorted.
pub fn vectors(area: &str) -> Vec<String> {
    let mut v: Vec<String> = file_names()
        .into_iter()
        .filter(|n| !is_auxiliary(n) && area_of(n) == area)
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no vectors for area {area}");
    v
}

pub fn read(name: &str) -> Vec<u8> {
    fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn read_json(name: &str) -> Value {
    serde_json::from_slice(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The expectation of a vector, from its sibling file or its `expect` member.
pub fn expectation(name: &str) -> Value {
    if DESCRIPTION_AREAS.contains(&area_of(name)) {
        read_json(name)["expect"].clone()
    } else {
        read_json(&format!("{}.expect.json", stem_of(name)))
    }
}

pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("member {key} missing or not a string in {v}"))
}

/// The strings of an expectation member that is a JSON array of strings.
pub fn strings(exp: &Value, key: &str) -> Vec<String> {
    exp[key]
        .as_array()
        .unwrap_or_else(|| panic!("member {key} missing or not an array in {exp}"))
        .iter()
        .map(|v| v.as_str().unwrap_or("").to_string())
        .collect()
}

pub fn unhex(h: &str) -> Vec<u8> {
    let clean: String = h.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(clean).expect("hex")
}

pub fn secret(b: &[u8]) -> SecretBytes {
    SecretBytes::copy_from(b).expect("locked memory")
}

/// Checks a result against an expectation whose outcome is "ok" (calls `ok`) or "error"
/// (the message must contain `message_contains`).
pub fn outcome<T>(
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

pub fn eq<T: PartialEq + std::fmt::Debug>(what: &str, got: T, want: T) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, expected {want:?}"))
    }
}

/// Runs `check` on every vector of `area` and fails with all failures listed.
pub fn run_area(area: &str, mut check: impl FnMut(&str, &Value) -> Result<(), String>) {
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

/// One certificate extension as it appears in a `cert` expectation.
pub fn extension_json(e: &x509_cert::ext::Extension) -> Value {
    json!({
        "oid": e.extn_id.to_string(),
        "critical": e.critical,
        "value_hex": hex::encode(e.extn_value.as_bytes()),
    })
}

/// One plan holder as it appears in a `plan` expectation.
pub fn holder_json(h: &rootkey::plan::Holder) -> Value {
    use rootkey::plan::TokenSpec;
    let mut v = json!({"name": h.name, "role": h.role, "medium": h.medium.as_str()});
    // The token table as checked: every key given, a YubiKey's slot also when defaulted.
    let mut t = serde_json::Map::new();
    match &h.token {
        None => return v,
        Some(TokenSpec::Pkcs11 {
            module,
            label,
            serial,
        }) => {
            t.insert("module".into(), json!(module.display().to_string()));
            if let Some(l) = label {
                t.insert("label".into(), json!(l));
            }
            if let Some(s) = serial {
                t.insert("serial".into(), json!(s));
            }
        }
        Some(TokenSpec::Yubikey { serial, slot }) => {
            if let Some(s) = serial {
                t.insert("serial".into(), json!(s.to_string()));
            }
            t.insert("slot".into(), json!(format!("{slot:02x}")));
        }
    }
    v["token"] = Value::Object(t);
    v
}

/// Share files as `combine` sources.
pub fn file_sources(files: &[PathBuf]) -> Vec<rootkey::console::share_input::Source> {
    files
        .iter()
        .cloned()
        .map(rootkey::console::share_input::Source::File)
        .collect()
}
