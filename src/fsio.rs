//! Output files: written atomically (temp file, fsync, link into place, fsync directory),
//! never overwriting anything, secrets created 0600.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Kind, Result};

/// Mode for secret files (shares).
pub const SECRET_MODE: u32 = 0o600;
/// Mode for public files (certificates, manifests, transcripts).
pub const PUBLIC_MODE: u32 = 0o644;

/// Reads a public input file (manifest, certificate, plan, profile): must be a regular file of
/// at most `max` bytes. `what` names it in errors ("manifest", "root certificate", …).
pub fn read_public(path: &Path, max: u64, what: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let shown = path.display();
    let f = open_regular(path, &format!("{what} {shown}"))?;
    // Room for the whole file at once (`take` hides its size from `read_to_end`): no copies
    // of a growing buffer, each wiped when freed.
    let size = f.metadata().map_or(0, |m| m.len()).min(max + 1);
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    f.take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::new(Kind::Unreadable, format!("cannot read {what} {shown}: {e}")))?;
    if out.len() as u64 > max {
        return Err(Error::new(
            Kind::Unreadable,
            format!("{what} {shown} is more than the {max} bytes a {what} can be"),
        ));
    }
    Ok(out)
}

/// Opens `path` once (non-blocking, so a FIFO cannot hang us) and checks on the open file that
/// it is a regular file; reads then go through the same descriptor, so the file cannot be
/// swapped between the check and the read.
/// `label` names the file in messages ("plan p.toml"); empty when the caller adds context.
fn open_regular(path: &Path, label: &str) -> Result<File> {
    let (sp, prefix) = if label.is_empty() {
        ("", String::new())
    } else {
        (" ", format!("{label} "))
    };
    let cannot =
        |e: std::io::Error| Error::new(Kind::Unreadable, format!("cannot read{sp}{label}: {e}"));
    let f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(cannot)?;
    let meta = f.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(Error::new(
            Kind::Unreadable,
            format!("{prefix}is not a regular file"),
        ));
    }
    Ok(f)
}

/// A fresh temporary name next to `path`: `.NAME.tmp-` and 12 random hex digits (the form
/// `ceremony::outdir::prepare_out_dir` recognises as a leftover).
pub fn temp_path(path: &Path) -> Result<PathBuf> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rnd = [0u8; 6];
    getrandom::fill(&mut rnd)
        .map_err(|e| Error::new(Kind::Random, format!("OS random number generator: {e}")))?;
    Ok(dir.join(format!(".{name}.tmp-{}", hex::encode(rnd))))
}

/// Writes `bytes` to `path` atomically with `mode`, refusing to replace an existing file.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = temp_path(path)?;
    let io = |what: &str, e: std::io::Error| {
        Error::new(Kind::Io, format!("{}: {what}: {e}", path.display()))
    };
    let result: Result<()> = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| io("cannot create temporary file", e))?;
        // Explicit chmod: the umask must not decide the mode.
        f.set_permissions(fs::Permissions::from_mode(mode))
            .map_err(|e| {
                if unsupported(&e) {
                    no_modes(
                        &path.display().to_string(),
                        &format!("setting mode {mode:04o} failed: {e}"),
                    )
                } else {
                    io("cannot set the file mode", e)
                }
            })?;
        f.write_all(bytes).map_err(|e| io("write failed", e))?;
        f.sync_all().map_err(|e| io("fsync failed", e))?;
        drop(f);
        let exists = || {
            Error::new(
                Kind::WouldOverwrite,
                format!(
                    "{} already exists; refusing to overwrite it",
                    path.display()
                ),
            )
        };
        // link(2) fails if the target exists: an atomic "create, never replace". A plain
        // rename would silently replace a file, so there is no fallback: file systems without
        // hard links are already refused by prepare_out_dir (they do not keep modes either).
        match fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
            Err(e) if unsupported(&e) => Err(no_links(&path.display().to_string(), &e)),
            Err(e) => Err(io("cannot move into place (hard link)", e)),
        }
    })();
    if let Err(e) = fs::remove_file(&tmp)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        // The temporary file may hold a share: never leave it behind silently.
        let written = if result.is_ok() {
            format!("{} was written, but ", path.display())
        } else {
            String::new()
        };
        let err = Error::new(
            Kind::Io,
            format!(
                "{written}its temporary copy {} could not be removed: {e}",
                tmp.display()
            ),
        )
        .hint("remove that file by hand (it may hold a secret share)");
        return Err(match result {
            Err(first) => first.hint(format!(
                "also remove the temporary file {} by hand (it may hold a secret share)",
                tmp.display()
            )),
            Ok(()) => err,
        });
    }
    result?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("fsync of directory failed", e))?;
    Ok(())
}

/// A file-name-safe slug of a holder name: lowercase ASCII letters and digits, `-` between.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let cut: String = out.chars().take(40).collect();
    let t = cut.trim_end_matches('-');
    if t.is_empty() {
        "holder".into()
    } else {
        t.to_string()
    }
}

/// Reads a regular file into locked memory (at most `max` bytes). Errors do not repeat the
/// path: callers add it as context.
pub fn read_secret(path: &Path, max: usize) -> Result<crate::secret::SecretBytes> {
    use std::io::Read;
    let mut f = open_regular(path, "")?;
    let mut buf = crate::secret::SecretBytes::zeroed(max + 1)?;
    let mut n = 0;
    loop {
        let r = f
            .read(&mut buf.as_mut_slice()[n..])
            .map_err(|e| Error::new(Kind::Unreadable, format!("cannot read: {e}")))?;
        if r == 0 {
            break;
        }
        n += r;
        if n > max {
            return Err(Error::new(
                Kind::Unreadable,
                format!("larger than {max} bytes, so not a share file"),
            )
            .hint("give the share's text file as written by rootkey"));
        }
    }
    buf.truncate(n);
    Ok(buf)
}

/// The file system type of the mount holding `dir` (`tmpfs`, `ext4`, …), from
/// `/proc/self/mountinfo`: the mount whose device is the directory's, else the mount point that
/// is the longest prefix of its canonical path.
pub fn filesystem_type(dir: &Path) -> Result<String> {
    use std::os::unix::fs::MetadataExt;
    let shown = dir.display();
    let canon = fs::canonicalize(dir)
        .map_err(|e| Error::new(Kind::Io, format!("{shown}: cannot resolve: {e}")))?;
    let dev = fs::metadata(&canon)
        .map_err(|e| Error::new(Kind::Io, format!("{shown}: cannot stat: {e}")))?
        .dev();
    let (major, minor) = (
        ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff),
        (dev & 0xff) | ((dev >> 12) & !0xff),
    );
    let info = fs::read_to_string("/proc/self/mountinfo").map_err(|e| {
        Error::new(
            Kind::Io,
            format!("cannot read /proc/self/mountinfo to check {shown}: {e}"),
        )
    })?;
    let mut by_dev = None;
    let mut by_prefix: Option<(usize, String)> = None;
    for line in info.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let f: Vec<&str> = left.split(' ').collect();
        let Some(fstype) = right.split(' ').next() else {
            continue;
        };
        if f.len() < 5 {
            continue;
        }
        if f[2] == format!("{major}:{minor}") {
            by_dev = Some(fstype.to_string());
        }
        let mount = unescape_mount(f[4]);
        if canon.starts_with(&mount) && by_prefix.as_ref().is_none_or(|(l, _)| mount.len() >= *l) {
            by_prefix = Some((mount.len(), fstype.to_string()));
        }
    }
    by_dev.or(by_prefix.map(|(_, t)| t)).ok_or_else(|| {
        Error::new(
            Kind::Io,
            format!("{shown}: its file system is not in /proc/self/mountinfo"),
        )
    })
}

/// Mount points in mountinfo escape space, tab, newline and backslash as `\ooo`.
fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 4 <= b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 4], 8)
        {
            out.push(v);
            i += 4;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// True for file systems whose contents live only in RAM (`tmpfs`, `ramfs`).
pub fn is_ram_backed(fstype: &str) -> bool {
    matches!(fstype, "tmpfs" | "ramfs")
}

/// Opens a file to overwrite it, refusing (with the reason, nothing written) a symbolic link,
/// anything but a regular file, and a file with more than one hard link: zeroing it would also
/// zero the same data under its other names.
fn open_to_wipe(p: &Path) -> Result<File> {
    use std::os::unix::fs::MetadataExt;
    let shown = p.display();
    let io = |what: &str, e: std::io::Error| Error::new(Kind::Io, format!("{shown}: {what}: {e}"));
    let lm = fs::symlink_metadata(p).map_err(|e| io("cannot check", e))?;
    if lm.file_type().is_symlink() {
        let target = fs::read_link(p)
            .map(|t| t.display().to_string())
            .unwrap_or_else(|_| "?".into());
        return Err(Error::new(Kind::PathIsLink, format!(
            "{shown} is a symbolic link to {target}, not a shard file: not wiped, and nothing was written through it"
        ))
        .hint(format!("remove the link (rm {shown}); if {target} is a shard, wipe it where it is")));
    }
    if !lm.is_file() {
        return Err(Error::new(
            Kind::PathIsLink,
            format!("{shown} is not a regular file: not wiped"),
        ));
    }
    // Never through a link, and never blocking on a FIFO (the name may change after the
    // check above: the open file is checked again).
    let f = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(p)
        .map_err(|e| io("cannot open to overwrite", e))?;
    let meta = f.metadata().map_err(|e| io("cannot stat", e))?;
    if !meta.is_file() || meta.ino() != lm.ino() || meta.dev() != lm.dev() {
        return Err(Error::new(
            Kind::PathIsLink,
            format!("{shown} changed while it was being checked: not wiped"),
        )
        .hint("make sure nothing else uses the directory, then run again"));
    }
    if meta.nlink() != 1 {
        return Err(Error::new(Kind::PathIsLink, format!(
            "{shown} has {} hard links: not wiped — overwriting it would also zero the same data under its other name(s)",
            meta.nlink()
        ))
        .hint(format!(
            "find the other names (find / -xdev -samefile {shown}), remove the ones that are not shards (rm), then run again"
        )));
    }
    Ok(f)
}

/// Overwrites each file with zeros (same length, fsync'ed), then removes it and fsyncs its
/// directory. Refuses a symbolic link, a non-regular file or a file with other hard links
/// (see `open_to_wipe`). Returns the files wiped. On a RAM-backed file system this leaves nothing behind;
/// on flash or copy-on-write storage old blocks may survive (which is why shards must be
/// written to RAM-backed storage).
pub fn overwrite_and_remove(files: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut done = Vec::new();
    for p in files {
        let io = |what: &str, e: std::io::Error| {
            Error::new(Kind::Io, format!("{}: {what}: {e}", p.display()))
        };
        let mut f = open_to_wipe(p)?;
        let meta = f.metadata().map_err(|e| io("cannot stat", e))?;
        let zeros = vec![0u8; 64 * 1024];
        let mut left = meta.len();
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            f.write_all(&zeros[..n])
                .map_err(|e| io("overwrite failed", e))?;
            left -= n as u64;
        }
        f.sync_all().map_err(|e| io("fsync failed", e))?;
        drop(f);
        fs::remove_file(p).map_err(|e| io("cannot remove", e))?;
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("fsync of directory failed", e))?;
        done.push(p.clone());
    }
    Ok(done)
}

/// The error for a file system that does not keep Unix file modes; `what` names the directory
/// or file ("--out DIR").
pub(crate) fn no_modes(what: &str, why: &str) -> Error {
    Error::new(Kind::FileSystem, format!(
        "{what}: this file system does not keep file permissions ({why}); rootkey writes only where it can set each file's mode (a share must be 0600) — FAT, as on a USB stick, is like that"
    ))
    .hint("write to a Linux file system, e.g. tmpfs under /dev/shm (copy public files elsewhere afterwards)")
}

/// The error for a file system without hard links: rootkey puts every file in place with
/// link(2), which never replaces an existing file.
pub(crate) fn no_links(what: &str, e: &std::io::Error) -> Error {
    Error::new(Kind::FileSystem, format!(
        "{what}: this file system has no hard links (link: {e}), which rootkey needs to put each file in place without ever replacing one — FAT, as on a USB stick, is like that"
    ))
    .hint("write to a Linux file system, e.g. tmpfs under /dev/shm (copy public files elsewhere afterwards)")
}

/// True for the errors a file system gives for an operation it does not have (`chmod` or
/// `link` on FAT: EPERM, ENOTSUP/EOPNOTSUPP, or ENOSYS through FUSE).
pub(crate) fn unsupported(e: &std::io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(libc::EPERM | libc::ENOTSUP | libc::ENOSYS)
    ) || e.raw_os_error() == Some(libc::EOPNOTSUPP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_operations_are_the_fat_errors() {
        for code in [libc::EPERM, libc::ENOTSUP, libc::EOPNOTSUPP, libc::ENOSYS] {
            assert!(
                unsupported(&std::io::Error::from_raw_os_error(code)),
                "{code}"
            );
        }
        for code in [libc::EACCES, libc::ENOSPC, libc::EROFS, libc::EEXIST] {
            assert!(
                !unsupported(&std::io::Error::from_raw_os_error(code)),
                "{code}"
            );
        }
        let e = no_modes(
            "--out /media/usb/c",
            &format!(
                "setting mode 0600 failed: {}",
                std::io::Error::from_raw_os_error(libc::ENOSYS)
            ),
        );
        assert_eq!(
            e.to_string(),
            "--out /media/usb/c: this file system does not keep file permissions (setting mode 0600 failed: Function not implemented (os error 38)); rootkey writes only where it can set each file's mode (a share must be 0600) — FAT, as on a USB stick, is like that\n  next step: write to a Linux file system, e.g. tmpfs under /dev/shm (copy public files elsewhere afterwards)"
        );
        assert_eq!(e.kind, Kind::FileSystem);
        assert_eq!(e.exit_code(), crate::error::exit::ENVIRONMENT);
        let e = no_links(
            "--out /media/usb/c",
            &std::io::Error::from_raw_os_error(libc::EPERM),
        );
        assert_eq!(e.kind, Kind::FileSystem);
        assert_eq!(
            e.message,
            "--out /media/usb/c: this file system has no hard links (link: Operation not permitted (os error 1)), which rootkey needs to put each file in place without ever replacing one — FAT, as on a USB stick, is like that"
        );
    }
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn write_new_is_0600_and_never_overwrites() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.txt");
        write_new(&p, b"one", SECRET_MODE).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let e = write_new(&p, b"two", SECRET_MODE).unwrap_err();
        assert_eq!(e.kind, Kind::WouldOverwrite);
        assert!(
            e.message
                .contains("s.txt already exists; refusing to overwrite it")
        );
        assert_eq!(fs::read(&p).unwrap(), b"one");
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            1,
            "temp file left behind"
        );
    }

    #[test]
    fn file_system_types_come_from_mountinfo() {
        assert_eq!(filesystem_type(Path::new("/proc/self")).unwrap(), "proc");
        if Path::new("/dev/shm").is_dir() {
            let t = filesystem_type(Path::new("/dev/shm")).unwrap();
            assert!(is_ram_backed(&t), "/dev/shm is {t}");
        }
        assert!(!is_ram_backed("ext4") && is_ram_backed("ramfs"));
        assert_eq!(unescape_mount("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape_mount("/x\\0"), "/x\\0");
    }

    #[test]
    fn overwrite_and_remove_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("share-01.pdf");
        fs::write(&p, vec![7u8; 100_000]).unwrap();
        let link = d.path().join("link.pdf");
        std::os::unix::fs::symlink(&p, &link).unwrap();
        assert!(overwrite_and_remove(std::slice::from_ref(&link)).is_err());
        assert_eq!(
            fs::read(&p).unwrap(),
            vec![7u8; 100_000],
            "not through a link"
        );
        assert_eq!(
            overwrite_and_remove(std::slice::from_ref(&p)).unwrap(),
            vec![p.clone()]
        );
        assert!(!p.exists());
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Alice Rehearsal"), "alice-rehearsal");
        assert_eq!(
            slug("Chief information security officer"),
            "chief-information-security-officer"
        );
        assert_eq!(slug("Ünïcode!!"), "n-code");
        assert_eq!(slug("???"), "holder");
    }
}
