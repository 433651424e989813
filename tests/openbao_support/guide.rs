//! The ceremony guide's OpenBao commands, run as written: each fenced ```sh block that follows a
//! `<!-- test: openbao/NAME -->` marker in docs/ceremony-guide.md is extracted and run with
//! bash, with the variables the guide uses (`YEAR`, `LAST`, `LEAF_TTL`, `AT`) and the server's
//! `BAO_ADDR`/`BAO_TOKEN`. `rootkey` in a block is the built binary; for the ceremony commands
//! (`intermediate sign`, `crl sign`) the test appends what people do at the prompts as flags
//! (shares, confirmers, the out-of-band hash), and drops `--previous` for the very first
//! intermediate, as the guide says.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::BaoServer;
use crate::common::repo_path;

/// The guide the blocks come from.
pub const GUIDE: &str = "docs/ceremony-guide.md";

/// The `openbao/` marker names of the guide, in order.
pub fn marker_names() -> Vec<String> {
    let text = std::fs::read_to_string(repo_path(GUIDE)).unwrap();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("<!-- test: openbao/"))
        .map(|l| l.trim_end_matches("-->").trim().to_string())
        .collect()
}

/// The fenced sh block after `<!-- test: openbao/NAME -->`, its list indentation removed.
pub fn block(name: &str) -> String {
    let text = std::fs::read_to_string(repo_path(GUIDE)).unwrap();
    let marker = format!("<!-- test: openbao/{name} -->");
    let lines: Vec<&str> = text.lines().collect();
    let at: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim() == marker)
        .collect();
    assert_eq!(
        at.len(),
        1,
        "{GUIDE}: expected one {marker}, found {}",
        at.len()
    );
    let fence = lines[at[0] + 1];
    assert_eq!(
        fence.trim(),
        "```sh",
        "{GUIDE}: {marker} must be followed by a ```sh block"
    );
    let indent = fence.len() - fence.trim_start().len();
    let mut out = String::new();
    for l in &lines[at[0] + 2..] {
        if l.trim() == "```" {
            return out;
        }
        out.push_str(l.get(indent..).unwrap_or(l.trim_start()));
        out.push('\n');
    }
    panic!("{GUIDE}: the block after {marker} is not closed");
}

/// What a guide block printed.
#[derive(Debug)]
pub struct BlockRun {
    pub name: String,
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl BlockRun {
    /// Asserts that the block succeeded (every command, under `set -e`).
    pub fn ok(&self) -> &Self {
        assert!(
            self.ok,
            "guide block openbao/{} failed: {self:#?}",
            self.name
        );
        self
    }

    /// Asserts that standard output contains every needle.
    pub fn stdout_has(&self, needles: &[&str]) -> &Self {
        for n in needles {
            assert!(
                self.stdout.contains(n),
                "openbao/{}: stdout lacks {n:?}: {self:#?}",
                self.name
            );
        }
        self
    }

    /// Asserts that the block printed no warning (from OpenBao or rootkey).
    pub fn no_warning(&self) -> &Self {
        let all = format!("{}{}", self.stdout, self.stderr).to_lowercase();
        assert!(
            !all.contains("warning"),
            "openbao/{}: unexpected warning: {self:#?}",
            self.name
        );
        self
    }
}

/// Runs the guide's blocks in one working directory against one server, and remembers which
/// ran (so that the test can assert it ran them all).
pub struct Guide<'a> {
    pub server: &'a BaoServer,
    pub dir: PathBuf,
    ran: BTreeSet<String>,
}

/// The bash function standing for `rootkey` in the blocks.
const PRELUDE: &str = r#"
rootkey() {
  local args=() skip=0 x
  for x in "$@"; do
    if [ "$skip" = 1 ]; then skip=0; continue; fi
    if [ "$x" = --previous ] && [ -n "${ROOTKEY_TEST_FIRST:-}" ]; then skip=1; continue; fi
    args+=("$x")
  done
  if [ "$1" = intermediate ] || [ "$1" = crl ]; then
    local extra=()
    if [ -n "$ROOTKEY_TEST_ARGS" ]; then mapfile -t extra <<<"$ROOTKEY_TEST_ARGS"; fi
    args+=("${extra[@]}")
  fi
  "$ROOTKEY_BIN" "${args[@]}"
}
"#;

impl<'a> Guide<'a> {
    pub fn new(server: &'a BaoServer, dir: &Path) -> Guide<'a> {
        Guide {
            server,
            dir: dir.to_path_buf(),
            ran: BTreeSet::new(),
        }
    }

    /// Runs block `name` with `vars` (and `rootkey_args` appended to its ceremony commands);
    /// with `strict`, under `set -euo pipefail`.
    pub fn run(
        &mut self,
        name: &str,
        vars: &[(&str, &str)],
        rootkey_args: &[String],
        strict: bool,
    ) -> BlockRun {
        let body = block(name);
        let mode = if strict {
            "set -euo pipefail"
        } else {
            "set -u"
        };
        let script = format!("{mode}\n{PRELUDE}\n{body}");
        let mut c = Command::new("bash");
        c.arg("-c").arg(script).current_dir(&self.dir);
        for v in ["YEAR", "LAST", "LEAF_TTL", "AT", "ROOTKEY_TEST_FIRST"] {
            c.env_remove(v);
        }
        c.envs(self.server.env());
        c.env("ROOTKEY_BIN", env!("CARGO_BIN_EXE_rootkey"));
        c.env("ROOTKEY_TEST_ARGS", rootkey_args.join("\n"));
        c.envs(vars.iter().copied());
        let o = c.output().unwrap();
        self.ran.insert(name.to_string());
        BlockRun {
            name: name.to_string(),
            ok: o.status.success(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    /// Asserts that every `openbao/` block of the guide has been run.
    pub fn ran_every_block(&self) {
        let all: BTreeSet<String> = marker_names().into_iter().collect();
        let missing: Vec<&String> = all.difference(&self.ran).collect();
        assert!(missing.is_empty(), "{GUIDE}: blocks never run: {missing:?}");
    }
}
