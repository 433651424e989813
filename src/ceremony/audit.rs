//! The auditor's commands: `rootkey transcript verify` (replay), `transcript attest` (a
//! witness signs the sealed head) and `transcript report`. Their exit codes are the
//! transcript verdicts ([`crate::error::exit::transcript`]), not the ceremonies'.

use std::path::{Path, PathBuf};

use super::session::harden;
use super::summary;
use crate::console;
use crate::error::{Error, Kind, Result, exit};
use crate::pdfdoc::{self, Block, Document, PaperSize};
use crate::transcript::report::{Report, Section};
use crate::transcript::{self, verify};

/// What a transcript is checked against (`--root`, `--artifacts`, `--plan`, `--witnesses`,
/// `--all-witnesses`).
pub struct Against {
    /// The ceremony's root certificate.
    pub root: Option<PathBuf>,
    /// Directory holding the artifacts the transcript names.
    pub artifacts: Option<PathBuf>,
    /// The ceremony plan.
    pub plan: Option<PathBuf>,
    /// Public keys of the witnesses known.
    pub witnesses: Option<Vec<PathBuf>>,
    /// Require an attestation by every key in `witnesses`.
    pub all_witnesses: bool,
}

/// `rootkey transcript verify`: replays `transcript` and shows the verdict. Returns the
/// verdict's exit code.
pub fn verify(transcript: PathBuf, against: Against) -> Result<i32> {
    match replay(&transcript, &against) {
        Ok(r) => match plan_refused(&r, &against) {
            Some(code) => code,
            None => print_replay(&r),
        },
        Err(e) => unreadable(&e),
    }
}

/// `--plan` given for a ceremony that runs no plan (a quorum check, rotation or CRL): a usage
/// error (exit 2) named as such, never a verdict on the transcript; nothing else is shown.
fn plan_refused(r: &verify::Replay, a: &Against) -> Option<Result<i32>> {
    let plan = a.plan.as_ref()?;
    let h = r.header.as_ref().filter(|h| h.plan.is_none())?;
    let e = Error::new(
        Kind::Argument,
        format!(
            "--plan {}: transcript {} records a {} ceremony, which runs no plan (a plan applies \
             to a generation or a rehearsal only); nothing was checked",
            plan.display(),
            r.path,
            h.kind.as_str()
        ),
    )
    .hint("run the command again without --plan");
    let _ = console::report_error(&e);
    Some(Ok(exit::USAGE))
}

/// `rootkey transcript attest`: the witness `name` signs the sealed head of `transcript` with
/// the private key in `key`. Returns the exit code.
pub fn attest(transcript: PathBuf, root: PathBuf, key: PathBuf, name: String) -> Result<i32> {
    harden(false)?;
    let root = crate::cert::RootCert::load(&root)?;
    let pem = crate::fsio::read_secret(&key, 16 * 1024)
        .map_err(|e| e.context(format!("witness key {}", key.display())))?;
    let a = transcript::attest(&transcript, &root, &pem, &name)?;
    console::out("the summary", &summary::attested(&a, &name)).map_err(|e| {
        Error::new(
            Kind::Io,
            format!(
                "{} — the attestation was appended to {}; only its summary on screen was lost",
                e.message,
                a.path.display()
            ),
        )
        .hint(format!(
            "do not attest again; `rootkey transcript verify {}` lists the attestations",
            transcript.display()
        ))
    })?;
    Ok(exit::OK)
}

/// `rootkey transcript report`: replays `transcript` and writes the report to `out` (and
/// `pdf`). Returns the verdict's exit code.
pub fn report(
    transcript: PathBuf,
    out: PathBuf,
    pdf: Option<PathBuf>,
    paper: PaperSize,
    against: Against,
) -> Result<i32> {
    let r = match replay(&transcript, &against) {
        Ok(r) => r,
        Err(e) => return unreadable(&e),
    };
    if let Some(code) = plan_refused(&r, &against) {
        return code;
    }
    let rep = transcript::report::build(&r);
    let md = transcript::report::markdown(&rep);
    // Render the PDF first: nothing is written if it cannot be made.
    let pdf_bytes = match &pdf {
        Some(_) => Some(report_pdf(&rep, paper)?),
        None => None,
    };
    // Both names are checked before the first is written.
    super::outdir::check_new_file(&out, "--out")?;
    if let Some(p) = &pdf {
        super::outdir::check_new_file(p, "--pdf")?;
    }
    // From here on a failure is the environment's (exit 4), never "invalid".
    crate::fsio::write_new(&out, md.as_bytes(), crate::fsio::PUBLIC_MODE)
        .map_err(|e| report_not_written(e, None))?;
    let mut written = vec![out.clone()];
    if let (Some(p), Some(bytes)) = (&pdf, &pdf_bytes) {
        crate::fsio::write_new(p, bytes, crate::fsio::PUBLIC_MODE)
            .map_err(|e| report_not_written(e, Some(&out)))?;
        written.push(p.clone());
    }
    // Every file is in place before anything is printed: a lost list on screen never leaves
    // a report half written.
    let list: String = written
        .iter()
        .map(|p| format!("report written: {}\n", p.display()))
        .collect();
    console::out("the list of reports written", &list).map_err(|e| {
        let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        Error::new(
            Kind::Io,
            format!(
                "{} — {} written; only the list on screen was lost",
                e.message,
                names.join(" and ")
            ),
        )
        .hint("do not run the report again: the files are complete")
    })?;
    print_replay(&r)
}

type WitnessList = Vec<(String, [u8; 32])>;

fn load_against(a: &Against) -> Result<(Option<crate::cert::RootCert>, WitnessList)> {
    let root = a
        .root
        .as_deref()
        .map(crate::cert::RootCert::load)
        .transpose()?;
    let mut keys = Vec::new();
    for p in a.witnesses.iter().flatten() {
        let b = crate::fsio::read_public(p, 64 * 1024, "witness key")?;
        keys.push((
            p.display().to_string(),
            verify::witness_key_from_pem(&b, &p.display().to_string())?,
        ));
    }
    Ok((root, keys))
}

fn replay(t: &Path, a: &Against) -> Result<verify::Replay> {
    let (root, keys) = load_against(a)?;
    verify::replay(
        t,
        &verify::ReplayOptions {
            root: root.as_ref(),
            artifacts: a.artifacts.as_deref(),
            plan: a.plan.as_deref(),
            witnesses: a.witnesses.as_ref().map(|_| keys.as_slice()),
            all_witnesses: a.all_witnesses,
        },
    )
}

/// Prints the outcome of a replay and returns the exit code of `transcript verify`. A failed
/// write of the summary or the warning is an error (exit 4: the answer was not delivered); the
/// error that explains an invalid verdict is the answer's last line, and if standard error
/// refuses it the verdict's exit code still stands.
fn print_replay(r: &verify::Replay) -> Result<i32> {
    console::out("the replay summary", &summary::replayed(r))?;
    if !r.root_checked && matches!(r.verdict, verify::Verdict::Sealed) {
        console::warn(
            "no --root given: the seal was checked only against the key recorded in the transcript; \
             a transcript forged and sealed with another key would pass",
        )?;
    }
    if let verify::Verdict::Invalid(e) = &r.verdict {
        let _ = console::report_error(e);
    }
    Ok(r.exit_code())
}

/// `transcript verify` and `report` when the transcript or what it is checked against cannot
/// be read: the answer is "invalid" (1), whether or not standard error takes the reason.
fn unreadable(e: &Error) -> Result<i32> {
    let _ = console::report_error(e);
    Ok(verify::INVALID)
}

/// A report file that could not be written: the file system's fault (exit 4), never a verdict
/// on the transcript. `written` is the Markdown report if it was written before the PDF failed.
fn report_not_written(e: Error, written: Option<&Path>) -> Error {
    if e.fault() != crate::error::Fault::Environment || e.hint.is_some() {
        return e;
    }
    e.hint(match written {
        // The Markdown report is complete and is never overwritten: a second run needs
        // another --out name.
        Some(md) => format!(
            "{} was written and is complete; to get the PDF, free space or choose a writable place for it, then run `transcript report` again with another --out name (the transcript was not changed)",
            md.display()
        ),
        None => "free space or choose a writable place for the report, then run `transcript report` again (the transcript was not changed)".to_string(),
    })
}

/// Renders the report as a printable PDF (`pdfdoc`; a REHEARSAL watermark on rehearsals).
fn report_pdf(rep: &Report, paper: PaperSize) -> Result<Vec<u8>> {
    let mut blocks = Vec::new();
    for (heading, sections) in &rep.parts {
        blocks.push(Block::Heading(heading.clone()));
        for sec in sections {
            blocks.push(match sec {
                Section::Facts(kv) => Block::KeyValue(kv.clone()),
                Section::Table {
                    headers,
                    widths,
                    rows,
                } => Block::Table {
                    headers: headers.clone(),
                    widths: widths.clone(),
                    rows: rows.clone(),
                },
                Section::Text(t) => Block::Paragraph(t.clone()),
                Section::Signatures(labels) => Block::SignatureLines(labels.clone()),
            });
        }
        blocks.push(Block::Spacer(3.0));
    }
    let doc = Document {
        title: rep.title.clone(),
        subtitle: Some(format!("Result: {}", rep.verdict)),
        blocks,
        footer: rep.footer.clone(),
        watermark: rep
            .rehearsal
            .then(|| "REHEARSAL — NOT A REAL CEREMONY".to_string()),
    };
    pdfdoc::render(&doc, paper)
}
