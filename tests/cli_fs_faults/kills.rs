//! (a) An interrupted rotation, CRL ceremony or generation (SIGKILL at each file system call,
//! injected with strace) verifies as valid but unsealed, never invalid.

use std::fs;
use std::path::Path;

use crate::fixture::*;

// (a) An interrupted rotation or CRL ceremony verifies as valid but unsealed.

#[test]
fn a_kill_as_an_input_copy_is_linked_leaves_a_valid_unsealed_transcript() {
    if !strace_works() {
        return;
    }
    let f = fixture();
    let work = f.dir.join("kill-copy");
    let csr_name = f.csr.file_name().unwrap().to_string_lossy().into_owned();
    let cases: [(&str, &str); 7] = [
        ("rotation", "root.pem"),
        ("rotation", "manifest.json"),
        ("rotation", &csr_name),
        ("rotation", "previous-intermediate.pem"),
        ("crl", "root.pem"),
        ("crl", "manifest.json"),
        ("crl", "previous-root.crl"),
    ];
    for (kind, name) in cases {
        let out = work.join(format!("{kind}-{name}"));
        let args = match kind {
            "rotation" => rotation_args(f, &out, true),
            _ => crl_args(f, &out, true),
        };
        let o = killed_at_link(&out.join(name), &args);
        assert!(killed(&o), "{kind}: not killed at {name}: {o:?}");
        assert!(!out.join(name).exists(), "{kind}: {name} was linked");
        verify(&out)
            .code(3)
            .stdout_has(&["Result: VALID but UNSEALED", "interrupted"]);
    }
}

const ALL_CALLS: &[&str] = &["linkat", "fsync", "fdatasync", "unlink", "write", "mkdir"];

/// Kills a ceremony at the n-th call of each of these system calls, for every n until the
/// ceremony completes, and checks every transcript left behind.
fn kill_everywhere(
    kind: &str,
    calls: &[&str],
    root: Option<&Path>,
    make: impl Fn(&Path) -> Vec<String>,
) -> usize {
    let work = fixture().dir.join(format!("kill-{kind}"));
    let mut kills = 0;
    for &call in calls {
        for n in 1..200 {
            let out = work.join(format!("{call}-{n}"));
            let inject = format!("inject={call}:signal=KILL:when={n}");
            let o = under_strace(
                &["-e", &format!("trace={call}"), "-e", &inject],
                &make(&out),
            );
            if o.status.success() {
                break;
            }
            assert!(killed(&o), "{kind}, {call} #{n}: {o:?}");
            kills += 1;
            if !out.join("transcript.jsonl").exists() {
                // Killed before the transcript was linked into place: only temporary files.
                continue;
            }
            let v = verify_against(&out, root);
            let sealed = fs::read_to_string(out.join("transcript.jsonl"))
                .unwrap()
                .lines()
                .last()
                .is_some_and(|l| l.contains("\"action\":\"seal\""));
            if sealed {
                v.code(0);
            } else {
                v.code(3).stdout_has(&["Result: VALID but UNSEALED"]);
            }
        }
    }
    kills
}

#[test]
fn a_rotation_killed_at_any_file_call_verifies_as_unsealed_never_invalid() {
    if !strace_works() {
        return;
    }
    let f = fixture();
    let kills = kill_everywhere("rotation", ALL_CALLS, Some(&f.c.root), |out| {
        rotation_args(f, out, true)
    });
    assert!(kills > 40, "only {kills} kill points");
}

#[test]
fn a_crl_ceremony_killed_at_any_file_call_verifies_as_unsealed_never_invalid() {
    if !strace_works() {
        return;
    }
    let f = fixture();
    let kills = kill_everywhere("crl", ALL_CALLS, Some(&f.c.root), |out| {
        crl_args(f, out, true)
    });
    assert!(kills > 40, "only {kills} kill points");
}

#[test]
fn a_generation_killed_at_any_link_or_sync_verifies_as_unsealed_never_invalid() {
    if !strace_works() {
        return;
    }
    // Its own root.pem (in the directory, once written) is the one checked.
    let kills = kill_everywhere("generation", &["linkat", "fdatasync"], None, generate);
    assert!(kills > 15, "only {kills} kill points");
}
