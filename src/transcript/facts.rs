//! The header's pre-flight facts: what the machine looked like when the ceremony started
//! (clock, hardening, host, kernel, network interfaces up, output file system, printer), and
//! the hash of the running binary.

use std::fs::File;
use std::io::Read;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::encoding::time::UtcTime;
use crate::error::{Error, Result};
use crate::secret::HardeningReport;

/// The hash of the running executable, once computed (a process runs one binary).
static BINARY_HASH: OnceLock<[u8; 32]> = OnceLock::new();
/// The thread started by [`start_binary_sha256`], until [`binary_sha256`] joins it.
static HASHING: Mutex<Option<JoinHandle<std::io::Result<[u8; 32]>>>> = Mutex::new(None);

/// Starts hashing the running executable on a thread of its own, so that the transcript
/// header's `binary_sha256` is ready by the time the ceremony's inputs are read (the command
/// line calls this first thing for the commands that write a transcript). Without it,
/// [`binary_sha256`] hashes when asked. A thread that cannot be started is no error: the hash
/// is then computed when asked.
pub fn start_binary_sha256() {
    let Ok(mut slot) = HASHING.lock() else {
        return;
    };
    if slot.is_none() && BINARY_HASH.get().is_none() {
        *slot = std::thread::Builder::new()
            .name("binary-sha256".into())
            .spawn(hash_executable)
            .ok();
    }
}

/// SHA-256 of the running executable (`/proc/self/exe`): the result of the thread of
/// [`start_binary_sha256`] if one was started (waiting for it), else hashed now.
pub fn binary_sha256() -> Result<[u8; 32]> {
    if let Some(h) = BINARY_HASH.get() {
        return Ok(*h);
    }
    let started = HASHING.lock().ok().and_then(|mut slot| slot.take());
    let hashed = match started {
        Some(thread) => thread.join().unwrap_or_else(|_| {
            Err(std::io::Error::other(
                "internal error: the hashing thread stopped",
            ))
        }),
        None => hash_executable(),
    };
    let h = hashed.map_err(|e| {
        Error::environment(format!(
            "cannot hash the running executable (/proc/self/exe) for the transcript header: {e}"
        ))
        .hint("run rootkey with /proc mounted, from a binary it may read")
    })?;
    Ok(*BINARY_HASH.get_or_init(|| h))
}

/// The executable's hash if it can be had without waiting: computed already, its thread
/// finished, or no thread started (then it is hashed now). None while the thread of
/// [`start_binary_sha256`] is still hashing.
pub fn binary_sha256_ready() -> Option<Result<[u8; 32]>> {
    if let Some(h) = BINARY_HASH.get() {
        return Some(Ok(*h));
    }
    let running = HASHING
        .lock()
        .ok()
        .is_some_and(|slot| slot.as_ref().is_some_and(|t| !t.is_finished()));
    (!running).then(binary_sha256)
}

fn hash_executable() -> std::io::Result<[u8; 32]> {
    let mut f = File::open("/proc/self/exe")?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
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
pub(super) fn clean(s: &str) -> String {
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
pub fn preflight(h: &HardeningReport, out: &OutputFacts, now: UtcTime) -> Result<Value> {
    let p = super::event::Preflight {
        clock: now,
        core_dumps_disabled: h.core_dumps_disabled,
        host: read_proc("/proc/sys/kernel/hostname"),
        kernel: read_proc("/proc/sys/kernel/osrelease"),
        memory_locked: h.memory_locked,
        network_interfaces_up: network_interfaces_up(),
        output_filesystem: clean(&out.filesystem),
        persistent_output_allowed: out.persistent_allowed,
        printer: out.printer.as_deref().map(clean),
        process_dumpable: !h.not_dumpable,
        swap_active: h.swap_active,
    };
    serde_json::to_value(p)
        .map_err(|e| Error::environment(format!("internal error: pre-flight facts: {e}")))
}
