//! The ceremony transcript (`docs/formats.md`, "Ceremony transcript v1"): a hash-chained JSON
//! Lines log that every ceremony command appends to as things happen, sealed by the root key,
//! attested by witnesses, and replayed by auditors ([`verify`], [`report`]).

pub mod crl_list;
pub mod report;
pub mod verify;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::fsio;
use crate::jcs;
use crate::key::RootKey;
use crate::secret::HardeningReport;

/// `header.details.format`.
pub const FORMAT: &str = "rootkey-transcript-v1";
/// The transcript's file name in a ceremony directory.
pub const FILE_NAME: &str = "transcript.jsonl";
/// Longest accepted line (without its newline).
pub const MAX_LINE: usize = 64 * 1024;
/// Largest accepted transcript file.
pub const MAX_FILE: u64 = 256 * 1024 * 1024;
/// Domain string of the seal signature (followed by a zero byte).
pub const SEAL_DOMAIN: &[u8] = b"rootkey-transcript-seal-v1\0";
/// Domain string of an attestation signature (followed by a zero byte).
pub const ATTESTATION_DOMAIN: &[u8] = b"rootkey-transcript-attestation-v1\0";
/// `prev` of the header entry.
pub const ZERO_HASH: [u8; 32] = [0; 32];
/// The actor name of steps the tool performs.
pub const TOOL_ACTOR: &str = "rootkey";

/// What kind of ceremony a transcript records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `rootkey generate`.
    Generation,
    /// `rootkey rehearse`: generation, then a quorum check, in one transcript.
    Rehearsal,
    /// `rootkey combine`.
    QuorumCheck,
    /// `rootkey intermediate sign`: a quorum signs an intermediate CA certificate.
    Rotation,
    /// `rootkey crl sign`: a quorum signs a certificate revocation list.
    Crl,
}

impl Kind {
    /// The name used in transcripts.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Generation => "generation",
            Kind::Rehearsal => "rehearsal",
            Kind::QuorumCheck => "quorum-check",
            Kind::Rotation => "rotation",
            Kind::Crl => "crl",
        }
    }

    /// Parses a kind name.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "generation" => Some(Kind::Generation),
            "rehearsal" => Some(Kind::Rehearsal),
            "quorum-check" => Some(Kind::QuorumCheck),
            "rotation" => Some(Kind::Rotation),
            "crl" => Some(Kind::Crl),
            _ => None,
        }
    }
}

/// A person taking part, as listed in the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// The share index they hold, if any.
    pub share: Option<u8>,
}

/// The participants a plan names: its `[[participants]]`, then its holders with their share
/// index (the order of the transcript header).
pub fn plan_participants(plan: &crate::plan::Plan) -> Vec<Participant> {
    let mut list: Vec<Participant> = plan
        .participants
        .iter()
        .map(|p| Participant {
            name: p.name.clone(),
            role: p.role.clone(),
            share: None,
        })
        .collect();
    list.extend(plan.holders.iter().enumerate().map(|(i, h)| Participant {
        name: h.name.clone(),
        role: h.role.clone(),
        share: Some(i as u8 + 1),
    }));
    list
}

/// Everything the header entry records besides the pre-flight facts.
#[derive(Clone, Debug)]
pub struct HeaderInfo {
    /// Ceremony id.
    pub ceremony_id: [u8; 16],
    /// Ceremony kind.
    pub kind: Kind,
    /// Ceremony name.
    pub name: String,
    /// Rehearsal?
    pub rehearsal: bool,
    /// Plan file base name and SHA-256 of its bytes.
    pub plan: Option<(String, [u8; 32])>,
    /// (threshold, shares).
    pub quorum: (u8, u8),
    /// Participants.
    pub participants: Vec<Participant>,
    /// The `preflight` object (see [`preflight`]).
    pub preflight: Value,
}

/// Formats a time as `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn time_string(t: SystemTime) -> Result<String> {
    let d = t
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Error::environment("the system clock is before 1970"))?;
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(d.as_secs()))
        .map_err(|e| Error::environment(format!("system clock: {e}")))?;
    Ok(format!(
        "{}.{:03}Z",
        &crate::ceremony::utc_string(dt)[..19],
        d.subsec_millis()
    ))
}

/// True for a well-formed `YYYY-MM-DDTHH:MM:SS.sssZ` string: digits in the right places and a
/// real date and time (year 1970–9999, day within its month, second 00–59: rootkey never
/// writes a leap second).
pub fn is_time_string(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 24 {
        return false;
    }
    let shape = b"dddd-dd-ddTdd:dd:dd.dddZ";
    if !b.iter().zip(shape).all(|(&c, &p)| {
        if p == b'd' {
            c.is_ascii_digit()
        } else {
            c == p
        }
    }) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u16>().unwrap_or(99);
    let small = |r: std::ops::Range<usize>| u8::try_from(num(r)).unwrap_or(99);
    der::DateTime::new(
        num(0..4),
        small(5..7),
        small(8..10),
        small(11..13),
        small(14..16),
        small(17..19),
    )
    .is_ok()
}

/// SHA-256 of the running executable (`/proc/self/exe`).
pub fn binary_sha256() -> Result<[u8; 32]> {
    let mut f = File::open("/proc/self/exe").map_err(|e| {
        Error::environment(format!(
            "cannot read the running executable to hash it: {e}"
        ))
    })?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf)
            .map_err(|e| Error::environment(format!("cannot hash the running executable: {e}")))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().into())
}

/// Network interfaces that are up, other than loopback (`/sys/class/net/*/flags`), sorted.
pub fn network_interfaces_up() -> Vec<String> {
    const IFF_UP: u32 = 0x1;
    const IFF_LOOPBACK: u32 = 0x8;
    let mut up = Vec::new();
    let Ok(dir) = std::fs::read_dir("/sys/class/net") else {
        return up;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let flags = std::fs::read_to_string(e.path().join("flags")).unwrap_or_default();
        let flags = u32::from_str_radix(flags.trim().trim_start_matches("0x"), 16).unwrap_or(0);
        if flags & IFF_UP != 0 && flags & IFF_LOOPBACK == 0 {
            up.push(clean(&name));
        }
    }
    up.sort();
    up
}

fn read_proc(path: &str) -> String {
    clean(std::fs::read_to_string(path).unwrap_or_default().trim())
}

/// `s` with unsafe characters replaced by `?` (for facts read from the system).
fn clean(s: &str) -> String {
    crate::error::replace_unsafe(s, '?')
}

/// Where a ceremony's outputs go, for the header's pre-flight facts.
#[derive(Clone, Debug)]
pub struct OutputFacts {
    /// File system type of the output directory (`tmpfs`, `ext4`, …).
    pub filesystem: String,
    /// Whether secret outputs were allowed on persistent storage (rehearsal, or
    /// `--allow-persistent-output`).
    pub persistent_allowed: bool,
    /// The `lp` destination paper shards were printed to, if any.
    pub printer: Option<String>,
}

/// The header's `preflight` object: facts about the machine when the ceremony started.
pub fn preflight(h: &HardeningReport, out: &OutputFacts, now: SystemTime) -> Result<Value> {
    Ok(json!({
        "clock": time_string(now)?,
        "core_dumps_disabled": h.core_dumps_disabled,
        "host": read_proc("/proc/sys/kernel/hostname"),
        "kernel": read_proc("/proc/sys/kernel/osrelease"),
        "memory_locked": h.memory_locked,
        "network_interfaces_up": network_interfaces_up(),
        "output_filesystem": clean(&out.filesystem),
        "persistent_output_allowed": out.persistent_allowed,
        "printer": out.printer.as_deref().map(clean),
        "process_dumpable": !h.not_dumpable,
        "swap_active": h.swap_active,
    }))
}

/// Checks that the file name of `path` can be recorded in a transcript (a bare name of at most
/// 2 000 characters without control or invisible characters), so that a ceremony never writes
/// a transcript its verifier refuses. `what` names the file in the error.
pub fn check_recordable_name(path: &Path, what: &str) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.chars().count() > 2000
        || name.chars().any(crate::error::is_unsafe_char)
    {
        return Err(Error::operator(format!(
            "{what} {}: its file name cannot be recorded in the transcript (control or invisible characters, or not a file name)",
            path.display()
        ))
        .hint("rename the file"));
    }
    Ok(())
}

/// The header entry's `details`.
pub fn header_details(info: &HeaderInfo, binary_sha256: &[u8; 32]) -> Value {
    let participants: Vec<Value> = info
        .participants
        .iter()
        .map(|p| json!({"name": p.name, "role": p.role, "share": p.share}))
        .collect();
    json!({
        "ceremony": {
            "id": hex::encode(info.ceremony_id),
            "kind": info.kind.as_str(),
            "name": info.name,
            "rehearsal": info.rehearsal,
        },
        "format": FORMAT,
        "participants": participants,
        "plan": info.plan.as_ref().map(|(f, h)| json!({"file": f, "sha256": hex::encode(h)})),
        "preflight": info.preflight,
        "quorum": {"shares": info.quorum.1, "threshold": info.quorum.0},
        "tool": {
            "binary_sha256": hex::encode(binary_sha256),
            "name": "rootkey",
            "version": env!("CARGO_PKG_VERSION"),
        },
    })
}

/// The path of the attestations file that belongs to `transcript`
/// (`transcript.jsonl` → `transcript.attestations`).
pub fn attestations_path(transcript: &Path) -> PathBuf {
    let name = transcript
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".jsonl").unwrap_or(&name);
    transcript.with_file_name(format!("{stem}.attestations"))
}

/// The seal or attestation message: `domain ‖ SHA-256(canonical JSON of unsigned)`.
pub fn signed_message(domain: &[u8], unsigned: &Value) -> Result<Vec<u8>> {
    let c = jcs::canonicalize(unsigned)?;
    let mut m = domain.to_vec();
    m.extend_from_slice(&Sha256::digest(&c));
    Ok(m)
}

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
    last_time: String,
    closed: bool,
    /// A write failed: the file may end in a partial line, so nothing more is written.
    broken: bool,
    clock: Clock,
}

impl Recorder {
    /// Creates `dir/transcript.jsonl` (0644, never replacing a file) holding the header: the
    /// header is written to a temporary file that is then linked into place, so that a run
    /// killed at any point never leaves an empty or headless transcript behind.
    pub fn create(dir: &Path, info: &HeaderInfo) -> Result<Recorder> {
        let path = dir.join(FILE_NAME);
        let io = |what: &str, e: std::io::Error| {
            Error::environment(format!("transcript {}: {what}: {e}", path.display()))
        };
        let tmp = fsio::temp_path(&path)?;
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
        let mut r = Recorder::new(Sink::File(f, tmp.clone()), info);
        let placed = placed.and_then(|()| r.write_header(info)).and_then(|()| {
            std::fs::hard_link(&tmp, &path).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    Error::operator(format!(
                        "{} already exists; a directory holds one ceremony",
                        path.display()
                    ))
                    .hint("use a new, empty output directory")
                } else {
                    io("cannot move into place (hard link)", e)
                }
            })
        });
        let removed = std::fs::remove_file(&tmp);
        placed?;
        removed.map_err(|e| io(&format!("cannot remove {}", tmp.display()), e))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("fsync of directory failed", e))?;
        if let Sink::File(_, p) = &mut r.sink {
            *p = path;
        }
        Ok(r)
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
        let details = header_details(info, &binary_sha256);
        r.record(&[TOOL_ACTOR], "header", details)?;
        Ok(r)
    }

    fn new(sink: Sink, info: &HeaderInfo) -> Recorder {
        Recorder {
            sink,
            kind: info.kind,
            ceremony_id: info.ceremony_id,
            seq: 0,
            prev: ZERO_HASH,
            last_time: String::new(),
            closed: false,
            broken: false,
            clock: Box::new(SystemTime::now),
        }
    }

    fn write_header(&mut self, info: &HeaderInfo) -> Result<()> {
        let details = header_details(info, &binary_sha256()?);
        self.record(&[TOOL_ACTOR], "header", details)
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
        match &self.sink {
            Sink::File(_, p) => Some(p),
            Sink::Memory(_) => None,
        }
    }

    /// Hash of the last entry written.
    pub fn head(&self) -> [u8; 32] {
        self.prev
    }

    /// Number of entries written.
    pub fn len(&self) -> u64 {
        self.seq
    }

    /// True before the header is written (never, for a constructed recorder).
    pub fn is_empty(&self) -> bool {
        self.seq == 0
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

    fn entry(
        &mut self,
        actors: &[&str],
        action: &str,
        details: Value,
    ) -> Result<Map<String, Value>> {
        if self.broken {
            return Err(Error::environment(format!(
                "transcript entry `{action}` not written: an earlier write to the transcript failed"
            )));
        }
        if self.closed {
            return Err(Error::environment(format!(
                "internal error: transcript entry `{action}` after the transcript was closed"
            )));
        }
        let mut time = time_string((self.clock)())?;
        // Never go backwards (the verifier refuses that); a clock step shows as equal times.
        if time < self.last_time {
            time.clone_from(&self.last_time);
        }
        let mut m = Map::new();
        m.insert("action".into(), json!(action));
        m.insert("actors".into(), json!(actors));
        m.insert("details".into(), details);
        m.insert("prev".into(), json!(hex::encode(self.prev)));
        m.insert("seq".into(), json!(self.seq));
        m.insert("time".into(), json!(time));
        Ok(m)
    }

    fn append(&mut self, entry: Map<String, Value>) -> Result<()> {
        let time = entry
            .get("time")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let c = jcs::canonicalize(&Value::Object(entry))?;
        if c.len() > MAX_LINE {
            return Err(Error::environment(format!(
                "internal error: transcript entry {} is longer than {MAX_LINE} bytes",
                self.seq
            )));
        }
        let mut line = c.clone();
        line.push(b'\n');
        match &mut self.sink {
            Sink::Memory(b) => b.extend_from_slice(&line),
            Sink::File(f, path) => {
                if let Err(e) = f.write_all(&line).and_then(|()| f.sync_data()) {
                    // After a failed write or fsync the file's end is unknown: never append
                    // after it (an entry after a partial line would look like tampering).
                    self.broken = true;
                    return Err(Error::environment(format!(
                        "transcript {}: cannot append entry {}: {e}",
                        path.display(),
                        self.seq
                    ))
                    .hint("the transcript is incomplete: keep it as evidence and run the ceremony again"));
                }
            }
        }
        self.prev = Sha256::digest(&c).into();
        self.seq += 1;
        self.last_time = time;
        Ok(())
    }

    /// Appends one entry.
    pub fn record(&mut self, actors: &[&str], action: &str, details: Value) -> Result<()> {
        let e = self.entry(actors, action, details)?;
        self.append(e)
    }

    /// Seals the transcript with the root key (before it is wiped): the last entry.
    /// Returns the sealed head (the seal entry's hash).
    pub fn seal(&mut self, key: &RootKey) -> Result<[u8; 32]> {
        let details = json!({
            "head": hex::encode(self.prev),
            "public_key": hex::encode(key.public_key_bytes()),
        });
        let mut e = self.entry(&[TOOL_ACTOR], "seal", details)?;
        let msg = signed_message(SEAL_DOMAIN, &Value::Object(e.clone()))?;
        let sig = key.sign(&msg);
        if let Some(Value::Object(d)) = e.get_mut("details") {
            d.insert("signature".into(), json!(hex::encode(sig.to_bytes())));
        }
        self.append(e)?;
        self.closed = true;
        Ok(self.prev)
    }

    /// Ends an unfinished ceremony with an `aborted` entry (no seal). Does nothing if the
    /// transcript is already closed.
    pub fn abort(&mut self, reason: &str) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        let reason: String = clean(reason).chars().take(2000).collect();
        self.record(&[TOOL_ACTOR], "aborted", json!({ "reason": reason }))?;
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
        Err(e) => match rec.abort(&e.message) {
            Ok(()) => Err(e),
            Err(w) => Err(e.hint(format!("the transcript could not record the abort: {w}"))),
        },
    }
}

/// What [`attest`] appended.
#[derive(Debug)]
pub struct AttestReport {
    /// The attestations file.
    pub path: PathBuf,
    /// The new attestation's `seq`.
    pub seq: u64,
    /// The witness's public key.
    pub public_key: [u8; 32],
    /// The sealed head that was attested.
    pub head: [u8; 32],
    /// Number of entries in the transcript.
    pub entries: usize,
    /// The root key that sealed the transcript.
    pub seal_key: [u8; 32],
    /// Ceremony kind, name and id (from the header).
    pub ceremony: (String, String, String),
}

/// Appends a witness attestation over the sealed head of `transcript`, which must verify, be
/// sealed, and be sealed by the key of `root` (a witness never signs a self-consistent forgery
/// sealed by some other key). `key_pem` is the witness's unencrypted PKCS#8 Ed25519 private key
/// (PEM). The attestations file is locked while it is checked and appended to.
pub fn attest(
    transcript: &Path,
    root: &crate::cert::RootCert,
    key_pem: &crate::secret::SecretBytes,
    name: &str,
) -> Result<AttestReport> {
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    let _scrub = crate::secret::ScrubOnDrop;
    if name.trim().is_empty()
        || name.chars().count() > 200
        || name.chars().any(crate::error::is_unsafe_char)
    {
        return Err(Error::operator(
            "--name must be the witness's name: 1 to 200 characters, without control or invisible characters",
        ));
    }
    // The strict PEM reader, never quoting a line of the key file; the DER is zeroized.
    let expect = crate::pem::Expect {
        labels: &["PRIVATE KEY", "ENCRYPTED PRIVATE KEY"],
        what: "private key",
        one: true,
        der: false,
    };
    let (label, der) = crate::pem::read_secret(key_pem.as_slice(), "witness key", &expect)?;
    if label == "ENCRYPTED PRIVATE KEY" {
        return Err(Error::input(
            "witness key: the key is encrypted; rootkey reads unencrypted PKCS#8 keys only",
        )
        .hint("decrypt it into RAM-backed storage, e.g. openssl pkey -in key.pem -out /dev/shm/key.pem"));
    }
    let key = crate::secret::LockedBox::new_with(|| {
        ed25519_dalek::SigningKey::from_pkcs8_der(&der).ok()
    })?;
    drop(der);
    let Some(key) = key.as_ref() else {
        return Err(Error::input(
            "witness key: not an Ed25519 private key in PKCS#8 PEM (\"BEGIN PRIVATE KEY\")",
        )
        .hint("create one with: openssl genpkey -algorithm ed25519 -out witness.pem"));
    };
    let path = attestations_path(transcript);
    let io = |what: &str, e: std::io::Error| {
        Error::environment(format!("{}: {what}: {e}", path.display()))
    };
    // Open (never through a symlink) and lock the attestations file first, so that two
    // witnesses attesting at once are serialised instead of both writing seq N.
    let created = std::fs::symlink_metadata(&path).is_err();
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(fsio::PUBLIC_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| {
            io(
                "cannot open for appending (it must be a regular file, not a link)",
                e,
            )
        })?;
    if !f.metadata().map(|m| m.is_file()).unwrap_or(false) {
        return Err(Error::operator(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    f.lock().map_err(|e| io("cannot lock", e))?;
    if created {
        f.set_permissions(std::fs::Permissions::from_mode(fsio::PUBLIC_MODE))
            .map_err(|e| io("cannot set the file mode", e))?;
    }
    let result = append_attestation(transcript, root, key, name, &mut f, &io);
    let _ = f.unlock();
    match result {
        Ok(mut report) => {
            if created {
                let dir = path
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                File::open(dir)
                    .and_then(|d| d.sync_all())
                    .map_err(|e| io("fsync of directory failed", e))?;
            }
            report.path = path;
            Ok(report)
        }
        Err(e) => {
            // Leave no empty attestations file behind.
            if created && f.metadata().map(|m| m.len() == 0).unwrap_or(false) {
                let _ = std::fs::remove_file(&path);
            }
            Err(e)
        }
    }
}

/// The checks and the append of [`attest`], with the attestations file open and locked.
fn append_attestation(
    transcript: &Path,
    root: &crate::cert::RootCert,
    key: &ed25519_dalek::SigningKey,
    name: &str,
    f: &mut File,
    io: &dyn Fn(&str, std::io::Error) -> Error,
) -> Result<AttestReport> {
    let public_key = key.verifying_key().to_bytes();
    let r = verify::replay(
        transcript,
        &verify::ReplayOptions {
            root: Some(root),
            ..verify::ReplayOptions::default()
        },
    )?;
    let head = match (&r.verdict, r.sealed_head) {
        (verify::Verdict::Sealed, Some(h)) => h,
        (verify::Verdict::Invalid(e), _) => {
            return Err(Error::verification(format!(
                "refusing to attest an invalid transcript: {}",
                e.message
            )));
        }
        (verify::Verdict::Unsealed(_), _) | (verify::Verdict::Sealed, None) => {
            let why = why_unsealed(&r.verdict);
            return Err(Error::operator(format!(
                "refusing to attest {}: it is not sealed ({why})",
                transcript.display()
            )));
        }
    };
    if let Some(a) = r.attestations.iter().find(|a| a.public_key == public_key) {
        return Err(Error::operator(format!(
            "this key already attested {} (attestation seq {}, as \"{}\")",
            transcript.display(),
            a.seq,
            a.name
        )));
    }
    let seq = r.attestations.len() as u64;
    let prev = r.attestations.last().map(|a| a.hash).unwrap_or(head);
    let mut m = Map::new();
    m.insert("head".into(), json!(hex::encode(head)));
    m.insert("prev".into(), json!(hex::encode(prev)));
    m.insert("seq".into(), json!(seq));
    m.insert("time".into(), json!(time_string(SystemTime::now())?));
    m.insert(
        "witness".into(),
        json!({"name": name, "public_key": hex::encode(public_key)}),
    );
    let msg = signed_message(ATTESTATION_DOMAIN, &Value::Object(m.clone()))?;
    let sig = {
        use ed25519_dalek::Signer;
        key.sign(&msg)
    };
    m.insert("signature".into(), json!(hex::encode(sig.to_bytes())));
    let mut line = jcs::canonicalize(&Value::Object(m))?;
    line.push(b'\n');
    f.write_all(&line)
        .and_then(|()| f.sync_data())
        .map_err(|e| io("cannot append the attestation", e))?;
    let (kind, cname, id) = r
        .header
        .as_ref()
        .map(|h| (h.kind.as_str().to_string(), h.name.clone(), h.id.clone()))
        .unwrap_or_default();
    Ok(AttestReport {
        path: PathBuf::new(),
        seq,
        public_key,
        head,
        entries: r.entries.len(),
        seal_key: r.seal_key.unwrap_or_default(),
        ceremony: (kind, cname, id),
    })
}

fn why_unsealed(v: &verify::Verdict) -> String {
    match v {
        verify::Verdict::Unsealed(w) => w.clone(),
        _ => "no seal".into(),
    }
}
