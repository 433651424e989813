//! Vectors of the ceremony's inputs: the seed and root key, the plan, the root profile and the
//! share file names.

use der::Encode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::cert::{self, DEFAULT_ROOT_PROFILE, RootProfile};
use rootkey::encoding::hexfmt;
use rootkey::fsio;
use rootkey::key::RootKey;
use rootkey::plan::Plan;

use crate::fixture::{PLAN_TOML, SEED};
use crate::generator::Out;
use crate::harness::{holder_json, secret};

/// `seed_*`: the fixed seed, a seed with dice, and dice typing mistakes.
pub fn seed(o: &mut Out) {
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
            "fingerprint_display": hexfmt::fingerprint_display(&fp),
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
}

/// `plan_*`: the vector ceremony's plan and plans with one mistake each.
pub fn plan(o: &mut Out) {
    let plan = Plan::parse(PLAN_TOML, "plan_valid.toml").expect("plan");
    o.put("plan_valid.toml", PLAN_TOML);
    let holders: Vec<Value> = plan.holders.iter().map(holder_json).collect();
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
    // Without a [quorum] table the policy's 3-of-5 applies.
    let default_quorum = PLAN_TOML.replacen("[quorum]\nthreshold = 3\nshares = 5\n", "", 1);
    assert_ne!(default_quorum, PLAN_TOML);
    let dq = Plan::parse(&default_quorum, "plan_default-quorum.toml").expect("plan");
    o.put("plan_default-quorum.toml", default_quorum.clone());
    o.json(
        "plan_default-quorum.expect.json",
        &json!({
            "description": "No [quorum] table: threshold 3 and shares 5 (the policy's 3-of-5) apply.",
            "outcome": "ok",
            "sha256": hex::encode(dq.sha256),
            "name": dq.ceremony.name,
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
            "medium = \"vellum\"",
            "a medium this version does not know; the error names the line",
            "unknown variant `vellum`",
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
    ];
    for (cond, from, to, desc, msg) in plan_variants {
        let t = PLAN_TOML.replacen(from, to, 1);
        assert_ne!(t, PLAN_TOML, "{cond}");
        let e = Plan::parse(&t, "p.toml").expect_err(cond);
        assert!(e.message.contains(msg), "{cond}: {}", e.message);
        o.put(&format!("plan_{cond}.toml"), t);
        o.expect_error(&format!("plan_{cond}"), desc, msg);
    }
    plan_tokens(o);
}

/// The vector plan with holders 1 and 2 on YubiKeys and holder 3 on a PKCS#11 token (a
/// YubiKey reached through Yubico's ykcs11, which holds the key but no data objects).
pub fn tokens_plan() -> String {
    let edit = |t: String, from: &str, to: &str| {
        let out = t.replacen(from, to, 1);
        assert_ne!(out, t, "{from}");
        out
    };
    let t = edit(
        PLAN_TOML.to_string(),
        "role = \"security officer (token, EU)\"\nmedium = \"text\"\n",
        "role = \"security officer (token, EU)\"\nmedium = \"yubikey\"\n\n[holders.token]\nserial = \"12345678\"\nslot = \"82\"\n",
    );
    let t = edit(
        t,
        "role = \"security officer (token, US)\"\nmedium = \"text\"\n",
        "role = \"security officer (token, US)\"\nmedium = \"yubikey\"\n\n[holders.token]\nslot = \"9d\"\n",
    );
    edit(
        t,
        "role = \"legal counsel (paper)\"\nmedium = \"text\"\n",
        "role = \"legal counsel (paper)\"\nmedium = \"pkcs11\"\n\n[holders.token]\nmodule = \"/usr/lib/x86_64-linux-gnu/libykcs11.so\"\nlabel = \"YubiKey PIV #34567890\"\nserial = \"34567890\"\n",
    )
}

/// `plan_tokens` and the token-table mistakes.
fn plan_tokens(o: &mut Out) {
    let tokens = tokens_plan();
    let p = Plan::parse(&tokens, "plan_tokens.toml").expect("tokens plan");
    o.put("plan_tokens.toml", tokens.clone());
    o.json(
        "plan_tokens.expect.json",
        &json!({
            "description": "Holders 1 and 2 on YubiKeys (holder 2 without a serial: the only YubiKey present is used; slot 9d), holder 3 on a PKCS#11 token (a YubiKey through Yubico's ykcs11 module) chosen by label and serial.",
            "outcome": "ok",
            "sha256": hex::encode(p.sha256),
            "name": p.ceremony.name,
            "rehearsal": true,
            "threshold": 3,
            "shares": 5,
            "holders": p.holders.iter().map(holder_json).collect::<Vec<_>>(),
        }),
    );
    let variants: &[(&str, &str, &str, &str, &str, bool)] = &[
        (
            "token-missing",
            "medium = \"text\"",
            "medium = \"yubikey\"",
            "holder 1 on a YubiKey without a [holders.token] table",
            "holder 1 (\"Alice Example\") has medium = \"yubikey\" but no [holders.token] table",
            false,
        ),
        (
            "token-for-text",
            "medium = \"yubikey\"",
            "medium = \"text\"",
            "a text holder with a [holders.token] table; the error names its line and column",
            "line 17, column 1: holder 1 (\"Alice Example\") has medium = \"text\", which takes no token table",
            true,
        ),
        (
            "token-bad-slot",
            "slot = \"9d\"",
            "slot = \"9a\"",
            "slot 9a (the PIV authentication slot) is not a slot for a share key",
            "line 27, column 8, key holders.token.slot: \"9a\" is not a slot for a share key",
            true,
        ),
        (
            "token-relative-module",
            "module = \"/usr/lib/x86_64-linux-gnu/libykcs11.so\"",
            "module = \"libykcs11.so\"",
            "a PKCS#11 module given by a relative path",
            "key holders.token.module: \"libykcs11.so\" is not an absolute path",
            true,
        ),
        (
            "token-no-label-or-serial",
            "label = \"YubiKey PIV #34567890\"\nserial = \"34567890\"\n",
            "",
            "a PKCS#11 token named neither by label nor by serial",
            "needs `label` or `serial` (or both) to choose the token",
            true,
        ),
        (
            "token-key-of-other-medium",
            "slot = \"82\"",
            "module = \"/usr/lib/softhsm/libsofthsm2.so\"",
            "a YubiKey holder's table with the PKCS#11 key `module`",
            "key holders.token.module: `module` is not a key of a yubikey token",
            true,
        ),
    ];
    for (cond, from, to, desc, msg, from_tokens) in variants {
        let base = if *from_tokens {
            tokens.clone()
        } else {
            PLAN_TOML.to_string()
        };
        let t = base.replacen(from, to, 1);
        assert_ne!(t, base, "{cond}");
        let e = Plan::parse(&t, "p.toml").expect_err(cond);
        assert!(e.message.contains(msg), "{cond}: {}", e.message);
        o.put(&format!("plan_{cond}.toml"), t);
        o.expect_error(&format!("plan_{cond}"), desc, msg);
    }
}

/// `profile_*`: the shipped root profile, a minimal one, special characters, mistakes.
pub fn profile(o: &mut Out) {
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
}

/// `filename_*`: holder names and their file-name slugs.
pub fn filename(o: &mut Out) {
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
}
