//! The recorder: appends entries to a transcript as a ceremony runs, each canonicalised,
//! chained to the previous one and synced before the next step; seals it with the root key or
//! ends it with an `aborted` entry.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Map, Value, json};

use super::event::{Aborted, Action, Event, Seal};
use sha2::{Digest, Sha256};

use super::facts::{binary_sha256, clean};
use super::{
    FILE_NAME, HeaderInfo, Kind, MAX_LINE, SEAL_DOMAIN, TOOL_ACTOR, ZERO_HASH, header_details,
    signed_message,
};
use crate::encoding::time::UtcTime;
use crate::error::{Error, Kind as ErrorKind, Result};
use crate::fsio;
use crate::jcs;
use crate::key::RootKey;

/// Where entry times come from.
pub type Clock = Box<dyn FnMut() -> SystemTime + Send>;

enum Sink {
    File(File, PathBuf),
    Memory(Vec<u8>),
}

/// Appends entries to a transcript: each entry is canonicalised, chained to the previous one,
/// written in one `write` and `fdatasync`ed before the next step of the ceremony.
pub struct Recorder {
    sink: Sink,
    kind: Kind,
    ceremony_id: [u8; 16],
    seq: u64,
    prev: [u8; 32],
    last_time: Option<UtcTime>,
    closed: bool,
    /// A write failed and could not be cut back: the file may end in a partial line, so
    /// nothing more is written.
    broken: bool,
    /// Bytes of whole entries in the file: where a failed write is cut back to.
    written: u64,
    clock: Clock,
    /// The step the ceremony is at (`step 7/23 write-share-3 (Write share 3)`), named by an
    /// `aborted` entry.
    step: Option<String>,
    /// A deferred recorder's header and first entries, until the binary's hash is ready.
    held: Option<Held>,
    /// While the held entries are appended: their lines, written at once.
    batch: Option<Batch>,
}

/// The lines of entries appended together ([`Recorder::append_held`]).
struct Batch {
    lines: Vec<u8>,
}

impl Recorder {
    /// Creates `dir/transcript.jsonl` (0644, never replacing a file) holding the header: the
    /// header is written to a temporary file that is then linked into place, so that a run
    /// killed at any point never leaves an empty or headless transcript behind.
    pub fn create(dir: &Path, info: &HeaderInfo) -> Result<Recorder> {
        let path = dir.join(FILE_NAME);
        let mut r = Recorder::create_file(&path, info)?;
        if let Err(e) = r.write_header(info) {
            if let Sink::File(_, tmp) = &r.sink {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(e);
        }
        r.place(&path)?;
        Ok(r)
    }

    /// Creates the temporary file a transcript at `path` is written to before it is placed.
    fn create_file(path: &Path, info: &HeaderInfo) -> Result<Recorder> {
        let io = |what: &str, e: std::io::Error| {
            Error::new(
                ErrorKind::Io,
                format!("transcript {}: {what}: {e}", path.display()),
            )
        };
        let tmp = fsio::temp_path(path)?;
        let f = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(fsio::PUBLIC_MODE)
            .open(&tmp)
            .map_err(|e| io("cannot create", e))?;
        // Explicit chmod: the umask must not decide the mode.
        let placed = f
            .set_permissions(std::fs::Permissions::from_mode(fsio::PUBLIC_MODE))
            .map_err(|e| io("cannot set the file mode", e));
        let r = Recorder::new(Sink::File(f, tmp.clone()), info);
        if let Err(e) = placed {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(r)
    }

    /// Links the temporary file holding the header into place at `path`, removes the
    /// temporary name and syncs the directory.
    fn place(&mut self, path: &Path) -> Result<()> {
        let io = |what: &str, e: std::io::Error| {
            Error::new(
                ErrorKind::Io,
                format!("transcript {}: {what}: {e}", path.display()),
            )
        };
        let Sink::File(_, tmp) = &self.sink else {
            return Ok(());
        };
        let tmp = tmp.clone();
        let placed = std::fs::hard_link(&tmp, path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::new(
                    ErrorKind::WouldOverwrite,
                    format!(
                        "{} already exists; a directory holds one ceremony",
                        path.display()
                    ),
                )
                .hint("use a new, empty output directory")
            } else {
                io("cannot move into place (hard link)", e)
            }
        });
        let removed = std::fs::remove_file(&tmp);
        placed?;
        removed.map_err(|e| io(&format!("cannot remove {}", tmp.display()), e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("fsync of directory failed", e))?;
        if let Sink::File(_, p) = &mut self.sink {
            *p = path.to_path_buf();
        }
        Ok(())
    }

    /// A recorder that keeps the transcript in memory (tests, benchmarks, vectors).
    pub fn in_memory(info: &HeaderInfo) -> Result<Recorder> {
        let mut r = Recorder::new(Sink::Memory(Vec::new()), info);
        r.write_header(info)?;
        Ok(r)
    }

    /// An in-memory recorder with a given clock and binary hash, for reproducible transcripts
    /// (test vectors, benchmarks).
    pub fn in_memory_with(
        info: &HeaderInfo,
        binary_sha256: [u8; 32],
        clock: Clock,
    ) -> Result<Recorder> {
        let mut r = Recorder::new(Sink::Memory(Vec::new()), info);
        r.clock = clock;
        r.record(&[TOOL_ACTOR], header_details(info, &binary_sha256))?;
        Ok(r)
    }

    fn new(sink: Sink, info: &HeaderInfo) -> Recorder {
        Recorder {
            sink,
            kind: info.kind,
            ceremony_id: info.ceremony_id,
            seq: 0,
            prev: ZERO_HASH,
            last_time: None,
            closed: false,
            broken: false,
            written: 0,
            clock: Box::new(SystemTime::now),
            step: None,
            held: None,
            batch: None,
        }
    }

    fn write_header(&mut self, info: &HeaderInfo) -> Result<()> {
        // Slips noted while no transcript was open belong to no entry of this one.
        drop(super::slip::take());
        self.record(&[TOOL_ACTOR], header_details(info, &binary_sha256()?))
    }

    /// The ceremony kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The ceremony id.
    pub fn ceremony_id(&self) -> [u8; 16] {
        self.ceremony_id
    }

    /// The transcript's path (None in memory).
    pub fn path(&self) -> Option<&Path> {
        if let Some(held) = &self.held {
            return Some(&held.path);
        }
        match &self.sink {
            Sink::File(_, p) => Some(p),
            Sink::Memory(_) => None,
        }
    }

    /// Number of entries recorded (those a deferred recorder holds included).
    pub fn len(&self) -> u64 {
        self.seq + self.held.as_ref().map_or(0, |h| 1 + h.entries.len() as u64)
    }

    /// True before the header is recorded (never, for a constructed recorder).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once sealed or aborted.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The bytes written so far (in-memory recorders only).
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.sink {
            Sink::Memory(b) => Some(b),
            Sink::File(..) => None,
        }
    }

    /// Refuses an entry after a failed write or after the transcript was closed.
    fn check_open(&self, action: Action) -> Result<()> {
        let action = action.as_str();
        if self.broken {
            return Err(Error::new(
                ErrorKind::Io,
                format!(
                    "transcript entry `{action}` not written: an earlier write to the transcript failed"
                ),
            ));
        }
        if self.closed {
            return Err(Error::environment(format!(
                "internal error: transcript entry `{action}` after the transcript was closed"
            )));
        }
        Ok(())
    }

    fn entry(
        &mut self,
        actors: &[&str],
        action: Action,
        details: Value,
        now: SystemTime,
    ) -> Result<(Map<String, Value>, UtcTime)> {
        self.check_open(action)?;
        // Never go backwards (the verifier refuses that); a clock step shows as equal times.
        let time = UtcTime::clock(now)?;
        let action = action.as_str();
        let time = self.last_time.map_or(time, |last| time.max(last));
        let mut m = Map::new();
        m.insert("action".into(), json!(action));
        m.insert("actors".into(), json!(actors));
        m.insert("details".into(), details);
        m.insert("prev".into(), json!(hex::encode(self.prev)));
        m.insert("seq".into(), json!(self.seq));
        m.insert("time".into(), json!(time.transcript_string()));
        Ok((m, time))
    }

    fn append(&mut self, (entry, time): (Map<String, Value>, UtcTime)) -> Result<()> {
        let c = jcs::canonicalize(&Value::Object(entry))?;
        if c.len() > MAX_LINE {
            return Err(Error::environment(format!(
                "internal error: transcript entry {} is longer than {MAX_LINE} bytes",
                self.seq
            )));
        }
        let mut line = c.clone();
        line.push(b'\n');
        match &mut self.batch {
            Some(b) => b.lines.extend_from_slice(&line),
            None => self.write_lines(&line, self.seq, self.seq)?,
        }
        self.prev = Sha256::digest(&c).into();
        self.seq += 1;
        self.last_time = Some(time);
        Ok(())
    }

    /// Writes `lines` (entries `first` to `last`) with one `write` and syncs them; on failure
    /// cuts the file back to its last whole entry.
    fn write_lines(&mut self, lines: &[u8], first: u64, last: u64) -> Result<()> {
        let Sink::File(f, path) = &mut self.sink else {
            if let Sink::Memory(b) = &mut self.sink {
                b.extend_from_slice(lines);
            }
            return Ok(());
        };
        if let Err(e) = f.write_all(lines).and_then(|()| f.sync_data()) {
            // Cut the file back to its last whole entry (a full file system may have taken
            // part of this one), so that it never ends in a partial line. Only if that fails
            // too is the file's end unknown: then nothing more is appended (an entry after a
            // partial line would look like tampering).
            let cut = f.set_len(self.written).and_then(|()| f.sync_data());
            self.broken = cut.is_err();
            let hint = if cut.is_ok() {
                format!(
                    "the transcript ends on its last whole entry ({}): keep it as evidence and run the ceremony again",
                    first.saturating_sub(1)
                )
            } else {
                "the transcript is incomplete (its last line may be cut): keep it as evidence and run the ceremony again".to_string()
            };
            let entries = if first == last {
                format!("entry {first}")
            } else {
                format!("entries {first} to {last}")
            };
            return Err(Error::new(
                ErrorKind::Io,
                format!(
                    "transcript {}: cannot append {entries}: {e}",
                    path.display()
                ),
            )
            .hint(hint));
        }
        self.written += lines.len() as u64;
        Ok(())
    }

    /// Notes the step the ceremony has entered: an `aborted` entry names it.
    pub fn at_step(&mut self, step: String) {
        // Slips noted at the step being left are named by it.
        if let Some(left) = &self.step {
            super::slip::name_unnamed(left);
        }
        self.step = Some(step);
    }

    /// The step the ceremony is at, if one was noted.
    pub fn step(&self) -> Option<&str> {
        self.step.as_deref()
    }

    /// Appends one entry: `event`'s action and details, done by `actors`. After an
    /// interrupting signal ([`interruption`]) only `aborted` is written: the ceremony stops.
    pub fn record(&mut self, actors: &[&str], event: impl Into<Event>) -> Result<()> {
        let event = event.into();
        if event.action() != Action::Aborted
            && let Some(e) = interruption()
        {
            return Err(e);
        }
        // An `aborted` entry is the last: what is held is written with it.
        self.release(event.action() == Action::Aborted)?;
        self.write_slips()?;
        let action = event.action();
        self.put(actors, action, event.details()?)?;
        // A share audit's `audit-completed` is its last entry (nothing seals it).
        self.closed = action == Action::AuditCompleted;
        Ok(())
    }

    /// Appends one entry now, or holds it (with the time now) while a deferred recorder waits
    /// for the binary's hash.
    fn put(&mut self, actors: &[&str], action: Action, details: Value) -> Result<()> {
        self.check_open(action)?;
        let now = (self.clock)();
        if let Some(held) = &mut self.held {
            let actors = actors.iter().map(|a| a.to_string()).collect();
            held.entries.push((actors, action, details, now));
            return Ok(());
        }
        let e = self.entry(actors, action, details, now)?;
        self.append(e)
    }

    /// Writes the slips noted since the last entry ([`super::slip`]), each naming the step the
    /// ceremony is at unless it names its own. None before the header.
    fn write_slips(&mut self) -> Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        for mut s in super::slip::take() {
            if s.step.is_empty() {
                s.step = self
                    .step
                    .clone()
                    .unwrap_or_else(|| "before the first step".into());
            }
            let s = Event::from(s);
            self.put(&[TOOL_ACTOR], s.action(), s.details()?)?;
        }
        Ok(())
    }

    /// Seals the transcript with the root key (before it is wiped): the last entry.
    /// Returns the sealed head (the seal entry's hash).
    pub fn seal(&mut self, key: &RootKey) -> Result<[u8; 32]> {
        self.release(true)?;
        self.write_slips()?;
        let mut seal = Seal {
            head: hex::encode(self.prev),
            public_key: hex::encode(key.public_key_bytes()),
            signature: None,
        };
        let now = (self.clock)();
        let (mut e, time) = self.entry(
            &[TOOL_ACTOR],
            Action::Seal,
            Event::from(seal.clone()).details()?,
            now,
        )?;
        let msg = signed_message(SEAL_DOMAIN, &Value::Object(e.clone()))?;
        seal.signature = Some(hex::encode(key.sign(&msg).to_bytes()));
        e.insert("details".into(), Event::from(seal).details()?);
        self.append((e, time))?;
        self.closed = true;
        Ok(self.prev)
    }

    /// Ends an unfinished ceremony with an `aborted` entry (no seal), whose reason starts with
    /// the step the ceremony was at (`step 7/23 write-share-3 (Write share 3): …`). Does
    /// nothing if the transcript is already closed.
    pub fn abort(&mut self, reason: &str) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let reason = match &self.step {
            Some(step) => format!("{step}: {reason}"),
            None => reason.to_string(),
        };
        let reason: String = clean(&reason).chars().take(2000).collect();
        self.record(&[TOOL_ACTOR], Aborted { reason })?;
        self.closed = true;
        Ok(())
    }
}

/// Runs `f`; if it fails and the transcript is still open, records an `aborted` entry with the
/// error message first. A failure to record the abort is added to the error's hint.
pub fn recorded<T>(rec: &mut Recorder, f: impl FnOnce(&mut Recorder) -> Result<T>) -> Result<T> {
    match f(rec) {
        Ok(v) => {
            if !rec.is_closed() {
                rec.abort("the ceremony ended without sealing its transcript")?;
            }
            Ok(v)
        }
        Err(e) => {
            let recorded = rec.abort(&e.message);
            // An interruption (whatever error the step made of it) says where the ceremony
            // stopped, as its `aborted` entry does, and what to do next.
            let e = match interruption() {
                Some(i) => {
                    let hint = e.hint.clone().or(i.hint);
                    let e = Error {
                        kind: ErrorKind::Interrupted,
                        hint,
                        ..e
                    };
                    match rec.step() {
                        Some(step) => e.context(step),
                        None => e,
                    }
                }
                None => e,
            };
            match recorded {
                Ok(()) => Err(e),
                Err(w) if !rec.broken => Err(e.hint(format!(
                    "the transcript could not record `aborted` ({}) and ends on its last whole entry",
                    w.message
                ))),
                Err(w) => Err(e.hint(format!(
                    "the transcript could not record the abort ({}) and its last line may be cut",
                    w.message
                ))),
            }
        }
    }
}

/// The error of a ceremony stopped by an interrupting signal (SIGINT/Ctrl-C, SIGTERM, SIGHUP;
/// [`crate::secret::interrupted`]), if one arrived: the ceremony unwinds from where it is, its
/// secrets are wiped on the way, and `aborted` is the only entry still written.
pub fn interruption() -> Option<Error> {
    crate::secret::interrupted()
        .map(|sig| Error::from(crate::secret::SecretError::Interrupted(sig)))
}

mod held;
use held::Held;

#[cfg(test)]
mod tests;
