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

// ---------------------------------------------------------------------------------------------
// Interruption: SIGINT, SIGTERM, SIGHUP
// ---------------------------------------------------------------------------------------------
//
// A ceremony must never die with secrets live and the terminal's echo off. The handler only
// notes the signal (an atomic store, async-signal-safe); the blocking reads of the terminal
// return EINTR (the handler is installed without SA_RESTART) and fail with
// [`SecretError::Interrupted`], and the transcript refuses any further entry but `aborted`
// (`transcript::Recorder`), so the ceremony unwinds: every `SecretBytes` and `LockedBox` is
// zeroized by its `Drop`, the echo is restored by the hidden read's guard, `aborted` is
// recorded with the step, and the command exits. A second signal while the first is being
// handled (the operator insists) restores the terminal settings saved by a hidden read, if
// one is active, and ends the process with the signal's default action: the kernel then
// frees the locked pages (they were never swapped and no core is dumped, RLIMIT_CORE is 0).

use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

/// The first interrupting signal received (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// The terminal a hidden read has put into no-echo mode, and the settings to restore (null:
/// none). The settings are leaked on purpose (a few dozen bytes per hidden prompt, nothing
/// secret): a handler running on another thread can never read freed memory.
static TTY_FD: AtomicI32 = AtomicI32::new(-1);
static TTY_SAVED: AtomicPtr<libc::termios> = AtomicPtr::new(std::ptr::null_mut());

/// The signals that interrupt a ceremony.
pub const INTERRUPTING: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// The two ends of the wake-up pipe (-1: not made yet): the handler writes a byte to it, so
/// that a wait for terminal input that began just after the last check of [`interrupted`],
/// but before the signal, still ends at once ([`wait_for_input`]); EINTR alone would miss
/// a signal that came between that check and the system call.
static WAKE_READ: AtomicI32 = AtomicI32::new(-1);
static WAKE_WRITE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_signal(sig: libc::c_int) {
    if SIGNAL.swap(sig, Ordering::SeqCst) == 0 {
        let fd = WAKE_WRITE.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: errno is thread-local and saved and restored around write(), which is
            // async-signal-safe; the pipe is non-blocking, so a full pipe (it is never read,
            // and one byte is enough) cannot block the handler; `one` lives across the call.
            unsafe {
                let errno = *libc::__errno_location();
                let one = 1u8;
                libc::write(fd, (&one as *const u8).cast(), 1);
                *libc::__errno_location() = errno;
            }
        }
        return;
    }
    restore_terminal_now();
    // SAFETY: signal() and raise() are async-signal-safe (POSIX.1-2008, 2.4.3); resetting the
    // disposition to SIG_DFL and raising the signal ends the process with its default action.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Restores the terminal settings a hidden read saved, if one is active (async-signal-safe).
fn restore_terminal_now() {
    let p = TTY_SAVED.load(Ordering::SeqCst);
    let fd = TTY_FD.load(Ordering::SeqCst);
    if !p.is_null() && fd >= 0 {
        // SAFETY: `p` points to a termios leaked by `terminal_saved` and never freed; tcsetattr
        // is async-signal-safe and only reads it.
        unsafe {
            libc::tcsetattr(fd, libc::TCSANOW, p);
        }
    }
}

/// Notes that `fd` is in no-echo mode and `saved` restores it (for a second signal).
pub(super) fn terminal_saved(fd: libc::c_int, saved: &libc::termios) {
    let p = Box::into_raw(Box::new(*saved));
    TTY_FD.store(fd, Ordering::SeqCst);
    TTY_SAVED.store(p, Ordering::SeqCst);
}

/// Notes that the terminal's settings are restored (the leaked copy stays allocated).
pub(super) fn terminal_restored() {
    TTY_SAVED.store(std::ptr::null_mut(), Ordering::SeqCst);
    TTY_FD.store(-1, Ordering::SeqCst);
}

/// Installs the handler for SIGINT, SIGTERM and SIGHUP (see above). Called by every ceremony
/// before any secret exists; other commands keep the default actions.
pub fn install_interrupt_handlers() -> Result<(), SecretError> {
    if WAKE_WRITE.load(Ordering::SeqCst) < 0 {
        let mut fds = [-1 as libc::c_int; 2];
        // SAFETY: `fds` is a writable array of two descriptors, as pipe2 requires.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
            return Err(SecretError::Harden(
                "pipe2 (the wake-up pipe of the interrupt handler)",
                std::io::Error::last_os_error(),
            ));
        }
        WAKE_READ.store(fds[0], Ordering::SeqCst);
        WAKE_WRITE.store(fds[1], Ordering::SeqCst);
    }
    for sig in INTERRUPTING {
        // SAFETY: all-zero is a valid sigaction (empty mask, no flags), filled in below.
        let mut sa: libc::sigaction = unsafe { std::mem::zeroed() };
        sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // No SA_RESTART: a blocking read of the terminal returns EINTR, so it can stop.
        sa.sa_flags = 0;
        // SAFETY: `sa.sa_mask` is a valid sigset_t owned by `sa`.
        unsafe {
            libc::sigemptyset(&mut sa.sa_mask);
        }
        // SAFETY: `sa` is a fully initialised sigaction whose handler only touches atomics
        // (and, on a second signal, async-signal-safe calls); the old action is not needed.
        if unsafe { libc::sigaction(sig, &sa, std::ptr::null_mut()) } != 0 {
            return Err(SecretError::Harden(
                "sigaction (SIGINT, SIGTERM, SIGHUP)",
                std::io::Error::last_os_error(),
            ));
        }
    }
    Ok(())
}

/// Waits until the terminal `fd` has input (or has hung up), or an interrupting signal has
/// come — also one that came just before the wait began (the handler's wake-up pipe). Returns
/// the signal in that case. Without the handlers installed it only waits for `fd`.
pub fn wait_for_input(fd: libc::c_int) -> Result<Option<libc::c_int>, std::io::Error> {
    loop {
        if let Some(sig) = interrupted() {
            return Ok(Some(sig));
        }
        let mut fds = [
            libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: WAKE_READ.load(Ordering::SeqCst),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: `fds` is a writable array of two pollfd; a negative descriptor (no pipe
        // yet) is ignored by poll.
        let r = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if r < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if fds[1].revents != 0 {
            continue;
        }
        if fds[0].revents != 0 {
            return Ok(interrupted());
        }
    }
}

/// The interrupting signal received, if any.
pub fn interrupted() -> Option<libc::c_int> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// Notes an interruption that arrived as a keystroke (Ctrl-C at a hidden prompt, where the
/// terminal does not turn it into SIGINT): from here on the ceremony stops as for SIGINT.
pub fn note_interrupt(sig: libc::c_int) {
    let _ = SIGNAL.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// How a person names `sig`: `SIGINT (Ctrl-C)`, `SIGTERM`, `SIGHUP (the terminal hung up)`.
pub fn signal_name(sig: libc::c_int) -> String {
    match sig {
        libc::SIGINT => "SIGINT (Ctrl-C)".into(),
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGHUP => "SIGHUP (the terminal hung up)".into(),
        n => format!("signal {n}"),
    }
}
