//! (c) A symbolic link named like any file a command writes is refused before the first write;
//! (d) `paper wipe` never zeroes through a symbolic or hard link.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use crate::common::{rootkey, s};
use crate::fixture::*;

// (c) A link named like any file a command writes is refused before the first write.

const LINK_HINT: &str = "  next step: use a new, empty output directory — rootkey never replaces a file and never writes through a link\n";

/// Runs `args` against an output directory holding only a symbolic link `name` (dangling, or
/// to an existing file); asserts the golden refusal and that nothing was written.
fn refused_for_link(out: &Path, name: &str, dangling: bool, args: &[String]) {
    private_dir(out);
    let victim = out.with_extension("victim");
    if dangling {
        let _ = fs::remove_file(&victim);
    } else {
        fs::write(&victim, b"not yours").unwrap();
    }
    symlink(&victim, out.join(name)).unwrap();
    let before = listing(out);
    let r = rootkey(args);
    r.code(1);
    let what = if dangling {
        format!(
            "a symbolic link to {}, which does not exist",
            victim.display()
        )
    } else {
        format!("a symbolic link to {}", victim.display())
    };
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {}: {name} ({what}) already exists, and this command writes a file of that name; nothing was written\n{LINK_HINT}",
            out.display()
        ),
        "{}",
        r.what
    );
    assert_eq!(listing(out), before, "{}: something was written", r.what);
    if dangling {
        assert!(!victim.exists(), "written through the link");
    } else {
        assert_eq!(fs::read(&victim).unwrap(), b"not yours");
    }
}

#[test]
fn a_link_named_like_an_output_or_input_copy_is_refused_before_any_write() {
    let f = fixture();
    let w = f.dir.join("links");
    let csr_name = f.csr.file_name().unwrap().to_string_lossy().into_owned();
    let combine = |out: &Path| {
        let mut a: Vec<String> = vec!["combine".into(), "--out".into(), s(out)];
        a.extend([
            "--root".into(),
            s(&f.c.root),
            "--manifest".into(),
            s(&f.c.manifest),
        ]);
        a.extend((1..=3).map(|i| s(f.c.share(i))));
        a
    };
    let cases: Vec<(&str, &str, bool, Vec<String>)> = vec![
        (
            "gen-share",
            "share-02-bob-rehearsal.txt",
            true,
            generate(&w.join("gen-share")),
        ),
        ("gen-root", "root.pem", false, generate(&w.join("gen-root"))),
        (
            "reh",
            "manifest.json",
            true,
            vec!["rehearse".into(), "--out".into(), s(&w.join("reh"))],
        ),
        ("comb", "transcript.jsonl", true, combine(&w.join("comb"))),
        (
            "rot-csr",
            &csr_name,
            true,
            rotation_args(f, &w.join("rot-csr"), true),
        ),
        (
            "rot-prev",
            "previous-intermediate.pem",
            false,
            rotation_args(f, &w.join("rot-prev"), true),
        ),
        (
            "rot-root",
            "root.pem",
            true,
            rotation_args(f, &w.join("rot-root"), true),
        ),
        (
            "rot-chain",
            "intermediate-chain.pem",
            true,
            rotation_args(f, &w.join("rot-chain"), false),
        ),
        (
            "crl-prev",
            "previous-root.crl",
            true,
            crl_args(f, &w.join("crl-prev"), true),
        ),
        (
            "crl-pem",
            "root.crl.pem",
            false,
            crl_args(f, &w.join("crl-pem"), true),
        ),
    ];
    for (dir, name, dangling, args) in cases {
        refused_for_link(&w.join(dir), name, dangling, &args);
    }
}

#[test]
fn transcript_report_checks_both_outputs_before_writing_either() {
    let f = fixture();
    let w = f.dir.join("report");
    private_dir(&w);
    let md = w.join("report.md");
    let pdf = w.join("report.pdf");
    symlink(w.join("nowhere.pdf"), &pdf).unwrap();
    let r = rootkey([
        "transcript".as_ref(),
        "report".as_ref(),
        f.dir.join("root/transcript.jsonl").as_os_str(),
        "--out".as_ref(),
        md.as_os_str(),
        "--pdf".as_ref(),
        pdf.as_os_str(),
    ]);
    r.code(1);
    assert_eq!(
        r.stderr,
        format!(
            "error: --pdf {}: already exists (a symbolic link to {}, which does not exist); refusing to overwrite it — nothing was written\n  next step: give a file name that does not exist yet\n",
            pdf.display(),
            w.join("nowhere.pdf").display()
        )
    );
    assert_eq!(
        listing(&w),
        [format!("report.pdf -> {}", s(&w.join("nowhere.pdf")))]
    );
}

// (d) paper wipe never zeroes through a link.

#[test]
fn paper_wipe_refuses_hard_links_and_symbolic_links() {
    let f = fixture();
    let dir = f.dir.join("wipe");
    rootkey(["rehearse", "--out", &s(&dir)]).ok();
    let p3 = dir.join("share-03-carol-rehearsal.pdf");
    let p4 = dir.join("share-04-dave-rehearsal.pdf");
    let p5 = dir.join("share-05-erin-rehearsal.pdf");
    // A hard link elsewhere to shard 3; shard 4 replaced by a link to a file outside.
    let other = f.dir.join("wipe-other-name.pdf");
    fs::hard_link(&p3, &other).unwrap();
    let outside = f.dir.join("wipe-outside.pdf");
    fs::rename(&p4, &outside).unwrap();
    symlink(&outside, &p4).unwrap();
    let (b3, b4) = (fs::read(&p3).unwrap(), fs::read(&outside).unwrap());
    let d = s(&dir);
    let r = rootkey(["paper", "wipe", d.as_str()]);
    r.code(1);
    assert_eq!(
        r.stdout,
        format!(
            "wiped {}\n1 paper shard file(s) overwritten and removed from {d}\n",
            s(&p5)
        )
    );
    assert_eq!(
        r.stderr,
        format!(
            "error: {p3} has 2 hard links: not wiped — overwriting it would also zero the same data under its other name(s)\n  next step: find the other names (find / -xdev -samefile {p3}), remove the ones that are not shards (rm), then run again\n\
             error: {p4} is a symbolic link to {o}, not a shard file: not wiped, and nothing was written through it\n  next step: remove the link (rm {p4}); if {o} is a shard, wipe it where it is\n\
             error: 2 file(s) could not be wiped: {p3}, {p4}\n  next step: they may still hold shares: deal with each as its error says\n",
            p3 = s(&p3),
            p4 = s(&p4),
            o = s(&outside)
        )
    );
    assert_eq!(fs::read(&p3).unwrap(), b3, "zeroed through a hard link");
    assert_eq!(fs::read(&other).unwrap(), b3);
    assert_eq!(
        fs::read(&outside).unwrap(),
        b4,
        "zeroed through a symbolic link"
    );
    assert!(!p5.exists());
    // Once the extra name and the link are gone, the shard is wiped.
    fs::remove_file(&other).unwrap();
    fs::remove_file(&p4).unwrap();
    rootkey(["paper", "wipe", d.as_str()])
        .ok()
        .stdout_has(&[&format!("wiped {}\n", s(&p3))]);
    assert!(!p3.exists());
}
