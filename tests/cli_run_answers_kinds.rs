//! `rootkey run --answers` for the shipped plans of every kind: `intermediate-rotation.toml`,
//! `crl.toml` and `share-audit.toml` — their roles, participants, checklist steps and
//! presenting holders as shipped — pointed at a rehearsal root (its inputs and its holders,
//! which the runner checks against the manifest), and `root-generation.toml` as shipped but for
//! its two YubiKey holders, who get text shares (no YubiKey here; the token path is tested in
//! `tests/pty_token_*`). Each is answered entirely from an answers file (share paths, the CSR
//! hash, checklist initials, the two confirmers) and must end sealed (the audit: completed),
//! with the answers file recorded in the header, the checklist steps recorded, and both
//! verifiers agreeing. The shipped rehearsal plan's run is in `tests/cli_run_answers.rs`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use common::{rootkey, s};
use rootkey::ceremony::script::{ScriptKind, StepKind, script};
use rootkey::plan::Plan;

/// The rehearsal root's holders (name, medium) in share order.
const HOLDERS: [(&str, &str); 5] = [
    ("Alice Rehearsal", "text"),
    ("Bob Rehearsal", "text"),
    ("Carol Rehearsal", "paper"),
    ("Dave Rehearsal", "paper"),
    ("Erin Rehearsal", "paper"),
];

/// A rehearsal root in `d/root`, photos of its paper shards in `d/photos`.
fn rehearsal_root(d: &Path) {
    let root = d.join("root");
    let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), root.as_os_str()]);
    assert_eq!(r.code, 0, "{r:?}");
    fs::create_dir_all(d.join("photos")).unwrap();
    for (i, (name, medium)) in HOLDERS.iter().enumerate() {
        if *medium != "paper" {
            continue;
        }
        let first = name.split(' ').next().unwrap().to_lowercase();
        let pdf = d.join(format!("root/share-0{}-{first}-rehearsal.pdf", i + 1));
        let o = Command::new("pdftoppm")
            .args(["-r", "150", "-png", "-f", "1", "-l", "1"])
            .arg(&pdf)
            .arg(d.join("photos").join(&first))
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
    }
}

/// How holder `i` (1-based) of the rehearsal root presents: their share file or a photo.
fn source(d: &Path, i: usize) -> String {
    let (name, medium) = HOLDERS[i - 1];
    let first = name.split(' ').next().unwrap().to_lowercase();
    if medium == "text" {
        s(&d.join(format!("root/share-0{i}-{first}-rehearsal.txt")))
    } else {
        s(&d.join(format!("photos/{first}-1.png")))
    }
}

/// The shipped plan `file`, with its kind's table edited by `table` and its holders replaced
/// by the rehearsal root's (names and media as the manifest has them), written to `d`.
fn shipped_plan(d: &Path, file: &str, table: impl FnOnce(&mut toml::Table)) -> PathBuf {
    let text = fs::read_to_string(common::repo_path(&format!("ceremony-scripts/{file}"))).unwrap();
    let mut doc: toml::Table = text.parse().unwrap();
    let holders: Vec<toml::Value> = HOLDERS
        .iter()
        .map(|(name, medium)| {
            let mut h = toml::Table::new();
            h.insert("name".into(), (*name).into());
            h.insert("role".into(), "share holder".into());
            h.insert("medium".into(), (*medium).into());
            toml::Value::Table(h)
        })
        .collect();
    doc.insert("holders".into(), toml::Value::Array(holders));
    let kind = doc["ceremony"]["kind"].as_str().unwrap().to_string();
    let t = doc.get_mut(&kind).unwrap().as_table_mut().unwrap();
    t.insert("root".into(), s(&d.join("root/root.pem")).into());
    t.insert("manifest".into(), s(&d.join("root/manifest.json")).into());
    table(t);
    // `version` first, as a plan v2 has it.
    doc.remove("version");
    let p = d.join(file);
    fs::write(
        &p,
        format!("version = 2\n{}", toml::to_string(&doc).unwrap()),
    )
    .unwrap();
    p
}

/// The answers file for `plan`: `extra` answers, the initials of every checklist step before
/// the seal, Enter for those after it, and the plan's two confirmers.
fn answers(d: &Path, plan: &Path, extra: &[(String, String)]) -> PathBuf {
    let p = Plan::load(plan).unwrap();
    let steps = script(&p, ScriptKind::of(&p)).unwrap();
    let mut sealed = false;
    let mut lines = Vec::new();
    for st in &steps {
        match st.kind {
            StepKind::Builtin { .. } => {
                sealed |= st.key == "seal-transcript" || st.key == "complete-audit"
            }
            StepKind::Checklist if sealed => {
                lines.push(format!("checklist-{}-done = \"\"", st.number))
            }
            StepKind::Checklist => lines.push(format!(
                "checklist-{}-initials = \"{}\"",
                st.number,
                rootkey::transcript::event::initials_of(st.person.as_deref().unwrap())
            )),
        }
    }
    for (k, v) in extra {
        lines.push(format!("{k} = \"{v}\""));
    }
    let confirmers =
        p.v2.as_ref()
            .map(|v| v.roles.confirmers.clone())
            .unwrap_or_default();
    let head = if confirmers.is_empty() {
        String::new()
    } else {
        format!(
            "confirmers = [\"{}\", \"{}\"]\n",
            confirmers[0], confirmers[1]
        )
    };
    let a = d.join("answers.toml");
    fs::write(
        &a,
        format!("version = 1\n{head}\n[answers]\n{}\n", lines.join("\n")),
    )
    .unwrap();
    a
}

/// `rootkey run PLAN --answers A --i-understand-this-is-unattended --out D/out`.
fn run(d: &Path, plan: &Path, answers: &Path) -> common::Run {
    rootkey([
        "run".as_ref(),
        plan.as_os_str(),
        "--answers".as_ref(),
        answers.as_os_str(),
        "--i-understand-this-is-unattended".as_ref(),
        "--out".as_ref(),
        d.join("out").as_os_str(),
    ])
}

fn entries(out: &Path) -> Vec<Value> {
    fs::read_to_string(out.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The header records the answers file; every checklist step before the seal is recorded.
fn recorded(out: &Path, plan: &Path, answers: &Path) {
    let es = entries(out);
    let a = &es[0]["details"]["preflight"]["answers_file"];
    assert_eq!(a["file"], "answers.toml", "{}", es[0]);
    assert_eq!(a["unattended"], true);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        fs::read(answers).unwrap(),
    ));
    assert_eq!(a["sha256"], sha.as_str());
    let p = Plan::load(plan).unwrap();
    let steps = script(&p, ScriptKind::of(&p)).unwrap();
    // The seal ends a signing ceremony, `audit-completed` an audit: nothing is recorded after.
    let seal = steps
        .iter()
        .position(|s| s.key == "seal-transcript" || s.key == "complete-audit");
    let want: Vec<u64> = steps
        .iter()
        .enumerate()
        .filter(|(i, s)| s.kind == StepKind::Checklist && seal.is_none_or(|k| *i < k))
        .map(|(_, s)| s.number as u64)
        .collect();
    let got: Vec<u64> = es
        .iter()
        .filter(|e| e["action"] == "checklist-acknowledged")
        .map(|e| e["details"]["step"].as_u64().unwrap())
        .collect();
    assert_eq!(got, want);
}

/// Both verifiers: rootkey's exit code and the Python verifier's first line.
fn verdicts(out: &Path) -> (i32, String) {
    let t = out.join("transcript.jsonl");
    let r = rootkey(["transcript".as_ref(), "verify".as_ref(), t.as_os_str()]);
    let py = Command::new("python3")
        .arg(common::repo_path(
            "tests/vectors/independent_transcript_check.py",
        ))
        .arg(&t)
        .output()
        .unwrap();
    let first = String::from_utf8_lossy(&py.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    (r.code, first)
}

#[test]
fn the_shipped_rotation_plan_runs_from_an_answers_file() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    rehearsal_root(d);
    let csr = common::openssl_csr(d, "vault", "p256", common::CSR_SUBJECT);
    let hash = common::csr_der_sha256(&csr);
    let plan = shipped_plan(d, "intermediate-rotation.toml", |t| {
        t.insert("csr".into(), s(&csr).into());
        t.insert(
            "profile".into(),
            s(&common::repo_path("templates/intermediate.toml")).into(),
        );
        // No previous intermediate under a fresh rehearsal root.
        t.remove("previous");
    });
    // The shipped plan's presenting holders: 1, 3 and 4.
    let extra = vec![
        ("csr-sha256".to_string(), hash),
        ("share-1-source".to_string(), source(d, 1)),
        ("share-3-source".to_string(), source(d, 3)),
        ("share-4-source".to_string(), source(d, 4)),
    ];
    let a = answers(d, &plan, &extra);
    let r = run(d, &plan, &a);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("INTERMEDIATE SIGNED"), "{}", r.stdout);
    let out = d.join("out");
    recorded(&out, &plan, &a);
    assert_eq!(verdicts(&out), (0, "VALID SEALED".to_string()));
    let o = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(out.join("root.pem"))
        .arg(out.join("intermediate.pem"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
}

#[test]
fn the_shipped_crl_plan_runs_from_an_answers_file() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    rehearsal_root(d);
    let plan = shipped_plan(d, "crl.toml", |t| {
        // The first CRL of a fresh rehearsal root.
        t.remove("previous-crl");
        t.insert("first-crl".into(), true.into());
    });
    // The shipped plan's presenting holders: 2, 3 and 5.
    let extra = vec![
        ("share-2-source".to_string(), source(d, 2)),
        ("share-3-source".to_string(), source(d, 3)),
        ("share-5-source".to_string(), source(d, 5)),
    ];
    let a = answers(d, &plan, &extra);
    let r = run(d, &plan, &a);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("CRL SIGNED"), "{}", r.stdout);
    let out = d.join("out");
    recorded(&out, &plan, &a);
    assert_eq!(verdicts(&out), (0, "VALID SEALED".to_string()));
}

#[test]
fn the_shipped_share_audit_plan_runs_from_an_answers_file() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    rehearsal_root(d);
    let plan = shipped_plan(d, "share-audit.toml", |_| {});
    // Holders 1–4 prove their shares; holder 5 does not come (an empty answer).
    let mut extra: Vec<(String, String)> = (1..=4)
        .map(|i| (format!("share-{i}-source"), source(d, i)))
        .collect();
    extra.push(("share-5-source".to_string(), String::new()));
    let a = answers(d, &plan, &extra);
    let r = run(d, &plan, &a);
    // A holder absent: the audit completes, but not every share was proved.
    assert_eq!(r.code, 1, "{r:?}");
    let out = d.join("out");
    recorded(&out, &plan, &a);
    let es = entries(&out);
    let last = es.last().unwrap();
    assert_eq!(last["action"], "audit-completed", "{last}");
    let proved = es
        .iter()
        .filter(|e| e["action"] == "share-presented")
        .count();
    assert_eq!(proved, 4);
    // Complete, not sealed: valid and unsealed until the witnesses attest it.
    let (code, py) = verdicts(&out);
    assert_eq!(code, 3);
    assert!(py.starts_with("VALID"), "{py}");
}

#[test]
fn the_shipped_root_generation_plan_runs_from_an_answers_file() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    // The shipped plan as it is — people, roles, checklist, profile (made absolute) — but for
    // the holders' media: its two YubiKey holders get text shares (no YubiKey on this machine).
    let text =
        fs::read_to_string(common::repo_path("ceremony-scripts/root-generation.toml")).unwrap();
    let mut doc: toml::Table = text.parse().unwrap();
    for h in doc["holders"].as_array_mut().unwrap() {
        let h = h.as_table_mut().unwrap();
        if h["medium"].as_str() == Some("yubikey") {
            h.insert("medium".into(), "text".into());
            h.remove("token");
        }
    }
    let g = doc.get_mut("generation").unwrap().as_table_mut().unwrap();
    g.insert(
        "profile".into(),
        s(&common::repo_path("templates/root.toml")).into(),
    );
    doc.remove("version");
    let plan = d.join("root-generation.toml");
    fs::write(
        &plan,
        format!("version = 2\n{}", toml::to_string(&doc).unwrap()),
    )
    .unwrap();
    let a = answers(d, &plan, &[]);
    let r = rootkey([
        "--allow-network".as_ref(),
        common::TEST_NETWORK_EXCEPTION.as_ref(),
        "run".as_ref(),
        plan.as_os_str(),
        "--answers".as_ref(),
        a.as_os_str(),
        "--i-understand-this-is-unattended".as_ref(),
        "--allow-persistent-output".as_ref(),
        "--out".as_ref(),
        d.join("out").as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let out = d.join("out");
    recorded(&out, &plan, &a);
    assert_eq!(verdicts(&out), (0, "VALID SEALED".to_string()));
    // A real root: the header says so, and the answers file's use was acknowledged.
    let es = entries(&out);
    assert_eq!(
        es[0]["details"]["ceremony"]["rehearsal"], false,
        "{}",
        es[0]
    );
    // Holders 1–2 get text shares, 3–5 paper shard PDFs.
    let mut shares: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("share-0"))
        .collect();
    shares.sort();
    let kinds: Vec<&str> = shares
        .iter()
        .map(|n| n.rsplit('.').next().unwrap())
        .collect();
    assert_eq!(kinds, ["txt", "txt", "pdf", "pdf", "pdf"], "{shares:?}");
}
