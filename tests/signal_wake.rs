//! A signal ends a wait for terminal input even when another thread handles it, or when it
//! came just before the wait began: the interrupt handler's wake-up pipe
//! (`secret::wait_for_input`), which the hidden reader waits on before each read. Its own test
//! binary: the signal it sends stays noted for the rest of the process.

use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn sigterm_wakes_a_thread_waiting_for_input() {
    rootkey::secret::install_interrupt_handlers().unwrap();
    // A "terminal" that never has input: the read end of a socket pair nobody writes to.
    let (quiet, _keep) = std::os::unix::net::UnixStream::pair().unwrap();
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        tx.send(rootkey::secret::wait_for_input(quiet.as_raw_fd()).unwrap())
            .unwrap();
    });
    std::thread::sleep(Duration::from_millis(200));
    assert!(rx.try_recv().is_err(), "returned without input or signal");
    // Process-directed: the kernel picks any thread, often not the waiting one (then only the
    // wake-up pipe ends its wait).
    let kill = Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let got = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the wait did not end after SIGTERM");
    assert_eq!(got, Some(libc::SIGTERM));
    waiter.join().unwrap();
    // A later wait ends at once: the interruption stays noted.
    let (quiet, _keep) = std::os::unix::net::UnixStream::pair().unwrap();
    assert_eq!(
        rootkey::secret::wait_for_input(quiet.as_raw_fd()).unwrap(),
        Some(libc::SIGTERM)
    );
}
