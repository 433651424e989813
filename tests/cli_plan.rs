//! `rootkey plan check` (issue 13, item 3): every shipped plan passes with a summary that fits
//! 80 columns; a broken plan is refused (exit 1) with an error naming the file, line and
//! column, and the next step — one case per kind of mistake.

use std::fs;
use std::path::Path;
use std::process::Command;

use rootkey::ceremony::script::{ScriptKind, script};
use rootkey::plan::Plan;

const SHIPPED: [&str; 5] = [
    "ceremony-scripts/root-generation.toml",
    "ceremony-scripts/intermediate-rotation.toml",
    "ceremony-scripts/crl.toml",
    "ceremony-scripts/share-audit.toml",
    "ceremony-scripts/rehearsal.toml",
];

/// `rootkey ARGS` run in `dir`: (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_shipped_plan_passes_with_a_summary_of_80_columns() {
    for rel in SHIPPED {
        let (code, out, err) = run_in(repo(), &["plan", "check", rel]);
        assert_eq!((code, err.as_str()), (0, ""), "{rel}: {out}");
        assert!(
            out.starts_with(&format!("plan {rel}: OK (plan v2)\n")),
            "{out}"
        );
        let plan = Plan::load(&repo().join(rel)).unwrap();
        let steps = script(&plan, ScriptKind::of(&plan)).unwrap();
        let critical = steps.iter().filter(|s| s.is_critical()).count();
        assert!(
            out.contains(&format!("  steps:     {} (", steps.len()))
                && out.contains(&format!("; {critical} critical)\n")),
            "{rel}: {out}"
        );
        assert!(
            out.ends_with(&format!(
                "  next step: print the room's script with\n    rootkey plan render {rel} --out script.pdf\n"
            )),
            "{out}"
        );
        // Every line but the command, shown whole to be copied.
        for line in out.lines().filter(|l| !l.starts_with("    rootkey ")) {
            assert!(line.chars().count() <= 80, "{rel}: {line:?}");
        }
    }
}

#[test]
fn the_root_generation_summary() {
    let (code, out, _) = run_in(repo(), &["plan", "check", SHIPPED[0]]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "plan ceremony-scripts/root-generation.toml: OK (plan v2)
  ceremony:  Example Corp root key generation
  kind:      Root key generation (real)
  quorum:    3 of 5 shares
  holders:   1. Security officer, jurisdiction A (yubikey)
             2. Security officer, jurisdiction B (yubikey)
             3. Legal counsel (paper shard)
             4. Chief technology officer (paper shard)
             5. Chief information security officer (paper shard)
  admin:     Ceremony officer
  officers:  Ceremony officer
  witness:   Witness
  confirm:   Ceremony officer, Witness
  steps:     23 (16 built-in, 7 checklist; 10 critical)
  next step: print the room's script with
    rootkey plan render ceremony-scripts/root-generation.toml --out script.pdf
"
    );
}

#[test]
fn a_v1_plan_still_passes() {
    let rel = "tests/fixtures/real-text-paper-plan.toml";
    let (code, out, err) = run_in(repo(), &["plan", "check", rel]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert!(
        out.starts_with(&format!("plan {rel}: OK (plan v1)\n")),
        "{out}"
    );
    assert!(
        out.contains("  steps:     14 (14 built-in, 0 checklist; 8 critical)\n"),
        "{out}"
    );
    assert!(
        out.contains("  note:      a v1 plan names no roles or checklist"),
        "{out}"
    );
    assert!(!out.contains("admin:"), "{out}");
}

const NEXT: &str = "  next step: correct the plan (its keys: docs/plans.md), then run `rootkey plan check` again\n";

/// One broken plan: the shipped `base` with `from` replaced by `to` (once), and the error
/// expected: `line` is that of the first line containing `at` in the edited text.
struct Broken {
    base: usize,
    from: &'static str,
    to: &'static str,
    at: &'static str,
    column: usize,
    message: &'static str,
    next: &'static str,
}

#[test]
fn a_broken_plan_is_refused_naming_line_and_column() {
    let steps_list = "start-ceremony, draw-seed, generate-root-key, split-seed, sign-root-certificate, write-token, receive-share, write-root-pem, write-manifest, seal-transcript, attest-transcript";
    let cases = [
        Broken {
            base: 0,
            from: "title = \"No network cable, Wi-Fi off\"",
            to: "title = \"No network cable, Wi-Fi off",
            at: "title = \"No network cable, Wi-Fi off",
            column: 37,
            message: "key checklist.title: invalid basic string, expected `\"`",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "version = 2",
            to: "version = 3",
            at: "version = 3",
            column: 11,
            message: "key version: plan version 3 is not known (rootkey reads versions 1 and 2)",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "kind = \"generation\"",
            to: "kind = \"generate\"",
            at: "kind = \"generate\"",
            column: 8,
            message: "key ceremony.kind: unknown variant `generate`, expected one of `generation`, `rotation`, `crl`, `share-audit`",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "version = 2\n",
            to: "\n",
            at: "kind = \"generation\"",
            column: 8,
            message: "key ceremony.kind: this is a plan v2 key, but the plan has no `version = 2` (put it on the first line, before any table)",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "witness = \"Witness\"",
            to: "witness = \"Wendy\"",
            at: "witness = \"Wendy\"",
            column: 11,
            message: "key roles.witness: \"Wendy\" is not the name of a participant",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "witness = \"Witness\"",
            to: "witness = \"Legal counsel\"",
            at: "witness = \"Legal counsel\"",
            column: 11,
            message: "key roles.witness: \"Legal counsel\" is not the name of a participant (a holder may not take this role)",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "confirmers = [\"Ceremony officer\", \"Witness\"]",
            to: "confirmers = [\"Witness\", \"Witness\"]",
            at: "confirmers = [",
            column: 26,
            message: "key roles.confirmers: \"Witness\" is named twice; two different people confirm",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "witness = \"Witness\"",
            to: "witness = \"Ceremony officer\"",
            at: "witness = \"Ceremony officer\"",
            column: 11,
            message: "key roles.witness: \"Ceremony officer\" is also the administrator or a crypto officer; the internal witness must be someone else",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "by = \"witness\"",
            to: "by = \"janitor\"",
            at: "by = \"janitor\"",
            column: 6,
            message: "key checklist.by: unknown variant `janitor`, expected one of `administrator`, `crypto-officer`, `witness`, `auditor`",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "by = \"administrator\"",
            to: "by = \"auditor\"",
            at: "by = \"auditor\"",
            column: 6,
            message: "key checklist.by: the plan names no auditor in [roles]",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "after = \"sign-root-certificate\"",
            to: "after = \"sign-root-certificate\"\nbefore = \"write-root-pem\"",
            at: "after = \"sign-root-certificate\"",
            column: 9,
            message: "key checklist.after: give `before` or `after`, not both",
            next: NEXT,
        },
        Broken {
            base: 0,
            from: "after = \"write-manifest\"",
            to: "after = \"write-shares\"",
            at: "after = \"write-shares\"",
            column: 9,
            message: "",
            next: "  next step: name one of the steps listed (docs/plans.md, \"Built-in steps\")\n",
        },
        Broken {
            base: 0,
            from: "before = \"start-ceremony\"",
            to: "before = \"Start ceremony\"",
            at: "before = \"Start ceremony\"",
            column: 10,
            message: "key checklist.before: \"Start ceremony\" is not a step id (kebab-case, e.g. \"generate-root-key\")",
            next: NEXT,
        },
        Broken {
            base: 1,
            from: "presenting = [1, 3, 4]",
            to: "presenting = [1, 3, 9]",
            at: "presenting = [1, 3, 9]",
            column: 21,
            message: "key rotation.presenting: 9 is not a share index (1 to 5)",
            next: NEXT,
        },
        Broken {
            base: 1,
            from: "presenting = [1, 3, 4]",
            to: "presenting = [1, 3]",
            at: "presenting = [1, 3]",
            column: 14,
            message: "key rotation.presenting: 2 share(s) listed, fewer than the threshold 3",
            next: NEXT,
        },
        Broken {
            base: 1,
            from: "csr = \"usb-csr/intermediate-2027.csr\"\n",
            to: "",
            at: "[rotation]",
            column: 1,
            message: "key rotation: missing field `csr`",
            next: NEXT,
        },
        Broken {
            base: 2,
            from: "previous-crl = \"crl-2026/root.crl\"",
            to: "previous-crl = \"crl-2026/root.crl\"\nfirst-crl = true",
            at: "previous-crl = ",
            column: 16,
            message: "key crl.previous-crl: give `previous-crl` or `first-crl = true`, not both",
            next: NEXT,
        },
        Broken {
            base: 2,
            from: "next-update-days = 180",
            to: "next-update-days = 400",
            at: "next-update-days = 400",
            column: 20,
            message: "key crl.next-update-days: 400 is not 1 to 365",
            next: NEXT,
        },
        Broken {
            base: 3,
            from: "[share-audit]",
            to: "[rotation]",
            at: "[rotation]",
            column: 1,
            message: "key rotation: missing field `csr`",
            next: NEXT,
        },
        Broken {
            base: 3,
            from: "kind = \"share-audit\"",
            to: "kind = \"crl\"",
            at: "[roles]",
            column: 1,
            message: "key roles.confirmers: a crl needs `confirmers`: the two people who confirm each critical step",
            next: NEXT,
        },
        Broken {
            base: 1,
            from: "kind = \"rotation\"",
            to: "kind = \"crl\"",
            at: "[rotation]",
            column: 1,
            message: "key rotation: a [rotation] table in a plan of kind \"crl\"",
            next: NEXT,
        },
    ];
    let t = tempfile::tempdir().unwrap();
    for c in cases {
        let base = fs::read_to_string(repo().join(SHIPPED[c.base])).unwrap();
        assert!(base.contains(c.from), "{}", c.from);
        let text = base.replacen(c.from, c.to, 1);
        let line = text.lines().position(|l| l.contains(c.at)).unwrap() + 1;
        let p = t.path().join("p.toml");
        fs::write(&p, &text).unwrap();
        let (code, out, err) = run_in(t.path(), &["plan", "check", "p.toml"]);
        let message = if c.message.is_empty() {
            format!(
                "key checklist.after: \"write-shares\" is not a step of this root key generation (its steps: {steps_list})"
            )
        } else {
            c.message.to_string()
        };
        assert_eq!(
            (code, out.as_str(), err),
            (
                1,
                "",
                format!(
                    "error: plan p.toml, line {line}, column {}, {message}\n{}",
                    c.column, c.next
                )
            ),
            "{} → {}",
            c.from,
            c.to
        );
        fs::remove_file(&p).unwrap();
    }
}

#[test]
fn a_missing_plan_and_a_missing_argument() {
    let t = tempfile::tempdir().unwrap();
    let (code, out, err) = run_in(t.path(), &["plan", "check", "nope.toml"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "error: cannot read plan nope.toml: No such file or directory (os error 2)\n  next step: check the plan's path (the shipped plans are in ceremony-scripts/)\n"
    );
    let (code, _, err) = run_in(t.path(), &["plan", "check"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("<PLAN>"), "{err}");
}

#[test]
fn a_broken_v1_plan_names_line_and_column_too() {
    let base = fs::read_to_string(repo().join("tests/fixtures/real-text-paper-plan.toml")).unwrap();
    // (from, to, the text on the line named, column, message)
    let cases = [
        (
            "threshold = 3",
            "threshold = 6",
            "threshold = 6",
            13,
            "threshold k = 6 is greater than the number of shares n = 5: no quorum could ever form",
        ),
        (
            "shares = 5",
            "shares = 17",
            "shares = 17",
            10,
            "17 shares requested, but at most 16 are supported",
        ),
        (
            "shares = 5",
            "shares = 4",
            "shares = 4",
            10,
            "[quorum] shares = 4 but 5 holders are listed",
        ),
        (
            "name = \"Example Corp root key generation\"",
            "name = \" \"",
            "name = \" \"",
            8,
            "ceremony.name is empty",
        ),
        (
            "name = \"Legal counsel\"",
            "name = \"Security officer, jurisdiction A\"",
            "name = \"Security officer, jurisdiction A\"\nrole = \"paper",
            8,
            "holders 1 and 3 are both named \"Security officer, jurisdiction A\"; each share needs its own holder",
        ),
        (
            "name = \"Witness\"",
            "name = \"Ceremony officer\"",
            "name = \"Ceremony officer\"\nrole = \"independent",
            8,
            "participants 1 and 2 are both named \"Ceremony officer\"",
        ),
    ];
    let t = tempfile::tempdir().unwrap();
    for (from, to, at, column, message) in cases {
        assert!(base.contains(from), "{from}");
        let text = base.replacen(from, to, 1);
        let line = text[..text.find(at).unwrap()].matches('\n').count() + 1;
        fs::write(t.path().join("p.toml"), &text).unwrap();
        let (code, out, err) = run_in(t.path(), &["plan", "check", "p.toml"]);
        assert_eq!(
            (code, out.as_str(), err),
            (
                1,
                "",
                format!("error: plan p.toml, line {line}, column {column}: {message}\n{NEXT}")
            ),
            "{from} → {to}"
        );
    }
}

/// `rootkey generate` refuses a plan of another kind before anything is made.
#[test]
fn generate_refuses_a_rotation_plan() {
    let t = tempfile::TempDir::new().unwrap();
    let out = t.path().join("out");
    let plan =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("ceremony-scripts/intermediate-rotation.toml");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .arg("generate")
        .arg("--plan")
        .arg(&plan)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "a plan of kind \"rotation\"; `rootkey generate` runs a plan of kind \"generation\""
        ),
        "{err}"
    );
    assert!(!out.exists(), "nothing was made");
}
