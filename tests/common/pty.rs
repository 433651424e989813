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

/// An interactive `rootkey` run in a pty that echoes (as a terminal starts), with everything
/// it has shown so far: for tests that react to what the screen shows (a confirmation code)
/// or type at a hidden prompt themselves.
pub struct Pty {
    pub s: expectrl::session::OsSession,
    screen: Vec<u8>,
}

impl Pty {
    /// Starts `rootkey ARGS`; a wait of over 30 s fails the test instead of blocking it.
    pub fn spawn(args: &[String]) -> Pty {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("stty echo && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_rootkey"))
            .args(args);
        let mut s = Session::spawn(cmd).unwrap();
        s.set_expect_timeout(Some(Duration::from_secs(30)));
        Pty {
            s,
            screen: Vec::new(),
        }
    }

    /// Waits for `text` on the screen.
    pub fn expect(&mut self, text: &str) {
        match self.s.expect(text) {
            Ok(c) => self.screen.extend_from_slice(c.as_bytes()),
            Err(e) => panic!(
                "waiting for {text:?}: {e}\n--- screen so far ---\n{}",
                self.screen()
            ),
        }
    }

    /// Types `line` and Enter now.
    pub fn send_line(&mut self, line: &str) {
        self.s.send_line(line).unwrap();
    }

    /// Waits for the visible `prompt`, then types `line` and Enter.
    pub fn answer(&mut self, prompt: &str, line: &str) {
        self.expect(prompt);
        self.s.send_line(line).unwrap();
    }

    /// Waits for the hidden `prompt` and for the echo to be off, then sends `bytes` (with
    /// their own line end, if any).
    pub fn hidden(&mut self, prompt: &str, bytes: &[u8]) {
        self.expect(prompt);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.s.get_process().get_echo().unwrap() {
            assert!(Instant::now() < deadline, "echo still on at {prompt:?}");
            sleep(Duration::from_millis(5));
        }
        self.s.send(bytes).unwrap();
    }

    /// What was shown so far.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen).into_owned()
    }

    /// The confirmation code `XXXX-XXXX` shown last on the screen.
    pub fn code(&self) -> String {
        let screen = self.screen();
        let at = screen
            .rfind("Confirmation code: ")
            .unwrap_or_else(|| panic!("no confirmation code on screen:\n{screen}"));
        let code = screen[at + "Confirmation code: ".len()..][..9].to_string();
        let b = code.as_bytes();
        assert!(
            b[4] == b'-'
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || matches!(c, b'0'..=b'9' | b'A'..=b'F')),
            "{code:?} is not a code XXXX-XXXX"
        );
        code
    }

    /// Reads the rest of the output; the exit code and the whole screen.
    pub fn finish(mut self) -> (i32, String) {
        match self.s.expect(Eof) {
            Ok(c) => self.screen.extend_from_slice(c.as_bytes()),
            Err(e) => panic!(
                "waiting for the end: {e}\n--- screen so far ---\n{}",
                self.screen()
            ),
        }
        let code = match self.s.get_process().wait().unwrap() {
            WaitStatus::Exited(_, code) => code,
            other => panic!("rootkey did not exit normally: {other:?}"),
        };
        (code, self.screen())
    }
}

/// Runs `rootkey ARGS` in a pty (echo on, as a terminal starts); waits for each prompt of
/// `answers` in turn and types its answer — at a hidden prompt (one ending in `(hidden): `)
/// once the terminal stopped echoing. A run that ends before a prompt is returned with what
/// it showed.
pub fn run_answering(args: &[String], answers: &[(&str, &str)]) -> Screen {
    let mut p = Pty::spawn(args);
    p.s.set_expect_timeout(Some(Duration::from_secs(60)));
    for (prompt, answer) in answers {
        let Ok(got) = p.s.expect(*prompt) else {
            break;
        };
        p.screen.extend_from_slice(got.as_bytes());
        if prompt.ends_with("(hidden): ") {
            let deadline = Instant::now() + Duration::from_secs(20);
            while p.s.get_process().get_echo().unwrap() {
                assert!(Instant::now() < deadline, "the hidden prompt echoes");
                sleep(Duration::from_millis(5));
            }
        }
        p.send_line(answer);
    }
    let (code, text) = p.finish();
    Screen { code, text }
}
