//! The guided runner's screens beyond the headers (docs/plans.md, "Running a plan"): the
//! witness's exception keyword at any prompt, the two-person code of a critical step, and the
//! paging of long text.

use super::{Guided, internal};
use crate::console::confirm::{Method, check_confirmer_name};
use crate::console::{
    Channel, EXCEPTION_KEYWORD, ExceptionNote, Question, Record, SCREEN_COLUMNS, StepConfirmation,
    wrap,
};
use crate::error::{Error, Kind, Result};

/// How many lines of text are shown before a `-- more: press Enter --` line (the 23rd line of
/// a 24-line screen; the last holds the cursor).
pub const PAGE_LINES: usize = 22;

/// The line that stops a long text.
pub const MORE: &str = "-- more: press Enter --";

/// The longest exception (characters).
pub const MAX_EXCEPTION: usize = 200;

/// How many times a confirmer's name or code is asked.
pub const TRIES: usize = 3;

/// A fresh code for a critical step: 8 random upper-case hex digits as `7F3A-09C2`.
fn random_code() -> Result<String> {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).map_err(|e| {
        Error::environment(format!(
            "could not draw the confirmation code from the operating system: {e}"
        ))
    })?;
    let h = hex::encode_upper(b);
    Ok(format!("{}-{}", &h[..4], &h[4..]))
}

/// Case, spaces and dashes ignored.
fn same_code(typed: &str, code: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .flat_map(char::to_uppercase)
            .collect()
    };
    norm(typed) == norm(code)
}

/// `text` with each line longer than the screen broken at spaces, the continuation lines
/// indented as the line was.
fn fit(text: &str) -> String {
    text.split('\n')
        .map(|line| {
            if line.chars().count() <= SCREEN_COLUMNS {
                return line.to_string();
            }
            let body = line.trim_start_matches(' ');
            let indent = " ".repeat(line.len() - body.len());
            wrap(body, SCREEN_COLUMNS.saturating_sub(indent.len()).max(20))
                .split('\n')
                .map(|l| format!("{indent}{l}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl Guided<'_> {
    /// Asks a visible question of the inner console; the exception keyword records an
    /// exception and asks it again.
    pub(super) fn ask_visible(&mut self, question: &Question, prompt: &str) -> Result<String> {
        loop {
            self.lines = 0;
            let answer = self.inner.ask_line(question, prompt)?;
            if answer.trim() == EXCEPTION_KEYWORD {
                self.exception()?;
                continue;
            }
            return Ok(answer);
        }
    }

    /// The step on screen (the first step before any is shown).
    fn on_screen(&self) -> (usize, String) {
        self.current
            .clone()
            .unwrap_or_else(|| match self.steps.first() {
                Some(s) => (s.number, s.key.clone()),
                None => (1, "start-ceremony".into()),
            })
    }

    /// The exception keyword was typed: asks the witness for one line and hands it to the
    /// ceremony to record before its next entry; refused on screen when the plan names no
    /// witness or the transcript is sealed (the paper exception log takes it then).
    pub(super) fn exception(&mut self) -> Result<()> {
        let (step, key) = self.on_screen();
        let paper = "write it on the paper exception log of the printed script";
        if self.sealed {
            return self.show(
                Channel::Err,
                "the exception",
                &format!(
                    "{}\n",
                    wrap(
                        &format!("The transcript is sealed: an exception can no longer be recorded in it; {paper}."),
                        SCREEN_COLUMNS
                    )
                ),
            );
        }
        let Some(witness) = self.witness.clone() else {
            return self.show(
                Channel::Err,
                "the exception",
                &format!(
                    "{}\n",
                    wrap(
                        &format!("This plan names no witness ([roles] witness), so no exception can be recorded in the transcript; {paper}."),
                        SCREEN_COLUMNS
                    )
                ),
            );
        };
        let when = if self.current.is_none() {
            "The transcript does not exist yet: it is recorded just after its header."
        } else {
            "It is recorded in the transcript before its next entry."
        };
        self.show(
            Channel::Err,
            "the exception",
            &format!(
                "\n{}\n",
                wrap(
                    &format!("Exception at step {step} ({key}). {witness} types it in one line (at most {MAX_EXCEPTION} characters; Enter alone records nothing). {when}"),
                    SCREEN_COLUMNS
                )
            ),
        )?;
        for attempt in 1..=TRIES {
            self.lines = 0;
            let text = self
                .inner
                .ask_line(&Question::ExceptionText { step }, "exception: ")?;
            let text = text.trim().to_string();
            if text.is_empty() {
                return self.show(
                    Channel::Err,
                    "the exception",
                    "No exception recorded. The question again:\n",
                );
            }
            let n = text.chars().count();
            if n <= MAX_EXCEPTION && !text.chars().any(crate::error::is_unsafe_char) {
                self.pending.push(Record::Exception(ExceptionNote {
                    witness: witness.clone(),
                    step,
                    key,
                    text,
                }));
                return self.show(
                    Channel::Err,
                    "the exception",
                    &format!("Exception noted for {witness}. The question again:\n"),
                );
            }
            self.show(
                Channel::Err,
                "the exception",
                &format!(
                    "{n} characters: at most {MAX_EXCEPTION}, one line (try {} of {TRIES})\n",
                    attempt + 1
                ),
            )?;
        }
        self.show(
            Channel::Err,
            "the exception",
            &format!("No exception recorded; {paper}. The question again:\n"),
        )
    }

    /// Critical step `number` (`key`, `title`): two different people of the plan's
    /// confirmers each type their name and the code shown, or, named in advance, confirm by
    /// name; handed to the ceremony to record before the step's entry.
    pub(super) fn confirm_step(&mut self, number: usize, key: &str, title: &str) -> Result<()> {
        let code = match &self.fixed_code {
            Some(c) => c.clone(),
            None => random_code()?,
        };
        if let Some(named) = self.inner.named_confirmers().map(<[String]>::to_vec) {
            let names: Vec<String> = named.iter().map(|n| n.trim().to_string()).collect();
            let [a, b] = names.as_slice() else {
                return Err(internal(format!(
                    "{} confirmers named in advance, not 2",
                    names.len()
                )));
            };
            for n in [a, b] {
                if !self.confirmers.iter().any(|c| same_name(c, n)) {
                    return Err(Error::new(
                        Kind::ConfirmationRefused,
                        format!(
                            "step {number} ({title}): {n:?} is not one of the plan's confirmers ({})",
                            self.confirmers.join(", ")
                        ),
                    )
                    .hint("name the plan's two confirmers ([roles] confirmers) in advance"));
                }
            }
            if same_name(a, b) {
                return Err(Error::new(
                    Kind::SamePersonTwice,
                    format!("step {number} ({title}): {a:?} cannot confirm twice: the two-person rule needs two different people"),
                )
                .hint("name the plan's two confirmers, each once"));
            }
            self.show(
                Channel::Err,
                "the step's confirmation",
                &format!("Critical step, code {code}: confirmed in advance by {a} and {b}.\n"),
            )?;
            self.pending.push(Record::StepConfirmed(StepConfirmation {
                names: [a.clone(), b.clone()],
                step: number,
                key: key.to_string(),
                code,
                method: Method::CommandLine,
            }));
            return Ok(());
        }
        let who = match self.confirmers.as_slice() {
            [a, b] => format!("{a} and {b}"),
            all => format!("two of {}", all.join(", ")),
        };
        self.show(
            Channel::Err,
            "the step's confirmation",
            &format!(
                "{}\n\n    {code}\n\n",
                wrap(
                    &format!("Critical step: two people confirm it before rootkey goes on. {who}: check that this is step {number}, \"{title}\", of the printed script; then each types their name and this code:"),
                    SCREEN_COLUMNS
                )
            ),
        )?;
        let mut names: Vec<String> = Vec::new();
        for n in 1..=2u8 {
            let name = self.ask_confirmer(number, n, &names)?;
            let mut ok = false;
            for attempt in 1..=TRIES {
                let typed = self.ask_visible(
                    &Question::StepCode {
                        step: number,
                        confirmer: n,
                    },
                    &format!("{name}, type the code {code}: "),
                )?;
                if same_code(&typed, &code) {
                    ok = true;
                    break;
                }
                if attempt < TRIES {
                    self.show(
                        Channel::Err,
                        "the step's confirmation",
                        &format!(
                            "that is not the code on the screen\n  try {} of {TRIES}: {name} types the code {code}\n",
                            attempt + 1
                        ),
                    )?;
                }
            }
            if !ok {
                return Err(Error::new(
                    Kind::TooManyTries,
                    format!("step {number} ({title}): {TRIES} tries, and {name} did not type the code shown"),
                )
                .hint("nothing was done at this step; keep the output directory as evidence and run the ceremony again in a new, empty output directory"));
            }
            names.push(name);
        }
        let [a, b] = [names[0].clone(), names[1].clone()];
        self.pending.push(Record::StepConfirmed(StepConfirmation {
            names: [a, b],
            step: number,
            key: key.to_string(),
            code,
            method: Method::TypedCode,
        }));
        Ok(())
    }

    /// Asks confirmer `n` for their name until it is one of the plan's confirmers and not
    /// one who confirmed already (`done`); returns it as the plan writes it.
    fn ask_confirmer(&mut self, number: usize, n: u8, done: &[String]) -> Result<String> {
        for attempt in 1..=TRIES {
            let typed = self.ask_visible(
                &Question::StepConfirmerName {
                    step: number,
                    confirmer: n,
                },
                &format!("confirmer {n} of 2, your name: "),
            )?;
            let typed = typed.trim().to_string();
            let slip = if let Err(e) = check_confirmer_name(&typed) {
                e.message
            } else if let Some(d) = done.iter().find(|d| same_name(d, &typed)) {
                format!("{d} already confirmed: the two-person rule needs two different people")
            } else if let Some(c) = self.confirmers.iter().find(|c| same_name(c, &typed)) {
                return Ok(c.clone());
            } else {
                format!(
                    "{typed:?} is not one of the plan's confirmers ({})",
                    self.confirmers.join(", ")
                )
            };
            if attempt == TRIES {
                return Err(Error::new(
                    Kind::ConfirmationRefused,
                    format!("step {number}: {slip} (try {attempt} of {TRIES}; nothing was done at this step)"),
                )
                .hint("the plan's two confirmers ([roles] confirmers) each confirm once; keep the output directory as evidence and run the ceremony again in a new, empty output directory"));
            }
            let again = if done.is_empty() {
                format!("confirmer {n}, type your name as the plan writes it")
            } else {
                format!("the other confirmer types their own name as confirmer {n}")
            };
            self.show(
                Channel::Err,
                "the step's confirmation",
                &format!(
                    "{}\n  try {} of {TRIES}: {again}\n",
                    wrap(&slip, SCREEN_COLUMNS),
                    attempt + 1
                ),
            )?;
        }
        Err(internal("no confirmer asked".into()))
    }

    /// Shows `text` on `to`, stopping every [`PAGE_LINES`] lines at a [`MORE`] line when
    /// paging (a person at a terminal, and `to` is a terminal).
    pub(super) fn show(&mut self, to: Channel, what: &str, text: &str) -> Result<()> {
        let tty = match to {
            Channel::Out => self.out_is_terminal(),
            Channel::Err | Channel::Terminal => true,
        };
        // Instructions and messages on the terminal fit its width (standard output, where a
        // summary may be kept in a file, is left as written).
        let wrapped;
        let text = if to == Channel::Out {
            text
        } else {
            wrapped = fit(text);
            wrapped.as_str()
        };
        if !self.page || !tty {
            return self.inner.tell(to, what, text);
        }
        let mut chunk = String::new();
        for piece in text.split_inclusive('\n') {
            let ends = piece.ends_with('\n');
            let width = piece.trim_end_matches('\n').chars().count();
            // A line wider than the screen takes several rows.
            let rows = width.div_ceil(SCREEN_COLUMNS).max(1);
            if ends && self.lines + rows > PAGE_LINES {
                self.inner.tell(to, what, &std::mem::take(&mut chunk))?;
                self.inner.ask_line(&Question::More, MORE)?;
                self.lines = 0;
            }
            chunk.push_str(piece);
            if ends {
                self.lines += rows;
            }
        }
        self.inner.tell(to, what, &chunk)
    }

    fn out_is_terminal(&self) -> bool {
        use std::io::IsTerminal;
        self.out_tty
            .unwrap_or_else(|| std::io::stdout().is_terminal())
    }
}
