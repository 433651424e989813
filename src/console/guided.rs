//! The guided runner's console (`rootkey run PLAN`): a [`Console`] around another one (the
//! terminal) that follows the plan's merged step list. As the ceremony enters each built-in
//! step ([`Console::step`]) it first runs the checklist steps the list places before it —
//! each on its own screen, with its header and text, acknowledged by the named person typing
//! their initials ([`Question::ChecklistInitials`]; checked case-insensitively against the
//! initials of their name, asked again on a mismatch, [`INITIAL_TRIES`] times in all) and
//! handed to the ceremony to record ([`Console::take_acknowledgements`]) — then shows the
//! step's header line (on a cleared screen, when standard error is a terminal, for the first
//! step and each holder's turn — elsewhere after a blank line, so that what a step showed,
//! such as the fingerprint to read aloud, stays in view) (`Step 7/23 ·
//! Crypto officer (Alice Martin) · Generate the root key`) with the number of its transcript
//! entry, so that the paper log and the transcript can be matched. [`Guided::finish`] runs
//! the checklist steps placed after the last built-in step: the transcript is sealed by then,
//! so they are acknowledged with Enter and not recorded.
//!
//! The screens of item 2 (`guided/screens.rs`): the plan's witness may type
//! [`EXCEPTION_KEYWORD`] at any prompt, visible or hidden, to record an exception (asked as one
//! visible line, handed to the ceremony as [`Record::Exception`], then the interrupted
//! question is asked again); each critical step (`ceremony::script::is_critical`) is confirmed
//! before it runs by two different people of the plan's confirmers typing their names and a
//! code shown on the screen ([`Record::StepConfirmed`]; with confirmers named in advance, by
//! name); text longer than the screen stops every [`PAGE_LINES`] lines at a `-- more: press
//! Enter --` line when a person answers at a terminal. Everything else is the inner console's.

use std::io::{IsTerminal, Write};

mod screens;
#[cfg(test)]
mod tests;

pub use screens::PAGE_LINES;

use super::{
    Acknowledgement, Channel, Console, EXCEPTION_KEYWORD, Question, Record, SCREEN_COLUMNS,
    StepView, wrap,
};
use crate::error::{Error, Kind, Result};
use crate::secret::{SecretBytes, SecretError};
use crate::transcript::event::initials_of;
use sha2::{Digest, Sha256};

/// One step of the merged list as the runner shows it (built by the ceremony layer from its
/// script, so that the screens and the printed script share one list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuidedStep {
    /// The step's number in the list, from 1.
    pub number: usize,
    /// A built-in step's key (`receive-share-3`), `checklist-N` for a checklist step.
    pub key: String,
    /// Its header line, at most [`SCREEN_COLUMNS`] characters.
    pub header: String,
    /// A checklist step: who acknowledges it and what.
    pub checklist: Option<Checklist>,
}

/// A checklist step's acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checklist {
    /// The person the plan names; None: nobody is named, the role acknowledges with Enter
    /// (not recorded).
    pub person: Option<String>,
    /// The role, as the header names it (after the seal: who presses Enter, the person the
    /// plan names if any).
    pub role: String,
    /// The step's title.
    pub title: String,
    /// The step's text.
    pub text: String,
}

/// How many times the initials are asked for.
pub const INITIAL_TRIES: usize = 3;

/// The guided console (see the module documentation).
pub struct Guided<'c> {
    inner: &'c mut dyn Console,
    steps: Vec<GuidedStep>,
    /// The index of the next step of `steps` to show.
    next: usize,
    /// Whether to clear the screen before each step.
    clear: bool,
    /// Acknowledged, excepted or confirmed, not yet taken by the ceremony, in order.
    pending: Vec<Record>,
    /// The plan's witness, who may record exceptions.
    witness: Option<String>,
    /// The people who may confirm a critical step (the plan's confirmers).
    confirmers: Vec<String>,
    /// The keys of the critical steps.
    critical: Vec<String>,
    /// The step on screen: its number and key.
    current: Option<(usize, String)>,
    /// Whether the transcript is sealed (the checklist steps after the last step).
    sealed: bool,
    /// Whether long text is paged (a person answers at a terminal).
    page: bool,
    /// Lines shown since the last prompt or cleared screen (for paging).
    lines: usize,
    /// The code of the next critical step, fixed (tests), else random.
    fixed_code: Option<String>,
    /// Whether standard output is a terminal, fixed (tests), else asked.
    out_tty: Option<bool>,
    /// The title of the built-in step rootkey works at (for the `working:` line), if any.
    working: Option<String>,
}

impl<'c> Guided<'c> {
    /// A guided console over `inner` following `steps` (in order); the screen is cleared
    /// before each step when standard error is a terminal.
    pub fn new(inner: &'c mut dyn Console, steps: Vec<GuidedStep>) -> Guided<'c> {
        let clear = std::io::stderr().is_terminal();
        let page = clear && inner.is_interactive();
        Guided {
            inner,
            steps,
            next: 0,
            clear,
            pending: Vec::new(),
            witness: None,
            confirmers: Vec::new(),
            critical: Vec::new(),
            current: None,
            sealed: false,
            page,
            lines: 0,
            fixed_code: None,
            out_tty: None,
            working: None,
        }
    }

    /// The plan's people for the screens: the `witness` who may record exceptions (None: the
    /// keyword is refused on screen), the `confirmers` of the `critical` steps (their keys).
    pub fn with_people(
        mut self,
        witness: Option<String>,
        confirmers: Vec<String>,
        critical: Vec<String>,
    ) -> Guided<'c> {
        self.witness = witness;
        self.confirmers = confirmers;
        self.critical = critical;
        self
    }

    /// Shows `header` and `below` under it: on a fresh screen when `fresh` (and standard
    /// error is a terminal), else after a blank line, so that what the last steps showed (the
    /// fingerprint a witness reads aloud) stays in view.
    fn screen(&mut self, header: &str, below: &str, fresh: bool) -> Result<()> {
        let fresh = self.clear && fresh;
        if fresh {
            super::working::stop();
            let mut e = std::io::stderr().lock();
            e.write_all(b"\x1b[H\x1b[2J")
                .and_then(|()| e.flush())
                .map_err(|e| {
                    Error::new(
                        Kind::Io,
                        format!(
                            "could not clear the screen on standard error: {}",
                            super::io_reason(&e)
                        ),
                    )
                    .hint("run rootkey run at a terminal, or keep standard error writable")
                })?;
        }
        if fresh {
            self.lines = 0;
        }
        let rule = "─".repeat(header.chars().count().min(SCREEN_COLUMNS));
        let gap = if fresh { "" } else { "\n" };
        self.show(
            Channel::Err,
            "the step's header",
            &format!("{gap}{header}\n{rule}\n{below}"),
        )
    }

    /// Shows checklist step `s` and waits for its acknowledgement: the named person's
    /// initials (recorded) or, when `sealed` or nobody is named, Enter (not recorded).
    fn checklist(&mut self, s: &GuidedStep, c: &Checklist, sealed: bool) -> Result<()> {
        let body = wrap(&c.text, SCREEN_COLUMNS);
        self.screen(&s.header, &format!("{body}\n\n"), false)?;
        let who = c.person.clone().unwrap_or_else(|| c.role.clone());
        let Some(person) = c.person.as_ref().filter(|_| !sealed) else {
            let prompt = wrap(
                &format!("{who}: press Enter once this is done (Ctrl-C stops the ceremony): "),
                SCREEN_COLUMNS,
            );
            self.ask_visible(&Question::ChecklistDone { step: s.number }, &prompt)?;
            return Ok(());
        };
        let want = initials_of(person);
        let prompt = wrap(
            &format!("{person}: once this is done, type your initials: "),
            SCREEN_COLUMNS,
        );
        for attempt in 1..=INITIAL_TRIES {
            let typed =
                self.ask_visible(&Question::ChecklistInitials { step: s.number }, &prompt)?;
            let typed = typed.trim().to_string();
            let upper: String = typed.chars().flat_map(char::to_uppercase).collect();
            if upper == want && typed.chars().count() <= 8 {
                self.pending.push(Record::Acknowledged(Acknowledgement {
                    person: person.clone(),
                    initials: typed,
                    step: s.number,
                    title: c.title.clone(),
                    text_sha256: hex::encode(Sha256::digest(c.text.as_bytes())),
                }));
                return Ok(());
            }
            if attempt < INITIAL_TRIES {
                let at = format!("checklist step {} ({})", s.number, c.title);
                crate::transcript::slip::note("initials", attempt, Some(at));
                let first = wrap(
                    &format!("those are not the initials of {person}"),
                    SCREEN_COLUMNS,
                );
                let again = format!("  try {} of {INITIAL_TRIES}: ", attempt + 1);
                let rest = wrap(
                    &format!("{person} types their own initials"),
                    SCREEN_COLUMNS - again.len(),
                )
                .replace('\n', &format!("\n{}", " ".repeat(again.len())));
                self.show(
                    Channel::Err,
                    "the initials' check",
                    &format!("{first}\n{again}{rest}\n"),
                )?;
            }
        }
        Err(Error::new(
            Kind::TooManyTries,
            format!(
                "step {} ({}): {INITIAL_TRIES} tries, and the initials typed were not those of {person}",
                s.number, c.title
            ),
        )
        .hint(format!(
            "{person} must acknowledge this step themselves; keep the output directory as evidence and run the ceremony again in a new, empty output directory"
        )))
    }

    /// Runs the checklist steps from the cursor up to (not including) the next built-in step;
    /// returns the index of that built-in step, if any.
    fn run_checklists(&mut self, sealed: bool) -> Result<Option<usize>> {
        while let Some(s) = self.steps.get(self.next).cloned() {
            match &s.checklist {
                Some(c) => {
                    self.working = None;
                    self.current = Some((s.number, s.key.clone()));
                    self.checklist(&s, c, sealed)?;
                    self.next += 1;
                }
                None => return Ok(Some(self.next)),
            }
        }
        Ok(None)
    }

    /// After the ceremony: the checklist steps placed after its last built-in step.
    pub fn finish(&mut self) -> Result<()> {
        self.sealed = true;
        self.working = None;
        match self.run_checklists(true)? {
            None => Ok(()),
            Some(i) => Err(internal(format!(
                "the ceremony ended before step {} of the script",
                self.steps[i].key
            ))),
        }
    }
}

impl Guided<'_> {
    /// rootkey goes on computing at the current built-in step: the terminal shows a
    /// `working:` line if that takes over a second ([`Console::working`]).
    fn resume_working(&mut self) {
        if let Some(title) = self.working.clone() {
            self.inner.working(&title);
        }
    }
}

fn internal(message: String) -> Error {
    Error::new(Kind::Internal, format!("internal error: {message}"))
        .hint("nothing more was done; report this as a bug in rootkey")
}

impl Console for Guided<'_> {
    fn ask_secret(
        &mut self,
        question: &Question,
        prompt: &str,
        max: usize,
    ) -> std::result::Result<SecretBytes, SecretError> {
        let keyword = EXCEPTION_KEYWORD.as_bytes();
        loop {
            self.lines = 0;
            let answer = self
                .inner
                .ask_secret(question, prompt, max.max(keyword.len()))?;
            // Compared where it lies, in locked memory.
            if answer.as_slice() == keyword {
                drop(answer);
                self.exception()
                    .map_err(|e| match crate::secret::interrupted() {
                        Some(sig) => SecretError::Interrupted(sig),
                        None => SecretError::Terminal(
                            "the exception was not recorded",
                            std::io::Error::other(e.message),
                        ),
                    })?;
                continue;
            }
            if answer.len() > max {
                return Err(SecretError::Terminal(
                    "input too long",
                    std::io::Error::other(format!("more than {max} characters were typed")),
                ));
            }
            self.resume_working();
            return Ok(answer);
        }
    }

    fn ask_line(&mut self, question: &Question, prompt: &str) -> Result<String> {
        let answer = self.ask_visible(question, prompt)?;
        self.resume_working();
        Ok(answer)
    }

    fn tell(&mut self, to: Channel, what: &str, text: &str) -> Result<()> {
        self.show(to, what, text)?;
        self.resume_working();
        Ok(())
    }

    fn named_confirmers(&self) -> Option<&[String]> {
        self.inner.named_confirmers()
    }

    fn shows_steps(&self) -> bool {
        true
    }

    fn step(&mut self, step: &StepView) -> Result<()> {
        let Some(i) = self.run_checklists(false)? else {
            return Err(internal(format!(
                "step {} entered after the last step of the script",
                step.key
            )));
        };
        if self.steps[i].key != step.key {
            return Err(internal(format!(
                "step {} entered where the script has step {}",
                step.key, self.steps[i].key
            )));
        }
        self.next += 1;
        let number = self.steps[i].number;
        self.current = Some((number, step.key.clone()));
        let header = self.steps[i].header.clone();
        // What was handed over just now is recorded before the step's own entry (the
        // header, seq 0, is written before any of it), and so are the slips noted since the
        // last entry (transcript::slip).
        let critical = self.critical.contains(&step.key);
        let entry = match step.entry {
            0 => 0,
            k => {
                k + self.pending.len() as u64
                    + u64::from(critical)
                    + crate::transcript::slip::pending() as u64
            }
        };
        // A fresh screen for the first step and for each holder's turn (a holder never sees
        // the previous holder's share or instructions); elsewhere the steps follow each other.
        let fresh = i == 0
            || matches!(
                step.id,
                "receive-share" | "write-token" | "present-share" | "type-dice"
            );
        self.screen(&header, &format!("transcript entry #{entry}\n\n"), fresh)?;
        if critical {
            self.confirm_step(number, &step.key, step.title)?;
        }
        self.inner.step(step)?;
        self.working = Some(step.title.to_string());
        self.resume_working();
        Ok(())
    }

    fn take_acknowledgements(&mut self) -> Vec<Acknowledgement> {
        let mut acks = Vec::new();
        self.pending.retain(|r| match r {
            Record::Acknowledged(a) => {
                acks.push(a.clone());
                false
            }
            _ => true,
        });
        acks
    }

    fn take_records(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.pending)
    }

    fn milestone(&mut self, what: &str, text: &str) -> Result<()> {
        self.show(Channel::Err, what, &format!("\n{text}"))?;
        self.resume_working();
        Ok(())
    }

    fn is_interactive(&self) -> bool {
        self.inner.is_interactive()
    }
    fn status_line(&mut self, what: &str, line: &str) -> Result<()> {
        self.inner.status_line(what, line)?;
        self.resume_working();
        Ok(())
    }

    fn working(&mut self, what: &str) {
        self.inner.working(what);
    }
}
