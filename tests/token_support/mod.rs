//! The emulated YubiKey for the PIV tests: starts `piv_card.py` (this directory) against
//! vpcd, the virtual reader of vsmartcard, behind the real pcscd, and waits until PC/SC sees
//! the card. pcscd must be running with vpcd (`.ci/run` starts it); if it is not, the tests
//! fail saying so: they never pass silently.
#![allow(dead_code)]

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Debian's interpreter (with python3-cryptography), not whatever `python3` is first on PATH.
pub const PYTHON: &str = "/usr/bin/python3";
/// vpcd's first reader, served on 127.0.0.1:35963.
pub const READER: &str = "Virtual PCD 00 00";
/// The serial the emulator answers unless told otherwise.
pub const SERIAL: u32 = 13371337;
/// The emulator's PIN and PUK.
pub const PIN: &[u8] = b"123456";

/// One vpcd socket: cards run one at a time across the tests of a binary (this mutex) and
/// across test processes, e.g. two checkouts testing at once (an exclusive `flock` on a file
/// in the temporary directory, which the kernel releases when the holder exits).
static VPCD: Mutex<()> = Mutex::new(());

/// vpcd held by one test: the reader is ours until this is dropped.
pub struct VpcdLock {
    _file: std::fs::File,
    _guard: MutexGuard<'static, ()>,
}

/// Holds vpcd for a test that needs the reader (waits while another test, in this process or
/// another, holds it).
pub fn vpcd_lock() -> VpcdLock {
    let guard = VPCD.lock().unwrap_or_else(|p| p.into_inner());
    let path = std::env::temp_dir().join("rootkey-tests-vpcd.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    // flock(2): blocks until the other holder drops it or exits.
    file.lock()
        .unwrap_or_else(|e| panic!("locking {}: {e}", path.display()));
    VpcdLock {
        _file: file,
        _guard: guard,
    }
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/token_support/piv_card.py")
}

/// Panics (fails the test) with what to do when pcscd is not reachable or has no vpcd reader.
pub fn require_pcscd() -> pcsc::Context {
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap_or_else(|e| {
        panic!(
            "pcscd is not reachable ({e}): these tests need the PC/SC daemon with vsmartcard's vpcd. \
             Start it (`sudo pcscd`, or `bash .ci/run`, which installs pcscd and vsmartcard-vpcd and starts it)"
        )
    });
    let names = ctx.list_readers_owned().unwrap_or_else(|e| {
        panic!("pcscd lists no readers ({e}): install vsmartcard-vpcd and restart pcscd")
    });
    assert!(
        names.iter().any(|n| n.to_string_lossy() == READER),
        "pcscd has no reader {READER:?} (readers: {names:?}): install vsmartcard-vpcd and restart pcscd"
    );
    ctx
}

/// Whether the vpcd reader holds a card right now.
fn card_present(ctx: &pcsc::Context) -> bool {
    let reader = CString::new(READER).expect("reader name");
    let mut states = [pcsc::ReaderState::new(reader, pcsc::State::UNAWARE)];
    ctx.get_status_change(Duration::from_millis(0), &mut states)
        .is_ok()
        && states[0].event_state().contains(pcsc::State::PRESENT)
}

fn wait_for(ctx: &pcsc::Context, present: bool, what: &str) {
    let start = Instant::now();
    while card_present(ctx) != present {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the emulated card did not {what} within 60 s (is pcscd running with vpcd?)"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Switches of the emulator (see the top of `piv_card.py`).
#[derive(Clone, Debug, Default)]
pub struct CardOptions {
    pub drop_after: Option<u32>,
    pub drop_at_put_data: bool,
    pub block_pin: bool,
    pub capacity: Option<usize>,
    pub serial: Option<u32>,
    pub version: Option<&'static str>,
    pub apdu_log: Option<PathBuf>,
}

impl CardOptions {
    fn args(&self) -> Vec<String> {
        let mut a = Vec::new();
        if let Some(n) = self.drop_after {
            a.extend(["--drop-after".to_string(), n.to_string()]);
        }
        if self.drop_at_put_data {
            a.push("--drop-at-put-data".into());
        }
        if self.block_pin {
            a.push("--block-pin".into());
        }
        if let Some(c) = self.capacity {
            a.extend(["--capacity".to_string(), c.to_string()]);
        }
        if let Some(s) = self.serial {
            a.extend(["--serial".to_string(), s.to_string()]);
        }
        if let Some(v) = self.version {
            a.extend(["--version".to_string(), v.to_string()]);
        }
        if let Some(p) = &self.apdu_log {
            a.extend(["--apdu-log".to_string(), p.display().to_string()]);
        }
        a
    }
}

/// Creates a card's state and test CA without serving it (`--init-only`).
pub fn init_state(dir: &Path, serial: u32) {
    let st = Command::new(PYTHON)
        .arg(script())
        .args(["--init-only", "--serial", &serial.to_string()])
        .arg("--state")
        .arg(dir.join("state.json"))
        .arg("--ca-out")
        .arg(dir.join("ca.pem"))
        .status()
        .expect("run piv_card.py");
    assert!(st.success(), "piv_card.py --init-only failed");
}

/// A running emulated card. Dropping it stops the emulator and waits until the reader is
/// empty again.
pub struct PivCard {
    child: Child,
    ctx: pcsc::Context,
    /// The state file (kept across restarts) and the test CA certificate.
    pub state: PathBuf,
    pub ca: PathBuf,
    _lock: VpcdLock,
}

impl PivCard {
    /// Starts the card whose state lives in `dir` (created on first start).
    pub fn start(dir: &Path, opts: &CardOptions) -> PivCard {
        let ctx = require_pcscd();
        let lock = vpcd_lock();
        // A card left by a crashed test would answer in our place.
        assert!(
            !card_present(&ctx),
            "{READER} already holds a card: another emulator (or test run) is using vpcd"
        );
        let state = dir.join("state.json");
        let ca = dir.join("ca.pem");
        let args = opts.args();
        let spawn = || {
            Command::new(PYTHON)
                .arg(script())
                .arg("--state")
                .arg(&state)
                .arg("--ca-out")
                .arg(&ca)
                .args(&args)
                .stdout(Stdio::null())
                .spawn()
                .expect("start piv_card.py with /usr/bin/python3")
        };
        let child = spawn();
        let mut card = PivCard {
            child,
            ctx,
            state: state.clone(),
            ca: ca.clone(),
            _lock: lock,
        };
        // After a simulated removal vpcd sometimes never takes the next connection (seen on a
        // loaded machine): connect once more before giving up.
        if !card.wait_present(Duration::from_secs(20)) {
            let _ = card.child.kill();
            let _ = card.child.wait();
            card.child = spawn();
            assert!(
                card.wait_present(Duration::from_secs(60)),
                "the emulated card did not appear in {READER} (two connections, 80 s)"
            );
        }
        card
    }

    /// Waits up to `limit` for the card to appear; false if it did not.
    fn wait_present(&mut self, limit: Duration) -> bool {
        let start = Instant::now();
        while !card_present(&self.ctx) {
            if let Ok(Some(st)) = self.child.try_wait() {
                panic!("piv_card.py exited ({st}) before the card appeared");
            }
            if start.elapsed() >= limit {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }

    /// Waits until the emulator has exited by itself (a simulated removal) and the reader is
    /// empty.
    pub fn wait_removed(&mut self) {
        let start = Instant::now();
        while self
            .child
            .try_wait()
            .expect("wait for piv_card.py")
            .is_none()
        {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "piv_card.py did not drop the connection"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        wait_for(&self.ctx, false, "disappear");
    }

    /// Stops the card and starts it again from its state file with other switches ("later").
    pub fn restart(self, opts: &CardOptions) -> PivCard {
        let dir = self.state.parent().expect("state dir").to_path_buf();
        drop(self);
        PivCard::start(&dir, opts)
    }
}

impl Drop for PivCard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !std::thread::panicking() {
            wait_for(&self.ctx, false, "disappear");
        } else {
            let start = Instant::now();
            while card_present(&self.ctx) && start.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}
