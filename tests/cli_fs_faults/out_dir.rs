//! (e) A dangling `--out` link and a FAT file system (mounted with fusefat) get their own
//! messages, and a refused `--out` leaves no directory behind.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

use crate::common::{rootkey, s};
use crate::fixture::*;

// (e) A dangling --out link and a FAT file system.

#[test]
fn a_dangling_out_link_is_named_and_nothing_is_created() {
    let w = fixture().dir.join("dangling");
    private_dir(&w);
    let link = w.join("out");
    let target = w.join("gone");
    symlink(&target, &link).unwrap();
    let (l, t) = (s(&link), s(&target));
    for (out, shown) in [
        (link.clone(), l.clone()),
        (link.join("sub"), format!("{l}/sub")),
    ] {
        let which = if out == link {
            String::new()
        } else {
            format!(" {l}")
        };
        let r = rootkey(["rehearse".as_ref(), "--out".as_ref(), out.as_os_str()]);
        r.code(1);
        assert_eq!(
            r.stderr,
            format!(
                "error: --out {shown}:{which} is a symbolic link to {t}, which does not exist; nothing was written\n  next step: create the directory it points to (mkdir -m 700 {t}) or remove the link (rm {l}), then run again\n"
            )
        );
        assert!(!target.exists());
    }
}

/// A FAT image mounted with fusefat; unmounted on drop.
struct Fat {
    _dir: TempDir,
    mnt: PathBuf,
}

impl Fat {
    fn mount() -> Option<Fat> {
        let have = |tool: &str| {
            Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool}"))
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !(have("mkfs.vfat") && have("fusefat") && Path::new("/dev/fuse").exists()) {
            eprintln!("skipped: mkfs.vfat (dosfstools), fusefat or /dev/fuse missing");
            return None;
        }
        let dir = TempDir::new().unwrap();
        let img = dir.path().join("fat.img");
        let mnt = dir.path().join("mnt");
        fs::create_dir(&mnt).unwrap();
        fs::File::create(&img).unwrap().set_len(16 << 20).unwrap();
        let mk = Command::new("mkfs.vfat").arg(&img).output().unwrap();
        assert!(mk.status.success(), "{mk:?}");
        let m = Command::new("fusefat")
            .args(["-o", "rw+"])
            .arg(&img)
            .arg(&mnt)
            .output()
            .unwrap();
        if !m.status.success() {
            eprintln!("skipped: fusefat cannot mount here: {m:?}");
            return None;
        }
        Some(Fat { _dir: dir, mnt })
    }
}

impl Drop for Fat {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.mnt).output();
    }
}

#[test]
fn fat_is_refused_with_the_documented_message_and_no_directory_is_left() {
    let Some(fat) = Fat::mount() else {
        return;
    };
    let out = fat.mnt.join("ceremony/2026");
    let o = s(&out);
    let r = rootkey(["rehearse", "--out", o.as_str()]);
    r.code(4);
    assert_eq!(
        r.stderr,
        format!(
            "error: --out {o}: this file system does not keep file permissions (setting mode 0600 failed: Function not implemented (os error 38)); rootkey writes only where it can set each file's mode (a share must be 0600) — FAT, as on a USB stick, is like that\n  next step: write to a Linux file system, e.g. tmpfs under /dev/shm (copy public files elsewhere afterwards)\n"
        )
    );
    assert!(
        listing(&fat.mnt).is_empty(),
        "left behind: {:?}",
        listing(&fat.mnt)
    );
    // A single-file output says the same, and leaves no temporary file.
    let report = fat.mnt.join("report.md");
    let r = rootkey([
        "transcript".as_ref(),
        "report".as_ref(),
        fixture().dir.join("root/transcript.jsonl").as_os_str(),
        "--out".as_ref(),
        report.as_os_str(),
    ]);
    // A report that cannot be written is the environment's failure (exit 4), not an invalid
    // transcript (exit 1).
    r.code(4).stderr_has(&[&format!(
        "error: {}: this file system does not keep file permissions (setting mode 0644 failed: Function not implemented (os error 38))",
        report.display()
    )]);
    assert!(
        listing(&fat.mnt).is_empty(),
        "left behind: {:?}",
        listing(&fat.mnt)
    );
}

#[test]
fn a_file_system_without_hard_links_is_refused_and_no_directory_is_left() {
    if !strace_works() {
        return;
    }
    // A kernel FAT mount with umask=077 keeps mode 0600 but refuses link(2) with EPERM: the
    // first link(2) of a run is the output-directory probe's.
    let w = fixture().dir.join("no-links");
    private_dir(&w);
    let out = w.join("new/ceremony");
    let o = under_strace(
        &[
            "-e",
            "trace=linkat",
            "-e",
            "inject=linkat:error=EPERM:when=1",
        ],
        &generate(&out),
    );
    assert_eq!(o.status.code(), Some(4), "{o:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "error: --out {}: this file system has no hard links (link: Operation not permitted (os error 1)), which rootkey needs to put each file in place without ever replacing one — FAT, as on a USB stick, is like that\n  next step: write to a Linux file system, e.g. tmpfs under /dev/shm (copy public files elsewhere afterwards)\n",
            out.display()
        )
    );
    assert!(listing(&w).is_empty(), "left behind: {:?}", listing(&w));
}
