//! What the rotation tests share: the signing runs against the binary's one rehearsal, its
//! transcript's entries, `chain verify`, and the check that a refusal came before the ceremony
//! started.

use std::path::Path;

use serde_json::Value;

use crate::common::{self, Ceremony, Run, rehearsal as fixture, rootkey};

/// The subject every CSR of these tests asks for (the profile allows it).
pub const SUBJECT: &str = common::CSR_SUBJECT;

/// `rootkey intermediate sign` against the fixture with shares 1, 2, 3 and two confirmers.
pub fn sign(csr: &Path, out: &Path, extra: &[&str]) -> Run {
    sign_as(&fixture().c, csr, &common::csr_der_sha256(csr), out, extra)
}

/// `rootkey intermediate sign` against ceremony `c` with the out-of-band hash `hash`; shares
/// 1, 2, 3 and two confirmers unless `extra` gives `--share` or `--confirm`. Checked for leaks.
pub fn sign_as(c: &Ceremony, csr: &Path, hash: &str, out: &Path, extra: &[&str]) -> Run {
    let mut args = common::intermediate_sign_args(c, csr, hash, out);
    let has_shares = extra.contains(&"--share");
    let has_confirm = extra.contains(&"--confirm");
    if !has_shares {
        args.extend(common::share_args(c, &[1, 2, 3]));
    }
    if !has_confirm {
        args.extend(common::CONFIRMERS.map(String::from));
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let r = rootkey(&args);
    r.no_secrets(&c.secrets);
    r
}

/// The entries of the transcript in `out`.
pub fn transcript_actions(out: &Path) -> Vec<Value> {
    common::transcript_entries(&out.join("transcript.jsonl"))
}

/// `rootkey chain verify ARGS`.
pub fn chain_verify(args: &[&str]) -> Run {
    let mut a = vec!["chain", "verify"];
    a.extend_from_slice(args);
    rootkey(&a)
}

/// The standard output of a shell command that must succeed.
pub fn sh_ok_bytes(script: &str, dir: &Path) -> Vec<u8> {
    let o = common::sh_output(script, dir);
    assert!(o.status.success(), "{script}");
    o.stdout
}

/// Every refusal before the ceremony starts leaves no output directory.
pub fn refused_before_start(r: &Run, out: &Path, code: i32, needles: &[&str]) {
    r.code(code).stderr_has(needles).single_error();
    assert!(!out.exists(), "{} was created", out.display());
}
