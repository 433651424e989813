//! A ceremony's output directory (README "Security properties"): created 0700 and refused —
//! before the command writes anything — when it already holds a ceremony or the secret
//! leftovers of an interrupted run, when other users can write it or it belongs to another
//! user, when its file system cannot keep a share private (no Unix file modes or no hard links:
//! FAT on a USB stick), when it is a dangling symbolic link, and when any file the command will
//! write already exists there under that name (a file, a directory or a symbolic link).

use std::fs::{self, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::{Error, Kind, Result};
use crate::fsio::{SECRET_MODE, no_links, no_modes, unsupported};

mod leftovers;

use leftovers::unsealed_generation;
pub use leftovers::{name_secret_leftovers, wipe_failed_generation};

/// File names that mark a directory as holding a ceremony.
pub const CEREMONY_MARKERS: &[&str] = &[
    "manifest.json",
    "root.pem",
    "transcript.jsonl",
    "transcript.attestations",
    "intermediate.pem",
    "intermediate-chain.pem",
    "root.crl",
    "root.crl.pem",
];

/// A share file's name as rootkey writes it (`share-NN-SLUG.txt` or `.pdf`).
fn is_share_name(name: &str) -> bool {
    name.starts_with("share-") && (name.ends_with(".txt") || name.ends_with(".pdf"))
}

/// True for a share file or the temporary copy of one (`.share-NN-SLUG.txt.tmp-XXXX`, left
/// when a run is killed or its removal fails): each holds a share, so each is secret.
pub fn is_secret_leftover(name: &str) -> bool {
    is_share_name(name) || (name.starts_with(".share-") && name.contains(".tmp-"))
}

/// True for names rootkey writes into a ceremony directory, including leftover temporary files
/// (`.NAME.tmp-XXXX`).
fn is_ceremony_output(name: &str) -> bool {
    CEREMONY_MARKERS.contains(&name)
        || is_share_name(name)
        || (name.starts_with('.') && name.contains(".tmp-"))
}

/// The share files and temporary share copies in `dir` (symbolic links excluded), sorted.
pub fn secret_leftovers(dir: &Path) -> Vec<String> {
    let mut found: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| !t.is_symlink()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| is_secret_leftover(n))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

/// How to wipe the secret files `names` of `dir`: one `shred -u` line with a glob per kind of
/// file present, and `rootkey paper wipe` for paper shards.
pub fn wipe_command(dir: &Path, names: &[String]) -> String {
    let d = dir.display();
    let mut globs = Vec::new();
    if names.iter().any(|n| is_share_name(n)) {
        globs.push(format!("{d}/share-*"));
    }
    if names.iter().any(|n| n.starts_with(".share-")) {
        globs.push(format!("{d}/.share-*.tmp-*"));
    }
    let mut s = format!("`shred -u {}`", globs.join(" "));
    if names.iter().any(|n| n.contains(".pdf")) {
        s.push_str(&format!(" (paper shards: `rootkey paper wipe {d}`)"));
    }
    s
}

/// `names`, at most six of them, then how many more.
fn listed(names: &[String]) -> String {
    let mut s = names.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 6 {
        s.push_str(&format!(" and {} more", names.len() - 6));
    }
    s
}

/// Why `--out` could not be created. A path the operator mistyped (a part of it is a file, or
/// symbolic links that point at each other) is theirs to fix (exit 1); anything else is the
/// machine's (exit 4).
fn create_failed(shown: &str, e: &std::io::Error) -> Error {
    match e.raw_os_error() {
        Some(libc::ENOTDIR) => Error::new(
            Kind::Argument,
            format!("--out {shown}: cannot create: a part of the path is a file, not a directory"),
        )
        .hint("choose a path whose every parent is a directory"),
        Some(libc::ELOOP) => Error::new(
            Kind::Argument,
            format!("--out {shown}: cannot create: the path goes round a loop of symbolic links"),
        )
        .hint("remove the symbolic link loop or choose another path"),
        _ => unwritable(shown, "cannot create", e),
    }
}

/// `--out` could not be created or written: the error, with the next step its cause calls for.
fn unwritable(shown: impl std::fmt::Display, what: &str, e: &std::io::Error) -> Error {
    let hint = match e.raw_os_error() {
        Some(libc::EROFS) => {
            "the file system is mounted read-only: choose an --out on a writable one (a RAM disk such as /dev/shm), or remount it read-write"
        }
        Some(libc::ENOSPC | libc::EDQUOT) => {
            "the file system is full: free space on it or choose another --out (a RAM disk such as /dev/shm)"
        }
        Some(libc::EACCES | libc::EPERM) => {
            "you may not write there: choose a directory you own (a RAM disk such as /dev/shm)"
        }
        _ => "check the file system (dmesg names device errors) or choose another --out",
    };
    Error::new(Kind::Io, format!("--out {shown}: {what}: {e}")).hint(hint)
}

/// Refuses a directory that holds a ceremony's outputs (regular files and directories only:
/// a symbolic link is judged by [`check_names_free`]) or a killed run's secret leftovers.
fn check_no_ceremony(dir: &Path) -> Result<()> {
    let shown = dir.display();
    let entries = fs::read_dir(dir)
        .map_err(|e| Error::new(Kind::Io, format!("--out {shown}: cannot list: {e}")))?;
    let mut found: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| !t.is_symlink()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| is_ceremony_output(name))
        .collect();
    found.sort();
    let Some(name) = found.first() else {
        return Ok(());
    };
    let secrets: Vec<String> = found
        .iter()
        .filter(|n| is_secret_leftover(n))
        .cloned()
        .collect();
    // Share files beside a generation's transcript that was never sealed belong to a ceremony
    // that did not complete (killed even after manifest.json was written: the seal comes
    // last), and nobody holds them. Share files elsewhere may be real shares gathered for a
    // quorum: never called leftovers.
    if !secrets.is_empty() && unsealed_generation(dir) {
        return Err(Error::new(Kind::WouldOverwrite, format!(
            "--out {shown}: an interrupted run left secret share files here (its transcript is not sealed): {}; nothing was written",
            listed(&secrets)
        ))
        .hint(format!(
            "these files are SECRET (each holds a share of a key whose ceremony never completed): wipe them with {}, then run again in a new, empty directory",
            wipe_command(dir, &secrets)
        )));
    }
    let what = match found.len() {
        1 => format!("{name} exists"),
        2 => format!("{name} and 1 more file exist"),
        n => format!("{name} and {} more files exist", n - 1),
    };
    let temps: Vec<String> = secrets.into_iter().filter(|n| n.starts_with('.')).collect();
    let mut hint =
        "choose a new, empty output directory — earlier ceremony outputs are never overwritten"
            .to_string();
    if !temps.is_empty() {
        let what = if temps.len() == 1 {
            "is a SECRET temporary copy of a share"
        } else {
            "are SECRET temporary copies of shares"
        };
        hint.push_str(&format!(
            "; {} {what}, left by an interrupted write: wipe {} with {}",
            listed(&temps),
            if temps.len() == 1 { "it" } else { "them" },
            wipe_command(dir, &temps)
        ));
    }
    Err(Error::new(
        Kind::WouldOverwrite,
        format!("--out {shown}: already holds a ceremony ({what}); nothing was written"),
    )
    .hint(hint))
}

/// What is at `p`, for messages: "a symbolic link to T[, which does not exist]", "a
/// directory", "a file"; `None` if nothing is there.
fn what_is(p: &Path) -> std::io::Result<Option<String>> {
    let m = match fs::symlink_metadata(p) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(if m.file_type().is_symlink() {
        let target = fs::read_link(p)
            .map(|t| t.display().to_string())
            .unwrap_or_else(|_| "?".into());
        if fs::metadata(p).is_err() {
            format!("a symbolic link to {target}, which does not exist")
        } else {
            format!("a symbolic link to {target}")
        }
    } else if m.is_dir() {
        "a directory".to_string()
    } else {
        "a file".to_string()
    }))
}

/// Refuses to start if any file the command will write (`writes`: output names and the names
/// of input copies) already exists in `dir`, as anything: rootkey never replaces a file and
/// never writes through a link, and finding out after the first write would leave a
/// half-written ceremony behind.
fn check_names_free(dir: &Path, writes: &[&str]) -> Result<()> {
    let shown = dir.display();
    let mut taken = Vec::new();
    for name in writes {
        let p = dir.join(name);
        match what_is(&p) {
            Ok(None) => {}
            Ok(Some(what)) => taken.push(format!("{name} ({what})")),
            Err(e) => {
                return Err(Error::new(
                    Kind::Io,
                    format!("--out {shown}: cannot check {name}: {e}"),
                ));
            }
        }
    }
    if taken.is_empty() {
        return Ok(());
    }
    Err(Error::new(Kind::WouldOverwrite, format!(
        "--out {shown}: {} already {}, and this command writes a file of that name; nothing was written",
        taken.join(", "),
        if taken.len() == 1 { "exists" } else { "exist" }
    ))
    .hint("use a new, empty output directory — rootkey never replaces a file and never writes through a link"))
}

/// Refuses `path` (given with `flag`) if anything is there already, a dangling symbolic link
/// included: for single-file outputs (`transcript report --out`, `--pdf`), checked before the
/// first of them is written.
pub fn check_new_file(path: &Path, flag: &str) -> Result<()> {
    let shown = path.display();
    match what_is(path) {
        Ok(None) => Ok(()),
        Ok(Some(what)) => Err(Error::new(Kind::WouldOverwrite, format!(
            "{flag} {shown}: already exists ({what}); refusing to overwrite it — nothing was written"
        ))
        .hint("give a file name that does not exist yet")),
        Err(e) => Err(Error::new(Kind::Io, format!(
            "{flag} {shown}: cannot check: {e}"
        ))),
    }
}

/// The first of `dir` and its ancestors that is a symbolic link to nothing, with its target.
fn dangling_link(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    dir.ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| {
            fs::symlink_metadata(a).is_ok_and(|m| m.file_type().is_symlink())
                && fs::metadata(a).is_err_and(|e| e.kind() == ErrorKind::NotFound)
        })
        .map(|a| {
            let t = fs::read_link(a).unwrap_or_default();
            (a.to_path_buf(), t)
        })
}

/// Probes that a 0600 file comes out 0600, owned by the directory's owner, and can be hard
/// linked (the atomic write needs link(2)).
fn probe(dir: &Path) -> Result<()> {
    let shown = dir.display();
    let meta =
        fs::metadata(dir).map_err(|e| Error::new(Kind::Io, format!("--out {shown}: {e}")))?;
    if meta.mode() & 0o022 != 0 {
        return Err(Error::new(Kind::UnsafeOutput, format!(
            "--out {shown}: the directory is writable by other users (mode {:04o}); they could replace or remove shares",
            meta.mode() & 0o7777
        ))
        .hint("use a new directory, or one only you can write (chmod 700)"));
    }
    let probe = dir.join(format!(".rootkey-probe-{}", std::process::id()));
    let link = dir.join(format!(".rootkey-probe-{}-link", std::process::id()));
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(SECRET_MODE)
        .open(&probe)
        .map_err(|e| unwritable(&shown, "cannot write", &e))?;
    let checked = (|| {
        // Explicit chmod: the umask must not decide a share's mode.
        match f.set_permissions(fs::Permissions::from_mode(SECRET_MODE)) {
            Err(e) if unsupported(&e) => {
                return Err(no_modes(
                    &format!("--out {shown}"),
                    &format!("setting mode 0600 failed: {e}"),
                ));
            }
            Err(e) => {
                return Err(Error::new(
                    Kind::Io,
                    format!("--out {shown}: cannot set a file mode: {e}"),
                ));
            }
            Ok(()) => {}
        }
        let pm = f
            .metadata()
            .map_err(|e| unwritable(&shown, "cannot write", &e))?;
        if pm.mode() & 0o777 != SECRET_MODE {
            return Err(no_modes(
                &format!("--out {shown}"),
                &format!("a share would be mode {:04o}, not 0600", pm.mode() & 0o777),
            ));
        }
        if pm.uid() != meta.uid() {
            return Err(Error::new(
                Kind::UnsafeOutput,
                format!(
                    "--out {shown}: the directory belongs to another user (uid {})",
                    meta.uid()
                ),
            )
            .hint("use a directory of your own"));
        }
        fs::hard_link(&probe, &link).map_err(|e| {
            if unsupported(&e) {
                no_links(&format!("--out {shown}"), &e)
            } else {
                Error::new(
                    Kind::Io,
                    format!("--out {shown}: cannot make a hard link: {e}"),
                )
            }
        })
    })();
    drop(f);
    // The probe is removed whatever the checks said; a probe that stays behind is reported
    // (it holds nothing secret, but the directory must be left as it was found).
    let mut left = Vec::new();
    for p in [&link, &probe] {
        match fs::remove_file(p) {
            Err(e) if e.kind() != ErrorKind::NotFound => {
                left.push(format!("{} ({e})", p.display()))
            }
            _ => {}
        }
    }
    checked?;
    if left.is_empty() {
        Ok(())
    } else {
        Err(Error::new(
            Kind::Io,
            format!(
                "--out {shown}: cannot remove the probe file {}",
                left.join(", ")
            ),
        )
        .hint(
            "remove it by hand (it holds nothing secret) and check the file system, then run again",
        ))
    }
}

/// Creates `dir` (mode 0700) if needed and refuses it (see the module documentation) before
/// anything is written. `writes` names every file the command will put there: its outputs,
/// the copies of its inputs and `transcript.jsonl`. Directories this call created are removed
/// again when it refuses.
pub fn prepare_out_dir(dir: &Path, writes: &[&str]) -> Result<()> {
    let shown = dir.display();
    if let Some((link, target)) = dangling_link(dir) {
        let which = if link == dir {
            String::new()
        } else {
            format!(" {}", link.display())
        };
        return Err(Error::new(Kind::PathIsLink, format!(
            "--out {shown}:{which} is a symbolic link to {}, which does not exist; nothing was written",
            target.display()
        ))
        .hint(format!(
            "create the directory it points to (mkdir -m 700 {}) or remove the link (rm {}), then run again",
            target.display(),
            link.display()
        )));
    }
    if fs::metadata(dir).is_err_and(|e| e.raw_os_error() == Some(libc::ELOOP)) {
        return Err(create_failed(
            &shown.to_string(),
            &std::io::Error::from_raw_os_error(libc::ELOOP),
        ));
    }
    if dir.exists() && !dir.is_dir() {
        return Err(Error::new(
            Kind::Argument,
            format!("--out {shown}: exists and is not a directory"),
        ));
    }
    let mut created: Vec<PathBuf> = Vec::new();
    if dir.is_dir() {
        check_no_ceremony(dir)?;
        check_names_free(dir, writes)?;
    } else {
        created = dir
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .take_while(|a| fs::symlink_metadata(a).is_err())
            .map(Path::to_path_buf)
            .collect();
        let made = fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| create_failed(&shown.to_string(), &e))
            .and_then(|()| {
                let parent = dir
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                fs::File::open(parent)
                    .and_then(|d| d.sync_all())
                    .map_err(|e| {
                        Error::new(Kind::Io, format!("--out {shown}: fsync of parent: {e}"))
                    })
            });
        if let Err(e) = made {
            remove_created(&created);
            return Err(e);
        }
    }
    probe(dir).inspect_err(|_| remove_created(&created))
}

/// Removes the (empty) directories `prepare_out_dir` created, deepest first (one that was
/// never made is skipped; one that cannot be removed stops it).
fn remove_created(created: &[PathBuf]) {
    for d in created {
        match fs::remove_dir(d) {
            Err(e) if e.kind() != ErrorKind::NotFound => break,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_leftovers_are_shares_and_their_temporary_copies() {
        for n in [
            "share-01-a.txt",
            "share-02-b.pdf",
            ".share-03-c.txt.tmp-0a1b2c3d4e5f",
        ] {
            assert!(is_secret_leftover(n), "{n}");
        }
        for n in [
            "root.pem",
            ".root.pem.tmp-0a1b2c3d4e5f",
            "transcript.jsonl",
            "shares.txt",
        ] {
            assert!(!is_secret_leftover(n), "{n}");
        }
        let d = Path::new("/dev/shm/x");
        assert_eq!(
            wipe_command(
                d,
                &["share-01-a.pdf".into(), ".share-02-b.pdf.tmp-00".into()]
            ),
            "`shred -u /dev/shm/x/share-* /dev/shm/x/.share-*.tmp-*` (paper shards: `rootkey paper wipe /dev/shm/x`)"
        );
        assert_eq!(
            wipe_command(d, &["share-01-a.txt".into()]),
            "`shred -u /dev/shm/x/share-*`"
        );
    }

    #[test]
    fn a_refusal_removes_only_the_directories_it_created() {
        let t = tempfile::tempdir().unwrap();
        // A file where a directory is needed: creating a/b/c fails at b; a stays.
        fs::create_dir(t.path().join("a")).unwrap();
        fs::write(t.path().join("a/b"), b"").unwrap();
        assert!(prepare_out_dir(&t.path().join("a/b/c"), &[]).is_err());
        assert!(t.path().join("a/b").is_file());
        // Deepest first, stopping at the first directory that is not empty.
        fs::create_dir_all(t.path().join("n/m/l")).unwrap();
        fs::write(t.path().join("n/keep"), b"").unwrap();
        remove_created(&[
            t.path().join("n/m/l/never-made"),
            t.path().join("n/m/l"),
            t.path().join("n/m"),
            t.path().join("n"),
        ]);
        assert!(!t.path().join("n/m").exists());
        assert!(t.path().join("n/keep").exists());
    }
}
