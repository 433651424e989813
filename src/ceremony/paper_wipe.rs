//! `rootkey paper wipe DIR`: overwrites and removes the paper shard PDFs of a ceremony
//! directory once they are printed; every file is tried and each outcome reported.

use std::path::{Path, PathBuf};

use crate::console;
use crate::error::{Error, Kind, Result, exit};

/// `rootkey paper wipe DIR`. Returns the exit code.
pub fn run(dir: PathBuf) -> Result<i32> {
    let shards = paper_shards(&dir)?;
    // Every file is tried, even when its outcome cannot be shown; each outcome is
    // reported.
    let mut failed = Vec::new();
    let mut lost: Option<Error> = None;
    let mut refused_only = true;
    for p in &shards {
        let shown = match crate::fsio::overwrite_and_remove(std::slice::from_ref(p)) {
            Ok(_) => console::out(
                "the list of wiped files",
                &format!("wiped {}\n", p.display()),
            ),
            Err(e) => {
                refused_only &= e.fault() == crate::error::Fault::Operator;
                failed.push(p.display().to_string());
                console::report_error(&e)
            }
        };
        if let Err(e) = shown {
            lost.get_or_insert(e);
        }
    }
    let summary = console::out(
        "the list of wiped files",
        &format!(
            "{} paper shard file(s) overwritten and removed from {}\n",
            shards.len() - failed.len(),
            dir.display()
        ),
    );
    if let Err(e) = summary {
        lost.get_or_insert(e);
    }
    if !failed.is_empty() {
        let msg = format!(
            "{} file(s) could not be wiped: {}",
            failed.len(),
            failed.join(", ")
        );
        // A refused file (a link, not a regular file, other hard links) is the
        // operator's to sort out (exit 1); anything else is the machine's (exit 4).
        let e = if refused_only {
            Error::new(Kind::PathIsLink, msg)
        } else {
            Error::new(Kind::Io, msg)
        };
        Err(e.hint("they may still hold shares: deal with each as its error says"))
    } else if let Some(e) = lost {
        Err(Error::new(
            Kind::Io,
            format!(
                "{} — every one of the {} paper shard file(s) in {} was overwritten and removed",
                e.message,
                shards.len(),
                dir.display()
            ),
        ))
    } else {
        Ok(exit::OK)
    }
}

/// True for a paper shard's name (`share-NN-SLUG.pdf`) or a temporary copy of one left by an
/// interrupted run (`.share-NN-SLUG.pdf.tmp-XXXX`).
fn is_shard_name(n: &str) -> bool {
    let shard = |s: &str| {
        s.strip_prefix("share-").is_some_and(|r| {
            r.len() > 3
                && r.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                && r.as_bytes()[2] == b'-'
        })
    };
    (shard(n) && n.ends_with(".pdf"))
        || n.strip_prefix('.')
            .and_then(|r| r.split_once(".pdf.tmp-"))
            .is_some_and(|(base, _)| shard(base))
}

/// The paper shard files of a ceremony directory (`share-NN-*.pdf`, and temporary copies left
/// by an interrupted run), sorted. The directory must hold a ceremony (`manifest.json` or
/// `transcript.jsonl`), so that no other PDF is ever wiped; an error if there are none.
pub fn paper_shards(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.join("manifest.json").exists() && !dir.join(crate::transcript::FILE_NAME).exists() {
        return Err(Error::new(
            Kind::Argument,
            format!(
                "{}: not a ceremony directory (no manifest.json or transcript.jsonl); nothing wiped",
                dir.display()
            ),
        ));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::new(
            Kind::Argument,
            format!("{}: cannot list: {e}", dir.display()),
        )
    })?;
    let mut shards: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| is_shard_name(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    shards.sort();
    if shards.is_empty() {
        return Err(Error::new(
            Kind::Argument,
            format!(
                "{}: no paper shard files (share-NN-*.pdf) to wipe",
                dir.display()
            ),
        ));
    }
    Ok(shards)
}
