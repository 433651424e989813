//! The step lists' invariants.

use super::*;
use crate::transcript::event::Category;
use std::collections::HashSet;

/// Every kind with every option on, and off.
fn all_lists() -> Vec<(&'static str, Vec<Step>)> {
    let q = Quorum {
        threshold: 3,
        presented: 5,
    };
    let both = RotationShape {
        previous: true,
        typed_hash: true,
    };
    vec![
        ("generation", generation(5, false)),
        ("generation --dice", generation(16, true)),
        (
            "generation, holders 1 and 3 on tokens",
            generation_for(&[true, false, true, false, false], false),
        ),
        ("rehearsal", rehearsal(5, 3)),
        ("quorum check", quorum_check(Quorum::exact(2))),
        ("quorum check, 5 of 3", quorum_check(q)),
        (
            "rotation",
            intermediate(Quorum::exact(3), Default::default()),
        ),
        ("rotation, all options", intermediate(q, both)),
        ("crl, first", crl(Quorum::exact(3), false)),
        ("crl, previous", crl(q, true)),
        ("share audit", share_audit(5)),
    ]
}

#[test]
fn keys_are_unique_and_kebab_case_and_titles_fit() {
    for (kind, steps) in all_lists() {
        let mut seen = HashSet::new();
        for s in &steps {
            assert!(seen.insert(s.key()), "{kind}: step {} twice", s.key());
            assert!(
                !s.id.is_empty()
                    && s.id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !s.id.starts_with('-')
                    && !s.id.ends_with('-')
                    && !s.id.contains("--"),
                "{kind}: id {:?} is not kebab-case",
                s.id
            );
            assert!(
                s.title.chars().count() <= MAX_TITLE,
                "{kind}: title {:?} is longer than {MAX_TITLE}",
                s.title
            );
            assert!(
                s.title.starts_with(|c: char| c.is_ascii_uppercase()) && !s.title.ends_with('.'),
                "{kind}: title {:?}",
                s.title
            );
        }
    }
}

#[test]
fn one_id_means_one_step() {
    // A step id names one role, title and entry wherever it appears.
    let mut by_id: std::collections::HashMap<&str, (Role, Option<Action>)> = Default::default();
    for (kind, steps) in all_lists() {
        for s in steps {
            let seen = by_id.entry(s.id).or_insert((s.role, s.records));
            assert_eq!(*seen, (s.role, s.records), "{kind}: step {}", s.id);
        }
    }
}

#[test]
fn every_list_starts_with_the_header_and_ends_with_the_seal() {
    for (kind, steps) in all_lists() {
        let r = records(&steps);
        assert_eq!(r.first(), Some(&Action::Header), "{kind}");
        // A share audit rebuilds no key: it ends with `audit-completed`, never sealed.
        let last = if kind == "share audit" {
            Action::AuditCompleted
        } else {
            Action::Seal
        };
        assert_eq!(r.last(), Some(&last), "{kind}");
        assert_eq!(
            r.iter()
                .filter(|a| a.category() == Category::Header)
                .count(),
            1,
            "{kind}"
        );
        assert!(!r.contains(&Action::Aborted), "{kind}");
    }
}

#[test]
fn every_action_but_aborted_is_some_step() {
    let listed: HashSet<Action> = all_lists().iter().flat_map(|(_, s)| records(s)).collect();
    for a in Action::ALL {
        // `aborted` ends any step; a checklist acknowledgement, an exception or a step's
        // confirmation stands between steps; a share audit's `prove-share` writes
        // `share-refused` or `share-presented`, as its share is.
        let between = matches!(
            a,
            Action::Aborted
                | Action::ChecklistAcknowledged
                | Action::ShareRefused
                | Action::Exception
                | Action::StepConfirmed
                | Action::Slip
        );
        assert_eq!(listed.contains(a), !between, "{}", a.as_str());
    }
}

#[test]
fn counts_follow_the_arguments() {
    let count = |steps: &[Step], a: Action| records(steps).iter().filter(|x| **x == a).count();
    assert_eq!(count(&generation(7, false), A::ShareWritten), 7);
    assert_eq!(count(&rehearsal(5, 3), A::SharePresented), 3);
    let q = Quorum {
        threshold: 2,
        presented: 4,
    };
    for steps in [
        quorum_check(q),
        intermediate(q, RotationShape::default()),
        crl(q, false),
    ] {
        assert_eq!(count(&steps, A::SharePresented), 4);
        assert_eq!(count(&steps, A::ShareChecked), 2);
    }
    assert_eq!(count(&crl(q, false), A::Confirmed), 2);
    let nth: Vec<Option<u8>> = generation(3, false)
        .iter()
        .filter(|s| s.id == "receive-share")
        .map(|s| s.nth)
        .collect();
    assert_eq!(nth, [Some(1), Some(2), Some(3)]);
}

#[test]
fn a_share_audit_calls_each_holder_and_is_never_sealed() {
    let steps = share_audit(5);
    let keys: Vec<String> = steps.iter().map(Step::key).collect();
    assert_eq!(
        keys,
        [
            "start-ceremony",
            "load-context",
            "prove-share-1",
            "prove-share-2",
            "prove-share-3",
            "prove-share-4",
            "prove-share-5",
            "complete-audit",
            "attest-transcript"
        ]
    );
    assert_eq!(
        records(&steps),
        [
            Action::Header,
            Action::ContextLoaded,
            Action::AuditCompleted
        ],
        "no seal: no key is rebuilt"
    );
    assert!(steps[2..7].iter().all(|s| s.role == Holder));
    for s in &steps {
        assert!(s.title.chars().count() <= MAX_TITLE, "{}", s.title);
    }
    // An id shared with the other kinds keeps its role and entry.
    let attest = generation(3, false).pop();
    assert_eq!(
        attest.map(|s| (s.id, s.role)),
        steps.last().map(|s| (s.id, s.role))
    );
}

#[test]
fn a_token_holder_writes_the_token_just_before_receiving() {
    let keys: Vec<String> = generation_for(&[false, true, true], false)
        .iter()
        .filter(|s| s.role == Holder)
        .map(Step::key)
        .collect();
    assert_eq!(
        keys,
        [
            "receive-share-1",
            "write-token-2",
            "receive-share-2",
            "write-token-3",
            "receive-share-3"
        ]
    );
    assert_eq!(generation_for(&[false; 4], true), generation(4, true));
}

#[test]
fn a_rehearsal_with_token_holders_writes_their_tokens_as_a_generation_does() {
    // `rootkey run` of a rehearsal plan with token holders: the same write-token steps as a
    // generation's, then the rehearsal's own rebuild (this list and the flow must agree).
    let with_tokens = rehearsal_for(&[true, true, false, false, false], 3);
    let keys: Vec<String> = with_tokens
        .iter()
        .filter(|s| s.role == Holder)
        .map(Step::key)
        .collect();
    assert_eq!(
        keys,
        [
            "write-token-1",
            "receive-share-1",
            "write-token-2",
            "receive-share-2",
            "receive-share-3",
            "receive-share-4",
            "receive-share-5",
            "present-share-1",
            "present-share-2",
            "present-share-3"
        ]
    );
    assert_eq!(with_tokens.len(), rehearsal(5, 3).len() + 2);
    assert_eq!(rehearsal_for(&[false; 5], 3), rehearsal(5, 3));
}
