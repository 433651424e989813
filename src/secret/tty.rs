//! Hidden input from the controlling terminal, read straight into locked memory.

use zeroize::Zeroize;

use super::{SecretBytes, SecretError};

/// Reads one line typed at the controlling terminal with echo off, straight into locked memory
/// (no intermediate heap buffers), at most `max` bytes. The prompt is written to the terminal.
/// Each typed line ends with Enter; the trailing newline is not included.
pub fn read_hidden_line(prompt: &str, max: usize) -> Result<SecretBytes, SecretError> {
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
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
    quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
    quiet.c_lflag |= libc::ICANON;
    tty.write_all(prompt.as_bytes())
        .and_then(|_| tty.flush())
        .map_err(|e| tty_err("cannot write the prompt", e))?;
    // SAFETY: as above; `quiet` is a valid termios derived from the current settings.
    if unsafe { libc::tcsetattr(fd, libc::TCSAFLUSH, &quiet) } != 0 {
        return Err(tty_err(
            "cannot turn echo off",
            std::io::Error::last_os_error(),
        ));
    }
    let mut buf = SecretBytes::zeroed(max + 1);
    let mut result = Ok(());
    let mut n = 0usize;
    if let Ok(b) = buf.as_mut() {
        let mut byte = [0u8; 1];
        loop {
            match tty.read(&mut byte) {
                Ok(0) => break,
                Ok(_) if byte[0] == b'\n' => break,
                Ok(_) if n < max => {
                    b.as_mut_slice()[n] = byte[0];
                    n += 1;
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    result = Err(tty_err("cannot read from the terminal", e));
                    break;
                }
            }
        }
        byte.zeroize();
    }
    // SAFETY: restores the settings saved above on the same descriptor.
    unsafe {
        libc::tcsetattr(fd, libc::TCSAFLUSH, &saved);
    }
    let _ = tty.write_all(b"\n");
    result?;
    let mut buf = buf?;
    buf.truncate(n);
    Ok(buf)
}
