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
//! so they are acknowledged with Enter and not recorded. Everything else is the inner
//! console's.

use std::io::{IsTerminal, Write};

use super::{Acknowledgement, Channel, Console, Question, SCREEN_COLUMNS, StepView, wrap};
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
    /// The role, as the header names it.
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
    /// Acknowledged, not yet taken by the ceremony.
    pending: Vec<Acknowledgement>,
}

impl<'c> Guided<'c> {
    /// A guided console over `inner` following `steps` (in order); the screen is cleared
    /// before each step when standard error is a terminal.
    pub fn new(inner: &'c mut dyn Console, steps: Vec<GuidedStep>) -> Guided<'c> {
        let clear = std::io::stderr().is_terminal();
        Guided {
            inner,
            steps,
            next: 0,
            clear,
            pending: Vec::new(),
        }
    }

    /// Shows `header` and `below` under it: on a fresh screen when `fresh` (and standard
    /// error is a terminal), else after a blank line, so that what the last steps showed (the
    /// fingerprint a witness reads aloud) stays in view.
    fn screen(&mut self, header: &str, below: &str, fresh: bool) -> Result<()> {
        let fresh = self.clear && fresh;
        if fresh {
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
        let rule = "─".repeat(header.chars().count().min(SCREEN_COLUMNS));
        let gap = if fresh { "" } else { "\n" };
        self.inner.tell(
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
            self.inner
                .ask_line(&Question::ChecklistDone { step: s.number }, &prompt)?;
            return Ok(());
        };
        let want = initials_of(person);
        let prompt = wrap(
            &format!("{person}: once this is done, type your initials: "),
            SCREEN_COLUMNS,
        );
        for attempt in 1..=INITIAL_TRIES {
            let typed = self
                .inner
                .ask_line(&Question::ChecklistInitials { step: s.number }, &prompt)?;
            let typed = typed.trim().to_string();
            let upper: String = typed.chars().flat_map(char::to_uppercase).collect();
            if upper == want && typed.chars().count() <= 8 {
                self.pending.push(Acknowledgement {
                    person: person.clone(),
                    initials: typed,
                    step: s.number,
                    title: c.title.clone(),
                    text_sha256: hex::encode(Sha256::digest(c.text.as_bytes())),
                });
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
                self.inner.tell(
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
        match self.run_checklists(true)? {
            None => Ok(()),
            Some(i) => Err(internal(format!(
                "the ceremony ended before step {} of the script",
                self.steps[i].key
            ))),
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
        self.inner.ask_secret(question, prompt, max)
    }

    fn ask_line(&mut self, question: &Question, prompt: &str) -> Result<String> {
        self.inner.ask_line(question, prompt)
    }

    fn tell(&mut self, to: Channel, what: &str, text: &str) -> Result<()> {
        self.inner.tell(to, what, text)
    }

    fn named_confirmers(&self) -> Option<&[String]> {
        self.inner.named_confirmers()
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
        let header = self.steps[i].header.clone();
        // The acknowledgements just made are recorded before the step's own entry (the
        // header, seq 0, is written before any of them), and so are the slips noted since
        // the last entry (transcript::slip).
        let entry = match step.entry {
            0 => 0,
            k => k + self.pending.len() as u64 + crate::transcript::slip::pending() as u64,
        };
        // A fresh screen for the first step and for each holder's turn (a holder never sees
        // the previous holder's share or instructions); elsewhere the steps follow each other.
        let fresh = i == 0
            || matches!(
                step.id,
                "receive-share" | "write-token" | "present-share" | "type-dice"
            );
        self.screen(&header, &format!("transcript entry #{entry}\n\n"), fresh)?;
        self.inner.step(step)
    }

    fn take_acknowledgements(&mut self) -> Vec<Acknowledgement> {
        std::mem::take(&mut self.pending)
    }

    fn milestone(&mut self, what: &str, text: &str) -> Result<()> {
        self.inner.tell(Channel::Err, what, &format!("\n{text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::{Scripted, Shown};

    fn builtin(number: usize, key: &str) -> GuidedStep {
        GuidedStep {
            number,
            key: key.into(),
            header: format!("Step {number}/3 · rootkey · {key}"),
            checklist: None,
        }
    }

    fn view(key: &str, entry: u64) -> StepView {
        StepView {
            n: 1,
            total: 2,
            id: "x",
            key: key.into(),
            role: "rootkey",
            title: "t",
            entry,
        }
    }

    #[test]
    fn checklists_run_before_their_step_and_headers_name_the_entry() {
        let steps = vec![
            GuidedStep {
                number: 1,
                key: "checklist-1".into(),
                header: "Step 1/3 · Witness (Wendy Witness) · Cables".into(),
                checklist: Some(Checklist {
                    person: Some("Wendy Witness".into()),
                    role: "Witness".into(),
                    title: "Cables".into(),
                    text: "No cable".into(),
                }),
            },
            builtin(2, "a"),
            builtin(3, "b"),
        ];
        let q = Question::ChecklistInitials { step: 1 };
        let mut inner = Scripted::new().line(q.clone(), "OO").line(q, "ww");
        let mut g = Guided::new(&mut inner, steps);
        g.clear = false;
        g.step(&view("a", 1)).unwrap();
        let acks = g.take_acknowledgements();
        assert_eq!(
            acks,
            [Acknowledgement {
                person: "Wendy Witness".into(),
                initials: "ww".into(),
                step: 1,
                title: "Cables".into(),
                text_sha256: hex::encode(Sha256::digest(b"No cable")),
            }]
        );
        assert!(g.take_acknowledgements().is_empty());
        let e = g.step(&view("c", 2)).unwrap_err();
        assert_eq!(
            e.message,
            "internal error: step c entered where the script has step b"
        );
        let shown: Vec<String> = inner
            .shown()
            .iter()
            .map(|s| match s {
                Shown::Text(_, t) => t.clone(),
                Shown::Asked(q, p) => format!("{}: {p}", q.id()),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "\nStep 1/3 · Witness (Wendy Witness) · Cables\n\
                 ───────────────────────────────────────────\nNo cable\n\n",
                "checklist-1-initials: Wendy Witness: once this is done, type your initials: ",
                "those are not the initials of Wendy Witness\n  try 2 of 3: Wendy Witness types their own initials\n",
                "checklist-1-initials: Wendy Witness: once this is done, type your initials: ",
                // Entry 1 + the acknowledgement + the slip of the wrong initials.
                "\nStep 2/3 · rootkey · a\n──────────────────────\ntranscript entry #3\n\n",
            ]
        );
    }

    #[test]
    fn three_wrong_initials_end_with_the_next_step() {
        let c = Checklist {
            person: Some("Wendy Witness".into()),
            role: "Witness".into(),
            title: "Cables".into(),
            text: "No cable".into(),
        };
        let steps = vec![
            GuidedStep {
                number: 1,
                key: "checklist-1".into(),
                header: "Step 1/2 · Witness (Wendy Witness) · Cables".into(),
                checklist: Some(c),
            },
            builtin(2, "a"),
        ];
        let q = Question::ChecklistInitials { step: 1 };
        let mut inner = Scripted::new()
            .line(q.clone(), "OO")
            .line(q.clone(), "W")
            .line(q, "WWW");
        let mut g = Guided::new(&mut inner, steps);
        g.clear = false;
        let e = g.step(&view("a", 1)).unwrap_err();
        assert_eq!(
            e.message,
            "step 1 (Cables): 3 tries, and the initials typed were not those of Wendy Witness"
        );
        assert_eq!(e.exit_code(), crate::error::exit::INPUT);
        assert!(g.take_acknowledgements().is_empty());
    }
}
