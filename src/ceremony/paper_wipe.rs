//! `rootkey paper wipe DIR` and `rootkey share wipe DIR`: overwrite and remove the paper shard
//! PDFs (once printed) or the text share files (once each holder has their share and has
//! checked it) of a ceremony directory; every file is tried and each outcome reported.

use std::path::{Path, PathBuf};

use crate::console;
use crate::error::{Error, Kind, Result, exit};

/// Which share files a wipe removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareFiles {
    /// Paper shard PDFs, `share-NN-SLUG.pdf` (`rootkey paper wipe`).
    Paper,
    /// Text shares, `share-NN-SLUG.txt` (`rootkey share wipe`).
    Text,
}

impl ShareFiles {
    fn ext(self) -> &'static str {
        match self {
            ShareFiles::Paper => ".pdf",
            ShareFiles::Text => ".txt",
        }
    }

    fn what(self) -> &'static str {
        match self {
            ShareFiles::Paper => "paper shard",
            ShareFiles::Text => "text share",
        }
    }
}

/// `rootkey paper wipe DIR`. Returns the exit code.
pub fn run(dir: PathBuf) -> Result<i32> {
    wipe(dir, ShareFiles::Paper)
}

/// `rootkey paper wipe DIR` (`ShareFiles::Paper`) or `rootkey share wipe DIR`
/// (`ShareFiles::Text`). Returns the exit code.
pub fn wipe(dir: PathBuf, kind: ShareFiles) -> Result<i32> {
    let shards = share_files(&dir, kind)?;
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
            "{} {} file(s) overwritten and removed from {}\n",
            shards.len() - failed.len(),
            kind.what(),
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
                "{} — every one of the {} {} file(s) in {} was overwritten and removed",
                e.message,
                shards.len(),
                kind.what(),
                dir.display()
            ),
        ))
    } else {
        Ok(exit::OK)
    }
}

/// True for a share file's name (`share-NN-SLUG.pdf` or `.txt`, by `kind`) or a temporary copy
/// of one left by an interrupted run (`.share-NN-SLUG.pdf.tmp-XXXX`).
fn is_shard_name(n: &str, kind: ShareFiles) -> bool {
    let ext = kind.ext();
    let shard = |s: &str| {
        s.strip_prefix("share-").is_some_and(|r| {
            r.len() > 3
                && r.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                && r.as_bytes()[2] == b'-'
        })
    };
    (shard(n) && n.ends_with(ext))
        || n.strip_prefix('.')
            .and_then(|r| r.split_once(&format!("{ext}.tmp-")))
            .is_some_and(|(base, _)| shard(base))
}

/// The paper shard files of a ceremony directory (`share-NN-*.pdf`, and temporary copies left
/// by an interrupted run), sorted. The directory must hold a ceremony (`manifest.json` or
/// `transcript.jsonl`), so that no other PDF is ever wiped; an error if there are none.
pub fn paper_shards(dir: &Path) -> Result<Vec<PathBuf>> {
    share_files(dir, ShareFiles::Paper)
}

/// The share files of `kind` in a ceremony directory, as [`paper_shards`] for paper.
pub fn share_files(dir: &Path, kind: ShareFiles) -> Result<Vec<PathBuf>> {
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
        .filter(|e| is_shard_name(&e.file_name().to_string_lossy(), kind))
        .map(|e| e.path())
        .collect();
    shards.sort();
    if shards.is_empty() {
        return Err(Error::new(
            Kind::Argument,
            format!(
                "{}: no {} files (share-NN-*{}) to wipe",
                dir.display(),
                kind.what(),
                kind.ext()
            ),
        ));
    }
    Ok(shards)
}
