//! Locked, zeroizing memory for secrets, and process hardening.
//!
//! Every secret the tool handles — the root seed, the expanded signing key, share values, the
//! text form of a share, dice rolls — lives in a [`SecretBytes`] or a [`LockedBox`]:
//!
//! * the memory is a private anonymous mapping of its own, `mlock`ed so it is never swapped;
//! * it is marked `MADV_DONTDUMP` (left out of core dumps) and `MADV_WIPEONFORK`;
//! * it is overwritten with zeroes (volatile writes) before it is unlocked and unmapped;
//! * the types have no `Clone`, no `Display`, and a redacted `Debug`; comparison is constant
//!   time.
//!
//! [`harden_process`] is called by every command that touches secrets, before the first secret
//! exists: it sets `RLIMIT_CORE` to 0, clears the dumpable flag (no core dumps, no ptrace by
//! non-root, no `/proc/PID/mem` for other users) and reports whether swap is active.
//!
//! If `mlock` fails (usually `RLIMIT_MEMLOCK` too low), allocation fails with
//! [`SecretError::LockFailed`] unless the process opted into [`MemoryPolicy::AllowUnlocked`],
//! which only rehearsals may do; [`unlocked_memory_used`] then reports it so it can be recorded.
//!
//! This is the only module of the crate allowed to use `unsafe`.
#![allow(unsafe_code)]

use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// Whether secret memory must be locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryPolicy {
    /// `mlock` must succeed or the allocation fails (the default, and the only policy for real
    /// ceremonies).
    RequireLocked,
    /// Continue with unlocked (swappable) memory when `mlock` fails. Rehearsals only.
    AllowUnlocked,
}

static POLICY: AtomicU8 = AtomicU8::new(0);
static UNLOCKED_USED: AtomicBool = AtomicBool::new(false);

/// Sets the process-wide memory policy for secret allocations.
pub fn set_memory_policy(policy: MemoryPolicy) {
    let v = match policy {
        MemoryPolicy::RequireLocked => 0,
        MemoryPolicy::AllowUnlocked => 1,
    };
    POLICY.store(v, Ordering::SeqCst);
}

fn memory_policy() -> MemoryPolicy {
    match POLICY.load(Ordering::SeqCst) {
        1 => MemoryPolicy::AllowUnlocked,
        _ => MemoryPolicy::RequireLocked,
    }
}

/// True when at least one secret allocation of this process could not be locked (only possible
/// under [`MemoryPolicy::AllowUnlocked`]).
pub fn unlocked_memory_used() -> bool {
    UNLOCKED_USED.load(Ordering::SeqCst)
}

/// Errors of this module.
#[derive(Debug)]
pub enum SecretError {
    /// `mmap` failed.
    MapFailed(std::io::Error),
    /// `mlock` failed and unlocked memory is not allowed.
    LockFailed {
        /// The OS error.
        source: std::io::Error,
        /// Current soft `RLIMIT_MEMLOCK` in bytes, if known.
        memlock_limit: Option<u64>,
    },
    /// Process hardening failed.
    Harden(&'static str, std::io::Error),
    /// Hidden terminal input failed.
    Terminal(&'static str, std::io::Error),
    /// An interrupting signal (its number) arrived, or Ctrl-C was typed at a hidden prompt.
    Interrupted(i32),
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::MapFailed(e) => write!(f, "could not allocate secret memory: {e}"),
            SecretError::LockFailed {
                source,
                memlock_limit,
            } => {
                let limit = match memlock_limit {
                    Some(l) if *l == libc::RLIM_INFINITY => "unlimited".to_string(),
                    Some(l) => format!("{} KiB", l / 1024),
                    None => "unknown".to_string(),
                };
                write!(
                    f,
                    "could not lock secret memory into RAM (mlock: {source}; RLIMIT_MEMLOCK is {limit}). \
                     Raise the limit before the ceremony, e.g. `ulimit -l 65536` in the shell that runs \
                     rootkey (or `LimitMEMLOCK=` / `memlock` in /etc/security/limits.conf), or run as a \
                     user with CAP_IPC_LOCK. Rehearsals (rehearse, and generate/combine of a rehearsal) may pass --allow-unlocked-memory instead."
                )
            }
            SecretError::Harden(what, e) => write!(f, "could not harden the process ({what}): {e}"),
            SecretError::Terminal(what, e) => write!(f, "hidden input: {what}: {e}"),
            SecretError::Interrupted(sig) => {
                write!(f, "interrupted by {}", harden::signal_name(*sig))
            }
        }
    }
}

impl std::error::Error for SecretError {}

fn page_size() -> usize {
    // SAFETY: sysconf has no memory-safety preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p <= 0 { 4096 } else { p as usize }
}

fn memlock_limit() -> Option<u64> {
    let mut rl = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `rl` is a valid, writable rlimit struct for the duration of the call.
    let r = unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut rl) };
    if r == 0 { Some(rl.rlim_cur) } else { None }
}

/// A private, page-aligned, locked, dump-excluded mapping.
struct Region {
    ptr: NonNull<u8>,
    map_len: usize,
    locked: bool,
}

impl Region {
    fn new(len: usize) -> Result<Region, SecretError> {
        let ps = page_size();
        let Some(map_len) = len.max(1).div_ceil(ps).checked_mul(ps) else {
            return Err(SecretError::MapFailed(std::io::Error::other(
                "requested secret size is too large",
            )));
        };
        // SAFETY: anonymous private mapping with no address hint; the kernel chooses the address
        // and returns MAP_FAILED on error, which we check before using the pointer.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                map_len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(SecretError::MapFailed(std::io::Error::last_os_error()));
        }
        let Some(ptr) = NonNull::new(p.cast::<u8>()) else {
            return Err(SecretError::MapFailed(std::io::Error::other(
                "mmap returned null",
            )));
        };
        // SAFETY: `p` is the start of a mapping of exactly `map_len` bytes that we own. madvise
        // only changes kernel bookkeeping; failures are not fatal (DONTDUMP is also covered by
        // RLIMIT_CORE=0 and PR_SET_DUMPABLE=0; WIPEONFORK needs Linux >= 4.14).
        unsafe {
            libc::madvise(p, map_len, libc::MADV_DONTDUMP);
            libc::madvise(p, map_len, libc::MADV_WIPEONFORK);
        }
        // SAFETY: same mapping as above; mlock does not touch memory contents.
        let locked = unsafe { libc::mlock(p, map_len) } == 0;
        if !locked {
            let source = std::io::Error::last_os_error();
            if memory_policy() == MemoryPolicy::RequireLocked {
                // SAFETY: unmapping the mapping created above, which nothing else references.
                unsafe {
                    libc::munmap(p, map_len);
                }
                return Err(SecretError::LockFailed {
                    source,
                    memlock_limit: memlock_limit(),
                });
            }
            UNLOCKED_USED.store(true, Ordering::SeqCst);
        }
        Ok(Region {
            ptr,
            map_len,
            locked,
        })
    }

    fn wipe(&mut self) {
        // SAFETY: `ptr` points to `map_len` writable bytes owned by this Region.
        let all = unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.map_len) };
        all.zeroize();
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        self.wipe();
        let p = self.ptr.as_ptr().cast::<libc::c_void>();
        // SAFETY: the mapping is ours, fully wiped above, and no reference into it outlives self.
        unsafe {
            if self.locked {
                libc::munlock(p, self.map_len);
            }
            libc::munmap(p, self.map_len);
        }
    }
}

/// A fixed-capacity byte buffer in locked, zeroizing memory.
///
/// Invariant: `len <= capacity`, and the bytes past `len` are zero.
pub struct SecretBytes {
    region: Region,
    len: usize,
    capacity: usize,
}

// SAFETY: SecretBytes owns its mapping exclusively (like a Box<[u8]>); access goes through
// &self/&mut self, so moving it to or sharing it with another thread is as safe as for Vec<u8>.
unsafe impl Send for SecretBytes {}
// SAFETY: see above; &SecretBytes only hands out shared slices.
unsafe impl Sync for SecretBytes {}

impl SecretBytes {
    /// Allocates `len` zero bytes of locked memory.
    pub fn zeroed(len: usize) -> Result<SecretBytes, SecretError> {
        let region = Region::new(len)?;
        Ok(SecretBytes {
            region,
            len,
            capacity: len,
        })
    }

    /// Copies `src` into locked memory and zeroizes `src`.
    pub fn take_from(src: &mut [u8]) -> Result<SecretBytes, SecretError> {
        let mut s = SecretBytes::zeroed(src.len());
        if let Ok(s) = s.as_mut() {
            s.as_mut_slice().copy_from_slice(src);
        }
        src.zeroize();
        s
    }

    /// Copies `src` (which the caller wipes or which is not itself secret) into locked memory.
    pub fn copy_from(src: &[u8]) -> Result<SecretBytes, SecretError> {
        let mut s = SecretBytes::zeroed(src.len())?;
        s.as_mut_slice().copy_from_slice(src);
        Ok(s)
    }

    /// Number of bytes in use.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the memory is locked into RAM.
    pub fn is_locked(&self) -> bool {
        self.region.locked
    }

    /// The bytes in use.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: the region holds at least `capacity >= len` initialised (zero-filled by mmap)
        // bytes, and the shared borrow of self prevents concurrent mutation.
        unsafe { std::slice::from_raw_parts(self.region.ptr.as_ptr(), self.len) }
    }

    /// The bytes in use, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`, with exclusive access through &mut self.
        unsafe { std::slice::from_raw_parts_mut(self.region.ptr.as_ptr(), self.len) }
    }

    /// Shortens the buffer to `new_len` bytes, zeroizing the bytes cut off.
    pub fn truncate(&mut self, new_len: usize) {
        if new_len < self.len {
            self.as_mut_slice()[new_len..].zeroize();
            self.len = new_len;
        }
    }

    /// Total capacity in bytes.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Grows `len` up to `new_len <= capacity` (new bytes are zero).
    pub fn extend_len(&mut self, new_len: usize) {
        if new_len > self.len && new_len <= self.capacity {
            self.len = new_len;
        }
    }

    /// Constant-time comparison of contents (length is not secret).
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        self.as_slice().ct_eq(other).into()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {}])", self.len)
    }
}

/// A single value of type `T` stored in its own locked, dump-excluded page; on drop the value
/// is dropped in place and the whole page is zeroized.
///
/// Used to keep an `ed25519_dalek::SigningKey` (seed and expanded form) out of swap and cores.
pub struct LockedBox<T> {
    region: Region,
    _marker: std::marker::PhantomData<T>,
}

// SAFETY: LockedBox<T> owns its T exclusively, exactly like Box<T>.
unsafe impl<T: Send> Send for LockedBox<T> {}
// SAFETY: as for Box<T>: &LockedBox<T> only gives &T.
unsafe impl<T: Sync> Sync for LockedBox<T> {}

impl<T> LockedBox<T> {
    /// Builds the value with `init` and moves it into a locked page. The stack the value was
    /// built on is scrubbed afterwards (see [`scrub_stack`]).
    pub fn new_with(init: impl FnOnce() -> T) -> Result<LockedBox<T>, SecretError> {
        let ps = page_size();
        if std::mem::align_of::<T>() > ps {
            return Err(SecretError::MapFailed(std::io::Error::other(
                "type alignment exceeds page size",
            )));
        }
        let region = Region::new(std::mem::size_of::<T>())?;
        // SAFETY: the region is page aligned (so aligned for T, checked above), at least
        // size_of::<T>() bytes long, writable, and holds no live value yet.
        unsafe {
            std::ptr::write(region.ptr.as_ptr().cast::<T>(), init());
        }
        scrub_stack();
        Ok(LockedBox {
            region,
            _marker: std::marker::PhantomData,
        })
    }

    /// Whether the memory is locked into RAM.
    pub fn is_locked(&self) -> bool {
        self.region.locked
    }
}

impl<T> std::ops::Deref for LockedBox<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a valid T was written at this aligned address in `new_with` and lives until
        // drop; the shared borrow of self guarantees no concurrent &mut.
        unsafe { &*self.region.ptr.as_ptr().cast::<T>() }
    }
}

impl<T> Drop for LockedBox<T> {
    fn drop(&mut self) {
        // SAFETY: the T written in `new_with` is still live and is dropped exactly once here;
        // the Region's own Drop then zeroizes and unmaps the page.
        unsafe {
            std::ptr::drop_in_place(self.region.ptr.as_ptr().cast::<T>());
        }
    }
}

impl<T> fmt::Debug for LockedBox<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LockedBox([REDACTED])")
    }
}

/// Overwrites 64 KiB of the stack below the caller's frame with zeroes, to wipe temporary
/// copies that moves of secret values may have left there. Best effort: the compiler may place
/// temporaries elsewhere, which is why secrets are built directly into locked memory wherever
/// the APIs allow it.
#[inline(never)]
pub fn scrub_stack() {
    let mut buf = [0u8; 64 * 1024];
    std::hint::black_box(&mut buf);
    buf.zeroize();
    std::hint::black_box(&buf);
}

/// Wipes the stack below the current frame when dropped: put `let _scrub = ScrubOnDrop;` first
/// in a function whose callees handle secrets, so their dead frames are overwritten on return.
pub struct ScrubOnDrop;

impl Drop for ScrubOnDrop {
    fn drop(&mut self) {
        scrub_stack();
    }
}

#[inline(never)]
fn sha256_parts_inner(parts: &[&[u8]], out: &mut [u8; 32]) {
    use sha2::Digest;
    // sha2's `zeroize` feature wipes the hasher's buffer when it is dropped.
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize_into(out.into());
}

/// SHA-256 over the concatenation of `parts`, some of which are secret: the hasher lives in a
/// callee frame that is scrubbed before returning. Returns the digest (which may itself be
/// secret — callers move it into locked memory or use it as a public digest).
pub fn sha256_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut out = [0u8; 32];
    sha256_parts_inner(parts, &mut out);
    scrub_stack();
    out
}

/// Checks, before a ceremony prompts anyone or computes anything, that `pages` pages of secret
/// memory can be locked at once (each secret takes at least one page). Fails per the current
/// [`MemoryPolicy`], naming the amount needed.
pub fn probe_lock(pages: usize) -> Result<(), SecretError> {
    let region = Region::new(pages.saturating_mul(page_size()));
    match region {
        Err(SecretError::LockFailed {
            source,
            memlock_limit,
        }) => Err(SecretError::LockFailed {
            source: std::io::Error::new(
                source.kind(),
                format!(
                    "{source}; this ceremony needs about {} KiB of locked memory",
                    pages * page_size() / 1024
                ),
            ),
            memlock_limit,
        }),
        Err(e) => Err(e),
        Ok(_) => Ok(()),
    }
}

mod alloc;
mod harden;
mod tty;

pub use alloc::WipingAllocator;

pub use harden::{
    HardeningReport, INTERRUPTING, harden_process, install_interrupt_handlers, interrupted,
    note_interrupt, signal_name, swap_active, wait_for_input,
};
pub use tty::read_hidden_line;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_is_locked_and_zero() {
        let s = SecretBytes::zeroed(100).unwrap();
        assert_eq!(s.len(), 100);
        assert!(s.as_slice().iter().all(|b| *b == 0));
        assert!(
            s.is_locked(),
            "mlock failed: raise RLIMIT_MEMLOCK for tests"
        );
    }

    #[test]
    fn take_from_wipes_source() {
        let mut src = [7u8; 32];
        let s = SecretBytes::take_from(&mut src).unwrap();
        assert_eq!(src, [0u8; 32]);
        assert!(s.ct_eq(&[7u8; 32]));
        assert!(!s.ct_eq(&[7u8; 31]));
        assert!(!s.ct_eq(&[8u8; 32]));
    }

    #[test]
    fn debug_is_redacted() {
        let s = SecretBytes::copy_from(b"hunter2").unwrap();
        let d = format!("{s:?}");
        assert!(!d.contains("hunter2") && d.contains("REDACTED"));
        let b = LockedBox::new_with(|| [0x41u8; 8]).unwrap();
        assert_eq!(format!("{b:?}"), "LockedBox([REDACTED])");
        assert_eq!(*b, [0x41u8; 8]);
    }

    #[test]
    fn truncate_zeroes_tail() {
        let mut s = SecretBytes::copy_from(&[1, 2, 3, 4]).unwrap();
        s.truncate(2);
        assert_eq!(s.as_slice(), &[1, 2]);
        s.extend_len(4);
        assert_eq!(s.as_slice(), &[1, 2, 0, 0]);
    }

    #[test]
    fn locked_box_drops_value() {
        use std::rc::Rc;
        let rc = Rc::new(5);
        let b = LockedBox::new_with(|| Rc::clone(&rc)).unwrap();
        assert_eq!(Rc::strong_count(&rc), 2);
        drop(b);
        assert_eq!(Rc::strong_count(&rc), 1);
    }
}
