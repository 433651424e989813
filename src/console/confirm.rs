//! The two-person rule of the signing ceremonies, as a dialogue on a [`Console`]: two distinct
//! people confirm the exact to-be-signed bytes — each types their name and the short code shown
//! at the terminal, or, for a scripted run, both are named on the command line
//! ([`NamedConfirmers`], `--confirm NAME` twice) and the summary goes to standard output.

use super::{Channel, Console, Question, Terminal};
use crate::cert::intermediate;
use crate::error::{Error, Kind, Result};
use crate::secret::{SecretBytes, SecretError};

/// How a confirmation was given (the transcript's `confirmed.method`).
pub use crate::transcript::event::ConfirmMethod as Method;

/// One person's confirmation.
#[derive(Clone, Debug)]
pub struct Confirmation {
    /// Their name.
    pub name: String,
    /// How they confirmed.
    pub method: Method,
}

/// Checks a name given for a confirmation: 1 to 200 characters, not blank, no control (or
/// other unsafe) character. The message says which of these the name breaks.
pub fn check_confirmer_name(name: &str) -> Result<()> {
    let shown = crate::error::replace_unsafe(name, '?');
    let count = name.chars().count();
    let what = if name.trim().is_empty() {
        if name.is_empty() {
            "no name was typed".to_string()
        } else {
            format!("confirmer name {shown:?} is blank")
        }
    } else if count > 200 {
        format!("confirmer name of {count} characters is too long (at most 200)")
    } else if let Some(i) = name.chars().position(crate::error::is_unsafe_char) {
        format!(
            "confirmer name {shown:?} holds a control character (character {})",
            i + 1
        )
    } else {
        return Ok(());
    };
    Err(Error::new(Kind::ConfirmationRefused, what))
}

/// Two confirmations by distinct people (names compared trimmed, case-insensitively).
pub fn check_two(list: &[Confirmation]) -> Result<()> {
    if list.len() != 2 {
        return Err(Error::new(
            Kind::ConfirmationRefused,
            format!(
                "{} confirmation(s) given; the two-person rule needs exactly two distinct people",
                list.len()
            ),
        )
        .hint("name two people: --confirm \"First Person\" --confirm \"Second Person\""));
    }
    for c in list {
        check_confirmer_name(&c.name)?;
    }
    if list[0].name.trim().to_lowercase() == list[1].name.trim().to_lowercase() {
        return Err(Error::new(
            Kind::SamePersonTwice,
            format!(
                "\"{}\" cannot confirm twice: the two-person rule needs two distinct people",
                list[1].name.trim()
            ),
        ));
    }
    Ok(())
}

/// The two-person rule: shows `summary` and returns the two people who confirmed
/// `tbs_sha256` — named in advance ([`Console::named_confirmers`]) or typing their names and
/// its short code (a wrong code is asked for again, [`CODE_TRIES`] times in all; an unusable
/// name or the first confirmer's name again is asked for again, [`NAME_TRIES`] times in all).
pub fn confirm(
    console: &mut dyn Console,
    summary: &str,
    tbs_sha256: &[u8; 32],
) -> Result<Vec<Confirmation>> {
    match console.named_confirmers().map(<[String]>::to_vec) {
        Some(names) => named(console, &names, summary),
        None => typed(console, summary, tbs_sha256),
    }
}

/// Named confirmations: the summary is printed on standard output, the names are taken as
/// given. If the summary cannot be printed nobody has seen what they confirm: the ceremony
/// stops (and its transcript records why) before any share is read.
fn named(console: &mut dyn Console, names: &[String], summary: &str) -> Result<Vec<Confirmation>> {
    console
        .out("the confirmation summary", summary)
        .map_err(|e| {
            let hint = e.hint.clone().unwrap_or_default();
            e.hint(format!(
                "nothing was signed and no share was read; {hint}, then run the ceremony again with a new --out directory"
            ))
        })?;
    let list: Vec<Confirmation> = names
        .iter()
        .map(|n| Confirmation {
            name: n.trim().to_string(),
            method: Method::CommandLine,
        })
        .collect();
    check_two(&list)?;
    Ok(list)
}

/// How many times a confirmer may type the code before their confirmation is refused. The code
/// is not a secret (it is on the screen): a wrong one is a slip or a sign that the confirmer
/// reads another summary, and three wrong ones a refusal.
pub const CODE_TRIES: usize = 3;
/// How many times a confirmer's name is asked (empty, unusable, or the first confirmer's)
/// before the confirmation is refused.
pub const NAME_TRIES: usize = 3;

/// A prompt's cancellation (Ctrl-D, or no answer) named with where it happened.
fn cancelled_at(e: Error, n: u8) -> Error {
    if e.kind != Kind::Cancelled {
        return e;
    }
    Error {
        message: format!(
            "{} at the confirmation prompt (confirmer {n} of 2): nothing was signed",
            e.message
        ),
        ..e
    }
}

/// Asks confirmer `n` for their name until it is usable and not one of `list`'s: a slip is
/// shown with what was wrong and asked again, [`NAME_TRIES`] times in all.
fn ask_name(console: &mut dyn Console, n: u8, list: &[Confirmation]) -> Result<String> {
    let mut attempt = 1;
    loop {
        let name = console
            .ask_line(
                &Question::ConfirmerName { confirmer: n },
                &format!("confirmer {n} of 2, your name: "),
            )
            .map_err(|e| cancelled_at(e, n))?;
        let name = name.trim().to_string();
        let slip = match check_confirmer_name(&name) {
            Err(e) => e,
            Ok(())
                if list
                    .iter()
                    .any(|c| c.name.to_lowercase() == name.to_lowercase()) =>
            {
                Error::new(
                    Kind::SamePersonTwice,
                    format!(
                        "\"{name}\" already confirmed: the two-person rule needs two distinct people"
                    ),
                )
            }
            Ok(()) => return Ok(name),
        };
        if attempt >= NAME_TRIES {
            return Err(Error {
                message: format!(
                    "{} (try {attempt} of {NAME_TRIES}; nothing was signed)",
                    slip.message
                ),
                ..slip
            });
        }
        let again = match slip.kind {
            Kind::SamePersonTwice => {
                crate::transcript::slip::note("same-confirmer", attempt, None);
                format!("another person types their own name as confirmer {n}")
            }
            _ => {
                crate::transcript::slip::note("confirmer-name", attempt, None);
                format!("confirmer {n}, type your name again")
            }
        };
        console.tell(
            Channel::Terminal,
            "the confirmation prompt",
            &format!(
                "{}\n  try {} of {NAME_TRIES}: {again}\n",
                super::wrap(&slip.message, super::SCREEN_COLUMNS),
                attempt + 1
            ),
        )?;
        attempt += 1;
    }
}

/// Typed confirmations: each person types their name and the short code shown.
fn typed(console: &mut dyn Console, summary: &str, tbs: &[u8; 32]) -> Result<Vec<Confirmation>> {
    let code = intermediate::short_code(tbs);
    console.tell(
        Channel::Terminal,
        "the confirmation summary",
        &format!(
            "{summary}\nTwo people must confirm. Each checks the summary above against the request,\nthen types their name and the code {code}.\n"
        ),
    )?;
    let mut list: Vec<Confirmation> = Vec::new();
    for n in 1..=2u8 {
        let name = ask_name(console, n, &list)?;
        let mut ok = false;
        for attempt in 1..=CODE_TRIES {
            let typed = console
                .ask_line(
                    &Question::ConfirmationCode { confirmer: n },
                    &format!("{name}, type the code {code}: "),
                )
                .map_err(|e| cancelled_at(e, n))?;
            if intermediate::code_matches(&typed, tbs) {
                ok = true;
                break;
            }
            console.tell(
                Channel::Terminal,
                "the confirmation prompt",
                &format!("that is not the code shown (try {attempt} of {CODE_TRIES})\n"),
            )?;
        }
        if !ok {
            return Err(Error::new(
                Kind::ConfirmationRefused,
                format!("{name} did not type the confirmation code: nothing was signed"),
            )
            .hint(format!(
                "each confirmer reads the summary on this screen and types the code after \"Confirmation code:\" ({code})"
            )));
        }
        list.push(Confirmation {
            name,
            method: Method::TypedCode,
        });
    }
    check_two(&list)?;
    Ok(list)
}

/// The operator's terminal with the two confirmers named on the command line (`--confirm
/// NAME` twice): shares are still read at the terminal, nobody types a code.
pub struct NamedConfirmers {
    /// The names.
    pub names: Vec<String>,
}

impl Console for NamedConfirmers {
    fn ask_secret(
        &mut self,
        question: &Question,
        prompt: &str,
        max: usize,
    ) -> std::result::Result<SecretBytes, SecretError> {
        Terminal.ask_secret(question, prompt, max)
    }

    fn ask_line(&mut self, question: &Question, prompt: &str) -> Result<String> {
        Terminal.ask_line(question, prompt)
    }

    fn tell(&mut self, to: Channel, what: &str, text: &str) -> Result<()> {
        Terminal.tell(to, what, text)
    }

    fn named_confirmers(&self) -> Option<&[String]> {
        Some(&self.names)
    }
}

/// The console of a signing ceremony: the terminal, where the confirmers type codes without
/// `--confirm`, or are named with two `--confirm NAME`; any other count is refused before
/// anything is read.
pub fn confirmer(names: &[String]) -> Result<Box<dyn Console>> {
    match names.len() {
        0 => Ok(Box::new(Terminal)),
        2 => {
            for n in names {
                check_confirmer_name(n)?;
            }
            Ok(Box::new(NamedConfirmers {
                names: names.to_vec(),
            }))
        }
        n => Err(Error::new(Kind::ConfirmationRefused, format!(
            "--confirm given {n} time(s): the two-person rule needs two distinct names (or none, to confirm interactively)"
        ))
        .hint("--confirm \"First Person\" --confirm \"Second Person\"")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_distinct_names() {
        let two = |a: &str, b: &str| {
            check_two(&[
                Confirmation {
                    name: a.into(),
                    method: Method::CommandLine,
                },
                Confirmation {
                    name: b.into(),
                    method: Method::CommandLine,
                },
            ])
        };
        assert!(two("Ann", "Bob").is_ok());
        let e = two("Ann", " ann ").unwrap_err();
        assert_eq!(e.kind, Kind::SamePersonTwice, "{}", e.message);
        assert!(
            e.message.starts_with("\"ann\" cannot confirm twice"),
            "{}",
            e.message
        );
        assert_eq!(two("Ann", "").unwrap_err().kind, Kind::ConfirmationRefused);
        let e = check_two(&[Confirmation {
            name: "Ann".into(),
            method: Method::CommandLine,
        }])
        .unwrap_err();
        assert_eq!(e.kind, Kind::ConfirmationRefused);
        assert!(e.message.contains("1 confirmation"), "{}", e.message);
    }
}

#[cfg(test)]
mod dialogue_tests {
    use super::*;
    use crate::console::Scripted;

    const TBS: [u8; 32] = [0xa5; 32];
    const CODE: &str = "A5A5-A5A5";

    fn name(n: u8) -> Question {
        Question::ConfirmerName { confirmer: n }
    }
    fn code(n: u8) -> Question {
        Question::ConfirmationCode { confirmer: n }
    }

    #[test]
    fn two_people_type_their_names_and_the_code() {
        let mut c = Scripted::new()
            .line(name(1), " Ann ")
            .line(code(1), "a5a5 a5a5")
            .line(name(2), "Bob")
            .line(code(2), CODE);
        let list = confirm(&mut c, "SUMMARY\n", &TBS).unwrap();
        let got: Vec<(&str, Method)> = list.iter().map(|c| (c.name.as_str(), c.method)).collect();
        assert_eq!(
            got,
            [("Ann", Method::TypedCode), ("Bob", Method::TypedCode)]
        );
        assert_eq!(
            c.text(Channel::Terminal),
            format!(
                "SUMMARY\n\nTwo people must confirm. Each checks the summary above against the request,\nthen types their name and the code {CODE}.\n"
            )
        );
        assert_eq!(c.text(Channel::Out), "", "nothing on standard output");
        let prompts: Vec<String> = c
            .shown()
            .iter()
            .filter_map(|s| match s {
                crate::console::Shown::Asked(_, p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            prompts,
            [
                "confirmer 1 of 2, your name: ".to_string(),
                format!("Ann, type the code {CODE}: "),
                "confirmer 2 of 2, your name: ".to_string(),
                format!("Bob, type the code {CODE}: "),
            ]
        );
        assert_eq!(c.unanswered(), 0);
    }

    #[test]
    fn a_wrong_code_is_asked_for_again() {
        let mut c = Scripted::new()
            .line(name(1), "Ann")
            .line(code(1), "A5A5-A5A6")
            .line(code(1), CODE)
            .line(name(2), "Bob")
            .line(code(2), CODE);
        let list = confirm(&mut c, "S\n", &TBS).unwrap();
        assert_eq!(list.len(), 2);
        assert!(
            c.text(Channel::Terminal)
                .ends_with("\nthat is not the code shown (try 1 of 3)\n"),
            "{}",
            c.text(Channel::Terminal)
        );
    }

    #[test]
    fn three_wrong_codes_sign_nothing() {
        let mut c = Scripted::new()
            .line(name(1), "Ann")
            .line(code(1), "1")
            .line(code(1), "2")
            .line(code(1), "3");
        let e = confirm(&mut c, "S\n", &TBS).unwrap_err();
        assert_eq!(e.kind, Kind::ConfirmationRefused);
        assert_eq!(e.exit_code(), crate::error::exit::INPUT);
        assert_eq!(
            e.message,
            "Ann did not type the confirmation code: nothing was signed"
        );
        assert!(c.text(Channel::Terminal).ends_with("(try 3 of 3)\n"));
        assert_eq!(c.asked().len(), 4, "no second confirmer is asked");
    }

    #[test]
    fn the_same_person_again_is_asked_for_another_name() {
        let mut c = Scripted::new()
            .line(name(1), "Ann")
            .line(code(1), CODE)
            .line(name(2), " ANN ")
            .line(name(2), "Bob")
            .line(code(2), CODE);
        let list = confirm(&mut c, "S\n", &TBS).unwrap();
        let names: Vec<&str> = list.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Ann", "Bob"]);
        assert!(
            c.text(Channel::Terminal).ends_with(
                "\"ANN\" already confirmed: the two-person rule needs two distinct people\n  try 2 of 3: another person types their own name as confirmer 2\n"
            ),
            "{}",
            c.text(Channel::Terminal)
        );
        assert_eq!(c.unanswered(), 0);
    }

    #[test]
    fn the_same_person_three_times_is_refused() {
        let mut c = Scripted::new()
            .line(name(1), "Ann")
            .line(code(1), CODE)
            .line(name(2), " ANN ")
            .line(name(2), "ann")
            .line(name(2), "Ann");
        let e = confirm(&mut c, "S\n", &TBS).unwrap_err();
        assert_eq!(e.kind, Kind::SamePersonTwice);
        assert_eq!(
            e.message,
            "\"Ann\" already confirmed: the two-person rule needs two distinct people (try 3 of 3; nothing was signed)"
        );
        assert_eq!(c.asked().last(), Some(&name(2)), "no code is asked of them");
        assert_eq!(c.unanswered(), 0);
    }

    #[test]
    fn an_unusable_name_is_asked_again() {
        let mut c = Scripted::new()
            .line(name(1), "bad\u{7}name")
            .line(name(1), "  ")
            .line(name(1), "Ann")
            .line(code(1), CODE)
            .line(name(2), "Bob")
            .line(code(2), CODE);
        assert_eq!(confirm(&mut c, "S\n", &TBS).unwrap().len(), 2);
        let shown = c.text(Channel::Terminal);
        assert!(
            shown.contains("confirmer name \"bad?name\" holds a control character (character 4)\n  try 2 of 3: confirmer 1, type your name again\n"),
            "{shown}"
        );
        assert!(shown.contains("  try 2 of 3: "), "{shown}");
        let mut c = Scripted::new()
            .line(name(1), "")
            .line(name(1), "")
            .line(name(1), "");
        let e = confirm(&mut c, "S\n", &TBS).unwrap_err();
        assert_eq!(e.kind, Kind::ConfirmationRefused);
        assert!(
            e.message.ends_with("(try 3 of 3; nothing was signed)"),
            "{}",
            e.message
        );
    }

    #[test]
    fn no_answer_says_where_and_that_nothing_was_signed() {
        let mut c = Scripted::new().line(name(1), "Ann");
        let e = confirm(&mut c, "S\n", &TBS).unwrap_err();
        assert_eq!(e.kind, Kind::Cancelled);
        assert_eq!(
            e.message,
            "scripted console: no answer left for confirmer-1-code at the confirmation prompt (confirmer 1 of 2): nothing was signed"
        );
    }

    #[test]
    fn named_confirmers_see_the_summary_on_standard_output() {
        let mut c = Scripted::new().named_confirmers(&[" Ann ", "Bob"]);
        let list = confirm(&mut c, "SUMMARY\n", &TBS).unwrap();
        let got: Vec<(&str, Method)> = list.iter().map(|c| (c.name.as_str(), c.method)).collect();
        assert_eq!(
            got,
            [("Ann", Method::CommandLine), ("Bob", Method::CommandLine)]
        );
        assert_eq!(c.text(Channel::Out), "SUMMARY\n");
        assert!(c.asked().is_empty());
        let mut c = Scripted::new().named_confirmers(&["Ann", "ann"]);
        let e = confirm(&mut c, "S\n", &TBS).unwrap_err();
        assert_eq!(e.kind, Kind::SamePersonTwice, "{}", e.message);
        assert!(
            e.message.starts_with("\"ann\" cannot confirm twice"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_number_of_named_confirmers_is_checked_first() {
        assert!(confirmer(&[]).unwrap().named_confirmers().is_none());
        let two = confirmer(&["Ann".into(), "Bob".into()]).unwrap();
        assert_eq!(two.named_confirmers().map(<[String]>::len), Some(2));
        let e = confirmer(&["Ann".into()]).err().unwrap();
        assert_eq!(e.kind, Kind::ConfirmationRefused);
        assert!(
            e.message.starts_with("--confirm given 1 time(s)"),
            "{}",
            e.message
        );
    }
}
