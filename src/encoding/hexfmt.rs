//! Hashes as people compare them: fingerprints in groups of four hex digits, the CSR hash in
//! hex groups and PGP words, and a SHA-256 typed or given on the command line.

use crate::error::{Error, Kind, Result};

/// Formats a 32-byte fingerprint as `SHA256:` + hex in groups of 4.
pub fn fingerprint_display(fp: &[u8; 32]) -> String {
    let h = hex::encode(fp);
    let groups: Vec<&str> = (0..h.len()).step_by(4).map(|i| &h[i..i + 4]).collect();
    format!("SHA256:{}", groups.join(" "))
}

/// A hash in the two forms people compare: hex in groups (two lines of eight), and PGP words.
pub fn hash_display(h: &[u8; 32]) -> String {
    let hex = hex::encode(h);
    let groups: Vec<&str> = (0..16).map(|i| &hex[i * 4..i * 4 + 4]).collect();
    format!(
        "  {}\n  {}\n  PGP words:\n    {}\n",
        groups[..8].join(" "),
        groups[8..].join(" "),
        crate::pgpwords::grouped(h, 8).join("\n    ")
    )
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
        assert_eq!(hash_display(&[0; 32]).lines().count(), 4 + 3);
    }
}
