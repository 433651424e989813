//! Every argument of `rootkey generate` is checked before anything is created: a refused
//! `generate` leaves no `--out` directory (nor any missing parent of it) behind, and says
//! exactly what is wrong — the printer name, a paper layout that cannot fit, paper shards on
//! a persistent disk — while something at `--out` that is not a directory is still named as
//! such.

mod common;

use std::path::{Path, PathBuf};

use common::{INPUT, generate_run, repo_path, s};

/// A real plan without tokens (`tests/fixtures/real-text-paper-plan.toml`): holders 3–5 on
/// paper, not a rehearsal.
fn plan() -> PathBuf {
    repo_path("tests/fixtures/real-text-paper-plan.toml")
}

/// A temporary directory on the build's own disk (never RAM-backed on the machines that
/// run the persistent-disk tests; they say so and stop when it is).
fn disk_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

fn assert_not_created(out: &Path) {
    assert!(
        std::fs::symlink_metadata(out).is_err(),
        "{} was created by a refused generate",
        out.display()
    );
    let parent = out.parent().unwrap();
    assert!(
        std::fs::symlink_metadata(parent).is_err(),
        "{} was created by a refused generate",
        parent.display()
    );
}

#[test]
fn a_bad_printer_name_is_refused_before_the_out_directory_exists() {
    let t = disk_dir();
    let out = t.path().join("new/ceremony");
    let r = generate_run(&plan(), &out, &["--print-to", "office/duplex"]);
    r.code(INPUT);
    assert_eq!(
        r.stderr,
        "error: --print-to \"office/duplex\": not a printer name (no `/` instances, no leading `-`)\n  next step: list printers with: lpstat -p\n"
    );
    assert_eq!(r.stdout, "");
    assert_not_created(&out);
}

#[test]
fn a_paper_layout_that_cannot_fit_is_refused_before_the_out_directory_exists() {
    let t = tempfile::tempdir_in("/dev/shm").unwrap();
    let layout = t.path().join("paper.toml");
    let long = "Keep this sheet safe. ".repeat(18);
    let text = rootkey::paper::DEFAULT_PAPER_LAYOUT.replacen(
        "instructions = [",
        &format!("instructions = [\n  \"{long}\", \"{long}\", \"{long}\", \"{long}\", \"{long}\", \"{long}\", \"{long}\", \"{long}\",\n "),
        1,
    );
    std::fs::write(&layout, text).unwrap();
    let out = t.path().join("new/ceremony");
    let r = generate_run(&plan(), &out, &["--paper-layout", &s(&layout)]);
    r.code(INPUT);
    assert_eq!(r.stderr, GOLDEN_LAYOUT);
    assert_not_created(&out);
}

const GOLDEN_LAYOUT: &str = "error: paper layout, holder 3 (\"Legal counsel\"): paper shard: the layout's instructions, fields and signature lines do not fit on one page\n  next step: shorten text.instructions or drop entries in the paper layout\n";

#[test]
fn paper_shards_on_a_persistent_disk_are_refused_before_the_out_directory_exists() {
    let t = disk_dir();
    let fstype = rootkey::fsio::filesystem_type(t.path()).unwrap();
    if rootkey::fsio::is_ram_backed(&fstype) {
        println!(
            "note: {} is {fstype}; persistent-disk check skipped",
            t.path().display()
        );
        return;
    }
    let out = t.path().join("new/ceremony");
    let r = generate_run(&plan(), &out, &[]);
    r.code(INPUT);
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {}: paper shards must not land on a persistent disk, but this directory is on {fstype}\n  next step: use a RAM-backed directory (e.g. --out /dev/shm/ceremony), print directly with --print-to PRINTER, or pass --allow-persistent-output (recorded)\n",
            out.display()
        )
    );
    assert_not_created(&out);
}

/// The early disk check leaves what is at `--out` to the output-directory checks: a dangling
/// symbolic link is still named as one (and not called a persistent disk).
#[test]
fn a_dangling_link_as_out_is_still_named_as_such() {
    let t = disk_dir();
    let out = t.path().join("link");
    std::os::unix::fs::symlink(t.path().join("gone"), &out).unwrap();
    let r = generate_run(&plan(), &out, &[]);
    r.code(INPUT);
    assert!(
        r.stderr.starts_with(&format!(
            "error: --out {}: is a symbolic link to {}, which does not exist; nothing was written\n",
            out.display(),
            t.path().join("gone").display()
        )),
        "{}",
        r.stderr
    );
    assert!(!t.path().join("gone").exists());
}
