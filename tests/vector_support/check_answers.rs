//! Checks of the answers file vectors (`answers_*.toml`, docs/formats.md, "Answers file"):
//! rootkey's reader gives the expected confirmers and number of strings per id, or refuses at
//! the expected line and column; `independent_answers_check.py` (stdlib only, written from the
//! specification) must agree on every vector.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::{Value, json};

use rootkey::console::Console;
use rootkey::console::answers::Answers;

use crate::harness::{dir, eq, outcome, read, run_area};

#[test]
fn answers_vectors() {
    run_area("answers", |name, exp| {
        let bytes = read(name);
        let r = Answers::parse(&bytes, name);
        if let (Err(e), Some(line)) = (&r, exp["line"].as_u64()) {
            let at = format!(
                "answers file {name}, line {line}, column {}: ",
                exp["column"]
            );
            if !e.message.starts_with(&at) {
                return Err(format!("{:?} is not at {at:?}", e.message));
            }
        }
        outcome(r, exp, |a| {
            eq(
                "confirmers",
                a.named_confirmers().map_or(Value::Null, |c| json!(c)),
                exp["confirmers"].clone(),
            )?;
            let counts: BTreeMap<String, usize> =
                a.unused().into_iter().map(|(id, n, _)| (id, n)).collect();
            eq("answers", json!(counts), exp["answers"].clone())
        })
    });
}

#[test]
fn independent_python_answers_check() {
    let o = Command::new("python3")
        .arg(dir().join("independent_answers_check.py"))
        .arg(dir())
        .output()
        .expect("python3");
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
