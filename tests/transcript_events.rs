//! The typed transcript events (`rootkey::transcript::event`) write exactly the bytes the
//! format specifies (docs/formats.md, "Ceremony transcript v1"), and the bytes rootkey wrote
//! before they existed:
//!
//! * every action's details, canonicalised, equal a literal written from the spec (so a
//!   renamed field, an optional member skipped instead of `null`, or a number written as a
//!   string fails here);
//! * the spec's list of actions ("Unknown actions") is exactly [`Action::ALL`];
//! * every entry of the valid transcript vectors reads back as its typed event
//!   (`Event::from_details`) and writes the same bytes again, and a value outside its closed
//!   list or time form is refused;
//! * (in `tests/transcript_events_rotation.rs`) rootkey's own rotation ceremony on the vector
//!   files writes the first entries of the committed `transcript_valid-rotation.jsonl` byte for
//!   byte.
//!
//! The other transcript vectors (generation, rehearsal, quorum checks, CRLs) are deterministic:
//! `cargo test --test vectors -- --ignored generate_vectors` rewrites them from the typed events
//! and leaves `tests/vectors` unchanged.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use rootkey::jcs;
use rootkey::transcript::event::{self, Action, Category, Event};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn canonical(e: impl Into<Event>) -> String {
    let v = e.into().details().expect("details");
    String::from_utf8(jcs::canonicalize(&v).expect("canonical")).expect("utf-8")
}

/// A `TIME20` member.
fn t(s: &str) -> rootkey::encoding::time::UtcTime {
    rootkey::encoding::time::UtcTime::parse(s).expect("TIME20")
}

fn h(b: u8) -> String {
    hex::encode([b; 32])
}

#[test]
fn every_action_writes_the_specified_details() {
    let (a, b, c) = (h(0xaa), h(0xbb), h(0xcc));
    let cases: Vec<(Event, String)> = vec![
        (
            event::Entropy {
                dice_rolls: 99,
                source: event::EntropySource::OsDice,
            }
            .into(),
            r#"{"dice_rolls":99,"source":"os+dice"}"#.into(),
        ),
        (
            event::KeyGenerated {
                fingerprint: a.clone(),
                public_key: b.clone(),
            }
            .into(),
            format!(r#"{{"fingerprint":"{a}","public_key":"{b}"}}"#),
        ),
        (
            event::SharesSplit {
                shares: 5,
                subsets_checked: 10,
                threshold: 3,
            }
            .into(),
            r#"{"shares":5,"subsets_checked":10,"threshold":3}"#.into(),
        ),
        (
            event::CertificateSigned {
                certificate_sha256: a.clone(),
                fingerprint: b.clone(),
                not_after: t("2048-01-01T00:00:00Z"),
                not_before: t("2028-01-01T00:00:00Z"),
                serial: "01ff".into(),
                subject: "CN=Root".into(),
            }
            .into(),
            format!(
                r#"{{"certificate_sha256":"{a}","fingerprint":"{b}","not_after":"2048-01-01T00:00:00Z","not_before":"2028-01-01T00:00:00Z","serial":"01ff","subject":"CN=Root"}}"#
            ),
        ),
        (
            event::ShareWritten {
                envelope_sha256: a.clone(),
                file: "-".into(),
                holder: "Ann".into(),
                index: 2,
                medium: rootkey::plan::Medium::Paper,
                role: "officer".into(),
            }
            .into(),
            format!(
                r#"{{"envelope_sha256":"{a}","file":"-","holder":"Ann","index":2,"medium":"paper","role":"officer"}}"#
            ),
        ),
        (
            event::TokenWritten {
                attestation: Some(event::TokenAttestation {
                    certificate_sha256: a.clone(),
                    intermediate_sha256: b.clone(),
                    pin_policy: Some(3),
                    root_subject: "CN=Test PIV CA".into(),
                }),
                firmware: "5.4.3".into(),
                holder: "Ann".into(),
                index: 2,
                key_ref: "82".into(),
                label: "YubiKey 5".into(),
                location: "token+file".into(),
                medium: rootkey::plan::Medium::Yubikey,
                model: "YubiKey 5".into(),
                object_id: Some("5f0002".into()),
                payload_file: "share-02-ann.token".into(),
                payload_sha256: a.clone(),
                public_key: format!("04{}", "11".repeat(64)),
                serial: "12345678".into(),
            }
            .into(),
            format!(
                r#"{{"attestation":{{"certificate_sha256":"{a}","intermediate_sha256":"{b}","pin_policy":3,"root_subject":"CN=Test PIV CA"}},"firmware":"5.4.3","holder":"Ann","index":2,"key_ref":"82","label":"YubiKey 5","location":"token+file","medium":"yubikey","model":"YubiKey 5","object_id":"5f0002","payload_file":"share-02-ann.token","payload_sha256":"{a}","public_key":"04{}","serial":"12345678"}}"#,
                "11".repeat(64)
            ),
        ),
        (
            event::ArtifactWritten {
                file: "root.pem".into(),
                sha256: a.clone(),
            }
            .into(),
            format!(r#"{{"file":"root.pem","sha256":"{a}"}}"#),
        ),
        (event::KeyWiped {}.into(), "{}".into()),
        (
            event::ChecklistAcknowledged {
                initials: "WW".into(),
                step: 1,
                title: "Cables".into(),
                text_sha256: a.clone(),
            }
            .into(),
            format!(r#"{{"initials":"WW","step":1,"text_sha256":"{a}","title":"Cables"}}"#),
        ),
        (
            event::Exception {
                key: "type-dice".into(),
                step: 3,
                text: "Dice cup dropped".into(),
            }
            .into(),
            r#"{"key":"type-dice","step":3,"text":"Dice cup dropped"}"#.into(),
        ),
        (
            event::StepConfirmed {
                code: "7F3A-09C2".into(),
                key: "generate-root-key".into(),
                method: event::ConfirmMethod::TypedCode,
                step: 5,
            }
            .into(),
            r#"{"code":"7F3A-09C2","key":"generate-root-key","method":"typed-code","step":5}"#
                .into(),
        ),
        (
            event::Slip {
                attempt: 1,
                kind: "initials".into(),
                step: "checklist step 1 (Cables)".into(),
            }
            .into(),
            r#"{"attempt":1,"kind":"initials","step":"checklist step 1 (Cables)"}"#.into(),
        ),
        (
            event::ContextLoaded {
                manifest: event::LoadedManifest {
                    ceremony_id: "c0".repeat(16),
                    file: "manifest.json".into(),
                    sha256: a.clone(),
                },
                root: event::LoadedRoot {
                    certificate_sha256: b.clone(),
                    file: "root.pem".into(),
                    fingerprint: c.clone(),
                    public_key: a.clone(),
                    sha256: b.clone(),
                },
            }
            .into(),
            format!(
                r#"{{"manifest":{{"ceremony_id":"{}","file":"manifest.json","sha256":"{a}"}},"root":{{"certificate_sha256":"{b}","file":"root.pem","fingerprint":"{c}","public_key":"{a}","sha256":"{b}"}}}}"#,
                "c0".repeat(16)
            ),
        ),
        (
            event::SharePresented {
                corrections: 0,
                envelope_sha256: a.clone(),
                file: "-".into(),
                holder: "Ann".into(),
                index: 1,
            }
            .into(),
            format!(
                r#"{{"corrections":0,"envelope_sha256":"{a}","file":"-","holder":"Ann","index":1}}"#
            ),
        ),
        (
            event::KeyRebuilt {
                public_key: a.clone(),
                quorum: vec![1, 3, 5],
            }
            .into(),
            format!(r#"{{"public_key":"{a}","quorum":[1,3,5]}}"#),
        ),
        (
            event::ShareChecked {
                agrees: false,
                index: 4,
            }
            .into(),
            r#"{"agrees":false,"index":4}"#.into(),
        ),
        (
            event::CsrChecked {
                csr_sha256: a.clone(),
                file: "req.pem".into(),
                hash_source: event::HashSource::Typed,
                key_type: "Ed25519".into(),
                profile: event::ProfileRef {
                    file: "p.toml".into(),
                    name: "Issuing CA".into(),
                    sha256: b.clone(),
                },
                requested_extensions: vec!["basicConstraints".into(), "1.2.3.4".into()],
                sha256: c.clone(),
                spki_sha256: a.clone(),
                subject: "CN=Issuing \"CA\"".into(),
            }
            .into(),
            format!(
                r#"{{"csr_sha256":"{a}","file":"req.pem","hash_source":"typed","key_type":"Ed25519","profile":{{"file":"p.toml","name":"Issuing CA","sha256":"{b}"}},"requested_extensions":["basicConstraints","1.2.3.4"],"sha256":"{c}","spki_sha256":"{a}","subject":"CN=Issuing \"CA\""}}"#
            ),
        ),
        (
            event::PreviousChecked {
                file: "old.pem".into(),
                not_after: t("2030-01-01T00:00:00Z"),
                overlap_days: -3,
                serial: "7f".into(),
                sha256: a.clone(),
                warnings: vec![],
            }
            .into(),
            format!(
                r#"{{"file":"old.pem","not_after":"2030-01-01T00:00:00Z","overlap_days":-3,"serial":"7f","sha256":"{a}","warnings":[]}}"#
            ),
        ),
        (
            event::CertificatePrepared {
                issuer: "CN=Root".into(),
                not_after: t("2031-01-01T00:00:00Z"),
                not_before: t("2029-01-01T00:00:00Z"),
                serial: "0102".into(),
                spki_sha256: a.clone(),
                subject: "CN=Int".into(),
                tbs_sha256: b.clone(),
            }
            .into(),
            format!(
                r#"{{"issuer":"CN=Root","not_after":"2031-01-01T00:00:00Z","not_before":"2029-01-01T00:00:00Z","serial":"0102","spki_sha256":"{a}","subject":"CN=Int","tbs_sha256":"{b}"}}"#
            ),
        ),
        (
            event::PreviousCrlChecked {
                crl_number: "01".into(),
                file: "old.crl".into(),
                revoked_count: 3,
                revoked_sha256: b.clone(),
                sha256: a.clone(),
                this_update: t("2029-01-01T00:00:00Z"),
            }
            .into(),
            format!(
                r#"{{"crl_number":"01","file":"old.crl","revoked_count":3,"revoked_sha256":"{b}","sha256":"{a}","this_update":"2029-01-01T00:00:00Z"}}"#
            ),
        ),
        (
            event::CrlPrepared {
                carried_forward: 0,
                crl_number: "02".into(),
                next_update: t("2029-02-01T00:00:00Z"),
                revoked: Some(vec![
                    event::Revoked {
                        reason: None,
                        serial: "0a".into(),
                    },
                    event::Revoked {
                        reason: Some(rootkey::cert::crl::Reason::KeyCompromise),
                        serial: "0b".into(),
                    },
                ]),
                revoked_count: 2,
                revoked_sha256: a.clone(),
                tbs_sha256: b.clone(),
                this_update: t("2029-01-02T00:00:00Z"),
            }
            .into(),
            format!(
                r#"{{"carried_forward":0,"crl_number":"02","next_update":"2029-02-01T00:00:00Z","revoked":[{{"reason":null,"serial":"0a"}},{{"reason":"keyCompromise","serial":"0b"}}],"revoked_count":2,"revoked_sha256":"{a}","tbs_sha256":"{b}","this_update":"2029-01-02T00:00:00Z"}}"#
            ),
        ),
        (
            event::CrlPrepared {
                carried_forward: 3,
                crl_number: "03".into(),
                next_update: t("2029-02-01T00:00:00Z"),
                revoked: None,
                revoked_count: 303,
                revoked_sha256: a.clone(),
                tbs_sha256: b.clone(),
                this_update: t("2029-01-02T00:00:00Z"),
            }
            .into(),
            format!(
                r#"{{"carried_forward":3,"crl_number":"03","next_update":"2029-02-01T00:00:00Z","revoked":null,"revoked_count":303,"revoked_sha256":"{a}","tbs_sha256":"{b}","this_update":"2029-01-02T00:00:00Z"}}"#
            ),
        ),
        (
            event::Confirmed {
                method: event::ConfirmMethod::TypedCode,
                name: "Carol".into(),
                tbs_sha256: a.clone(),
            }
            .into(),
            format!(r#"{{"method":"typed-code","name":"Carol","tbs_sha256":"{a}"}}"#),
        ),
        (
            event::CertificateIssued {
                certificate_sha256: a.clone(),
                serial: "0102".into(),
                tbs_sha256: b.clone(),
            }
            .into(),
            format!(r#"{{"certificate_sha256":"{a}","serial":"0102","tbs_sha256":"{b}"}}"#),
        ),
        (
            event::CrlIssued {
                crl_number: "02".into(),
                crl_sha256: a.clone(),
                tbs_sha256: b.clone(),
            }
            .into(),
            format!(r#"{{"crl_number":"02","crl_sha256":"{a}","tbs_sha256":"{b}"}}"#),
        ),
        (
            event::Seal {
                head: a.clone(),
                public_key: b.clone(),
                signature: Some("ee".repeat(64)),
            }
            .into(),
            format!(
                r#"{{"head":"{a}","public_key":"{b}","signature":"{}"}}"#,
                "ee".repeat(64)
            ),
        ),
        (
            event::Aborted {
                reason: "too few shares".into(),
            }
            .into(),
            r#"{"reason":"too few shares"}"#.into(),
        ),
        (
            event::ShareRefused {
                claimed_index: Some(3),
                file: "share-03.txt".into(),
                reason: event::RefusalReason::NotListed,
            }
            .into(),
            r#"{"claimed_index":3,"file":"share-03.txt","reason":"not-listed"}"#.into(),
        ),
        (
            event::AuditCompleted {
                absent: vec![4, 5],
                failed: vec![3],
                proven: vec![1, 2],
                refused: 1,
            }
            .into(),
            r#"{"absent":[4,5],"failed":[3],"proven":[1,2],"refused":1}"#.into(),
        ),
    ];
    let mut seen = Vec::new();
    for (e, want) in cases {
        let action = e.action();
        let got = canonical(e);
        assert_eq!(got, want, "{}", action.as_str());
        // The members written are the members the verifier requires.
        let v: Value = serde_json::from_str(&got).expect("json");
        let mut names: Vec<&str> = v
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut members = action.members().to_vec();
        names.sort_unstable();
        members.sort_unstable();
        assert_eq!(names, members, "{}", action.as_str());
        seen.push(action);
    }
    // Every action but the header (its bytes are in every vector) has a case here.
    for a in Action::ALL {
        assert!(
            seen.contains(a) || *a == Action::Header,
            "{} has no case",
            a.as_str()
        );
    }
}

#[test]
fn the_spec_lists_exactly_the_actions_of_the_enum() {
    let spec = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/formats.md"))
        .expect("formats.md");
    let start = spec
        .find("**Unknown actions.**")
        .expect("Unknown actions paragraph");
    let para = &spec[start..start + spec[start..].find("breaks the script").expect("end")];
    let para = &para[para.find("(`header`").expect("the list")..];
    let listed: Vec<&str> = para.split('`').skip(1).step_by(2).collect();
    let ours: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(listed, ours);
    assert_eq!(Action::Header.category(), Category::Header);
    assert_eq!(Action::ArtifactWritten.category(), Category::Output);
    assert_eq!(Action::Seal.category(), Category::End);
    assert_eq!(Action::parse("crl-issued"), Some(Action::CrlIssued));
    assert_eq!(Action::parse("share-waved"), None);
}

/// The entries of a vector transcript as (action, details).
fn vector_entries(name: &str) -> Vec<(Action, Value)> {
    let text = fs::read_to_string(vectors().join(format!("{name}.jsonl"))).expect(name);
    text.lines()
        .map(|l| {
            let e: Value = serde_json::from_str(l).expect("entry");
            let action = Action::parse(e["action"].as_str().expect("action")).expect("known");
            (action, e["details"].clone())
        })
        .collect()
}

#[test]
fn vector_entries_read_back_as_typed_events_byte_for_byte() {
    let mut read = 0;
    for name in [
        "transcript_valid-generation",
        "transcript_valid-rehearsal",
        "transcript_valid-quorum-check",
        "transcript_valid-quorum-check-all-five",
        "transcript_valid-rotation",
        "transcript_valid-crl",
        "transcript_valid-crl-long",
        "transcript_aborted",
        "transcript_rotation-aborted",
    ] {
        for (action, details) in vector_entries(name) {
            let want = String::from_utf8(jcs::canonicalize(&details).expect("jcs")).expect("utf-8");
            let event = Event::from_details(action, details)
                .unwrap_or_else(|e| panic!("{name}: {}", e.message));
            assert_eq!(event.action(), action);
            assert_eq!(canonical(event), want, "{name}");
            read += 1;
        }
    }
    assert!(read > 100, "{read} entries");
}

#[test]
fn the_typed_reading_refuses_values_outside_their_lists_and_forms() {
    let generation = vector_entries("transcript_valid-generation");
    let rotation = vector_entries("transcript_valid-rotation");
    let find = |es: &[(Action, Value)], a: Action| {
        es.iter().find(|(x, _)| *x == a).expect("action").1.clone()
    };
    // (details, member, bad value, what the error says)
    let cases = [
        (
            find(&generation, Action::ShareWritten),
            "medium",
            "vellum",
            "unknown variant `vellum`, expected one of `text`, `paper`, `pkcs11`, `yubikey`",
        ),
        (
            find(&generation, Action::Entropy),
            "source",
            "dice",
            "unknown variant `dice`, expected `os` or `os+dice`",
        ),
        (
            find(&generation, Action::CertificateSigned),
            "not_after",
            "2048-02-30T00:00:00Z",
            "\"2048-02-30T00:00:00Z\" is not a time YYYY-MM-DDTHH:MM:SSZ",
        ),
        (
            find(&rotation, Action::CsrChecked),
            "hash_source",
            "Typed",
            "unknown variant `Typed`, expected `command-line` or `typed`",
        ),
        (
            find(&rotation, Action::Confirmed),
            "method",
            "typed code",
            "unknown variant `typed code`, expected `typed-code` or `command-line`",
        ),
        (
            find(&rotation, Action::CertificatePrepared),
            "not_before",
            "2029-01-01T00:00:00.000Z",
            "\"2029-01-01T00:00:00.000Z\" is not a time YYYY-MM-DDTHH:MM:SSZ",
        ),
        (
            find(&generation, Action::Header),
            "extra",
            "member",
            "unknown field `extra`",
        ),
    ];
    for (details, member, value, says) in cases {
        let action = generation
            .iter()
            .chain(&rotation)
            .find(|(_, d)| *d == details)
            .expect("entry")
            .0;
        // The entry as it is reads back; with the member changed it does not.
        Event::from_details(action, details.clone()).expect("valid");
        let mut bad = details;
        bad[member] = Value::from(value);
        let e = Event::from_details(action, bad).expect_err(member);
        let want = format!("`{}` details: {says}", action.as_str());
        assert!(e.message.starts_with(&want), "{}", e.message);
    }
    // crl-prepared in the first form of version 1 is read by the verifier only.
    let first = vector_entries("transcript_crl-first-form");
    let prepared = find(&first, Action::CrlPrepared);
    assert!(Event::from_details(Action::CrlPrepared, prepared).is_err());
}
