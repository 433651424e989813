//! Plan v2 vectors (`planv2_*.toml`, docs/plans.md): rootkey's parse and merged step list
//! against the expectations, and the independent Python checker
//! (`tests/vectors/independent_plan_check.py`, written from docs/plans.md alone) on the same
//! vectors and on every shipped plan. The expectations were written from rootkey's output by
//! the ignored `generate_planv2_expectations` (run it after adding a `planv2_*.toml`; its first
//! line, a `# ` comment, is the description), then reviewed against the spec.

use std::fs;

use serde_json::{Value, json};

use super::harness::{dir, eq, outcome, read, run_area, vectors};
use rootkey::ceremony::script::{ScriptKind, StepKind, script};
use rootkey::plan::Plan;

/// A valid plan's merged list as an expectation holds it.
fn steps_json(p: &Plan) -> rootkey::Result<Value> {
    let steps = script(p, ScriptKind::of(p))?;
    Ok(Value::Array(
        steps
            .iter()
            .map(|s| {
                let mut v = json!({
                    "key": s.key,
                    "actor": s.actor.as_str(),
                    "person": s.person,
                    "checklist": s.kind == StepKind::Checklist,
                    "critical": s.is_critical(),
                });
                if s.kind == StepKind::Checklist {
                    v["title"] = json!(s.title);
                }
                v
            })
            .collect(),
    ))
}

/// Parse and merge, as `rootkey plan check` does.
fn load(name: &str) -> rootkey::Result<(Plan, Value)> {
    let text = String::from_utf8(read(name)).expect("UTF-8 vector");
    let p = Plan::parse(&text, name)?;
    let steps = steps_json(&p)?;
    Ok((p, steps))
}

#[test]
fn planv2_vectors() {
    run_area("planv2", |name, exp| {
        outcome(load(name), exp, |(p, steps)| {
            eq(
                "version",
                u64::from(p.version()),
                exp["version"].as_u64().unwrap_or(0),
            )?;
            eq(
                "kind",
                p.kind().as_str(),
                exp["kind"].as_str().unwrap_or(""),
            )?;
            eq("steps", &steps, &exp["steps"])
        })
    });
}

#[test]
fn independent_python_plan_check() {
    let shipped: Vec<String> = fs::read_dir(dir().join("../../ceremony-scripts"))
        .expect("ceremony-scripts")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml")
                && fs::read_to_string(p).is_ok_and(|t| t.contains("\nversion = 2"))
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(shipped.len() >= 5, "{shipped:?}");
    let mut args = vec![dir().display().to_string()];
    args.extend(shipped);
    super::run_python("independent_plan_check.py", &args);
}

#[test]
#[ignore = "writes tests/vectors/planv2_*.expect.json; run explicitly after adding a vector"]
fn generate_planv2_expectations() {
    for name in vectors("planv2") {
        let text = String::from_utf8(read(&name)).expect("UTF-8");
        let description = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# "))
            .expect("a planv2 vector starts with `# description`");
        let exp = match load(&name) {
            Ok((p, steps)) => json!({
                "description": description,
                "outcome": "ok",
                "version": p.version(),
                "kind": p.kind().as_str(),
                "steps": steps,
            }),
            Err(e) => json!({
                "description": description,
                "outcome": "error",
                "message_contains": e.message,
            }),
        };
        let stem = name.strip_suffix(".toml").expect(".toml");
        let mut bytes = serde_json::to_vec_pretty(&exp).expect("json");
        bytes.push(b'\n');
        fs::write(dir().join(format!("{stem}.expect.json")), bytes).expect("write");
    }
}
