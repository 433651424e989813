//! The guided runner's console (`rootkey run PLAN`): a [`Console`] around another one (the
//! terminal) that follows the plan's merged step list. As the ceremony enters each built-in
//! step ([`Console::step`]) it first runs the checklist steps the list places before it —
//! each on its own screen, with its header and text, acknowledged by the named person
//! pressing Enter ([`Question::ChecklistDone`]) — then clears the screen (when standard
//! error is a terminal) and shows the step's header line (`Step 7/23 · Crypto officer (Alice
//! Martin) · Generate the root key`) with the number of the next transcript entry, so that
//! the paper log and the transcript can be matched. [`Guided::finish`] runs the checklist
//! steps placed after the last built-in step. Everything else is the inner console's.
//!
//! The acknowledgements are not recorded in the transcript yet (docs/plans.md, "Running a
//! plan").

use std::io::{IsTerminal, Write};

use super::{Channel, Console, Question, SCREEN_COLUMNS, StepView, wrap};
use crate::error::{Error, Kind, Result};
use crate::secret::{SecretBytes, SecretError};

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
    /// A checklist step: who acknowledges it (the named person, or the role) and its text.
    pub checklist: Option<(String, String)>,
}

/// The guided console (see the module documentation).
pub struct Guided<'c> {
    inner: &'c mut dyn Console,
    steps: Vec<GuidedStep>,
    /// The index of the next step of `steps` to show.
    next: usize,
    /// Whether to clear the screen before each step.
    clear: bool,
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
        }
    }

    /// Clears the screen (on a terminal) and shows `header` and `below` under it.
    fn screen(&mut self, header: &str, below: &str) -> Result<()> {
        if self.clear {
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
        self.inner.tell(
            Channel::Err,
            "the step's header",
            &format!("{header}\n{rule}\n{below}"),
        )
    }

    /// Shows checklist step `s` and waits for its acknowledgement.
    fn checklist(&mut self, s: &GuidedStep, who: &str, text: &str) -> Result<()> {
        let body = wrap(text, SCREEN_COLUMNS);
        self.screen(&s.header, &format!("{body}\n\n"))?;
        let prompt = wrap(
            &format!("{who}: press Enter once this is done (Ctrl-C stops the ceremony): "),
            SCREEN_COLUMNS,
        );
        self.inner
            .ask_line(&Question::ChecklistDone { step: s.number }, &prompt)?;
        Ok(())
    }

    /// Runs the checklist steps from the cursor up to (not including) the next built-in step;
    /// returns the index of that built-in step, if any.
    fn run_checklists(&mut self) -> Result<Option<usize>> {
        while let Some(s) = self.steps.get(self.next).cloned() {
            match &s.checklist {
                Some((who, text)) => {
                    self.checklist(&s, who, text)?;
                    self.next += 1;
                }
                None => return Ok(Some(self.next)),
            }
        }
        Ok(None)
    }

    /// After the ceremony: the checklist steps placed after its last built-in step.
    pub fn finish(&mut self) -> Result<()> {
        match self.run_checklists()? {
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
        let Some(i) = self.run_checklists()? else {
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
        self.screen(&header, &format!("transcript entry #{}\n\n", step.entry))?;
        self.inner.step(step)
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
                checklist: Some(("Wendy Witness".into(), "No cable".into())),
            },
            builtin(2, "a"),
            builtin(3, "b"),
        ];
        let mut inner = Scripted::new().line(Question::ChecklistDone { step: 1 }, "");
        let mut g = Guided::new(&mut inner, steps);
        g.clear = false;
        g.step(&view("a", 1)).unwrap();
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
                "Step 1/3 · Witness (Wendy Witness) · Cables\n\
                 ───────────────────────────────────────────\nNo cable\n\n",
                "checklist-1-done: Wendy Witness: press Enter once this is done (Ctrl-C stops the ceremony): ",
                "Step 2/3 · rootkey · a\n──────────────────────\ntranscript entry #1\n\n",
            ]
        );
    }
}
