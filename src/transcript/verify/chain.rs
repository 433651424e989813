//! Lines and the hash chain: parsing, canonical form, and what a break in the chain shows.

use super::checks::seal_signature_ok;
use super::*;

/// Checks lines and chain only (steps 1 and 2 of the replay: canonical form, `seq`, `prev`,
/// times) and returns the parsed entries; the first defect is the error. Used by the
/// benchmark, which measures the per-entry cost of a replay.
pub fn verify_chain(bytes: &[u8]) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let truncated = parse_lines(bytes, &mut entries)?;
    check_chain(&entries)?;
    if let Some(line) = truncated {
        return Err(bad(format!("line {line}: truncated")));
    }
    Ok(entries)
}

/// Parses every line into `out`; returns the 1-based number of a truncated last line.
pub(super) fn parse_lines(bytes: &[u8], out: &mut Vec<Entry>) -> Result<Option<usize>> {
    if bytes.is_empty() {
        return Err(bad(
            "line 1: truncated: the file is empty (no header entry)",
        ));
    }
    let mut truncated = None;
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.last() == Some(&b'\n') {
        lines.pop();
    } else {
        truncated = Some(lines.len());
    }
    for (i, l) in lines.iter().enumerate() {
        let line = i + 1;
        if truncated == Some(line) {
            // The cut-off line cannot be parsed; the chain up to it is still checked.
            break;
        }
        match parse_entry(l, line) {
            Ok(e) => out.push(e),
            Err(what) => {
                return Err(bad(format!(
                    "line {line} (entry seq {}): modified: {what}",
                    i
                )));
            }
        }
    }
    if out.is_empty() {
        return Err(bad(
            "line 1: truncated: the header entry is incomplete (no line end)",
        ));
    }
    Ok(truncated)
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

pub(super) fn hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

pub(super) fn safe_text(s: &str, max: usize) -> bool {
    !s.chars().any(is_unsafe_char) && s.chars().count() <= max
}

pub(super) fn parse_entry(l: &[u8], line: usize) -> std::result::Result<Entry, String> {
    let mut m = parse_canonical(l)?;
    exact_keys(
        &m,
        &["action", "actors", "details", "prev", "seq", "time"],
        "the entry",
    )?;
    let seq = m["seq"]
        .as_u64()
        .ok_or("`seq` is not a non-negative integer")?;
    let time = m["time"].as_str().ok_or("`time` is not a string")?;
    if !is_time_string(time) {
        return Err(format!("`time` \"{time}\" is not YYYY-MM-DDTHH:MM:SS.sssZ"));
    }
    let actors = m["actors"].as_array().ok_or("`actors` is not an array")?;
    if actors.is_empty() || actors.len() > 32 {
        return Err("`actors` must hold 1 to 32 names".into());
    }
    let actors: Vec<String> = actors
        .iter()
        .map(|a| match a.as_str() {
            Some(s) if !s.is_empty() && safe_text(s, 200) => Ok(s.to_string()),
            _ => Err("`actors` holds something other than a name of 1 to 200 safe characters"),
        })
        .collect::<std::result::Result<_, _>>()?;
    let action = m["action"].as_str().ok_or("`action` is not a string")?;
    let prev = m["prev"]
        .as_str()
        .and_then(hex32)
        .ok_or("`prev` is not 64 lower-case hex digits")?;
    let time = time.to_string();
    let action = action.to_string();
    let Some(Value::Object(details)) = m.remove("details") else {
        return Err("`details` is not an object".into());
    };
    Ok(Entry {
        seq,
        line,
        time,
        actors,
        action,
        details,
        prev,
        hash: Sha256::digest(l).into(),
    })
}

/// Checks `seq` and `prev` of every entry; on the first break, works out what happened from
/// the links around it.
pub(super) fn check_chain(es: &[Entry]) -> Result<()> {
    let n = es.len();
    let link_ok = |i: usize| {
        if i == 0 {
            es[0].prev == ZERO_HASH
        } else {
            es[i].prev == es[i - 1].hash
        }
    };
    let line_of_hash = |h: &[u8; 32]| es.iter().position(|e| e.hash == *h);
    for i in 0..n {
        if link_ok(i) && es[i].seq == i as u64 {
            if i > 0 && es[i].time < es[i - 1].time {
                return Err(at(
                    &es[i],
                    "modified",
                    format!(
                        "its time {} is earlier than the previous entry's {}",
                        es[i].time,
                        es[i - 1].time
                    ),
                ));
            }
            continue;
        }
        let e = &es[i];
        let line = i + 1;
        if i == 0 {
            // The header is on line 2 and the chain continues from it: line 1 was added.
            if n > 1
                && es[1].prev == ZERO_HASH
                && es[1].seq == 0
                && (n == 2 || es[2].prev == es[1].hash)
            {
                return Err(bad(
                    "line 1: inserted: a line was added before the header (line 2 is entry seq 0)",
                ));
            }
            if n > 1 && es[0].seq == 1 && es[1].seq == 0 {
                return Err(bad(
                    "lines 1 and 2: reordered: entry seq 1 comes before entry seq 0 (the header)",
                ));
            }
            if es[0].seq == 1 && es[0].prev != ZERO_HASH {
                return Err(bad(
                    "line 1: deleted: entry seq 0 (the header) is missing; the file starts with entry seq 1",
                ));
            }
            return Err(bad(format!(
                "line 1 (entry seq 0): modified: the first entry must have seq 0 and a `prev` of 64 zeros (it has seq {})",
                e.seq
            )));
        }
        if link_ok(i) {
            // Linked, but numbered wrongly: its seq was changed (which also breaks the next
            // link) or it was written so.
            return Err(bad(format!(
                "line {line} (entry seq {i}): modified: its seq says {}",
                e.seq
            )));
        }
        // The link into line i is broken. After a genuine seal nothing may follow: the entry
        // is an addition, whatever it links to.
        if es[i - 1].action == "seal" && seal_signature_ok(&es[i - 1]) == Some(true) {
            return Err(at(
                e,
                "inserted",
                format!(
                    "entries follow the seal (line {}); nothing may be added to a sealed transcript",
                    line - 1
                ),
            ));
        }
        // Swapped with the next entry: it links to the next one, the next one links to the
        // entry before, and the chain continues from it (or it was the last pair).
        if i + 1 < n
            && e.prev == es[i + 1].hash
            && es[i + 1].prev == es[i - 1].hash
            && (i + 2 == n || es[i + 2].prev == e.hash)
        {
            return Err(bad(format!(
                "lines {line} and {}: reordered: entry seq {} comes before entry seq {} (the entries were swapped)",
                line + 1,
                e.seq,
                es[i + 1].seq
            )));
        }
        if i + 1 < n && es[i + 1].prev == es[i - 1].hash {
            return Err(at(
                e,
                "inserted",
                format!(
                    "this entry is not part of the chain: the next entry (line {}) links to line {}, skipping it",
                    line + 1,
                    line - 1
                ),
            ));
        }
        match line_of_hash(&e.prev) {
            Some(j) if j + 1 < i => {
                return Err(bad(format!(
                    "line{} {}: inserted: entry seq {} (line {line}) links to line {}, so the line{} in between {} not part of the chain",
                    if i - j > 2 { "s" } else { "" },
                    if i - j > 2 {
                        format!("{}–{}", j + 2, line - 1)
                    } else {
                        format!("{}", j + 2)
                    },
                    e.seq,
                    j + 1,
                    if i - j > 2 { "s" } else { "" },
                    if i - j > 2 { "are" } else { "is" },
                )));
            }
            Some(j) => {
                return Err(bad(format!(
                    "line {line}: reordered: entry seq {} links to line {}, which comes after it",
                    e.seq,
                    j + 1
                )));
            }
            None => {}
        }
        if e.seq == i as u64 + 1 && es[i - 1].seq == i as u64 - 1 {
            return Err(bad(format!(
                "line {line}: deleted: entry seq {i} is missing — line {} holds entry seq {} and line {line} holds entry seq {}, which links to an entry that is not in the file",
                line - 1,
                i - 1,
                e.seq
            )));
        }
        let next_broken = i + 1 < n && es[i + 1].prev != e.hash;
        let seal_broken = i + 1 == n && e.action == "seal" && seal_signature_ok(e) == Some(false);
        if next_broken || seal_broken {
            return Err(at(
                e,
                "modified",
                format!(
                    "its link to the previous entry (line {}) was altered",
                    line - 1
                ),
            ));
        }
        let p = &es[i - 1];
        return Err(at(
            p,
            "modified",
            format!(
                "its SHA-256 no longer matches the link recorded in the next entry (seq {}, line {line}): it was changed after it was written",
                e.seq
            ),
        ));
    }
    Ok(())
}
