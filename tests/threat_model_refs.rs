//! `docs/threat-model.md`, kept honest: every test it cites as `tests/FILE.rs::name` (or
//! `src/FILE.rs::name` for a unit test) must be a `#[test]` function of that file, every
//! `src/…` or `tests/…` path it names must exist, and every row of its table "What rootkey
//! protects against" must name a test or say "no test yet". So renaming or removing a test the
//! threat model relies on breaks the build, naming the line of the document. `SECURITY.md` and
//! README must link the threat model.

use std::fs;
use std::path::Path;

const DOC: &str = "docs/threat-model.md";
const PROTECTS: &str = "## What rootkey protects against";
const DOES_NOT: &str = "## What rootkey does not protect against";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// A reference found in the document: its line (1-based) and the text between backticks.
#[derive(Debug, PartialEq)]
enum Ref {
    /// `tests/FILE.rs::name` or `src/FILE.rs::name`.
    Test {
        line: usize,
        file: String,
        name: String,
    },
    /// `src/…` or `tests/…`: a file or a directory.
    Path { line: usize, path: String },
}

fn is_path_text(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
        && !s.contains("..")
}

/// Every backticked `src/…` or `tests/…` span of `text`. Spans holding anything but a plain
/// path (a glob `*`, an ellipsis `…`, spaces) are prose, not references, and are skipped.
fn scan(text: &str) -> Vec<Ref> {
    let mut refs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for span in line.split('`').skip(1).step_by(2) {
            if !(span.starts_with("src/") || span.starts_with("tests/")) {
                continue;
            }
            match span.split_once("::") {
                Some((file, name))
                    if file.ends_with(".rs")
                        && is_path_text(file)
                        && !name.is_empty()
                        && name
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
                {
                    refs.push(Ref::Test {
                        line: i + 1,
                        file: file.to_string(),
                        name: name.to_string(),
                    })
                }
                None if is_path_text(span) => refs.push(Ref::Path {
                    line: i + 1,
                    path: span.to_string(),
                }),
                _ => {}
            }
        }
    }
    refs
}

/// Whether `source` defines `fn name` with a `#[test]` attribute among the attributes and doc
/// comments right above it.
fn defines_test(source: &str, name: &str) -> bool {
    let lines: Vec<&str> = source.lines().map(str::trim).collect();
    let fn_line = |l: &str| {
        let l = l.strip_prefix("pub ").unwrap_or(l);
        l.strip_prefix("fn ")
            .and_then(|rest| rest.strip_prefix(name))
            .is_some_and(|rest| rest.starts_with('('))
    };
    lines.iter().enumerate().any(|(i, l)| {
        fn_line(l)
            && lines[..i]
                .iter()
                .rev()
                .take_while(|a| a.starts_with("#[") || a.starts_with("//"))
                .any(|a| *a == "#[test]")
    })
}

/// The problems of the references in `text`, checked against the files under `base`.
fn problems(text: &str, base: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for r in scan(text) {
        match r {
            Ref::Test { line, file, name } => match fs::read_to_string(base.join(&file)) {
                Err(e) => out.push(format!("{DOC}:{line}: `{file}::{name}`: {file}: {e}")),
                Ok(src) if !defines_test(&src, &name) => out.push(format!(
                    "{DOC}:{line}: `{file}::{name}`: {file} has no #[test] fn {name}"
                )),
                Ok(_) => {}
            },
            Ref::Path { line, path } => {
                if !base.join(path.trim_end_matches('/')).exists() {
                    out.push(format!("{DOC}:{line}: `{path}` does not exist"));
                }
            }
        }
    }
    out
}

/// The table rows (not the header or the separator) of the section headed `heading`.
fn rows<'a>(text: &'a str, heading: &str) -> Vec<(usize, &'a str)> {
    let mut in_section = false;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("## ") {
            in_section = line.trim() == heading;
            continue;
        }
        if in_section && line.starts_with('|') {
            rows.push((i + 1, line));
        }
    }
    rows.into_iter().skip(2).collect()
}

#[test]
fn every_test_and_module_the_threat_model_cites_exists() {
    let text = read(DOC);
    let refs = scan(&text);
    let tests = refs
        .iter()
        .filter(|r| matches!(r, Ref::Test { .. }))
        .count();
    let paths = refs.len() - tests;
    // The document cites dozens of each; a scanner that finds few is broken, not the document.
    assert!(
        tests >= 60 && paths >= 30,
        "found only {tests} test and {paths} path references in {DOC}"
    );
    let bad = problems(&text, root());
    assert!(
        bad.is_empty(),
        "{DOC} cites what does not exist — fix the reference in the same commit as the rename:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_threat_it_protects_against_names_its_test_or_says_there_is_none() {
    let text = read(DOC);
    let protects = rows(&text, PROTECTS);
    assert!(
        protects.len() >= 11,
        "{DOC}: only {} rows under {PROTECTS:?}",
        protects.len()
    );
    for (line, row) in &protects {
        let cells: Vec<&str> = row.trim().trim_matches('|').split('|').collect();
        assert_eq!(
            cells.len(),
            4,
            "{DOC}:{line}: a threat row has 4 cells (threat, mitigation, duty, test): {row}"
        );
        let test = cells[3];
        let cites = scan(test).iter().any(|r| matches!(r, Ref::Test { .. }));
        assert!(
            cites || test.contains("no test yet"),
            "{DOC}:{line}: the test cell names no `tests/FILE.rs::name` and does not say \"no test yet\": {test}"
        );
        assert!(
            scan(cells[1]).iter().any(|r| matches!(r, Ref::Path { .. })),
            "{DOC}:{line}: the mitigation names no module under src/: {}",
            cells[1]
        );
    }
    let does_not = rows(&text, DOES_NOT);
    assert!(
        does_not.len() >= 7,
        "{DOC}: only {} rows under {DOES_NOT:?}",
        does_not.len()
    );
    for (line, row) in &does_not {
        let duty = row.trim().trim_matches('|').split('|').nth(2).unwrap_or("");
        assert!(
            duty.trim().len() > 20,
            "{DOC}:{line}: a threat rootkey does not stop needs the operator's duty: {row}"
        );
    }
}

#[test]
fn security_policy_and_readme_link_the_threat_model() {
    let security = read("SECURITY.md");
    assert!(security.contains("](docs/threat-model.md)"), "SECURITY.md");
    assert!(
        security.contains("security@"),
        "SECURITY.md names no address"
    );
    let readme = read("README.md");
    for link in ["](docs/threat-model.md)", "](SECURITY.md)"] {
        assert!(readme.contains(link), "README.md has no link {link}");
    }
}

#[test]
fn the_scanner_finds_references_and_reports_broken_ones() {
    let sample = "\
| a | `src/secret/mod.rs` mitigates | duty | `tests/threat_model_refs.rs::the_scanner_finds_references_and_reports_broken_ones` |
see `tests/threat_model_refs.rs::no_such_test`, `tests/threat_model_refs.rs::read` (a helper, not a test),
`src/no_such_module.rs`, `tests/…rs::name`, `tests/vectors/*.py`, `src/secret/`, `--out DIR`.
";
    let refs = scan(sample);
    assert_eq!(
        refs.first(),
        Some(&Ref::Path {
            line: 1,
            path: "src/secret/mod.rs".into()
        })
    );
    assert_eq!(refs.len(), 6, "{refs:?}");
    let bad = problems(sample, root());
    assert_eq!(
        bad,
        [
            format!(
                "{DOC}:2: `tests/threat_model_refs.rs::no_such_test`: tests/threat_model_refs.rs has no #[test] fn no_such_test"
            ),
            format!(
                "{DOC}:2: `tests/threat_model_refs.rs::read`: tests/threat_model_refs.rs has no #[test] fn read"
            ),
            format!("{DOC}:3: `src/no_such_module.rs` does not exist"),
        ]
    );
}
