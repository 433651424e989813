//! Slips (docs/formats.md, "Slips"): a mistake at a prompt that rootkey shows and asks again
//! instead of ending the ceremony — dice rolls refused, the same confirmer twice, an unusable
//! confirmer name, the same share presented twice, initials that are not the named person's.
//! Whoever re-prompts notes the slip here ([`note`]); the recorder writes every slip noted as a `slip` entry just
//! before the next entry it writes (or its `aborted` entry, or the seal). A slip noted while no
//! transcript is open is dropped when the next transcript is created: there is no entry to
//! put it before, and a later ceremony must not carry it. Never a secret: only what kind of
//! slip, where, and which try.

use std::cell::RefCell;

use super::event;

/// The kinds of slip (`slip.kind`).
pub const KINDS: &[&str] = &[
    "dice-too-few",
    "dice-not-a-roll",
    "dice-too-long",
    "same-confirmer",
    "confirmer-name",
    "same-share",
    "initials",
];

thread_local! {
    /// The slips noted and not yet written. Per thread: a ceremony asks and records on one
    /// thread, and tests running side by side do not see each other's slips.
    static PENDING: RefCell<Vec<event::Slip>> = const { RefCell::new(Vec::new()) };
}

/// Notes a slip of `kind` (one of [`KINDS`]) at try `attempt` (1, 2, …); `step` says where
/// (`checklist step 1 (TITLE)`), or None for the step the ceremony is at.
pub fn note(kind: &'static str, attempt: usize, step: Option<String>) {
    debug_assert!(KINDS.contains(&kind), "{kind}");
    PENDING.with_borrow_mut(|g| {
        g.push(event::Slip {
            attempt: attempt as u64,
            kind: kind.to_string(),
            step: step.unwrap_or_default(),
        })
    });
}

/// Names `step` as where every slip noted without a step happened (the ceremony leaves it).
pub(super) fn name_unnamed(step: &str) {
    PENDING.with_borrow_mut(|g| {
        for s in g.iter_mut().filter(|s| s.step.is_empty()) {
            s.step = step.to_string();
        }
    });
}

/// How many slips are noted and not yet written: they come before the next entry.
pub fn pending() -> usize {
    PENDING.with_borrow(Vec::len)
}

/// The slips noted since the last call.
pub(super) fn take() -> Vec<event::Slip> {
    PENDING.with_borrow_mut(std::mem::take)
}
