//! Running rootkey in a pseudo-terminal as a person would: visible answers at their prompts,
//! PINs (and other hidden input) typed once the terminal stopped echoing.

use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::{Eof, Expect, Session};

/// What a run in a pty showed, and its exit code.
pub struct Screen {
    pub code: i32,
    pub text: String,
}

/// Runs `rootkey ARGS` in a pty (echo on, as a terminal starts). Answers each `(prompt,
/// answer)` of `lines` in order, then at each hidden prompt (`(hidden): `) types the next of
/// `hidden` once the terminal stopped echoing. A run that ends before a prompt is returned
/// with what it showed.
pub fn run_in_pty(args: &[String], lines: &[(&str, &str)], hidden: &[&str]) -> Screen {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("stty echo && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_rootkey"))
        .args(args);
    let mut session = Session::spawn(cmd).unwrap();
    session.set_expect_timeout(Some(Duration::from_secs(60)));
    let mut text = Vec::new();
    for (prompt, answer) in lines {
        let Ok(got) = session.expect(*prompt) else {
            break;
        };
        text.extend_from_slice(got.as_bytes());
        session.send_line(answer).unwrap();
    }
    for pin in hidden {
        let Ok(got) = session.expect("(hidden): ") else {
            break;
        };
        text.extend_from_slice(got.as_bytes());
        let deadline = Instant::now() + Duration::from_secs(20);
        while session.get_process().get_echo().unwrap() {
            assert!(Instant::now() < deadline, "the hidden prompt echoes");
            sleep(Duration::from_millis(5));
        }
        session.send_line(pin).unwrap();
    }
    let rest = session.expect(Eof).unwrap();
    text.extend_from_slice(rest.as_bytes());
    let code = match session.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("rootkey did not exit normally: {other:?}"),
    };
    Screen {
        code,
        text: String::from_utf8_lossy(&text).into_owned(),
    }
}

/// The screen's lines joined by spaces (instructions are wrapped at 80 columns).
pub fn flat(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every line of `text` fits an 80-column terminal.
pub fn assert_fits_80_columns(text: &str) {
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line:?}",
            line.chars().count()
        );
    }
}

/// `text` with every run of white space (line breaks and the indents of wrapped lines
/// included) made one space: error messages are wrapped to 80 columns on a terminal, so a test
/// looks for a message in the squashed screen.
pub fn squashed(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the screen `text` shows `expected`, white space squashed in both ([`squashed`]):
/// for error messages, which a terminal shows wrapped to 80 columns.
pub fn shows(text: &str, expected: &str) -> bool {
    squashed(text).contains(&squashed(expected))
}
