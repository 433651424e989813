//! Token media in plans, through the real binary (`docs/formats.md`, "Ceremony plan"): each
//! mistake in a `[holders.token]` table is refused by `rootkey generate` before anything is
//! written, naming the plan, the line, the column and the key, with the next step; so are the
//! checks of a valid plan's tokens that need no token (a missing attestation root, a module
//! that does not load), before any key exists.

mod common;

use std::fs;

use tempfile::TempDir;

use common::{INPUT, generate_run, repo_path, s};

/// Runs `generate` on the vector `name` copied into a fresh directory; returns the exact
/// stderr with the directory replaced by `DIR`, after checking exit 1 and that nothing was
/// written.
fn refused(name: &str) -> String {
    let t = TempDir::new().unwrap();
    let plan = t.path().join(name);
    fs::copy(repo_path("tests/vectors").join(name), &plan).unwrap();
    let out = t.path().join("out");
    let run = generate_run(&plan, &out, &[]);
    run.code(INPUT).single_error();
    assert!(!out.exists(), "{name}: the output directory was created");
    assert_eq!(fs::read_dir(t.path()).unwrap().count(), 1, "{name}");
    run.stderr.replace(&s(t.path()), "DIR")
}

#[test]
fn token_table_mistakes_name_line_column_and_key() {
    let hint = "  next step: correct the holder's [holders.token] table (its keys: docs/formats.md, \"Ceremony plan\")\n";
    for (name, error) in [
        (
            "plan_token-bad-slot.toml",
            "plan DIR/plan_token-bad-slot.toml, line 27, column 8, key holders.token.slot: \"9a\" is not a slot for a share key (two hex digits, 82 to 95 or 9d)",
        ),
        (
            "plan_token-relative-module.toml",
            "plan DIR/plan_token-relative-module.toml, line 35, column 10, key holders.token.module: \"libykcs11.so\" is not an absolute path (give the full path of the PKCS#11 library)",
        ),
        (
            "plan_token-key-of-other-medium.toml",
            "plan DIR/plan_token-key-of-other-medium.toml, line 19, column 10, key holders.token.module: `module` is not a key of a yubikey token",
        ),
        (
            "plan_token-no-label-or-serial.toml",
            "plan DIR/plan_token-no-label-or-serial.toml, line 35, column 10, key holders.token: a pkcs11 holder's token table needs `label` or `serial` (or both) to choose the token",
        ),
    ] {
        assert_eq!(refused(name), format!("error: {error}\n{hint}"), "{name}");
    }
}

#[test]
fn token_table_missing_or_misplaced_is_refused() {
    assert_eq!(
        refused("plan_token-missing.toml"),
        "error: plan DIR/plan_token-missing.toml, line 15, column 10: holder 1 (\"Alice Example\") has medium = \"yubikey\" but no [holders.token] table naming the token\n  next step: add `[holders.token]` after the holder, e.g. `serial = \"12345678\"` and `slot = \"82\"`\n"
    );
    assert_eq!(
        refused("plan_token-for-text.toml"),
        "error: plan DIR/plan_token-for-text.toml, line 17, column 1: holder 1 (\"Alice Example\") has medium = \"text\", which takes no token table\n  next step: remove the [holders.token] table, or set the holder's medium to \"pkcs11\" or \"yubikey\"\n"
    );
}

#[test]
fn a_yubikey_holder_needs_the_attestation_root_before_any_key() {
    assert_eq!(
        refused("plan_tokens.toml"),
        "error: plan DIR/plan_tokens.toml: holder 1 (\"Alice Example\") is on a YubiKey, whose slot attestation needs --piv-attestation-root PEM\n  next step: give Yubico's PIV attestation CA (docs/yubikey.md says where it comes from)\n"
    );
}

#[test]
fn a_module_that_is_missing_is_refused_naming_the_holder_before_any_key() {
    let t = TempDir::new().unwrap();
    let plan = t.path().join("p.toml");
    let text = fs::read_to_string(repo_path("tests/vectors/plan_tokens.toml"))
        .unwrap()
        .replace(
            "/usr/lib/x86_64-linux-gnu/libykcs11.so",
            "/nonexistent/libpkcs11.so",
        );
    fs::write(&plan, text).unwrap();
    let out = t.path().join("out");
    let run = generate_run(&plan, &out, &[]);
    run.code(INPUT).single_error();
    assert!(!out.exists());
    let err = run.stderr.replace(&s(t.path()), "DIR");
    assert!(
        err.starts_with("error: plan DIR/p.toml: holder 3 (\"Carol Example\"): --pkcs11-module /nonexistent/libpkcs11.so"),
        "{err}"
    );
}
