//! The deferred start of a recorder ([`Recorder::create_deferred`]): the header and the first
//! entries are held in memory until the running binary's hash is ready, then written at once.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use super::{Batch, Recorder, Sink};
use crate::error::Result;
use crate::transcript::event::{Action, Event};
use crate::transcript::facts::{binary_sha256, binary_sha256_ready};
use crate::transcript::{FILE_NAME, HeaderInfo, TOOL_ACTOR, header_details};

/// What a recorder made by [`Recorder::create_deferred`] holds back until the running
/// binary's hash (the header's `binary_sha256`) is ready: the header's information and clock
/// reading, the entries recorded since (each with its clock reading), and where the file goes.
pub(super) struct Held {
    /// Where the hash comes from: waiting for it (`true`) or only if ready (`false`).
    pub(super) hash: fn(bool) -> Option<Result<[u8; 32]>>,
    pub(super) info: HeaderInfo,
    pub(super) time: SystemTime,
    pub(super) entries: Vec<(Vec<String>, Action, Value, SystemTime)>,
    pub(super) path: PathBuf,
    /// What must be on disk before the first entry after the header ([`Recorder::before_entries`]).
    pub(super) before_entries: Option<BeforeEntries>,
}

/// Work done once the header is on disk, before the entries after it are written.
pub type BeforeEntries = Box<dyn FnOnce() -> Result<()> + Send>;

impl Drop for Recorder {
    /// A deferred recorder dropped before its header was written (a panic, or a caller that
    /// never recorded) leaves no temporary file behind.
    fn drop(&mut self) {
        if self.held.is_some()
            && let Sink::File(_, tmp) = &self.sink
        {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

impl Recorder {
    /// Like [`Recorder::create`], but if the running binary's hash
    /// ([`super::start_binary_sha256`]) is not ready yet, the header and the entries recorded
    /// after it are held in memory, with their times, and written — in order, each synced, as
    /// `create` and [`Recorder::record`] would have — as soon as the hash is ready when an entry
    /// is recorded, and at the latest by [`Recorder::durable`], [`Recorder::seal`] or an
    /// `aborted` entry. The ceremony calls `durable` before it asks or shows anything to a
    /// person and before it writes an output, so that entries are held only while it computes
    /// (a few milliseconds: the quorum check and the signing ceremonies). The temporary file is
    /// created now, so that a directory that cannot hold the transcript is refused at once.
    pub fn create_deferred(dir: &Path, info: &HeaderInfo) -> Result<Recorder> {
        Recorder::create_held(dir, info, |wait| {
            if wait {
                Some(binary_sha256())
            } else {
                binary_sha256_ready()
            }
        })
    }

    pub(super) fn create_held(
        dir: &Path,
        info: &HeaderInfo,
        hash: fn(bool) -> Option<Result<[u8; 32]>>,
    ) -> Result<Recorder> {
        let path = dir.join(FILE_NAME);
        let mut r = Recorder::create_file(&path, info)?;
        drop(crate::transcript::slip::take());
        r.held = Some(Held {
            hash,
            info: info.clone(),
            time: (r.clock)(),
            entries: Vec::new(),
            path,
            before_entries: None,
        });
        r.release(false)?;
        Ok(r)
    }

    /// Writes what a deferred recorder holds (the header and the entries after it), waiting
    /// for the binary's hash if `wait`, else only if the hash is ready. Nothing if none is held.
    pub(super) fn release(&mut self, wait: bool) -> Result<()> {
        let Some(hash) = self.held.as_ref().and_then(|h| (h.hash)(wait)) else {
            return Ok(());
        };
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        let header = hash.and_then(|h| {
            let details = Event::from(header_details(&held.info, &h)).details()?;
            self.entry(&[TOOL_ACTOR], Action::Header, details, held.time)
        });
        let placed = header
            .and_then(|e| self.append(e))
            .and_then(|()| self.place(&held.path));
        if let Err(e) = placed {
            // Nothing more can be written: the transcript was not placed.
            self.broken = true;
            if let Sink::File(_, tmp) = &self.sink {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e);
        }
        if let Some(f) = held.before_entries {
            f()?;
        }
        self.append_held(held.entries)
    }

    /// Runs `f` — writing files the first entries name, such as the copies of a ceremony's
    /// inputs — now, or, while a deferred recorder holds its start, once the header is on disk
    /// and before the entries after it are written: a ceremony stopped at any point leaves
    /// those files only beside a transcript, and before every entry that names them.
    pub fn before_entries(&mut self, f: BeforeEntries) -> Result<()> {
        match &mut self.held {
            Some(held) => {
                held.before_entries = Some(match held.before_entries.take() {
                    Some(first) => Box::new(move || first().and_then(|()| f())),
                    None => f,
                });
                Ok(())
            }
            None => f(),
        }
    }

    /// Writes the header and entries a deferred recorder holds ([`Recorder::create_deferred`]),
    /// waiting for the binary's hash: after this the transcript is on disk up to its last
    /// entry. Called before a person is asked or shown anything and before an output is written.
    pub fn durable(&mut self) -> Result<()> {
        self.release(true)
    }

    /// Appends `entries` (each with its clock reading) with one `write` and one sync: the
    /// entries a deferred recorder held. On failure none of them is in the file (nor counted).
    fn append_held(
        &mut self,
        entries: Vec<(Vec<String>, Action, Value, SystemTime)>,
    ) -> Result<()> {
        let before = (self.seq, self.prev, self.last_time);
        self.batch = Some(Batch { lines: Vec::new() });
        let built = entries
            .into_iter()
            .try_for_each(|(actors, action, details, time)| {
                let actors: Vec<&str> = actors.iter().map(String::as_str).collect();
                let e = self.entry(&actors, action, details, time)?;
                self.append(e)
            });
        let lines = self.batch.take().map(|b| b.lines).unwrap_or_default();
        let written = built.and_then(|()| {
            if lines.is_empty() {
                return Ok(());
            }
            self.write_lines(&lines, before.0, self.seq.saturating_sub(1))
        });
        if written.is_err() {
            (self.seq, self.prev, self.last_time) = before;
        }
        written
    }
}
