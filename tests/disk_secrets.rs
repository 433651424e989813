//! No secret on disk (issue 15, item 2): real ceremonies run under
//! `strace -f -xx -e trace=write,pwrite64,writev,pwritev,openat,linkat,renameat2,unlinkat,…`
//! (`tests/disk_support`), and every byte each one wrote is searched for the secrets of the
//! ceremony: the seed, both halves of SHA-512(seed), each share's value, envelope, compact
//! form, file form and its 13 rows (as printed and without spaces), each share file's
//! contents, and the typed dice. A holder's secrets may reach only that holder's share file or
//! shard PDF (or, with `--print-to`, the printer pipe); the seed, its hash and the dice reach
//! nothing. Standard output, standard error, the transcript, the manifest, the root
//! certificate and every other file get none, and no temporary file is left behind.
//!
//! The secrets are worked out from the shares the ceremony wrote, with the library
//! (`rootkey::share::text`, `rootkey::shamir`); shard PDFs are read back with `pdftotext`. The
//! product never prints them. The search is shown to work on each real log (every text share's
//! rows are found in its own file's writes) and to fail on a planted write (unit tests below).
//!
//! Tokens: `tests/disk_secrets_tokens.rs` (SoftHSM2 holders, from an answers file). Not
//! covered: bytes reaching a file through a writable memory mapping,
//! which rootkey does not use.

mod common;
mod disk_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use disk_support::secrets::{
    ceremony_secrets, designated, own_secrets, pdf_envelope, seed_secrets, share_outputs,
    share_secrets,
};
use disk_support::{Dest, Secret, Trace, traced};
use rootkey::share::text;

/// A traced run: what it wrote, and its output.
struct Traced {
    trace: Trace,
    out: Output,
    what: String,
}

impl Traced {
    fn ok(&self) -> &Traced {
        assert!(
            self.out.status.success(),
            "{} failed: {}\n{}",
            self.what,
            String::from_utf8_lossy(&self.out.stdout),
            String::from_utf8_lossy(&self.out.stderr)
        );
        self
    }
}

/// Runs `rootkey ARGS` (with the test suite's network exception for ceremony commands) in
/// `cwd` under strace; the log goes to `logs/NAME.strace`.
fn rootkey_traced(
    name: &str,
    args: &[String],
    env: &[(&str, String)],
    cwd: &Path,
    logs: &Path,
) -> Traced {
    let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    let mut c = Command::new(env!("CARGO_BIN_EXE_rootkey"));
    c.args(args)
        .args(common::network_exception(&os))
        .current_dir(cwd);
    for (k, v) in env {
        c.env(k, v);
    }
    let log = logs.join(format!("{name}.strace"));
    let out = traced(&c, &log);
    let text = fs::read_to_string(&log).expect("strace log");
    Traced {
        trace: Trace::parse(&text, cwd),
        out,
        what: format!("rootkey {}", args.join(" ")),
    }
}

/// Asserts that `r` wrote no secret outside its designated place (shares' files in `out`, the
/// printer pipe for the shares in `printed`), left no temporary file (in the trace, and on
/// disk: no dot file in `outputs`) and created nothing outside `outputs`.
fn assert_clean(
    r: &Traced,
    secrets: &[Secret],
    out: Option<&Path>,
    printed: &[u8],
    outputs: &[&Path],
) {
    let t = &r.trace;
    let mut v = match out {
        Some(o) => t.violations(secrets, designated(t, o, printed)),
        None => t.violations(secrets, |_, _| false),
    };
    v.extend(t.leftovers(outputs));
    for o in outputs {
        // The trace sees the ceremony's own files: its transcript was written.
        let transcript = o.join("transcript.jsonl");
        if !t.written.keys().any(|d| t.names(d).contains(&transcript)) {
            v.push(format!(
                "no write to {} seen: the trace is blind",
                transcript.display()
            ));
        }
        for e in fs::read_dir(o).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                v.push(format!("left on disk: {}", o.join(name).display()));
            }
        }
    }
    assert!(v.is_empty(), "{}:\n{}", r.what, v.join("\n"));
    assert!(
        t.written.contains_key(&Dest::Stdout) || t.written.contains_key(&Dest::Stderr),
        "{}: the trace saw no output at all",
        r.what
    );
}

/// Positive control: each text share's last row is found in the writes of its own file, so
/// the search sees real bytes.
fn assert_rows_found(r: &Traced, secrets: &[Secret], out: &Path) {
    let text_shares: Vec<u8> = share_outputs(out)
        .into_iter()
        .filter(|(_, p)| p.extension().is_some_and(|e| e == "txt"))
        .map(|(i, _)| i)
        .collect();
    assert!(!text_shares.is_empty());
    for i in text_shares {
        let row = secrets
            .iter()
            .find(|s| s.owner == Some(i) && s.name.ends_with("row 13 as printed"))
            .unwrap();
        let found = r.trace.found(&row.bytes);
        assert!(
            found
                .iter()
                .any(|d| r.trace.names(d).iter().any(|n| n.starts_with(out))),
            "{}: share {i}'s row 13 not seen in any write to its file ({found:?})",
            r.what
        );
    }
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

/// `rootkey rehearse` (shares 1–2 text, 3–5 paper), then `combine`, `intermediate sign` and
/// `crl sign` with three of its shares (the two text files and shard 3 read back as text).
#[test]
fn rehearse_combine_and_signing_write_no_secret_outside_the_shares() {
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let logs = tempfile::tempdir().unwrap();
    let d = t.path();
    let root = d.join("root");
    let r = rootkey_traced(
        "rehearse",
        &args(&["rehearse", "--out", &p(&root)]),
        &[],
        d,
        logs.path(),
    );
    r.ok();
    let secrets = ceremony_secrets(&root, 3);
    assert_clean(&r, &secrets, Some(&root), &[], &[&root]);
    assert_rows_found(&r, &secrets, &root);

    // A quorum of text share files: shares 1 and 2 as written, shard 3 as its rows typed in.
    let inputs = d.join("inputs");
    fs::create_dir(&inputs).unwrap();
    let mut shares = Vec::new();
    for (i, f) in share_outputs(&root).into_iter().take(3) {
        let file = if i == 3 {
            let q = inputs.join("share-03-typed.txt");
            fs::write(
                &q,
                text::encode_file_form(&pdf_envelope(&f))
                    .unwrap()
                    .as_slice(),
            )
            .unwrap();
            q
        } else {
            f
        };
        shares.push(p(&file));
    }
    let (manifest, cert) = (p(&root.join("manifest.json")), p(&root.join("root.pem")));
    let check = d.join("check");
    let mut a = args(&[
        "combine",
        "--out",
        &p(&check),
        "--manifest",
        &manifest,
        "--root",
        &cert,
    ]);
    a.extend(shares.iter().cloned());
    let r = rootkey_traced("combine", &a, &[], d, logs.path());
    r.ok();
    assert_clean(&r, &secrets, None, &[], &[&check]);

    let csr = common::openssl_csr(&inputs, "issuing", "ed25519", common::CSR_SUBJECT);
    let signed = d.join("signed");
    let mut a = common::intermediate_sign_args(
        &common::Ceremony::open(&root),
        &csr,
        &common::csr_der_sha256(&csr),
        &signed,
    );
    a.extend(common::CONFIRMERS.map(String::from));
    for s in &shares {
        a.extend(["--share".to_string(), s.clone()]);
    }
    let r = rootkey_traced("intermediate-sign", &a, &[], d, logs.path());
    r.ok();
    assert_clean(&r, &secrets, None, &[], &[&signed]);

    let crl = d.join("crl");
    let mut a = args(&[
        "crl",
        "sign",
        "--root",
        &cert,
        "--manifest",
        &manifest,
        "--out",
        &p(&crl),
        "--first-crl",
    ]);
    a.extend(common::CONFIRMERS.map(String::from));
    for s in &shares {
        a.extend(["--share".to_string(), s.clone()]);
    }
    let r = rootkey_traced("crl-sign", &a, &[], d, logs.path());
    r.ok();
    assert_clean(&r, &secrets, None, &[], &[&crl]);
}

/// `generate --print-to PRINTER` of the real text-and-paper plan: the paper shards go to `lp`
/// through a pipe (an `lp` that spools what it reads stands in for CUPS); shares 3–5 reach
/// nothing but that pipe, shares 1–2 nothing but their files.
#[test]
fn printing_sends_paper_shares_only_down_the_printer_pipe() {
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let logs = tempfile::tempdir().unwrap();
    let d = t.path();
    let (bin, spool) = (d.join("bin"), d.join("spool"));
    fs::create_dir_all(&bin).unwrap();
    fs::create_dir_all(&spool).unwrap();
    let lp = bin.join("lp");
    fs::write(
        &lp,
        format!(
            "#!/bin/sh\nn=$(ls {s} | wc -l)\ncat > {s}/job$n.pdf\n",
            s = spool.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&lp, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = d.join("printed");
    let plan = common::repo_path("tests/fixtures/real-text-paper-plan.toml");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let a = args(&[
        "generate",
        "--plan",
        &p(&plan),
        "--out",
        &p(&out),
        "--print-to",
        "vault-printer",
    ]);
    let r = rootkey_traced("generate-print", &a, &[("PATH", path)], d, logs.path());
    r.ok();
    let mut secrets = Vec::new();
    let mut envs = Vec::new();
    for (_, f) in share_outputs(&out) {
        let bytes = fs::read(&f).unwrap();
        let env = text::parse(&bytes).unwrap().envelope;
        secrets.extend(share_secrets(&env, Some(&bytes)));
        envs.push(env);
    }
    let mut jobs: Vec<PathBuf> = fs::read_dir(&spool)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    jobs.sort();
    assert_eq!(
        (envs.len(), jobs.len()),
        (2, 3),
        "two text shares written, three shards printed"
    );
    for j in &jobs {
        let env = pdf_envelope(j);
        secrets.extend(share_secrets(&env, None));
        envs.push(env);
    }
    secrets.extend(seed_secrets(&envs, 3));
    let secrets = own_secrets(secrets);
    assert_clean(&r, &secrets, Some(&out), &[3, 4, 5], &[&out]);
    assert_rows_found(&r, &secrets, &out);
    assert!(
        r.trace.written.contains_key(&Dest::Pipe),
        "the shards went down a pipe"
    );
}

/// `rootkey run PLAN --answers FILE --i-understand-this-is-unattended`: a real generation with
/// typed dice (from the answers file), holders on text and paper. The dice reach nothing.
#[test]
fn the_guided_runner_with_typed_dice_writes_no_secret_outside_the_shares() {
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let logs = tempfile::tempdir().unwrap();
    let d = t.path();
    // 102 rolls, public, test only; not a repeating pattern, so a hit is these dice.
    let mut x = 7u32;
    let dice: String = (0..102)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from(b'1' + ((x >> 16) % 6) as u8)
        })
        .collect();
    let plan = d.join("plan.toml");
    // A real (non-rehearsal) generation plan with dice, holders on text and paper.
    fs::copy(
        common::repo_path("tests/fixtures/real-dice-plan.toml"),
        &plan,
    )
    .unwrap();
    let answers = d.join("answers.toml");
    fs::write(
        &answers,
        format!("version = 1\nconfirmers = [\"Oscar Officer\", \"Wendy Witness\"]\n\n[answers]\ndice = \"{dice}\"\n"),
    )
    .unwrap();
    let out = d.join("run");
    let a = args(&[
        "--allow-network",
        common::TEST_NETWORK_EXCEPTION,
        "run",
        &p(&plan),
        "--answers",
        &p(&answers),
        "--out",
        &p(&out),
        "--i-understand-this-is-unattended",
    ]);
    let r = rootkey_traced("run-answers", &a, &[], d, logs.path());
    r.ok();
    let mut secrets = ceremony_secrets(&out, 2);
    secrets.push(Secret {
        name: "the typed dice".into(),
        bytes: dice.clone().into_bytes(),
        owner: None,
    });
    secrets.push(Secret {
        name: "the typed dice (first 40)".into(),
        bytes: dice.as_bytes()[..40].to_vec(),
        owner: None,
    });
    assert_clean(&r, &secrets, Some(&out), &[], &[&out]);
    assert_rows_found(&r, &secrets, &out);
}
