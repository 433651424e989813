//! Vectors of the share text: the ceremony's share files, accepted variations of the text
//! (typos, layout, case, compact form) and refused ones.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::share::Envelope;
use rootkey::share::rs32;
use rootkey::share::text;

use crate::fixture::CEREMONY_ID;
use crate::generator::{Out, VectorCeremony};
use crate::reference::{
    compact_of, file_form_of, raw_envelope, row_string, rows_of, symbol_char, with_byte,
    with_checksum,
};

/// The expectation of a share text that decodes to `env`.
fn share_expect(description: &str, env: &[u8], corrections: Value) -> Value {
    let rows = rows_of(env);
    json!({
        "description": description,
        "outcome": "ok",
        "envelope_hex": hex::encode(env),
        "digest_hex": hex::encode(Sha256::digest(env)),
        "corrections": corrections,
        "file_form": file_form_of(&rows),
        "compact": compact_of(&rows),
    })
}

/// Replaces the text of row `row` (1-based) in a file form.
fn replace_row(file: &str, row: usize, text: &str) -> String {
    file.lines()
        .map(|l| {
            if l.starts_with(&format!("{row:02} ")) {
                format!("{row:02} {text}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

fn row_text_of(file: &str, row: usize) -> String {
    file.lines()
        .find(|l| l.starts_with(&format!("{row:02} ")))
        .map(|l| l[3..].to_string())
        .expect("row present")
}

/// Changes printed column `col` (1-based, 1..=12) of a row's text to another symbol.
fn typo(row_text: &str, col: usize, delta: u8) -> String {
    let mut n = 0;
    row_text
        .chars()
        .map(|c| {
            if c == ' ' {
                return c;
            }
            n += 1;
            if n == col {
                let v = text::symbol_value(c as u8).expect("symbol");
                symbol_char((v + delta) % 32)
            } else {
                c
            }
        })
        .collect()
}

/// `share_*`: the ceremony's five share files, variations of share 1's text that are accepted
/// or refused, and well-formed shares that are not the ceremony's.
pub fn share(o: &mut Out, cx: &VectorCeremony) {
    let fp = cx.fp;
    let points = &cx.points;
    let outputs = &cx.outputs;
    let envs = &cx.envs;
    // Share files exactly as the ceremony writes them.
    for (i, (fname, body)) in outputs.shares.iter().enumerate() {
        let stem = if i == 0 {
            "share_valid".to_string()
        } else {
            format!("share_valid-{}", i + 1)
        };
        o.put(&format!("{stem}.txt"), body.as_slice().to_vec());
        let mut e = share_expect(
            &format!(
                "Share {} of the vector ceremony, exactly as written to {fname} (mode 0600): comment header, then the canonical file form.",
                i + 1
            ),
            &envs[i],
            json!([]),
        );
        e["file_name"] = json!(fname);
        o.json(&format!("{stem}.expect.json"), &e);
    }
    let env1 = &envs[0];
    let canon = file_form_of(&rows_of(env1));
    assert_eq!(
        canon.as_bytes(),
        text::encode_file_form(&Envelope::new(&cx.header(1), points[0].y.as_slice()).expect("env"))
            .expect("ff")
            .as_slice()
    );
    let note = |what: &str| format!("# test vector: {what}\n");

    // One typo in row 4.
    let r4 = row_text_of(&canon, 4);
    o.put(
        "share_row4-one-typo.txt",
        note("share_valid.txt with character 6 of row 4 mistyped")
            + &replace_row(&canon, 4, &typo(&r4, 6, 7)),
    );
    o.json(
        "share_row4-one-typo.expect.json",
        &share_expect(
            "One wrong character (row 4, column 6) is corrected by the row code and reported as a correction.",
            env1,
            json!([{"row": 4, "column": 6}]),
        ),
    );
    // Two typos in row 7.
    let r7 = row_text_of(&canon, 7);
    o.put(
        "share_row7-two-typos.txt",
        note("share_valid.txt with characters 2 and 11 of row 7 mistyped")
            + &replace_row(&canon, 7, &typo(&typo(&r7, 2, 1), 11, 30)),
    );
    o.expect_error(
        "share_row7-two-typos",
        "Two wrong characters in one row are always detected and never corrected.",
        "row 7: more than one character is wrong",
    );
    // Rows 4 and 5 swapped.
    let r5 = row_text_of(&canon, 5);
    o.put(
        "share_rows-swapped.txt",
        note("share_valid.txt with the texts of rows 4 and 5 exchanged")
            + &replace_row(&replace_row(&canon, 4, &r5), 5, &r4),
    );
    o.expect_error(
        "share_rows-swapped",
        "The row code covers the (unprinted) row number, so a row typed in the wrong place is recognised.",
        "row 4: this is the text of row 5",
    );
    // Valid rows, bad checksum.
    let mut bad_sum = env1.clone();
    bad_sum[72] ^= 0x01;
    o.put(
        "share_bad-checksum.txt",
        note("every row is a valid codeword, but the envelope checksum is wrong")
            + &file_form_of(&rows_of(&bad_sum)),
    );
    o.expect_error(
        "share_bad-checksum",
        "All 13 rows are valid codewords (row code recomputed over a modified envelope), but the envelope checksum (last byte flipped) does not match.",
        "share checksum mismatch",
    );
    // Compact form.
    o.put("share_compact.txt", compact_of(&rows_of(env1)) + "\n");
    o.json(
        "share_compact.expect.json",
        &share_expect(
            "Compact one-line form of share_valid.txt (QR alphanumeric mode).",
            env1,
            json!([]),
        ),
    );
    // Compact form, lower case, grouped with hyphens and spaces, after a comment.
    let compact = compact_of(&rows_of(env1));
    let body = &compact[5..];
    let grouped: Vec<String> = body
        .as_bytes()
        .chunks(12)
        .map(|c| {
            let s = String::from_utf8_lossy(c).to_lowercase();
            format!("{}-{} {}", &s[..4], &s[4..8], &s[8..])
        })
        .collect();
    o.put(
        "share_compact-grouped.txt",
        note("compact form in lower case, with hyphens and spaces, preceded by a comment")
            + "\n   rks1:"
            + &grouped.join(" ")
            + "  \n\n",
    );
    o.json(
        "share_compact-grouped.expect.json",
        &share_expect("The RKS1: prefix is case-insensitive; spaces and hyphens in the compact form are ignored; blank and comment lines around it are ignored.", env1, json!([])),
    );
    // Lower case and confusables.
    let mut lc = String::new();
    for (n, line) in canon.lines().enumerate() {
        if n == 0 {
            lc.push_str("rootkey   share v1\n");
            continue;
        }
        let (num, rest) = line.split_at(3);
        let mut flip = false;
        let conv: String = rest
            .chars()
            .map(|c| match c {
                '0' => 'o',
                '1' => {
                    flip = !flip;
                    if flip { 'i' } else { 'L' }
                }
                c => c.to_ascii_lowercase(),
            })
            .collect();
        lc.push_str(&format!("{num}{conv}\n"));
    }
    assert!(
        lc.contains('o') && lc.contains('i'),
        "vector needs confusables"
    );
    o.put(
        "share_lowercase-confusables.txt",
        note("lower case; 0 typed as o, 1 as i or L") + &lc,
    );
    o.json(
        "share_lowercase-confusables.expect.json",
        &share_expect(
            "Input is case-insensitive; O/o read as 0, I/i/L/l as 1 (Crockford).",
            env1,
            json!([]),
        ),
    );
    // Layout freedom: comments between rows, blank lines, CRLF, hyphens, tabs, single-digit row numbers.
    let mut free = String::from("# leading comment\r\n\r\nROOTKEY SHARE V1\r\n");
    for (n, line) in canon.lines().skip(1).enumerate() {
        let rest = line[3..].replace(' ', "-");
        if n == 6 {
            free.push_str("  # a comment between rows\r\n\r\n");
        }
        free.push_str(&format!("\t{}\t{}  \r\n", n + 1, rest));
    }
    o.put("share_free-layout.txt", free);
    o.json(
        "share_free-layout.expect.json",
        &share_expect("CRLF line ends, blank and comment lines anywhere, leading/trailing whitespace, tabs and hyphens inside rows, row numbers without leading zero.", env1, json!([])),
    );
    // A UTF-8 byte-order mark before the first line.
    o.put("share_utf8-bom.txt", format!("\u{feff}{canon}"));
    o.json(
        "share_utf8-bom.expect.json",
        &share_expect(
            "A leading UTF-8 byte-order mark (ef bb bf) is not part of the text.",
            env1,
            json!([]),
        ),
    );
    // Missing and skipped rows, other structural errors.
    let lines: Vec<&str> = canon.lines().collect();
    o.put("share_missing-row.txt", lines[..13].join("\n") + "\n");
    o.expect_error(
        "share_missing-row",
        "The share ends after row 12.",
        "row 13 is missing",
    );
    let skipped: Vec<&str> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 9)
        .map(|(_, l)| *l)
        .collect();
    o.put("share_skipped-row.txt", skipped.join("\n") + "\n");
    o.expect_error(
        "share_skipped-row",
        "Row 09 is left out, so row 10 arrives where row 09 is expected.",
        "expected row 09",
    );
    let mut extra = canon.clone();
    extra.push_str("14 0000 0000 0000\n");
    o.put("share_trailing-text.txt", extra);
    o.expect_error(
        "share_trailing-text",
        "Non-comment text after row 13.",
        "unexpected text after row 13",
    );
    o.put(
        "share_bad-header.txt",
        canon.replacen("ROOTKEY SHARE V1", "ROOTKEY SHARE V2", 1),
    );
    o.expect_error(
        "share_bad-header",
        "Unknown header line.",
        "not a rootkey share",
    );
    // The header is ASCII: words split at ASCII whitespace only (space, TAB, FF, CR), compared
    // ASCII case-insensitively; Unicode spaces, VT, a lone byte 85 (NEL in Latin-1) and
    // non-ASCII letters that upper-case to S are not folded.
    for (cond, header, desc) in [
        (
            "header-nbsp",
            "ROOTKEY\u{a0}SHARE V1",
            "U+00A0 NO-BREAK SPACE between the header words.",
        ),
        (
            "header-ideographic-space",
            "ROOTKEY\u{3000}SHARE V1",
            "U+3000 IDEOGRAPHIC SPACE between the header words.",
        ),
        (
            "header-vertical-tab",
            "ROOTKEY\u{b}SHARE V1",
            "VT (0b) between the header words: not ASCII whitespace here.",
        ),
        (
            "header-long-s",
            "ROOTKEY \u{17f}HARE V1",
            "U+017F LATIN SMALL LETTER LONG S, which Unicode upper-cases to S.",
        ),
    ] {
        o.put(
            &format!("share_{cond}.txt"),
            canon.replacen("ROOTKEY SHARE V1", header, 1),
        );
        o.expect_error(&format!("share_{cond}"), desc, "not a rootkey share");
    }
    let mut nel = canon.clone().into_bytes();
    let at = nel.iter().position(|&b| b == b' ').expect("space");
    nel[at] = 0x85;
    o.put("share_header-byte-85.txt", nel);
    o.expect_error(
        "share_header-byte-85",
        "A lone byte 85 (NEL in Latin-1, not UTF-8) between the header words.",
        "not a rootkey share",
    );
    o.put("share_empty.txt", "# only a comment\n\n");
    o.expect_error(
        "share_empty",
        "Nothing but comments and blank lines.",
        "no share found",
    );
    let r3 = row_text_of(&canon, 3);
    o.put(
        "share_bad-character.txt",
        replace_row(&canon, 3, &format!("{}U{}", &r3[..5], &r3[6..])),
    );
    o.expect_error(
        "share_bad-character",
        "U is not in the alphabet; the position counts symbols only (separators skipped).",
        "row 3, character 5: not a share character",
    );
    let r2 = row_text_of(&canon, 2);
    o.put(
        "share_short-row.txt",
        replace_row(&canon, 2, &r2[..r2.len() - 1]),
    );
    o.expect_error(
        "share_short-row",
        "Row 2 has 11 symbols.",
        "row 2: has 11 characters, expected 12",
    );
    o.put(
        "share_compact-short.txt",
        compact[..compact.len() - 1].to_string() + "\n",
    );
    o.expect_error(
        "share_compact-short",
        "155 symbols after RKS1:.",
        "one-line share has 155 characters after RKS1:, expected 156",
    );
    o.put(
        "share_compact-trailing.txt",
        compact.clone() + "\n" + &compact + "\n",
    );
    o.expect_error(
        "share_compact-trailing",
        "A second line after a compact share.",
        "unexpected text after the one-line (RKS1:) share",
    );
    // A row that is the valid text of a row number that does not exist (20) at row 4.
    let r4syms = cx.row_4_as_row_20();
    o.put(
        "share_row-of-row-20.txt",
        note("row 4 carries parity computed for row number 20")
            + &replace_row(&canon, 4, &row_string(&r4syms)),
    );
    o.expect_error(
        "share_row-of-row-20",
        "Row 4's text is a codeword for row number 20 (which no share has). A row number outside 1..13 means at least three errors: reported as uncorrectable.",
        "row 4: more than one character is wrong",
    );
    // Padding bit set (row 13 recomputed so it is a valid codeword).
    let mut pad_rows = rows_of(env1);
    pad_rows[12][8] |= 1;
    let d13: [u8; 9] = pad_rows[12][..9].try_into().expect("9");
    let p13 = rs32::parity(13, &d13);
    pad_rows[12][9..].copy_from_slice(&p13);
    o.put(
        "share_padding-bit.txt",
        note("the padding bit (last bit of row 13, character 9) is 1; row 13 is a valid codeword")
            + &file_form_of(&pad_rows),
    );
    o.expect_error(
        "share_padding-bit",
        "The 585th bit (padding) must be 0.",
        "row 13, character 9: not canonical",
    );
    // Envelope field errors carried in otherwise valid text.
    let field_errors: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "bad-version",
            with_checksum(with_byte(env1, 0, 2)),
            "version byte 2 (checksum recomputed)",
            "share format version 2 is not supported",
        ),
        (
            "unknown-flags",
            with_checksum(with_byte(env1, 1, 0x03)),
            "flags 0x03: bit 1 is not defined",
            "share flags 0x03 has unknown bits set",
        ),
        (
            "index-out-of-range",
            raw_envelope(1, &CEREMONY_ID, &fp, 3, 5, 6, points[0].y.as_slice()),
            "index 6 with n = 5",
            "share says k = 3, n = 5, index = 6: outside",
        ),
    ];
    for (cond, b, desc, msg) in &field_errors {
        o.put(
            &format!("share_{cond}.txt"),
            note(desc) + &file_form_of(&rows_of(b)),
        );
        o.expect_error(
            &format!("share_{cond}"),
            &format!("Valid text and checksum, but {desc}."),
            msg,
        );
    }
    // Valid shares that are not the ceremony's: forged value, other ceremony.
    let forged = cx.forged_share_3();
    o.put(
        "share_forged-value.txt",
        note("share 3 with one bit of its value changed and the checksum recomputed")
            + &file_form_of(&rows_of(&forged)),
    );
    o.json("share_forged-value.expect.json", &share_expect("A well-formed share: the text form and checksum cannot tell it from the real share 3. Only the manifest digest can (shareverify_forged-value.json).", &forged, json!([])));
    let mut other_id = CEREMONY_ID;
    other_id[15] ^= 0xff;
    let other = raw_envelope(1, &other_id, &fp, 3, 5, 2, points[1].y.as_slice());
    o.put(
        "share_other-ceremony.txt",
        note("share 2 with another ceremony id") + &file_form_of(&rows_of(&other)),
    );
    o.json(
        "share_other-ceremony.expect.json",
        &share_expect(
            "A well-formed share of another ceremony.",
            &other,
            json!([]),
        ),
    );
}
