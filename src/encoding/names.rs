//! File names as transcripts and input copies record them.

use std::path::Path;

/// The base name of `p` (its last component), for transcripts and the copies of inputs; the
/// whole path when it has none (`/`, `..`), which no file that was read can be.
pub fn base_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
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
