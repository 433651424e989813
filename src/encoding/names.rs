//! File names as transcripts and input copies record them.

use std::path::Path;

/// The base name of `p` (its last component), for transcripts and the copies of inputs; the
/// whole path when it has none (`/`, `..`), which no file that was read can be.
pub fn base_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// A bare file name as the formats record one: not empty, not `.` or `..`, no `/`, no NUL,
/// at most 255 bytes, no unsafe character.
pub fn is_bare_file_name(s: &str) -> bool {
    !(s.is_empty()
        || s == "."
        || s == ".."
        || s.len() > 255
        || s.contains('/')
        || s.chars().any(crate::error::is_unsafe_char))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_component() {
        assert_eq!(base_name(Path::new("a/b/root.pem")), "root.pem");
        assert_eq!(base_name(Path::new("root.pem")), "root.pem");
        assert_eq!(base_name(Path::new("/")), "/");
    }
}
