//! Text within the screen's width: instructions and questions broken at spaces ([`wrap`]),
//! and error messages with their next step aligned under their labels ([`wrap_error`]).

/// `text` broken at spaces so that no line is longer than `width` characters (a word longer
/// than `width` stays whole on its own line); existing line breaks are kept. For instructions
/// and questions shown at the terminal (`SCREEN_COLUMNS`).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut col = 0;
        for word in line.split(' ') {
            let w = word.chars().count();
            if col > 0 && col + 1 + w > width {
                out.push('\n');
                col = 0;
            } else if col > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(word);
            col += w;
        }
    }
    out
}

/// An error message (`error: …` and its `  next step: …` line) wrapped to `width` columns at
/// spaces, each continuation aligned under the text after its label (`error: `,
/// `  next step: `); a word longer than the line stays whole.
pub fn wrap_error(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let label = ["error: ", "  next step: "]
            .into_iter()
            .find(|l| line.starts_with(l))
            .map_or(0, str::len);
        let indent = " ".repeat(label);
        let body = wrap(&line[label..], width.saturating_sub(label).max(20));
        for (j, part) in body.split('\n').enumerate() {
            if j == 0 {
                out.push_str(&line[..label]);
            } else {
                out.push('\n');
                out.push_str(&indent);
            }
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod wrap_tests {
    #[test]
    fn errors_wrap_under_their_labels() {
        let text = "error: network interface(s) up: eth0 — a real ceremony starts only on an air-gapped machine; nothing was written\n  next step: unplug the network cable and turn Wi-Fi off (`ip link` lists the interfaces; `ip link set eth0 down`), then run again\n";
        let w = super::wrap_error(text, 80);
        assert_eq!(
            w,
            "error: network interface(s) up: eth0 — a real ceremony starts only on an\n       air-gapped machine; nothing was written\n  next step: unplug the network cable and turn Wi-Fi off (`ip link` lists the\n             interfaces; `ip link set eth0 down`), then run again\n"
        );
        assert!(w.lines().all(|l| l.chars().count() <= 80));
        // Short messages are unchanged.
        let short = "error: no such file\n  next step: check the path\n";
        assert_eq!(super::wrap_error(short, 80), short);
    }

    #[test]
    fn wrap_breaks_at_spaces_keeps_breaks_and_long_words() {
        assert_eq!(super::wrap("aa bb cc\ndd", 5), "aa bb\ncc\ndd");
        assert_eq!(super::wrap("a verylongword b", 4), "a\nverylongword\nb");
        assert_eq!(super::wrap("fits\n", 80), "fits\n");
        let long = "word ".repeat(40);
        assert!(
            super::wrap(&long, 80)
                .lines()
                .all(|l| l.chars().count() <= 80)
        );
    }
}
