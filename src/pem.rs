//! The one strict PEM reader (RFC 7468 textual encoding): every PEM input rootkey reads —
//! root.pem, certificates for `chain verify` and `--previous`, CSRs, CRLs, witness keys,
//! issued artifacts under `transcript verify --artifacts` — goes through [`read`] (or
//! [`read_secret`] for a private key). Specification: `docs/formats.md`, "PEM (all PEM
//! inputs)". A foundation module: it knows PEM and nothing about certificates or ceremonies.
//!
//! Why strict: a verifier that skips what it does not recognise can be fooled. A revoked
//! intermediate under `-----BEGIN X509 CERTIFICATE-----`, or under a damaged BEGIN line, used
//! to be dropped silently while `openssl` (and a customer) read it. So every line that looks
//! like an encapsulation boundary must be one, and every block must carry a label expected at
//! that place; anything else is refused, naming the file, the block and the line.

use zeroize::Zeroizing;

use crate::error::Kind;
use crate::{Error, Result};

/// What a caller expects at its place.
#[derive(Clone, Copy, Debug)]
pub struct Expect<'a> {
    /// The labels accepted (the first is the one named in messages).
    pub labels: &'a [&'a str],
    /// What one block holds, for messages ("certificate", "certificate request").
    pub what: &'a str,
    /// Exactly one block (true), or one or more (false).
    pub one: bool,
    /// Whether a DER object (the whole file one DER SEQUENCE) is accepted instead of PEM.
    pub der: bool,
}

/// One block read.
#[derive(Debug)]
pub struct Block {
    /// Its label (empty for a DER file).
    pub label: String,
    /// Its content, decoded.
    pub der: Vec<u8>,
    /// 1-based block number in the file.
    pub number: usize,
    /// 1-based line number of its BEGIN line (0 for a DER file).
    pub line: usize,
}

/// A block as found in the text, not yet decoded.
struct Raw<'t> {
    label: &'t str,
    line: usize,
    /// The base64 lines (trailing whitespace already removed).
    body: Vec<&'t str>,
    /// The first empty line inside the block (refused once another line follows it; at the
    /// end of the file the missing END line is the error).
    empty: Option<usize>,
}

/// True when `bytes` is exactly one DER SEQUENCE (tag 0x30 and a length, in short or long
/// form, that covers the whole input): such input is read as DER, anything else as PEM text.
pub fn is_der(bytes: &[u8]) -> bool {
    let (Some(&0x30), Some(&l)) = (bytes.first(), bytes.get(1)) else {
        return false;
    };
    let (header, len) = if l < 0x80 {
        (2usize, usize::from(l))
    } else {
        let n = usize::from(l & 0x7f);
        if n == 0 || n > 4 || bytes.len() < 2 + n {
            return false;
        }
        let len = bytes[2..2 + n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | usize::from(*b));
        (2 + n, len)
    };
    header.checked_add(len) == Some(bytes.len())
}

/// Reads the blocks of a PEM file (or a DER object, if `expect.der`), per the rules of
/// `docs/formats.md`, "PEM (all PEM inputs)". `origin` names the file in every message.
pub fn read(bytes: &[u8], origin: &str, expect: &Expect<'_>) -> Result<Vec<Block>> {
    if expect.der && is_der(bytes) {
        return Ok(vec![Block {
            label: String::new(),
            der: bytes.to_vec(),
            number: 1,
            line: 0,
        }]);
    }
    let text = String::from_utf8_lossy(bytes);
    let raws = blocks(&text, origin, expect, bytes.first() == Some(&0x30))?;
    if raws.is_empty() {
        // No PEM block, and the file starts like DER: the DER decoder says what is wrong
        // (e.g. a truncated DER file, whose length no longer covers it).
        return Ok(vec![Block {
            label: String::new(),
            der: bytes.to_vec(),
            number: 1,
            line: 0,
        }]);
    }
    let mut out = Vec::with_capacity(raws.len());
    for (i, r) in raws.iter().enumerate() {
        let mut der = Vec::new();
        decode_body(r, i + 1, origin, &mut der)?;
        out.push(Block {
            label: r.label.to_string(),
            der,
            number: i + 1,
            line: r.line,
        });
    }
    Ok(out)
}

/// Reads exactly one PEM block holding secret material (a private key), decoding it into a
/// buffer that is zeroized when dropped; returns its label and content. Messages never quote
/// the file's lines.
pub fn read_secret(
    bytes: &[u8],
    origin: &str,
    expect: &Expect<'_>,
) -> Result<(String, Zeroizing<Vec<u8>>)> {
    let text = Zeroizing::new(String::from_utf8_lossy(bytes).into_owned());
    let one = Expect {
        one: true,
        ..*expect
    };
    let raws = blocks_inner(&text, origin, &one, false, false)?;
    // Capacity for the whole body up front: the buffer is never reallocated (a reallocation
    // would leave an unzeroized copy behind).
    let cap = raws[0].body.iter().map(|l| l.len()).sum::<usize>() / 4 * 3 + 3;
    let mut der = Zeroizing::new(Vec::with_capacity(cap));
    decode_body(&raws[0], 1, origin, &mut der)?;
    Ok((raws[0].label.to_string(), der))
}

/// The blocks of a public file; with `may_be_der` (DER accepted and the file starts with byte
/// 30), no block at all gives an empty list instead of an error.
fn blocks<'t>(
    text: &'t str,
    origin: &str,
    expect: &Expect<'_>,
    may_be_der: bool,
) -> Result<Vec<Raw<'t>>> {
    blocks_inner(text, origin, expect, true, expect.der && may_be_der)
}

/// The bad-boundary message, quoting the line when `quote`.
fn bad_line(origin: &str, n: usize, line: &str, quote: bool, why: &str) -> Error {
    let shown = if quote {
        format!(" {:?}", line.chars().take(80).collect::<String>())
    } else {
        String::new()
    };
    Error::new(Kind::Pem, format!("{origin}: line {n}:{shown} {why}")).hint(
        "get an intact copy of the file from its source; rootkey reads only well-formed PEM \
         blocks (docs/formats.md, \"PEM\"), because a block under a damaged line would be \
         read by other tools but not checked",
    )
}

fn blocks_inner<'t>(
    text: &'t str,
    origin: &str,
    expect: &Expect<'_>,
    quote: bool,
    none_ok: bool,
) -> Result<Vec<Raw<'t>>> {
    let mut out: Vec<Raw<'t>> = Vec::new();
    let mut open: Option<Raw<'t>> = None;
    let not_boundary = "looks like a PEM boundary but is not a well-formed \
                        \"-----BEGIN LABEL-----\" or \"-----END LABEL-----\" line";
    for (i, raw_line) in text.lines().enumerate() {
        let n = i + 1;
        // CRLF line ends and trailing spaces and tabs are accepted on every line.
        let line = raw_line
            .strip_suffix('\r')
            .unwrap_or(raw_line)
            .trim_end_matches([' ', '\t']);
        match open.as_mut() {
            None => {
                if let Some(label) = boundary(line, "BEGIN") {
                    open = Some(Raw {
                        label,
                        line: n,
                        body: Vec::new(),
                        empty: None,
                    });
                } else if boundary_like(line) {
                    let why = if boundary(line, "END").is_some() {
                        "is an END line outside any block"
                    } else {
                        not_boundary
                    };
                    return Err(bad_line(origin, n, line, quote, why));
                }
                // Anything else outside a block is explanatory text (RFC 7468 §5.2).
            }
            Some(block) => {
                if line.is_empty() {
                    block.empty = block.empty.or(Some(n));
                    continue;
                }
                if let Some(e) = block.empty {
                    return Err(bad_line(
                        origin,
                        e,
                        "",
                        false,
                        &format!("empty line inside PEM block {}", out.len() + 1),
                    ));
                }
                if let Some(label) = boundary(line, "END") {
                    if label != block.label {
                        return Err(bad_line(
                            origin,
                            n,
                            line,
                            quote,
                            &format!(
                                "END line of block {} does not match its BEGIN line ({:?}, line {})",
                                out.len() + 1,
                                block.label,
                                block.line
                            ),
                        ));
                    }
                    if let Some(b) = open.take() {
                        out.push(b);
                    }
                } else if boundary(line, "BEGIN").is_some() {
                    return Err(bad_line(
                        origin,
                        n,
                        line,
                        quote,
                        &format!(
                            "block {} (BEGIN at line {}) has no END line before this BEGIN line",
                            out.len() + 1,
                            block.line
                        ),
                    ));
                } else if boundary_like(line) {
                    return Err(bad_line(origin, n, line, quote, not_boundary));
                } else if let Some(c) = line.chars().find(|c| !is_b64(*c)) {
                    let why = if line.contains(':') {
                        format!(
                            "PEM block {}: encapsulated headers (such as Proc-Type) are not supported",
                            out.len() + 1
                        )
                    } else {
                        format!(
                            "PEM block {}: {:?} is not a base64 character (A-Z a-z 0-9 + / =, no spaces)",
                            out.len() + 1,
                            if quote { c } else { '?' }
                        )
                    };
                    return Err(bad_line(origin, n, line, false, &why));
                } else {
                    block.body.push(line);
                }
            }
        }
    }
    if let Some(b) = open {
        return Err(Error::new(
            Kind::Pem,
            format!(
                "{origin}: PEM block {} (BEGIN at line {}) has no \"-----END {}-----\" line",
                out.len() + 1,
                b.line,
                b.label
            ),
        )
        .hint("the file is truncated: get a complete copy from its source"));
    }
    let wanted = expect.labels.first().copied().unwrap_or("");
    if out.is_empty() && none_ok {
        return Ok(out);
    }
    if out.is_empty() {
        let or_der = if expect.der { " and not DER" } else { "" };
        return Err(Error::new(
            Kind::Pem,
            format!("{origin}: no PEM \"{wanted}\" block{or_der}"),
        )
        .hint(format!(
            "give the {} as PEM (\"-----BEGIN {wanted}-----\"){}",
            expect.what,
            if expect.der { " or DER" } else { "" }
        )));
    }
    for (i, b) in out.iter().enumerate() {
        if !expect.labels.contains(&b.label) {
            let names: Vec<String> = expect.labels.iter().map(|l| format!("{l:?}")).collect();
            return Err(Error::new(Kind::Pem, format!(
                "{origin}: PEM block {} (line {}) is labelled {:?}; only {} is accepted here",
                i + 1,
                b.line,
                b.label,
                names.join(" or ")
            ))
            .hint(format!(
                "give a file that holds only {} block(s); rootkey refuses every other block rather than skip it",
                expect.labels.first().copied().unwrap_or("")
            )));
        }
    }
    if expect.one && out.len() != 1 {
        return Err(Error::new(
            Kind::Pem,
            format!(
                "{origin}: holds {} PEM blocks; exactly one {} is expected",
                out.len(),
                expect.what
            ),
        )
        .hint(format!("give a file that holds only the {}", expect.what)));
    }
    Ok(out)
}

/// The label of `line` if it is exactly `-----KIND LABEL-----` with an RFC 7468 label
/// (labelchar = %x21-2C / %x2E-7E, single spaces or hyphens between labelchars, not empty).
fn boundary<'t>(line: &'t str, kind: &str) -> Option<&'t str> {
    let label = line
        .strip_prefix("-----")?
        .strip_prefix(kind)?
        .strip_prefix(' ')?
        .strip_suffix("-----")?;
    let b = label.as_bytes();
    let labelchar = |c: u8| (0x21..=0x7e).contains(&c) && c != b'-';
    let ok = !b.is_empty()
        && labelchar(b[0])
        && labelchar(b[b.len() - 1])
        && b.iter().all(|&c| labelchar(c) || c == b' ' || c == b'-')
        && !b.windows(2).any(|w| !labelchar(w[0]) && !labelchar(w[1]));
    ok.then_some(label)
}

/// A line that looks like an encapsulation boundary: it contains four hyphens in a row, or,
/// after leading spaces, tabs and hyphens, starts with `BEGIN ` or `END `.
fn boundary_like(line: &str) -> bool {
    let s = line.trim_start_matches([' ', '\t', '-']);
    line.contains("----") || s.starts_with("BEGIN ") || s.starts_with("END ")
}

fn is_b64(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='
}

fn b64_value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes the body of block `number` into `out`: the lines joined must be canonical base64
/// (RFC 4648 §4: length a multiple of 4, `=` padding only at the end, unused bits zero).
fn decode_body(r: &Raw<'_>, number: usize, origin: &str, out: &mut Vec<u8>) -> Result<()> {
    let bad = |why: &str| {
        Error::new(
            Kind::Pem,
            format!("{origin}: PEM block {number} (line {}): {why}", r.line),
        )
        .hint("get an intact copy of the file from its source")
    };
    let total: usize = r.body.iter().map(|l| l.len()).sum();
    if total == 0 {
        return Err(bad("holds no data"));
    }
    if !total.is_multiple_of(4) {
        return Err(bad(
            "the base64 text is not a multiple of 4 characters (truncated or padding missing)",
        ));
    }
    let mut quad = [0u8; 4];
    let mut k = 0;
    let mut seen = 0usize;
    for line in &r.body {
        for &c in line.as_bytes() {
            quad[k] = c;
            k += 1;
            seen += 1;
            if k < 4 {
                continue;
            }
            k = 0;
            let last = seen == total;
            let pad = quad.iter().rev().take_while(|&&c| c == b'=').count();
            if pad > 2 || (pad > 0 && !last) || quad[..4 - pad].contains(&b'=') {
                return Err(bad("\"=\" padding inside the base64 text"));
            }
            let mut v = 0u32;
            for &c in &quad[..4 - pad] {
                v = (v << 6) | b64_value(c).ok_or_else(|| bad("not base64"))?;
            }
            v <<= 6 * pad as u32;
            let bytes = v.to_be_bytes();
            let keep = 3 - pad;
            if bytes[1 + keep..].iter().any(|&b| b != 0) {
                return Err(bad(
                    "the base64 text is not canonical (non-zero bits in its last character)",
                ));
            }
            // Never reallocates for read_secret (capacity reserved); fine for public data.
            out.extend_from_slice(&bytes[1..1 + keep]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: Expect<'static> = Expect {
        labels: &["CERTIFICATE"],
        what: "certificate",
        one: false,
        der: true,
    };

    fn pem(label: &str, der: &[u8]) -> String {
        use std::fmt::Write;
        let mut b64 = String::new();
        let t = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for c in der.chunks(3) {
            let v = c
                .iter()
                .enumerate()
                .fold(0u32, |a, (i, b)| a | u32::from(*b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= c.len() {
                    b64.push(t[(v >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    b64.push('=');
                }
            }
        }
        let mut s = format!("-----BEGIN {label}-----\n");
        for l in b64.as_bytes().chunks(64) {
            let _ = writeln!(s, "{}", std::str::from_utf8(l).unwrap());
        }
        let _ = writeln!(s, "-----END {label}-----");
        s
    }

    /// The message of a refusal, which must be of kind [`Kind::Pem`].
    fn err(text: &str) -> String {
        let e = read(text.as_bytes(), "f.pem", &CERT).unwrap_err();
        assert_eq!(e.kind, Kind::Pem, "{}", e.message);
        e.message
    }

    fn secret_err(text: &str, exp: &Expect) -> String {
        let e = read_secret(text.as_bytes(), "k", exp).unwrap_err();
        assert_eq!(e.kind, Kind::Pem, "{}", e.message);
        e.message
    }

    #[test]
    fn reads_blocks_text_crlf_trailing_whitespace_and_any_wrapping() {
        let der: Vec<u8> = (0u8..=200).collect();
        let one = pem("CERTIFICATE", &der);
        let text = format!("Certificate:\n  made by hand\n{one}\nsome text\n{one}");
        let b = read(text.as_bytes(), "f", &CERT).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(
            (b[0].der.clone(), b[0].line, b[1].line),
            (der.clone(), 3, 12)
        );
        let crlf = one.replace('\n', " \t\r\n");
        assert_eq!(read(crlf.as_bytes(), "f", &CERT).unwrap()[0].der, der);
        let joined: String = {
            let lines: Vec<&str> = one.lines().collect();
            format!(
                "{}\n{}\n{}\n",
                lines[0],
                lines[1..lines.len() - 1].concat(),
                lines[lines.len() - 1]
            )
        };
        assert_eq!(read(joined.as_bytes(), "f", &CERT).unwrap()[0].der, der);
        for n in 0..4 {
            let d = vec![0xffu8; n + 1];
            assert_eq!(
                read(pem("CERTIFICATE", &d).as_bytes(), "f", &CERT).unwrap()[0].der,
                d
            );
        }
    }

    #[test]
    fn der_is_recognised_only_when_one_sequence_covers_the_input() {
        assert!(is_der(&[0x30, 0x00]));
        assert!(is_der(&[0x30, 0x81, 0x01, 0x05]));
        assert!(!is_der(&[0x30, 0x03, 0x01]));
        assert!(!is_der(b"0 warnings\n"));
        assert_eq!(read(&[0x30, 0x00], "f", &CERT).unwrap()[0].der, [0x30, 0]);
    }

    #[test]
    fn unrecognised_and_damaged_blocks_are_refused() {
        let good = pem("CERTIFICATE", &[1, 2, 3]);
        let other = pem("X509 CERTIFICATE", &[4, 5, 6]);
        assert_eq!(
            err(&format!("{good}{other}")),
            "f.pem: PEM block 2 (line 4) is labelled \"X509 CERTIFICATE\"; only \"CERTIFICATE\" is accepted here"
        );
        for damaged in [
            "-----BEGIN CERTIFICATE----",
            "----BEGIN CERTIFICATE-----",
            "----BEGIN CERTIFICATE----",
            " -----BEGIN CERTIFICATE-----",
            "-BEGIN CERTIFICATE-",
            "-----BEGIN  CERTIFICATE-----",
            "-----BEGIN CERTIFICATE-----x",
        ] {
            let text = format!(
                "{good}{}",
                other.replace("-----BEGIN X509 CERTIFICATE-----", damaged)
            );
            assert_eq!(
                err(&text),
                format!(
                    "f.pem: line 4: {damaged:?} looks like a PEM boundary but is not a well-formed \"-----BEGIN LABEL-----\" or \"-----END LABEL-----\" line"
                ),
                "{damaged}"
            );
        }
        assert!(err(&format!("{good}-----END CERTIFICATE-----\n")).contains(
            "f.pem: line 4: \"-----END CERTIFICATE-----\" is an END line outside any block"
        ));
        assert!(
            err(&good.replace(
                "-----END CERTIFICATE-----",
                "-----END X509 CERTIFICATE-----"
            ))
            .contains("does not match its BEGIN line")
        );
        assert!(
            err(&good.replace("\n-----END CERTIFICATE-----\n", "\n")).contains(
                "PEM block 1 (BEGIN at line 1) has no \"-----END CERTIFICATE-----\" line"
            )
        );
        assert!(
            err(&good.replace("AQID", "AQID\n\nAQID")).contains("empty line inside PEM block 1")
        );
        assert!(
            err(&good.replace("AQID", " AQID"))
                .contains("line 2: PEM block 1: ' ' is not a base64 character")
        );
        assert!(
            err(&good.replace("AQID", "Proc-Type: 4,ENCRYPTED\nAQID"))
                .contains("encapsulated headers")
        );
        assert!(err(&good.replace("AQID", "AQI")).contains("not a multiple of 4"));
        assert!(err(&good.replace("AQID", "AQ==AQID")).contains("padding inside"));
        assert!(err(&good.replace("AQID", "AQJ=")).contains("not canonical"));
        assert!(err("hello\n").contains("no PEM \"CERTIFICATE\" block and not DER"));
        let one = Expect { one: true, ..CERT };
        let two = format!("{good}{good}");
        let e = read(two.as_bytes(), "f", &one).unwrap_err();
        assert_eq!(e.kind, Kind::Pem);
        assert_eq!(
            e.message,
            "f: holds 2 PEM blocks; exactly one certificate is expected"
        );
    }

    #[test]
    fn secret_reads_never_quote_lines() {
        let exp = Expect {
            labels: &["PRIVATE KEY"],
            what: "private key",
            one: true,
            der: false,
        };
        let k = pem("PRIVATE KEY", &[9; 48]);
        assert_eq!(
            read_secret(k.as_bytes(), "k", &exp).unwrap().1.as_slice(),
            [9; 48]
        );
        let bad = k.replace("-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY----");
        let e = secret_err(&bad, &exp);
        assert_eq!(
            e,
            "k: line 1: looks like a PEM boundary but is not a well-formed \"-----BEGIN LABEL-----\" or \"-----END LABEL-----\" line"
        );
        let e = secret_err(&k.replace("CQkJ", "CQk*"), &exp);
        assert!(e.contains("'?' is not a base64"), "{e}");
    }
}
