//! The real console: the operator's controlling terminal `/dev/tty` (whatever standard input
//! is) for questions, standard output and standard error for text. Hidden answers are read
//! with echo off, byte by byte, straight into locked memory by
//! [`crate::secret::read_hidden_line`] (the only `unsafe` part, kept in `secret`); nothing
//! secret passes through a heap buffer here.

use std::io::{BufRead, Read, Write};

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

/// Reads one visible line from the terminal (not for secrets).
fn read_visible_line(prompt: &str) -> Result<String> {
    let (mut r, mut w) = tty()?;
    w.write_all(prompt.as_bytes())
        .and_then(|_| w.flush())
        .map_err(|e| Error::new(Kind::Terminal, format!("terminal: {e}")))?;
    let mut line = String::new();
    let n = r
        .by_ref()
        .take(4096)
        .read_line(&mut line)
        .map_err(|e| Error::input(format!("terminal: {e}")))?;
    if n == 0 {
        return Err(Error::new(
            Kind::Cancelled,
            "input ended (Ctrl-D): cancelled",
        ));
    }
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// Writes `text` (escaped) to the terminal.
fn write_terminal(text: &str) -> Result<()> {
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
}
