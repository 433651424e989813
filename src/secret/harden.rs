//! Process hardening before any secret exists.

use super::{SecretBytes, SecretError};

/// What [`harden_process`] found and did; recorded by ceremonies.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HardeningReport {
    /// RLIMIT_CORE was set to 0.
    pub core_dumps_disabled: bool,
    /// PR_SET_DUMPABLE was cleared.
    pub not_dumpable: bool,
    /// Swap devices were active (`/proc/swaps` lists at least one).
    pub swap_active: bool,
    /// A probe allocation of secret memory could be locked.
    pub memory_locked: bool,
}

/// Hardens the process before any secret exists: no core dumps, not dumpable, and a probe that
/// secret memory can be locked (failing per the current [`MemoryPolicy`]).
pub fn harden_process() -> Result<HardeningReport, SecretError> {
    let rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rl` is a valid rlimit struct; setrlimit only reads it.
    if unsafe { libc::setrlimit(libc::RLIMIT_CORE, &rl) } != 0 {
        return Err(SecretError::Harden(
            "setrlimit(RLIMIT_CORE, 0)",
            std::io::Error::last_os_error(),
        ));
    }
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) takes integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0 as libc::c_ulong, 0, 0, 0) } != 0 {
        return Err(SecretError::Harden(
            "prctl(PR_SET_DUMPABLE, 0)",
            std::io::Error::last_os_error(),
        ));
    }
    let probe = SecretBytes::zeroed(32)?;
    Ok(HardeningReport {
        core_dumps_disabled: true,
        not_dumpable: true,
        swap_active: swap_active(),
        memory_locked: probe.is_locked(),
    })
}

/// True when `/proc/swaps` lists an active swap device.
pub fn swap_active() -> bool {
    match std::fs::read_to_string("/proc/swaps") {
        Ok(s) => s.lines().skip(1).any(|l| !l.trim().is_empty()),
        Err(_) => false,
    }
}
