//! Share entry at the keyboard: rows typed one by one (each checked, and corrected if one
//! character is wrong, as it is entered) or one line from a USB QR scanner, asked hidden at a
//! [`Console`] and decoded without ever being rendered as text.

use zeroize::Zeroize;

use super::{Presented, ROW_TRIES, ShareText, decode};
use crate::console::{Console, Question};
use crate::error::{Error, Kind, Result};
use crate::secret::{self, SecretBytes};
use crate::share::text::{self, COMPACT_PREFIX, ROW_LEN, ROWS};

/// Reads one share at the keyboard with echo off: either one line from a USB QR scanner (the
/// compact form, `RKS1:…`), or the 13 rows typed one by one. Each typed row is checked (and
/// corrected if one character is wrong) as soon as Enter is pressed; a row with errors is asked
/// for again. Only progress is shown, never what was typed.
pub fn read_keyboard(console: &mut dyn Console, ordinal: usize) -> Result<Presented> {
    let _scrub = secret::ScrubOnDrop;
    let origin = format!("keyboard entry {ordinal}");
    progress(
        console,
        &crate::console::wrap(
            &format!(
                "Share {ordinal}: scan its QR code with the scanner, or type its {ROWS} rows from the paper \
             (input is hidden; spaces do not matter)."
            ),
            crate::console::SCREEN_COLUMNS,
        ),
    )?;
    let mut syms = SecretBytes::zeroed(ROWS * ROW_LEN)?;
    let mut corrections = Vec::new();
    let mut row = 1usize;
    let mut tries = 0usize;
    while row <= ROWS {
        let line = match console.ask_secret(
            &Question::ShareRow {
                share: ordinal,
                row,
            },
            &format!("  row {row:>2}/{ROWS}: "),
            512,
        ) {
            Ok(l) => l,
            // An over-long line is a typing mistake: ask for the row again.
            Err(secret::SecretError::Terminal("input too long", _)) => {
                tries += 1;
                status(
                    console,
                    &format!("  row {row}: far too long (more than 512 characters)"),
                )?;
                if tries >= ROW_TRIES {
                    return Err(Error::new(
                        Kind::TooManyTries,
                        format!(
                            "{origin}: row {row} was refused {ROW_TRIES} times; giving up on this share"
                        ),
                    ));
                }
                progress(console, &format!("  type row {row} again"))?;
                continue;
            }
            Err(secret::SecretError::Terminal("cancelled", _)) => {
                return Err(Error::new(
                    Kind::Cancelled,
                    format!("{origin}: cancelled (Ctrl-C) at the prompt for row {row}"),
                ));
            }
            Err(e) => return Err(Error::input(format!("{origin}: {e}"))),
        };
        let typed = trim(line.as_slice());
        if row == 1 && is_compact(typed) {
            let mut text = SecretBytes::zeroed(typed.len())?;
            text.as_mut_slice().copy_from_slice(typed);
            status(
                console,
                &format!("  scanned: {} characters read", typed.len()),
            )?;
            return decode(ShareText {
                text,
                origin: format!("keyboard entry {ordinal} (scanned)"),
                file: "-".into(),
            });
        }
        // A typed row may carry its printed row number ("05 XXXX XXXX XXXX").
        let body = strip_row_number(typed, row);
        let mut out = [0u8; ROW_LEN];
        let result = text::decode_row(row as u8, body, &mut out);
        syms.as_mut_slice()[(row - 1) * ROW_LEN..row * ROW_LEN].copy_from_slice(&out);
        out.zeroize();
        match result {
            Ok(None) => {
                status(console, &format!("  row {row:>2}/{ROWS} ok"))?;
                row += 1;
                tries = 0;
            }
            Ok(Some(c)) => {
                status(
                    console,
                    &format!(
                        "  row {row:>2}/{ROWS} ok — character {} was wrong and has been corrected; check the paper",
                        c.column
                    ),
                )?;
                corrections.push(c);
                row += 1;
                tries = 0;
            }
            Err(e) => {
                tries += 1;
                status(console, &format!("  {}", e.message))?;
                if tries >= ROW_TRIES {
                    return Err(Error::new(Kind::TooManyTries, format!(
                        "{origin}: row {row} was refused {ROW_TRIES} times; giving up on this share"
                    ))
                    .hint("check the paper, then run the command again"));
                }
                progress(console, &format!("  type row {row} again"))?;
            }
        }
    }
    // Decoded from the checked symbols (never re-rendered as text); messages as for a file.
    let decoded = text::decode_symbols(&syms).map_err(|e| e.context(format!("share {origin}")))?;
    drop(syms);
    corrections.extend(decoded.corrections);
    Ok(Presented {
        envelope: decoded.envelope,
        origin,
        file: "-".into(),
        corrections,
    })
}

/// One line of keyboard-entry progress on standard error (never what was typed).
fn progress(console: &mut dyn Console, line: &str) -> Result<()> {
    console.err("the share entry progress", &format!("{line}\n"))
}

/// The status of the row just typed, in place of its prompt line at a terminal
/// ([`Console::status_line`]; never what was typed).
fn status(console: &mut dyn Console, line: &str) -> Result<()> {
    console.status_line("the share entry progress", line)
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

fn is_compact(b: &[u8]) -> bool {
    b.len() >= COMPACT_PREFIX.len()
        && b[..COMPACT_PREFIX.len()].eq_ignore_ascii_case(COMPACT_PREFIX.as_bytes())
}

/// `typed` without a leading row number equal to `row` (with 14 or more characters, a row
/// starting with two digits and a space or nothing has its number in front).
fn strip_row_number(typed: &[u8], row: usize) -> &[u8] {
    let n = [b'0' + (row / 10) as u8, b'0' + (row % 10) as u8];
    let symbols = typed
        .iter()
        .filter(|c| !c.is_ascii_whitespace() && **c != b'-')
        .count();
    if symbols == ROW_LEN + 2 && typed.starts_with(&n) {
        &typed[2..]
    } else {
        typed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::share_input::{Source, read};
    use crate::console::{Channel, Scripted};
    use crate::share::text::Correction;
    use crate::share::{Envelope, ShareHeader};

    fn envelope() -> Envelope {
        let h = ShareHeader {
            rehearsal: true,
            ceremony_id: [7; 16],
            root_fingerprint: [0xab; 16],
            k: 2,
            n: 3,
            index: 2,
        };
        let v: Vec<u8> = (0..32).map(|i| (i * 7) as u8).collect();
        Envelope::new(&h, &v).unwrap()
    }

    /// The 13 row lines of the file form, as printed ("01 XXXX XXXX XXXX").
    fn rows(env: &Envelope) -> Vec<String> {
        let f = text::encode_file_form(env).unwrap();
        String::from_utf8(f.as_slice().to_vec())
            .unwrap()
            .lines()
            .skip(1)
            .map(str::to_string)
            .collect()
    }

    fn row(share: usize, row: usize) -> Question {
        Question::ShareRow { share, row }
    }

    /// `line` with the symbol at 1-based `column` of the row replaced by another one.
    fn mistyped(line: &str, column: usize) -> String {
        let mut b = line.as_bytes().to_vec();
        let at = 3 + (column - 1) + (column - 1) / 4;
        b[at] = if b[at] == b'0' { b'1' } else { b'0' };
        String::from_utf8(b).unwrap()
    }

    fn progress_lines(c: &Scripted) -> Vec<String> {
        c.text(Channel::Err).lines().map(str::to_string).collect()
    }

    #[test]
    fn typed_rows_are_decoded_into_the_envelope() {
        let env = envelope();
        let rows = rows(&env);
        let mut c = Scripted::new();
        for (i, r) in rows.iter().enumerate() {
            // With and without the printed row number.
            let typed = if i % 2 == 0 { r.as_str() } else { &r[3..] };
            c = c.secret(row(2, i + 1), typed.as_bytes()).unwrap();
        }
        let p = read(&mut c, Source::Keyboard, 2).unwrap();
        assert!(p.envelope.ct_eq(&env));
        assert_eq!(
            (p.origin.as_str(), p.file.as_str()),
            ("keyboard entry 2", "-")
        );
        assert!(p.corrections.is_empty());
        // The instruction is wrapped to the 80-column screen.
        let mut expected = vec![
            "Share 2: scan its QR code with the scanner, or type its 13 rows from the paper"
                .to_string(),
            "(input is hidden; spaces do not matter).".to_string(),
        ];
        expected.extend((1..=13).map(|r| format!("  row {r:>2}/13 ok")));
        assert_eq!(progress_lines(&c), expected);
        assert_eq!(c.text(Channel::Out), "", "nothing typed is shown");
        assert_eq!(c.asked()[12], row(2, 13));
    }

    #[test]
    fn one_wrong_character_is_corrected_and_named() {
        let env = envelope();
        let rows = rows(&env);
        let mut c = Scripted::new();
        for (i, r) in rows.iter().enumerate() {
            let typed = if i == 2 { mistyped(r, 5) } else { r.clone() };
            c = c.secret(row(1, i + 1), typed.as_bytes()).unwrap();
        }
        let p = read(&mut c, Source::Keyboard, 1).unwrap();
        assert!(p.envelope.ct_eq(&env));
        assert_eq!(p.corrections, [Correction { row: 3, column: 5 }]);
        assert_eq!(
            progress_lines(&c)[4],
            "  row  3/13 ok — character 5 was wrong and has been corrected; check the paper"
        );
    }

    #[test]
    fn a_refused_row_is_asked_for_again() {
        let env = envelope();
        let rows = rows(&env);
        let garbled = mistyped(&mistyped(&rows[0], 2), 7);
        let mut c = Scripted::new()
            .secret(row(1, 1), garbled.as_bytes())
            .unwrap()
            .secret(row(1, 1), &[b'A'; 513])
            .unwrap();
        for (i, r) in rows.iter().enumerate() {
            c = c.secret(row(1, i + 1), r.as_bytes()).unwrap();
        }
        let p = read(&mut c, Source::Keyboard, 1).unwrap();
        assert!(p.envelope.ct_eq(&env));
        let lines = progress_lines(&c);
        assert!(lines[2].starts_with("  row 1"), "{lines:?}");
        assert_eq!(lines[3], "  type row 1 again");
        assert_eq!(
            lines[4..6],
            [
                "  row 1: far too long (more than 512 characters)".to_string(),
                "  type row 1 again".to_string()
            ]
        );
        assert_eq!(lines[6], "  row  1/13 ok");
    }

    #[test]
    fn five_refusals_give_up_on_the_share() {
        let mut c = Scripted::new();
        for _ in 0..ROW_TRIES {
            c = c.secret(row(3, 1), b"not a row").unwrap();
        }
        let e = read(&mut c, Source::Keyboard, 3).err().unwrap();
        assert_eq!(e.kind, Kind::TooManyTries);
        assert_eq!(e.exit_code(), crate::error::exit::INPUT);
        assert_eq!(
            e.message,
            "keyboard entry 3: row 1 was refused 5 times; giving up on this share"
        );
        assert_eq!(c.unanswered(), 0);
    }

    #[test]
    fn a_scanned_line_is_the_whole_share() {
        let env = envelope();
        let compact = text::encode_compact(&env).unwrap();
        let mut c = Scripted::new()
            .secret(row(1, 1), compact.as_slice())
            .unwrap();
        let p = read(&mut c, Source::Keyboard, 1).unwrap();
        assert!(p.envelope.ct_eq(&env));
        assert_eq!(p.origin, "keyboard entry 1 (scanned)");
        assert_eq!(
            progress_lines(&c)[2],
            format!("  scanned: {} characters read", compact.len())
        );
        // A scanned line that is not a share names its origin, as a file would.
        let mut bad = compact.as_slice().to_vec();
        bad.truncate(40);
        let mut c = Scripted::new().secret(row(1, 1), &bad).unwrap();
        let e = read(&mut c, Source::Keyboard, 1).err().unwrap();
        assert_eq!(e.kind, Kind::ShareFormat);
        assert!(
            e.message
                .starts_with("share keyboard entry 1 (scanned): one-line share has"),
            "{}",
            e.message
        );
    }

    #[test]
    fn symbols_decode_like_their_file_form() {
        let env = envelope();
        let rows = rows(&env);
        let mut syms = SecretBytes::zeroed(ROWS * ROW_LEN).unwrap();
        for (r, line) in rows.iter().enumerate() {
            let mut out = [0u8; ROW_LEN];
            text::decode_row((r + 1) as u8, &line.as_bytes()[3..], &mut out).unwrap();
            syms.as_mut_slice()[r * ROW_LEN..(r + 1) * ROW_LEN].copy_from_slice(&out);
        }
        let d = text::decode_symbols(&syms).unwrap();
        assert!(d.envelope.ct_eq(&env) && d.corrections.is_empty());
        // Symbols that were not checked row by row are checked (and corrected) as their file
        // form would be by parse: the same envelope, the same corrections.
        syms.as_mut_slice()[12 * ROW_LEN + 8] ^= 1;
        let d = text::decode_symbols(&syms).unwrap();
        let p = text::parse(text::file_form_from_symbols(&syms).unwrap().as_slice()).unwrap();
        assert!(d.envelope.ct_eq(&env) && p.envelope.ct_eq(&env));
        assert_eq!(d.corrections, [Correction { row: 13, column: 9 }]);
        assert_eq!(d.corrections, p.corrections);
    }

    #[test]
    fn row_numbers_are_stripped_only_when_present() {
        assert_eq!(
            strip_row_number(b"05 ABCD EFGH JKMN", 5),
            b" ABCD EFGH JKMN"
        );
        assert_eq!(strip_row_number(b"ABCD EFGH JKMN", 5), b"ABCD EFGH JKMN");
        // Twelve symbols that happen to start with the row number are the row itself.
        assert_eq!(strip_row_number(b"05CD EFGH JKMN", 5), b"05CD EFGH JKMN");
        assert_eq!(trim(b"  ab \n"), b"ab");
        assert_eq!(trim(b"   "), b"");
        assert!(is_compact(b"rks1:ABC") && !is_compact(b"RKS"));
    }
}
