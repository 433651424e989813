//! No secret in memory (issue 15, item 1): each ceremony runs under gdb, stopped at its last
//! system call (`catch syscall exit_group`), and every readable mapping of the stopped process
//! — locked pages included — is read from `/proc/PID/mem` and searched for the seed, both
//! halves of SHA-512(seed), every share value, the rows of every share (as printed and without
//! spaces) and the typed dice (`tests/memory_support`). Nothing may be left. A second test
//! stops a combine mid-way through typing shares and allows the secrets only in locked,
//! MADV_DONTDUMP mappings. A planted pattern in a non-dumpable child shows that the search
//! finds what is there, locked memory included.
//!
//! The secrets are derived from the output shares with the library (`rootkey::share`,
//! `rootkey::shamir`); the product is never asked to print one.

mod common;
mod memory_support;
mod softhsm_support;

use std::ffi::OsString;
use std::path::Path;

use memory_support::needles::{self, Needle};
use memory_support::{Image, image_at_exit, list, readable_command, rootkey_bin};
use tempfile::TempDir;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// Runs rootkey ARGS under gdb, asserts exit 0, and asserts that none of `needles(OUTPUT)`
/// is in its memory at exit_group (`needles` is called after the run, when the shares exist).
fn no_secret_at_exit(what: &str, args: &[OsString], needles: impl FnOnce() -> Vec<Needle>) {
    let (ended, image) = image_at_exit(&rootkey_bin(), args, &[]);
    assert_eq!(
        ended.code, 0,
        "{what} failed:\n{}\n{}",
        ended.stdout, ended.stderr
    );
    let needles = needles();
    let hits = image.search(&needles);
    assert!(
        hits.is_empty(),
        "{what}: {} secret(s) left in memory at exit:\n{}",
        hits.len(),
        list(&hits)
    );
}

/// `rootkey rehearse`: a generation with two text shares and three paper shards (printpdf,
/// lopdf and qrcode render the share rows), then a rebuild from three shares.
#[test]
fn rehearse_leaves_no_secret_in_memory_at_exit() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("r");
    let args = vec!["rehearse".into(), "--out".into(), out.clone().into()];
    no_secret_at_exit("rootkey rehearse", &args, || {
        let envs = needles::envelopes(&out);
        assert_eq!(envs.len(), 5, "two share files and three paper shards");
        needles::ceremony(&envs, &out.join("root.pem"))
    });
}

/// The guided runner (`rootkey run --answers`) on a real generation plan with dice (the
/// rehearsal plan made real: rehearsals take no dice): the rolls come from the answers file
/// (read into locked memory, docs/formats.md "Answers file"), holders 3–5 get paper shards.
#[test]
fn guided_run_with_dice_leaves_no_secret_in_memory_at_exit() {
    let t = TempDir::new().unwrap();
    let plan = t.path().join("dice.toml");
    let text = rootkey::plan::REHEARSAL_PLAN
        .replace("\n[roles]\n", "\n[generation]\ndice = true\n\n[roles]\n")
        .replace("\nrehearsal = true\n", "\nrehearsal = false\n");
    // The rehearsal's rebuild (and its checklist step) is not part of a real generation.
    let cut = text
        .find("\n[[checklist]]\nby = \"witness\"\nafter = \"wipe-generated-key\"")
        .expect("the rehearsal plan's last checklist step");
    std::fs::write(&plan, &text[..cut]).unwrap();
    let rolls = rolls(100);
    let answers = t.path().join("answers.toml");
    std::fs::write(
        &answers,
        format!(
            "version = 1\nconfirmers = [\"Oscar Officer\", \"Wendy Witness\"]\n\n[answers]\n\
             checklist-1-initials = \"WW\"\ndice = \"{rolls}\"\nchecklist-8-initials = \"WW\"\n"
        ),
    )
    .unwrap();
    let out = t.path().join("r");
    let mut args = os(&["run"]);
    args.extend([plan.into(), "--answers".into(), answers.into()]);
    args.extend(["--out".into(), out.clone().into()]);
    args.extend(os(&[
        "--allow-persistent-output",
        "--i-understand-this-is-unattended",
        "--allow-network",
        common::TEST_NETWORK_EXCEPTION,
    ]));
    no_secret_at_exit("rootkey run --answers (dice)", &args, || {
        let envs = needles::envelopes(&out);
        assert_eq!(envs.len(), 5, "two share files and three paper shards");
        let mut n = needles::ceremony(&envs, &out.join("root.pem"));
        n.extend(needles::dice(&rolls));
        n
    });
}

/// `n` dice rolls from a fixed seed, in groups of ten separated by spaces.
fn rolls(n: usize) -> String {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    let mut rng = StdRng::seed_from_u64(0x5eed_d1ce);
    let digits: Vec<char> = (0..n)
        .map(|_| char::from(b'0' + rng.random_range(1..=6u8)))
        .collect();
    digits
        .chunks(10)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `combine`, `intermediate sign` and `crl sign` of a text rehearsal, each with three of its
/// shares (3, 4, 5: the rebuild needs the last share files read).
#[test]
fn quorum_ceremonies_leave_no_secret_in_memory_at_exit() {
    let r = common::rehearsal();
    let c = &r.c;
    let envs = needles::envelopes(r.dir.join("root").as_path());
    let secrets = || needles::ceremony(&envs, &c.root);
    let t = TempDir::new().unwrap();
    let net = ["--allow-network", common::TEST_NETWORK_EXCEPTION];
    let shares: Vec<String> = common::share_args(c, &[3, 4, 5]);

    let mut a = os(&["combine", "--out"]);
    a.push(t.path().join("combine").into());
    a.extend(
        os(&["--manifest"])
            .into_iter()
            .chain([c.manifest.clone().into()]),
    );
    a.extend(os(&["--root"]).into_iter().chain([c.root.clone().into()]));
    a.extend(c.shares[2..].iter().map(OsString::from));
    a.extend(os(&net));
    no_secret_at_exit("rootkey combine", &a, secrets);

    let csr = common::openssl_csr(t.path(), "int", "ed25519", common::CSR_SUBJECT);
    let hash = common::csr_der_sha256(&csr);
    let mut a: Vec<OsString> =
        common::intermediate_sign_args(c, &csr, &hash, &t.path().join("int"))
            .into_iter()
            .map(OsString::from)
            .collect();
    a.extend(common::CONFIRMERS.iter().map(OsString::from));
    a.extend(shares.iter().map(OsString::from));
    a.extend(os(&net));
    no_secret_at_exit("rootkey intermediate sign", &a, secrets);

    let mut a = os(&["crl", "sign", "--root"]);
    a.push(c.root.clone().into());
    a.extend(
        os(&["--manifest"])
            .into_iter()
            .chain([c.manifest.clone().into()]),
    );
    a.extend(
        os(&["--out"])
            .into_iter()
            .chain([t.path().join("crl").into()]),
    );
    a.extend(common::CONFIRMERS.iter().map(OsString::from));
    a.extend(shares.iter().map(OsString::from));
    a.extend(os(&["--first-crl"]));
    a.extend(os(&net));
    no_secret_at_exit("rootkey crl sign", &a, secrets);
}

/// The search can fail: a non-dumpable child (python3) that puts a pattern only into a
/// locked, MADV_DONTDUMP page is found there, at exit_group, and nowhere else.
#[test]
fn a_pattern_planted_in_locked_memory_of_a_non_dumpable_child_is_found() {
    let pattern = *b"PLANTED 07 G30M 2WX6 PJMN SECRET";
    // The child gets the pattern XORed with 0x55 and writes it byte by byte into the locked
    // page, so that no other copy of it exists in its memory.
    let masked: String = pattern
        .iter()
        .map(|b| format!("{:02x}", b ^ 0x55))
        .collect();
    let script = "import ctypes, mmap, os, sys\n\
libc = ctypes.CDLL(None, use_errno=True)\n\
assert libc.prctl(4, 0, 0, 0, 0) == 0  # PR_SET_DUMPABLE = 0, as rootkey does\n\
m = mmap.mmap(-1, 4096)\n\
addr = ctypes.addressof(ctypes.c_char.from_buffer(m))\n\
assert libc.mlock(ctypes.c_void_p(addr), ctypes.c_size_t(4096)) == 0\n\
m.madvise(mmap.MADV_DONTDUMP)\n\
for i, b in enumerate(bytes.fromhex(sys.argv[1])):\n    m[i] = b ^ 0x55\n\
os._exit(0)  # at once: the page is still mapped at exit_group\n";
    let python = Path::new("/usr/bin/python3");
    let args = vec!["-c".into(), script.into(), masked.into()];
    let (ended, image) = image_at_exit(python, &args, &[]);
    assert_eq!(ended.code, 0, "{}\n{}", ended.stdout, ended.stderr);
    let needles = [needles::needle("the planted pattern", &pattern)];
    let hits = image.search(&needles);
    assert_eq!(hits.len(), 1, "found:\n{}", list(&hits));
    assert!(
        hits[0].mapping.locked_and_dontdump(),
        "the page was locked and MADV_DONTDUMP: {}",
        hits[0].describe()
    );
}

/// Mid-ceremony: `rootkey combine --type` with share 1 from its file, share 3 typed row by row
/// at a pseudo-terminal; once share 3 is accepted and the first row of the next share is asked
/// for, the process is stopped (SIGSTOP) and read. The secrets it holds then (share 1's and
/// share 3's values) may be only in mappings that are locked (`lo`) and MADV_DONTDUMP (`dd`).
#[test]
fn mid_ceremony_secrets_are_only_in_locked_dontdump_memory() {
    use expectrl::{Eof, Expect, Session};
    use std::time::{Duration, Instant};

    let r = common::rehearsal();
    let c = &r.c;
    let envs = needles::envelopes(r.dir.join("root").as_path());
    let t = TempDir::new().unwrap();
    let mut rk = os(&["-c", "stty echo && exec \"$0\" \"$@\""]);
    rk.push(rootkey_bin().into());
    rk.extend(os(&["combine", "--out"]));
    rk.push(t.path().join("typed").into());
    rk.extend(
        os(&["--manifest"])
            .into_iter()
            .chain([c.manifest.clone().into()]),
    );
    rk.extend(os(&["--root"]).into_iter().chain([c.root.clone().into()]));
    rk.push(c.shares[0].clone().into());
    rk.extend(os(&["--type"]));
    let line = readable_command(Path::new("sh"), &rk);
    let mut cmd = std::process::Command::new(&line[0]);
    cmd.args(&line[1..]);
    let mut s = Session::spawn(cmd).unwrap();
    s.set_expect_timeout(Some(Duration::from_secs(30)));
    let rows: Vec<String> = std::fs::read_to_string(&c.shares[2])
        .unwrap()
        .lines()
        .filter(|l| l.len() == 17 && l.as_bytes()[2] == b' ')
        .map(str::to_string)
        .collect();
    assert_eq!(rows.len(), 13);
    for row in rows.iter().map(Some).chain([None]) {
        s.expect("/13: ").unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while s.get_process().get_echo().unwrap() {
            assert!(Instant::now() < deadline, "the terminal still echoes");
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Some(row) = row {
            s.send_line(row).unwrap();
        }
    }
    // Share 3 is accepted; rootkey waits for the first row of the next share.
    let pid = s.get_process().pid().as_raw() as u32;
    let kill = |sig: &str| {
        let st = std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap();
        assert!(st.success(), "kill {sig} {pid}");
    };
    kill("-STOP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap()
        .rsplit(')')
        .next()
        .is_some_and(|r| r.trim_start().starts_with('T'))
    {
        assert!(Instant::now() < deadline, "rootkey did not stop");
        std::thread::sleep(Duration::from_millis(5));
    }
    let image = Image::read(pid);
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap()
        .split_whitespace()
        .skip(4)
        .take(2)
        .collect::<Vec<_>>();
    assert_eq!(core, ["0", "0"], "RLIMIT_CORE is 0 mid-ceremony:\n{limits}");
    kill("-CONT");
    kill("-TERM");
    s.expect(Eof).unwrap();

    let n = needles::ceremony(&envs, &c.root);
    let hits = image.search(&n);
    let outside: Vec<_> = hits
        .iter()
        .filter(|h| !h.mapping.locked_and_dontdump())
        .collect();
    let mut report: Vec<String> = hits.iter().map(|h| h.describe()).collect();
    report.sort();
    report.dedup();
    eprintln!("mid-ceremony hits:\n{}", report.join("\n"));
    assert!(
        outside.is_empty(),
        "secrets outside locked, MADV_DONTDUMP memory mid-ceremony:\n{}",
        outside
            .iter()
            .map(|h| h.describe())
            .collect::<Vec<_>>()
            .join("\n")
    );
    for held in ["share 1's value", "share 3's value"] {
        assert!(
            hits.iter().any(|h| h.needle.what == held),
            "{held} is not in the image, although the ceremony holds it: the reader misses \
             locked memory"
        );
    }
}

/// A token read: holders 1 and 2 on SoftHSM2 tokens (tests/softhsm_support), holder 3 on a
/// text file; `rootkey combine --token-share 1 --token-share 2 SHARE-3` runs under gdb in a
/// pseudo-terminal, the PINs typed at its hidden prompts, and at exit_group neither the
/// token shares' values and rows (derived from shares 3–5 over GF(2^8), checked against the
/// manifest's envelope hashes) nor any other secret of the ceremony is in its memory.
#[test]
fn token_read_leaves_no_secret_in_memory_at_exit() {
    softhsm_support::in_softhsm(
        "token_read_leaves_no_secret_in_memory_at_exit",
        &TOKENS,
        token_read,
    );
}

const TOKENS: [&str; 2] = ["alice-token", "bob-token"];

fn token_read() {
    use expectrl::{Eof, Expect, Session};
    use std::time::{Duration, Instant};

    let t = TempDir::new().unwrap();
    let mut plan = rootkey::plan::REHEARSAL_PLAN.to_string();
    let module = softhsm_support::softhsm_module();
    for label in TOKENS {
        let at = plan.find("medium = \"text\"").unwrap();
        plan.replace_range(
            at..at + "medium = \"text\"".len(),
            &format!(
                "medium = \"pkcs11\"\n\n[holders.token]\nmodule = \"{}\"\nlabel = \"{label}\"",
                module.display()
            ),
        );
    }
    let plan = plan.replacen("medium = \"paper\"", "medium = \"text\"", 1);
    let plan_file = t.path().join("tokens.toml");
    std::fs::write(&plan_file, plan).unwrap();
    let out = t.path().join("gen");
    let g = common::pty::run_in_pty(
        &[
            "generate",
            "--plan",
            &common::s(&plan_file),
            "--out",
            &common::s(&out),
        ]
        .map(String::from),
        &[],
        &[softhsm_support::PIN, softhsm_support::PIN],
    );
    assert_eq!(g.code, 0, "{}", g.text);

    let mut args = os(&["combine", "--out"]);
    args.push(t.path().join("check").into());
    args.extend(
        os(&["--manifest"])
            .into_iter()
            .chain([out.join("manifest.json").into()]),
    );
    args.extend(
        os(&["--root"])
            .into_iter()
            .chain([out.join("root.pem").into()]),
    );
    args.extend(os(&[
        "--token-share",
        "1",
        "--token-share",
        "2",
        "--pkcs11-module",
    ]));
    args.push(module.into());
    args.push(out.join("share-03-carol-rehearsal.txt").into());
    args.extend(os(&["--allow-network", common::TEST_NETWORK_EXCEPTION]));
    let at = memory_support::AtExit::new();
    let mut s = Session::spawn(at.command(&rootkey_bin(), &args)).unwrap();
    s.set_expect_timeout(Some(Duration::from_secs(60)));
    for _ in TOKENS {
        if let Err(e) = s.expect("(hidden): ") {
            let mut buf = vec![0u8; 65536];
            let n = s.try_read(&mut buf).unwrap_or(0);
            panic!(
                "no PIN prompt ({e:?}); the screen: {}",
                String::from_utf8_lossy(&buf[..n])
            );
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while s.get_process().get_echo().unwrap() {
            assert!(Instant::now() < deadline, "the PIN prompt echoes");
            std::thread::sleep(Duration::from_millis(5));
        }
        // Under gdb the reader may still be between turning echo off (which flushes typed-ahead
        // input) and reading: give it time, as a person would, so the PIN is not flushed.
        std::thread::sleep(Duration::from_millis(500));
        s.send_line(softhsm_support::PIN).unwrap();
    }
    let mut screen = Vec::new();
    let image = at.image(|| {
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.try_read(&mut buf) {
            if n == 0 {
                return Some(String::from_utf8_lossy(&screen).into_owned());
            }
            screen.extend_from_slice(&buf[..n]);
        }
        None
    });
    s.expect(Eof).unwrap();
    assert_eq!(
        at.exit_code(),
        Some(0),
        "combine with token shares failed:\n{}",
        String::from_utf8_lossy(&screen)
    );

    let envs = needles::envelopes(&out);
    assert_eq!(envs.len(), 3, "share 3 (text) and shards 4 and 5 (paper)");
    let mut n = needles::ceremony(&envs, &out.join("root.pem"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    for x in [1u8, 2] {
        let value = needles::value_of_share(&envs, x);
        let env = needles::envelope_of(&envs, x, value.as_slice());
        assert_eq!(
            manifest["shares"][usize::from(x) - 1]["envelope_sha256"],
            hex::encode(env.digest()),
            "token share {x} derived from shares 3–5 is the one in the manifest"
        );
        n.extend(needles::share(&env));
    }
    let hits = image.search(&n);
    assert!(
        hits.is_empty(),
        "combine with token shares: {} secret(s) left in memory at exit:\n{}",
        hits.len(),
        list(&hits)
    );
}

/// The guided runner with token holders: `rootkey run --answers` of the rehearsal plan with
/// holders 1 and 2 on SoftHSM2 tokens (their PINs from the answers file) and 3–5 on text. At
/// exit_group neither the token shares (sealed to the tokens during the run) nor any other
/// secret of the ceremony is in its memory.
#[test]
fn guided_run_with_token_holders_leaves_no_secret_in_memory_at_exit() {
    softhsm_support::in_softhsm(
        "guided_run_with_token_holders_leaves_no_secret_in_memory_at_exit",
        &TOKENS,
        guided_run_with_tokens,
    );
}

fn guided_run_with_tokens() {
    let t = TempDir::new().unwrap();
    let plan_file = t.path().join("tokens.toml");
    std::fs::write(
        &plan_file,
        softhsm_support::rehearsal_plan_on_tokens(&TOKENS, 3),
    )
    .unwrap();
    let answers_file = t.path().join("answers.toml");
    let pin = format!("\"{}\"", softhsm_support::PIN);
    std::fs::write(
        &answers_file,
        softhsm_support::rehearsal_answers_on_two_tokens(&pin),
    )
    .unwrap();
    let out = t.path().join("r");
    let mut args = os(&["run"]);
    args.extend([plan_file.into(), "--answers".into(), answers_file.into()]);
    args.extend(["--out".into(), out.clone().into()]);
    args.extend(os(&["--allow-network", common::TEST_NETWORK_EXCEPTION]));
    no_secret_at_exit("rootkey run --answers (token holders)", &args, || {
        let envs = needles::envelopes(&out);
        assert_eq!(envs.len(), 3, "shares 3–5 are text files");
        let mut n = needles::ceremony(&envs, &out.join("root.pem"));
        for x in [1u8, 2] {
            let value = needles::value_of_share(&envs, x);
            n.extend(needles::share(&needles::envelope_of(
                &envs,
                x,
                value.as_slice(),
            )));
        }
        n
    });
}
