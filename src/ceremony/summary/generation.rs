//! The result of a generation ceremony (`rootkey generate`, `rehearse`): what was made, the
//! fingerprint for the read-aloud, the files by bare name, and the steps that remain.

use std::fmt::Write;

use super::{BANNER, WIDTH, fingerprint_lines, label_value, pgp_word_lines, shell_word};
use crate::ceremony::GenerateReport;

/// How a generated share is held, from its file (or its absence when printed).
enum Held<'a> {
    Text(&'a str),
    Paper(&'a str),
    Printed,
    Token(&'a str),
}

fn held<'a>(r: &'a GenerateReport, index: u8, path: &'a std::path::Path) -> Held<'a> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    if r.printed.iter().any(|(p, _)| *p == index) {
        Held::Printed
    } else if path.extension().is_some_and(|e| e == "token") {
        Held::Token(name)
    } else if path.extension().is_some_and(|e| e == "pdf") {
        Held::Paper(name)
    } else {
        Held::Text(name)
    }
}

/// Summary of a generation ceremony: what was made (the fingerprint in hex and PGP words for
/// the read-aloud), the output directory once and its files by bare name, and the steps that
/// remain, in order.
pub fn generated(r: &GenerateReport) -> String {
    let mut s = String::new();
    if r.rehearsal {
        let _ = writeln!(s, "{BANNER}");
    }
    let _ = writeln!(s, "Generated root key and certificate");
    let _ = writeln!(s, "  ceremony id   {}", r.ceremony_id);
    label_value(&mut s, "  subject      ", &r.subject, 16);
    let _ = writeln!(
        s,
        "  fingerprint   {}",
        fingerprint_lines(&r.fingerprint, 16)
    );
    let _ = writeln!(s, "  read aloud (PGP words, one per byte):");
    for l in pgp_word_lines(&r.fingerprint, 4) {
        let _ = writeln!(s, "{l}");
    }
    let dir = r.root_path.parent().unwrap_or(std::path::Path::new("."));
    let dir_shown = dir.display().to_string();
    label_value(&mut s, "Output directory:", &dir_shown, 2);
    let base = |p: &std::path::Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut files = vec![base(&r.root_path), base(&r.manifest_path)];
    if let Some(t) = &r.transcript_path {
        files.push(base(t));
    }
    let _ = writeln!(s, "  {}", files.join(", "));
    let _ = writeln!(
        s,
        "Split {}-of-{}: all {} subsets of {} shares were recombined and rebuild the key",
        r.threshold,
        r.shares.len(),
        r.subsets_checked,
        r.threshold
    );
    let holder_w = r
        .shares
        .iter()
        .map(|(_, h, _)| h.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    for (i, holder, path) in &r.shares {
        let what = match held(r, *i, path) {
            Held::Printed => "paper shard sent to the printer (no file)".to_string(),
            // A token payload is public (0644): useless without the holder's token.
            Held::Token(n) => format!("on the token; payload {n} (0644)"),
            Held::Paper(n) => format!("{n} (paper, 0600)"),
            Held::Text(n) => format!("{n} (text, 0600)"),
        };
        let left = format!("  share {i:>2}  {holder:<holder_w$}  ");
        if left.chars().count() + what.chars().count() <= WIDTH {
            let _ = writeln!(s, "{left}{what}");
        } else {
            let _ = writeln!(s, "{}\n             {what}", left.trim_end());
        }
    }
    if !r.memory_locked {
        let _ = writeln!(
            s,
            "WARNING: secret memory was NOT locked (--allow-unlocked-memory);\n  recorded in the manifest"
        );
    }
    if r.sealed {
        let _ = writeln!(
            s,
            "The root key sealed the transcript and has been wiped from memory."
        );
    } else {
        let _ = writeln!(s, "The root key has been wiped from memory.");
    }
    next_steps(&mut s, r, dir);
    s
}

/// The steps that remain after a generation, in order, with the commands to type in the
/// output directory.
fn next_steps(s: &mut String, r: &GenerateReport, dir: &std::path::Path) {
    let dir_word = shell_word(&dir.display().to_string());
    let _ = writeln!(
        s,
        "\nNext steps, in order, with commands typed in the output directory:"
    );
    let _ = writeln!(s, "  cd {dir_word}");
    let mut n = 0;
    let mut step = |s: &mut String, text: &str| {
        n += 1;
        let _ = writeln!(s, "  {n}. {text}");
    };
    let (mut text, mut pdf, mut printed, mut token) = (false, false, false, false);
    for (i, _, p) in &r.shares {
        match held(r, *i, p) {
            Held::Text(_) => text = true,
            Held::Paper(_) => pdf = true,
            Held::Printed => printed = true,
            Held::Token(_) => token = true,
        }
    }
    if pdf {
        step(
            s,
            "Print each paper shard (share-NN-*.pdf) at 100 % and hand it to its holder.",
        );
    } else if printed {
        step(s, "Hand each printed paper shard to its holder.");
    }
    step(
        s,
        "Each holder checks their share alone (no other share is needed):",
    );
    let _ = writeln!(
        s,
        "       rootkey share verify --manifest manifest.json --root root.pem SHARE"
    );
    let _ = writeln!(s, "     where SHARE is, for");
    let who_w = r
        .shares
        .iter()
        .map(|(i, h, _)| format!("share {i} ({h})").chars().count())
        .max()
        .unwrap_or(0);
    for (i, holder, p) in &r.shares {
        let arg = match held(r, *i, p) {
            Held::Text(n) => shell_word(n),
            Held::Paper(_) | Held::Printed => "--qr-image PHOTO (of the printout)".to_string(),
            Held::Token(_) => format!("--token-share {i} (then the PIN)"),
        };
        let who = format!("share {i} ({holder})");
        let who = format!("       {who:<who_w$}");
        if who.chars().count() + 2 + arg.chars().count() <= WIDTH {
            let _ = writeln!(s, "{who}  {arg}");
        } else {
            let _ = writeln!(s, "{who}\n         {arg}");
        }
    }
    if token {
        let _ = writeln!(
            s,
            "     (a PKCS#11 token also needs --pkcs11-module PATH, as at generation)"
        );
    }
    if text {
        step(
            s,
            "Once each text-share holder has their copy, wipe the text share files:",
        );
        let _ = writeln!(s, "       rootkey share wipe .");
    }
    if pdf {
        step(
            s,
            "Once every paper shard is printed and checked, wipe the shard PDFs:",
        );
        let _ = writeln!(s, "       rootkey paper wipe .");
    }
    step(
        s,
        "Each witness attests the sealed transcript with their key:",
    );
    let _ = writeln!(
        s,
        "       rootkey transcript attest transcript.jsonl --root root.pem \\\n           --key WITNESS-KEY.pem --name \"WITNESS NAME\""
    );
}
