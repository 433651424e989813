//! The operator's terminal: every byte rootkey reads from or writes to the operator goes
//! through this module. A ceremony asks and tells through a [`Console`]: hidden secret answers
//! straight into locked memory (dice, share rows), visible lines (names, hashes, confirmation
//! codes) and text on standard output, standard error or the terminal itself. [`Terminal`] is
//! the real one (`/dev/tty`, echo off for secrets, byte by byte); [`Scripted`] answers from a
//! list and records what was shown, for tests of the ceremonies without a terminal. Every
//! question has a stable id ([`Question::id`]), so that an answers file can answer it too.
//!
//! Output side: every byte rootkey prints to standard output or standard error goes through
//! [`out`] or [`err`].
//!
//! `print!` and friends panic when a write fails (a full disk behind `> file`, a pipe whose
//! reader has gone, `2> /dev/full`; Rust ignores SIGPIPE, so a closed pipe is an `EPIPE` error,
//! not a signal). Here a failed write is an [`Error`] of the environment (exit 4) naming the
//! output that was lost, so that a ceremony can record it as the reason of its `aborted` entry
//! before the point of no return, or say that it is already sealed after it
//! ([`after_seal`]). Text is written with unsafe characters escaped
//! ([`crate::error::clean_lines`]) and flushed at once, so a failure is seen where it happens
//! rather than lost at exit.

pub mod answers;
pub mod confirm;
pub mod guided;
pub mod qr_photo;
pub mod scripted;
pub mod share_input;
pub mod terminal;
pub mod working;
mod wrap;

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Kind, Result, clean_lines};
use crate::secret::{SecretBytes, SecretError};

pub use confirm::{Confirmation, Method, NamedConfirmers, confirmer};
pub use scripted::{Answer, Scripted, Shown};
pub use terminal::Terminal;
pub use wrap::{wrap, wrap_error};

/// What a question asks. Its [`Question::id`] is stable: an answers file names its answers by
/// it, and a retry asks the same question again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Question {
    /// The dice rolls mixed into the seed (`generate --dice`). Secret.
    Dice,
    /// Row `row` (1 to 13) of the share entered at the keyboard as share `share` (1, 2, …);
    /// row 1 may instead be the whole line of a USB QR scanner. Secret.
    ShareRow {
        /// The share's ordinal in the ceremony.
        share: usize,
        /// The row, 1 to 13.
        row: usize,
    },
    /// The CSR's SHA-256 as delivered out of band (`intermediate sign` without
    /// `--csr-sha256`).
    CsrSha256,
    /// The name of confirmer 1 or 2.
    ConfirmerName {
        /// 1 or 2.
        confirmer: u8,
    },
    /// The confirmation code typed by confirmer 1 or 2.
    ConfirmationCode {
        /// 1 or 2.
        confirmer: u8,
    },
    /// The user PIN of the token of the holder of share `holder` (generation, `write-token`).
    /// Secret.
    TokenPin {
        /// The holder's share index.
        holder: u8,
        /// The token, as messages name it (label and serial).
        token: String,
    },
    /// Whether to try the PIN when the token says one try is left (`TRY` to go on).
    TokenFinalTry {
        /// The holder's share index.
        holder: u8,
    },
    /// A YubiKey's management key in a real ceremony: 48 hex digits (3DES; 32 or 64 for AES),
    /// or an empty line for the PIN-protected management key stored on the card. Secret.
    TokenManagementKey {
        /// The holder's share index.
        holder: u8,
    },
    /// Consent to replace a key already under the share's key reference (`REPLACE`).
    TokenReplaceKey {
        /// The holder's share index.
        holder: u8,
    },
    /// The named person's acknowledgement that checklist step `step` (its number in the
    /// merged step list of `rootkey run`) is done: their initials. Not secret.
    ChecklistInitials {
        /// The step's number in the script.
        step: usize,
    },
    /// The same for a checklist step after the transcript is sealed (not recorded): an empty
    /// line (Enter).
    ChecklistDone {
        /// The step's number in the script.
        step: usize,
    },
    /// How the holder of share `share` presents it at their step of `rootkey run`: in a
    /// signing plan the path of a photo or share file, or an empty line to type the rows; in
    /// a share audit a file or photo path, `type`, `token`, or an empty line when the holder
    /// did not appear. Not secret.
    ShareSource {
        /// The share index the plan expects from this holder.
        share: u8,
    },
    /// The witness's exception, one visible line, asked after the exception keyword
    /// ([`EXCEPTION_KEYWORD`]) was typed at a prompt of step `step` (`rootkey run`).
    ExceptionText {
        /// The number of the step on screen.
        step: usize,
    },
    /// The name of confirmer 1 or 2 of critical step `step` (`rootkey run`).
    StepConfirmerName {
        /// The step's number in the script.
        step: usize,
        /// 1 or 2.
        confirmer: u8,
    },
    /// The code of critical step `step` typed back by confirmer 1 or 2 (`rootkey run`).
    StepCode {
        /// The step's number in the script.
        step: usize,
        /// 1 or 2.
        confirmer: u8,
    },
    /// Enter at a `-- more --` line of a long text shown by the guided runner.
    More,
}

impl Question {
    /// The stable id: `dice`, `share-N-row-R`, `csr-sha256`, `confirmer-N-name`,
    /// `confirmer-N-code`, `token-N-pin`, `token-N-final-try`, `token-N-replace-key`,
    /// `token-N-management-key`, `checklist-N-initials`, `checklist-N-done`,
    /// `share-N-source`, `exception-N-text`, `step-N-confirmer-C-name`,
    /// `step-N-confirmer-C-code`, `more`.
    pub fn id(&self) -> String {
        match self {
            Question::Dice => "dice".into(),
            Question::ShareRow { share, row } => format!("share-{share}-row-{row}"),
            Question::CsrSha256 => "csr-sha256".into(),
            Question::ConfirmerName { confirmer } => format!("confirmer-{confirmer}-name"),
            Question::ConfirmationCode { confirmer } => format!("confirmer-{confirmer}-code"),
            Question::TokenPin { holder, .. } => format!("token-{holder}-pin"),
            Question::TokenFinalTry { holder } => format!("token-{holder}-final-try"),
            Question::TokenReplaceKey { holder } => format!("token-{holder}-replace-key"),
            Question::TokenManagementKey { holder } => format!("token-{holder}-management-key"),
            Question::ChecklistInitials { step } => format!("checklist-{step}-initials"),
            Question::ChecklistDone { step } => format!("checklist-{step}-done"),
            Question::ShareSource { share } => format!("share-{share}-source"),
            Question::ExceptionText { step } => format!("exception-{step}-text"),
            Question::StepConfirmerName { step, confirmer } => {
                format!("step-{step}-confirmer-{confirmer}-name")
            }
            Question::StepCode { step, confirmer } => {
                format!("step-{step}-confirmer-{confirmer}-code")
            }
            Question::More => "more".into(),
        }
    }

    /// Whether the answer is secret (read hidden, into locked memory).
    pub fn is_secret(&self) -> bool {
        matches!(
            self,
            Question::Dice
                | Question::ShareRow { .. }
                | Question::TokenPin { .. }
                | Question::TokenManagementKey { .. }
        )
    }
}

/// Where text is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Standard output: summaries and results.
    Out,
    /// Standard error: instructions, progress, warnings.
    Err,
    /// The controlling terminal itself, next to its prompts (the summary two people confirm
    /// by typing its code).
    Terminal,
}

/// Width of the operator's screen that every line rootkey writes to the terminal must fit.
pub const SCREEN_COLUMNS: usize = 80;

/// The step a ceremony enters, as its step list numbers it: what a guided runner shows as
/// "Step 7/23 · Holder · Present your share" before the step's questions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepView {
    /// Its number, from 1.
    pub n: usize,
    /// How many steps the ceremony has.
    pub total: usize,
    /// The step's stable id (`present-share`).
    pub id: &'static str,
    /// The id with the repetition of a repeated step (`present-share-2`), unique in the list.
    pub key: String,
    /// Who acts, as a header names them ("Holder", "Ceremony officer", "rootkey").
    pub role: &'static str,
    /// The step's short title.
    pub title: &'static str,
    /// The `seq` of the next transcript entry (the header is 0): what a guided runner shows
    /// as "transcript entry #k" so that the paper log and the transcript can be matched.
    pub entry: u64,
}

/// A checklist step acknowledged by the person the plan names (see
/// [`Console::take_acknowledgements`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acknowledgement {
    /// Who acknowledged it.
    pub person: String,
    /// The initials they typed.
    pub initials: String,
    /// The step's number in the merged step list.
    pub step: usize,
    /// The step's title.
    pub title: String,
    /// SHA-256 (hex) of the step's text.
    pub text_sha256: String,
}

/// What the plan's witness types at any prompt of `rootkey run` to record an exception
/// (compared exactly, after trimming a visible answer; a hidden answer is compared in locked
/// memory). Upper case and a word nobody types as an answer by accident.
pub const EXCEPTION_KEYWORD: &str = "EXCEPTION";

/// An exception the plan's witness recorded at a prompt (the transcript's `exception`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionNote {
    /// The witness.
    pub witness: String,
    /// The number of the step on screen.
    pub step: usize,
    /// Its key.
    pub key: String,
    /// The exception, one line.
    pub text: String,
}

/// A critical step confirmed by two people before it ran (the transcript's `step-confirmed`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepConfirmation {
    /// The two people, in the order they confirmed.
    pub names: [String; 2],
    /// The step's number.
    pub step: usize,
    /// Its key.
    pub key: String,
    /// The code shown.
    pub code: String,
    /// Typed, or named in advance.
    pub method: Method,
}

/// What a guided console hands to the ceremony to record, in the order it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// A checklist step's acknowledgement.
    Acknowledged(Acknowledgement),
    /// The witness's exception.
    Exception(ExceptionNote),
    /// A critical step's confirmation.
    StepConfirmed(StepConfirmation),
}

/// The operator's side of a ceremony: everything a ceremony asks and tells goes through one.
pub trait Console {
    /// Asks `question` (shown as `prompt`) and reads the answer hidden, straight into locked
    /// memory: at most `max` bytes (more is refused as `input too long`), without the line end.
    fn ask_secret(
        &mut self,
        question: &Question,
        prompt: &str,
        max: usize,
    ) -> std::result::Result<SecretBytes, SecretError>;

    /// Asks `question` (shown as `prompt`) and reads one visible line, without its line end.
    /// Not for secrets.
    fn ask_line(&mut self, question: &Question, prompt: &str) -> Result<String>;

    /// Shows `text` (escaped, see [`clean_lines`]) on `to`; `what` names it in the error if it
    /// cannot be shown ("the summary").
    fn tell(&mut self, to: Channel, what: &str, text: &str) -> Result<()>;

    /// The two confirmers named in advance (`--confirm NAME` twice), if any: then
    /// [`confirm::confirm`] shows the summary on standard output and asks nothing.
    fn named_confirmers(&self) -> Option<&[String]> {
        None
    }

    /// The ceremony enters `step` (before the step's questions and its transcript entry).
    /// The terminal shows nothing (its screens are those of the commands as documented); a
    /// guided runner shows a header, the scripted console records it.
    fn step(&mut self, step: &StepView) -> Result<()> {
        let _ = step;
        Ok(())
    }

    /// Whether [`Console::step`] shows the step to a person (a guided runner): the ceremony
    /// then writes its transcript up to date before each step ([`crate::transcript::Recorder::durable`]).
    fn shows_steps(&self) -> bool {
        false
    }

    /// The checklist steps acknowledged since the last call, for the ceremony to record
    /// (`checklist-acknowledged`) before the step it enters; none but for a guided runner.
    fn take_acknowledgements(&mut self) -> Vec<Acknowledgement> {
        Vec::new()
    }

    /// A fact the room needs at the step that follows, shown by a guided runner only (the
    /// expert commands show it in their result): e.g. the root fingerprint, read aloud at the
    /// checklist step after the root is signed.
    fn milestone(&mut self, what: &str, text: &str) -> Result<()> {
        let _ = (what, text);
        Ok(())
    }

    /// Shows `text` on standard output.
    fn out(&mut self, what: &str, text: &str) -> Result<()> {
        self.tell(Channel::Out, what, text)
    }

    /// Shows `text` on standard error.
    fn err(&mut self, what: &str, text: &str) -> Result<()> {
        self.tell(Channel::Err, what, text)
    }

    /// Shows `warning: TEXT` and a line end on standard error.
    fn warn(&mut self, text: &str) -> Result<()> {
        self.tell(Channel::Err, "a warning", &format!("warning: {text}\n"))
    }
    /// Everything to record since the last call, in order (checklist acknowledgements, the
    /// witness's exceptions, step confirmations): the ceremony writes them before its next
    /// entry. By default the acknowledgements of [`Console::take_acknowledgements`].
    fn take_records(&mut self) -> Vec<Record> {
        self.take_acknowledgements()
            .into_iter()
            .map(Record::Acknowledged)
            .collect()
    }

    /// Whether a person answers at a terminal (the guided runner pages long text only then).
    fn is_interactive(&self) -> bool {
        false
    }
    /// Shows `line` on standard error as the status of the hidden answer just given: at a
    /// terminal it replaces the prompt line (`ESC [1A`, `CR`, `ESC [2K`), so that a share
    /// typed row by row does not scroll; elsewhere it is a line of its own.
    fn status_line(&mut self, what: &str, line: &str) -> Result<()> {
        self.tell(Channel::Err, what, &format!("{line}\n"))
    }
    /// rootkey computes for step `what` until the next output or question: a terminal shows
    /// `working: WHAT… N s` if that takes over a second ([`working`]); others show nothing.
    fn working(&mut self, what: &str) {
        let _ = what;
    }
}

/// Which standard stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

impl Stream {
    fn name(self) -> &'static str {
        match self {
            Stream::Out => "standard output",
            Stream::Err => "standard error",
        }
    }
}

/// An I/O error as people read it: `No space left on device`, without ` (os error 28)`.
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

/// The error for a failed write of `what` (e.g. "the summary") to `stream`.
fn write_failed(stream: Stream, what: &str, e: &std::io::Error) -> Error {
    Error::new(Kind::Io, format!(
        "could not write {what} to {}: {}",
        stream.name(),
        io_reason(e)
    ))
    .hint(match stream {
        Stream::Out => {
            "make room where standard output goes, or keep the reading end of its pipe open until rootkey exits"
        }
        Stream::Err => {
            "make room where standard error goes, or keep the reading end of its pipe open until rootkey exits"
        }
    })
}

fn write(stream: Stream, what: &str, text: &str) -> Result<()> {
    working::stop();
    let text = clean_lines(text);
    let r = match stream {
        Stream::Out => {
            let mut o = std::io::stdout().lock();
            o.write_all(text.as_bytes()).and_then(|()| o.flush())
        }
        Stream::Err => {
            let mut o = std::io::stderr().lock();
            o.write_all(text.as_bytes()).and_then(|()| o.flush())
        }
    };
    r.map_err(|e| write_failed(stream, what, &e))
}

/// Writes `text` (escaped, see the module documentation) to standard output. `what` names it
/// in the error ("the summary").
pub fn out(what: &str, text: &str) -> Result<()> {
    write(Stream::Out, what, text)
}

/// Writes `text` (escaped) to standard error. `what` names it in the error ("a warning").
pub fn err(what: &str, text: &str) -> Result<()> {
    write(Stream::Err, what, text)
}

/// Writes `warning: TEXT` and a line end to standard error.
pub fn warn(text: &str) -> Result<()> {
    err("a warning", &format!("warning: {text}\n"))
}

/// Prints clap's help, version or usage message (in its colours, on the stream clap chooses)
/// and flushes it.
pub fn clap_message(e: &clap::Error) -> std::io::Result<()> {
    e.print().and_then(|()| {
        if e.use_stderr() {
            std::io::stderr().flush()
        } else {
            std::io::stdout().flush()
        }
    })
}

/// Writes a failed command's error (`error: …` and its next step) to standard error. Nothing
/// more can be done if standard error itself fails, so that failure is only returned for the
/// caller to note; the exit code stays the error's.
///
/// On a terminal the lines are wrapped to [`SCREEN_COLUMNS`] ([`wrap_error`]), so that a
/// person reads the whole message and its next step on an 80-column screen; into a file or a
/// pipe each stays one line, for scripts and logs.
pub fn report_error(e: &Error) -> Result<()> {
    use std::io::IsTerminal;
    let text = format!("error: {e}\n");
    if std::io::stderr().is_terminal() {
        err("the error message", &wrap_error(&text, SCREEN_COLUMNS))
    } else {
        err("the error message", &text)
    }
}

/// Restates a failure to show the outcome of a ceremony whose transcript is already sealed:
/// the ceremony is complete and nothing must be done again; only its summary on screen was
/// lost.
pub fn after_seal(e: Error, transcript: &Path) -> Error {
    Error::new(Kind::Io, format!(
        "{} — the ceremony completed and its transcript is sealed at {}; only its summary on screen was lost",
        e.message,
        transcript.display()
    ))
    .hint(format!(
        "do not run the ceremony again; read what was done with: rootkey transcript report {} --out report.md",
        transcript.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_reasons_drop_the_os_error_number() {
        let e = std::io::Error::from_raw_os_error(libc::ENOSPC);
        assert_eq!(io_reason(&e), "No space left on device");
        let e = std::io::Error::other("plain");
        assert_eq!(io_reason(&e), "plain");
    }

    #[test]
    fn messages_name_the_output_and_the_stream() {
        let e = write_failed(
            Stream::Out,
            "the summary",
            &std::io::Error::from_raw_os_error(libc::EPIPE),
        );
        assert_eq!(e.kind, Kind::Io);
        assert_eq!(e.exit_code(), crate::error::exit::ENVIRONMENT);
        assert_eq!(
            e.message,
            "could not write the summary to standard output: Broken pipe"
        );
        let s = after_seal(e, Path::new("out/transcript.jsonl"));
        assert!(
            s.message
                .ends_with("sealed at out/transcript.jsonl; only its summary on screen was lost"),
            "{}",
            s.message
        );
        assert!(
            s.hint
                .unwrap_or_default()
                .contains("do not run the ceremony again")
        );
    }
}
