//! The two-person rule of the signing ceremonies: two distinct people confirm the exact
//! to-be-signed bytes — typing the short code shown at the terminal ([`TerminalConfirm`]), or
//! named on the command line for a scripted run ([`ScriptedConfirm`]).

use std::io::Write;

use crate::cert::intermediate;
use crate::console::tty::{read_visible_line, tty};
use crate::error::{Error, Result};

/// How a confirmation was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Typed the short code at the terminal.
    TypedCode,
    /// Named with `--confirm` (scripted run).
    CommandLine,
}

impl Method {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Method::TypedCode => "typed-code",
            Method::CommandLine => "command-line",
        }
    }
}

/// One person's confirmation.
#[derive(Clone, Debug)]
pub struct Confirmation {
    /// Their name.
    pub name: String,
    /// How they confirmed.
    pub method: Method,
}

/// The two-person rule: shows what will be signed and returns who confirmed it.
pub trait Confirm {
    /// Shows `summary` and collects two confirmations of `tbs_sha256`.
    fn confirm(&mut self, summary: &str, tbs_sha256: &[u8; 32]) -> Result<Vec<Confirmation>>;
}

/// Checks a name given for a confirmation.
pub fn check_confirmer_name(name: &str) -> Result<()> {
    if name.trim().is_empty()
        || name.chars().count() > 200
        || name.chars().any(crate::error::is_unsafe_char)
    {
        return Err(Error::operator(format!(
            "confirmer name {:?} must be 1 to 200 characters without control characters",
            crate::error::replace_unsafe(name, '?')
        )));
    }
    Ok(())
}

/// Two confirmations by distinct people (names compared trimmed, case-insensitively).
pub(super) fn check_two(list: &[Confirmation]) -> Result<()> {
    if list.len() != 2 {
        return Err(Error::operator(format!(
            "{} confirmation(s) given; the two-person rule needs exactly two distinct people",
            list.len()
        ))
        .hint("name two people: --confirm \"First Person\" --confirm \"Second Person\""));
    }
    for c in list {
        check_confirmer_name(&c.name)?;
    }
    if list[0].name.trim().to_lowercase() == list[1].name.trim().to_lowercase() {
        return Err(Error::operator(format!(
            "\"{}\" cannot confirm twice: the two-person rule needs two distinct people",
            list[1].name.trim()
        )));
    }
    Ok(())
}

/// Scripted confirmations (`--confirm NAME` twice): the summary is printed on standard output,
/// the names are taken as given. If the summary cannot be printed nobody has seen what they
/// confirm: the ceremony stops (and its transcript records why) before any share is read.
pub struct ScriptedConfirm {
    /// The names.
    pub names: Vec<String>,
}

impl Confirm for ScriptedConfirm {
    fn confirm(&mut self, summary: &str, _tbs: &[u8; 32]) -> Result<Vec<Confirmation>> {
        crate::console::out("the confirmation summary", summary).map_err(|e| {
            let hint = e.hint.clone().unwrap_or_default();
            e.hint(format!(
                "nothing was signed and no share was read; {hint}, then run the ceremony again with a new --out directory"
            ))
        })?;
        let list: Vec<Confirmation> = self
            .names
            .iter()
            .map(|n| Confirmation {
                name: n.trim().to_string(),
                method: Method::CommandLine,
            })
            .collect();
        check_two(&list)?;
        Ok(list)
    }
}

/// Interactive confirmations at the controlling terminal: each person types their name and the
/// short code shown (a wrong code is asked for again, at most 3 times).
pub struct TerminalConfirm;

impl Confirm for TerminalConfirm {
    fn confirm(&mut self, summary: &str, tbs: &[u8; 32]) -> Result<Vec<Confirmation>> {
        let (_, mut w) = tty()?;
        let code = intermediate::short_code(tbs);
        let text = format!(
            "{}\nTwo people must confirm. Each checks the summary above against the request, then types their name and the code {code}.\n",
            crate::error::clean_lines(summary)
        );
        w.write_all(text.as_bytes())
            .map_err(|e| Error::environment(format!("terminal: {e}")))?;
        let mut list: Vec<Confirmation> = Vec::new();
        for n in 1..=2 {
            let name = read_visible_line(&format!("confirmer {n} of 2, your name: "))?;
            let name = name.trim().to_string();
            check_confirmer_name(&name)?;
            if list
                .iter()
                .any(|c| c.name.to_lowercase() == name.to_lowercase())
            {
                return Err(Error::operator(format!(
                    "\"{name}\" already confirmed: the two-person rule needs two distinct people"
                )));
            }
            let mut ok = false;
            for attempt in 1..=3 {
                let typed = read_visible_line(&format!("{name}, type the code {code}: "))?;
                if intermediate::code_matches(&typed, tbs) {
                    ok = true;
                    break;
                }
                writeln!(w, "that is not the code shown (try {attempt} of 3)")
                    .map_err(|e| Error::environment(format!("terminal: {e}")))?;
            }
            if !ok {
                return Err(Error::operator(format!(
                    "{name} did not type the confirmation code: nothing was signed"
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
}

/// The confirmer of a signing ceremony: interactive without `--confirm`, scripted with two
/// `--confirm NAME`; any other count is refused before anything is read.
pub fn confirmer(names: &[String]) -> Result<Box<dyn Confirm>> {
    match names.len() {
        0 => Ok(Box::new(TerminalConfirm)),
        2 => {
            for n in names {
                check_confirmer_name(n)?;
            }
            Ok(Box::new(ScriptedConfirm {
                names: names.to_vec(),
            }))
        }
        n => Err(Error::operator(format!(
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
        assert!(e.message.contains("two distinct people"), "{}", e.message);
        assert!(two("Ann", "").is_err());
        let e = check_two(&[Confirmation {
            name: "Ann".into(),
            method: Method::CommandLine,
        }])
        .unwrap_err();
        assert!(e.message.contains("1 confirmation"), "{}", e.message);
    }
}
