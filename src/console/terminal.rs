//! The real console: the operator's controlling terminal `/dev/tty` (whatever standard input
//! is) for questions, standard output and standard error for text. Hidden answers are read
//! with echo off, byte by byte, straight into locked memory by
//! [`crate::secret::read_hidden_line`] (the only `unsafe` part, kept in `secret`); nothing
//! secret passes through a heap buffer here.

use std::io::{Read, Write};

use super::{Channel, Console, Question};
use crate::error::{Error, Kind, Result, clean_lines};
use crate::secret::{self, SecretBytes, SecretError};

/// The operator's terminal (see the module documentation).
#[derive(Clone, Copy, Debug, Default)]
pub struct Terminal;

/// The controlling terminal, for reading (buffered) and writing; an operator error naming
/// `--confirm` when there is none.
fn tty() -> Result<(std::io::BufReader<std::fs::File>, std::fs::File)> {
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
        .map_err(|e| Error::new(Kind::Terminal, format!("terminal: {e}")))?;
    Ok((std::io::BufReader::new(f), w))
}

/// The error of a question cut short by an interrupting signal ([`secret::interrupted`]).
fn interrupted(sig: i32) -> Error {
    Error::from(SecretError::Interrupted(sig))
}

/// Reads one visible line from the terminal (not for secrets). The terminal is in canonical
/// mode, so each read returns at most one line; a read cut short by an interrupting signal
/// (Ctrl-C raises SIGINT here) ends the question ([`Kind::Interrupted`]) instead of being
/// retried.
fn read_visible_line(prompt: &str) -> Result<String> {
    super::working::stop();
    let (r, mut w) = tty()?;
    let mut f = r.into_inner();
    w.write_all(prompt.as_bytes())
        .and_then(|_| w.flush())
        .map_err(|e| Error::new(Kind::Terminal, format!("terminal: {e}")))?;
    let mut line = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        if let Some(sig) = secret::interrupted() {
            return Err(interrupted(sig));
        }
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                line.extend_from_slice(&buf[..n]);
                if line.ends_with(b"\n") || line.len() >= 4096 {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::input(format!("terminal: {e}"))),
        }
    }
    if line.is_empty() {
        return Err(Error::new(
            Kind::Cancelled,
            "input ended (Ctrl-D): cancelled",
        ));
    }
    let line = String::from_utf8_lossy(&line).into_owned();
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// Writes `text` (escaped) to the terminal.
fn write_terminal(text: &str) -> Result<()> {
    super::working::stop();
    let (_, mut w) = tty()?;
    w.write_all(clean_lines(text).as_bytes())
        .map_err(|e| Error::new(Kind::Terminal, format!("terminal: {e}")))
}

impl Console for Terminal {
    fn ask_secret(
        &mut self,
        _question: &Question,
        prompt: &str,
        max: usize,
    ) -> std::result::Result<SecretBytes, SecretError> {
        super::working::stop();
        secret::read_hidden_line(prompt, max)
    }

    fn ask_line(&mut self, _question: &Question, prompt: &str) -> Result<String> {
        read_visible_line(prompt)
    }

    fn tell(&mut self, to: Channel, what: &str, text: &str) -> Result<()> {
        match to {
            Channel::Out => super::out(what, text),
            Channel::Err => super::err(what, text),
            Channel::Terminal => write_terminal(text),
        }
    }
    fn is_interactive(&self) -> bool {
        true
    }
    fn working(&mut self, what: &str) {
        super::working::start(what);
    }

    fn status_line(&mut self, what: &str, line: &str) -> Result<()> {
        super::working::stop();
        use std::io::IsTerminal;
        if !std::io::stderr().is_terminal() {
            return super::err(what, &format!("{line}\n"));
        }
        // Up to the prompt line the hidden reader left (it wrote the line end), cleared.
        let text = format!("\x1b[1A\r\x1b[2K{}\n", clean_lines(line));
        let mut e = std::io::stderr().lock();
        e.write_all(text.as_bytes())
            .and_then(|()| e.flush())
            .map_err(|e| {
                Error::new(
                    Kind::Io,
                    format!(
                        "could not write {what} to standard error: {}",
                        super::io_reason(&e)
                    ),
                )
                .hint("keep standard error writable until rootkey exits")
            })
    }
}
