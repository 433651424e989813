//! Hidden input from the controlling terminal, read straight into locked memory.

use zeroize::Zeroize;

use super::{SecretBytes, SecretError};

/// Reads one line typed at the controlling terminal with echo off, straight into locked memory
/// (no intermediate heap buffers), at most `max` bytes. The prompt is written to the terminal.
/// Each typed line ends with Enter; the trailing newline is not included.
pub fn read_hidden_line(prompt: &str, max: usize) -> Result<SecretBytes, SecretError> {
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
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
    let mut result = Ok(());
    let mut n = 0usize;
    let mut too_long = false;
    {
        let b = &mut buf;
        let mut byte = [0u8; 1];
        loop {
            match tty.read(&mut byte) {
                Ok(0) => break,
                Ok(_) if byte[0] == b'\n' => break,
                Ok(_) if n < max => {
                    b.as_mut_slice()[n] = byte[0];
                    n += 1;
                }
                // Keep reading to the end of the line, but refuse the input afterwards.
                Ok(_) => too_long = true,
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
    if too_long {
        return Err(SecretError::Terminal(
            "input too long",
            std::io::Error::other(format!("more than {max} characters were typed")),
        ));
    }
    buf.truncate(n);
    Ok(buf)
}
