//! Paper shards through the real binary, with outside oracles: `rootkey generate` with a
//! real plan (`tests/fixtures/real-text-paper-plan.toml`: holders 3–5 on paper) writes
//! one-page shard PDFs to a RAM-backed directory; each page rendered by `pdftoppm` decodes
//! with `zbarimg` to the share that the root-signed manifest lists; a quorum presents two
//! paper shards as photos (`--qr-image`) and one text share; persistent output is refused
//! (unless allowed, and then recorded); `--print-to` pipes the PDFs to `lp` without writing
//! them; `rootkey paper wipe` removes them.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use common::{INPUT, generate_run, repo_path, rootkey};

fn plan() -> PathBuf {
    repo_path("tests/fixtures/real-text-paper-plan.toml")
}

fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    v.sort();
    v
}

fn run(cmd: &str, args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} must be installed to run these tests: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {out:?}");
    out.stdout
}

/// Page 1 of `pdf` rendered at 150 dpi, as PNG.
fn render(pdf: &Path, dir: &Path) -> PathBuf {
    let prefix = dir.join(pdf.file_stem().unwrap());
    run(
        "pdftoppm",
        &[
            "-r".as_ref(),
            "150".as_ref(),
            "-png".as_ref(),
            "-singlefile".as_ref(),
            pdf.as_os_str(),
            prefix.as_os_str(),
        ],
    );
    prefix.with_extension("png")
}

fn transcript(dir: &Path) -> Vec<Value> {
    fs::read_to_string(dir.join("transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn paper_shards_decode_with_zbarimg_and_a_quorum_presents_them_as_photos() {
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let out = t.path().join("ceremony");
    generate_run(&plan(), &out, &[])
        .ok()
        .stdout_has(&["Split 3-of-5"]);
    let shards = pdfs(&out);
    assert_eq!(shards.len(), 3, "holders 3, 4 and 5 get paper");
    let manifest: Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let scratch = TempDir::new().unwrap();
    let mut photos = Vec::new();
    for (pdf, index) in shards.iter().zip(3..) {
        assert_eq!(
            fs::metadata(pdf).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let info = String::from_utf8(run("pdfinfo", &[pdf.as_os_str()])).unwrap();
        assert!(info.contains("Pages:           1"), "{info}");
        let png = render(pdf, scratch.path());
        // zbarimg, an independent decoder, reads the share from the rendered page.
        let qr = String::from_utf8(run(
            "zbarimg",
            &["--raw".as_ref(), "-q".as_ref(), png.as_os_str()],
        ))
        .unwrap();
        let decoded = rootkey::share::text::parse(qr.trim().as_bytes()).unwrap();
        assert_eq!(decoded.envelope.header().index, index);
        assert_eq!(
            hex::encode(decoded.envelope.digest()),
            manifest["shares"][usize::from(index) - 1]["envelope_sha256"],
            "the QR code on shard {index} is the share the manifest lists"
        );
        // The page names its share and holder.
        let text = String::from_utf8(run(
            "pdftotext",
            &["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()],
        ))
        .unwrap();
        assert!(
            text.contains(&format!("ROOT KEY SHARE {index} OF 5")),
            "{text}"
        );
        photos.push(png);
    }
    // A holder checks their paper shard alone, from a photo of it.
    rootkey([
        "share".as_ref(),
        "verify".as_ref(),
        "--qr-image".as_ref(),
        photos[0].as_os_str(),
        "--manifest".as_ref(),
        out.join("manifest.json").as_os_str(),
        "--root".as_ref(),
        out.join("root.pem").as_os_str(),
    ])
    .ok()
    .stdout_has(&["OK: share 3 of 5 (threshold 3) of holder \"Legal counsel\""]);
    // A quorum: text share 1, photos of paper shards 4 and 5.
    let chk = t.path().join("check");
    let r = rootkey([
        "combine".as_ref(),
        "--out".as_ref(),
        chk.as_os_str(),
        "--manifest".as_ref(),
        out.join("manifest.json").as_os_str(),
        "--root".as_ref(),
        out.join("root.pem").as_os_str(),
        out.join("share-01-security-officer-jurisdiction-a.txt")
            .as_os_str(),
        "--qr-image".as_ref(),
        photos[1].as_os_str(),
        "--qr-image".as_ref(),
        photos[2].as_os_str(),
    ]);
    r.ok().stdout_has(&[
        "Quorum: shares 1, 4 and 5 rebuilt the root key\n  share  1  Security officer, jurisdiction A\n  share  4  Chief technology officer\n  share  5  Chief information security officer\n",
    ]);
    // The generation transcript names the PDFs as paper shares.
    let written: Vec<Value> = transcript(&out)
        .into_iter()
        .filter(|e| e["action"] == "share-written")
        .collect();
    assert_eq!(written[2]["details"]["medium"], "paper");
    assert!(
        written[2]["details"]["file"]
            .as_str()
            .unwrap()
            .ends_with(".pdf")
    );
    let header = &transcript(&out)[0]["details"]["preflight"];
    assert_eq!(header["output_filesystem"], "tmpfs");
    assert_eq!(header["persistent_output_allowed"], false);

    // After printing: wipe.
    rootkey(["paper".as_ref(), "wipe".as_ref(), out.as_os_str()])
        .ok()
        .stdout_has(&["3 paper shard file(s) overwritten and removed"]);
    assert!(pdfs(&out).is_empty());
    rootkey(["paper".as_ref(), "wipe".as_ref(), out.as_os_str()])
        .code(INPUT)
        .stderr_has(&["no paper shard files"]);
    // Only a ceremony directory's shard files are ever wiped; a FIFO does not hang it.
    let other = t.path().join("documents");
    fs::create_dir_all(&other).unwrap();
    fs::write(
        other.join("share-price-report.pdf"),
        b"%PDF-1.4 not a shard",
    )
    .unwrap();
    rootkey(["paper".as_ref(), "wipe".as_ref(), other.as_os_str()])
        .code(INPUT)
        .stderr_has(&["not a ceremony directory"]);
    assert!(other.join("share-price-report.pdf").exists());
    let fifo = out.join("share-09-fifo.pdf");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let left = out.join(".share-03-legal-counsel.pdf.tmp-abcdef");
    fs::write(&left, b"%PDF leftover").unwrap();
    let r = rootkey(["paper".as_ref(), "wipe".as_ref(), out.as_os_str()]);
    assert_ne!(r.code, 0);
    r.stdout_has(&["wiped", ".share-03-legal-counsel.pdf.tmp-abcdef"])
        .stderr_has(&["share-09-fifo.pdf"]);
    assert!(!left.exists(), "a leftover temporary shard is wiped too");
}

#[test]
fn paper_shards_on_a_persistent_disk_are_refused_unless_allowed_and_recorded() {
    let t = TempDir::new().unwrap();
    let fstype = rootkey::fsio::filesystem_type(t.path()).unwrap();
    if rootkey::fsio::is_ram_backed(&fstype) {
        println!("note: the temporary directory is {fstype}; persistent-disk check skipped");
        return;
    }
    let out = t.path().join("disk");
    generate_run(&plan(), &out, &[])
        .code(INPUT)
        .single_error()
        .stderr_has(&[
            "paper shards must not land on a persistent disk",
            &fstype,
            "--print-to",
        ]);
    assert!(!out.join("transcript.jsonl").exists(), "nothing is started");
    // Refused before --out is created: no directory, so no PDF in it either.
    assert!(
        !out.exists(),
        "a refused generate leaves no --out directory"
    );
    let out = t.path().join("allowed");
    generate_run(&plan(), &out, &["--allow-persistent-output"]).ok();
    assert_eq!(pdfs(&out).len(), 3);
    let header = &transcript(&out)[0]["details"]["preflight"];
    assert_eq!(header["persistent_output_allowed"], true);
    assert_eq!(header["output_filesystem"], fstype.as_str());
}

/// `--print-to` pipes each PDF to `lp -d PRINTER` on stdin. An `lp` that records what it was
/// given stands in for CUPS here.
#[test]
fn print_to_sends_the_pdfs_to_lp_and_writes_none() {
    let t = TempDir::new().unwrap();
    let bin = t.path().join("bin");
    let spool = t.path().join("spool");
    fs::create_dir_all(&bin).unwrap();
    fs::create_dir_all(&spool).unwrap();
    let lp = bin.join("lp");
    fs::write(
        &lp,
        format!(
            "#!/bin/sh\nn=$(ls {spool} | wc -l)\necho \"$@\" > {spool}/job$n.args\ncat > {spool}/job$n.pdf\n",
            spool = spool.display()
        ),
    )
    .unwrap();
    fs::set_permissions(&lp, fs::Permissions::from_mode(0o755)).unwrap();
    let out = t.path().join("printed");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .env("PATH", path)
        .arg("generate")
        .arg("--plan")
        .arg(plan())
        .arg("--out")
        .arg(&out)
        .args(["--print-to", "vault-printer"])
        .args(["--allow-network", common::TEST_NETWORK_EXCEPTION])
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("paper shard sent to the printer (no file)"),
        "{stdout}"
    );
    assert!(pdfs(&out).is_empty(), "no shard PDF is written");
    let mut jobs: Vec<PathBuf> = pdfs(&spool);
    jobs.sort();
    assert_eq!(jobs.len(), 3);
    for j in &jobs {
        assert!(fs::read(j).unwrap().starts_with(b"%PDF-"));
        let args = fs::read_to_string(j.with_extension("args")).unwrap();
        assert!(args.starts_with("-d vault-printer -n 1"), "{args}");
    }
    let tr = transcript(&out);
    assert_eq!(tr[0]["details"]["preflight"]["printer"], "vault-printer");
    let written: Vec<&Value> = tr
        .iter()
        .filter(|e| e["action"] == "share-written")
        .collect();
    assert_eq!(written[3]["details"]["file"], "-");
    assert_eq!(written[3]["details"]["medium"], "paper");
    rootkey([
        "transcript".as_ref(),
        "verify".as_ref(),
        out.join("transcript.jsonl").as_os_str(),
        "--root".as_ref(),
        out.join("root.pem").as_os_str(),
    ])
    .ok();
}

/// Mistakes in how paper is produced are refused before any key exists.
#[test]
fn bad_printer_names_and_layouts_that_cannot_fit_are_refused_first() {
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let out = t.path().join("a");
    generate_run(&plan(), &out, &["--print-to", "office/duplex"])
        .code(INPUT)
        .single_error()
        .stderr_has(&["not a printer name"]);
    assert!(!out.join("transcript.jsonl").exists());
    let layout = t.path().join("paper.toml");
    let long = "Keep this sheet safe. ".repeat(18);
    let text = rootkey::paper::DEFAULT_PAPER_LAYOUT.replacen(
        "instructions = [",
        &format!("instructions = [\n  \"{long}\", \"{long}\", \"{long}\", \"{long}\", \"{long}\", \"{long}\", \"{long}\", \"{long}\",\n "),
        1,
    );
    fs::write(&layout, text).unwrap();
    let out = t.path().join("b");
    generate_run(&plan(), &out, &["--paper-layout", layout.to_str().unwrap()])
        .code(INPUT)
        .single_error()
        .stderr_has(&["paper layout, holder 3", "do not fit on one page"]);
    assert!(
        !out.join("transcript.jsonl").exists(),
        "no key was generated"
    );
}
