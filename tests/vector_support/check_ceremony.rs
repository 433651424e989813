//! Checks of the key and the ceremony commands: seed, file names, single share verification
//! and combine.

use std::path::PathBuf;

use rootkey::ceremony::{self, Context};
use rootkey::cert;
use rootkey::fsio;
use rootkey::key::{self, RootKey};

use crate::harness::{dir, eq, outcome, read_json, run_area, s, secret, unhex};

#[test]
fn seed_vectors() {
    run_area("seed", |name, exp| {
        let v = read_json(name);
        let seed = if let Some(typed) = v["dice_typed"].as_str() {
            let dice = key::parse_dice(&secret(typed.as_bytes()));
            let mut derived = None;
            outcome(dice, exp, |d| {
                eq(
                    "normalised rolls",
                    d.as_slice(),
                    s(exp, "dice_normalised").as_bytes(),
                )?;
                let os = secret(&unhex(s(&v, "os_random_hex")));
                let seed = key::mix_dice(&os, &d).map_err(|e| e.to_string())?;
                derived = Some(seed.as_slice().to_vec());
                Ok(())
            })?;
            match derived {
                Some(d) => d,
                None => return Ok(()),
            }
        } else {
            unhex(s(&v, "seed_hex"))
        };
        eq("seed", hex::encode(&seed), s(exp, "seed_hex").into())?;
        let key = RootKey::from_seed(&secret(&seed)).map_err(|e| e.to_string())?;
        let pk = key.public_key_bytes();
        eq(
            "public key",
            hex::encode(pk),
            s(exp, "public_key_hex").into(),
        )?;
        eq(
            "SPKI",
            hex::encode(cert::ed25519_spki_der(&pk)),
            s(exp, "spki_der_hex").into(),
        )?;
        let fp = cert::fingerprint(&pk);
        eq(
            "fingerprint",
            hex::encode(fp),
            s(exp, "fingerprint_hex").into(),
        )?;
        eq(
            "display",
            rootkey::encoding::hexfmt::fingerprint_display(&fp),
            s(exp, "fingerprint_display").into(),
        )
    });
}

#[test]
fn filename_vectors() {
    run_area("filename", |name, _exp| {
        let v = read_json(name);
        for case in v["slugs"].as_array().ok_or("slugs")? {
            let holder = case[0].as_str().unwrap_or("");
            eq(
                &format!("slug({holder:?})"),
                fsio::slug(holder),
                case[1].as_str().unwrap_or("").into(),
            )?;
        }
        Ok(())
    });
}

/// The exit code `share verify` / `combine` give for this outcome (formats.md, "Exit codes of
/// share verify and combine"): the error's, or 0.
fn exit_code<T>(r: &rootkey::Result<T>, exp: &serde_json::Value) -> Result<(), String> {
    let got = r.as_ref().map_or_else(|e| e.exit_code(), |_| 0);
    eq(
        "exit code",
        i64::from(got),
        exp["exit_code"].as_i64().unwrap_or(-1),
    )
}

#[test]
fn shareverify_vectors() {
    run_area("shareverify", |name, exp| {
        let v = read_json(name);
        let r = Context::load(&dir().join(s(&v, "manifest")), &dir().join(s(&v, "root")))
            .and_then(|ctx| ceremony::verify_share_file(&dir().join(s(&v, "share")), &ctx));
        exit_code(&r, exp)?;
        outcome(r, exp, |vs| {
            eq(
                "index",
                u64::from(vs.entry.index),
                exp["index"].as_u64().unwrap_or(0),
            )?;
            eq("holder", vs.entry.holder.as_str(), s(exp, "holder"))
        })
    });
}

#[test]
fn combine_vectors() {
    run_area("combine", |name, exp| {
        let v = read_json(name);
        let files: Vec<PathBuf> = v["shares"]
            .as_array()
            .ok_or("shares")?
            .iter()
            .map(|f| dir().join(f.as_str().unwrap_or("")))
            .collect();
        let r = Context::load(&dir().join(s(&v, "manifest")), &dir().join(s(&v, "root"))).and_then(
            |ctx| {
                let header = ceremony::quorum_header(
                    &ctx,
                    rootkey::transcript::Kind::QuorumCheck,
                    [0; 16],
                    serde_json::json!({}),
                );
                let mut rec = rootkey::transcript::Recorder::in_memory(&header)?;
                ceremony::combine(&ctx, crate::harness::file_sources(&files), &mut rec)
            },
        );
        exit_code(&r, exp)?;
        outcome(r, exp, |c| {
            let q: Vec<u64> = c.quorum.iter().map(|(i, _)| u64::from(*i)).collect();
            let want: Vec<u64> = exp["quorum"]
                .as_array()
                .ok_or("quorum")?
                .iter()
                .map(|x| x.as_u64().unwrap_or(0))
                .collect();
            eq("quorum", q, want)?;
            eq("disagreeing", c.disagreeing.len(), 0)
        })
    });
}
