//! The `working: …` line of a guided run: when rootkey computes for more than a second
//! between two exchanges with the room (splitting a large quorum, rendering shards, a token
//! operation), a line `working: TITLE… N s` appears on the terminal and is updated in place
//! every second; any output or question clears it first ([`stop`], called by every write of
//! this module's parent and of the terminal console). Only when standard error is a terminal:
//! captured output never holds it.
//!
//! A background thread waits the first second and draws the line; a generation number shared
//! under a mutex tells it that the work it reports is over, and the same mutex orders its
//! writes with the clearing, so that the line never lands in the middle of other output.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long rootkey computes before the line appears.
pub const AFTER: Duration = Duration::from_secs(1);

struct State {
    /// Bumped by every start and stop: a thread whose number is old stops.
    generation: u64,
    /// Whether a line is on the screen.
    shown: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    generation: 0,
    shown: false,
});

fn clear(state: &mut State) {
    if state.shown {
        let mut e = std::io::stderr().lock();
        // Nothing more can be done if the terminal cannot be written to.
        let _ = e.write_all(b"\r\x1b[2K").and_then(|()| e.flush());
        state.shown = false;
    }
}

/// Starts reporting `what` (a short title, at most about 60 characters): after [`AFTER`],
/// unless [`stop`] or another start came first, the line is shown and updated every second.
pub fn start(what: &str) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    let Ok(mut s) = STATE.lock() else { return };
    clear(&mut s);
    s.generation += 1;
    let generation = s.generation;
    drop(s);
    let what: String = what.chars().take(60).collect();
    let begun = Instant::now();
    // A thread that cannot be started only means no progress line.
    let _ = std::thread::Builder::new()
        .name("working".into())
        .spawn(move || {
            let mut next = AFTER;
            loop {
                while begun.elapsed() < next {
                    std::thread::sleep(Duration::from_millis(50));
                    if STATE.lock().map_or(true, |s| s.generation != generation) {
                        return;
                    }
                }
                let Ok(mut s) = STATE.lock() else { return };
                if s.generation != generation {
                    return;
                }
                let line = format!("\r\x1b[2Kworking: {what}… {} s", begun.elapsed().as_secs());
                let mut e = std::io::stderr().lock();
                if e.write_all(line.as_bytes())
                    .and_then(|()| e.flush())
                    .is_err()
                {
                    return;
                }
                s.shown = true;
                drop(s);
                next += Duration::from_secs(1);
            }
        });
}

/// Stops reporting: the line, if shown, is cleared.
pub fn stop() {
    if let Ok(mut s) = STATE.lock() {
        s.generation += 1;
        clear(&mut s);
    }
}
