//! Where a process wrote what, from an `strace -f -xx` log (tests/disk_secrets.rs).
//!
//! [`traced`] runs a command under strace; [`Trace::parse`] replays the log: every write,
//! pwrite64, writev and pwritev with its bytes (decoded from `-xx` hex), attributed to what its
//! file descriptor is — standard output, standard error, a pipe, or a file. Descriptors are
//! followed through openat, dup/dup2/dup3/fcntl(F_DUPFD), pipe2 and close, and across clone
//! (a copy of the table, or the same table for CLONE_FILES threads). Files are followed by
//! inode through linkat, renameat2 and unlinkat, so bytes written to a temporary file that was
//! then linked into place count as written to the final name, and a file removed at the end
//! has no name at all. Processes that execve another program (the `lp` of `--print-to`) are
//! on the far side of a pipe: their writes are not rootkey's and are left out.
//!
//! Not seen by this: bytes that reach a file through a shared memory mapping (rootkey maps no
//! file for writing) or through sendfile/copy_file_range/splice (traced too: any of them from
//! rootkey is reported as a finding of its own).
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

pub mod secrets;
#[cfg(test)]
mod tests;

/// The syscalls traced: the set, the older forms of each (Rust's `remove_file` is
/// unlink(2)), and what maps descriptors and processes.
pub const SYSCALLS: &str = "write,pwrite64,writev,pwritev,pwritev2,open,creat,openat,link,\
linkat,rename,renameat,renameat2,unlink,unlinkat,close,dup,dup2,dup3,fcntl,pipe2,clone,clone3,fork,vfork,execve,sendfile,\
copy_file_range,splice,sendto,sendmsg";

/// Runs `cmd` under `strace -f -qq -s 1048576 -xx`, writing the log to `log`; returns the
/// command's output. Writes longer than the string limit would show truncated and are
/// reported by [`Trace::parse`], never silently cut.
pub fn traced(cmd: &Command, log: &Path) -> std::process::Output {
    let mut s = Command::new("strace");
    s.args(["-f", "-qq", "-s", "1048576", "-xx", "-e", "signal=none"])
        .arg("-e")
        .arg(format!("trace={SYSCALLS}"))
        .arg("-o")
        .arg(log)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => s.env(k, v),
            None => s.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        s.current_dir(d);
    }
    s.output().expect("strace (apt package strace) runs")
}

/// Where a write went.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dest {
    Stdout,
    Stderr,
    /// A pipe made by the process itself (pipe2): the printer's stdin.
    Pipe,
    /// A file, by inode number in the trace.
    File(usize),
    /// A descriptor the trace does not know (made by a syscall not traced).
    Unknown(i32),
}

#[derive(Clone, Debug)]
enum Fd {
    Std(Dest),
    File(usize),
    Dir(PathBuf),
    Pipe,
}

type Table = Rc<RefCell<HashMap<i32, Fd>>>;

struct Proc {
    table: Table,
    /// It ran execve after it was cloned: another program, not rootkey.
    external: bool,
}

/// A file in the trace: the path it was first opened under, and its names at the end.
#[derive(Debug, Default)]
pub struct Inode {
    pub opened_as: PathBuf,
    pub names: BTreeSet<PathBuf>,
}

/// What a traced run wrote.
#[derive(Debug, Default)]
pub struct Trace {
    /// The bytes written to each destination, in order (rootkey's processes only).
    pub written: BTreeMap<Dest, Vec<u8>>,
    pub inodes: Vec<Inode>,
    /// Paths created (openat with O_CREAT, successful), in order.
    pub created: Vec<PathBuf>,
    /// Syscalls that move data without showing it (sendfile, splice, …) and truncated
    /// strings: each a finding.
    pub problems: Vec<String>,
}

impl Trace {
    /// Replays a log; relative paths are taken against `cwd`.
    pub fn parse(log: &str, cwd: &Path) -> Trace {
        let mut p = Parser {
            t: Trace::default(),
            procs: HashMap::new(),
            by_path: HashMap::new(),
            pending: HashMap::new(),
            cwd: cwd.to_path_buf(),
            root: None,
        };
        for (n, line) in log.lines().enumerate() {
            p.line(n + 1, line);
        }
        p.t
    }

    /// A destination as a person reads it.
    pub fn describe(&self, d: &Dest) -> String {
        match d {
            Dest::Stdout => "standard output".into(),
            Dest::Stderr => "standard error".into(),
            Dest::Pipe => "a pipe".into(),
            Dest::Unknown(fd) => format!("descriptor {fd} (opened by an untraced call)"),
            Dest::File(i) => {
                let f = &self.inodes[*i];
                if f.names.is_empty() {
                    format!("{} (removed by the end)", f.opened_as.display())
                } else {
                    let names: Vec<String> =
                        f.names.iter().map(|n| n.display().to_string()).collect();
                    format!(
                        "{} (first opened as {})",
                        names.join(", "),
                        f.opened_as.display()
                    )
                }
            }
        }
    }

    /// The final names of a file destination (none for streams, pipes and removed files).
    pub fn names(&self, d: &Dest) -> Vec<PathBuf> {
        match d {
            Dest::File(i) => self.inodes[*i].names.iter().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// The destinations whose bytes contain `needle`.
    pub fn found(&self, needle: &[u8]) -> Vec<Dest> {
        self.written
            .iter()
            .filter(|(_, data)| contains(data, needle))
            .map(|(d, _)| d.clone())
            .collect()
    }

    /// Every secret found anywhere `allowed` does not allow, as `NAME in DESTINATION` (the
    /// secret named, never shown), plus the trace's own problems.
    pub fn violations(
        &self,
        secrets: &[Secret],
        allowed: impl Fn(&Secret, &Dest) -> bool,
    ) -> Vec<String> {
        let mut v = self.problems.clone();
        for (d, data) in &self.written {
            for s in secrets {
                if !allowed(s, d) && contains(data, &s.bytes) {
                    v.push(format!("{} written to {}", s.name, self.describe(d)));
                }
            }
        }
        v
    }

    /// Created paths that are still there under their own name at the end and are temporary
    /// files (`.NAME.tmp-…`, or any name starting with a dot) or lie outside `outputs`.
    pub fn leftovers(&self, outputs: &[&Path]) -> Vec<String> {
        let mut v = Vec::new();
        let live: BTreeSet<&PathBuf> = self.inodes.iter().flat_map(|i| &i.names).collect();
        for p in &self.created {
            if !live.contains(p) {
                continue;
            }
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.contains(".tmp-") || name.starts_with('.') {
                v.push(format!("temporary file left behind: {}", p.display()));
            } else if !outputs.iter().any(|o| p.starts_with(o)) {
                v.push(format!("file created outside the outputs: {}", p.display()));
            }
        }
        v
    }
}

/// A secret to look for: its name (what a failure shows) and bytes; `owner` is the share
/// index whose designated outputs may hold it (none: no output may).
#[derive(Clone, Debug)]
pub struct Secret {
    pub name: String,
    pub bytes: Vec<u8>,
    pub owner: Option<u8>,
}

/// True if `needle` occurs in `hay` (needles are at least 4 bytes).
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    if needle.is_empty() || needle.len() > hay.len() {
        return needle.is_empty();
    }
    let first = needle[0];
    let last = hay.len() - needle.len();
    let mut i = 0;
    while i <= last {
        match hay[i..=last].iter().position(|&b| b == first) {
            None => return false,
            Some(off) => {
                i += off;
                if &hay[i..i + needle.len()] == needle {
                    return true;
                }
                i += 1;
            }
        }
    }
    false
}

struct Parser {
    t: Trace,
    procs: HashMap<u32, Proc>,
    by_path: HashMap<PathBuf, usize>,
    /// Unfinished calls by pid (`<unfinished ...>`), joined with their `resumed` part.
    pending: HashMap<u32, String>,
    cwd: PathBuf,
    root: Option<u32>,
}

/// The decoded bytes of every `"\x.."` string in `s`, concatenated; and whether one was cut
/// short (`"..."...`).
pub fn strings(s: &str) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut cut = false;
    let mut rest = s;
    while let Some(start) = rest.find('"') {
        let body = &rest[start + 1..];
        let end = body.find('"').unwrap_or(body.len());
        let b = &body.as_bytes()[..end];
        let mut i = 0;
        while i < b.len() {
            let hex = (b[i] == b'\\' && i + 4 <= b.len() && b[i + 1] == b'x')
                .then(|| std::str::from_utf8(&b[i + 2..i + 4]).ok())
                .flatten()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => {
                    out.push(v);
                    i += 4;
                }
                None => {
                    out.push(b[i]);
                    i += 1;
                }
            }
        }
        rest = body.get(end + 1..).unwrap_or("");
        if rest.starts_with("...") {
            cut = true;
        }
    }
    (out, cut)
}

/// Splits `args` at top-level commas.
fn split_args(args: &str) -> Vec<&str> {
    let mut v = Vec::new();
    let (mut depth, mut start, mut quoted) = (0i32, 0usize, false);
    for (i, c) in args.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' | '{' | '(' if !quoted => depth += 1,
            ']' | '}' | ')' if !quoted => depth -= 1,
            ',' if depth == 0 && !quoted => {
                v.push(args[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < args.len() {
        v.push(args[start..].trim());
    }
    v
}

fn num(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

impl Parser {
    fn line(&mut self, n: usize, line: &str) {
        let Some((pid, rest)) = line.split_once(' ') else {
            return;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            return;
        };
        let rest = rest.trim_start();
        if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            self.pending.insert(pid, head.to_string());
            return;
        }
        let call = if let Some(r) = rest.strip_prefix("<... ") {
            let Some((_, tail)) = r.split_once(" resumed>") else {
                return;
            };
            format!("{}{}", self.pending.remove(&pid).unwrap_or_default(), tail)
        } else {
            rest.to_string()
        };
        self.call(n, pid, &call);
    }

    fn proc(&mut self, pid: u32) -> &mut Proc {
        if self.root.is_none() {
            self.root = Some(pid);
        }
        if !self.procs.contains_key(&pid) {
            // A child seen before its parent's clone returned: inherit from the process with
            // an unfinished clone (or the first process).
            let parent = self
                .pending
                .iter()
                .find(|(_, c)| {
                    ["clone", "clone3", "fork", "vfork"]
                        .iter()
                        .any(|k| c.starts_with(&format!("{k}(")))
                })
                .map(|(p, c)| (*p, c.contains("CLONE_FILES")))
                .or(self.root.filter(|r| *r != pid).map(|r| (r, false)));
            let table =
                match parent.and_then(|(p, shared)| self.procs.get(&p).map(|pr| (pr, shared))) {
                    Some((pr, true)) => pr.table.clone(),
                    Some((pr, false)) => Rc::new(RefCell::new(pr.table.borrow().clone())),
                    None => Rc::new(RefCell::new(HashMap::from([
                        (1, Fd::Std(Dest::Stdout)),
                        (2, Fd::Std(Dest::Stderr)),
                    ]))),
                };
            self.procs.insert(
                pid,
                Proc {
                    table,
                    external: false,
                },
            );
        }
        self.procs.get_mut(&pid).expect("inserted")
    }

    fn path(&mut self, pid: u32, dirfd: &str, path: &str) -> PathBuf {
        let p = PathBuf::from(String::from_utf8_lossy(&strings(path).0).into_owned());
        if p.is_absolute() {
            return p;
        }
        if dirfd != "AT_FDCWD"
            && let Some(Fd::Dir(d)) =
                num(dirfd).and_then(|fd| self.proc(pid).table.borrow().get(&(fd as i32)).cloned())
        {
            return d.join(p);
        }
        self.cwd.join(p)
    }

    fn inode(&mut self, p: &Path) -> usize {
        if let Some(i) = self.by_path.get(p) {
            return *i;
        }
        self.t.inodes.push(Inode {
            opened_as: p.to_path_buf(),
            names: BTreeSet::from([p.to_path_buf()]),
        });
        let i = self.t.inodes.len() - 1;
        self.by_path.insert(p.to_path_buf(), i);
        i
    }

    fn unname(&mut self, p: &Path) -> Option<usize> {
        let i = self.by_path.remove(p)?;
        self.t.inodes[i].names.remove(p);
        Some(i)
    }

    fn name(&mut self, p: &Path, i: usize) {
        self.unname(p);
        self.by_path.insert(p.to_path_buf(), i);
        self.t.inodes[i].names.insert(p.to_path_buf());
    }

    fn call(&mut self, n: usize, pid: u32, call: &str) {
        // `NAME(ARGS)   = RET [ERRNO (text)]`: strace pads before ` = `.
        let Some((name, after)) = call.split_once('(') else {
            return;
        };
        let Some(eq) = after.rfind(" = ") else {
            return;
        };
        let Some(args) = after[..eq].trim_end().strip_suffix(')') else {
            return;
        };
        let args = split_args(args);
        let ret = after[eq + 3..].split_whitespace().next().and_then(num);
        let Some(ret) = ret.filter(|r| *r >= 0) else {
            return;
        };
        let fd = |i: usize| args.get(i).and_then(|a| num(a)).map(|v| v as i32);
        self.proc(pid);
        let external = self.procs[&pid].external;
        let table = self.procs[&pid].table.clone();
        match name {
            "write" | "pwrite64" | "writev" | "pwritev" | "pwritev2" if !external => {
                let Some(f) = fd(0) else { return };
                let (mut data, cut) = strings(args.get(1).copied().unwrap_or(""));
                if cut {
                    self.t.problems.push(format!(
                        "log line {n}: {name} of {ret} bytes shown truncated"
                    ));
                }
                data.truncate(ret as usize);
                let dest = match table.borrow().get(&f) {
                    Some(Fd::Std(d)) => d.clone(),
                    Some(Fd::File(i)) => Dest::File(*i),
                    Some(Fd::Pipe) => Dest::Pipe,
                    Some(Fd::Dir(_)) | None => Dest::Unknown(f),
                };
                self.t
                    .written
                    .entry(dest)
                    .or_default()
                    .extend_from_slice(&data);
            }
            "sendfile" | "copy_file_range" | "splice" | "sendto" | "sendmsg" if !external => {
                self.t
                    .problems
                    .push(format!("log line {n}: {name} moved {ret} bytes unseen"));
            }
            "openat" | "open" | "creat" => {
                // open(path, flags) and creat(path, mode) are openat(AT_FDCWD, …).
                let args: Vec<&str> = match name {
                    "openat" => args,
                    "open" => [&["AT_FDCWD"][..], &args].concat(),
                    _ => vec![
                        "AT_FDCWD",
                        args.first().copied().unwrap_or(""),
                        "O_CREAT|O_WRONLY|O_TRUNC",
                    ],
                };
                let p = self.path(
                    pid,
                    args.first().copied().unwrap_or(""),
                    args.get(1).copied().unwrap_or(""),
                );
                let flags = args.get(2).copied().unwrap_or("");
                let entry = if flags.contains("O_DIRECTORY") || flags.contains("O_PATH") {
                    Fd::Dir(p)
                } else {
                    if flags.contains("O_CREAT") && !external {
                        self.t.created.push(p.clone());
                    }
                    Fd::File(self.inode(&p))
                };
                table.borrow_mut().insert(ret as i32, entry);
            }
            "close" => {
                if let Some(f) = fd(0) {
                    table.borrow_mut().remove(&f);
                }
            }
            "dup" | "dup2" | "dup3" | "fcntl" => {
                if name == "fcntl" && !args.get(1).is_some_and(|a| a.starts_with("F_DUPFD")) {
                    return;
                }
                let old = fd(0).and_then(|f| table.borrow().get(&f).cloned());
                match old {
                    Some(e) => table.borrow_mut().insert(ret as i32, e),
                    None => table.borrow_mut().remove(&(ret as i32)),
                };
            }
            "pipe2" => {
                let (r, w) = args
                    .first()
                    .map(|a| a.trim_matches(['[', ']']))
                    .and_then(|a| a.split_once(','))
                    .map(|(r, w)| (num(r), num(w)))
                    .unwrap_or((None, None));
                for f in [r, w].into_iter().flatten() {
                    table.borrow_mut().insert(f as i32, Fd::Pipe);
                }
            }
            "link" | "linkat" | "rename" | "renameat" | "renameat2" => {
                let args: Vec<&str> = if name.ends_with("at") || name.ends_with("at2") {
                    args
                } else {
                    vec![
                        "AT_FDCWD",
                        args.first().copied().unwrap_or(""),
                        "AT_FDCWD",
                        args.get(1).copied().unwrap_or(""),
                    ]
                };
                let old = self.path(
                    pid,
                    args.first().copied().unwrap_or(""),
                    args.get(1).copied().unwrap_or(""),
                );
                let new = self.path(
                    pid,
                    args.get(2).copied().unwrap_or(""),
                    args.get(3).copied().unwrap_or(""),
                );
                let i = if name.starts_with("link") {
                    Some(self.inode(&old))
                } else {
                    self.unname(&old)
                };
                if let Some(i) = i {
                    self.name(&new, i);
                }
            }
            "unlink" | "unlinkat" => {
                let (dirfd, path) = match name {
                    "unlink" => ("AT_FDCWD", args.first().copied().unwrap_or("")),
                    _ => (
                        args.first().copied().unwrap_or(""),
                        args.get(1).copied().unwrap_or(""),
                    ),
                };
                let p = self.path(pid, dirfd, path);
                self.unname(&p);
            }
            "clone" | "clone3" | "fork" | "vfork" => {
                let child = ret as u32;
                if ret > 0 && !self.procs.contains_key(&child) {
                    let t = if call.contains("CLONE_FILES") {
                        table.clone()
                    } else {
                        Rc::new(RefCell::new(table.borrow().clone()))
                    };
                    self.procs.insert(child, Proc { table: t, external });
                }
            }
            "execve" if Some(pid) != self.root => {
                self.proc(pid).external = true;
            }
            _ => {}
        }
    }
}
