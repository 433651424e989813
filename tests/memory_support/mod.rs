//! Memory images of a running rootkey (issue 15, item 1): every readable mapping of a stopped
//! process, read from `/proc/PID/mem` (locked pages included) with its `/proc/PID/smaps`
//! entry, and a search of it for the secrets of a ceremony.
//!
//! rootkey clears its dumpable flag at startup (`src/secret/harden.rs`), so only a reader with
//! CAP_SYS_PTRACE over the process's user namespace may open its `/proc/PID/mem`. As root with
//! that capability the test reads directly; otherwise rootkey is started under `unshare -Ur`
//! (a user namespace the test's user owns, so the test holds the capability there); when
//! neither is possible the test fails saying why — it never passes without reading.
#![allow(dead_code)]

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub mod needles;

/// One mapping of the process, as `/proc/PID/smaps` describes it, and where its bytes are in
/// [`Image::bytes`].
#[derive(Debug)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    pub perms: String,
    pub name: String,
    pub vmflags: Vec<String>,
    pub data: std::ops::Range<usize>,
}

impl Mapping {
    /// Locked (`lo`) and left out of core dumps (`dd`): where secrets may live.
    pub fn locked_and_dontdump(&self) -> bool {
        self.vmflags.iter().any(|f| f == "lo") && self.vmflags.iter().any(|f| f == "dd")
    }

    pub fn describe(&self) -> String {
        let name = if self.name.is_empty() {
            "(anonymous)"
        } else {
            &self.name
        };
        format!(
            "{:#x}-{:#x} {} {name} [VmFlags: {}]",
            self.start,
            self.end,
            self.perms,
            self.vmflags.join(" ")
        )
    }
}

/// Every readable mapping of a stopped process.
pub struct Image {
    pub pid: u32,
    pub maps: Vec<Mapping>,
    pub bytes: Vec<u8>,
}

/// Mappings the kernel never lets `/proc/PID/mem` read (they hold no process data).
const UNREADABLE_OK: [&str; 3] = ["[vvar]", "[vvar_vclock]", "[vsyscall]"];

impl Image {
    /// Reads every readable mapping of process `pid` (which must be stopped). Fails naming
    /// the mapping it could not read, and why.
    pub fn read(pid: u32) -> Image {
        let smaps = fs::read_to_string(format!("/proc/{pid}/smaps"))
            .unwrap_or_else(|e| panic!("{}", no_access(pid, "smaps", &e)));
        let mem = fs::File::open(format!("/proc/{pid}/mem"))
            .unwrap_or_else(|e| panic!("{}", no_access(pid, "mem", &e)));
        let mut maps = Vec::new();
        let mut bytes = Vec::new();
        for line in smaps.lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.first() == Some(&"VmFlags:") {
                if let Some(m) = maps.last_mut() {
                    let m: &mut Mapping = m;
                    m.vmflags = f[1..].iter().map(|s| s.to_string()).collect();
                }
                continue;
            }
            let Some((a, b)) = f.first().and_then(|r| r.split_once('-')) else {
                continue;
            };
            let (Ok(start), Ok(end)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16))
            else {
                continue;
            };
            maps.push(Mapping {
                start,
                end,
                perms: f.get(1).unwrap_or(&"").to_string(),
                name: f.get(5..).map(|n| n.join(" ")).unwrap_or_default(),
                vmflags: Vec::new(),
                data: 0..0,
            });
        }
        for m in &mut maps {
            if !m.perms.starts_with('r') {
                continue;
            }
            let mut buf = vec![0u8; (m.end - m.start) as usize];
            match mem.read_exact_at(&mut buf, m.start) {
                Ok(()) => {
                    let at = bytes.len();
                    bytes.extend_from_slice(&buf);
                    m.data = at..bytes.len();
                }
                Err(_) if UNREADABLE_OK.contains(&m.name.as_str()) => {}
                Err(e) => panic!("could not read mapping {} of pid {pid}: {e}", m.describe()),
            }
        }
        assert!(
            maps.iter()
                .any(|m| m.name == "[heap]" && !m.data.is_empty())
                && maps
                    .iter()
                    .any(|m| m.name == "[stack]" && !m.data.is_empty()),
            "the image of pid {pid} lacks the heap or the stack"
        );
        Image { pid, maps, bytes }
    }

    /// Every occurrence of every needle, in the mapping that holds it.
    pub fn search<'a>(&'a self, needles: &'a [needles::Needle]) -> Vec<Hit<'a>> {
        // Candidates by their first two bytes (a 64 Ki-entry table), then a full compare.
        let mut first: Vec<Vec<usize>> = vec![Vec::new(); 1 << 16];
        for (i, n) in needles.iter().enumerate() {
            assert!(
                n.bytes.len() >= 8,
                "needle {} is too short to search",
                n.what
            );
            first[usize::from(n.bytes[0]) | usize::from(n.bytes[1]) << 8].push(i);
        }
        let mut hits = Vec::new();
        for m in &self.maps {
            let data = &self.bytes[m.data.clone()];
            for (pos, w) in data.windows(2).enumerate() {
                let cands = &first[usize::from(w[0]) | usize::from(w[1]) << 8];
                for &i in cands {
                    let n = &needles[i].bytes;
                    if data[pos..].starts_with(n) {
                        hits.push(Hit {
                            needle: &needles[i],
                            mapping: m,
                            addr: m.start + pos as u64,
                        });
                    }
                }
            }
        }
        hits
    }
}

/// A needle found in the image.
pub struct Hit<'a> {
    pub needle: &'a needles::Needle,
    pub mapping: &'a Mapping,
    pub addr: u64,
}

impl Hit<'_> {
    pub fn describe(&self) -> String {
        format!(
            "{} at {:#x} in {}",
            self.needle.what,
            self.addr,
            self.mapping.describe()
        )
    }
}

/// Lists hits for a failure message (at most 30).
pub fn list(hits: &[Hit]) -> String {
    let mut s: Vec<String> = hits.iter().take(30).map(Hit::describe).collect();
    if hits.len() > 30 {
        s.push(format!("… and {} more", hits.len() - 30));
    }
    s.join("\n")
}

fn no_access(pid: u32, file: &str, e: &std::io::Error) -> String {
    format!(
        "cannot read /proc/{pid}/{file}: {e}. rootkey is not dumpable (PR_SET_DUMPABLE=0), so \
         reading its memory needs CAP_SYS_PTRACE over its user namespace: run the tests as \
         root with CAP_SYS_PTRACE, or allow unprivileged user namespaces (`unshare -Ur true` \
         must work) and a Yama ptrace_scope of 0 or 1"
    )
}

/// How rootkey is started so that this test may read its memory.
fn wrapper() -> Vec<OsString> {
    static W: std::sync::OnceLock<Vec<OsString>> = std::sync::OnceLock::new();
    W.get_or_init(|| {
        if has_cap_sys_ptrace() {
            return Vec::new();
        }
        let ok = Command::new("unshare")
            .args(["-Ur", "true"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "cannot read rootkey's memory: this test has no CAP_SYS_PTRACE (rootkey is not \
             dumpable) and `unshare -Ur true` fails (no unprivileged user namespaces). Run it \
             as root, or enable user namespaces (sysctl kernel.unprivileged_userns_clone=1 / \
             user.max_user_namespaces > 0)"
        );
        ["unshare", "-Ur"].map(OsString::from).to_vec()
    })
    .clone()
}

/// CAP_SYS_PTRACE (bit 19) in this process's effective set.
fn has_cap_sys_ptrace() -> bool {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|h| u64::from_str_radix(h.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 19) != 0)
}

/// The command line that starts `program ARGS` readable by this test.
pub fn readable_command(program: &Path, args: &[OsString]) -> Vec<OsString> {
    let mut v = wrapper();
    v.push(program.into());
    v.extend(args.iter().cloned());
    v
}

/// How a run under gdb ended.
pub struct Ended {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The gdb commands: stop at `exit_group`, tell the test the pid, wait until it has read the
/// memory, then let the process exit and record its exit code.
const GDB_SCRIPT: &str = r#"set pagination off
set confirm off
catch syscall exit_group
run
python
import gdb, os, time
d = os.environ["ROOTKEY_MEMTEST_DIR"]
with open(d + "/pid.tmp", "w") as f:
    f.write(str(gdb.selected_inferior().pid))
os.rename(d + "/pid.tmp", d + "/pid")
deadline = time.time() + 120
while not os.path.exists(d + "/go") and time.time() < deadline:
    time.sleep(0.005)
end
delete
continue
python
import gdb, os
code = gdb.convenience_variable("_exitcode")
with open(os.environ["ROOTKEY_MEMTEST_DIR"] + "/exit", "w") as f:
    f.write("none" if code is None else str(int(code)))
end
"#;

/// A program run under gdb that stops at `exit_group` and waits there until the test has read
/// its memory ([`GDB_SCRIPT`]).
pub struct AtExit {
    dir: tempfile::TempDir,
}

impl AtExit {
    pub fn new() -> AtExit {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("stop-at-exit.gdb"), GDB_SCRIPT).unwrap();
        AtExit { dir }
    }

    /// `gdb … --args [unshare -Ur] PROGRAM ARGS`, to be spawned by the caller.
    pub fn command(&self, program: &Path, args: &[OsString]) -> Command {
        let mut cmd = Command::new("gdb");
        cmd.args(["-nx", "-batch", "--readnever"])
            .args(["-iex", "set debuginfod enabled off", "-x"])
            .arg(self.dir.path().join("stop-at-exit.gdb"))
            .arg("--args")
            .args(readable_command(program, args))
            .env("ROOTKEY_MEMTEST_DIR", self.dir.path());
        cmd
    }

    /// Waits until the process stops at `exit_group` (calling `poll` meanwhile; it returns
    /// the reason if gdb has ended), reads its memory and lets it exit.
    pub fn image(&self, mut poll: impl FnMut() -> Option<String>) -> Image {
        let pid_file = self.dir.path().join("pid");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !pid_file.exists() {
            if let Some(why) = poll() {
                panic!("gdb ended before the process reached exit_group: {why}");
            }
            assert!(Instant::now() < deadline, "no exit_group within 60 s");
            std::thread::sleep(Duration::from_millis(10));
        }
        let pid: u32 = fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(pid > 0, "the process ended without exit_group");
        let image = Image::read(pid);
        fs::write(self.dir.path().join("go"), "").unwrap();
        image
    }

    /// The exit code gdb recorded once the process exited.
    pub fn exit_code(&self) -> Option<i32> {
        let code = fs::read_to_string(self.dir.path().join("exit")).ok()?;
        code.trim().parse().ok()
    }
}

/// Runs `program ARGS` under gdb (`catch syscall exit_group`) and returns how it ended and
/// its memory image at its last system call.
pub fn image_at_exit(program: &Path, args: &[OsString], envs: &[(&str, &Path)]) -> (Ended, Image) {
    let at = AtExit::new();
    let d = tempfile::tempdir().unwrap();
    let mut cmd = at.command(program, args);
    cmd.stdin(Stdio::null())
        .stdout(fs::File::create(d.path().join("stdout")).unwrap())
        .stderr(fs::File::create(d.path().join("stderr")).unwrap());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut gdb = cmd
        .spawn()
        .expect("gdb is not installed (apt-get install gdb; .ci/run does)");
    let output = |d: &Path| {
        let r = |n: &str| fs::read_to_string(d.join(n)).unwrap_or_default();
        (r("stdout"), r("stderr"))
    };
    let image = at.image(|| {
        gdb.try_wait().unwrap().map(|st| {
            let (o, e) = output(d.path());
            format!("{st}\n{o}\n{e}")
        })
    });
    let st = gdb.wait().unwrap();
    let (stdout, stderr) = output(d.path());
    let code = at
        .exit_code()
        .unwrap_or_else(|| panic!("gdb ({st}) did not record the exit code:\n{stdout}\n{stderr}"));
    (
        Ended {
            code,
            stdout,
            stderr,
        },
        image,
    )
}

/// The rootkey binary under test.
pub fn rootkey_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rootkey"))
}
