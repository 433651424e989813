//! The pre-flight (issue 13, item 7): every ceremony shows its pre-flight screen on the
//! terminal — clock, network, swap, core dumps, memory lock, output file system, printer, each
//! OK or a PROBLEM with what to do, within 80 columns — and a real (non-rehearsal) ceremony
//! refuses to start with a network interface up unless the administrator records an exception
//! (`--allow-network REASON`, in the transcript's `preflight.network_exception`).
//!
//! CI containers usually have `eth0` up, a ceremony machine none: the tests read the
//! interfaces the way rootkey does and check the branch that applies.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Eof, Expect};
use serde_json::Value;
use tempfile::TempDir;

use common::{plan_toml, rootkey, s};

const BIN: &str = env!("CARGO_BIN_EXE_rootkey");
const REASON: &str = "CI container: eth0 is the build network";

/// Network interfaces up other than loopback, as `/sys/class/net/*/flags` says (IFF_UP set,
/// IFF_LOOPBACK not), sorted: what rootkey records and refuses.
fn interfaces_up() -> Vec<String> {
    let mut up: Vec<String> = fs::read_dir("/sys/class/net")
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    let f = fs::read_to_string(e.path().join("flags")).unwrap_or_default();
                    let f = u32::from_str_radix(f.trim().trim_start_matches("0x"), 16).unwrap_or(0);
                    f & 1 != 0 && f & 8 == 0
                })
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    up.sort();
    up
}

/// Runs `rootkey ARGS` in a pty (80×24) to its end: (exit code, the screen).
fn in_pty(args: &[&str]) -> (i32, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    let mut session = OsSession::spawn(cmd).unwrap();
    session.get_process_mut().set_window_size(80, 24).unwrap();
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    let all = session.expect(Eof).unwrap();
    let screen = String::from_utf8_lossy(all.as_bytes()).replace("\r\n", "\n");
    let code = match session.get_process().wait().unwrap() {
        WaitStatus::Exited(_, c) => c,
        other => panic!("{other:?}"),
    };
    (code, screen)
}

/// The pre-flight screen's lines in `screen` (its title and the seven lines after it).
fn preflight_lines(screen: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("Pre-flight ("))
        .unwrap_or_else(|| panic!("no pre-flight screen in {screen:?}"));
    lines[start..start + 9]
        .iter()
        .map(|l| l.to_string())
        .collect()
}

#[test]
fn a_rehearsal_shows_the_preflight_screen_within_80_columns() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("r");
    let (code, screen) = in_pty(&["rehearse", "--allow-unlocked-memory", "--out", &s(&out)]);
    assert_eq!(code, 0, "{screen}");
    let lines = preflight_lines(&screen);
    assert_eq!(
        lines[0],
        "Pre-flight (rehearsal): each line OK, or a PROBLEM and what to do"
    );
    for (line, label) in lines[1..].iter().zip([
        "clock",
        "network",
        "swap",
        "core dumps",
        "memory lock",
        "output",
        "tokens",
        "printer",
    ]) {
        assert!(
            line.starts_with(&format!("  {label:<13}")),
            "{label}: {line:?}"
        );
        assert!(line.chars().count() <= 80, "wider than 80: {line:?}");
    }
    assert!(lines.iter().all(|l| l.chars().count() <= 80), "{lines:?}");
    let up = interfaces_up();
    if up.is_empty() {
        assert_eq!(
            lines[2],
            "  network      OK      no interface up (loopback aside)"
        );
    } else {
        assert!(
            lines[2].starts_with(&format!("  network      PROBLEM {} up — ", up.join(", "))),
            "{:?}",
            lines[2]
        );
    }
    assert!(
        lines[1].starts_with("  clock                ")
            && lines[1].contains(" UTC — compare with a watch"),
        "{:?}",
        lines[1]
    );
    assert_eq!(
        lines[7],
        "  tokens               none used by this ceremony"
    );
    assert_eq!(
        lines[8],
        "  printer              none: no shard is printed by rootkey"
    );
    // A rehearsal is never refused: it ran to its seal.
    let last = fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    assert!(last.lines().last().unwrap().contains("\"action\":\"seal\""));
}

/// A real generation (text shares only) into `out`, with `extra` flags — run directly, not
/// through `common::rootkey` (which gives the test suite's network exception).
fn real_generation(dir: &Path, out: &Path, extra: &[&str]) -> common::Run {
    let plan = dir.join("real.toml");
    fs::write(&plan, plan_toml("Real ceremony", false, 2, 3, 3)).unwrap();
    let o = Command::new(BIN)
        .arg("generate")
        .arg("--plan")
        .arg(&plan)
        .arg("--out")
        .arg(out)
        .args(extra)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    common::Run {
        what: format!("rootkey generate {extra:?}"),
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn header(out: &Path) -> Value {
    let t = fs::read_to_string(out.join("transcript.jsonl")).unwrap();
    serde_json::from_str(t.lines().next().unwrap()).unwrap()
}

#[test]
fn a_real_ceremony_refuses_a_network_interface_up_unless_an_exception_is_recorded() {
    let t = TempDir::new().unwrap();
    let up = interfaces_up();
    let out = t.path().join("refused");
    let r = real_generation(t.path(), &out, &[]);
    if up.is_empty() {
        // An air-gapped machine: nothing to refuse, nothing excepted.
        r.code(0);
        assert!(
            header(&out)["details"]["preflight"]
                .get("network_exception")
                .is_none()
        );
        return;
    }
    assert_eq!(
        r.stderr,
        format!(
            "error: network interface(s) up: {} — a real ceremony starts only on an air-gapped machine; nothing was written\n  next step: unplug the network cable and turn Wi-Fi off (`ip link` lists the interfaces; `ip link set {} down`), then run again in a new, empty directory; or, if the administrator accepts it, run again with --allow-network \"REASON\" (recorded in the transcript)\n",
            up.join(", "),
            up[0]
        )
    );
    r.code(4);
    // Refused before --out is created: nothing is left behind, not even an empty directory.
    assert!(
        !out.exists(),
        "the refused ceremony left {} behind",
        out.display()
    );

    // The exception: the ceremony goes on and the transcript records it.
    let out = t.path().join("excepted");
    let r = real_generation(t.path(), &out, &["--allow-network", REASON]);
    r.code(0);
    assert_eq!(
        header(&out)["details"]["preflight"]["network_exception"],
        serde_json::json!({"interfaces": up, "reason": REASON})
    );
    let v = rootkey(["transcript", "verify", &s(&out.join("transcript.jsonl"))]);
    v.code(0).stdout_has(&[&format!(
        "network interface(s) up: {} (exception recorded: {REASON})",
        up.join(", ")
    )]);
    // The quorum ceremonies of this real root are refused the same way, before their --out
    // exists: a quorum check, and a CRL (the path of both signing ceremonies).
    let shares: Vec<String> = common::share_files(&out).iter().map(|p| s(p)).collect();
    let inputs = |verb: &[&str], dest: &Path| {
        let mut c = Command::new(BIN);
        c.args(verb)
            .arg("--manifest")
            .arg(out.join("manifest.json"))
            .arg("--root")
            .arg(out.join("root.pem"))
            .arg("--out")
            .arg(dest)
            .stdin(std::process::Stdio::null());
        for f in &shares {
            // combine takes share files as arguments, the signing ceremonies with --share.
            if verb[0] != "combine" {
                c.arg("--share");
            }
            c.arg(f);
        }
        c.output().unwrap()
    };
    for verb in [&["combine"][..], &["crl", "sign", "--first-crl"][..]] {
        let dest = t.path().join(format!("refused-{}", verb[0]));
        let o = inputs(verb, &dest);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(4), "{verb:?}: {err}");
        assert!(
            err.starts_with("error: network interface(s) up: "),
            "{verb:?}: {err}"
        );
        assert!(!dest.exists(), "{verb:?} left {} behind", dest.display());
    }
    // The independent verifier accepts it too.
    let py = Command::new("python3")
        .arg(common::repo_path(
            "tests/vectors/independent_transcript_check.py",
        ))
        .arg(out.join("transcript.jsonl"))
        .output();
    if let Ok(py) = py {
        assert_eq!(
            String::from_utf8_lossy(&py.stdout).trim(),
            "VALID SEALED",
            "{py:?}"
        );
    }
}

#[test]
fn a_blank_exception_is_refused_before_anything_is_recorded() {
    let t = TempDir::new().unwrap();
    let out = t.path().join("blank");
    let r = real_generation(t.path(), &out, &["--allow-network", "  "]);
    r.code(1);
    assert_eq!(
        r.stderr,
        "error: --allow-network: the reason must be 1 to 2000 characters of text, not blank, without control or invisible characters\n  next step: say why the ceremony may run with a network interface up, e.g. --allow-network \"internal wired link to the printer only\"\n"
    );
    assert!(!out.join("transcript.jsonl").exists());
}
