//! A console that answers from a list and records what was shown: the ceremonies' tests run
//! through it without a terminal. Each answer names the question it answers, so that a test
//! fails clearly (an environment error naming both ids) when a ceremony asks something else.
//! Secret answers are copied into locked memory when the script is built and handed over as
//! they are asked for; they are never held in a plain `String`.

use std::collections::VecDeque;

use super::{Channel, Console, Question, StepView};
use crate::error::{Error, Kind, Result, clean_lines};
use crate::secret::{SecretBytes, SecretError};

/// One scripted answer.
pub enum Answer {
    /// A hidden answer, in locked memory.
    Secret(SecretBytes),
    /// A visible line.
    Line(String),
}

/// Something the console was asked to show, or a question it was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Text on a channel (escaped as the terminal would show it).
    Text(Channel, String),
    /// A question and its prompt.
    Asked(Question, String),
}

/// The scripted console (see the module documentation).
#[derive(Default)]
pub struct Scripted {
    answers: VecDeque<(Question, Answer)>,
    named: Option<Vec<String>>,
    shown: Vec<Shown>,
    steps: Vec<StepView>,
}

impl Scripted {
    /// An empty script: every question is refused.
    pub fn new() -> Scripted {
        Scripted::default()
    }

    /// Adds the secret answer `value` to `question` (copied into locked memory now).
    pub fn secret(mut self, question: Question, value: &[u8]) -> Result<Scripted> {
        let answer = SecretBytes::copy_from(value)?;
        self.answers.push_back((question, Answer::Secret(answer)));
        Ok(self)
    }

    /// Adds the visible answer `value` to `question`.
    pub fn line(mut self, question: Question, value: &str) -> Scripted {
        self.answers
            .push_back((question, Answer::Line(value.to_string())));
        self
    }

    /// Names the two confirmers in advance, as `--confirm NAME` twice does.
    pub fn named_confirmers(mut self, names: &[&str]) -> Scripted {
        self.named = Some(names.iter().map(|n| n.to_string()).collect());
        self
    }

    /// Everything shown and asked, in order.
    pub fn shown(&self) -> &[Shown] {
        &self.shown
    }

    /// The text shown on `channel`, concatenated.
    pub fn text(&self, channel: Channel) -> String {
        self.shown
            .iter()
            .filter_map(|s| match s {
                Shown::Text(c, t) if *c == channel => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The questions asked, in order.
    pub fn asked(&self) -> Vec<Question> {
        self.shown
            .iter()
            .filter_map(|s| match s {
                Shown::Asked(q, _) => Some(q.clone()),
                _ => None,
            })
            .collect()
    }

    /// The steps the ceremony entered, in order ([`Console::step`]).
    pub fn steps(&self) -> &[StepView] {
        &self.steps
    }

    /// How many answers are left unused.
    pub fn unanswered(&self) -> usize {
        self.answers.len()
    }

    /// The next answer, which must be for `question`.
    fn next(&mut self, question: &Question, prompt: &str) -> Result<Answer> {
        self.shown
            .push(Shown::Asked(question.clone(), prompt.to_string()));
        match self.answers.pop_front() {
            Some((q, a)) if q == *question => Ok(a),
            Some((q, _)) => Err(Error::environment(format!(
                "scripted console: asked {}, but the next answer is for {}",
                question.id(),
                q.id()
            ))),
            None => Err(Error::new(
                Kind::Cancelled,
                format!("scripted console: no answer left for {}", question.id()),
            )),
        }
    }
}

impl Console for Scripted {
    fn ask_secret(
        &mut self,
        question: &Question,
        prompt: &str,
        max: usize,
    ) -> std::result::Result<SecretBytes, SecretError> {
        let refused =
            |m: String| SecretError::Terminal("no scripted answer", std::io::Error::other(m));
        match self.next(question, prompt) {
            Ok(Answer::Secret(s)) if s.len() > max => Err(SecretError::Terminal(
                "input too long",
                std::io::Error::other(format!("more than {max} characters were typed")),
            )),
            Ok(Answer::Secret(s)) => Ok(s),
            Ok(Answer::Line(_)) => Err(refused(format!(
                "{} is secret, but its scripted answer is visible",
                question.id()
            ))),
            Err(e) => Err(refused(e.message)),
        }
    }

    fn ask_line(&mut self, question: &Question, prompt: &str) -> Result<String> {
        match self.next(question, prompt)? {
            Answer::Line(l) => Ok(l),
            Answer::Secret(_) => Err(Error::environment(format!(
                "scripted console: {} is visible, but its scripted answer is secret",
                question.id()
            ))),
        }
    }

    fn tell(&mut self, to: Channel, _what: &str, text: &str) -> Result<()> {
        self.shown.push(Shown::Text(to, clean_lines(text)));
        Ok(())
    }

    fn named_confirmers(&self) -> Option<&[String]> {
        self.named.as_deref()
    }

    fn step(&mut self, step: &StepView) -> Result<()> {
        self.steps.push(step.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_in_order_and_records_what_was_shown() {
        let mut c = Scripted::new()
            .secret(Question::Dice, b"123456")
            .unwrap()
            .line(Question::CsrSha256, "ab");
        c.err("the dice instructions", "roll\n").unwrap();
        let dice = c.ask_secret(&Question::Dice, "dice: ", 10).unwrap();
        assert_eq!(dice.as_slice(), b"123456");
        assert_eq!(c.ask_line(&Question::CsrSha256, "hash: ").unwrap(), "ab");
        c.tell(Channel::Terminal, "x", "bell\x07\n").unwrap();
        assert_eq!(c.text(Channel::Err), "roll\n");
        assert_eq!(c.text(Channel::Terminal), "bell\\u{7}\n");
        assert_eq!(c.asked(), vec![Question::Dice, Question::CsrSha256]);
        assert_eq!(
            c.shown()[1],
            Shown::Asked(Question::Dice, "dice: ".to_string())
        );
        assert_eq!(c.unanswered(), 0);
    }

    #[test]
    fn refuses_the_wrong_question_too_long_and_no_answer() {
        let mut c = Scripted::new().line(Question::CsrSha256, "ab");
        let e = c
            .ask_line(&Question::ConfirmerName { confirmer: 1 }, "name: ")
            .unwrap_err();
        assert_eq!(
            e.message,
            "scripted console: asked confirmer-1-name, but the next answer is for csr-sha256"
        );
        let e = c.ask_line(&Question::CsrSha256, "hash: ").unwrap_err();
        assert_eq!(e.kind, Kind::Cancelled);
        assert_eq!(e.message, "scripted console: no answer left for csr-sha256");
        let mut c = Scripted::new()
            .secret(Question::ShareRow { share: 1, row: 1 }, &[b'x'; 20])
            .unwrap();
        let e = c
            .ask_secret(&Question::ShareRow { share: 1, row: 1 }, "row: ", 19)
            .unwrap_err();
        assert!(matches!(e, SecretError::Terminal("input too long", _)));
        assert_eq!(
            Question::ShareRow { share: 2, row: 13 }.id(),
            "share-2-row-13"
        );
        assert!(Question::Dice.is_secret() && !Question::CsrSha256.is_secret());
    }
}
