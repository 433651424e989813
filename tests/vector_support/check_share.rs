//! Checks of the share layers: envelope, share text, row code and Shamir points.

use serde_json::{Value, json};

use rootkey::shamir::{self, SharePoint};
use rootkey::share::Envelope;
use rootkey::share::rs32::{self, RowCheck};
use rootkey::share::text;

use crate::fixture::rebuild_ceremony;
use crate::harness::{eq, outcome, read, read_json, run_area, s, secret, unhex};
use crate::reference::{compact_of, file_form_of, gf256_mul, rows_of, shamir_eval};

#[test]
fn envelope_vectors() {
    run_area("envelope", |name, exp| {
        let bytes = unhex(&String::from_utf8_lossy(&read(name)));
        outcome(Envelope::from_bytes(secret(&bytes)), exp, |env| {
            let h = env.header();
            eq(
                "rehearsal",
                h.rehearsal,
                exp["rehearsal"].as_bool() == Some(true),
            )?;
            eq(
                "ceremony_id",
                hex::encode(h.ceremony_id),
                s(exp, "ceremony_id").into(),
            )?;
            eq(
                "root_fingerprint",
                hex::encode(h.root_fingerprint),
                s(exp, "root_fingerprint").into(),
            )?;
            eq("k", u64::from(h.k), exp["k"].as_u64().unwrap_or(0))?;
            eq("n", u64::from(h.n), exp["n"].as_u64().unwrap_or(0))?;
            eq(
                "index",
                u64::from(h.index),
                exp["index"].as_u64().unwrap_or(0),
            )?;
            eq(
                "value",
                hex::encode(env.value()),
                s(exp, "value_hex").into(),
            )?;
            eq(
                "digest",
                hex::encode(env.digest()),
                s(exp, "digest_hex").into(),
            )?;
            // Encode direction: the same fields give the same 73 bytes.
            let again = Envelope::new(&h, env.value()).map_err(|e| e.to_string())?;
            eq("re-encoded envelope", again.as_bytes(), &bytes[..])
        })
    });
}

#[test]
fn share_vectors() {
    let rebuilt = rebuild_ceremony();
    run_area("share", |name, exp| {
        let bytes = read(name);
        outcome(text::parse(&bytes), exp, |d| {
            let env = d.envelope.as_bytes();
            eq("envelope", hex::encode(env), s(exp, "envelope_hex").into())?;
            eq(
                "digest",
                hex::encode(d.envelope.digest()),
                s(exp, "digest_hex").into(),
            )?;
            let got: Vec<Value> = d
                .corrections
                .iter()
                .map(|c| json!({"row": c.row, "column": c.column}))
                .collect();
            eq("corrections", Value::Array(got), exp["corrections"].clone())?;
            // Encode direction: canonical file form and compact form, by rootkey and by the
            // independent encoder above.
            let ff = text::encode_file_form(&d.envelope).map_err(|e| e.to_string())?;
            eq("file form", ff.as_slice(), s(exp, "file_form").as_bytes())?;
            eq(
                "file form (independent)",
                file_form_of(&rows_of(env)),
                s(exp, "file_form").into(),
            )?;
            let c = text::encode_compact(&d.envelope).map_err(|e| e.to_string())?;
            eq("compact", c.as_slice(), s(exp, "compact").as_bytes())?;
            eq(
                "compact (independent)",
                compact_of(&rows_of(env)),
                s(exp, "compact").into(),
            )?;
            // A share file as written by a ceremony: the whole file, byte for byte.
            if let Some(file_name) = exp["file_name"].as_str() {
                let (n, body) = rebuilt
                    .shares
                    .iter()
                    .find(|(n, _)| n == file_name)
                    .ok_or_else(|| format!("the ceremony writes no file named {file_name}"))?;
                eq("file name", n.as_str(), file_name)?;
                eq("share file bytes", body.as_slice(), &bytes[..])?;
            }
            Ok(())
        })
    });
}

#[test]
fn rowcode_vectors() {
    run_area("rowcode", |name, exp| {
        let v = read_json(name);
        let row = v["row"].as_u64().ok_or("row")? as u8;
        let syms = |key: &str| -> Vec<u8> {
            v[key]
                .as_array()
                .map(|a| a.iter().map(|x| x.as_u64().unwrap_or(99) as u8).collect())
                .unwrap_or_default()
        };
        if v.get("data").is_some() {
            let data: [u8; 9] = syms("data").try_into().map_err(|_| "9 data symbols")?;
            let want: Vec<u8> = exp["parity"]
                .as_array()
                .ok_or("parity")?
                .iter()
                .map(|x| x.as_u64().unwrap_or(99) as u8)
                .collect();
            eq("parity", rs32::parity(row, &data).to_vec(), want.clone())?;
            // Decode direction: the full row is valid.
            let mut full = [0u8; 12];
            full[..9].copy_from_slice(&data);
            full[9..].copy_from_slice(&want);
            eq(
                "check",
                rs32::check_and_correct(row, &mut full),
                RowCheck::Valid,
            )
        } else {
            let mut printed: [u8; 12] = syms("printed").try_into().map_err(|_| "12 symbols")?;
            let r = rs32::check_and_correct(row, &mut printed);
            match s(exp, "outcome") {
                "valid" => eq("check", r, RowCheck::Valid),
                "corrected" => {
                    let col = exp["column"].as_u64().ok_or("column")? as usize;
                    eq("check", r, RowCheck::Corrected { column: col - 1 })?;
                    let want: Vec<u8> = exp["corrected"]
                        .as_array()
                        .ok_or("corrected")?
                        .iter()
                        .map(|x| x.as_u64().unwrap_or(99) as u8)
                        .collect();
                    eq("corrected row", printed.to_vec(), want)
                }
                "other_row" => {
                    let other = exp["other_row"].as_u64().ok_or("other_row")? as u8;
                    eq("check", r, RowCheck::OtherRow { row: other })
                }
                "uncorrectable" => eq("check", r, RowCheck::Uncorrectable),
                o => Err(format!("unknown outcome {o}")),
            }
        }
    });
}

#[test]
fn shamir_vectors() {
    run_area("shamir", |name, exp| {
        let v = read_json(name);
        let k = v["k"].as_u64().ok_or("k")? as u8;
        let points: Vec<SharePoint> = v["shares"]
            .as_array()
            .ok_or("shares")?
            .iter()
            .map(|p| SharePoint {
                x: p["x"].as_u64().unwrap_or(0) as u8,
                y: secret(&unhex(s(p, "y_hex"))),
            })
            .collect();
        for ex in v["field_examples"].as_array().into_iter().flatten() {
            let a = unhex(s(ex, "a"))[0];
            let b = unhex(s(ex, "b"))[0];
            eq(
                &format!("GF(256) product {a:02x}·{b:02x}"),
                hex::encode([gf256_mul(a, b)]),
                s(ex, "product").into(),
            )?;
        }
        if s(exp, "outcome") == "error" {
            let refs: Vec<&SharePoint> = points.iter().collect();
            return outcome(shamir::combine(&refs, k), exp, |_| Ok(()));
        }
        let secret_bytes = unhex(s(&v, "secret_hex"));
        // Encode direction: the documented polynomial gives exactly these y values.
        let coeffs: Vec<Vec<u8>> = v["coefficients_hex"]
            .as_array()
            .ok_or("coefficients_hex")?
            .iter()
            .map(|c| unhex(c.as_str().unwrap_or("")))
            .collect();
        for p in &points {
            eq(
                &format!("y for x = {}", p.x),
                hex::encode(shamir_eval(&secret_bytes, &coeffs, p.x)),
                hex::encode(p.y.as_slice()),
            )?;
        }
        // Decode direction: every k-subset (and the whole set) rebuilds the secret.
        let checked = shamir::verify_all_subsets(&secret(&secret_bytes), &points, k)
            .map_err(|e| e.to_string())?;
        eq(
            "subsets checked",
            checked as u64,
            exp["subsets"].as_u64().unwrap_or(0),
        )?;
        let all: Vec<&SharePoint> = points.iter().collect();
        let rebuilt = shamir::combine(&all, k).map_err(|e| e.to_string())?;
        eq(
            "secret from all",
            hex::encode(rebuilt.as_slice()),
            s(&v, "secret_hex").into(),
        )
    });
}
