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

/// The code of a critical step of `rootkey run` as its screen shows it (`    7F3A-09C2` on
/// its own line after "this code:"), from the text `shown` up to the first name prompt.
pub fn critical_code(shown: &str) -> String {
    let after = shown
        .split("this code:")
        .nth(1)
        .unwrap_or_else(|| panic!("no code on the screen: {shown:?}"));
    let code = after.split_whitespace().next().unwrap_or("");
    assert!(
        code.len() == 9 && code.as_bytes()[4] == b'-',
        "not a code: {code:?} in {shown:?}"
    );
    code.to_string()
}

/// Confirms a critical step of `rootkey run` in `session` as `names` (two people): waits for
/// the first name prompt, reads the code on the screen, types each name and the code. Returns
/// what the screen showed.
pub fn confirm_critical<S: Expect>(session: &mut S, names: [&str; 2]) -> String {
    let got = session.expect("confirmer 1 of 2, your name: ").unwrap();
    let mut text = String::from_utf8_lossy(got.as_bytes()).into_owned();
    let code = critical_code(&text);
    for (i, name) in names.iter().enumerate() {
        if i == 1 {
            let got = session.expect("confirmer 2 of 2, your name: ").unwrap();
            text.push_str(&String::from_utf8_lossy(got.as_bytes()));
        }
        session.send_line(name).unwrap();
        let prompt = format!("{name}, type the code {code}: ");
        let got = session.expect(prompt.as_str()).unwrap();
        text.push_str(&String::from_utf8_lossy(got.as_bytes()));
        session.send_line(&code).unwrap();
    }
    text
}

/// The line `rootkey run` stops a long text at.
pub const MORE: &str = "-- more: press Enter --";

/// Reads `session` to its end, pressing Enter at each `-- more: press Enter --` line; returns
/// what the screen showed and how many times it stopped.
pub fn page_to_end<S: Expect>(session: &mut S) -> (String, usize) {
    let mut text = String::new();
    let mut stops = 0;
    loop {
        let needles: Vec<Box<dyn expectrl::Needle>> = vec![Box::new(MORE), Box::new(Eof)];
        let got = session.expect(expectrl::Any::boxed(needles)).unwrap();
        text.push_str(&String::from_utf8_lossy(got.before()));
        let matched = got.get(0).unwrap_or_default();
        text.push_str(&String::from_utf8_lossy(matched));
        if matched == MORE.as_bytes() {
            stops += 1;
            session.send_line("").unwrap();
        } else {
            return (text, stops);
        }
    }
}
