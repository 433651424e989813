//! The answers file of `rootkey run PLAN --answers FILE.toml` (spec: `docs/formats.md`,
//! "Answers file"): a [`Console`] that answers every question by its stable
//! [`Question::id`] from the file, for rehearsals, CI and automation.
//!
//! The file is a strict, line-based subset of TOML, read here by hand from locked memory
//! ([`crate::fsio::read_secret`]) so that a secret answer (dice, share rows, PINs) goes from
//! the locked file buffer straight into its own [`SecretBytes`] and is never held in an
//! ordinary `String`. No error message ever quotes a value. Each answer is one string or an
//! array of strings: the n-th ask of an id (a retry after a slip) takes the n-th string.
//! Output goes to standard output and standard error (also what a terminal would show on
//! itself), so that a run can be logged.

use std::collections::BTreeMap;

use super::{Channel, Console, Question};
use crate::error::{Error, Kind, Result};
use crate::secret::{SecretBytes, SecretError};

/// The largest answers file read (bytes).
pub const MAX_FILE: usize = 64 * 1024;
/// The most strings one answer may hold (one per ask).
pub const MAX_TRIES: usize = 8;

/// One `[answers]` entry.
struct Entry {
    line: usize,
    column: usize,
    /// The strings, in locked memory, taken in order.
    values: Vec<Option<SecretBytes>>,
    asked: usize,
}

/// A parsed answers file and the console that answers from it (see the module documentation).
pub struct Answers {
    origin: String,
    confirmers: Option<Vec<String>>,
    entries: BTreeMap<String, Entry>,
}

/// Where an id of `[answers]` stands: `(id, line, column)`.
pub type Located<'a> = (&'a str, usize, usize);

fn at(origin: &str, line: usize, column: usize, message: impl std::fmt::Display) -> Error {
    Error::new(
        Kind::Argument,
        format!("answers file {origin}, line {line}, column {column}: {message}"),
    )
    .hint(format!(
        "correct the answers file {origin} (docs/formats.md, \"Answers file\"), then run again"
    ))
}

/// A string value's bytes: `"…"` without `\`, `"` or control characters inside. Returns the
/// content's byte range in `line` and the index after the closing quote.
fn string_at(
    line: &[u8],
    start: usize,
) -> std::result::Result<(usize, usize, usize), (usize, String)> {
    if line.get(start) != Some(&b'"') {
        return Err((start, "expected a string in double quotes".into()));
    }
    let mut i = start + 1;
    while let Some(&b) = line.get(i) {
        match b {
            b'"' => return Ok((start + 1, i, i + 1)),
            b'\\' => return Err((i, "a backslash (escape) is not allowed in an answer".into())),
            0..=0x1f | 0x7f if b != b'\t' => {
                return Err((i, "a control character is not allowed in an answer".into()));
            }
            _ => i += 1,
        }
    }
    Err((start, "the string is not closed on its line".into()))
}

fn skip_ws(line: &[u8], mut i: usize) -> usize {
    while matches!(line.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// The 1-based column (in characters) of byte `i` of `line`.
fn column(line: &[u8], i: usize) -> usize {
    String::from_utf8_lossy(&line[..i.min(line.len())])
        .chars()
        .count()
        + 1
}

/// What follows a value must be the end of the line or a comment.
fn end_of_value(line: &[u8], i: usize) -> std::result::Result<(), usize> {
    let j = skip_ws(line, i);
    match line.get(j) {
        None | Some(b'#') => Ok(()),
        Some(_) => Err(j),
    }
}

/// The strings of a value (one string, or an array of 1 to [`MAX_TRIES`] strings on one
/// line): byte ranges in `line`, or the byte index and message of the first error.
fn value_at(
    line: &[u8],
    start: usize,
) -> std::result::Result<Vec<(usize, usize)>, (usize, String)> {
    if line.get(start) != Some(&b'[') {
        let (a, b, after) = string_at(line, start)?;
        end_of_value(line, after).map_err(|j| (j, "unexpected text after the value".into()))?;
        return Ok(vec![(a, b)]);
    }
    let mut out = Vec::new();
    let mut i = skip_ws(line, start + 1);
    loop {
        if line.get(i) == Some(&b']') {
            if out.is_empty() {
                return Err((i, "an empty array answers nothing".into()));
            }
            end_of_value(line, i + 1).map_err(|j| (j, "unexpected text after the value".into()))?;
            return Ok(out);
        }
        let (a, b, after) = string_at(line, i)?;
        out.push((a, b));
        if out.len() > MAX_TRIES {
            return Err((i, format!("more than {MAX_TRIES} strings in one answer")));
        }
        i = skip_ws(line, after);
        match line.get(i) {
            Some(b',') => i = skip_ws(line, i + 1),
            Some(b']') => {}
            _ => return Err((i, "expected `,` or `]` after a string".into())),
        }
    }
}

impl Answers {
    /// Parses the bytes of an answers file (in locked memory), named `origin` in errors.
    pub fn parse(bytes: &[u8], origin: &str) -> Result<Answers> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let before = &bytes[..e.valid_up_to()];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let from = before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            at(
                origin,
                line,
                column(&bytes[from..], e.valid_up_to() - from),
                "not UTF-8",
            )
        })?;
        let mut a = Answers {
            origin: origin.to_string(),
            confirmers: None,
            entries: BTreeMap::new(),
        };
        let mut version = false;
        let mut in_answers = false;
        for (n, raw) in text.split('\n').enumerate() {
            let line_no = n + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw).as_bytes();
            let err = |i: usize, m: &str| at(origin, line_no, column(line, i), m);
            let i = skip_ws(line, 0);
            match line.get(i) {
                None | Some(b'#') => continue,
                Some(b'[') => {
                    let rest = &line[i..];
                    if !rest.starts_with(b"[answers]") {
                        return Err(err(i, "the only table is [answers]"));
                    }
                    if in_answers {
                        return Err(err(i, "[answers] appears twice"));
                    }
                    end_of_value(line, i + "[answers]".len())
                        .map_err(|j| err(j, "unexpected text after [answers]"))?;
                    if !version {
                        return Err(err(i, "`version = 1` must come before [answers]"));
                    }
                    in_answers = true;
                    continue;
                }
                Some(_) => {}
            }
            let key_end = (i..line.len())
                .find(|&j| !matches!(line[j], b'a'..=b'z' | b'0'..=b'9' | b'-'))
                .unwrap_or(line.len());
            if key_end == i {
                return Err(err(
                    i,
                    "expected a key (lower-case letters, digits and `-`)",
                ));
            }
            let key = &text_of(line)[i..key_end];
            let eq = skip_ws(line, key_end);
            if line.get(eq) != Some(&b'=') {
                return Err(err(eq, "expected `=` after the key"));
            }
            let v = skip_ws(line, eq + 1);
            if in_answers {
                if a.entries.contains_key(key) {
                    return Err(err(i, &format!("`{key}` is answered twice")));
                }
                let ranges = value_at(line, v).map_err(|(j, m)| err(j, &m))?;
                let mut values = Vec::with_capacity(ranges.len());
                for (s, e) in ranges {
                    values.push(Some(SecretBytes::copy_from(&line[s..e])?));
                }
                a.entries.insert(
                    key.to_string(),
                    Entry {
                        line: line_no,
                        column: column(line, i),
                        values,
                        asked: 0,
                    },
                );
                continue;
            }
            match key {
                "version" => {
                    if version {
                        return Err(err(i, "`version` is set twice"));
                    }
                    if line.get(v) != Some(&b'1') {
                        return Err(err(v, "this rootkey reads answers files of version 1"));
                    }
                    end_of_value(line, v + 1)
                        .map_err(|j| err(j, "this rootkey reads answers files of version 1"))?;
                    version = true;
                }
                "confirmers" => {
                    if !version {
                        return Err(err(i, "`version = 1` must come first"));
                    }
                    if a.confirmers.is_some() {
                        return Err(err(i, "`confirmers` is set twice"));
                    }
                    let ranges = value_at(line, v).map_err(|(j, m)| err(j, &m))?;
                    let names: Vec<String> = ranges
                        .iter()
                        .map(|&(s, e)| text_of(line)[s..e].trim().to_string())
                        .collect();
                    if line.get(v) != Some(&b'[')
                        || names.len() != 2
                        || names.iter().any(String::is_empty)
                        || names[0] == names[1]
                    {
                        return Err(err(
                            v,
                            "`confirmers` must be an array of two different names",
                        ));
                    }
                    a.confirmers = Some(names);
                }
                _ if !version => return Err(err(i, "`version = 1` must come first")),
                _ => {
                    return Err(err(
                        i,
                        &format!(
                            "unknown key `{key}` (before [answers]: version and confirmers only)"
                        ),
                    ));
                }
            }
        }
        if !version {
            return Err(at(origin, 1, 1, "`version = 1` is missing"));
        }
        Ok(a)
    }

    /// The ids of `[answers]` with where each stands, in file order.
    pub fn ids(&self) -> Vec<Located<'_>> {
        let mut v: Vec<Located<'_>> = self
            .entries
            .iter()
            .map(|(k, e)| (k.as_str(), e.line, e.column))
            .collect();
        v.sort_by_key(|&(_, l, c)| (l, c));
        v
    }

    /// Refuses the first id `known` does not accept: the file named an id that no question of
    /// this ceremony has (a typo, or a step the plan does not have).
    pub fn check_ids(&self, known: impl Fn(&str) -> bool, what: &str) -> Result<()> {
        for (id, line, column) in self.ids() {
            if !known(id) {
                return Err(at(
                    &self.origin,
                    line,
                    column,
                    format!("`{id}` is not a question of {what}"),
                )
                .hint(format!(
                    "correct or remove `{id}` in {}: the ids are listed in docs/formats.md, \"Answers file\", and `rootkey plan render` numbers the checklist steps",
                    self.origin
                )));
            }
        }
        Ok(())
    }

    /// The answers never asked for, or not all asked: `(id, strings given, asks)`.
    pub fn unused(&self) -> Vec<(String, usize, usize)> {
        self.entries
            .iter()
            .filter(|(_, e)| e.asked < e.values.len())
            .map(|(k, e)| (k.clone(), e.values.len(), e.asked))
            .collect()
    }

    /// The next string for `q`, told on standard error as the terminal would show it.
    fn next(&mut self, q: &Question, prompt: &str) -> Result<SecretBytes> {
        let id = q.id();
        let origin = self.origin.clone();
        let Some(e) = self.entries.get_mut(&id) else {
            return Err(Error::new(
                Kind::Argument,
                format!("answers file {origin}: no answer for `{id}` ({})", prompt.trim()),
            )
            .hint(if matches!(q, Question::StepConfirmerName { .. } | Question::StepCode { .. }) {
                // A critical step's code is random: only named confirmers can answer it.
                format!(
                    "name the plan's two confirmers at the top of {origin} (`confirmers = [\"A\", \"B\"]`, before [answers]): a critical step's code is shown at random and cannot be answered from a file; the output directory keeps what was done so far: run again in a new, empty one"
                )
            } else {
                format!(
                    "add `{id} = \"…\"` under [answers] in {origin}; the output directory keeps what was done so far: run again in a new, empty one"
                )
            }));
        };
        e.asked += 1;
        let n = e.asked;
        let Some(v) = e.values.get_mut(n - 1).and_then(Option::take) else {
            return Err(Error::new(
                Kind::Argument,
                format!(
                    "answers file {origin}, line {}: `{id}` is asked a {}{} time, but its answer gives {} string(s)",
                    e.line,
                    n,
                    ordinal(n),
                    e.values.len()
                ),
            )
            .hint(format!(
                "an earlier answer to `{id}` was refused (see the message above): correct it, or give one string per try as an array, then run again in a new, empty output directory"
            )));
        };
        let shown = if q.is_secret() {
            "(hidden; from the answers file)".to_string()
        } else {
            String::from_utf8_lossy(v.as_slice()).into_owned()
        };
        super::err("a question and its answer", &format!("{prompt}{shown}\n"))?;
        Ok(v)
    }
}

fn ordinal(n: usize) -> &'static str {
    match (n % 10, n % 100) {
        (1, x) if x != 11 => "st",
        (2, x) if x != 12 => "nd",
        (3, x) if x != 13 => "rd",
        _ => "th",
    }
}

/// `line` as text (it came from a `&str`, split at ASCII bytes).
fn text_of(line: &[u8]) -> &str {
    std::str::from_utf8(line).unwrap_or("")
}

/// Whether `id` is one of the question ids of docs/formats.md, "Answers file", for a ceremony
/// of `holders` shares whose merged step list has the checklist steps `checklist` (numbers).
pub fn known_id(id: &str, holders: u8, checklist: &[usize]) -> bool {
    let num = |s: &str| -> Option<usize> {
        (!s.is_empty() && !s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    if matches!(id, "dice" | "csr-sha256" | "more") {
        return true;
    }
    let parts: Vec<&str> = id.split('-').collect();
    match parts.as_slice() {
        ["confirmer", c, "name" | "code"] => matches!(*c, "1" | "2"),
        ["share", s, "row", r] => {
            num(s).is_some_and(|s| (1..=16).contains(&s))
                && num(r).is_some_and(|r| (1..=13).contains(&r))
        }
        ["token", h, rest @ ..] => {
            num(h).is_some_and(|h| (1..=holders as usize).contains(&h))
                && matches!(
                    rest,
                    ["pin"] | ["final", "try"] | ["replace", "key"] | ["management", "key"]
                )
        }
        ["checklist", s, "initials" | "done"] => num(s).is_some_and(|s| checklist.contains(&s)),
        ["share", s, "source"] => num(s).is_some_and(|s| (1..=holders as usize).contains(&s)),
        ["exception", s, "text"] => num(s).is_some(),
        ["step", s, "confirmer", c, "name" | "code"] => num(s).is_some() && matches!(*c, "1" | "2"),
        _ => false,
    }
}

impl Console for Answers {
    fn ask_secret(
        &mut self,
        question: &Question,
        prompt: &str,
        max: usize,
    ) -> std::result::Result<SecretBytes, SecretError> {
        match self.next(question, prompt) {
            Ok(v) if v.len() > max => Err(SecretError::Terminal(
                "input too long",
                std::io::Error::other(format!(
                    "the answer to {} is more than {max} characters",
                    question.id()
                )),
            )),
            Ok(v) => Ok(v),
            Err(e) => Err(SecretError::Terminal(
                "no answer in the answers file",
                std::io::Error::other(e.to_string()),
            )),
        }
    }

    fn ask_line(&mut self, question: &Question, prompt: &str) -> Result<String> {
        let v = self.next(question, prompt)?;
        Ok(String::from_utf8_lossy(v.as_slice()).into_owned())
    }

    fn tell(&mut self, to: Channel, what: &str, text: &str) -> Result<()> {
        match to {
            Channel::Out => super::out(what, text),
            // No terminal of its own: what the terminal would show goes to standard error.
            Channel::Err | Channel::Terminal => super::err(what, text),
        }
    }

    fn named_confirmers(&self) -> Option<&[String]> {
        self.confirmers.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Answers> {
        Answers::parse(s.as_bytes(), "a.toml")
    }

    #[test]
    fn parses_strings_arrays_comments_and_confirmers() {
        let a = parse(
            "# x\nversion = 1\nconfirmers = [\"A B\", \"C D\"]\n\n[answers]\n\
             checklist-1-initials = \"WW\"  # ok\ndice = [\"12\", \"3456\",]\r\n",
        )
        .unwrap();
        assert_eq!(a.named_confirmers().unwrap(), ["A B", "C D"]);
        assert_eq!(
            a.ids(),
            vec![("checklist-1-initials", 6, 1), ("dice", 7, 1)]
        );
        assert_eq!(
            a.unused(),
            vec![
                ("checklist-1-initials".to_string(), 1, 0),
                ("dice".to_string(), 2, 0)
            ]
        );
    }

    #[test]
    fn errors_name_line_and_column_never_the_value() {
        let cases = [
            (
                "[answers]\n",
                "line 1, column 1: `version = 1` must come before [answers]",
            ),
            (
                "version = 2\n",
                "line 1, column 11: this rootkey reads answers files of version 1",
            ),
            (
                "version = 1\n[answers]\ndice = \"12\\n\"\n",
                "line 3, column 11: a backslash",
            ),
            (
                "version = 1\n[answers]\ndice = \"secret\" x\n",
                "line 3, column 17: unexpected text",
            ),
            (
                "version = 1\n[answers]\ndice = \"1\"\ndice = \"2\"\n",
                "line 4, column 1: `dice` is answered twice",
            ),
            (
                "version = 1\nconfirmers = [\"A\", \"A\"]\n",
                "line 2, column 14: `confirmers` must be",
            ),
            (
                "version = 1\n[answers]\nDice = \"1\"\n",
                "line 3, column 1: expected a key",
            ),
            (
                "version = 1\n[answers]\ndice = [\"1\" \"2\"]\n",
                "line 3, column 13: expected `,` or `]`",
            ),
            (
                "version = 1\n[other]\n",
                "line 2, column 1: the only table is [answers]",
            ),
            ("", "line 1, column 1: `version = 1` is missing"),
        ];
        for (text, want) in cases {
            let e = parse(text).err().unwrap();
            assert!(e.message.contains(want), "{text:?}: {}", e.message);
            assert!(!e.message.contains("secret"), "{}", e.message);
            assert_eq!(e.exit_code(), crate::error::exit::INPUT);
        }
    }

    #[test]
    fn answers_by_id_in_order_then_refuses() {
        let mut a =
            parse("version = 1\n[answers]\nchecklist-1-initials = [\"OO\", \"WW\"]\n").unwrap();
        let q = Question::ChecklistInitials { step: 1 };
        assert_eq!(a.ask_line(&q, "p: ").unwrap(), "OO");
        assert_eq!(a.ask_line(&q, "p: ").unwrap(), "WW");
        let e = a.ask_line(&q, "p: ").unwrap_err();
        assert!(
            e.message.ends_with(
                "`checklist-1-initials` is asked a 3rd time, but its answer gives 2 string(s)"
            ),
            "{}",
            e.message
        );
        let e = a.ask_line(&Question::CsrSha256, "hash: ").unwrap_err();
        assert_eq!(
            e.message,
            "answers file a.toml: no answer for `csr-sha256` (hash:)"
        );
        assert!(a.unused().is_empty());
    }

    #[test]
    fn known_ids_follow_the_grammar() {
        for id in [
            "dice",
            "csr-sha256",
            "confirmer-2-code",
            "share-16-row-13",
            "token-5-final-try",
            "checklist-7-initials",
        ] {
            assert!(known_id(id, 5, &[1, 7]), "{id}");
        }
        for id in [
            "dices",
            "share-0-row-1",
            "share-1-row-14",
            "token-6-pin",
            "checklist-2-done",
            "confirmer-3-name",
            "share-01-row-1",
        ] {
            assert!(!known_id(id, 5, &[1, 7]), "{id}");
        }
    }
}
