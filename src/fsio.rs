//! Output files: written atomically (temp file, fsync, link into place, fsync directory),
//! never overwriting anything, secrets created 0600.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Mode for secret files (shares).
pub const SECRET_MODE: u32 = 0o600;
/// Mode for public files (certificates, manifests, transcripts).
pub const PUBLIC_MODE: u32 = 0o644;

/// File names that mark a directory as holding a ceremony.
pub const CEREMONY_MARKERS: &[&str] = &["manifest.json", "root.pem"];

/// Creates `dir` if needed and refuses it if it already holds a ceremony's outputs.
pub fn prepare_out_dir(dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::operator(format!(
            "--out {}: exists and is not a directory",
            dir.display()
        )));
    }
    if dir.is_dir() {
        let entries = fs::read_dir(dir).map_err(|e| {
            Error::environment(format!("--out {}: cannot list: {e}", dir.display()))
        })?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if CEREMONY_MARKERS.contains(&name.as_str())
                || (name.starts_with("share-") && name.ends_with(".txt"))
            {
                return Err(Error::operator(format!(
                    "--out {}: already holds a ceremony ({name} exists); nothing was written",
                    dir.display()
                ))
                .hint("choose a new, empty output directory — earlier ceremony outputs are never overwritten"));
            }
        }
    } else {
        fs::create_dir_all(dir).map_err(|e| {
            Error::environment(format!("--out {}: cannot create: {e}", dir.display()))
        })?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically with `mode`, refusing to replace an existing file.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
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
        .map_err(|e| Error::environment(format!("OS random number generator: {e}")))?;
    let tmp: PathBuf = dir.join(format!(".{name}.tmp-{}", hex::encode(rnd)));
    let io = |what: &str, e: std::io::Error| {
        Error::environment(format!("{}: {what}: {e}", path.display()))
    };
    let result: Result<()> = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
            .map_err(|e| io("cannot create temporary file", e))?;
        f.write_all(bytes).map_err(|e| io("write failed", e))?;
        f.sync_all().map_err(|e| io("fsync failed", e))?;
        drop(f);
        let exists = || {
            Error::operator(format!(
                "{} already exists; refusing to overwrite it",
                path.display()
            ))
        };
        match fs::hard_link(&tmp, path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
            // File systems without hard links (FAT on a USB stick): check, then rename. Only
            // this process writes into a ceremony directory, so the window is harmless.
            Err(_) if fs::symlink_metadata(path).is_ok() => Err(exists()),
            Err(_) => fs::rename(&tmp, path).map_err(|e| io("cannot move into place", e)),
        }
    })();
    if let Err(e) = fs::remove_file(&tmp)
        && e.kind() != std::io::ErrorKind::NotFound
        && result.is_ok()
    {
        return Err(io("cannot remove temporary file", e));
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
    let t = out.trim_end_matches('-');
    if t.is_empty() {
        "holder".into()
    } else {
        t.chars().take(40).collect()
    }
}

/// Reads a file into locked memory (at most `max` bytes).
pub fn read_secret(path: &Path, max: usize) -> Result<crate::secret::SecretBytes> {
    use std::io::Read;
    let mut f = File::open(path)
        .map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
    let mut buf = crate::secret::SecretBytes::zeroed(max + 1)?;
    let mut n = 0;
    loop {
        let r = f
            .read(&mut buf.as_mut_slice()[n..])
            .map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
        if r == 0 {
            break;
        }
        n += r;
        if n > max {
            return Err(Error::input(format!(
                "{}: file is larger than {max} bytes; not a share",
                path.display()
            )));
        }
    }
    buf.truncate(n);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(e.message.contains("refusing to overwrite"));
        assert_eq!(fs::read(&p).unwrap(), b"one");
        assert_eq!(
            fs::read_dir(d.path()).unwrap().count(),
            1,
            "temp file left behind"
        );
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
