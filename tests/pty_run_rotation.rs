//! `rootkey run PLAN` of a rotation plan through a pseudo-terminal of 80×24 (issue 13, items 2
//! and 10): the parameters come from the plan's `[rotation]` table (paths relative to the
//! plan), the CSR hash is typed first, the two confirmations are typed, and each holder the
//! plan lists in `presenting` presents their share at their own step, on a cleared screen, as
//! the plan's medium for them says — a share file by its path (another holder's file is
//! refused and asked again), a paper shard by a photo of its QR code, a paper shard by its
//! rows typed at hidden prompts. The screens carry the script's headers in order and fit 80
//! columns; the intermediate verifies with openssl; the transcript passes both verifiers.
//! Token holders (SoftHSM2, `tests/softhsm_support`) are told which token to insert and type
//! its PIN at a hidden prompt at their own step.

mod common;
mod signing_run_support;
mod softhsm_support;

use std::fs;
use std::process::Command;

use common::pty::{CLEAR, Pty, assert_fits_80_columns, headers, same_header, script_headers};
use signing_run_support::{
    confirm, entries, holder_screens, photo, printed_rows, rehearsal_root, signing_plan, verifies,
};
use softhsm_support::PIN;
use tempfile::TempDir;

#[test]
fn a_rotation_plan_runs_with_each_holder_at_their_own_step() {
    let t = TempDir::new().unwrap();
    let d = t.path();
    rehearsal_root(d);
    fs::create_dir_all(d.join("csr")).unwrap();
    let csr = common::openssl_csr(&d.join("csr"), "vault", "p256", common::CSR_SUBJECT);
    let hash = common::csr_der_sha256(&csr);
    fs::copy(
        common::repo_path("templates/intermediate.toml"),
        d.join("intermediate.toml"),
    )
    .unwrap();
    fs::create_dir_all(d.join("photos")).unwrap();
    photo(
        &d.join("root/share-03-carol-rehearsal.pdf"),
        &d.join("photos"),
        "carol",
    );
    let rows = printed_rows(&d.join("root/share-04-dave-rehearsal.pdf"));
    // The plan in its own directory: its paths are relative to it.
    fs::create_dir_all(d.join("plans")).unwrap();
    let plan = d.join("plans/rotation.toml");
    let table = "[rotation]\nroot = \"../root/root.pem\"\nmanifest = \"../root/manifest.json\"\n\
                 csr = \"../csr/vault.csr\"\nprofile = \"../intermediate.toml\"\n\
                 presenting = [1, 3, 4]\n\n\
                 [[checklist]]\nby = \"administrator\"\nbefore = \"type-csr-hash\"\n\
                 title = \"Call the requester for the CSR hash\"\n\
                 text = \"Administrator calls the requester, who reads the CSR's SHA-256 aloud\"\n";
    fs::write(&plan, signing_plan("rotation", table)).unwrap();
    let script = script_headers(&plan, d);
    assert_eq!(script.len(), 18, "{script:#?}");

    // Holders type their paths relative to where rootkey runs.
    let mut p = Pty::spawn(&["run", "plans/rotation.toml", "--out", "out"], d);
    let shown = p.answer(
        "Oscar Officer: once this is done, type your initials: ",
        "OO",
    );
    assert!(shown.contains("Step 1/18 · "), "{shown}");
    // The CSR hash is typed first (before the ceremony starts), then the witness's check.
    let shown = p.answer(
        "Type the CSR's SHA-256 as delivered out of band (64 hex digits): ",
        &hash,
    );
    assert!(shown.contains("Step 2/18 · Crypto officer (Oscar Officer) · Type the CSR hash"));
    p.answer(
        "Wendy Witness: once this is done, type your initials: ",
        "WW",
    );
    confirm(&mut p);
    // Holder 1 picks up holder 2's file first: refused alone, asked again.
    let file_prompt =
        "Holder 1 (Alice Rehearsal): type the path of your share file.\r\n  share file: ";
    p.answer(file_prompt, "root/share-02-bob-rehearsal.txt");
    p.expect("  try 2 of 3: Alice Rehearsal presents share 1 again");
    p.answer(file_prompt, "root/share-01-alice-rehearsal.txt");
    let paper = "  photo (or Enter): ";
    // A photo without a QR code: refused with what was seen and what to try, asked again.
    image::GrayImage::from_pixel(300, 300, image::Luma([255]))
        .save(d.join("photos/blank.png"))
        .unwrap();
    let shown = p.answer(paper, "photos/blank.png");
    assert!(shown.contains("Holder 3 (Carol Rehearsal): type the path of a photo"));
    let refused = p.expect("  try 2 of 3: Carol Rehearsal presents share 3 again");
    let flat = common::pty::flat(&refused);
    assert!(
        flat.contains("no QR code found (finder patterns seen: 0 of 3)"),
        "{refused}"
    );
    assert!(
        flat.contains("what to try: photograph again: closer"),
        "{refused}"
    );
    assert!(flat.contains("or type the rows instead"), "{refused}");
    p.answer(paper, "photos/carol-1.png");
    let shown = p.answer(paper, "");
    assert!(shown.contains("Holder 4 (Dave Rehearsal): type the path of a photo"));
    p.expect("Share 4: scan its QR code");
    for (i, row) in rows.iter().enumerate() {
        p.hidden(&format!("row {:>2}/13: ", i + 1), row);
    }
    // The result is paged.
    p.answer_paging(
        "Wendy Witness: press Enter once this is done (Ctrl-C stops the ceremony): ",
        "",
    );
    let run = p.finish();
    let screen = run.text.replace("\r\n", "\n");
    assert_eq!(run.code, 0, "{screen}");

    // The headers are the printed script's, in order, each once.
    let shown = headers(&screen);
    assert_eq!(shown.len(), script.len(), "{shown:#?}");
    for (s, full) in shown.iter().zip(&script) {
        assert!(same_header(s, full), "{s:?} for {full:?}");
    }
    // One holder per screen: each turn starts on a cleared screen with its header, and
    // shows only that holder's prompt.
    let turns = holder_screens(&screen);
    let who = [
        ("10", "Alice Rehearsal", "Holder 1 ("),
        ("11", "Carol Rehearsal", "Holder 3 ("),
        ("12", "Dave Rehearsal", "Holder 4 ("),
    ];
    assert_eq!(turns.len(), who.len(), "{turns:#?}");
    for (turn, (n, name, prompt)) in turns.iter().zip(who) {
        assert!(
            turn.starts_with(&format!(
                "Step {n}/18 · Holder ({name}) · Present your share\n"
            )),
            "{turn}"
        );
        assert!(turn.contains(prompt), "{turn}");
        for other in ["Holder 1 (", "Holder 3 (", "Holder 4 ("] {
            assert!(other == prompt || !turn.contains(other), "{turn}");
        }
    }
    assert!(turns[0].contains(
        "file root/share-02-bob-rehearsal.txt is share 2 (holder \"Bob Rehearsal\"), not\nshare 1 (holder \"Alice Rehearsal\")"
    ));
    // Typed rows are never shown; every line rootkey writes fits the screen (the 64 digits
    // typed after the 65-column hash prompt are the terminal's echo, wrapped by it).
    for row in &rows {
        assert!(!screen.contains(&row[3..]), "row {row} on screen");
    }
    assert_fits_80_columns(&screen.replace(CLEAR, "").replace(&hash, ""));

    let out = d.join("out");
    let o = Command::new("openssl")
        .args(["verify", "-CAfile"])
        .arg(out.join("root.pem"))
        .arg(out.join("intermediate.pem"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    verifies(&out);
    let es = entries(&out);
    let presented: Vec<(String, u64, String)> = es
        .iter()
        .filter(|e| e["action"] == "share-presented")
        .map(|e| {
            (
                e["actors"][0].as_str().unwrap().to_string(),
                e["details"]["index"].as_u64().unwrap(),
                e["details"]["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        presented,
        [
            (
                "Alice Rehearsal".into(),
                1,
                "share-01-alice-rehearsal.txt".into()
            ),
            ("Carol Rehearsal".into(), 3, "carol-1.png".into()),
            ("Dave Rehearsal".into(), 4, "-".into()),
        ]
    );
    // Each holder's screen names the transcript entry their share is recorded in.
    for (turn, (name, _, _)) in turns.iter().zip(&presented) {
        let k: usize = turn
            .split("transcript entry #")
            .nth(1)
            .and_then(|r| r.split('\n').next())
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(es[k]["action"], "share-presented", "{turn}");
        assert_eq!(es[k]["actors"][0], name.as_str(), "{turn}");
    }
    // The plan's participants head the header, and the checklist steps acknowledged before the
    // transcript existed (type-csr-hash comes first) are recorded right after it.
    let acks: Vec<&serde_json::Value> = es
        .iter()
        .filter(|e| e["action"] == "checklist-acknowledged")
        .collect();
    let who: Vec<(&str, &str, u64)> = acks
        .iter()
        .map(|e| {
            (
                e["actors"][0].as_str().unwrap(),
                e["details"]["initials"].as_str().unwrap(),
                e["details"]["step"].as_u64().unwrap(),
            )
        })
        .collect();
    // The administrator's call (step 1) and the witness's check (step 3, before
    // start-ceremony) both stand just after the header.
    assert_eq!(
        who,
        [("Oscar Officer", "OO", 1), ("Wendy Witness", "WW", 3)]
    );
    assert_eq!(es[1]["action"], "checklist-acknowledged");
    assert_eq!(es[2]["action"], "checklist-acknowledged");
    assert_eq!(
        es[0]["details"]["participants"][0]["name"], "Oscar Officer",
        "{}",
        es[0]
    );
    assert!(es[0]["details"]["participants"][0]["share"].is_null());
    assert_eq!(es.last().unwrap()["action"], "seal");
}

const LABELS: [&str; 2] = ["alice-token", "bob-token"];

/// `text` (a plan) with holders 1 and 2 on the SoftHSM2 tokens of [`LABELS`].
fn on_tokens(mut text: String, medium_line: &str) -> String {
    let module = softhsm_support::softhsm_module();
    for label in LABELS {
        let at = text.find(medium_line).unwrap();
        text.replace_range(
            at..at + medium_line.len(),
            &format!(
                "medium = \"pkcs11\"\n\n[holders.token]\nmodule = \"{}\"\nlabel = \"{label}\"",
                module.display()
            ),
        );
    }
    text
}

#[test]
fn token_holders_type_their_pin_at_their_own_step() {
    softhsm_support::in_softhsm(
        "token_holders_type_their_pin_at_their_own_step",
        &LABELS,
        || {
            let t = TempDir::new().unwrap();
            let d = t.path();
            // The generation: holders 1 and 2 on tokens (each types the PIN), 3–5 on paper.
            let gen_plan = d.join("tokens.toml");
            let text = on_tokens(
                rootkey::plan::REHEARSAL_PLAN.to_string(),
                "medium = \"text\"",
            );
            fs::write(&gen_plan, text).unwrap();
            let args = [
                "generate".to_string(),
                "--plan".into(),
                gen_plan.display().to_string(),
                "--out".into(),
                d.join("root").display().to_string(),
            ];
            let g = common::pty::run_in_pty(&args, &[], &[PIN, PIN]);
            assert_eq!(g.code, 0, "{}", g.text);
            fs::create_dir_all(d.join("photos")).unwrap();
            photo(
                &d.join("root/share-03-carol-rehearsal.pdf"),
                &d.join("photos"),
                "carol",
            );
            fs::create_dir_all(d.join("csr")).unwrap();
            let csr = common::openssl_csr(&d.join("csr"), "vault", "p256", common::CSR_SUBJECT);
            let hash = common::csr_der_sha256(&csr);
            fs::copy(
                common::repo_path("templates/intermediate.toml"),
                d.join("intermediate.toml"),
            )
            .unwrap();
            // The hash is in the plan: no type-csr-hash step.
            let table = format!(
                "[rotation]\nroot = \"root/root.pem\"\nmanifest = \"root/manifest.json\"\n\
                 csr = \"csr/vault.csr\"\ncsr-sha256 = \"{hash}\"\n\
                 profile = \"intermediate.toml\"\npresenting = [1, 2, 3]\n"
            );
            let plan = d.join("rotation.toml");
            let text = on_tokens(signing_plan("rotation", &table), "medium = \"text\"");
            fs::write(&plan, text).unwrap();
            let script = script_headers(&plan, d);
            assert_eq!(script.len(), 16, "{script:#?}");

            let mut p = Pty::spawn(&["run", "rotation.toml", "--out", "out"], d);
            p.answer(
                "Wendy Witness: once this is done, type your initials: ",
                "WW",
            );
            confirm(&mut p);
            let first = p.hidden("(hidden): ", PIN);
            assert!(
                first.contains("Step 8/16 · Holder (Alice Rehearsal)"),
                "{first}"
            );
            p.hidden("(hidden): ", PIN);
            p.answer("  photo (or Enter): ", "photos/carol-1.png");
            p.answer_paging(
                "Wendy Witness: press Enter once this is done (Ctrl-C stops the ceremony): ",
                "",
            );
            let run = p.finish();
            let screen = run.text.replace("\r\n", "\n");
            assert_eq!(run.code, 0, "{screen}");
            assert!(!screen.contains(PIN), "the PIN was echoed:\n{screen}");
            let shown = headers(&screen);
            assert_eq!(shown.len(), script.len(), "{shown:#?}");
            for (s, full) in shown.iter().zip(&script) {
                assert!(same_header(s, full), "{s:?} for {full:?}");
            }
            // Each token holder is told, on their own screen, which token to insert.
            let turns = holder_screens(&screen);
            assert_eq!(turns.len(), 3, "{turns:#?}");
            for (turn, (i, label)) in turns.iter().zip([(1, "alice-token"), (2, "bob-token")]) {
                let flat = common::pty::flat(turn);
                assert!(flat.contains(&format!("Holder {i} (")), "{turn}");
                assert!(
                    flat.contains(&format!("insert your PKCS#11 token \"{label}\"")),
                    "{turn}"
                );
            }
            assert!(!turns[0].contains("bob-token") && !turns[1].contains("alice-token"));
            assert_fits_80_columns(&screen.replace(CLEAR, ""));
            let out = d.join("out");
            let o = Command::new("openssl")
                .args(["verify", "-CAfile"])
                .arg(out.join("root.pem"))
                .arg(out.join("intermediate.pem"))
                .output()
                .unwrap();
            assert!(o.status.success(), "{o:?}");
            verifies(&out);
            let presented: Vec<u64> = entries(&out)
                .iter()
                .filter(|e| e["action"] == "share-presented")
                .map(|e| e["details"]["index"].as_u64().unwrap())
                .collect();
            assert_eq!(presented, [1, 2, 3]);
        },
    );
}
