//! Unit tests of the report text.

use serde_json::{Map, Value, json};

use super::describe;
use crate::transcript::verify::Entry;

fn entry(action: &str, details: Value) -> Entry {
    let Value::Object(details) = details else {
        panic!("details must be an object")
    };
    Entry {
        seq: 5,
        line: 6,
        time: "2026-01-01T00:00:00Z".into(),
        actors: vec!["Carol".into()],
        action: action.into(),
        details: details.into_iter().collect::<Map<String, Value>>().into(),
        prev: [0; 32],
        hash: [0; 32],
    }
}

/// A share typed at the keyboard is recorded with `file` `-`: the report says so in
/// words; a file, photo or token payload name is shown as it is.
#[test]
fn a_typed_share_reads_typed_at_the_keyboard_and_a_payload_file_as_is() {
    let presented = |file: &str| {
        describe(&entry(
            "share-presented",
            json!({"corrections": 0, "envelope_sha256": "ab".repeat(32), "file": file,
                   "holder": "Carol", "index": 3}),
        ))
    };
    let typed = presented("-");
    assert!(
        typed.starts_with("Carol presented share 3 (typed at the keyboard), envelope SHA-256 "),
        "{typed}"
    );
    assert!(!typed.contains("(-)"), "{typed}");
    let token = presented("share-03-carol.token");
    assert!(token.contains("(share-03-carol.token)"), "{token}");
    let printed = describe(&entry(
        "share-written",
        json!({"envelope_sha256": "ab".repeat(32), "file": "-", "holder": "Carol",
               "index": 3, "medium": "paper", "role": "counsel"}),
    ));
    assert!(
        printed.starts_with("share 3 for Carol (counsel) sent to the printer (paper)"),
        "{printed}"
    );
}
