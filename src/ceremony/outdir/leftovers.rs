//! What an unfinished generation left in its output directory: how its transcript ends, and
//! the share files it wrote — wiped when the ceremony recorded `aborted`, otherwise named
//! SECRET with the command that wipes them (issue 13, item 6).

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::{listed, secret_leftovers, wipe_command};
use crate::error::{Error, Kind};
use crate::transcript::event::Action;

/// How a generation's (or rehearsal's) transcript in a directory ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GenerationEnd {
    /// No such transcript (absent, unreadable, or another kind of ceremony).
    NotGeneration,
    /// Sealed: the ceremony completed.
    Sealed,
    /// Its last entry is `aborted`: the ceremony stopped and said so.
    Aborted,
    /// Neither: the ceremony was killed, or its transcript could not record the abort.
    Unfinished,
}

/// How the transcript in `dir` ends, if it is a generation's (or rehearsal's). Only the header
/// (first line) and the last complete line are parsed; a sealed generation's last entry is its
/// `seal` (`docs/formats.md`, "Seal"). Anything unreadable counts as "not such a transcript"
/// (the share files are then never called leftovers).
fn generation_end(dir: &Path) -> GenerationEnd {
    use std::io::Read;
    let Ok(f) = fs::File::open(dir.join("transcript.jsonl")) else {
        return GenerationEnd::NotGeneration;
    };
    // A generation's transcript is a few dozen short lines; 16 MiB is far beyond any of them.
    let mut text = String::new();
    if f.take(16 << 20).read_to_string(&mut text).is_err() {
        return GenerationEnd::NotGeneration;
    }
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else {
        return GenerationEnd::NotGeneration;
    };
    let generation = serde_json::from_str::<serde_json::Value>(first).is_ok_and(|v| {
        v["action"] == Action::Header.as_str()
            && matches!(
                v["details"]["ceremony"]["kind"]
                    .as_str()
                    .and_then(crate::transcript::Kind::parse),
                Some(crate::transcript::Kind::Generation | crate::transcript::Kind::Rehearsal)
            )
    });
    if !generation {
        return GenerationEnd::NotGeneration;
    }
    let last = lines
        .next_back()
        .and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok());
    match last.as_ref().and_then(|v| v["action"].as_str()) {
        Some(a) if a == Action::Seal.as_str() => GenerationEnd::Sealed,
        Some(a) if a == Action::Aborted.as_str() => GenerationEnd::Aborted,
        _ => GenerationEnd::Unfinished,
    }
}

/// Whether `dir` holds the transcript of a generation (or rehearsal) that was never sealed:
/// share files beside it belong to a key whose ceremony did not complete, and nobody holds them.
pub(super) fn unsealed_generation(dir: &Path) -> bool {
    matches!(
        generation_end(dir),
        GenerationEnd::Aborted | GenerationEnd::Unfinished
    )
}

/// Adds to the error of a failed generation (or rehearsal) in `dir` what every such failure
/// must say when share files are left on disk and the transcript was not sealed.
///
/// When the transcript ends with `aborted` (the ceremony stopped at a step — Ctrl-C, a signal,
/// a fatal error — and recorded it), the share files it had written and any temporary copy of
/// one are partial outputs of a key that no longer exists: they are overwritten and removed
/// here ([`fsio::overwrite_and_remove`]), and the hint says so and what to do next. Otherwise
/// (the transcript could not record the abort, or a file cannot be wiped), the hint names them
/// SECRET with the command that wipes them. Any hint the error already had (e.g. that the
/// transcript could not record the abort) is kept after it; an error whose hint already names
/// the secret files gets the new hint in its place.
pub fn name_secret_leftovers(dir: &Path, e: Error) -> Error {
    let secrets = secret_leftovers(dir);
    let named = e.hint.as_deref().is_some_and(|h| h.contains("SECRET"));
    if secrets.is_empty() || !unsealed_generation(dir) {
        return e;
    }
    if generation_end(dir) == GenerationEnd::Aborted {
        let failed = wipe_leftovers(dir, &secrets);
        let Some((_, why)) = failed.first() else {
            return e.hint(format!(
                "the ceremony stopped and its transcript ends with `aborted`, naming the step; the partial outputs {} (shares of a key that no longer exists) were overwritten and removed — keep {} as evidence and run the ceremony again in a new, empty directory",
                listed(&secrets),
                dir.join(crate::transcript::FILE_NAME).display()
            ));
        };
        let e = e.hint(format!(
            "the partial outputs could not all be wiped ({})",
            why.message
        ));
        return name_unwiped(dir, e, false);
    }
    name_unwiped(dir, e, named)
}

/// [`name_secret_leftovers`] for the generation (or rehearsal) that failed in this process,
/// once its transcript is closed: when the transcript could not record `aborted` (a full file
/// system; it then ends on its last whole entry), the share files are partial outputs of a key
/// that no longer exists all the same, and are overwritten and removed; the hint says so,
/// after why the abort is not recorded.
pub fn wipe_failed_generation(dir: &Path, e: Error) -> Error {
    let secrets = secret_leftovers(dir);
    if secrets.is_empty() || generation_end(dir) != GenerationEnd::Unfinished {
        return name_secret_leftovers(dir, e);
    }
    let failed = wipe_leftovers(dir, &secrets);
    let why = e
        .hint
        .clone()
        .unwrap_or_else(|| "the transcript does not end with `aborted`".into());
    match failed.first() {
        None => e.hint(format!(
            "{why}; the partial outputs {} (shares of a key that no longer exists) were overwritten and removed — keep {} as evidence and run the ceremony again in a new, empty directory",
            listed(&secrets),
            dir.join(crate::transcript::FILE_NAME).display()
        )),
        Some((_, w)) => {
            let e = e.hint(format!(
                "{why}; the partial outputs could not all be wiped ({})",
                w.message
            ));
            name_unwiped(dir, e, false)
        }
    }
}

/// Overwrites and removes the secret leftovers `names` of `dir`, each on its own; returns
/// those that could not be wiped, with why. A temporary copy that is a second name (hard link)
/// of a share file also listed is only unlinked: its data is wiped under the share's name.
fn wipe_leftovers(dir: &Path, names: &[String]) -> Vec<(String, Error)> {
    let mut failed = Vec::new();
    let mut rest: Vec<&String> = Vec::new();
    for n in names {
        let second_name = n
            .strip_prefix('.')
            .and_then(|t| t.split_once(".tmp-"))
            .map(|(orig, _)| orig)
            .filter(|orig| names.iter().any(|m| m == orig))
            .is_some_and(
                |orig| match (fs::metadata(dir.join(n)), fs::metadata(dir.join(orig))) {
                    (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
                    _ => false,
                },
            );
        if second_name {
            if let Err(e) = fs::remove_file(dir.join(n)) {
                failed.push((
                    n.clone(),
                    Error::new(Kind::Io, format!("{n}: cannot remove: {e}")),
                ));
            }
        } else {
            rest.push(n);
        }
    }
    for n in rest {
        if let Err(e) = crate::fsio::overwrite_and_remove(&[dir.join(n)]) {
            failed.push((n.clone(), e));
        }
    }
    failed
}

/// The hint for share files left on disk by an unfinished generation: SECRET, and how to wipe
/// them. `replace`: the error's hint already named them; it is replaced.
fn name_unwiped(dir: &Path, e: Error, replace: bool) -> Error {
    let secrets = secret_leftovers(dir);
    if replace && e.hint.as_deref().is_some_and(|h| h.contains("SECRET")) {
        return e;
    }
    let mut hint = format!(
        "the ceremony is incomplete; {} in {} {} SECRET (shares of a key whose ceremony never completed): wipe them with {}, then run again in a new, empty directory",
        listed(&secrets),
        dir.display(),
        if secrets.len() == 1 { "is" } else { "are" },
        wipe_command(dir, &secrets)
    );
    if let Some(h) = &e.hint {
        hint.push_str("; ");
        hint.push_str(h);
    }
    e.hint(hint)
}
