//! Lines and the hash chain: parsing, canonical form, and what a break in the chain shows.

use super::checks::seal_signature_ok;
use super::*;
use crate::error::TranscriptFailure as F;

/// Checks lines and chain only (steps 1 and 2 of the replay: canonical form, `seq`, `prev`,
/// times) and returns the parsed entries, their `details` not yet parsed ([`super::Details`]);
/// the first defect is the error. An incomplete last line is ignored, as the replay does
/// (`docs/formats.md`, "Interrupted"), unless it follows a seal or `aborted`. The replay's
/// first two steps are this function's ([`chain_steps`]); `benches/transcript.rs` measures it.
pub fn verify_chain(bytes: &[u8]) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    chain_steps(bytes, &mut entries)?;
    Ok(entries)
}

/// Steps 1 and 2 of the replay: parses every complete line into `out` and checks the chain;
/// returns the incomplete last line, if any (ignored unless it follows the end).
pub(super) fn chain_steps(bytes: &[u8], out: &mut Vec<Entry>) -> Result<Option<Incomplete>> {
    let incomplete = parse_lines(bytes, out)?;
    check_chain(out)?;
    check_incomplete(out, incomplete.as_ref())?;
    Ok(incomplete)
}

/// A last line without its line end: the write of an entry cut off (`docs/formats.md`,
/// "Interrupted").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Incomplete {
    /// Its 1-based line number.
    pub line: usize,
    /// Its length in bytes.
    pub len: usize,
}

impl Incomplete {
    /// `line L is incomplete (N bytes without a line end)`.
    pub(super) fn describe(&self) -> String {
        format!(
            "line {} is incomplete ({} byte{} without a line end)",
            self.line,
            self.len,
            if self.len == 1 { "" } else { "s" }
        )
    }
}

/// An incomplete line after a `seal` or `aborted` entry was added (nothing is ever written
/// after either): **inserted**, at that line. Anywhere else it is an interrupted write.
pub(super) fn check_incomplete(entries: &[Entry], incomplete: Option<&Incomplete>) -> Result<()> {
    let (Some(p), Some(last)) = (incomplete, entries.last()) else {
        return Ok(());
    };
    if !(last.is(Action::Seal) || last.is(Action::Aborted) || last.is(Action::AuditCompleted)) {
        return Ok(());
    }
    Err(bad(
        F::Inserted,
        format!(
            "entry seq {} (line {}): inserted: {} after the `{}` entry on line {}, after which nothing is ever written",
            p.line - 1,
            p.line,
            p.describe(),
            last.action,
            last.line
        ),
    ))
}

/// Parses every complete line into `out` (none for an empty file); returns the incomplete last
/// line, if any, which is never parsed.
pub(super) fn parse_lines(bytes: &[u8], out: &mut Vec<Entry>) -> Result<Option<Incomplete>> {
    // The complete lines, and the piece after the last line end (empty when the file ends
    // with one, or is empty).
    let (body, tail) = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(end) => bytes.split_at(end + 1),
        None => (&[][..], bytes),
    };
    let complete = body.iter().filter(|&&b| b == b'\n').count();
    let incomplete = (!tail.is_empty()).then(|| Incomplete {
        line: complete + 1,
        len: tail.len(),
    });
    out.reserve(complete);
    for (i, l) in body.split(|&b| b == b'\n').take(complete).enumerate() {
        let line = i + 1;
        match parse_entry(l, line) {
            Ok(e) => out.push(e),
            Err(what) => {
                return Err(bad(
                    F::Modified,
                    format!("entry seq {i} (line {line}): modified: {what}"),
                ));
            }
        }
    }
    Ok(incomplete)
}

/// Parses a canonical JSON object line (shared with attestations). Errors are descriptions.
pub(crate) fn parse_canonical(l: &[u8]) -> std::result::Result<Map<String, Value>, String> {
    if l.len() > MAX_LINE {
        return Err(format!("the line is longer than {MAX_LINE} bytes"));
    }
    if let Err(e) = std::str::from_utf8(l) {
        return Err(format!("not UTF-8 (byte {})", e.valid_up_to() + 1));
    }
    let v: Value = serde_json::from_slice(l).map_err(|e| format!("not valid JSON ({e})"))?;
    // The quick check recognises a canonical line without building its canonical form; a
    // line it does not recognise is canonicalised to find out, and to say where it differs.
    if jcs::is_canonical_encoding(&v, l) {
        return match v {
            Value::Object(m) => Ok(m),
            _ => Err("not a JSON object".into()),
        };
    }
    let c = jcs::canonicalize(&v).map_err(|e| format!("not canonical JSON ({})", e.message))?;
    if c != l {
        let pos = c
            .iter()
            .zip(l)
            .position(|(a, b)| a != b)
            .unwrap_or(c.len().min(l.len()));
        return Err(format!(
            "not in canonical form (RFC 8785): it differs from its canonical encoding at byte {}",
            pos + 1
        ));
    }
    match v {
        Value::Object(m) => Ok(m),
        _ => Err("not a JSON object".into()),
    }
}

pub(super) fn exact_keys(
    m: &Map<String, Value>,
    keys: &[&str],
    what: &str,
) -> std::result::Result<(), String> {
    for k in m.keys() {
        if !keys.contains(&k.as_str()) {
            return Err(format!("{what} has an unknown member `{k}`"));
        }
    }
    for k in keys {
        if !m.contains_key(*k) {
            return Err(format!("{what} has no member `{k}`"));
        }
    }
    Ok(())
}

/// 32 bytes written as 64 lower-case hex digits (every `prev` of a replay goes through here).
pub(super) fn hex32(s: &str) -> Option<[u8; 32]> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let s = s.as_bytes();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *o = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

pub(super) fn safe_text(s: &str, max: usize) -> bool {
    !s.chars().any(is_unsafe_char) && s.chars().count() <= max
}

pub(super) fn parse_entry(l: &[u8], line: usize) -> std::result::Result<Entry, String> {
    match super::entry::quick_entry(l, line) {
        Some(e) => Ok(e),
        None => parse_entry_checked(l, line),
    }
}

/// [`parse_entry`] the long way: each check in turn, the first that fails named.
pub(super) fn parse_entry_checked(l: &[u8], line: usize) -> std::result::Result<Entry, String> {
    let mut m = parse_canonical(l)?;
    exact_keys(
        &m,
        &["action", "actors", "details", "prev", "seq", "time"],
        "the entry",
    )?;
    let seq = m["seq"]
        .as_u64()
        .ok_or("`seq` is not a non-negative integer")?;
    // Each member is moved out of the map (no copy), in the order the checks name them.
    let Some(Value::String(time)) = m.remove("time") else {
        return Err("`time` is not a string".into());
    };
    if !UtcTime::is_transcript_form(&time) {
        return Err(format!(
            "`time` \"{time}\" is not a real UTC time YYYY-MM-DDTHH:MM:SS.sssZ (year 1970–9999, day within its month, second 00–59)"
        ));
    }
    let Some(Value::Array(actors)) = m.remove("actors") else {
        return Err("`actors` is not an array".into());
    };
    if actors.is_empty() || actors.len() > 32 {
        return Err("`actors` must hold 1 to 32 names".into());
    }
    let actors: Vec<String> = actors
        .into_iter()
        .map(|a| match a {
            Value::String(s) if !s.is_empty() && safe_text(&s, 200) => Ok(s),
            _ => Err("`actors` holds something other than a name of 1 to 200 safe characters"),
        })
        .collect::<std::result::Result<_, _>>()?;
    let Some(Value::String(action)) = m.remove("action") else {
        return Err("`action` is not a string".into());
    };
    let prev = m["prev"]
        .as_str()
        .and_then(hex32)
        .ok_or("`prev` is not 64 lower-case hex digits")?;
    let Some(Value::Object(details)) = m.remove("details") else {
        return Err("`details` is not an object".into());
    };
    Ok(Entry {
        seq,
        line,
        time,
        actors,
        action,
        details: details.into(),
        prev,
        hash: Sha256::digest(l).into(),
    })
}

/// Checks `seq`, `prev` and `time` of every entry; on the first break, works out what happened
/// from the links around it (docs/formats.md, "Replay", step 2 — the rules are numbered there
/// and here alike). Lines are numbered from 1 as an editor shows them; the entry on line L
/// must have seq L − 1, and every finding names its line as `entry seq L−1 (line L)`.
pub(super) fn check_chain(es: &[Entry]) -> Result<()> {
    let n = es.len();
    // 1-based accessors: line L is es[L - 1].
    let e = |l: usize| &es[l - 1];
    let h = |l: usize| es[l - 1].hash;
    let p = |l: usize| es[l - 1].prev;
    let s = |l: usize| es[l - 1].seq;
    let expected_prev = |l: usize| if l == 1 { ZERO_HASH } else { h(l - 1) };
    let intact = |l: usize| s(l) == l as u64 - 1 && p(l) == expected_prev(l);
    let loc = |l: usize| format!("entry seq {} (line {l})", l - 1);
    let fail = |l: usize, f: F, what: String| bad(f, format!("{}: {}: {what}", loc(l), f.word()));
    for l in 1..=n {
        if intact(l) {
            // Rule 0: an intact link whose time goes backwards: this line was modified.
            if l > 1 && e(l).time < e(l - 1).time {
                return Err(fail(
                    l,
                    F::Modified,
                    format!(
                        "its time {} is earlier than the time {} of line {}",
                        e(l).time,
                        e(l - 1).time,
                        l - 1
                    ),
                ));
            }
            continue;
        }
        if l == 1 {
            // Rule 1a: the header is on line 2 and the chain continues from it.
            if n > 1 && s(2) == 0 && p(2) == ZERO_HASH && (n == 2 || p(3) == h(2)) {
                return Err(fail(
                    1,
                    F::Inserted,
                    "a line was added before the header (line 2 holds the header, seq 0)".into(),
                ));
            }
            // Rule 1b.
            if n > 1 && s(1) == 1 && s(2) == 0 {
                return Err(bad(
                    F::Reordered,
                    "lines 1 and 2: reordered: line 1 holds seq 1 and line 2 holds seq 0 (the header)",
                ));
            }
            // Rule 1c.
            if s(1) == 1 && p(1) != ZERO_HASH {
                return Err(fail(
                    1,
                    F::Deleted,
                    "entry seq 0 (the header) is missing: line 1 holds seq 1".into(),
                ));
            }
            // Rule 1d.
            return Err(fail(
                1,
                F::Modified,
                format!(
                    "the first entry must have seq 0 and a `prev` of 64 zeros (it holds seq {})",
                    s(1)
                ),
            ));
        }
        // Rule 2: linked, but numbered wrongly: its seq was changed.
        if p(l) == h(l - 1) {
            return Err(fail(
                l,
                F::Modified,
                format!("it holds seq {}, its position says {}", s(l), l - 1),
            ));
        }
        // Rule 3: after a genuine seal nothing may follow, whatever it links to.
        if e(l - 1).is(Action::Seal) && seal_signature_ok(e(l - 1)) == Some(true) {
            return Err(fail(
                l,
                F::Inserted,
                format!(
                    "it follows the seal on line {}: nothing may be added to a sealed transcript",
                    l - 1
                ),
            ));
        }
        // Rule 4: swapped with the next line.
        if l < n && p(l) == h(l + 1) && p(l + 1) == h(l - 1) && (l + 1 == n || p(l + 2) == h(l)) {
            return Err(bad(
                F::Reordered,
                format!(
                    "lines {l} and {}: reordered: line {l} holds seq {} and line {} holds seq {} (the two entries were swapped)",
                    l + 1,
                    s(l),
                    l + 1,
                    s(l + 1)
                ),
            ));
        }
        // Rule 5: the next line links past this one.
        if l < n && p(l + 1) == h(l - 1) {
            return Err(fail(
                l,
                F::Inserted,
                format!(
                    "it is not part of the chain: line {} links to line {}, skipping it",
                    l + 1,
                    l - 1
                ),
            ));
        }
        // Rule 6: it links to another line J of the file, or to the start of the chain
        // (J = 0: 64 zeros).
        let start = p(l) == ZERO_HASH;
        if let Some(j) = (1..=n).find(|&j| h(j) == p(l)).or(start.then_some(0)) {
            if j + 1 < l {
                let first = j + 1;
                let lines = if first + 1 == l {
                    format!("line {first} is")
                } else {
                    format!("lines {first}–{} are", l - 1)
                };
                return Err(fail(
                    first,
                    F::Inserted,
                    if j == 0 {
                        format!(
                            "line {l} starts the chain again (its `prev` is 64 zeros), so {lines} not part of the chain"
                        )
                    } else {
                        format!("line {l} links to line {j}, so {lines} not part of the chain")
                    },
                ));
            }
            return Err(fail(
                l,
                F::Reordered,
                format!("it links to line {j}, which comes after it"),
            ));
        }
        // Rule 7: a gap in the numbering, linking to an entry that is not in the file.
        if s(l) == l as u64 && s(l - 1) == l as u64 - 2 {
            return Err(fail(
                l,
                F::Deleted,
                format!(
                    "entry seq {} is missing: line {l} holds seq {l} and links to an entry that is not in the file",
                    l - 1
                ),
            ));
        }
        // Rule 8: its own link was altered (the next link still holds, or it is a last seal
        // whose signature fails).
        let next_broken = l < n && p(l + 1) != h(l);
        let seal_broken = l == n && e(l).is(Action::Seal) && seal_signature_ok(e(l)) == Some(false);
        if next_broken || seal_broken {
            return Err(fail(
                l,
                F::Modified,
                format!("its link to line {} was altered", l - 1),
            ));
        }
        // Rule 9: the line before was changed after it was written.
        return Err(fail(
            l - 1,
            F::Modified,
            format!(
                "its SHA-256 no longer matches the link recorded on line {l}: it was changed after it was written"
            ),
        ));
    }
    Ok(())
}
