//! The layers of `docs/architecture.md`, enforced: every `crate::MODULE` path in every file
//! under `src/` (in `use` lines and inline, `crate::{a, b}` groups included) must name a module
//! of the file's own layer or of a layer below it; and the graph of top-level modules has no
//! cycle. A failure names the file, the line and the two layers.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Bottom first. A module may import modules of its own layer and of every layer before it.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "error", "secret", "encoding", "jcs", "pgpwords", "pem", "tomlpos", "fsio",
        ],
    ),
    (
        "formats",
        &[
            "key",
            "shamir",
            "share",
            "manifest",
            "cert",
            "transcript",
            "plan",
        ],
    ),
    ("media", &["pdfdoc", "paper", "token"]),
    ("console", &["console"]),
    ("ceremony", &["ceremony"]),
    ("cli", &["cli"]),
];

/// Items `src/lib.rs` re-exports at the crate root (`pub use error::{Error, Result}`), and the
/// module each comes from.
const ROOT_REEXPORTS: &[(&str, &str)] = &[("Error", "error"), ("Result", "error")];

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    let module = ROOT_REEXPORTS
        .iter()
        .find(|(item, _)| *item == module)
        .map_or(module, |(_, m)| m);
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, mods))| mods.contains(&module))
        .map(|(i, (name, _))| (i, *name))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file under `src/` belongs to (`src/cert/crl/read.rs` → `cert`).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

/// The code of a line without its `//` comment (string literals holding `//` are rare in
/// paths; a false cut only hides text after it, never invents an import).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Every `crate::NAME` in `text` with the 1-based line where it occurs; `crate::{a, b::c}`
/// groups (possibly over several lines) give each top-level name.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().map(code).collect();
    let joined: String = lines.join("\n");
    let line_at = |pos: usize| joined[..pos].matches('\n').count() + 1;
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = joined[from..].find("crate::") {
        let start = from + i;
        from = start + "crate::".len();
        // `$crate::` in macros and `rootkey_crate::` style names are not ours.
        let before = joined[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &joined[from..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            let mut items = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => items.push(std::mem::take(&mut item)),
                    _ if depth == 1 => item.push(c),
                    _ => {}
                }
            }
            items.push(item);
            for it in items {
                let name: String = it
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.push((line_at(start), name));
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.push((line_at(start), name));
        }
    }
    found
}

#[test]
fn no_module_imports_from_a_higher_layer_and_the_module_graph_has_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut faults = Vec::new();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        if module == "lib" || module == "main" {
            continue;
        }
        let rel = file.strip_prefix(src.parent().unwrap()).unwrap().display();
        let Some((own, own_name)) = layer_of(&module) else {
            faults.push(format!(
                "{rel}: module `{module}` is in no layer: add it to LAYERS here and to docs/architecture.md"
            ));
            continue;
        };
        let text = fs::read_to_string(file).unwrap();
        assert!(
            !text.contains("super::super::super"),
            "{rel}: reaches the crate root through super::super::super; use crate:: paths"
        );
        for (line, name) in crate_paths(&text) {
            if name == module || name == "self" {
                continue;
            }
            let Some((theirs, their_name)) = layer_of(&name) else {
                faults.push(format!(
                    "{rel}:{line}: imports `crate::{name}`, which is in no layer"
                ));
                continue;
            };
            let target = ROOT_REEXPORTS
                .iter()
                .find(|(item, _)| *item == name)
                .map_or(name.as_str(), |(_, m)| m);
            if target != module {
                graph
                    .entry(module.clone())
                    .or_default()
                    .insert(target.to_string());
            }
            if theirs > own {
                faults.push(format!(
                    "{rel}:{line}: `{module}` ({own_name}) imports `crate::{name}` ({their_name}), a higher layer"
                ));
            }
        }
    }
    // Depth-first search for a cycle among top-level modules.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(2) => return None,
            Some(1) => {
                let i = stack.iter().position(|s| s == m).unwrap();
                let mut cycle = stack[i..].to_vec();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(m.to_string(), 1);
        stack.push(m.to_string());
        for n in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(n, graph, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(m.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if let Some(c) = visit(m, &graph, &mut state, &mut Vec::new()) {
            faults.push(format!("module cycle: {}", c.join(" → ")));
            break;
        }
    }
    assert!(
        faults.is_empty(),
        "layer rule broken (docs/architecture.md, \"Layers\"):\n{}",
        faults.join("\n")
    );
}

#[test]
fn the_root_reexports_listed_here_are_those_of_lib_rs() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let uses: Vec<&str> = lib.lines().filter(|l| l.starts_with("pub use ")).collect();
    assert_eq!(
        uses,
        ["pub use error::{Error, Result};"],
        "update ROOT_REEXPORTS"
    );
}

#[test]
fn the_scanner_sees_grouped_inline_and_multi_line_imports() {
    let text = "use crate::error::Result;\nuse crate::{\n    cert::{self, X},\n    key,\n};\n// use crate::cli;\nfn f() { crate::console::out(); $crate::x(); }\n";
    let got: Vec<(usize, String)> = crate_paths(text);
    let want: Vec<(usize, String)> = vec![
        (1, "error".into()),
        (2, "cert".into()),
        (2, "key".into()),
        (7, "console".into()),
    ];
    assert_eq!(got, want);
}
