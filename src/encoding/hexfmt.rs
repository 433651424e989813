//! Hashes as people compare them: fingerprints in groups of four hex digits, the CSR hash in
//! hex groups and PGP words, and a SHA-256 typed or given on the command line.

use crate::error::{Error, Kind, Result};

/// Formats a 32-byte fingerprint as `SHA256:` + hex in groups of 4.
pub fn fingerprint_display(fp: &[u8; 32]) -> String {
    let h = hex::encode(fp);
    let groups: Vec<&str> = (0..h.len()).step_by(4).map(|i| &h[i..i + 4]).collect();
    format!("SHA256:{}", groups.join(" "))
}

/// A hash in the two forms people compare: hex in groups (two lines of eight), and PGP words
/// (rows within 80 columns, [`pgp_word_lines`]).
pub fn hash_display(h: &[u8; 32]) -> String {
    let hex = hex::encode(h);
    let groups: Vec<&str> = (0..16).map(|i| &hex[i * 4..i * 4 + 4]).collect();
    format!(
        "  {}\n  {}\n  PGP words:\n{}\n",
        groups[..8].join(" "),
        groups[8..].join(" "),
        pgp_word_lines(h, 4, 80).join("\n")
    )
}

/// The PGP words of `h` for reading aloud: four rows of eight words (eight bytes, four hex
/// groups each), each row at `indent` columns. A row that would pass `width` continues on a
/// further line indented two more columns, never between the two words of one hex group.
pub fn pgp_word_lines(h: &[u8; 32], indent: usize, width: usize) -> Vec<String> {
    let words = crate::pgpwords::encode(h);
    let mut lines = Vec::new();
    for row in words.chunks(8) {
        let mut line = " ".repeat(indent);
        let mut empty = true;
        for pair in row.chunks(2) {
            let pair = pair.join(" ");
            if !empty && line.chars().count() + 1 + pair.chars().count() > width {
                lines.push(std::mem::replace(&mut line, " ".repeat(indent + 2)));
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(&pair);
            empty = false;
        }
        lines.push(line);
    }
    lines
}

/// `text` with every line longer than `width` broken at spaces, each continuation indented
/// four columns more than its line (a word longer than the room stays whole): for screens
/// of labelled values (the confirmation summaries) whose values can be long (names,
/// extension values, revocation entries).
pub fn wrap_indented(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line.chars().count() <= width {
            out.push_str(line);
            continue;
        }
        let lead = line.len() - line.trim_start_matches(' ').len();
        let indent = " ".repeat(lead + 4);
        let mut col = 0;
        for (j, word) in line[lead..].split(' ').enumerate() {
            let w = word.chars().count();
            if j == 0 {
                out.push_str(&line[..lead]);
                col = lead;
            } else if col + 1 + w > width && col > indent.len() {
                out.push('\n');
                out.push_str(&indent);
                col = indent.len();
            } else {
                out.push(' ');
                col += 1;
            }
            out.push_str(word);
            col += w;
        }
    }
    out
}

/// A hash as two lines of eight groups of four hex digits, the second line indented by
/// `indent` columns so that it lines up under the first when that follows a label.
pub fn hex_lines(h: &[u8; 32], indent: usize) -> String {
    let hex = hex::encode(h);
    let groups: Vec<&str> = (0..16).map(|i| &hex[i * 4..i * 4 + 4]).collect();
    format!(
        "{}\n{}{}",
        groups[..8].join(" "),
        " ".repeat(indent),
        groups[8..].join(" ")
    )
}

/// A certificate serial or CRL number as people compare it, the way `openssl x509 -noout
/// -serial` and `openssl crl -text` print it: the integer's value in upper-case hex, without
/// the DER sign byte (`00` before a first byte of `80` or above) or any other leading zero
/// byte (`0` is `00`). `der` is the DER INTEGER's content bytes (the form transcripts record).
pub fn serial_display(der: &[u8]) -> String {
    let start = der.iter().position(|b| *b != 0).unwrap_or(der.len());
    if start == der.len() {
        return "00".into();
    }
    hex::encode_upper(&der[start..])
}

/// [`serial_display`] of a serial recorded as lower-case hex (a transcript's `NUMBER`); text
/// that is not hex is shown as it is.
pub fn serial_hex_display(recorded: &str) -> String {
    match hex::decode(recorded) {
        Ok(b) if !b.is_empty() => serial_display(&b),
        _ => recorded.to_string(),
    }
}

/// Parses a SHA-256 given as hex (spaces, colons and dashes ignored, any case).
pub fn parse_sha256(s: &str, what: &str) -> Result<[u8; 32]> {
    let h: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':' && *c != '-')
        .collect();
    let mut out = [0u8; 32];
    if h.len() != 64 || hex::decode_to_slice(&h, &mut out).is_err() {
        return Err(Error::new(
            Kind::TypedValue,
            format!("{what}: not a SHA-256 (64 hex digits; spaces and colons are ignored)"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn serials_as_openssl_prints_them() {
        assert_eq!(super::serial_display(&[0x00, 0x9f, 0x01]), "9F01");
        assert_eq!(super::serial_display(&[0x7f, 0x00]), "7F00");
        assert_eq!(super::serial_display(&[0x00]), "00");
        assert_eq!(super::serial_hex_display("00c0ffee"), "C0FFEE");
        assert_eq!(super::serial_hex_display("not hex"), "not hex");
    }

    #[test]
    fn hashes_and_long_lines_fit_80_columns() {
        let h = [0xffu8; 32];
        let shown = super::hash_display(&h);
        assert!(shown.lines().all(|l| l.chars().count() <= 80), "{shown}");
        let rows = super::pgp_word_lines(&h, 4, 80);
        assert!(rows.len() >= 4, "{rows:?}");
        let text = format!("  Subject:  {}\nshort\n", "word ".repeat(30).trim_end());
        let w = super::wrap_indented(&text, 80);
        assert!(w.lines().all(|l| l.chars().count() <= 80), "{w}");
        assert_eq!(w.lines().nth(1).map(|l| &l[..7]), Some("      w"), "{w}");
        assert!(w.ends_with("\nshort\n"), "{w}");
        assert_eq!(super::wrap_indented("  fits\n", 80), "  fits\n");
    }

    #[test]
    fn hex_lines_fit_under_a_label() {
        let h: [u8; 32] = std::array::from_fn(|i| i as u8);
        assert_eq!(
            super::hex_lines(&h, 4),
            "0001 0203 0405 0607 0809 0a0b 0c0d 0e0f\n    1011 1213 1415 1617 1819 1a1b 1c1d 1e1f"
        );
    }

    use super::*;

    #[test]
    fn hashes() {
        let h = parse_sha256(&"ab".repeat(32), "x").unwrap();
        assert_eq!(h, [0xab; 32]);
        assert!(parse_sha256("AB:AB", "x").is_err());
        let fp = fingerprint_display(&[0x12; 32]);
        assert!(fp.starts_with("SHA256:1212 1212 "), "{fp}");
        // Eight words of a zero hash take 83 columns at 4: each row is cut in two.
        let zero = hash_display(&[0; 32]);
        assert_eq!(zero.lines().count(), 3 + 8, "{zero}");
        assert!(zero.lines().all(|l| l.chars().count() <= 80), "{zero}");
        assert_eq!(
            zero.lines().nth(3),
            Some("    aardvark adroitness aardvark adroitness aardvark adroitness")
        );
    }
}
