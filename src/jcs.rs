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
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
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
    fn floats_and_huge_integers_refused() {
        assert!(canonicalize(&json!(1.5)).is_err());
        assert!(canonicalize(&json!(9007199254740992u64)).is_err());
        assert!(canonicalize(&json!(9007199254740991u64)).is_ok());
    }
}
