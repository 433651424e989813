//! The header's pre-flight facts: what the machine looked like when the ceremony started
//! (clock, hardening, host, kernel, network interfaces up, output file system, printer), and
//! the hash of the running binary.

use std::fs::File;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::encoding::time::UtcTime;
use crate::error::{Error, Result};
use crate::secret::HardeningReport;

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
