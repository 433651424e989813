//! The process's global allocator: the system allocator, wiping every block when it is freed.
//!
//! Secrets of our own live in [`super::SecretBytes`] / [`super::LockedBox`], but the crates that
//! render, sign and encode them work on the ordinary heap: printpdf and lopdf build the shard
//! PDF's content stream (`… Tm (07 G30M 2WX6 PJMN) Tj …`) in `Vec`s and `String`s, qrcode holds
//! the compact form, `blahaj` and `ed25519-dalek` make short-lived copies. Those crates free
//! their buffers without wiping them, and glibc hands freed blocks back without clearing them,
//! so a memory image (a core, swap, `gcore`, `/proc/PID/mem`) taken after a generation held the
//! full text of paper shards (issue 15, item 1; `tests/memory_image.rs`).
//!
//! [`WipingAllocator`] closes that at the lowest level: every block is overwritten with zeroes
//! before it goes back to the system allocator — on `dealloc`, and for the old block on
//! `realloc`, which is done as allocate + copy + wipe + free (never in place, so no copy of the
//! old contents is left behind by a moving `realloc`). The write is a `memset` followed by an
//! optimisation barrier ([`zeroize`]), so the compiler cannot drop it as a dead store before
//! `free`. It does not lock ordinary heap pages (a live buffer can still be swapped out while
//! a crate uses it; ceremonies run with swap off and the README lists those crates), and it
//! cannot wipe what a crate never frees.
//!
//! It is registered in `src/lib.rs`, so the binary, the tests and the benches all use it.

use std::alloc::{GlobalAlloc, Layout, System};

/// The system allocator, wiping each block with zeroes before it is freed (see the module
/// documentation).
pub struct WipingAllocator;

/// Overwrites `len` bytes at `ptr` with zeroes in a way the optimiser must keep.
///
/// # Safety
/// `ptr` must be valid for writes of `len` bytes and not be accessed concurrently.
#[inline]
unsafe fn wipe(ptr: *mut u8, len: usize) {
    if len == 0 {
        return;
    }
    // SAFETY: the caller guarantees `len` writable bytes at `ptr`; after `write_bytes` every
    // byte is initialised, so viewing them as a `[u8]` for the barrier is sound.
    unsafe {
        std::ptr::write_bytes(ptr, 0, len);
        zeroize::optimization_barrier(&*std::ptr::slice_from_raw_parts(ptr, len));
    }
}

// SAFETY: every method forwards to `System` with the same layout (the GlobalAlloc contract is
// System's); the only addition is writing zeroes into a block this allocator handed out, of
// exactly `layout.size()` bytes, just before it is freed.
unsafe impl GlobalAlloc for WipingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator with `layout` (the caller's contract),
        // so it points to `layout.size()` writable bytes that nobody uses any more.
        unsafe {
            wipe(ptr, layout.size());
            System.dealloc(ptr, layout);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` > 0 and that it does not overflow when
        // rounded up to `layout.align()`, so the new layout is valid.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a fresh block of `new_layout`; on failure the old block stays valid and
        // untouched, as `realloc` requires.
        let new = unsafe { System.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: the blocks are distinct and each is valid for the smaller of the two
            // sizes; the old block (`layout`, ours) is then wiped and freed exactly once.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wipe is what `dealloc` does before `free`: a block's bytes are zero afterwards
    /// (checked on a block we keep, since reading a freed one is not allowed).
    #[test]
    fn wipe_zeroes_every_byte() {
        let mut v = vec![0xA5u8; 4099];
        // SAFETY: `v` owns 4099 writable bytes and is not used concurrently.
        unsafe { wipe(v.as_mut_ptr(), v.len()) };
        assert!(v.iter().all(|b| *b == 0));
    }

    /// realloc keeps the contents, growing and shrinking.
    #[test]
    fn realloc_keeps_contents() {
        let mut v: Vec<u8> = (0..100u8).collect();
        v.reserve(10_000);
        assert_eq!(v, (0..100u8).collect::<Vec<_>>());
        v.shrink_to_fit();
        assert_eq!(v, (0..100u8).collect::<Vec<_>>());
        let mut s = String::from("ROOTKEY SHARE V1");
        s.truncate(7);
        s.shrink_to_fit();
        assert_eq!(s, "ROOTKEY");
    }
}
