//! The operator's terminal, visible input: lines that are not secret (names, hashes,
//! confirmation codes), read from `/dev/tty` whatever standard input is. Hidden input (dice,
//! share rows) is read by [`crate::secret::read_hidden_line`] straight into locked memory.

use std::io::{BufRead, Read, Write};

use crate::error::{Error, Result};

/// The controlling terminal, for reading (buffered) and writing; an operator error naming
/// `--confirm` when there is none.
pub fn tty() -> Result<(std::io::BufReader<std::fs::File>, std::fs::File)> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            Error::operator(format!("cannot open the terminal /dev/tty: {e}"))
                .hint("run at a terminal, or give the names with --confirm NAME --confirm NAME")
        })?;
    let w = f
        .try_clone()
        .map_err(|e| Error::environment(format!("terminal: {e}")))?;
    Ok((std::io::BufReader::new(f), w))
}

/// Reads one visible line from the terminal (not for secrets).
pub fn read_visible_line(prompt: &str) -> Result<String> {
    let (mut r, mut w) = tty()?;
    w.write_all(prompt.as_bytes())
        .and_then(|_| w.flush())
        .map_err(|e| Error::environment(format!("terminal: {e}")))?;
    let mut line = String::new();
    let n = r
        .by_ref()
        .take(4096)
        .read_line(&mut line)
        .map_err(|e| Error::input(format!("terminal: {e}")))?;
    if n == 0 {
        return Err(Error::operator("input ended (Ctrl-D): cancelled"));
    }
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
