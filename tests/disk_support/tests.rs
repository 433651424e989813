//! The log parser and the checks, on hand-made log fragments: each planted write is caught.

use std::path::{Path, PathBuf};

use super::secrets::designated;
use super::{Dest, Secret, Trace};

fn x(s: &str) -> String {
    s.bytes().map(|b| format!("\\x{b:02x}")).collect()
}

const ROW: &str = "ABCDEFGHJKMN";

/// A run that writes share 1 through a temporary file linked into place, a transcript
/// entry from a thread (in two writes), and lets `lp` (another program) print the row.
fn log(extra: &[String]) -> String {
    let tmp = x("/out/.share-01-a.txt.tmp-0123456789ab");
    let mut l = vec![
        format!("100 execve(\"{}\", [\"{}\"], 0x7ffd /* 3 vars */) = 0", x("/bin/rootkey"), x("rootkey")),
        format!("100 openat(AT_FDCWD, \"{tmp}\", O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600) = 3"),
        format!("100 write(3, \"{}\", 12) = 12", x(ROW)),
        "100 close(3)                          = 0".into(),
        format!("100 linkat(AT_FDCWD, \"{tmp}\", AT_FDCWD, \"{}\", 0) = 0", x("/out/share-01-a.txt")),
        format!("100 unlink(\"{tmp}\")                = 0"),
        format!("100 openat(AT_FDCWD, \"{}\", O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC, 0644) = 3", x("/out/transcript.jsonl")),
        "100 clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, exit_signal=0}, 88 <unfinished ...>".into(),
        format!("101 write(3, \"{}\", 6) = 6", x("{\"a\":1")),
        "100 <... clone3 resumed> => {parent_tid=[101]}, 88) = 101".into(),
        format!("101 writev(3, [{{iov_base=\"{}\", iov_len=2}}], 1) = 2", x("}\n")),
        "100 pipe2([5, 6], O_CLOEXEC)          = 0".into(),
        "100 vfork( <unfinished ...>".into(),
        "102 dup2(5, 0)                        = 0".into(),
        format!("102 execve(\"{}\", [\"{}\"], 0x7ffd /* 3 vars */) = 0", x("/usr/bin/lp"), x("lp")),
        format!("102 write(1, \"{}\", 12) = 12", x(ROW)),
        "100 <... vfork resumed>)              = 102".into(),
        format!("100 write(6, \"{}\", 12) = 12", x(ROW)),
        format!("100 write(2, \"{}\", 3) = 3", x("ok\n")),
    ];
    l.extend(extra.iter().cloned());
    l.join("\n")
}

fn secrets() -> Vec<Secret> {
    vec![Secret {
        name: "share 1 row 1".into(),
        bytes: ROW.as_bytes().to_vec(),
        owner: Some(1),
    }]
}

fn check(t: &Trace, printer: bool) -> Vec<String> {
    let printed: &[u8] = if printer { &[1] } else { &[] };
    let mut v = t.violations(&secrets(), designated(t, Path::new("/out"), printed));
    v.extend(t.leftovers(&[Path::new("/out")]));
    v
}

#[test]
fn a_clean_run_passes_and_the_row_is_seen_in_its_file() {
    let t = Trace::parse(&log(&[]), Path::new("/"));
    assert_eq!(check(&t, true), Vec::<String>::new());
    let found: Vec<Vec<PathBuf>> = t.found(ROW.as_bytes()).iter().map(|d| t.names(d)).collect();
    assert!(
        found.contains(&vec![PathBuf::from("/out/share-01-a.txt")]),
        "{found:?}"
    );
    assert_eq!(t.written[&Dest::Stderr], b"ok\n");
    // Without a printer, the pipe is not a place for the share.
    assert_eq!(check(&t, false), ["share 1 row 1 written to a pipe"]);
}

#[test]
fn planted_writes_are_caught() {
    let cases = [
        // A thread writes the row into the transcript, cut in two writes.
        (
            vec![
                format!("101 write(3, \"{}\", 5) = 5", x("ABCDE")),
                format!("101 write(3, \"{}\", 7) = 7", x("FGHJKMN")),
            ],
            "share 1 row 1 written to /out/transcript.jsonl (first opened as /out/transcript.jsonl)",
        ),
        // On standard error, after a dup.
        (
            vec![
                "100 fcntl(2, F_DUPFD_CLOEXEC, 3)      = 7".into(),
                format!("100 write(7, \"{}\", 12) = 12", x(ROW)),
            ],
            "share 1 row 1 written to standard error",
        ),
        // Into another holder's file.
        (
            vec![
                format!(
                    "100 openat(AT_FDCWD, \"{}\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 8",
                    x("/out/share-02-b.txt")
                ),
                format!("100 pwrite64(8, \"{}\", 12, 0) = 12", x(ROW)),
            ],
            "share 1 row 1 written to /out/share-02-b.txt (first opened as /out/share-02-b.txt)",
        ),
        // A temporary file written, then removed: the bytes were on disk.
        (
            vec![
                format!(
                    "100 openat(AT_FDCWD, \"{}\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 8",
                    x("/out/.scratch")
                ),
                format!("100 write(8, \"{}\", 12) = 12", x(ROW)),
                format!("100 unlinkat(AT_FDCWD, \"{}\", 0) = 0", x("/out/.scratch")),
            ],
            "share 1 row 1 written to /out/.scratch (removed by the end)",
        ),
        // A temporary file left behind (no secret in it).
        (
            vec![format!(
                "100 openat(AT_FDCWD, \"{}\", O_WRONLY|O_CREAT|O_EXCL, 0600) = 8",
                x("/out/.manifest.json.tmp-0a")
            )],
            "temporary file left behind: /out/.manifest.json.tmp-0a",
        ),
        // A write strace cut short cannot be checked.
        (
            vec![format!("100 write(2, \"{}\"..., 4096) = 4096", x("ab"))],
            "log line 20: write of 4096 bytes shown truncated",
        ),
        // Bytes moved without being shown.
        (
            vec!["100 sendfile(1, 3, NULL, 12) = 12".into()],
            "log line 20: sendfile moved 12 bytes unseen",
        ),
    ];
    for (extra, want) in cases {
        let t = Trace::parse(&log(&extra), Path::new("/"));
        assert_eq!(check(&t, true), [want], "{extra:?}");
    }
}
