//! Unit tests of the chain-break rules (docs/formats.md, "Replay", step 2, rules 0–9) and of
//! what follows the end of a ceremony: each rule names the line the spec says, as
//! `entry seq L−1 (line L)`.

use super::tests::{key, quorum_check};
use super::*;
use serde_json::json;

/// The lines of the sealed in-memory quorum check (header, context-loaded, three
/// share-presented, key-rebuilt, share-checked, seal: 8 lines).
fn lines() -> Vec<Vec<u8>> {
    let t = quorum_check(&key(9));
    t.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn join(ls: &[Vec<u8>]) -> Vec<u8> {
    ls.iter()
        .flat_map(|l| l.iter().copied().chain([b'\n']))
        .collect()
}

fn value(l: &[u8]) -> Value {
    serde_json::from_slice(l).unwrap()
}

fn line_of(v: &Value) -> Vec<u8> {
    jcs::canonicalize(v).unwrap()
}

/// Sets `prev` of every line from `from` on to the hash of the line before (a forger's
/// re-chaining, without a new seal).
fn relink(ls: &mut [Vec<u8>], from: usize) {
    for i in from.max(1)..ls.len() {
        let mut v = value(&ls[i]);
        v["prev"] = json!(hex::encode(Sha256::digest(&ls[i - 1])));
        ls[i] = line_of(&v);
    }
}

fn edit(ls: &mut [Vec<u8>], i: usize, f: impl Fn(&mut Value)) {
    let mut v = value(&ls[i]);
    f(&mut v);
    ls[i] = line_of(&v);
}

/// The finding of an invalid replay.
fn finding(ls: &[Vec<u8>]) -> Error {
    match replay_bytes("t", &join(ls), None, &ReplayOptions::default()).verdict {
        Verdict::Invalid(e) => e,
        other => panic!("not invalid: {other:?}"),
    }
}

/// The replay finds `want` (its location and category, e.g. `entry seq 3 (line 4): modified`),
/// and its kind is that category.
fn assert_names(ls: &[Vec<u8>], want: &str) {
    let e = finding(ls);
    let crate::error::Kind::Transcript(f) = e.kind else {
        panic!("{:?} is not a transcript finding: {}", e.kind, e.message)
    };
    assert!(
        want.contains(&format!(": {}", f.word())),
        "kind {f:?}, but {want:?} names another category"
    );
    let m = e.message;
    assert!(
        m.contains(&format!("transcript t: {want}")),
        "{m}\n  wanted: {want}"
    );
}

#[test]
fn rule_0_a_time_going_backwards_names_its_own_line() {
    let mut ls = lines();
    let first = value(&ls[0])["time"].clone();
    edit(&mut ls, 3, |v| v["time"] = first.clone());
    relink(&mut ls, 4);
    assert_names(&ls, "entry seq 3 (line 4): modified: its time");
}

#[test]
fn rule_1_the_first_line() {
    // a: a line added before the header.
    let mut ls = lines();
    let mut extra = value(&ls[1]);
    extra["seq"] = json!(0);
    extra["prev"] = json!(hex::encode([0xab; 32]));
    ls.insert(0, line_of(&extra));
    assert_names(&ls, "entry seq 0 (line 1): inserted");
    // b: the header and the next entry swapped.
    let mut ls = lines();
    ls.swap(0, 1);
    assert_names(&ls, "lines 1 and 2: reordered");
    // c: the header deleted.
    let mut ls = lines();
    ls.remove(0);
    assert_names(&ls, "entry seq 0 (line 1): deleted");
    // d: the header's seq changed.
    let mut ls = lines();
    edit(&mut ls, 0, |v| v["seq"] = json!(5));
    assert_names(&ls, "entry seq 0 (line 1): modified");
}

#[test]
fn rule_2_a_changed_seq_behind_an_intact_link() {
    let mut ls = lines();
    edit(&mut ls, 2, |v| v["seq"] = json!(9));
    relink(&mut ls, 3);
    assert_names(&ls, "entry seq 2 (line 3): modified: it holds seq 9");
}

#[test]
fn rule_3_after_a_genuine_seal_any_line_is_inserted() {
    let mut ls = lines();
    let mut v = value(&ls[1]);
    v["seq"] = json!(8);
    ls.push(line_of(&v));
    assert_names(
        &ls,
        "entry seq 8 (line 9): inserted: it follows the seal on line 8",
    );
}

#[test]
fn rule_4_two_swapped_lines_name_the_first() {
    let mut ls = lines();
    ls.swap(3, 4);
    assert_names(&ls, "lines 4 and 5: reordered");
}

#[test]
fn rules_5_and_6_inserted_lines_name_the_first_inserted() {
    // 5: one line whose successor links past it.
    let mut ls = lines();
    let mut v = value(&ls[2]);
    v["seq"] = json!(3);
    v["prev"] = json!(hex::encode([0xcd; 32]));
    ls.insert(3, line_of(&v));
    assert_names(&ls, "entry seq 3 (line 4): inserted");
    // 6: two lines, chained to each other.
    let mut ls = lines();
    let a = line_of(&json!({"action": "share-checked", "actors": ["rootkey"],
        "details": {"agrees": true, "index": 1}, "prev": hex::encode(Sha256::digest(&ls[2])),
        "seq": 3, "time": value(&ls[2])["time"]}));
    let mut b = value(&a);
    b["seq"] = json!(4);
    b["prev"] = json!(hex::encode(Sha256::digest(&a)));
    ls.insert(3, line_of(&b));
    ls.insert(3, a);
    assert_names(
        &ls,
        "entry seq 3 (line 4): inserted: line 6 links to line 3, so lines 4–5 are not part of the chain",
    );
    // 6, forward: a line that links to a later one.
    let mut ls = lines();
    let later = hex::encode(Sha256::digest(&ls[6]));
    edit(&mut ls, 3, |v| v["prev"] = json!(later));
    assert_names(&ls, "entry seq 3 (line 4): reordered: it links to line 7");
}

#[test]
fn rule_7_a_deleted_entry_names_the_line_where_it_is_missing() {
    let mut ls = lines();
    ls.remove(4);
    assert_names(&ls, "entry seq 4 (line 5): deleted: entry seq 4 is missing");
}

#[test]
fn rules_8_and_9_which_modified_line() {
    // 8: its own link altered (so the next link breaks too).
    let mut ls = lines();
    edit(&mut ls, 3, |v| v["prev"] = json!(hex::encode([7u8; 32])));
    assert_names(
        &ls,
        "entry seq 3 (line 4): modified: its link to line 3 was altered",
    );
    // 9: a line's content changed: the line before the broken link.
    let mut ls = lines();
    edit(&mut ls, 3, |v| v["details"]["corrections"] = json!(1));
    assert_names(
        &ls,
        "entry seq 3 (line 4): modified: its SHA-256 no longer matches the link recorded on line 5",
    );
}

#[test]
fn the_entry_after_aborted_is_named_not_the_aborted_line() {
    let mut ls = lines();
    ls.truncate(5);
    let aborted = json!({"action": "aborted", "actors": ["rootkey"],
        "details": {"reason": "stopped"}, "prev": hex::encode(Sha256::digest(&ls[4])),
        "seq": 5, "time": value(&ls[4])["time"]});
    ls.push(line_of(&aborted));
    let mut after = value(&ls[1]);
    after["seq"] = json!(6);
    after["time"] = aborted["time"].clone();
    ls.push(line_of(&after));
    relink(&mut ls, 6);
    assert_names(
        &ls,
        "entry seq 6 (line 7): script: `context-loaded` after `aborted` (line 6): nothing may follow `aborted`",
    );
    // Without it, the transcript is valid and unsealed.
    ls.pop();
    assert!(matches!(
        replay_bytes("t", &join(&ls), None, &ReplayOptions::default()).verdict,
        Verdict::Unsealed(_)
    ));
}

#[test]
fn an_unknown_action_is_script_but_bad_seal_where_the_seal_belongs() {
    let mut ls = lines();
    edit(&mut ls, 2, |v| v["action"] = json!("share-waved"));
    relink(&mut ls, 3);
    assert_names(
        &ls,
        "entry seq 2 (line 3): script: `share-waved` is not an action of this format",
    );
    let mut ls = lines();
    edit(&mut ls, 7, |v| v["action"] = json!("real"));
    assert_names(&ls, "entry seq 7 (line 8): bad seal: expected `seal`");
}
