//! Where in a TOML file (plan, certificate profile) something is wrong: the line and the key,
//! for error messages. A foundation helper: it knows TOML text, nothing about ceremonies.

/// `toml`'s error as `ORIGIN, line N, key K: message` (line and key when they can be told).
pub fn describe(origin: &str, text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim();
    let Some(span) = e.span() else {
        return format!("{origin}: {message}");
    };
    let start = span.start.min(text.len());
    let line = text[..start].matches('\n').count() + 1;
    match key_at(text, line) {
        Some(key) => format!("{origin}, line {line}, key {key}: {message}"),
        None => format!("{origin}, line {line}: {message}"),
    }
}

/// The table a `[header]` line opens (`[[holders]]` gives `holders`).
fn header(line: &str) -> Option<String> {
    let t = line.trim();
    let inner = t
        .strip_prefix("[[")
        .and_then(|r| r.split("]]").next())
        .or_else(|| t.strip_prefix('[').and_then(|r| r.split(']').next()))?;
    Some(inner.trim().to_string())
}

/// The dotted key defined on line `n` (1-based), with the table it is in.
fn key_at(text: &str, n: usize) -> Option<String> {
    let mut table = String::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(h) = header(line) {
            table = h;
            if i + 1 == n {
                return Some(table);
            }
            continue;
        }
        if i + 1 == n {
            let (k, _) = line.split_once('=')?;
            let k = k.trim().trim_matches('"');
            if k.is_empty() || k.starts_with('#') {
                return None;
            }
            return Some(if table.is_empty() {
                k.to_string()
            } else {
                format!("{table}.{k}")
            });
        }
    }
    None
}

/// The 1-based line on which the dotted `key` (e.g. `validity.days`) is set, if it is.
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let (table, name) = key.rsplit_once('.').unwrap_or(("", key));
    let mut current = String::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(h) = header(line) {
            current = h;
            continue;
        }
        if current == table
            && line
                .split_once('=')
                .is_some_and(|(k, _)| k.trim().trim_matches('"') == name)
        {
            return Some(i + 1);
        }
    }
    None
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// `origin` followed by `, line N` when `key` is set in `text`.
pub fn at(origin: &str, text: &str, key: &str) -> String {
    match line_of(text, key) {
        Some(n) => format!("{origin}, line {n}"),
        None => origin.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "name = \"x\"\n\n[validity]\n# c\ndays = \"many\"\noverlap_days = 3\n";

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct V {
        days: u32,
        overlap_days: u32,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct T {
        name: String,
        validity: V,
    }

    #[test]
    fn names_the_line_and_the_key() {
        let e = toml::from_str::<T>(TEXT).err().unwrap();
        assert_eq!(
            describe("p.toml", TEXT, &e),
            "p.toml, line 5, key validity.days: invalid type: string \"many\", expected u32"
        );
        assert_eq!(line_of(TEXT, "validity.overlap_days"), Some(6));
        assert_eq!(line_of(TEXT, "name"), Some(1));
        assert_eq!(position(TEXT, 0), (1, 1));
        assert_eq!(position(TEXT, TEXT.find("\"many").unwrap()), (5, 8));
        assert_eq!(at("p.toml", TEXT, "validity.days"), "p.toml, line 5");
        let unknown = TEXT.replace("overlap_days", "overlap");
        let e = toml::from_str::<T>(&unknown.replace("\"many\"", "1"))
            .err()
            .unwrap();
        assert_eq!(
            describe("p.toml", &unknown, &e),
            "p.toml, line 3, key validity: missing field `overlap_days`"
        );
    }
}
