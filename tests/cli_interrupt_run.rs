//! `kill -9` at every step of a scripted `rootkey run` (issue 13, item 10): the shipped
//! rehearsal plan run from the shipped answers file is killed as soon as the header of step k
//! (`Step k/22 · …`) appears on its standard error, for every k. Each run leaves either no
//! file or complete files — never a half-written one — and a transcript that both verifiers
//! read as interrupted (valid, unsealed: exit 3), never as tampered; a run killed after its
//! seal reads as sealed.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

use common::{rootkey, s};

const BIN: &str = env!("CARGO_BIN_EXE_rootkey");
/// Steps of the rehearsal plan's merged list (`rootkey plan render`).
const STEPS: usize = 22;

/// Every file a killed run left is complete: a share parses, a PDF ends with `%%EOF`, JSON
/// parses, a PEM file has its END line; a temporary file is recognisable by its name.
fn check_complete(out: &Path, at: usize) {
    let Ok(dir) = fs::read_dir(out) else {
        return;
    };
    for e in dir {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        let bytes = fs::read(out.join(&name)).unwrap();
        if name.starts_with('.') {
            assert!(name.contains(".tmp-"), "kill at step {at}: {name}");
            continue;
        }
        match Path::new(&name).extension().and_then(|x| x.to_str()) {
            Some("txt") => {
                rootkey::share::text::parse(&bytes)
                    .unwrap_or_else(|e| panic!("kill at step {at}: {name}: {e}"));
            }
            Some("pdf") => assert!(
                bytes.trim_ascii_end().ends_with(b"%%EOF"),
                "kill at step {at}: {name} is cut off"
            ),
            Some("json") => {
                serde_json::from_slice::<Value>(&bytes)
                    .unwrap_or_else(|e| panic!("kill at step {at}: {name}: {e}"));
            }
            Some("pem") => assert!(
                String::from_utf8_lossy(&bytes)
                    .trim_end()
                    .ends_with("-----END CERTIFICATE-----"),
                "kill at step {at}: {name} is cut off"
            ),
            Some("jsonl") => {
                // Every line but a last one cut off by the kill is a whole JSON entry.
                let text = String::from_utf8_lossy(&bytes);
                for l in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
                    serde_json::from_str::<Value>(l)
                        .unwrap_or_else(|e| panic!("kill at step {at}: {name}: {e}"));
                }
            }
            _ => panic!("kill at step {at}: unexpected file {name}"),
        }
    }
}

#[test]
fn kill_9_at_every_step_of_a_scripted_run_leaves_no_partial_file() {
    let t = TempDir::new().unwrap();
    let plan = common::repo_path("ceremony-scripts/rehearsal.toml");
    let answers = common::repo_path("ceremony-scripts/rehearsal-answers.toml");
    let mut killed = 0;
    let mut entries_at_kill = Vec::new();
    for k in 1..=STEPS {
        let out = t.path().join(format!("k{k}"));
        let mut child = Command::new(BIN)
            .arg("run")
            .arg(&plan)
            .arg("--answers")
            .arg(&answers)
            .arg("--out")
            .arg(&out)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let header = format!("Step {k}/{STEPS} · ");
        let stderr = child.stderr.take().unwrap();
        let mut seen = false;
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.starts_with(&header) {
                // SIGKILL: no handler runs, nothing is cleaned up.
                child.kill().unwrap();
                seen = true;
                break;
            }
        }
        let status = child.wait().unwrap();
        assert!(seen, "step {k}: its header never appeared ({status})");
        if status.code() == Some(0) {
            // Finished before the kill landed (the last steps): sealed, nothing to check.
            continue;
        }
        killed += 1;
        check_complete(&out, k);
        let transcript = out.join("transcript.jsonl");
        if !transcript.exists() {
            // Killed before the transcript was linked into place: only temporary files.
            entries_at_kill.push(0);
            continue;
        }
        let text = fs::read_to_string(&transcript).unwrap();
        entries_at_kill.push(text.lines().count());
        let sealed = text
            .lines()
            .last()
            .is_some_and(|l| l.contains("\"action\":\"seal\""));
        let r = rootkey([
            "transcript",
            "verify",
            &s(&transcript),
            "--artifacts",
            &s(&out),
        ]);
        let result = r
            .stdout
            .lines()
            .find(|l| l.starts_with("Result: "))
            .unwrap_or_default()
            .to_string();
        assert_eq!(r.code, if sealed { 0 } else { 3 }, "step {k}: {result}");
        if !sealed {
            assert!(result.contains("interrupted"), "step {k}: {result}");
        }
        let py = Command::new("python3")
            .arg(common::repo_path(
                "tests/vectors/independent_transcript_check.py",
            ))
            .arg(&transcript)
            .arg("--artifacts")
            .arg(&out)
            .output()
            .unwrap();
        let py = String::from_utf8_lossy(&py.stdout);
        assert!(
            py.starts_with(if sealed {
                "VALID SEALED"
            } else {
                "VALID UNSEALED"
            }),
            "step {k}: {py}"
        );
        // The answers file's use is in the header even of a killed run.
        let first: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(
            first["details"]["preflight"]["answers_file"]["file"],
            "rehearsal-answers.toml"
        );
    }
    // Most steps are killed mid-ceremony (the last ones may finish first on a fast machine),
    // at more than one point of the transcript.
    assert!(killed >= STEPS / 2, "only {killed} runs were killed");
    eprintln!("killed {killed} of {STEPS}; transcript entries at each kill: {entries_at_kill:?}");
    entries_at_kill.sort_unstable();
    entries_at_kill.dedup();
    assert!(entries_at_kill.len() > 3, "{entries_at_kill:?}");
}
