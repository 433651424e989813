//! A holder presenting their own share at their own step of a guided signing ceremony
//! (`rootkey run` of a rotation or CRL plan): the plan names who presents at each
//! `present-share` step and on what medium, and the holder is asked accordingly —
//! - a token (`yubikey`, `pkcs11`): the share index comes from the manifest's token entry,
//!   the holder inserts the token and types its PIN at a hidden prompt ([`super::read_token`]);
//! - paper: the path of a photo of the shard's QR code, or Enter to type (or scan) its rows
//!   at hidden prompts ([`super::read_keyboard`]);
//! - a text share file: its path.
//!
//! What is read is checked alone at once (`check`: the ceremony's checks against the signed
//! manifest, and that it is this holder's share) before the next holder comes. A path that
//! cannot be read, a photo without a share, a share of another ceremony or of another holder
//! is shown and asked for again, [`PRESENT_TRIES`] times in all (then the ceremony stops:
//! [`Kind::TooManyTries`]); a token is read once (its
//! PIN tries are the token's), and Ctrl-C, Ctrl-D and errors of the machine stop the ceremony.

use std::path::PathBuf;

use super::{Presented, TokenShare, decode, read_file, read_keyboard, read_qr_image, read_token};
use crate::console::{Channel, Console, Question, SCREEN_COLUMNS, wrap};
use crate::error::{Error, Fault, Kind, Result};

/// How many times a holder may present (a path typed wrong, another share picked up).
pub const PRESENT_TRIES: usize = 3;

/// How the holder presents, from the plan's medium.
pub enum Way {
    /// A hardware token, read through its PIN.
    Token(Box<TokenShare>),
    /// A paper shard: a photo of its QR code, or its rows typed.
    Paper,
    /// A text share file.
    File,
}

/// One holder's turn: who, which share, how, and the check of what they present.
pub struct HolderTurn {
    /// The share index the plan expects from this holder.
    pub index: u8,
    /// The holder, as the manifest names them.
    pub holder: String,
    /// How they present it.
    pub way: Way,
    /// Checks a share alone as soon as it is read (against the manifest, and that it is share
    /// `index`) and hands it back; an error is shown and the holder asked again.
    pub check: Box<dyn Fn(Presented) -> Result<Presented>>,
}

/// What a holder answered at the paper or file prompt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    /// Enter: type (or scan) the rows at the keyboard.
    Rows,
    /// A photo or a share file.
    Path(PathBuf),
}

/// The prompt for a holder presenting on paper or in a file (none for a token): what to do,
/// wrapped to the screen, then a short prompt on its own line, so that a long path typed
/// after it still fits.
pub fn prompt(turn: &HolderTurn) -> Option<String> {
    let who = format!("Holder {} ({})", turn.index, turn.holder);
    let (text, ask) = match turn.way {
        Way::Token(_) => return None,
        Way::Paper => (
            format!(
                "{who}: type the path of a photo of your paper shard's QR code, or press Enter to type its rows or scan it."
            ),
            "  photo (or Enter): ",
        ),
        Way::File => (
            format!("{who}: type the path of your share file."),
            "  share file: ",
        ),
    };
    Some(format!("{}\n{ask}", wrap(&text, SCREEN_COLUMNS)))
}

/// The holder's answer at [`prompt`]: Enter (paper only) types the rows, anything else is a
/// path; a file holder's empty answer is a slip (the message says what to type).
pub fn choice(way: &Way, answer: &str) -> std::result::Result<Choice, String> {
    let answer = answer.trim();
    match (way, answer.is_empty()) {
        (Way::Paper, true) => Ok(Choice::Rows),
        (Way::File, true) => Err("no path typed: type the path of your share file".into()),
        (Way::Token(_), _) => Err("a token share is read through its PIN".into()),
        (_, false) => Ok(Choice::Path(PathBuf::from(answer))),
    }
}

/// Whether an error while presenting is a slip the holder may correct by presenting again:
/// their input or their share, not Ctrl-C/Ctrl-D, too many tries, nor the machine.
fn may_retry(e: &Error) -> bool {
    !matches!(
        e.kind,
        Kind::Cancelled | Kind::Interrupted | Kind::TooManyTries
    ) && e.kind.fault() != Fault::Environment
}

/// Reads holder `turn`'s share at `console`, each presentation checked alone, asked again
/// after a slip (see the module documentation). Typed rows are numbered by the share's index
/// ("Share 4", questions `share-4-row-R`), the holder's own number, not by the order of
/// presentation.
pub fn read_holder(console: &mut dyn Console, turn: HolderTurn) -> Result<Presented> {
    if let Way::Token(t) = &turn.way {
        return (turn.check)(read_token(console, t)?);
    }
    let prompt = prompt(&turn).unwrap_or_default();
    let question = Question::ShareSource { share: turn.index };
    let mut attempt = 1;
    loop {
        let answer = console.ask_line(&question, &prompt)?;
        let presented = match choice(&turn.way, &answer) {
            Err(slip) => Err(Error::input(slip)),
            Ok(Choice::Rows) => read_keyboard(console, usize::from(turn.index)),
            Ok(Choice::Path(p)) => crate::transcript::check_recordable_name(&p, "share")
                .and_then(|()| match turn.way {
                    Way::Paper => read_qr_image(&p),
                    _ => read_file(&p),
                })
                .and_then(decode),
        }
        .and_then(|p| (turn.check)(p));
        match presented {
            Ok(p) => return Ok(p),
            Err(e) if may_retry(&e) && attempt < PRESENT_TRIES => {
                attempt += 1;
                // A photo that could not be read says what to try (closer, flatter, more light,
                // or the rows typed).
                let what_to_try = match (&e.kind, &e.hint) {
                    (Kind::QrImage, Some(h)) => {
                        format!("\n{}", wrap(&format!("what to try: {h}"), SCREEN_COLUMNS))
                    }
                    _ => String::new(),
                };
                console.tell(
                    Channel::Err,
                    "the share check",
                    &format!(
                        "{}{what_to_try}\n  try {attempt} of {PRESENT_TRIES}: {} presents share {} again\n",
                        wrap(&e.message, SCREEN_COLUMNS),
                        turn.holder,
                        turn.index
                    ),
                )?;
            }
            Err(e) if may_retry(&e) => {
                return Err(Error::new(
                    Kind::TooManyTries,
                    format!(
                        "holder {} ({}): {PRESENT_TRIES} tries, and share {} was not presented (the last: {})",
                        turn.index, turn.holder, turn.index, e.message
                    ),
                )
                .hint(format!(
                    "{} brings share {} itself (its file, paper or token)",
                    turn.holder, turn.index
                )));
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_chooses_rows_or_a_path_by_medium() {
        assert_eq!(choice(&Way::Paper, ""), Ok(Choice::Rows));
        assert_eq!(choice(&Way::Paper, "  \t"), Ok(Choice::Rows));
        assert_eq!(
            choice(&Way::Paper, " shard-3.png "),
            Ok(Choice::Path("shard-3.png".into()))
        );
        assert_eq!(
            choice(&Way::File, "share-01.txt"),
            Ok(Choice::Path("share-01.txt".into()))
        );
        assert_eq!(
            choice(&Way::File, ""),
            Err("no path typed: type the path of your share file".into())
        );
    }

    #[test]
    fn prompts_fit_the_screen_and_name_the_holder() {
        let turn = |way| HolderTurn {
            index: 3,
            holder: "Carol Rehearsal".into(),
            way,
            check: Box::new(Ok),
        };
        let p = prompt(&turn(Way::Paper)).unwrap();
        assert_eq!(
            p,
            "Holder 3 (Carol Rehearsal): type the path of a photo of your paper shard's QR\n\
             code, or press Enter to type its rows or scan it.\n  photo (or Enter): "
        );
        assert!(p.lines().all(|l| l.chars().count() <= SCREEN_COLUMNS));
        assert_eq!(
            prompt(&turn(Way::File)).unwrap(),
            "Holder 3 (Carol Rehearsal): type the path of your share file.\n  share file: "
        );
    }

    #[test]
    fn slips_are_retried_and_stops_are_not() {
        assert!(may_retry(&Error::input("x")));
        assert!(may_retry(&Error::new(Kind::NotInManifest, "x")));
        assert!(may_retry(&Error::new(Kind::QrImage, "x")));
        assert!(!may_retry(&Error::new(Kind::Cancelled, "x")));
        assert!(!may_retry(&Error::new(Kind::Interrupted, "x")));
        assert!(!may_retry(&Error::new(Kind::TooManyTries, "x")));
        assert!(!may_retry(&Error::new(Kind::Io, "x")));
    }
}
