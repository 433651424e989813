//! Hidden input from the controlling terminal, read straight into locked memory: the low-level
//! echo-off read (it needs `unsafe`, so it lives here). Ceremonies do not call it: they ask
//! through [`crate::console::Console`], whose real terminal calls it.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};

use zeroize::Zeroize;

use super::{SecretBytes, SecretError};

/// Restores the saved terminal settings when dropped, on every return path.
struct EchoGuard {
    fd: RawFd,
    saved: libc::termios,
}

impl Drop for EchoGuard {
    fn drop(&mut self) {
        // SAFETY: `fd` is the terminal descriptor kept open by the caller for the guard's whole
        // life; `saved` is the termios read from it by tcgetattr.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSAFLUSH, &self.saved);
        }
        super::harden::terminal_restored();
    }
}

/// Reads one line typed at the controlling terminal with echo off, straight into locked memory
/// (no intermediate heap buffers), at most `max` bytes (keep `max` well below the kernel's
/// 4095-byte canonical line limit, so that over-long input is refused rather than cut off by
/// the kernel). The prompt is written to the terminal. Enter ends the line. Ctrl-C (SIGINT),
/// or SIGTERM or SIGHUP, ends the read with [`SecretError::Interrupted`] after the terminal's
/// settings are restored (see `harden::install_interrupt_handlers`); the interruption stays
/// noted for the rest of the process, so a ceremony stops at its step.
pub fn read_hidden_line(prompt: &str, max: usize) -> Result<SecretBytes, SecretError> {
    // The buffer exists before the prompt, so nobody types into a failure.
    let mut buf = SecretBytes::zeroed(max + 1)?;
    let tty_err = |what: &'static str, e: std::io::Error| SecretError::Terminal(what, e);
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| tty_err("cannot open the terminal /dev/tty", e))?;
    let fd = tty.as_raw_fd();
    // SAFETY: all-zero is a valid bit pattern for the plain-data termios struct, which
    // tcgetattr then fills in.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is an open terminal descriptor owned by `tty`; `saved` is writable.
    if unsafe { libc::tcgetattr(fd, &mut saved) } != 0 {
        return Err(tty_err("not a terminal", std::io::Error::last_os_error()));
    }
    let mut quiet = saved;
    // No echo; line editing (backspace) by the kernel; Enter as newline even if the terminal
    // sends CR. Ctrl-C stays a signal (ISIG as the terminal has it): in canonical mode a byte
    // would only arrive with Enter. The interrupt handler is installed first (every ceremony
    // has it already), so SIGINT ends this read with EINTR and the guard restores the echo,
    // never killing the process with echo off; the kernel drops what was typed on the line.
    super::harden::install_interrupt_handlers()?;
    quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
    quiet.c_lflag |= libc::ICANON;
    quiet.c_iflag |= libc::ICRNL;
    tty.write_all(prompt.as_bytes())
        .and_then(|_| tty.flush())
        .map_err(|e| tty_err("cannot write the prompt", e))?;
    let guard = EchoGuard { fd, saved };
    super::harden::terminal_saved(fd, &saved);
    // SAFETY: as above; `quiet` is a valid termios derived from the current settings.
    if unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) } != 0 {
        return Err(tty_err(
            "cannot turn echo off",
            std::io::Error::last_os_error(),
        ));
    }
    let mut result = Ok(());
    let mut n = 0usize;
    let mut too_long = false;
    let mut byte = [0u8; 1];
    loop {
        // A signal that came before this read would not interrupt it: wait for input or a
        // signal first (the handler's wake-up pipe closes the gap between check and read).
        match super::harden::wait_for_input(fd) {
            Ok(Some(sig)) => {
                result = Err(SecretError::Interrupted(sig));
                break;
            }
            Ok(None) => {}
            Err(e) => {
                result = Err(tty_err("cannot read from the terminal", e));
                break;
            }
        }
        match tty.read(&mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' || byte[0] == b'\r' => break,
            Ok(_) if byte[0] == 0x03 => {
                super::harden::note_interrupt(libc::SIGINT);
                result = Err(SecretError::Interrupted(libc::SIGINT));
                break;
            }
            Ok(_) if n < max => {
                buf.as_mut_slice()[n] = byte[0];
                n += 1;
            }
            // Keep reading to the end of the line, but refuse the input afterwards.
            Ok(_) => too_long = true,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                if let Some(sig) = super::harden::interrupted() {
                    result = Err(SecretError::Interrupted(sig));
                    break;
                }
            }
            Err(e) => {
                result = Err(tty_err("cannot read from the terminal", e));
                break;
            }
        }
    }
    // A signal delivered while the read was returning the line (Ctrl-C then Enter typed
    // together) is noticed here rather than at the next prompt.
    if result.is_ok()
        && let Some(sig) = super::harden::interrupted()
    {
        result = Err(SecretError::Interrupted(sig));
    }
    byte.zeroize();
    drop(guard);
    // The line end the hidden input did not echo; a terminal that refuses it is gone.
    let newline = tty.write_all(b"\n");
    result?;
    newline.map_err(|e| tty_err("cannot write to the terminal", e))?;
    if too_long {
        return Err(tty_err(
            "input too long",
            std::io::Error::other(format!("more than {max} characters were typed")),
        ));
    }
    buf.truncate(n);
    Ok(buf)
}
