//! `rootkey plan render` (issue 13, item 3): the printed script of every shipped plan, as
//! Markdown and as PDF, has exactly the steps of `ceremony::script` — the list the guided
//! runner's screens show — with the same numbers, people and titles, in the same order (read
//! back from the PDF with `pdftotext`); materials and the exception log are there; an existing
//! file is never replaced and a broken plan writes nothing.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use rootkey::ceremony::script::{ScriptKind, ScriptStep, script};
use rootkey::plan::Plan;

const SHIPPED: [&str; 5] = [
    "ceremony-scripts/root-generation.toml",
    "ceremony-scripts/intermediate-rotation.toml",
    "ceremony-scripts/crl.toml",
    "ceremony-scripts/share-audit.toml",
    "ceremony-scripts/rehearsal.toml",
];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rootkey(args: &[&std::ffi::OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn render(plan: &str, out: &Path) -> (i32, String, String) {
    rootkey(&[
        "plan".as_ref(),
        "render".as_ref(),
        plan.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

/// The steps the runner will show for the plan.
fn screens(rel: &str) -> Vec<ScriptStep> {
    let plan = Plan::load(&repo().join(rel)).unwrap();
    script(&plan, ScriptKind::of(&plan)).unwrap()
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_markdown_script_has_the_runner_s_headers_in_order() {
    let t = tempfile::tempdir().unwrap();
    for rel in SHIPPED {
        let out = t.path().join(format!("{}.md", rel.replace('/', "_")));
        let (code, stdout, stderr) = render(rel, &out);
        let steps = screens(rel);
        assert_eq!((code, stderr.as_str()), (0, ""), "{rel}");
        assert_eq!(
            stdout,
            format!(
                "script written: {} ({} steps)\n",
                out.display(),
                steps.len()
            )
        );
        assert_eq!(
            fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o644
        );
        let md = fs::read_to_string(&out).unwrap();
        let headers: Vec<&str> = md.lines().filter_map(|l| l.strip_prefix("### ")).collect();
        let want: Vec<String> = steps.iter().map(ScriptStep::header).collect();
        assert_eq!(headers, want, "{rel}");
        assert_eq!(
            md.matches("Initials: ________  Time: ________").count(),
            steps.len()
        );
        for needle in ["## Materials\n", "## Witness's exception log\n", "- [ ] "] {
            assert!(md.contains(needle), "{rel}: {needle}");
        }
        // Checklist steps carry their full text; critical steps say so.
        for s in &steps {
            if let Some(text) = &s.text {
                assert!(md.contains(&format!("\n{text}\n")), "{rel}: {text}");
            }
        }
        assert_eq!(
            md.matches("Critical: two different people type back the code")
                .count(),
            steps.iter().filter(|s| s.is_critical()).count(),
            "{rel}"
        );
    }
}

/// Finds each step in the PDF's text, in order: a line `n/N  Actor (Name)` and, before the
/// next step, a line with the title.
fn assert_pdf_has_steps(text: &str, steps: &[ScriptStep], what: &str) {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut at = 0;
    for s in steps {
        let start = format!("{}/{} ", s.number, s.total);
        let found = lines[at..]
            .iter()
            .position(|l| l.starts_with(&start) && l[start.len()..].trim_start() == s.actor_line());
        let Some(i) = found else {
            panic!(
                "{what}: step {start}· {} not found after line {at}:\n{text}",
                s.actor_line()
            );
        };
        at += i + 1;
        let next = format!("{}/{} ", s.number + 1, s.total);
        let end = lines[at..]
            .iter()
            .position(|l| l.starts_with(&next))
            .map_or(lines.len(), |j| at + j);
        assert!(
            lines[at..end].contains(&s.title.as_str()),
            "{what}: step {start}: title {:?} not under its actor",
            s.title
        );
    }
}

#[test]
fn the_pdf_script_read_back_has_the_same_steps_as_the_screens() {
    let t = tempfile::tempdir().unwrap();
    for rel in SHIPPED {
        let out = t.path().join(format!("{}.pdf", rel.replace('/', "_")));
        let (code, _, stderr) = render(rel, &out);
        assert_eq!((code, stderr.as_str()), (0, ""), "{rel}");
        let bytes = fs::read(&out).unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = pdftotext(&out);
        let steps = screens(rel);
        assert_pdf_has_steps(&text, &steps, rel);
        for needle in [
            "Materials",
            "Witness's exception log",
            "What happened",
            "Internal witness",
        ] {
            assert!(text.contains(needle), "{rel}: {needle}");
        }
        // No step number beyond the list.
        let n = steps.len();
        assert!(!text.contains(&format!("{}/{n} ", n + 1)), "{rel}");
    }
}

#[test]
fn the_materials_follow_the_plan() {
    let t = tempfile::tempdir().unwrap();
    let md = |rel: &str| {
        let out = t.path().join(format!("{}.md", rel.replace('/', "_")));
        assert_eq!(render(rel, &out).0, 0);
        let text = fs::read_to_string(&out).unwrap();
        let start = text.find("## Materials\n").unwrap();
        let end = text.find("## Steps\n").unwrap();
        text[start..end].to_string()
    };
    let root = md(SHIPPED[0]);
    for needle in [
        "- [ ] Holder 1 (Security officer, jurisdiction A): the only YubiKey present, its PIN known to the holder only\n",
        "- [ ] Holder 3 (Legal counsel): a tamper-evident envelope for the paper shard\n",
        "- [ ] A printer connected by cable (no network) and 3 sheets of paper for the paper shards\n",
        "- [ ] Yubico's PIV attestation CA (piv-attestation-ca.pem)",
        "- [ ] The root profile ../templates/root.toml\n",
    ] {
        assert!(root.contains(needle), "{needle}\n{root}");
    }
    assert!(!root.contains("dice"), "{root}");
    let rotation = md(SHIPPED[1]);
    for needle in [
        "- [ ] USB stick with the CSR usb-csr/intermediate-2027.csr",
        "- [ ] The previous intermediate rotation-2026/intermediate.pem\n",
        "- [ ] Holder 1 (Security officer, jurisdiction A): the only YubiKey present and its payload file share-01-….token, and the PIN\n",
        "- [ ] Holder 3 (Legal counsel): the paper shard in its sealed envelope\n",
    ] {
        assert!(rotation.contains(needle), "{needle}\n{rotation}");
    }
    // Only the holders the plan expects (shares 1, 3 and 4) bring their shares.
    assert!(!rotation.contains("Holder 2 ("), "{rotation}");
    assert!(!rotation.contains("Holder 5 ("), "{rotation}");
    let crl = md(SHIPPED[2]);
    assert!(
        crl.contains("- [ ] The previous CRL crl-2026/root.crl\n"),
        "{crl}"
    );
    let audit = md(SHIPPED[3]);
    assert_eq!(audit.matches("- [ ] Holder ").count(), 5, "{audit}");
    let rehearsal = md(SHIPPED[4]);
    assert!(
        rehearsal.contains(
            "Holder 1 (Alice Rehearsal): paper and pen, or a printer, for the text share"
        ),
        "{rehearsal}"
    );
}

#[test]
fn an_existing_file_is_never_replaced_and_a_broken_plan_writes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("script.pdf");
    fs::write(&out, "earlier").unwrap();
    let (code, stdout, stderr) = render(SHIPPED[0], &out);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        format!(
            "error: --out {}: already exists (a file); refusing to overwrite it — nothing was written\n  next step: give a file name that does not exist yet\n",
            out.display()
        )
    );
    assert_eq!(fs::read(&out).unwrap(), b"earlier");

    let bad = t.path().join("bad.toml");
    let text = fs::read_to_string(repo().join(SHIPPED[0]))
        .unwrap()
        .replace("after = \"write-manifest\"", "after = \"write-shares\"");
    fs::write(&bad, text).unwrap();
    let fresh = t.path().join("fresh.md");
    let (code, _, stderr) = render(bad.to_str().unwrap(), &fresh);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("column 9, key checklist.after: \"write-shares\" is not a step"),
        "{stderr}"
    );
    assert!(!fresh.exists());

    let (code, _, stderr) = render(SHIPPED[0], &t.path().join("script.txt"));
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        format!(
            "error: --out {}: the script is written as Markdown (.md) or PDF (.pdf); this name has neither extension\n  next step: give a file name ending in .md or .pdf, e.g. --out script.pdf\n",
            t.path().join("script.txt").display()
        )
    );
    // Nothing else appeared (no temporary file left behind).
    let mut names: Vec<String> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["bad.toml", "script.pdf"]);
}
