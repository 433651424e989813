//! The step lists of `rootkey::ceremony::steps` are true: every ceremony kind is run through
//! the real binary, and the transcript it writes holds exactly the entries its steps record,
//! in order, each written by the step's role (the tool, the holder, the confirmer). The
//! committed valid transcript vectors (made before the step lists existed) are checked the
//! same way.

mod common;

use std::fs;
use std::path::Path;

use rootkey::ceremony::steps::{self, Quorum, Role, RotationShape, Step};
use rootkey::transcript::TOOL_ACTOR;
use rootkey::transcript::event::Action;
use serde_json::Value;
use tempfile::TempDir;

use common::{Run, rehearsal as fixture, rootkey, s, transcript_entries};

/// Asserts that the transcript's entries are the records of `steps`, in order, and that each
/// entry's actors are the step's role: the tool for tool and officer steps, the holder named in
/// the details for holder steps (share `nth` for `receive-share`), the confirmer alone for
/// confirmer steps; that a `Write FILE` step wrote FILE; and that the entropy and the CSR hash
/// came from the dice and the keyboard exactly when the steps say the officer typed them.
fn assert_follows(what: &str, transcript: &[Value], steps: &[Step]) {
    let actions: Vec<&str> = transcript
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = steps::records(steps).iter().map(|a| a.as_str()).collect();
    assert_eq!(
        actions, expected,
        "{what}: transcript actions against steps"
    );
    let recording = steps.iter().filter(|s| s.records.is_some());
    for (i, (step, e)) in recording.zip(transcript).enumerate() {
        let at = format!("{what}: entry {i} ({}), step {}", e["action"], step.key());
        let actors: Vec<&str> = e["actors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let d = &e["details"];
        match step.role {
            Role::Tool | Role::Officer => assert_eq!(actors, [TOOL_ACTOR], "{at}"),
            Role::Holder => {
                let holder = d["holder"].as_str().unwrap();
                assert!(actors.contains(&holder), "{at}: actors {actors:?}");
                if step.id == "receive-share" || step.id == "write-token" {
                    assert_eq!(d["index"].as_u64(), step.nth.map(u64::from), "{at}");
                }
            }
            Role::Confirmer => assert_eq!(actors, [d["name"].as_str().unwrap()], "{at}"),
            Role::Witness => panic!("{at}: a witness step records nothing"),
        }
        // The officer's steps that write no entry of their own show in the entry after them.
        let has = |id: &str| steps.iter().any(|s| s.id == id);
        if step.records == Some(Action::Entropy) {
            let source = if has("type-dice") { "os+dice" } else { "os" };
            assert_eq!(d["source"], source, "{at}");
        }
        if step.records == Some(Action::CsrChecked) {
            let source = if has("type-csr-hash") {
                "typed"
            } else {
                "command-line"
            };
            assert_eq!(d["hash_source"], source, "{at}");
        }
        if step.records == Some(Action::ArtifactWritten) {
            assert_eq!(
                step.title,
                format!("Write {}", d["file"].as_str().unwrap()),
                "{at}"
            );
        }
    }
}

fn transcript_of(dir: &Path) -> Vec<Value> {
    transcript_entries(&dir.join("transcript.jsonl"))
}

#[test]
fn generation_follows_its_steps() {
    let f = fixture();
    let plan = rootkey::ceremony::rehearsal_plan().unwrap();
    assert_follows(
        "generate, rehearsal plan",
        &transcript_of(&f.dir.join("root")),
        &steps::generation(plan.quorum.shares, false),
    );
    // Another n: the share steps follow it.
    let p = f.dir.join("plan-2-of-3.toml");
    fs::write(&p, common::plan_toml("Steps", true, 2, 3, 3)).unwrap();
    let out = f.dir.join("gen-3");
    common::generate_run(&p, &out, &[]).ok();
    assert_follows(
        "generate, 2 of 3",
        &transcript_of(&out),
        &steps::generation(3, false),
    );
}

#[test]
fn rehearsal_follows_its_steps() {
    let d = TempDir::new().unwrap();
    let out = d.path().join("rehearsal");
    rootkey(["rehearse".as_ref(), "--out".as_ref(), out.as_os_str()]).ok();
    let plan = rootkey::ceremony::rehearsal_plan().unwrap();
    assert_follows(
        "rehearse",
        &transcript_of(&out),
        &steps::rehearsal(plan.quorum.shares, plan.quorum.threshold),
    );
}

#[test]
fn quorum_check_follows_its_steps() {
    let f = fixture();
    let c = &f.c;
    for (shares, q) in [
        (vec![1, 3, 5], Quorum::exact(3)),
        (
            vec![5, 4, 3, 2, 1],
            Quorum {
                threshold: 3,
                presented: 5,
            },
        ),
    ] {
        let out = f.dir.join(format!("combine-{}", shares.len()));
        let paths: Vec<&Path> = shares.iter().map(|&i| c.share(i)).collect();
        common::combine_into(&out, &c.manifest, &c.root, &paths, &c.secrets).ok();
        assert_follows(
            &format!("combine {shares:?}"),
            &transcript_of(&out),
            &steps::quorum_check(q),
        );
    }
}

/// `rootkey intermediate sign` with `--csr-sha256`, two `--confirm` and shares `shares`.
fn sign(csr: &Path, out: &Path, shares: &[usize], extra: &[&str]) -> Run {
    common::intermediate_sign(&fixture().c, csr, out, shares, extra)
}

#[test]
fn rotation_follows_its_steps() {
    let f = fixture();
    let work = f.dir.join("rotation");
    fs::create_dir_all(&work).unwrap();
    let csr1 = common::openssl_csr(&work, "y1", "p256", common::CSR_SUBJECT);
    let out1 = work.join("y1");
    sign(&csr1, &out1, &[1, 2, 3], &[]).ok();
    assert_follows(
        "intermediate sign",
        &transcript_of(&out1),
        &steps::intermediate(Quorum::exact(3), RotationShape::default()),
    );
    // With --previous and four shares: previous-checked and one share-checked.
    let csr2 = common::openssl_csr(&work, "y2", "p256", common::CSR_SUBJECT);
    let out2 = work.join("y2");
    let prev = s(&out1.join("intermediate.pem"));
    sign(&csr2, &out2, &[4, 2, 3, 5], &["--previous", &prev]).ok();
    assert_follows(
        "intermediate sign --previous, 4 shares",
        &transcript_of(&out2),
        &steps::intermediate(
            Quorum {
                threshold: 3,
                presented: 4,
            },
            RotationShape {
                previous: true,
                typed_hash: false,
            },
        ),
    );
}

#[test]
fn crl_follows_its_steps() {
    let f = fixture();
    let c = &f.c;
    let crl_sign =
        |out: &Path, shares: &[usize], extra: &[&str]| common::crl_sign(c, out, shares, extra);
    let c1 = f.dir.join("crl1");
    crl_sign(&c1, &[1, 2, 3], &["--first-crl"]).ok();
    assert_follows(
        "crl sign --first-crl",
        &transcript_of(&c1),
        &steps::crl(Quorum::exact(3), false),
    );
    // thisUpdate has whole seconds and must be after the previous CRL's.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let c2 = f.dir.join("crl2");
    let prev = s(&c1.join("root.crl"));
    crl_sign(&c2, &[1, 2, 3, 4, 5], &["--previous-crl", &prev]).ok();
    assert_follows(
        "crl sign --previous-crl, 5 shares",
        &transcript_of(&c2),
        &steps::crl(
            Quorum {
                threshold: 3,
                presented: 5,
            },
            true,
        ),
    );
}

/// The committed valid transcripts (tests/vectors, made before the step lists) follow the
/// steps of their kind, with the counts read from the transcript itself (n from the header,
/// shares presented, a previous intermediate or CRL).
#[test]
fn committed_valid_vectors_follow_their_steps() {
    let dir = common::repo_path("tests/vectors");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("transcript_valid") && n.ends_with(".jsonl"))
        .collect();
    names.sort();
    let mut kinds = Vec::new();
    for name in &names {
        let es = transcript_entries(&dir.join(name));
        let h = &es[0]["details"];
        let kind = h["ceremony"]["kind"].as_str().unwrap().to_string();
        let k = h["quorum"]["threshold"].as_u64().unwrap() as u8;
        let n = h["quorum"]["shares"].as_u64().unwrap() as u8;
        let count = |a: &str| es.iter().filter(|e| e["action"] == a).count();
        let q = Quorum {
            threshold: k,
            presented: count("share-presented") as u8,
        };
        // Token holders' `write-token` steps, where the transcript has their entries.
        let tokens: Vec<bool> = (1..=u64::from(n))
            .map(|i| {
                es.iter()
                    .any(|e| e["action"] == "token-written" && e["details"]["index"] == i)
            })
            .collect();
        let list = match kind.as_str() {
            "generation" => steps::generation_for(&tokens, false),
            "rehearsal" => steps::rehearsal_for(&tokens, k),
            "quorum-check" => steps::quorum_check(q),
            "rotation" => steps::intermediate(
                q,
                RotationShape {
                    previous: count("previous-checked") > 0,
                    typed_hash: false,
                },
            ),
            "crl" => steps::crl(q, count("previous-crl-checked") > 0),
            other => panic!("{name}: kind {other}"),
        };
        assert_follows(name, &es, &list);
        kinds.push(kind);
    }
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        ["crl", "generation", "quorum-check", "rehearsal", "rotation"],
        "a valid vector per kind"
    );
}
