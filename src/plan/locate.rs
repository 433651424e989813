//! Where a value of a plan is in its text: the line and column of a key path (`holders`, 2,
//! `name`), for the errors of the checks that come after deserialisation.

use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or an array index.
#[derive(Clone, Copy, Debug)]
pub(super) enum Seg<'a> {
    /// A key of a table.
    Key(&'a str),
    /// An index of an array (an array of tables included), from 0.
    Index(usize),
}

/// The 1-based line and column of the value at `path` in `text`, if it is there.
pub(super) fn locate(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
    let root = DeTable::parse(text).ok()?;
    let mut span = root.span();
    let mut table = Some(root.get_ref());
    let mut array: Option<&toml::de::DeArray> = None;
    for seg in path {
        let value = match (seg, table, array) {
            (Seg::Key(k), Some(t), _) => t.iter().find(|(key, _)| key.get_ref() == k)?.1,
            (Seg::Index(i), _, Some(a)) => a.get(*i)?,
            _ => return None,
        };
        span = value.span();
        (table, array) = match value.get_ref() {
            DeValue::Table(t) => (Some(t), None),
            DeValue::Array(a) => (None, Some(a)),
            _ => (None, None),
        };
    }
    Some(crate::tomlpos::position(text, span.start))
}

/// `plan ORIGIN, line L, column C` for the value at `path`, or `plan ORIGIN` if it is not in
/// the text (a default).
pub(super) fn at(origin: &str, text: &str, path: &[Seg]) -> String {
    match locate(text, path) {
        Some((line, column)) => format!("plan {origin}, line {line}, column {column}"),
        None => format!("plan {origin}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Seg::{Index, Key};

    const TEXT: &str =
        "[ceremony]\nname = \"x\"\n\n[[holders]]\nname = \"A\"\n\n[[holders]]\n  name = \"B\"\n";

    #[test]
    fn finds_keys_and_array_entries() {
        assert_eq!(locate(TEXT, &[Key("ceremony"), Key("name")]), Some((2, 8)));
        assert_eq!(
            locate(TEXT, &[Key("holders"), Index(1), Key("name")]),
            Some((8, 10))
        );
        assert_eq!(locate(TEXT, &[Key("holders"), Index(2), Key("name")]), None);
        assert_eq!(locate(TEXT, &[Key("quorum"), Key("shares")]), None);
        assert_eq!(at("p.toml", TEXT, &[Key("nope")]), "plan p.toml");
        assert_eq!(at("p.toml", "a = [", &[Key("a")]), "plan p.toml");
    }
}
