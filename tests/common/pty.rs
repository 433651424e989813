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
    // The rest, paged at 22 lines when long (docs/plans.md, "Paging"): Enter at each stop.
    let (rest, _) = page_to_end(&mut session);
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

/// What a line of the screen shows last: the text after a clear (`ESC [H ESC [2J`) or after
/// a line erased in place (`ESC [2K`, the `working:` line of a step that takes over a second).
pub fn shown_line(line: &str) -> &str {
    let l = line.trim_end_matches('\r');
    let l = l.rsplit(CLEAR).next().unwrap_or(l);
    l.rsplit("\x1b[2K").next().unwrap_or(l)
}

/// Every line of `text` fits an 80-column terminal (as it shows last, [`shown_line`]).
pub fn assert_fits_80_columns(text: &str) {
    for line in text.lines() {
        let line = shown_line(line);
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line:?}",
            line.chars().count()
        );
    }
}

/// What `rootkey run` writes to clear the screen for a new step.
pub const CLEAR: &str = "\x1b[H\x1b[2J";

/// An interactive `rootkey` run in an 80×24 pty (echo on), step by step: what it showed so
/// far is kept in `screen`.
pub struct Pty {
    pub s: expectrl::session::OsSession,
    pub screen: String,
}

impl Pty {
    /// Starts `rootkey ARGS` in an 80×24 pty, in directory `cwd`.
    pub fn spawn(args: &[&str], cwd: &std::path::Path) -> Pty {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("stty echo && exec \"$0\" \"$@\"")
            .arg(env!("CARGO_BIN_EXE_rootkey"))
            .args(args)
            .current_dir(cwd);
        let mut s = Session::spawn(cmd).unwrap();
        s.get_process_mut().set_window_size(80, 24).unwrap();
        s.set_expect_timeout(Some(Duration::from_secs(60)));
        Pty {
            s,
            screen: String::new(),
        }
    }

    /// Waits for `text`; returns what was shown up to and including it.
    pub fn expect(&mut self, text: &str) -> String {
        match self.s.expect(text) {
            Ok(c) => {
                let shown = String::from_utf8_lossy(c.as_bytes()).into_owned();
                self.screen.push_str(&shown);
                shown
            }
            Err(e) => panic!(
                "waiting for {text:?}: {e}\n--- screen so far ---\n{}",
                self.screen
            ),
        }
    }

    /// Waits for `prompt`, types `line` and Enter; returns what was shown.
    pub fn answer(&mut self, prompt: &str, line: &str) -> String {
        let shown = self.expect(prompt);
        self.s.send_line(line).unwrap();
        shown
    }

    /// Waits for `prompt`, then for the terminal to stop echoing, then types `secret`.
    pub fn hidden(&mut self, prompt: &str, secret: &str) -> String {
        let shown = self.expect(prompt);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.s.get_process().get_echo().unwrap() {
            assert!(Instant::now() < deadline, "the hidden prompt echoes");
            sleep(Duration::from_millis(5));
        }
        self.s.send_line(secret).unwrap();
        shown
    }

    /// Waits for `text`, pressing Enter at each `-- more: press Enter --` stop of a long text
    /// on the way ([`MORE`]); returns what was shown.
    pub fn expect_paging(&mut self, text: &str) -> String {
        let mut shown = String::new();
        loop {
            let needles: Vec<Box<dyn expectrl::Needle>> =
                vec![Box::new(MORE), Box::new(text.to_string())];
            let got = match self.s.expect(expectrl::Any::boxed(needles)) {
                Ok(c) => c,
                Err(e) => panic!(
                    "waiting for {text:?}: {e}\n--- screen so far ---\n{}{shown}",
                    self.screen
                ),
            };
            let matched = got.get(0).unwrap_or_default().to_vec();
            shown.push_str(&String::from_utf8_lossy(got.before()));
            shown.push_str(&String::from_utf8_lossy(&matched));
            if matched == MORE.as_bytes() {
                self.s.send_line("").unwrap();
            } else {
                self.screen.push_str(&shown);
                return shown;
            }
        }
    }

    /// [`Pty::expect_paging`] for `prompt`, then types `line` and Enter.
    pub fn answer_paging(&mut self, prompt: &str, line: &str) -> String {
        let shown = self.expect_paging(prompt);
        self.s.send_line(line).unwrap();
        shown
    }

    /// Starts `rootkey ARGS` in an 80×24 pty, in the test's working directory.
    pub fn spawn_here(args: &[String]) -> Pty {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Pty::spawn(&args, &std::env::current_dir().unwrap())
    }

    /// Types `line` and Enter now.
    pub fn send_line(&mut self, line: &str) {
        self.s.send_line(line).unwrap();
    }

    /// The confirmation code `XXXX-XXXX` shown last on the screen.
    pub fn code(&self) -> String {
        let screen = &self.screen;
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

    /// Reads the rest; returns the exit code and the whole screen.
    pub fn finish(mut self) -> Screen {
        // Paged at 22 lines when long: Enter at each stop.
        let (rest, _) = page_to_end(&mut self.s);
        self.screen.push_str(&rest);
        let code = match self.s.get_process().wait().unwrap() {
            WaitStatus::Exited(_, code) => code,
            other => panic!("rootkey did not exit normally: {other:?}"),
        };
        Screen {
            code,
            text: self.screen,
        }
    }
}

/// The step headers (`Step n/N · …`) shown on `screen`, in order.
pub fn headers(screen: &str) -> Vec<String> {
    screen
        .lines()
        .map(|l| shown_line(l).to_string())
        .filter(|l| {
            l.strip_prefix("Step ")
                .and_then(|r| r.split_once(" · "))
                .is_some_and(|(n, _)| n.contains('/'))
        })
        .collect()
}

/// The step headers of `plan`'s printed script (`rootkey plan render PLAN --out script.md`
/// in `dir`), cut to 80 columns as the runner cuts them: the person's name first, then the
/// title (docs/plans.md, "The merged step list").
pub fn script_headers(plan: &std::path::Path, dir: &std::path::Path) -> Vec<String> {
    let md = dir.join("script.md");
    let r = super::rootkey([
        "plan".as_ref(),
        "render".as_ref(),
        plan.as_os_str(),
        "--out".as_ref(),
        md.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let text = std::fs::read_to_string(&md).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("### Step ").map(|h| format!("Step {h}")))
        .collect()
}

/// `shown` is the 80-column form of `full`: equal when it fits, else cut (`…`) keeping its
/// number and, when there is room, its title.
pub fn same_header(shown: &str, full: &str) -> bool {
    if full.chars().count() <= 80 {
        return shown == full;
    }
    let number = full.split(" · ").next().unwrap();
    shown.chars().count() <= 80 && shown.starts_with(number) && shown.contains('…')
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

/// Runs `rootkey ARGS` in a pty (echo on, as a terminal starts); waits for each prompt of
/// `answers` in turn and types its answer — at a hidden prompt (one ending in `(hidden): `)
/// once the terminal stopped echoing. A run that ends before a prompt is returned with what
/// it showed.
pub fn run_answering(args: &[String], answers: &[(&str, &str)]) -> Screen {
    let mut p = Pty::spawn_here(args);
    for (prompt, answer) in answers {
        let Ok(got) = p.s.expect(*prompt) else {
            break;
        };
        p.screen.push_str(&String::from_utf8_lossy(got.as_bytes()));
        if prompt.ends_with("(hidden): ") {
            let deadline = Instant::now() + Duration::from_secs(20);
            while p.s.get_process().get_echo().unwrap() {
                assert!(Instant::now() < deadline, "the hidden prompt echoes");
                sleep(Duration::from_millis(5));
            }
        }
        p.send_line(answer);
    }
    p.finish()
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
