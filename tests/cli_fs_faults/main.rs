//! File-system faults through the real binary (issue 10, item 3): a ceremony killed with
//! SIGKILL at any file system call leaves a transcript that `transcript verify --artifacts`
//! calls valid but unsealed (exit 3), never invalid; the secret leftovers of a killed or failed
//! run are named as secret, with the command that wipes them; a symbolic link (dangling or
//! not) named like any file a command writes is refused before the first write; `paper wipe`
//! never zeroes through a symbolic or hard link; a dangling `--out` link and a FAT file system
//! get their own messages, and a refused `--out` leaves no directory behind.
//!
//! Kills and failed calls are injected with `strace -e inject=…` at the exact system call (the
//! campaign's method); those tests say so and pass without checking anything where strace
//! cannot trace. The FAT test mounts a real FAT image with `fusefat` (root and /dev/fuse
//! needed; skipped otherwise).
//!
//! Files: `kills.rs` (a), `leftovers.rs` (b), `links.rs` (c, d), `out_dir.rs` (e), `review.rs` (what the
//! attacker review found), `small_fs.rs` (a full, an inode-starved and a read-only tmpfs, issue 15
//! item 6); `fixture.rs`
//! holds what they share. One test binary, so that the fixture ceremony is made once.

#[path = "../common/mod.rs"]
mod common;
mod fixture;

mod kills;
mod leftovers;
mod links;
mod out_dir;
mod review;
mod small_fs;
