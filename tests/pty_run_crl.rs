//! `rootkey run PLAN` of a CRL plan through a pseudo-terminal of 80×24 (issue 13, item 2): the
//! parameters come from the plan's `[crl]` table, and each holder the plan lists in
//! `presenting` presents their share at their own step, on a cleared screen, as the plan's
//! medium for them says (a share file; paper shards by photos, a path that is not there asked
//! again). The screens carry the script's headers in order and fit 80 columns; the CRL
//! verifies with openssl; the transcript passes both verifiers. Three wrong shares stop the
//! ceremony at the holder's step, with an `aborted` entry and nothing signed. And the signing
//! plans `rootkey run` refuses before anything is created: `rehearsal = true`, no
//! `presenting`, inputs that are not where the plan says, a plan whose holders are not the
//! manifest's.

mod common;
mod signing_run_support;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::pty::{CLEAR, Pty, assert_fits_80_columns, headers, same_header, script_headers};
use signing_run_support::{
    confirm, entries, holder_screens, photo, rehearsal_root, signing_plan, verifies,
};
use tempfile::TempDir;

const CRL_TABLE: &str = "[crl]\nroot = \"../root/root.pem\"\nmanifest = \"../root/manifest.json\"\n\
                         first-crl = true\nrevoke = [\"3A9F04:keyCompromise\"]\n\
                         next-update-days = 30\npresenting = [2, 5, 3]\n";

#[test]
fn a_crl_plan_runs_with_each_holder_at_their_own_step() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    rehearsal_root(d);
    fs::create_dir_all(d.join("photos")).unwrap();
    for (i, name) in [(3, "carol"), (5, "erin")] {
        let pdf = d.join(format!("root/share-0{i}-{name}-rehearsal.pdf"));
        photo(&pdf, &d.join("photos"), name);
    }
    fs::create_dir_all(d.join("plans")).unwrap();
    let plan = d.join("plans/crl.toml");
    fs::write(&plan, signing_plan("crl", CRL_TABLE)).unwrap();
    let script = script_headers(&plan, d);
    assert_eq!(script.len(), 15, "{script:#?}");

    let mut p = Pty::spawn(&["run", "plans/crl.toml", "--out", "out"], d);
    let shown = p.answer(
        "Wendy Witness: once this is done, type your initials: ",
        "ww",
    );
    assert!(shown.contains("Step 1/15 · Witness (Wendy Witness) · No network cable"));
    p.expect("CERTIFICATE REVOCATION LIST TO BE SIGNED");
    confirm(&mut p);
    let shown = p.answer("  share file: ", "root/share-02-bob-rehearsal.txt");
    assert!(shown.contains("Holder 2 (Bob Rehearsal): type the path of your share file."));
    // A photo that is not there is named, and asked for again.
    let photo_prompt = "  photo (or Enter): ";
    let shown = p.answer(photo_prompt, "photos/erin.png");
    assert!(shown.contains("Holder 5 (Erin Rehearsal): type the path of a photo"));
    let shown = p.expect("  try 2 of 3: Erin Rehearsal presents share 5 again");
    assert!(shown.contains("photos/erin.png"), "{shown}");
    p.answer(photo_prompt, "photos/erin-1.png");
    let shown = p.answer(photo_prompt, "photos/carol-1.png");
    assert!(shown.contains("Holder 3 (Carol Rehearsal): type the path of a photo"));
    // The result is paged.
    p.answer_paging(
        "Wendy Witness: press Enter once this is done (Ctrl-C stops the ceremony): ",
        "",
    );
    let run = p.finish();
    let screen = run.text.replace("\r\n", "\n");
    assert_eq!(run.code, 0, "{screen}");

    let shown = headers(&screen);
    assert_eq!(shown.len(), script.len(), "{shown:#?}");
    for (s, full) in shown.iter().zip(&script) {
        assert!(same_header(s, full), "{s:?} for {full:?}");
    }
    let turns = holder_screens(&screen);
    let who = [
        ("7", "Bob Rehearsal", "Holder 2 ("),
        ("8", "Erin Rehearsal", "Holder 5 ("),
        ("9", "Carol Rehearsal", "Holder 3 ("),
    ];
    assert_eq!(turns.len(), who.len(), "{turns:#?}");
    for (turn, (n, name, prompt)) in turns.iter().zip(who) {
        assert!(
            turn.starts_with(&format!(
                "Step {n}/15 · Holder ({name}) · Present your share\n"
            )),
            "{turn}"
        );
        for other in ["Holder 2 (", "Holder 3 (", "Holder 5 ("] {
            assert_eq!(turn.contains(other), other == prompt, "{turn}");
        }
    }
    assert_fits_80_columns(&screen.replace(CLEAR, ""));

    let out = d.join("out");
    let o = Command::new("openssl")
        .args(["crl", "-inform", "DER", "-noout", "-in"])
        .arg(out.join("root.crl"))
        .arg("-CAfile")
        .arg(out.join("root.pem"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("verify OK"),
        "{o:?}"
    );
    verifies(&out);
    let es = entries(&out);
    let presented: Vec<u64> = es
        .iter()
        .filter(|e| e["action"] == "share-presented")
        .map(|e| e["details"]["index"].as_u64().unwrap())
        .collect();
    assert_eq!(presented, [2, 5, 3]);
    assert_eq!(es.last().unwrap()["action"], "seal");
}

/// `rootkey run PLAN --out OUT` in `dir`: exit 1, exactly `stderr`, and no `OUT`.
fn refused(dir: &Path, plan: &str, stderr: &str) {
    let out = dir.join("out");
    let r = common::rootkey([
        "run".as_ref(),
        dir.join(plan).as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!((r.code, r.stderr.as_str()), (1, stderr), "{r:?}");
    assert!(!out.exists());
}

#[test]
fn signing_plans_the_runner_cannot_follow_are_refused_before_anything_starts() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    rehearsal_root(d);
    fs::create_dir_all(d.join("plans")).unwrap();
    let write = |name: &str, text: String| {
        let p = d.join("plans").join(name);
        fs::write(&p, text).unwrap();
        p.display().to_string()
    };
    // A rehearsal of a signing plan: `rootkey rehearse --kind` is the rehearsal.
    let rehearsal = signing_plan("crl", CRL_TABLE).replace("rehearsal = false", "rehearsal = true");
    let path = write("rehearsal.toml", rehearsal);
    refused(
        d,
        "plans/rehearsal.toml",
        &format!(
            "error: plan {path}: rootkey run does not run a crl plan with rehearsal = true\n  \
             next step: for a throwaway rehearsal run `rootkey rehearse --kind crl --out DIR`; \
             to practise this plan's script, set rehearsal = false and point its root and \
             manifest at a rehearsal root (`rootkey rehearse --out DIR`)\n"
        ),
    );
    // The flags of a generation.
    let path = write("crl.toml", signing_plan("crl", CRL_TABLE));
    let out = d.join("out");
    let r = common::rootkey([
        "run".as_ref(),
        path.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        "--allow-persistent-output".as_ref(),
    ]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            format!(
                "error: plan {path}: --allow-persistent-output and --piv-attestation-root are \
                 for generation plans, and this is a crl plan\n  next step: run it without \
                 them: a signing ceremony writes no share\n"
            )
            .as_str()
        )
    );
    assert!(!out.exists());
    // Without `presenting`, nobody's turn is known.
    let table = CRL_TABLE.replace("presenting = [2, 5, 3]\n", "");
    let path = write("anyone.toml", signing_plan("crl", &table));
    refused(
        d,
        "plans/anyone.toml",
        &format!(
            "error: plan {path}: [crl] has no presenting list, so the runner cannot tell whose \
             turn each share step is\n  next step: add `presenting = [...]` to [crl]: the share \
             numbers of the holders who will present, in order (at least 3)\n"
        ),
    );
    // The shipped plan, away from the generation's files: their paths are the plan's.
    let shipped = common::repo_path("ceremony-scripts/crl.toml");
    let out = d.join("out");
    let r = common::rootkey([
        "run".as_ref(),
        shipped.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let root = shipped.parent().unwrap().join("root-2026/root.pem");
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            format!(
                "error: plan {}, [crl]: cannot read root certificate {}: No such file or \
                 directory (os error 2)\n  next step: the plan's [crl] root and manifest are \
                 relative to the plan file's directory: bring the generation's root.pem and \
                 manifest.json there, or correct the paths\n",
                shipped.display(),
                root.display()
            )
            .as_str()
        ),
        "{r:?}"
    );
    assert!(!out.exists());
    // A plan whose holders are not the generation's.
    let other = signing_plan("crl", CRL_TABLE).replace("Erin Rehearsal", "Erin Other");
    let path = write("other.toml", other);
    let manifest = d.join("plans/../root/manifest.json");
    refused(
        d,
        "plans/other.toml",
        &format!(
            "error: plan {path} and manifest {}: share 5's holder is \"Erin Other\" in the plan \
             but \"Erin Rehearsal\" in the manifest\n  next step: a signing plan lists the \
             generation's quorum and holders, in the generation's order: correct the plan, then \
             run `rootkey plan check` and run again\n",
            manifest.display()
        ),
    );
}

#[test]
fn three_wrong_shares_stop_the_ceremony_at_the_holders_step() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    rehearsal_root(d);
    fs::create_dir_all(d.join("plans")).unwrap();
    fs::write(d.join("plans/crl.toml"), signing_plan("crl", CRL_TABLE)).unwrap();
    let mut p = Pty::spawn(&["run", "plans/crl.toml", "--out", "out"], d);
    p.answer(
        "Wendy Witness: once this is done, type your initials: ",
        "WW",
    );
    confirm(&mut p);
    // Holder 2 brings holder 1's file, then a path that is not there, then holder 1's again.
    for (k, path) in [
        "root/share-01-alice-rehearsal.txt",
        "root/nothing.txt",
        "root/share-01-alice-rehearsal.txt",
    ]
    .iter()
    .enumerate()
    {
        p.answer("  share file: ", path);
        if k < 2 {
            p.expect(&format!(
                "  try {} of 3: Bob Rehearsal presents share 2 again",
                k + 2
            ));
        }
    }
    let run = p.finish();
    let screen = run.text.replace("\r\n", "\n");
    assert_eq!(run.code, 1, "{screen}");
    let out = d.join("out");
    let message = "holder 2 (Bob Rehearsal): 3 tries, and share 2 was not presented (the last: \
                   file root/share-01-alice-rehearsal.txt is share 1 (holder \"Alice Rehearsal\"), \
                   not share 2 (holder \"Bob Rehearsal\"))";
    // On the terminal the error is wrapped to 80 columns under its labels.
    assert!(
        screen.ends_with(&rootkey::console::wrap_error(
            &format!(
                "error: {message}\n  next step: Bob Rehearsal brings share 2 itself (its file, \
                 paper or token); out holds the aborted transcript of this run: keep it, and run \
                 again with a new --out directory\n"
            ),
            80
        )),
        "{screen}"
    );
    let es = entries(&out);
    let actions: Vec<&str> = es.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "header",
            // The witness's checklist step before start-ceremony, recorded (the plan's
            // participants head the header).
            "checklist-acknowledged",
            "context-loaded",
            "crl-prepared",
            "confirmed",
            "confirmed",
            "aborted"
        ]
    );
    // The entry numbers the built-in steps (6 of 13; on the screen and the script it is step
    // 7/15, with the checklist steps).
    assert_eq!(
        es[6]["details"]["reason"],
        format!("step 6/13 present-share-1 (Present your share): {message}")
    );
    // No key was rebuilt, nothing was signed.
    assert!(!out.join("root.crl").exists());
}
