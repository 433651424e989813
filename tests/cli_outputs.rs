//! What the ceremony commands print, as a person reads it at an 80-column terminal: every
//! `--help` page wrapped to the terminal, the generation result (fingerprint in PGP words,
//! the remaining steps in order, short share lines), the summaries of combine, rotation and
//! CRL within 80 columns, and the text-share wipe.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;

const WIDTH: usize = 80;

fn help(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(args)
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "rootkey {}: {o:?}",
        args.join(" ")
    );
    String::from_utf8(o.stdout).unwrap()
}

/// The subcommand names listed under "Commands:" of a help page (without `help`).
fn subcommands(page: &str) -> Vec<String> {
    page.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A wrapped description continues further in; a command starts at column 3.
        .filter(|l| !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

/// Asserts that no line of `text` is wider than 80 columns (characters, not bytes).
fn fits(text: &str, what: &str) {
    for (n, l) in text.lines().enumerate() {
        assert!(
            l.chars().count() <= WIDTH,
            "{what}, line {}: {} columns:\n{l}\n--- whole text ---\n{text}",
            n + 1,
            l.chars().count()
        );
    }
}

/// Every command's `--help` and `-h`, found by walking the "Commands:" lists from the top,
/// fits 80 columns when COLUMNS=80 (clap wraps to the terminal; examples and usage lines are
/// broken by hand).
#[test]
fn every_help_page_fits_80_columns() {
    let mut todo: Vec<Vec<String>> = vec![vec![]];
    let mut seen = BTreeSet::new();
    while let Some(path) = todo.pop() {
        for flag in ["--help", "-h"] {
            let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
            args.push(flag);
            let page = help(&args);
            fits(&page, &format!("rootkey {}", args.join(" ")));
            if flag == "--help" {
                for sub in subcommands(&page) {
                    let mut next = path.clone();
                    next.push(sub);
                    todo.push(next);
                }
            }
        }
        seen.insert(path.join(" "));
    }
    // The walk really reached the leaves (a broken "Commands:" parse would stop at the top).
    for c in [
        "generate",
        "rehearse",
        "share verify",
        "share wipe",
        "intermediate sign",
        "crl sign",
        "combine",
        "transcript verify",
        "transcript attest",
        "transcript report",
        "paper wipe",
        "chain verify",
        "token list",
        "token describe",
    ] {
        assert!(seen.contains(c), "{c} not reached; reached: {seen:?}");
    }
}

/// The help is wrapped to the terminal, not to a fixed width: at 60 columns the long option
/// descriptions wrap shorter (examples are kept as written).
#[test]
fn help_wraps_to_the_terminal_width() {
    let o = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(["generate", "--help"])
        .env("COLUMNS", "60")
        .output()
        .unwrap();
    let page = String::from_utf8(o.stdout).unwrap();
    let options: String = page
        .lines()
        .skip_while(|l| *l != "Options:")
        .take_while(|l| !l.starts_with("Examples:"))
        .collect::<Vec<_>>()
        .join("\n");
    fits(&options, "generate --help at 60 columns");
    assert!(
        options.lines().all(|l| l.chars().count() <= 60),
        "not wrapped to 60:\n{options}"
    );
}

/// Runs rootkey in `dir` with COLUMNS=80.
fn rootkey_in(dir: &Path, args: &[&str]) -> Run {
    let o = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(args)
        .current_dir(dir)
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    Run {
        what: format!("rootkey {} (in {})", args.join(" "), dir.display()),
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// The 32 bytes of a fingerprint shown as `SHA256:` + two lines of eight hex groups.
fn fingerprint_from(stdout: &str, label: &str) -> [u8; 32] {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with(label));
    let first = lines.next().expect("fingerprint line");
    let hex: String = first[first.find("SHA256:").unwrap() + 7..]
        .chars()
        .chain(lines.next().unwrap().chars())
        .filter(|c| c.is_ascii_hexdigit())
        .collect();
    let mut fp = [0u8; 32];
    hex::decode_to_slice(&hex, &mut fp).unwrap();
    fp
}

/// The generation result at 80 columns: the fingerprint unbroken inside a group and in PGP
/// words (those of the root key in root.pem), the output directory once and bare file names,
/// and the remaining steps in order — each of whose commands works when typed as shown.
#[test]
fn the_generation_result_reads_aloud_and_gives_the_remaining_steps_in_order() {
    let t = tempfile::tempdir().unwrap();
    // A long output directory: the share lines must not carry it.
    let out = t
        .path()
        .join("ceremony-output-with-a-rather-long-directory-name-2026");
    let r = generate_run(&repo_path("ceremony-scripts/rehearsal.toml"), &out, &[]);
    r.ok();
    fits(&r.stdout, "generate's summary");
    let dir = out.display().to_string();
    assert_eq!(
        r.stdout.matches(dir.as_str()).count(),
        2,
        "the directory is shown once, and once in `cd DIR`:\n{}",
        r.stdout
    );
    // The fingerprint: the key in root.pem, two lines of whole groups, then its PGP words.
    let fp = fingerprint_from(&r.stdout, "  fingerprint   SHA256:");
    let root = rootkey::cert::RootCert::load(&out.join("root.pem")).unwrap();
    assert_eq!(fp, root.fingerprint, "the fingerprint shown is root.pem's");
    let words: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("  read aloud (PGP words"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .flat_map(str::split_whitespace)
        .collect();
    assert_eq!(words, rootkey::pgpwords::encode(&fp));
    // The shares by bare name, with their medium.
    r.stdout_has(&[
        "  share  1  Alice Rehearsal  share-01-alice-rehearsal.txt (text, 0600)\n",
        "  share  3  Carol Rehearsal  share-03-carol-rehearsal.pdf (paper, 0600)\n",
    ]);
    // The remaining steps, in order.
    let steps = [
        &format!(
            "Next steps, in order, with commands typed in the output directory:\n  cd {dir}\n"
        ),
        "  1. Print each paper shard (share-NN-*.pdf) at 100 % and hand it to its holder.\n",
        "  2. Each holder checks their share alone (no other share is needed):\n       \
         rootkey share verify --manifest manifest.json --root root.pem SHARE\n     \
         where SHARE is, for\n",
        "       share 1 (Alice Rehearsal)  share-01-alice-rehearsal.txt\n",
        "       share 3 (Carol Rehearsal)  --qr-image PHOTO (of the printout)\n",
        "  3. Once each text-share holder has their copy, wipe the text share files:\n       \
         rootkey share wipe .\n",
        "  4. Once every paper shard is printed and checked, wipe the shard PDFs:\n       \
         rootkey paper wipe .\n",
        "  5. Each witness attests the sealed transcript with their key:\n       \
         rootkey transcript attest transcript.jsonl --root root.pem \\\n           \
         --key WITNESS-KEY.pem --name \"WITNESS NAME\"\n",
    ];
    let mut at = 0;
    for s in steps {
        let found = r.stdout[at..]
            .find(s)
            .unwrap_or_else(|| panic!("{s:?} not found after byte {at}:\n{}", r.stdout));
        at += found + s.len();
    }
    // The commands work as shown, typed in the output directory.
    rootkey_in(
        &out,
        &[
            "share",
            "verify",
            "--manifest",
            "manifest.json",
            "--root",
            "root.pem",
            "share-01-alice-rehearsal.txt",
        ],
    )
    .ok()
    .stdout_has(&["OK: share 1 of 5 (threshold 3) of holder \"Alice Rehearsal\" is authentic"]);
    let w = rootkey_in(&out, &["share", "wipe", "."]);
    w.ok().stdout_has(&[
        "wiped ./share-01-alice-rehearsal.txt\n",
        "wiped ./share-02-bob-rehearsal.txt\n",
        "2 text share file(s) overwritten and removed from .\n",
    ]);
    let left: BTreeSet<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter().all(|n| !n.ends_with(".txt"))
            && left.iter().filter(|n| n.ends_with(".pdf")).count() == 3,
        "text shares gone, paper shards kept: {left:?}"
    );
    rootkey_in(&out, &["paper", "wipe", "."]).ok();
}

/// `share wipe` refuses what `paper wipe` refuses: a directory that holds no ceremony, one
/// with no text share, and a share file that is a symbolic link (left untouched, exit 1).
#[test]
fn share_wipe_refuses_as_paper_wipe_does() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    fs::write(d.join("share-01-x.txt"), "not a ceremony").unwrap();
    let r = rootkey_in(d, &["share", "wipe", "."]);
    r.code(1).stderr_has(&[
        "error: .: not a ceremony directory (no manifest.json or transcript.jsonl); nothing wiped",
    ]);
    assert!(d.join("share-01-x.txt").exists());
    let out = d.join("c");
    generate_run(&text_rehearsal_plan(), &out, &[]).ok();
    let target = d.join("elsewhere.txt");
    fs::write(&target, "keep me").unwrap();
    std::os::unix::fs::symlink(&target, out.join("share-09-link.txt")).unwrap();
    let r = rootkey_in(&out, &["share", "wipe", "."]);
    r.code(1)
        .stderr_has(&["share-09-link.txt", "could not be wiped"]);
    assert_eq!(fs::read_to_string(&target).unwrap(), "keep me");
    assert!(out.join("share-09-link.txt").symlink_metadata().is_ok());
    assert!(!out.join("share-01-alice-rehearsal.txt").exists());
    let r = rootkey_in(&out, &["share", "wipe", "."]);
    r.code(1);
    let gone = tempfile::tempdir().unwrap();
    let empty = gone.path().join("e");
    generate_run(&repo_path("ceremony-scripts/rehearsal.toml"), &empty, &[]).ok();
    for f in share_files(&empty) {
        if f.extension().is_some_and(|e| e == "txt") {
            fs::remove_file(f).unwrap();
        }
    }
    rootkey_in(&empty, &["share", "wipe", "."])
        .code(1)
        .stderr_has(&["error: .: no text share files (share-NN-*.txt) to wipe"]);
}

/// The summary printed once a signing ceremony is done: from its "Quorum:" line on.
fn after_quorum(stdout: &str) -> &str {
    &stdout[stdout.find("Quorum: ").expect("a quorum line")..]
}

/// The summaries of combine, `intermediate sign` and `crl sign` fit 80 columns (they used to
/// reach 166: the quorum and the root on one line, the paths of every file written).
#[test]
fn combine_rotation_and_crl_summaries_fit_80_columns() {
    let t = tempfile::tempdir().unwrap();
    // A directory as long as a real one (the lines used to carry it up to three times).
    let d = t.path().join("ceremonies-2026-example-corp");
    fs::create_dir(&d).unwrap();
    let g = d.join("root");
    generate_run(&text_rehearsal_plan(), &g, &[]).ok();
    let shares = share_files(&g);
    let mut args = vec![
        "combine".to_string(),
        "--manifest".into(),
        s(&g.join("manifest.json")),
        "--root".into(),
        s(&g.join("root.pem")),
        "--out".into(),
        s(&d.join("check")),
    ];
    args.extend(shares.iter().map(|p| s(p)));
    let r = rootkey(&args);
    r.ok().stdout_has(&[
        "Quorum: shares 1, 2 and 3 rebuilt the root key\n  share  1  Alice Rehearsal\n",
        "It matches the root certificate\n  CN=REHEARSAL Example Corp Root CA,O=Example Corp,C=US\n  SHA256:",
        "  share 4 (Dave Rehearsal) also agrees\n",
        "Transcript (sealed by the rebuilt key):\n",
    ]);
    fits(&r.stdout, "combine's summary");
    let csr = openssl_csr(&d, "prod", "p256", CSR_SUBJECT);
    let quorum: Vec<String> = shares[..3]
        .iter()
        .flat_map(|p| ["--share".to_string(), s(p)])
        .collect();
    let common: Vec<String> = vec![
        "--root".into(),
        s(&g.join("root.pem")),
        "--manifest".into(),
        s(&g.join("manifest.json")),
        "--confirm".into(),
        "Ann Officer".into(),
        "--confirm".into(),
        "Bob Witness".into(),
    ];
    let mut args: Vec<String> = vec![
        "intermediate".into(),
        "sign".into(),
        "--csr".into(),
        s(&csr),
        "--csr-sha256".into(),
        csr_der_sha256(&csr),
        "--profile".into(),
        s(&repo_path("templates/intermediate.toml")),
        "--out".into(),
        s(&d.join("rotation")),
    ];
    args.extend(common.iter().cloned());
    args.extend(quorum.iter().cloned());
    let r = rootkey(&args);
    r.ok().stdout_has(&[
        "confirmed by \"Ann Officer\" and \"Bob Witness\"\n",
        "\n  intermediate.pem\n  intermediate-chain.pem  (intermediate then root)\n",
        "Check it:\n  cd ",
        "\n  openssl verify -CAfile root.pem intermediate.pem\n",
        "\n  rootkey transcript verify transcript.jsonl --root root.pem --artifacts .\n",
    ]);
    // The summary after the signature (the confirmation screen before it is another's).
    fits(after_quorum(&r.stdout), "intermediate sign's summary");
    let mut args: Vec<String> = vec![
        "crl".into(),
        "sign".into(),
        "--first-crl".into(),
        "--revoke".into(),
        "5f:3a:91:keyCompromise".into(),
        "--out".into(),
        s(&d.join("crl")),
    ];
    args.extend(common);
    args.extend(quorum);
    let r = rootkey(&args);
    r.ok().stdout_has(&[
        "CRL SIGNED: number 01, 1 revoked certificate(s)\n  next update ",
        "\n  openssl crl -in root.crl.pem -noout -verify -CAfile root.pem\n",
    ]);
    fits(after_quorum(&r.stdout), "crl sign's summary");
    // The commands shown work when typed in the output directory.
    let rot = d.join("rotation");
    rootkey_in(
        &rot,
        &[
            "transcript",
            "verify",
            "transcript.jsonl",
            "--root",
            "root.pem",
            "--artifacts",
            ".",
        ],
    )
    .ok();
}

/// The text of page 1 of a PDF, by pdftotext, lines joined by spaces.
fn pdf_text(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(o.status.success(), "pdftotext {}: {o:?}", pdf.display());
    String::from_utf8_lossy(&o.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The paper shard speaks to its holder: no QR jargon, the envelope's serial written on the
/// sheet before it is sealed, and whom to tell named from the plan (its ceremony officer), or
/// "the ceremony owner" when the plan names nobody.
#[test]
fn the_paper_shard_names_whom_to_tell_and_writes_the_serial_before_sealing() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("g");
    generate_run(&repo_path("ceremony-scripts/rehearsal.toml"), &out, &[]).ok();
    let text = pdf_text(&out.join("share-03-carol-rehearsal.pdf"));
    assert!(!text.contains("9-Q"), "QR jargon on the shard: {text}");
    assert!(
        text.contains("QR code: the one-line form (RKS1:...)"),
        "{text}"
    );
    let write = text
        .find("Before sealing: write the envelope's serial number and today's date below.")
        .unwrap_or_else(|| panic!("no serial instruction: {text}"));
    let seal = text
        .find("Then seal this sheet in that tamper-evident envelope")
        .unwrap_or_else(|| panic!("no sealing instruction: {text}"));
    assert!(write < seal, "the serial is written before sealing: {text}");
    assert!(
        text.contains("If the envelope is lost, damaged or opened, tell Oscar Officer (ceremony officer) at once."),
        "{text}"
    );
    // A plan without a ceremony officer or administrator: the general wording.
    let plan = t.path().join("plain.toml");
    fs::write(
        &plan,
        plan_toml("Plain", true, 2, 3, 3).replacen("medium = \"text\"", "medium = \"paper\"", 1),
    )
    .unwrap();
    let out = t.path().join("p");
    generate_run(&plan, &out, &[]).ok();
    let text = pdf_text(&out.join("share-01-holder-01.pdf"));
    assert!(
        text.contains(
            "If the envelope is lost, damaged or opened, tell the ceremony owner at once."
        ),
        "{text}"
    );
}

/// The text of each page of a PDF (pdftotext, one page at a time).
fn pdf_pages(pdf: &[u8]) -> Vec<String> {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("doc.pdf");
    fs::write(&p, pdf).unwrap();
    let mut pages = Vec::new();
    for n in 1.. {
        let o = Command::new("pdftotext")
            .args(["-layout", "-f", &n.to_string(), "-l", &n.to_string()])
            .arg(&p)
            .arg("-")
            .output()
            .unwrap();
        if !o.status.success() || n > 50 {
            break;
        }
        pages.push(String::from_utf8_lossy(&o.stdout).into_owned());
    }
    pages
}

/// The report's signature block never stands alone at the top of a page: whatever fills the
/// page before it, the auditors' heading and their statement are on the page of the
/// signature lines.
#[test]
fn report_signature_lines_stay_with_their_heading_and_statement() {
    use rootkey::pdfdoc::{Block, Document, PaperSize, render};
    let mut moved = 0;
    for filler in 30..70 {
        let mut blocks: Vec<Block> = (0..filler)
            .map(|i| Block::Paragraph(format!("Filler line {i}.")))
            .collect();
        blocks.extend([
            Block::Heading("Auditors".into()),
            Block::Paragraph(
                "We replayed this transcript with rootkey and checked the result above.".into(),
            ),
            Block::SignatureLines(vec![
                "Auditor 1 — name and signature".into(),
                "Auditor 2 — name and signature".into(),
            ]),
        ]);
        let doc = Document {
            title: "Report".into(),
            subtitle: None,
            blocks,
            footer: "footer".into(),
            watermark: None,
        };
        let pages = pdf_pages(&render(&doc, PaperSize::A4).unwrap());
        let last = pages.last().unwrap();
        assert!(last.contains("Auditor 2"), "filler {filler}: {last}");
        assert!(
            last.contains("Auditors") && last.contains("We replayed this transcript"),
            "filler {filler}: the signature lines are alone on page {}:\n{last}",
            pages.len()
        );
        moved += usize::from(pages.len() > 1 && !last.contains("Filler line"));
    }
    // The loop did reach the page break (else it proved nothing).
    assert!(moved > 0, "no filler count pushed the block to a new page");
}

/// In the report PDF a SHA-256 is broken only between groups of eight digits and a path only
/// after a `/` (they used to break anywhere).
#[test]
fn report_pdf_breaks_hashes_between_groups_and_paths_at_separators() {
    let t = tempfile::tempdir().unwrap();
    let deep = t
        .path()
        .join("an-archive-of-ceremonies/2026/root-key-generation-example-corp/rehearsal-run");
    fs::create_dir_all(deep.parent().unwrap()).unwrap();
    generate_run(&text_rehearsal_plan(), &deep, &[]).ok();
    let md = t.path().join("r.md");
    let pdf = t.path().join("r.pdf");
    rootkey([
        "transcript",
        "report",
        &s(&deep.join("transcript.jsonl")),
        "--artifacts",
        &s(&deep),
        "--out",
        &s(&md),
        "--pdf",
        &s(&pdf),
    ])
    .ok();
    let markdown = fs::read_to_string(&md).unwrap();
    let pages = pdf_pages(&fs::read(&pdf).unwrap());
    let text = pages.join("\n");
    // Every 64-digit hash of the Markdown appears in the PDF cut into pieces of 8 digits.
    let mut hashes = 0;
    for word in markdown.split(|c: char| !c.is_ascii_hexdigit()) {
        if word.len() != 64 {
            continue;
        }
        hashes += 1;
        let mut at = 0;
        while at < 64 {
            // The longest run of the hash found at `at` in the PDF text.
            let run = (at + 1..=64)
                .rev()
                .find(|&end| text.contains(&word[at..end]))
                .unwrap_or_else(|| panic!("{} not in the PDF", &word[at..]));
            assert!(
                run == 64 || (run - at) % 8 == 0,
                "hash {word} broken after digit {run}, inside a group of 8:\n{text}"
            );
            at = run;
        }
    }
    assert!(hashes > 5, "the report holds hashes: {markdown}");
    // The transcript's path is broken only after a '/'.
    for line in text.lines() {
        let l = line.trim();
        if let Some(i) = l.find("an-archive") {
            let rest = &l[i..];
            let piece = rest.split_whitespace().next().unwrap();
            assert!(
                piece.ends_with('/')
                    || piece.ends_with("transcript.jsonl")
                    || piece.ends_with("rehearsal-run"),
                "path broken inside a name: {piece:?}\n{text}"
            );
        }
    }
}
