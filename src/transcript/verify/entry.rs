//! One transcript line as the replay keeps it ([`Entry`]), and its quick parse: each line
//! recognised in one pass over its bytes in canonical form, its `details` only checked
//! (`jcs::skip_canonical`) and kept as text, parsed into values when a later step first reads
//! them ([`Details`]). A line the one pass does not recognise takes the long way
//! (`chain::parse_entry_checked`), whose checks and messages are the verdict.

use std::borrow::Cow;
use std::ops::Deref;
use std::sync::OnceLock;

use super::chain::{hex32, safe_text};
use super::*;

/// One parsed transcript line.
#[derive(Clone, Debug)]
pub struct Entry {
    /// `seq`.
    pub seq: u64,
    /// 1-based line number in the file.
    pub line: usize,
    /// `time`.
    pub time: String,
    /// `actors`.
    pub actors: Vec<String>,
    /// `action`.
    pub action: String,
    /// `details` (a map of its members: [`Details`] dereferences to it).
    pub details: Details,
    /// `prev`.
    pub prev: [u8; 32],
    /// SHA-256 of the line.
    pub hash: [u8; 32],
}

impl Entry {
    /// `entry seq N (line L)`.
    /// The position is what counts: the `seq` written in a damaged entry may be wrong.
    pub fn at(&self) -> String {
        format!("entry seq {} (line {})", self.line - 1, self.line)
    }

    /// The entry's action; None for a name that is not an action of this format.
    pub fn kind(&self) -> Option<Action> {
        Action::parse(&self.action)
    }

    /// True if the entry's action is `a`.
    pub fn is(&self, a: Action) -> bool {
        self.action == a.as_str()
    }
}

/// An entry's `details`: the object's canonical text, checked when the line was read, parsed
/// into a map of values the first time it is read (most entries of a long transcript are read
/// once, by the script check; the chain check never reads them). Dereferences to the map.
#[derive(Clone, Debug, Default)]
pub struct Details {
    /// The canonical JSON text of the object (empty when built from a map).
    text: Box<str>,
    parsed: OnceLock<Map<String, Value>>,
}

impl Details {
    /// Details from the canonical text of a JSON object (checked by the caller).
    fn from_canonical(text: &str) -> Details {
        Details {
            text: text.into(),
            parsed: OnceLock::new(),
        }
    }
}

impl Details {
    /// The map, without keeping it: parsed now (and dropped by the caller) unless it already
    /// was. For the steps that read an entry once and keep nothing of it (`slip`, `exception`,
    /// `step-confirmed` and `checklist-acknowledged` entries, which may be most of a long
    /// transcript; the report's timeline), so that a replay does not hold a map of values for
    /// every entry.
    pub fn read_once(&self) -> Cow<'_, Map<String, Value>> {
        match self.parsed.get() {
            Some(m) => Cow::Borrowed(m),
            None => Cow::Owned(serde_json::from_str(&self.text).unwrap_or_default()),
        }
    }
}

impl From<Map<String, Value>> for Details {
    fn from(m: Map<String, Value>) -> Details {
        Details {
            text: Box::default(),
            parsed: OnceLock::from(m),
        }
    }
}

impl Deref for Details {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Map<String, Value> {
        // The text was checked to be a canonical JSON object (`jcs::skip_canonical`, which
        // accepts only what parses), so the parse cannot fail; if it did, an empty map makes
        // every later check name the member it misses rather than panic.
        self.parsed
            .get_or_init(|| serde_json::from_str(&self.text).unwrap_or_default())
    }
}

/// A string member without escapes, borrowed from the line.
fn plain_str<'a>(r: &mut &'a [u8]) -> Option<&'a str> {
    match jcs::skip_str(r)? {
        (s, true) => std::str::from_utf8(s).ok(),
        _ => None,
    }
}

/// A line that passes every check of `parse_entry`, recognised in one pass over its bytes in
/// canonical form; `None` for anything else (an escape in `action`, `actors`, `prev` or
/// `time`, whatever [`jcs::skip_canonical`] does not handle, a failed check), which then takes
/// the long way for its verdict and message.
pub(super) fn quick_entry(l: &[u8], line: usize) -> Option<Entry> {
    if l.len() > MAX_LINE {
        return None;
    }
    std::str::from_utf8(l).ok()?;
    let r = &mut &l[..];
    if !jcs::eat(r, b"{\"action\":") {
        return None;
    }
    let action = plain_str(r)?;
    if !jcs::eat(r, b",\"actors\":[") {
        return None;
    }
    let mut actors = Vec::with_capacity(1);
    for n in 1..=32 {
        let a = plain_str(r)?;
        if a.is_empty() || !safe_text(a, 200) {
            return None;
        }
        actors.push(a.to_owned());
        if jcs::eat(r, b"]") {
            break;
        }
        if n == 32 || !jcs::eat(r, b",") {
            return None;
        }
    }
    if !(jcs::eat(r, b",\"details\":") && r.first() == Some(&b'{')) {
        return None;
    }
    let start = *r;
    if !jcs::skip_canonical(r) {
        return None;
    }
    // The bytes skipped: whole UTF-8 characters of a line that is UTF-8.
    let details = std::str::from_utf8(&start[..start.len() - r.len()]).ok()?;
    if !jcs::eat(r, b",\"prev\":") {
        return None;
    }
    let prev = hex32(plain_str(r)?)?;
    if !jcs::eat(r, b",\"seq\":") {
        return None;
    }
    let seq = jcs::skip_u64(r)?;
    if !jcs::eat(r, b",\"time\":") {
        return None;
    }
    let time = plain_str(r)?;
    if !(jcs::eat(r, b"}") && r.is_empty() && UtcTime::is_transcript_form(time)) {
        return None;
    }
    Some(Entry {
        seq,
        line,
        time: time.to_owned(),
        actors,
        action: action.to_owned(),
        details: Details::from_canonical(details),
        prev,
        hash: Sha256::digest(l).into(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::chain::{parse_entry, parse_entry_checked};
    use super::*;

    /// Whatever the one pass accepts, the long way accepts as the same entry, `details`
    /// included: every byte of real entries changed, dropped or doubled, and entries with
    /// escapes, odd numbers, duplicate and missing members; `parse_entry` gives the long
    /// way's verdict and message for every line.
    #[test]
    fn the_one_pass_accepts_only_what_the_checks_accept() {
        let p = "0".repeat(64);
        let t = "\"time\":\"2026-01-01T00:00:00.000Z\"";
        let mut lines: Vec<Vec<u8>> = vec![
            format!("{{\"action\":\"share-presented\",\"actors\":[\"Holder 1\",\"Ann\"],\"details\":{{\"file\":\"s\\u0001.txt\",\"index\":1,\"n\":-3,\"x\":[true,null,{{}}]}},\"prev\":\"{p}\",\"seq\":0,{t}}}").into_bytes(),
            format!("{{\"action\":\"a\",\"actors\":[\"b\"],\"details\":{{}},\"prev\":\"{p}\",\"seq\":9007199254740991,{t}}}").into_bytes(),
            format!("{{\"action\":\"a\",\"actors\":[\"b\"],\"details\":{{}},\"prev\":\"{p}\",\"seq\":9007199254740992,{t}}}").into_bytes(),
            format!("{{\"action\":\"a\",\"actors\":[\"b\"],\"details\":{{}},\"prev\":\"{p}\",\"seq\":1,\"seq\":1,{t}}}").into_bytes(),
            format!("{{\"action\":\"a\",\"actors\":[\"b\"],\"details\":{{}},\"prev\":\"\\u0030{}\",\"seq\":1,{t}}}", &p[1..]).into_bytes(),
            format!("{{\"action\":\"a\\\"\",\"actors\":[\"b\"],\"details\":{{\"\u{fb01}\":1,\"\u{1f600}\":2}},\"prev\":\"{p}\",\"seq\":1,{t}}}").into_bytes(),
            format!("{{\"action\":\"a\",\"details\":{{}},\"prev\":\"{p}\",\"seq\":1,{t}}}").into_bytes(),
            format!("{{\"action\":\"a\",\"actors\":[{}\"b\"],\"details\":{{}},\"prev\":\"{p}\",\"seq\":1,{t}}}", "\"b\",".repeat(32)).into_bytes(),
            format!("{{\"action\":\"a\",\"actors\":[{}\"b\"],\"details\":{{}},\"prev\":\"{p}\",\"seq\":1,{t}}}", "\"b\",".repeat(31)).into_bytes(),
            format!("{{\"action\":\"a\",\"actors\":[\"b\"],\"details\":[],\"prev\":\"{p}\",\"seq\":1,{t}}}").into_bytes(),
            format!("{{\"action\":\"a\",\"actors\":[\"Ann \\\"A\\\"\"],\"details\":{{\"k\":{{\"z\":\"\u{e9}\\n\"}}}},\"prev\":\"{p}\",\"seq\":1,{t}}}").into_bytes(),
        ];
        let base = lines[0].clone();
        for i in 0..base.len() {
            for f in [
                |b: u8| b ^ 0x01,
                |b: u8| b ^ 0x20,
                |_| b' ',
                |_| b'\\',
                |_| b'"',
            ] {
                let mut m = base.clone();
                m[i] = f(m[i]);
                lines.push(m);
            }
            let mut m = base.clone();
            m.remove(i);
            lines.push(m);
            let mut m = base.clone();
            m.insert(i, base[i]);
            lines.push(m);
        }
        let mut quick = 0;
        for l in &lines {
            let full = parse_entry_checked(l, 1);
            let entry = parse_entry(l, 1);
            assert_eq!(entry.as_ref().err(), full.as_ref().err());
            if let Some(k) = quick_entry(l, 1) {
                quick += 1;
                let e = full
                    .unwrap_or_else(|e| panic!("{}: quick but {e}", String::from_utf8_lossy(l)));
                assert_eq!(
                    (
                        k.seq,
                        &k.time,
                        &k.actors,
                        &k.action,
                        &*k.details,
                        k.prev,
                        k.hash
                    ),
                    (
                        e.seq,
                        &e.time,
                        &e.actors,
                        &e.action,
                        &*e.details,
                        e.prev,
                        e.hash
                    )
                );
            }
        }
        // The real entries (and harmless changes inside strings) take the quick path.
        assert!(quick > 2, "{quick}");
        assert!(
            [0, 1, 8]
                .iter()
                .all(|&i| quick_entry(&lines[i], 1).is_some())
        );
        assert!(quick_entry(&lines[7], 1).is_none() && parse_entry(&lines[7], 1).is_err());
    }

    /// Details built from a map read as that map; from text, as its parse.
    #[test]
    fn details_read_as_their_map() {
        let m: Map<String, Value> = serde_json::from_str("{\"a\":[1,-2],\"b\":\"c\"}").unwrap();
        assert_eq!(*Details::from(m.clone()), m);
        let text = Details::from_canonical("{\"a\":[1,-2],\"b\":\"c\"}");
        assert!(matches!(text.read_once(), Cow::Owned(ref o) if *o == m));
        assert_eq!(*text, m);
        assert!(matches!(text.read_once(), Cow::Borrowed(b) if *b == m));
    }
}
