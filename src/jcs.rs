//! RFC 8785 JSON Canonicalization Scheme, for the documents rootkey signs.
//!
//! Our documents hold only objects, arrays, strings, booleans, null and integers, so the
//! number rule reduces to: integers with |n| <= 2^53 - 1 in plain decimal; anything else is
//! refused rather than formatted (RFC 8785 §3.2.2.3 formats through IEEE 754 doubles).
//! Object members are sorted by the UTF-16 code units of their names (§3.2.3); strings are
//! escaped as ECMAScript's JSON.stringify does (§3.2.2.2): `\"`, `\\`, `\b \t \n \f \r`, other
//! controls as `\u00xx` (lowercase hex), everything else literal UTF-8.

use serde_json::Value;

use crate::error::{Error, Kind, Result};

const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Serialises `v` canonically.
///
/// ```
/// let v = serde_json::json!({"b": 1, "a": "é\n"});
/// assert_eq!(rootkey::jcs::canonicalize(&v).unwrap(), "{\"a\":\"é\\n\",\"b\":1}".as_bytes());
/// assert!(rootkey::jcs::canonicalize(&serde_json::json!(0.5)).is_err());
/// ```
pub fn canonicalize(v: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write(v, &mut out)?;
    Ok(out)
}

/// True if `bytes` is exactly [`canonicalize`]`(v)`, found without building it: one pass over
/// `v` against `bytes`, no allocation. A `false` is not a verdict — the caller canonicalises
/// to find out (and to say where the two differ): this answers `false` for whatever it does
/// not handle quickly (object member names with characters from U+E000 up, whose UTF-16 order
/// may differ from their UTF-8 order, and numbers `canonicalize` refuses).
///
/// ```
/// let v = serde_json::json!({"b": 1, "a": "é\n"});
/// assert!(rootkey::jcs::is_canonical_encoding(&v, "{\"a\":\"é\\n\",\"b\":1}".as_bytes()));
/// assert!(!rootkey::jcs::is_canonical_encoding(&v, b"{\"b\":1,\"a\":\"\\u00e9\\n\"}"));
/// ```
pub fn is_canonical_encoding(v: &Value, bytes: &[u8]) -> bool {
    let mut rest = bytes;
    matches(v, &mut rest) && rest.is_empty()
}

/// Consumes `want` from the front of `rest`, if it is there. With [`matches_str`],
/// [`matches_u64`] and [`matches_map`], a caller that knows the shape of a document checks
/// its canonical form member by member.
pub fn eat(rest: &mut &[u8], want: &[u8]) -> bool {
    match rest.strip_prefix(want) {
        Some(r) => {
            *rest = r;
            true
        }
        None => false,
    }
}

fn matches(v: &Value, rest: &mut &[u8]) -> bool {
    match v {
        Value::Null => eat(rest, b"null"),
        Value::Bool(b) => eat(rest, if *b { b"true" } else { b"false" }),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => matches_u64(u, rest),
            (None, Some(i)) => i < 0 && eat(rest, b"-") && matches_u64(i.unsigned_abs(), rest),
            _ => false,
        },
        Value::String(s) => matches_str(s, rest),
        Value::Array(a) => {
            if !eat(rest, b"[") {
                return false;
            }
            for (i, item) in a.iter().enumerate() {
                if (i > 0 && !eat(rest, b",")) || !matches(item, rest) {
                    return false;
                }
            }
            eat(rest, b"]")
        }
        Value::Object(m) => matches_map(m, rest),
    }
}

/// An integer as [`canonicalize`] writes it (at most 2^53 − 1), consumed from `rest`.
pub fn matches_u64(n: u64, rest: &mut &[u8]) -> bool {
    if n > MAX_SAFE_INTEGER {
        return false;
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut x = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    eat(rest, &digits[at..])
}

/// An object as [`canonicalize`] writes it, consumed from `rest` (`false` for member names
/// with characters from U+E000 up, as [`is_canonical_encoding`]).
pub fn matches_map(m: &serde_json::Map<String, Value>, rest: &mut &[u8]) -> bool {
    if !eat(rest, b"{") {
        return false;
    }
    // Without `preserve_order`, serde_json's map iterates in UTF-8 byte order, which is
    // UTF-16 code-unit order while no name holds a character from U+E000 up (its UTF-8 lead
    // byte is 0xEE or more).
    for (i, (k, item)) in m.iter().enumerate() {
        if k.bytes().any(|b| b >= 0xee)
            || (i > 0 && !eat(rest, b","))
            || !matches_str(k, rest)
            || !eat(rest, b":")
            || !matches(item, rest)
        {
            return false;
        }
    }
    eat(rest, b"}")
}

/// A string as [`canonicalize`] writes it, consumed from `rest`.
pub fn matches_str(s: &str, rest: &mut &[u8]) -> bool {
    if !eat(rest, b"\"") {
        return false;
    }
    let plain = !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\');
    if plain {
        if !eat(rest, s.as_bytes()) {
            return false;
        }
    } else {
        let mut buf = [0u8; 6];
        for c in s.chars() {
            if !eat(rest, escaped(c, &mut buf)) {
                return false;
            }
        }
    }
    eat(rest, b"\"")
}

/// Consumes a JSON value from the front of `rest` if it is in canonical form (as
/// [`canonicalize`] writes it), without parsing it into a [`Value`]: one pass over the bytes,
/// no allocation. `rest` must be UTF-8. As with [`is_canonical_encoding`], a `false` is not a
/// verdict: it is also the answer for whatever this does not handle quickly (object member
/// names with an escape or a character from U+E000 up, nesting deeper than 64).
///
/// ```
/// let mut r = &b"{\"a\":[1,-2,null],\"b\":\"\\n\"},"[..];
/// assert!(rootkey::jcs::skip_canonical(&mut r) && r == b",");
/// assert!(!rootkey::jcs::skip_canonical(&mut &b"{\"b\":1,\"a\":2}"[..]));
/// ```
pub fn skip_canonical(rest: &mut &[u8]) -> bool {
    skip_value(rest, 0)
}

fn skip_value(rest: &mut &[u8], depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    match rest.first() {
        Some(b'{') => skip_object(rest, depth),
        Some(b'[') => {
            *rest = &rest[1..];
            if eat(rest, b"]") {
                return true;
            }
            loop {
                if !skip_value(rest, depth + 1) {
                    return false;
                }
                if eat(rest, b"]") {
                    return true;
                }
                if !eat(rest, b",") {
                    return false;
                }
            }
        }
        Some(b'"') => skip_str(rest).is_some(),
        Some(b't') => eat(rest, b"true"),
        Some(b'f') => eat(rest, b"false"),
        Some(b'n') => eat(rest, b"null"),
        Some(b'-') => {
            *rest = &rest[1..];
            // `-0` is not canonical.
            !rest.starts_with(b"0") && skip_u64(rest).is_some()
        }
        _ => skip_u64(rest).is_some(),
    }
}

fn skip_object(rest: &mut &[u8], depth: usize) -> bool {
    *rest = &rest[1..];
    if eat(rest, b"}") {
        return true;
    }
    let mut last: Option<&[u8]> = None;
    loop {
        // Names in UTF-8 byte order, which is their UTF-16 order below U+E000 (lead byte
        // 0xEE); strictly increasing, so no name twice.
        let Some((k, true)) = skip_str(rest) else {
            return false;
        };
        if k.iter().any(|&b| b >= 0xee) || last.is_some_and(|l| l >= k) {
            return false;
        }
        last = Some(k);
        if !eat(rest, b":") || !skip_value(rest, depth + 1) {
            return false;
        }
        if eat(rest, b"}") {
            return true;
        }
        if !eat(rest, b",") {
            return false;
        }
    }
}

/// A string in canonical form consumed from the front of `rest` (which must be UTF-8): the
/// bytes between its quotes, and whether they hold no escape (then they are its value).
pub fn skip_str<'a>(rest: &mut &'a [u8]) -> Option<(&'a [u8], bool)> {
    let r = rest.strip_prefix(b"\"")?;
    let mut i = 0;
    let mut plain = true;
    loop {
        match *r.get(i)? {
            b'"' => break,
            b'\\' => {
                plain = false;
                match *r.get(i + 1)? {
                    b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r' => i += 2,
                    b'u' => {
                        // Only the controls without a short escape, in lower-case hex.
                        let c = match r.get(i + 2..i + 6)? {
                            [b'0', b'0', h @ (b'0' | b'1'), l] => {
                                let l = match l {
                                    b'0'..=b'9' => l - b'0',
                                    b'a'..=b'f' => l - b'a' + 10,
                                    _ => return None,
                                };
                                (h - b'0') * 16 + l
                            }
                            _ => return None,
                        };
                        if matches!(c, 8 | 9 | 10 | 12 | 13) {
                            return None;
                        }
                        i += 6;
                    }
                    _ => return None,
                }
            }
            b if b < 0x20 => return None,
            _ => i += 1,
        }
    }
    *rest = &r[i + 1..];
    Some((&r[..i], plain))
}

/// A non-negative integer as [`canonicalize`] writes it (at most 2^53 − 1), consumed from the
/// front of `rest`; `None` for anything else (also a fraction or exponent after the digits).
pub fn skip_u64(rest: &mut &[u8]) -> Option<u64> {
    let n = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 || n > 16 || (n > 1 && rest[0] == b'0') {
        return None;
    }
    let (d, r) = rest.split_at(n);
    if matches!(r.first(), Some(b'.' | b'e' | b'E')) {
        return None;
    }
    let v = d.iter().fold(0u64, |v, b| v * 10 + u64::from(b - b'0'));
    if v > MAX_SAFE_INTEGER {
        return None;
    }
    *rest = r;
    Some(v)
}

/// One character as [`write_string`] writes it.
fn escaped(c: char, buf: &mut [u8; 6]) -> &[u8] {
    match c {
        '"' => b"\\\"",
        '\\' => b"\\\\",
        '\u{8}' => b"\\b",
        '\t' => b"\\t",
        '\n' => b"\\n",
        '\u{c}' => b"\\f",
        '\r' => b"\\r",
        c if (c as u32) < 0x20 => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            *buf = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(c as usize) >> 4],
                HEX[(c as usize) & 15],
            ];
            &buf[..]
        }
        c => c.encode_utf8(buf).as_bytes(),
    }
}

fn write(v: &Value, out: &mut Vec<u8>) -> Result<()> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            let ok = n
                .as_u64()
                .filter(|u| *u <= MAX_SAFE_INTEGER)
                .map(|u| u.to_string())
                .or_else(|| {
                    n.as_i64()
                        .filter(|i| i.unsigned_abs() <= MAX_SAFE_INTEGER)
                        .map(|i| i.to_string())
                });
            match ok {
                Some(s) => out.extend_from_slice(s.as_bytes()),
                None => {
                    return Err(Error::new(
                        Kind::Json,
                        format!(
                            "number {n} cannot be canonicalised (only integers up to 2^53-1 are allowed)"
                        ),
                    ));
                }
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push(b'[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                write(&m[k], out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let mut buf = [0u8; 6];
    for c in s.chars() {
        out.extend_from_slice(escaped(c, &mut buf));
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_and_escapes() {
        let v = json!({"b": [1, -2, true, null], "a": "x\"\\\n\u{1}é/€", "\u{20ac}": 0, "\r": 1});
        let c = String::from_utf8(canonicalize(&v).unwrap()).unwrap();
        assert_eq!(
            c,
            "{\"\\r\":1,\"a\":\"x\\\"\\\\\\n\\u0001é/€\",\"b\":[1,-2,true,null],\"€\":0}"
        );
    }

    #[test]
    fn utf16_order_not_utf8_order() {
        // U+FB01 (UTF-16 0xFB01) sorts after U+1F600 (UTF-16 0xD83D...) by code units,
        // but before it by code points / UTF-8.
        let v = json!({"\u{fb01}": 1, "\u{1f600}": 2});
        let c = String::from_utf8(canonicalize(&v).unwrap()).unwrap();
        assert_eq!(c, "{\"\u{1f600}\":2,\"\u{fb01}\":1}");
    }

    #[test]
    fn the_quick_check_agrees_with_canonicalize() {
        let values = [
            json!({"b": [1, -2, true, null], "a": "x\"\\\n\u{1}\u{1f}é/€", "\u{20ac}": 0, "\r": 1}),
            json!({"seq": 9007199254740991u64, "n": -9007199254740991i64, "e": {}, "l": []}),
            json!({"\u{fb01}": 1, "\u{1f600}": 2}),
            json!([1.5]),
            json!(9007199254740992u64),
            json!("\u{7f}\u{80}\u{2028}"),
        ];
        for v in &values {
            match canonicalize(v) {
                Ok(c) => {
                    // Names from U+E000 up take the slow path; everything else is recognised.
                    let exotic = c.windows(1).any(|b| b[0] >= 0xee);
                    assert_eq!(is_canonical_encoding(v, &c), !exotic, "{v}");
                    for cut in 0..c.len() {
                        assert!(!is_canonical_encoding(v, &c[..cut]), "{v} cut at {cut}");
                    }
                    for i in 0..c.len() {
                        let mut m = c.clone();
                        m[i] ^= 0x01;
                        assert!(!is_canonical_encoding(v, &m), "{v} changed at {i}");
                    }
                    let mut longer = c.clone();
                    longer.push(b' ');
                    assert!(!is_canonical_encoding(v, &longer));
                }
                Err(_) => assert!(!is_canonical_encoding(v, v.to_string().as_bytes()), "{v}"),
            }
        }
        // Whitespace, a different escape, unsorted members: never canonical.
        let v = json!({"a": "é", "b": 1});
        for l in [
            &b"{\"a\": \"\xc3\xa9\",\"b\":1}"[..],
            b"{\"a\":\"\\u00e9\",\"b\":1}",
            b"{\"b\":1,\"a\":\"\xc3\xa9\"}",
        ] {
            assert!(!is_canonical_encoding(&v, l));
        }
    }

    /// `skip_canonical` accepts a value only where `canonicalize` of its parse gives the same
    /// bytes: canonical documents, each byte of them changed, dropped or doubled, and the
    /// forms a parser reads alike (escapes, `-0`, `1.0`, a name twice, deep nesting).
    #[test]
    fn skip_canonical_accepts_only_canonical_encodings() {
        let values = [
            json!({"b": [1, -2, true, null, false], "a": "x\"\\\n\u{1}\u{1f}\u{8}é/€", "\u{20ac}": 0, "\u{7f}": 1}),
            json!({"seq": 9007199254740991u64, "n": -9007199254740991i64, "e": {}, "l": [[], {}]}),
            json!({"\u{fb01}": 1, "\u{1f600}": 2}),
            json!(["\u{7f}\u{80}\u{2028}", 0, 10, "", {"a": {"b": "c"}}]),
        ];
        let skips = |b: &[u8]| {
            let mut r = b;
            skip_canonical(&mut r) && r.is_empty()
        };
        // A member name with an escape is left to the slow path.
        assert!(!skips(b"{\"\\r\":1}"));
        let mut cases: Vec<Vec<u8>> = [
            &b"{\"a\":1,\"a\":1}"[..],
            b"-0",
            b"1.0",
            b"1e2",
            b"01",
            b"\"\\u00e9\"",
            b"\"\\/\"",
            b"\"\\u0008\"",
            b"\"\\u001F\"",
            b"\"\\u001f\"",
            b"9007199254740992",
            b"-9007199254740991",
        ]
        .iter()
        .map(|b| b.to_vec())
        .collect();
        cases.push([&[b'['; 70][..], &[b']'; 70][..]].concat());
        for v in &values {
            let c = canonicalize(v).unwrap();
            let exotic = c.iter().any(|&b| b >= 0xee);
            assert_eq!(skips(&c), !exotic, "{v}");
            for i in 0..c.len() {
                for f in [
                    |b: u8| b ^ 0x01,
                    |b: u8| b ^ 0x20,
                    |_| b' ',
                    |_| b'"',
                    |_| b'\\',
                ] {
                    let mut m = c.clone();
                    m[i] = f(m[i]);
                    cases.push(m);
                }
                let mut m = c.clone();
                m.remove(i);
                cases.push(m);
                let mut m = c.clone();
                m.insert(i, c[i]);
                cases.push(m);
            }
        }
        let mut accepted = 0;
        for m in cases.iter().filter(|m| std::str::from_utf8(m).is_ok()) {
            if skips(m) {
                accepted += 1;
                let v: Value = serde_json::from_slice(m)
                    .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(m)));
                assert_eq!(canonicalize(&v).ok().as_deref(), Some(&m[..]), "{v}");
            }
        }
        assert!(accepted > 3, "{accepted}");
    }

    #[test]
    fn floats_and_huge_integers_refused() {
        assert!(canonicalize(&json!(1.5)).is_err());
        assert!(canonicalize(&json!(9007199254740992u64)).is_err());
        assert!(canonicalize(&json!(9007199254740991u64)).is_ok());
    }
}
