//! Byte offsets for DER decoding errors. The `der` crate knows the position of most errors
//! but not of all: an unexpected tag or an invalid value found inside a nested structure
//! (about a fifth of single-byte corruptions of a certificate or CRL) comes back without one.
//! [`describe`] finds the offending element itself, so that every DER error names a byte.

use der::{Decode, Encode, Length, Tag};

/// The one-byte encoding of a tag (None for multi-byte tags, which rootkey's formats lack).
fn byte(t: Tag) -> Option<u8> {
    match t.to_der().ok()?.as_slice() {
        [b] => Some(*b),
        _ => None,
    }
}

/// One element of the DER tree: offset of its tag byte, its tag, and its whole encoding.
struct Tlv {
    offset: usize,
    tag: u8,
    end: usize,
}

/// Every element in pre-order, descending into constructed ones; stops at the first element
/// that does not parse (its offset is then the second value).
fn walk(der: &[u8]) -> (Vec<Tlv>, Option<usize>) {
    let mut out = Vec::new();
    let mut stack = vec![(0usize, der.len())];
    while let Some((mut at, end)) = stack.pop() {
        let mut children = Vec::new();
        while at < end {
            let tag = der[at];
            let Some(&l) = der.get(at + 1) else {
                return (out, Some(at));
            };
            let (header, len) = if l < 0x80 {
                (2, usize::from(l))
            } else {
                let n = usize::from(l & 0x7f);
                if n == 0 || n > 4 || at + 2 + n > end {
                    return (out, Some(at));
                }
                let len = der[at + 2..at + 2 + n]
                    .iter()
                    .fold(0usize, |a, b| (a << 8) | usize::from(*b));
                (2 + n, len)
            };
            let stop = at + header + len;
            if tag & 0x1f == 0x1f || stop > end {
                return (out, Some(at));
            }
            out.push(Tlv {
                offset: at,
                tag,
                end: stop,
            });
            if tag & 0x20 != 0 {
                children.push((at + header, stop));
            }
            at = stop;
        }
        // Pre-order overall is not needed: candidates are tried in offset order below.
        stack.extend(children.into_iter().rev());
    }
    out.sort_by_key(|t| t.offset);
    (out, None)
}

/// Whether one primitive element is invalid for its universal type.
fn invalid_value(tlv: &[u8]) -> bool {
    use der::asn1::{
        BitStringRef, GeneralizedTime, Ia5StringRef, IntRef, ObjectIdentifier, PrintableStringRef,
        UtcTime, Utf8StringRef,
    };
    match tlv.first() {
        Some(0x01) => bool::from_der(tlv).is_err(),
        Some(0x02) => IntRef::from_der(tlv).is_err(),
        Some(0x03) => BitStringRef::from_der(tlv).is_err(),
        Some(0x06) => <ObjectIdentifier>::from_der(tlv).is_err(),
        Some(0x0c) => Utf8StringRef::from_der(tlv).is_err(),
        Some(0x13) => PrintableStringRef::from_der(tlv).is_err(),
        Some(0x16) => Ia5StringRef::from_der(tlv).is_err(),
        Some(0x17) => UtcTime::from_der(tlv).is_err(),
        Some(0x18) => GeneralizedTime::from_der(tlv).is_err(),
        _ => false,
    }
}

/// Candidates are tried for at most this many elements (a 16 MiB CRL has millions).
const MAX_TRIES: usize = 4096;

/// The offset of the element that makes `decode` fail with `e`, when `e` has none.
fn locate(
    e: der::Error,
    der: &[u8],
    decode: &dyn Fn(&[u8]) -> Option<der::Error>,
) -> Option<usize> {
    let (tlvs, broken) = walk(der);
    if let Some(at) = broken {
        return Some(at);
    }
    match e.kind() {
        der::ErrorKind::TagUnexpected {
            expected: Some(expected),
            actual,
        } => {
            let (want, got) = (byte(expected)?, byte(actual)?);
            // The element whose tag, put right, removes this error.
            tlvs.iter()
                .filter(|t| t.tag == got)
                .take(MAX_TRIES)
                .find(|t| {
                    let mut fixed = der.to_vec();
                    fixed[t.offset] = want;
                    decode(&fixed) != Some(e)
                })
                .map(|t| t.offset)
        }
        der::ErrorKind::Value { tag } | der::ErrorKind::Noncanonical { tag } => {
            let tag = byte(tag)?;
            let candidates: Vec<&Tlv> = tlvs.iter().filter(|t| t.tag == tag).collect();
            // An element invalid for its type; else an INTEGER whose value the structure
            // refuses (e.g. a version out of range): the one that, set to a plain small value
            // of the same length, removes this error; else the only element with that tag.
            let invalid = candidates
                .iter()
                .find(|t| invalid_value(&der[t.offset..t.end]));
            let refused_integer = || {
                candidates.iter().take(MAX_TRIES).find(|t| {
                    let header = if der[t.offset + 1] < 0x80 {
                        2
                    } else {
                        2 + usize::from(der[t.offset + 1] & 0x7f)
                    };
                    let content = t.offset + header..t.end;
                    if tag != 0x02 || content.is_empty() {
                        return false;
                    }
                    let mut fixed = der.to_vec();
                    fixed[content.clone()].fill(0);
                    fixed[content.start] = if content.len() == 1 { 0 } else { 1 };
                    decode(&fixed) != Some(e)
                })
            };
            invalid
                .or_else(refused_integer)
                .or_else(|| (candidates.len() == 1).then(|| &candidates[0]))
                .map(|t| t.offset)
        }
        _ => None,
    }
}

/// `e` as text with its byte offset (`… at DER byte N`), found by [`locate`] when the `der`
/// crate did not record one. `decode` re-runs the decoder that failed.
pub fn describe(e: der::Error, der: &[u8], decode: &dyn Fn(&[u8]) -> Option<der::Error>) -> String {
    if e.position().is_some() {
        return e.to_string();
    }
    match locate(e, der, decode).and_then(|at| Length::try_from(at).ok()) {
        Some(at) => der::Error::new(e.kind(), at).to_string(),
        None => format!("{e} (byte offset unknown)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::Certificate;

    fn cert_der() -> Vec<u8> {
        let pem = include_str!("../../tests/vectors/cert_valid.pem");
        crate::pem::read(pem.as_bytes(), "t", &super::super::chain::CERTIFICATES)
            .unwrap()
            .remove(0)
            .der
    }

    fn decode(d: &[u8]) -> Option<der::Error> {
        Certificate::from_der(d).err()
    }

    #[test]
    fn every_single_byte_corruption_of_a_certificate_gets_an_offset() {
        let der = cert_der();
        let (mut errors, mut unknown) = (0, Vec::new());
        for i in 0..der.len() {
            for bit in [0x01u8, 0x80, 0xff] {
                let mut d = der.clone();
                d[i] ^= bit;
                if let Some(e) = decode(&d) {
                    errors += 1;
                    let text = describe(e, &d, &decode);
                    if !text.contains("at DER byte") {
                        unknown.push((i, text));
                    }
                }
            }
        }
        assert!(errors > 400, "{errors}");
        assert!(
            unknown.is_empty(),
            "{} of {errors} without offset: {unknown:?}",
            unknown.len()
        );
    }

    #[test]
    fn a_wrong_tag_is_located_at_its_element() {
        let mut der = cert_der();
        // The serial number INTEGER: SEQ(4 bytes) SEQ(4 bytes) [0](5 bytes) then 02.
        let at = 4 + 4 + 5;
        assert_eq!(der[at], 0x02);
        der[at] = 0x04;
        let e = decode(&der).unwrap();
        assert!(e.position().is_none());
        assert!(describe(e, &der, &decode).ends_with(&format!("at DER byte {at}")));
    }
}
