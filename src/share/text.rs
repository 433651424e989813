//! Text form of a share (`docs/formats.md`, "Share text form v1"): what is printed on paper,
//! typed back in, and put in a QR code.
//!
//! The 73-byte envelope is read as a big-endian bit string, padded with one zero bit to 585
//! bits, and cut into 117 five-bit symbols written in Crockford's base-32 alphabet
//! `0123456789ABCDEFGHJKMNPQRSTVWXYZ`. The symbols are laid out in 13 rows of 9; each row gets 3
//! Reed–Solomon parity symbols ([`super::rs32`]) that also cover the row number, so a row with
//! one wrong character is corrected, two wrong characters are detected, and a row typed in the
//! wrong place is recognised. The envelope checksum covers the whole share.
//!
//! File form (one share per file; lines starting with `#` are comments):
//! ```text
//! ROOTKEY SHARE V1
//! 01 ABCD EFGH JKMN
//! …
//! 13 ABCD EFGH JKMN
//! ```
//! Compact form (one line, uppercase, QR alphanumeric mode): `RKS1:` followed by the 156
//! symbols of the 13 rows in order.

use zeroize::Zeroize;

use super::rs32::{self, DATA_LEN, PARITY_LEN, RowCheck};
use super::{ENVELOPE_LEN, Envelope};
use crate::error::{Error, Kind, Result};
use crate::secret::SecretBytes;

/// Number of rows.
pub const ROWS: usize = 13;
/// Printed symbols per row.
pub const ROW_LEN: usize = DATA_LEN + PARITY_LEN;
/// The header line of the file form.
pub const HEADER: &str = "ROOTKEY SHARE V1";
/// The prefix of the compact form.
pub const COMPACT_PREFIX: &str = "RKS1:";
/// Crockford base-32 alphabet.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SYMBOLS: usize = ROWS * DATA_LEN; // 117
/// Length of the canonical file form in bytes.
pub const FILE_FORM_LEN: usize = HEADER.len() + 1 + ROWS * (3 + ROW_LEN + 2 + 1);
/// Length of the compact form in bytes.
pub const COMPACT_LEN: usize = COMPACT_PREFIX.len() + ROWS * ROW_LEN;

/// Maps a typed character to its symbol value (case-insensitive; `O`→0, `I`/`L`→1 as in
/// Crockford's base 32). `None` for anything else.
pub fn symbol_value(c: u8) -> Option<u8> {
    let c = c.to_ascii_uppercase();
    match c {
        b'O' => Some(0),
        b'I' | b'L' => Some(1),
        _ => ALPHABET.iter().position(|&a| a == c).map(|p| p as u8),
    }
}

/// Characters ignored inside rows and the compact form: space, tab and `-`.
fn is_separator(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'-')
}

/// A correction made while decoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    /// Row number, 1..=13.
    pub row: u8,
    /// Character position within the row, 1..=12.
    pub column: u8,
}

/// A decoded share and the corrections that were needed.
#[derive(Debug)]
pub struct Decoded {
    /// The checked envelope.
    pub envelope: Envelope,
    /// Rows where one character was corrected.
    pub corrections: Vec<Correction>,
}

fn all_symbols(env: &Envelope) -> Result<SecretBytes> {
    // 585 bits: the envelope's 584 bits followed by one zero bit.
    let mut syms = SecretBytes::zeroed(ROWS * ROW_LEN)?;
    let bytes = env.as_bytes();
    let out = syms.as_mut_slice();
    for r in 0..ROWS {
        let mut data = [0u8; DATA_LEN];
        for (j, d) in data.iter_mut().enumerate() {
            let i = r * DATA_LEN + j;
            let mut v = 0u8;
            for b in 0..5 {
                let bit = i * 5 + b;
                let set = bit < ENVELOPE_LEN * 8 && bytes[bit / 8] & (0x80 >> (bit % 8)) != 0;
                v = (v << 1) | u8::from(set);
            }
            *d = v;
        }
        let mut par = rs32::parity((r + 1) as u8, &data);
        let row = &mut out[r * ROW_LEN..(r + 1) * ROW_LEN];
        row[..DATA_LEN].copy_from_slice(&data);
        row[DATA_LEN..].copy_from_slice(&par);
        data.zeroize();
        par.zeroize();
    }
    Ok(syms)
}

/// Encodes the canonical file form (header line plus 13 numbered rows, each ending in `\n`).
pub fn encode_file_form(env: &Envelope) -> Result<SecretBytes> {
    file_form_from_symbols(&all_symbols(env)?)
}

/// The canonical file form from the 13 × 12 symbol values (row by row, parity included), e.g.
/// rows checked one by one as they were typed.
pub fn file_form_from_symbols(syms: &SecretBytes) -> Result<SecretBytes> {
    if syms.len() != ROWS * ROW_LEN || syms.as_slice().iter().any(|&s| s >= 32) {
        return Err(Error::input(
            "internal error: not 13 rows of 12 share symbols",
        ));
    }
    let mut out = SecretBytes::zeroed(FILE_FORM_LEN)?;
    let o = out.as_mut_slice();
    let mut p = 0;
    let mut put = |b: u8| {
        o[p] = b;
        p += 1;
    };
    HEADER.bytes().for_each(&mut put);
    put(b'\n');
    for r in 0..ROWS {
        let n = r + 1;
        put(b'0' + (n / 10) as u8);
        put(b'0' + (n % 10) as u8);
        put(b' ');
        for (c, &s) in syms.as_slice()[r * ROW_LEN..(r + 1) * ROW_LEN]
            .iter()
            .enumerate()
        {
            if c > 0 && c % 4 == 0 {
                put(b' ');
            }
            put(ALPHABET[s as usize]);
        }
        put(b'\n');
    }
    Ok(out)
}

/// Decodes a share from its 13 × 12 symbol values (row by row, parity included), each row
/// already checked and corrected with [`decode_row`] (e.g. rows typed one by one): the same
/// checks, and the same messages, as [`parse`] of their file form.
pub fn decode_symbols(syms: &SecretBytes) -> Result<Decoded> {
    if syms.len() != ROWS * ROW_LEN || syms.as_slice().iter().any(|&s| s >= 32) {
        return Err(Error::input(
            "internal error: not 13 rows of 12 share symbols",
        ));
    }
    let mut rows = SecretBytes::zeroed(ROWS * ROW_LEN)?;
    let mut corrections = Vec::new();
    for r in 0..ROWS {
        let mut row = [0u8; ROW_LEN];
        for (t, &v) in row
            .iter_mut()
            .zip(&syms.as_slice()[r * ROW_LEN..(r + 1) * ROW_LEN])
        {
            *t = ALPHABET[v as usize];
        }
        let corr = decode_row((r + 1) as u8, &row, row_slot(&mut rows, r));
        row.zeroize();
        corrections.extend(corr?);
    }
    assemble(&rows, corrections)
}

/// Encodes the compact one-line form `RKS1:` + 156 symbols (for QR codes).
pub fn encode_compact(env: &Envelope) -> Result<SecretBytes> {
    let syms = all_symbols(env)?;
    let mut out = SecretBytes::zeroed(COMPACT_LEN)?;
    let o = out.as_mut_slice();
    o[..COMPACT_PREFIX.len()].copy_from_slice(COMPACT_PREFIX.as_bytes());
    for (d, &s) in o[COMPACT_PREFIX.len()..].iter_mut().zip(syms.as_slice()) {
        *d = ALPHABET[s as usize];
    }
    Ok(out)
}

/// Reads the 12 symbols of one row from typed text (spaces, tabs and `-` ignored), checks and
/// if needed corrects it, and writes the 12 corrected symbol values into `out` (which should be
/// locked memory). Returns the correction made, if any.
pub fn decode_row(row: u8, typed: &[u8], out: &mut [u8; ROW_LEN]) -> Result<Option<Correction>> {
    let mut syms = [0u8; ROW_LEN];
    let result = decode_row_inner(row, typed, &mut syms);
    if result.is_ok() {
        out.copy_from_slice(&syms);
    }
    syms.zeroize();
    result
}

fn decode_row_inner(row: u8, typed: &[u8], syms: &mut [u8; ROW_LEN]) -> Result<Option<Correction>> {
    // The row number is part of the row code's word: only rows 1 to 13 exist (a number of 32
    // or more is not even a symbol of the code).
    if !(1..=ROWS as u8).contains(&row) {
        return Err(Error::input(format!(
            "internal error: there is no share row {row} (rows are 1 to {ROWS})"
        )));
    }
    let mut count = 0usize;
    for &c in typed {
        if is_separator(c) {
            continue;
        }
        let Some(v) = symbol_value(c) else {
            return Err(Error::new(Kind::BadCharacter, format!(
                "row {row}, character {}: not a share character (rows use 0-9 and A-Z without U)",
                count + 1
            ))
            .hint("re-type that row from the paper"));
        };
        if count < ROW_LEN {
            syms[count] = v;
        }
        count += 1;
    }
    if count != ROW_LEN {
        return Err(Error::new(
            Kind::RowTypo,
            format!("row {row}: has {count} characters, expected {ROW_LEN}"),
        )
        .hint("re-type that row from the paper"));
    }
    match rs32::check_and_correct(row, syms) {
        RowCheck::Valid => Ok(None),
        RowCheck::Corrected { column } => Ok(Some(Correction {
            row,
            column: (column + 1) as u8,
        })),
        RowCheck::OtherRow { row: other } if (1..=ROWS as u8).contains(&other) => {
            Err(Error::new(Kind::ShareRow, format!(
                "row {row}: this is the text of row {other}, not row {row} — rows entered in the wrong order?"
            ))
            .hint(format!("enter row {row} from the paper")))
        }
        RowCheck::Uncorrectable | RowCheck::OtherRow { .. } => Err(Error::new(Kind::RowTypo, format!(
            "row {row}: more than one character is wrong; the row cannot be corrected"
        ))
        .hint("re-type that row carefully from the paper")),
    }
}

/// The 12 symbols of 0-based row `r` inside the locked row buffer.
fn row_slot(rows: &mut SecretBytes, r: usize) -> &mut [u8; ROW_LEN] {
    let slot = &mut rows.as_mut_slice()[r * ROW_LEN..(r + 1) * ROW_LEN];
    // The slice is exactly ROW_LEN long by construction.
    <&mut [u8; ROW_LEN]>::try_from(slot).unwrap_or_else(|_| unreachable!())
}

/// Assembles an envelope from the 117 data symbols of 13 decoded rows.
fn assemble(rows: &SecretBytes, corrections: Vec<Correction>) -> Result<Decoded> {
    let mut bytes = SecretBytes::zeroed(ENVELOPE_LEN)?;
    let syms = rows.as_slice();
    let out = bytes.as_mut_slice();
    let mut pad_ok = true;
    for i in 0..SYMBOLS {
        let s = syms[(i / DATA_LEN) * ROW_LEN + i % DATA_LEN];
        for b in 0..5 {
            let bit = i * 5 + b;
            let set = s & (0x10 >> b) != 0;
            if bit < ENVELOPE_LEN * 8 {
                if set {
                    out[bit / 8] |= 0x80 >> (bit % 8);
                }
            } else if set {
                pad_ok = false;
            }
        }
    }
    if !pad_ok {
        return Err(Error::new(
            Kind::RowTypo,
            "row 13, character 9: not canonical (its last bit is padding and must be 0); the share was mistyped",
        )
        .hint("re-type row 13"));
    }
    let envelope = Envelope::from_bytes(bytes).map_err(|e| {
        if corrections.is_empty() {
            e
        } else {
            let rows: Vec<String> = corrections.iter().map(|c| c.row.to_string()).collect();
            let (which, were) = if rows.len() == 1 {
                ("row", "was")
            } else {
                ("rows", "were")
            };
            e.hint(format!(
                "{which} {} {were} auto-corrected; one of them probably had several errors — re-type them",
                rows.join(", ")
            ))
        }
    })?;
    Ok(Decoded {
        envelope,
        corrections,
    })
}

fn trim(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &line[start..end.max(start)]
}

/// Parses a share in file form or compact form (comments and blank lines ignored).
pub fn parse(input: &[u8]) -> Result<Decoded> {
    // A UTF-8 byte-order mark (some editors add one) is not part of the text.
    let input = input.strip_prefix(b"\xef\xbb\xbf").unwrap_or(input);
    let mut lines = input
        .split(|&c| c == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, trim(l)))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with(b"#"));
    let Some((_, first)) = lines.next() else {
        return Err(Error::new(
            Kind::ShareFormat,
            "no share found (the input is empty)",
        ));
    };
    let mut rows = SecretBytes::zeroed(ROWS * ROW_LEN)?;
    let mut corrections = Vec::new();
    let prefix = COMPACT_PREFIX.as_bytes();
    if first.len() >= prefix.len() && first[..prefix.len()].eq_ignore_ascii_case(prefix) {
        if let Some((n, _)) = lines.next() {
            return Err(Error::new(
                Kind::ShareFormat,
                format!("line {n}: unexpected text after the one-line (RKS1:) share"),
            ));
        }
        let body: Vec<usize> = (prefix.len()..first.len())
            .filter(|&i| !is_separator(first[i]))
            .collect();
        if body.len() != ROWS * ROW_LEN {
            return Err(Error::new(
                Kind::ShareFormat,
                format!(
                    "one-line share has {} characters after RKS1:, expected {}",
                    body.len(),
                    ROWS * ROW_LEN
                ),
            ));
        }
        let mut row_text = [0u8; ROW_LEN];
        for r in 0..ROWS {
            for (j, t) in row_text.iter_mut().enumerate() {
                *t = first[body[r * ROW_LEN + j]];
            }
            let corr = decode_row((r + 1) as u8, &row_text, row_slot(&mut rows, r));
            if corr.is_err() {
                row_text.zeroize();
            }
            corrections.extend(corr?);
        }
        row_text.zeroize();
        return assemble(&rows, corrections);
    }
    let mut words = first
        .split(|c| c.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    let header_ok = HEADER.split(' ').all(|h| {
        words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(h.as_bytes()))
    }) && words.next().is_none();
    if !header_ok {
        return Err(Error::new(
            Kind::ShareFormat,
            format!(
                "not a rootkey share: the first line must be \"{HEADER}\" (or a one-line RKS1: share)"
            ),
        ));
    }
    for r in 1..=ROWS {
        let Some((line_no, line)) = lines.next() else {
            return Err(Error::new(
                Kind::ShareRow,
                format!("row {r} is missing (the share ends after row {})", r - 1),
            ));
        };
        // formats.md "Share text form v1": a row line is its number, whitespace, then the row.
        let digits = line.iter().take_while(|c| c.is_ascii_digit()).count();
        let spaced = line.get(digits).is_some_and(u8::is_ascii_whitespace);
        let number = std::str::from_utf8(&line[..digits])
            .ok()
            .and_then(|s| s.parse::<usize>().ok());
        if number != Some(r) || !spaced {
            return Err(Error::new(Kind::ShareRow, format!(
                "line {line_no}: expected row {r:02} (a row starts with its two-digit number and a space)"
            ))
            .hint(format!("type row {r:02} as on the paper, e.g. \"{r:02} XXXX XXXX XXXX\"")));
        }
        corrections.extend(decode_row(
            r as u8,
            &line[digits..],
            row_slot(&mut rows, r - 1),
        )?);
    }
    if let Some((n, _)) = lines.next() {
        return Err(Error::new(
            Kind::ShareFormat,
            format!("line {n}: unexpected text after row {ROWS}"),
        ));
    }
    assemble(&rows, corrections)
}

#[cfg(test)]
mod tests {
    use super::super::ShareHeader;
    use super::*;

    /// Found by the fuzz target `share_text` (fuzz/fuzz_targets/share_text.rs): row 36 indexed
    /// the row code's GF(32) tables out of range and panicked.
    #[test]
    fn decode_row_refuses_a_row_number_outside_1_to_13_without_a_panic() {
        let mut out = [0u8; ROW_LEN];
        for row in [0u8, 14, 31, 32, 36, 255] {
            let e = decode_row(row, b"DZ82GGDYR03M", &mut out).unwrap_err();
            assert!(
                e.to_string().contains(&format!("no share row {row}")),
                "{e}"
            );
        }
        assert_eq!(out, [0; ROW_LEN]);
    }

    fn env(seed: u8) -> Envelope {
        let h = ShareHeader {
            rehearsal: false,
            ceremony_id: [seed; 16],
            root_fingerprint: [0xab; 16],
            k: 3,
            n: 5,
            index: 4,
        };
        let v: Vec<u8> = (0..32).map(|i| i as u8 ^ seed).collect();
        Envelope::new(&h, &v).unwrap()
    }

    #[test]
    fn file_and_compact_round_trip() {
        let e = env(7);
        let f = encode_file_form(&e).unwrap();
        assert_eq!(f.len(), FILE_FORM_LEN);
        let d = parse(f.as_slice()).unwrap();
        assert_eq!(d.envelope.as_bytes(), e.as_bytes());
        assert!(d.corrections.is_empty());
        let c = encode_compact(&e).unwrap();
        assert_eq!(c.len(), COMPACT_LEN);
        let d = parse(c.as_slice()).unwrap();
        assert_eq!(d.envelope.as_bytes(), e.as_bytes());
    }

    #[test]
    fn lowercase_and_confusables_accepted() {
        let e = env(9);
        let f = encode_file_form(&e).unwrap();
        let text = String::from_utf8(f.as_slice().to_vec()).unwrap();
        let (head, rows) = text.split_at(HEADER.len() + 1);
        let rows: String = rows
            .lines()
            .map(|l| {
                format!(
                    "{} {}\n",
                    &l[..2],
                    l[3..].to_lowercase().replace('0', "o").replace('1', "l")
                )
            })
            .collect();
        let lower = format!("{}{rows}", head.to_lowercase());
        let d = parse(lower.as_bytes()).unwrap();
        assert_eq!(d.envelope.as_bytes(), e.as_bytes());
    }

    #[test]
    fn swapped_rows_are_named() {
        let e = env(3);
        let f = String::from_utf8(encode_file_form(&e).unwrap().as_slice().to_vec()).unwrap();
        let mut lines: Vec<String> = f.lines().map(str::to_string).collect();
        let (a, b) = (lines[4][3..].to_string(), lines[5][3..].to_string());
        lines[4] = format!("04 {b}");
        lines[5] = format!("05 {a}");
        let err = parse(lines.join("\n").as_bytes()).unwrap_err();
        assert_eq!(err.kind, Kind::ShareRow);
        assert!(
            err.message.contains("row 4: this is the text of row 5"),
            "{}",
            err.message
        );
    }

    #[test]
    fn missing_row_and_bad_char_named() {
        let e = env(5);
        let f = String::from_utf8(encode_file_form(&e).unwrap().as_slice().to_vec()).unwrap();
        let cut: Vec<&str> = f.lines().take(10).collect();
        let err = parse(cut.join("\n").as_bytes()).unwrap_err();
        assert_eq!(err.kind, Kind::ShareRow);
        assert!(err.message.contains("row 10 is missing"), "{}", err.message);
        let bad = f.replacen("\n03 ", "\n03 U", 1);
        let err = parse(bad.as_bytes()).unwrap_err();
        assert_eq!(err.kind, Kind::BadCharacter);
        assert!(
            err.message.starts_with("row 3, character 1"),
            "{}",
            err.message
        );
    }

    fn env_from(value: &[u8; 32], index: u8) -> Envelope {
        let h = ShareHeader {
            rehearsal: index.is_multiple_of(2),
            ceremony_id: [value[0]; 16],
            root_fingerprint: [value[1]; 16],
            k: 2,
            n: 16,
            index,
        };
        Envelope::new(&h, value).unwrap()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]
        /// One random wrong character in every row (any row subset) is corrected and reported.
        #[test]
        fn one_error_per_row_is_corrected(
            value in proptest::prelude::any::<[u8; 32]>(),
            index in 1u8..=16,
            errors in proptest::collection::vec((proptest::prelude::any::<bool>(), 0usize..ROW_LEN, 1u8..32), ROWS),
            compact in proptest::prelude::any::<bool>(),
        ) {
            let e = env_from(&value, index);
            let mut text = if compact {
                encode_compact(&e).unwrap().as_slice().to_vec()
            } else {
                encode_file_form(&e).unwrap().as_slice().to_vec()
            };
            let mut expected = Vec::new();
            for (r, &(hit, col, delta)) in errors.iter().enumerate() {
                if !hit {
                    continue;
                }
                let pos = if compact {
                    COMPACT_PREFIX.len() + r * ROW_LEN + col
                } else {
                    // header + newline, then per row: "NN " + groups of 4 separated by spaces.
                    HEADER.len() + 1 + r * 18 + 3 + col + col / 4
                };
                let old = symbol_value(text[pos]).unwrap();
                text[pos] = ALPHABET[((old ^ delta) & 31) as usize];
                expected.push(Correction { row: (r + 1) as u8, column: (col + 1) as u8 });
            }
            let d = parse(&text).unwrap();
            proptest::prop_assert_eq!(d.envelope.as_bytes(), e.as_bytes());
            proptest::prop_assert_eq!(d.corrections, expected);
        }

        /// Two wrong characters in one row are never silently accepted.
        #[test]
        fn two_errors_in_a_row_are_refused(
            value in proptest::prelude::any::<[u8; 32]>(),
            row in 0usize..ROWS,
            c1 in 0usize..ROW_LEN,
            c2 in 0usize..ROW_LEN,
            d1 in 1u8..32,
            d2 in 1u8..32,
        ) {
            proptest::prop_assume!(c1 != c2);
            let e = env_from(&value, 3);
            let mut text = encode_compact(&e).unwrap().as_slice().to_vec();
            for (c, d) in [(c1, d1), (c2, d2)] {
                let pos = COMPACT_PREFIX.len() + row * ROW_LEN + c;
                let old = symbol_value(text[pos]).unwrap();
                text[pos] = ALPHABET[((old ^ d) & 31) as usize];
            }
            let err = parse(&text).unwrap_err();
            let row_name = format!("row {}", row + 1);
            proptest::prop_assert!(matches!(err.kind, Kind::RowTypo | Kind::ShareRow), "{:?}", err.kind);
            proptest::prop_assert!(err.message.contains(&row_name), "{}", err.message);
        }
    }
}
