use super::*;
use crate::plan::REHEARSAL_PLAN;

fn plan(text: &str) -> Plan {
    Plan::parse(text, "p.toml").unwrap_or_else(|e| panic!("{}", e.message))
}

const ROOT: &str = include_str!("../../../ceremony-scripts/root-generation.toml");
const ROTATION: &str = include_str!("../../../ceremony-scripts/intermediate-rotation.toml");
const CRL: &str = include_str!("../../../ceremony-scripts/crl.toml");
const AUDIT: &str = include_str!("../../../ceremony-scripts/share-audit.toml");

fn keys(s: &[ScriptStep]) -> Vec<&str> {
    s.iter().map(|s| s.key.as_str()).collect()
}

#[test]
fn the_builtin_steps_keep_their_order_and_the_checklist_goes_where_placed() {
    let p = plan(ROOT);
    let kind = ScriptKind::of(&p);
    assert_eq!(kind, ScriptKind::Generation);
    let s = script(&p, kind).unwrap();
    let builtin: Vec<String> = builtin_steps(&p, kind).iter().map(Step::key).collect();
    let merged: Vec<String> = s
        .iter()
        .filter(|s| matches!(s.kind, StepKind::Builtin { .. }))
        .map(|s| s.key.clone())
        .collect();
    assert_eq!(merged, builtin);
    assert_eq!(s.len(), builtin.len() + 7);
    let k = keys(&s);
    // Three before the start, in file order.
    assert_eq!(
        k[..4],
        [
            "checklist-1",
            "checklist-2",
            "checklist-3",
            "start-ceremony"
        ]
    );
    let at = |key: &str| k.iter().position(|x| *x == key).unwrap();
    assert_eq!(at("checklist-4"), at("sign-root-certificate") + 1);
    assert_eq!(at("checklist-5"), at("write-manifest") + 1);
    assert_eq!(at("checklist-6"), at("seal-transcript") + 1);
    assert_eq!(at("checklist-7"), s.len() - 1);
    for (i, st) in s.iter().enumerate() {
        assert_eq!((st.number, st.total), (i + 1, s.len()));
    }
}

#[test]
fn headers_name_the_role_and_the_person() {
    let p = plan(ROOT);
    let s = script(&p, ScriptKind::Generation).unwrap();
    let n = s.len();
    assert_eq!(
        s[1].header(),
        format!("Step 2/{n} · Witness (Witness) · No network cable, Wi-Fi off")
    );
    assert_eq!(
        s[3].header(),
        format!("Step 4/{n} · Ceremony administrator (Ceremony officer) · Start the ceremony")
    );
    let generate = s.iter().find(|s| s.key == "generate-root-key").unwrap();
    assert_eq!(generate.actor_line(), "Crypto officer (Ceremony officer)");
    assert!(generate.is_critical());
    let r3 = s.iter().find(|s| s.key == "receive-share-3").unwrap();
    assert_eq!(r3.actor_line(), "Holder (Legal counsel)");
    assert!(r3.is_critical());
    let t1 = s.iter().find(|s| s.key == "write-token-1").unwrap();
    assert_eq!(t1.actor_line(), "Holder (Security officer, jurisdiction A)");
    assert!(
        !s.iter()
            .find(|s| s.key == "seal-transcript")
            .unwrap()
            .is_critical()
    );
    assert!(
        !s.iter()
            .find(|s| s.key == "draw-seed")
            .unwrap()
            .is_critical()
    );
    let c = &s[0];
    assert_eq!(c.kind, StepKind::Checklist);
    assert!(!c.is_critical());
    assert_eq!(
        c.text.as_deref(),
        Some("Administrator checks each person's identity document against the names in this plan")
    );
}

#[test]
fn every_header_of_the_shipped_plans_fits_80_columns() {
    for (name, text) in [
        ("root", ROOT),
        ("rotation", ROTATION),
        ("crl", CRL),
        ("audit", AUDIT),
        ("rehearsal", REHEARSAL_PLAN),
    ] {
        let p = plan(text);
        let s = script(&p, ScriptKind::of(&p)).unwrap();
        for st in &s {
            let h = st.header_within(80);
            assert!(h.chars().count() <= 80, "{name}: {h}");
            let start = format!("Step {}/{} · {}", st.number, st.total, st.actor.as_str());
            assert!(h.starts_with(&start), "{name}: {h}");
            if st.header().chars().count() <= 80 {
                assert_eq!(h, st.header());
            }
            assert!(st.title.chars().count() <= 40, "{name}: {}", st.title);
        }
    }
}

#[test]
fn signing_ceremonies_name_confirmers_and_presenting_holders() {
    let p = plan(ROTATION);
    assert_eq!(ScriptKind::of(&p), ScriptKind::Rotation);
    let s = script(&p, ScriptKind::Rotation).unwrap();
    let k = keys(&s);
    // No csr-sha256 in the plan: the hash is typed first; the administrator's call precedes it.
    assert_eq!(k[..3], ["checklist-2", "type-csr-hash", "checklist-1"]);
    assert_eq!(k[3], "start-ceremony");
    assert!(k.contains(&"check-previous"));
    let who = |key: &str| s.iter().find(|s| s.key == key).unwrap().actor_line();
    assert_eq!(who("confirm-1"), "Confirmer (Ceremony officer)");
    assert_eq!(who("confirm-2"), "Confirmer (Second officer)");
    assert_eq!(
        who("present-share-1"),
        "Holder (Security officer, jurisdiction A)"
    );
    assert_eq!(who("present-share-2"), "Holder (Legal counsel)");
    assert_eq!(who("present-share-3"), "Holder (Chief technology officer)");
    assert!(
        s.iter()
            .find(|s| s.key == "issue-certificate")
            .unwrap()
            .is_critical()
    );

    let p = plan(CRL);
    let s = script(&p, ScriptKind::Crl).unwrap();
    assert!(keys(&s).contains(&"check-previous-crl"));
    assert!(
        s.iter()
            .find(|s| s.key == "issue-crl")
            .unwrap()
            .is_critical()
    );
    let i = keys(&s).iter().position(|k| *k == "prepare-crl").unwrap();
    assert_eq!(s[i - 1].key, "checklist-2");
}

#[test]
fn a_share_audit_calls_every_holder_in_turn() {
    let p = plan(AUDIT);
    let s = script(&p, ScriptKind::ShareAudit).unwrap();
    let proves: Vec<String> = s
        .iter()
        .filter(|s| s.key.starts_with("prove-share"))
        .map(|s| s.actor_line())
        .collect();
    assert_eq!(proves.len(), 5);
    assert_eq!(proves[4], "Holder (Chief information security officer)");
    let k = keys(&s);
    let first = k.iter().position(|k| *k == "prove-share-1").unwrap();
    assert_eq!(s[first - 1].actor_line(), "Auditor (Auditor)");
    assert!(s.iter().all(|s| !s.is_critical()));
}

#[test]
fn the_rehearsal_runs_the_rehearsal_list() {
    let p = plan(REHEARSAL_PLAN);
    assert_eq!(ScriptKind::of(&p), ScriptKind::RehearsalGeneration);
    let s = script(&p, ScriptKind::RehearsalGeneration).unwrap();
    let k = keys(&s);
    assert!(k.contains(&"wipe-generated-key"));
    let w = k.iter().position(|k| *k == "wipe-generated-key").unwrap();
    assert_eq!(k[w + 1], "checklist-3");
    assert_eq!(
        s.iter()
            .find(|s| s.key == "present-share-2")
            .unwrap()
            .actor_line(),
        "Holder (Bob Rehearsal)"
    );
}

#[test]
fn a_v1_plan_is_a_generation_without_names_but_the_holders() {
    let v1 = include_str!("../../../tests/fixtures/real-text-paper-plan.toml");
    let p = plan(v1);
    assert_eq!(p.version(), 1);
    let s = script(&p, ScriptKind::of(&p)).unwrap();
    assert_eq!(s.len(), steps::generation(5, false).len());
    assert_eq!(
        s[0].header(),
        format!(
            "Step 1/{} · Ceremony administrator · Start the ceremony",
            s.len()
        )
    );
    assert_eq!(
        s.iter()
            .find(|s| s.key == "receive-share-1")
            .unwrap()
            .actor_line(),
        "Holder (Security officer, jurisdiction A)"
    );
}

#[test]
fn a_placement_at_a_step_of_another_kind_names_line_and_column() {
    let text = ROOT.replace(
        "after = \"write-manifest\"",
        "after = \"wipe-generated-key\"",
    );
    let p = plan(&text);
    let e = script(&p, ScriptKind::Generation).unwrap_err();
    let line = text
        .lines()
        .position(|l| l.contains("wipe-generated-key"))
        .unwrap()
        + 1;
    assert!(
        e.message.starts_with(&format!("plan p.toml, line {line}, column 9, key checklist.after: \"wipe-generated-key\" is not a step of this root key generation (its steps: start-ceremony, draw-seed, ")),
        "{}",
        e.message
    );
    // A repeated step by its key, and before/after its first and last repetition.
    let text = ROOT
        .replace("after = \"write-manifest\"", "before = \"receive-share\"")
        .replace("after = \"seal-transcript\"", "after = \"receive-share-4\"");
    let s = script(&plan(&text), ScriptKind::Generation).unwrap();
    let k = keys(&s);
    let at = |key: &str| k.iter().position(|x| *x == key).unwrap();
    assert_eq!(at("checklist-5") + 1, at("receive-share-1"));
    assert_eq!(at("checklist-6"), at("receive-share-4") + 1);
}

#[test]
fn a_long_header_cuts_the_name_first() {
    let p = plan(ROOT);
    let s = script(&p, ScriptKind::Generation).unwrap();
    let r5 = s.iter().find(|s| s.key == "receive-share-5").unwrap();
    let n = s.len();
    assert_eq!(
        r5.header_within(80),
        format!(
            "Step {}/{n} · Holder (Chief information…) · Receive your share (file or printout)",
            r5.number
        )
    );
    assert_eq!(r5.header_within(80).chars().count(), 80);
    assert_eq!(r5.header_within(200), r5.header());
    // Too narrow even for an 8-character name: the title is cut.
    let h = r5.header_within(50);
    assert_eq!(h.chars().count(), 50);
    assert!(h.ends_with('…') && h.contains("(Chief i…)"), "{h}");
}
