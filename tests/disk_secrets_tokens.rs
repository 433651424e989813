//! No secret on disk with hardware tokens (issue 15, item 2; `tests/disk_secrets.rs` has the
//! other ceremonies): `rootkey run` of the rehearsal plan with holders 1 and 2 on SoftHSM2
//! tokens, from an answers file, under strace (`tests/disk_support`). A token share is sealed
//! to its token, so its plain value, envelope and rows may reach no file at all — not its
//! `.token` payload, not the token's own object store (SoftHSM2 runs inside rootkey's process,
//! so its writes are traced too), not the transcript, stdout or stderr. The text shares 3–5
//! may reach only their own files; the seed and SHA-512(seed) reach nothing.
//!
//! The token shares' values are in no file: they are worked out from shares 3–5 with the
//! library (`memory_support/needles.rs`, `value_of_share`). The token PIN is not searched
//! for: the test tokens' PIN is `123456`, which hex digests contain by chance.

mod common;
mod disk_support;
#[allow(dead_code)]
#[path = "memory_support/needles.rs"]
mod needles;
mod softhsm_support;

use std::fs;
use std::path::Path;
use std::process::Command;

use disk_support::secrets::{designated, own_secrets, seed_secrets, share_outputs, share_secrets};
use disk_support::{Dest, Trace, traced};
use rootkey::share::text;

const LABELS: [&str; 2] = ["alice-token", "bob-token"];
const TEST: &str = "a_rehearsal_with_token_holders_writes_no_token_share_anywhere";

#[test]
fn a_rehearsal_with_token_holders_writes_no_token_share_anywhere() {
    softhsm_support::in_softhsm(TEST, &LABELS, || {
        let t = tempfile::tempdir_in("/dev/shm").unwrap();
        let logs = tempfile::tempdir().unwrap();
        let d = t.path();
        let out = d.join("out");
        let (plan, answers) = (d.join("tokens.toml"), d.join("answers.toml"));
        fs::write(&plan, softhsm_support::rehearsal_plan_on_tokens(&LABELS, 3)).unwrap();
        let pin = format!("\"{}\"", softhsm_support::PIN);
        fs::write(
            &answers,
            softhsm_support::rehearsal_answers_on_two_tokens(&pin),
        )
        .unwrap();
        let mut c = Command::new(env!("CARGO_BIN_EXE_rootkey"));
        c.args(["--allow-network", common::TEST_NETWORK_EXCEPTION, "run"])
            .arg(&plan)
            .arg("--answers")
            .arg(&answers)
            .arg("--out")
            .arg(&out)
            .current_dir(d);
        let log = logs.path().join("run-tokens.strace");
        let o = traced(&c, &log);
        assert!(
            o.status.success(),
            "{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let trace = Trace::parse(&fs::read_to_string(&log).unwrap(), d);

        // The secrets: shares 3–5 from their files, 1 and 2 worked out from those.
        let mut secrets = Vec::new();
        let mut envs = Vec::new();
        for (i, f) in share_outputs(&out) {
            if f.extension().is_some_and(|e| e == "txt") {
                let bytes = fs::read(&f).unwrap();
                let env = text::parse(&bytes).unwrap().envelope;
                assert_eq!(env.header().index, i);
                secrets.extend(share_secrets(&env, Some(&bytes)));
                envs.push(env);
            }
        }
        assert_eq!(envs.len(), 3, "shares 3, 4 and 5 are text files");
        let manifest: serde_json::Value =
            serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
        for x in [1, 2] {
            let value = needles::value_of_share(&envs, x);
            let env = needles::envelope_of(&envs, x, value.as_slice());
            assert_eq!(
                manifest["shares"][usize::from(x) - 1]["envelope_sha256"],
                hex::encode(env.digest()),
                "token share {x} worked out from shares 3–5 is the one in the manifest"
            );
            secrets.extend(share_secrets(&env, None));
        }
        secrets.extend(seed_secrets(&envs, 3));
        let secrets = own_secrets(secrets);

        // A token holder's secrets may go nowhere; a text holder's only to its own file.
        let text_file = designated(&trace, &out, &[]);
        let mut v = trace.violations(&secrets, |s, dest| {
            s.owner.is_some_and(|i| i >= 3) && text_file(s, dest)
        });
        let store = Path::new(&std::env::var("SOFTHSM2_CONF").unwrap())
            .parent()
            .unwrap()
            .join("tokens");
        v.extend(trace.leftovers(&[&out, &store]));
        assert!(v.is_empty(), "{}", v.join("\n"));

        // The trace is not blind: it saw the token's object store, both sealed payloads and
        // the transcript being written.
        let written_under = |p: &Path| {
            trace
                .written
                .keys()
                .filter(|d| **d != Dest::Stdout && **d != Dest::Stderr)
                .any(|d| trace.names(d).iter().any(|n| n.starts_with(p)))
        };
        assert!(
            written_under(&store),
            "no write to {} seen",
            store.display()
        );
        for name in [
            "share-01-alice-rehearsal.token",
            "share-02-bob-rehearsal.token",
            "transcript.jsonl",
        ] {
            assert!(written_under(&out.join(name)), "no write to {name} seen");
        }
    });
}
