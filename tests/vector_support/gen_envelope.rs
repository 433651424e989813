//! Vectors of the binary layers under the share text: Shamir points, the 73-byte envelope
//! and the row code.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use rootkey::share::rs32;

use crate::fixture::{CEREMONY_ID, COEFF_LABELS, SEED, coefficients};
use crate::generator::{Out, VectorCeremony};
use crate::reference::{gf256_mul, raw_envelope, rows_of, with_byte, with_checksum};

/// `shamir_*`: the 3-of-5 split of the fixed seed and refused point sets.
pub fn shamir(o: &mut Out, cx: &VectorCeremony) {
    let points = &cx.points;
    let coeffs = coefficients();
    let share_list: Vec<Value> = points
        .iter()
        .map(|p| json!({"x": p.x, "y_hex": hex::encode(p.y.as_slice())}))
        .collect();
    o.json(
        "shamir_3-of-5.json",
        &json!({
            "description": "3-of-5 split of the fixed seed over GF(2^8) mod x^8+x^4+x^3+x^2+1 (0x11D). For each seed byte i: f_i(x) = seed[i] + c1[i]·x + c2[i]·x^2, c1 = SHA-256(label 1), c2 = SHA-256(label 2) (fixed here; random in a ceremony). Share x has y[i] = f_i(x). field_examples distinguish 0x11D from the AES polynomial 0x11B.",
            "field_polynomial": "0x11d",
            "coefficient_labels": COEFF_LABELS,
            "k": 3,
            "n": 5,
            "secret_hex": hex::encode(SEED),
            "coefficients_hex": coeffs.iter().map(hex::encode).collect::<Vec<_>>(),
            "shares": share_list,
            "field_examples": [
                {"a": "80", "b": "02", "product": hex::encode([gf256_mul(0x80, 2)])},
                {"a": "53", "b": "ca", "product": hex::encode([gf256_mul(0x53, 0xca)])},
                {"a": "02", "b": "8e", "product": hex::encode([gf256_mul(0x02, 0x8e)])},
                {"a": "ff", "b": "ff", "product": hex::encode([gf256_mul(0xff, 0xff)])},
            ],
            "expect": {"outcome": "ok", "subsets": 10},
        }),
    );
    let pj = |i: usize| json!({"x": points[i].x, "y_hex": hex::encode(points[i].y.as_slice())});
    o.json(
        "shamir_duplicate-x.json",
        &json!({
            "description": "The same share twice: Lagrange interpolation over repeated x is undefined (blahaj silently returns a wrong secret); a reader must refuse.",
            "k": 3,
            "shares": [pj(0), pj(1), pj(1)],
            "expect": {"outcome": "error", "message_contains": "given twice"},
        }),
    );
    o.json(
        "shamir_too-few.json",
        &json!({
            "description": "k - 1 shares are refused before interpolation.",
            "k": 3,
            "shares": [pj(0), pj(4)],
            "expect": {"outcome": "error", "message_contains": "2 shares given, 3 needed"},
        }),
    );
    o.json(
        "shamir_x-zero.json",
        &json!({
            "description": "x = 0 would be the secret itself; refused.",
            "k": 2,
            "shares": [{"x": 0, "y_hex": hex::encode(SEED)}, pj(1)],
            "expect": {"outcome": "error", "message_contains": "x coordinate 0"},
        }),
    );
}

/// `envelope_*`: envelopes in hex, valid and with one field or the length wrong.
pub fn envelope(o: &mut Out, cx: &VectorCeremony) {
    let fp = cx.fp;
    let points = &cx.points;
    let env1 = &cx.envs[0];
    let env_exp = |desc: &str, b: &[u8]| {
        json!({
            "description": desc,
            "outcome": "ok",
            "rehearsal": b[1] & 1 == 1,
            "ceremony_id": hex::encode(&b[2..18]),
            "root_fingerprint": hex::encode(&b[18..34]),
            "k": b[34], "n": b[35], "index": b[36],
            "value_hex": hex::encode(&b[37..69]),
            "digest_hex": hex::encode(Sha256::digest(b)),
        })
    };
    let put_env = |o: &mut Out, cond: &str, b: &[u8]| {
        o.put(&format!("envelope_{cond}.hex"), hex::encode(b) + "\n");
    };
    put_env(o, "valid", env1);
    o.json(
        "envelope_valid.expect.json",
        &env_exp(
            "Envelope of share 1 of the vector ceremony (rehearsal flag set).",
            env1,
        ),
    );
    let real = raw_envelope(0, &CEREMONY_ID, &fp, 3, 5, 1, points[0].y.as_slice());
    put_env(o, "real-ceremony", &real);
    o.json(
        "envelope_real-ceremony.expect.json",
        &env_exp("The same share with flags = 0 (a real ceremony).", &real),
    );
    let max = raw_envelope(0, &[0xff; 16], &[0xee; 16], 16, 16, 16, &[0xdd; 32]);
    put_env(o, "max-16-of-16", &max);
    o.json(
        "envelope_max-16-of-16.expect.json",
        &env_exp("Largest quorum: k = n = index = 16.", &max),
    );
    let min = raw_envelope(0, &[0; 16], &[0; 16], 2, 2, 1, &[0; 32]);
    put_env(o, "min-2-of-2", &min);
    o.json(
        "envelope_min-2-of-2.expect.json",
        &env_exp("Smallest quorum: k = n = 2, index 1.", &min),
    );
    let v = points[0].y.as_slice();
    let env_errors: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        (
            "bad-checksum",
            {
                let mut b = env1.clone();
                b[40] ^= 0x80;
                b
            },
            "one bit of the value flipped, checksum not updated",
            "share checksum mismatch",
        ),
        (
            "bad-checksum-and-version",
            with_byte(env1, 0, 9),
            "version 9 and a stale checksum: the checksum is checked first",
            "share checksum mismatch",
        ),
        (
            "bad-version",
            with_checksum(with_byte(env1, 0, 0)),
            "version 0",
            "share format version 0 is not supported",
        ),
        (
            "unknown-flags",
            with_checksum(with_byte(env1, 1, 0x80)),
            "flag bit 7",
            "share flags 0x80 has unknown bits set",
        ),
        (
            "k-below-2",
            raw_envelope(1, &CEREMONY_ID, &fp, 1, 5, 1, v),
            "k = 1",
            "share says k = 1, n = 5, index = 1: outside",
        ),
        (
            "k-greater-than-n",
            raw_envelope(1, &CEREMONY_ID, &fp, 4, 3, 1, v),
            "k = 4 > n = 3",
            "share says k = 4, n = 3, index = 1: outside",
        ),
        (
            "n-above-16",
            raw_envelope(1, &CEREMONY_ID, &fp, 3, 17, 1, v),
            "n = 17",
            "share says k = 3, n = 17, index = 1: outside",
        ),
        (
            "index-0",
            raw_envelope(1, &CEREMONY_ID, &fp, 3, 5, 0, v),
            "index 0 (the secret's own x)",
            "share says k = 3, n = 5, index = 0: outside",
        ),
        (
            "index-above-n",
            raw_envelope(1, &CEREMONY_ID, &fp, 3, 5, 6, v),
            "index 6 > n = 5",
            "share says k = 3, n = 5, index = 6: outside",
        ),
        (
            "short",
            env1[..72].to_vec(),
            "72 bytes",
            "share envelope has 72 bytes, expected 73",
        ),
        (
            "long",
            {
                let mut b = env1.clone();
                b.push(0);
                b
            },
            "74 bytes",
            "share envelope has 74 bytes, expected 73",
        ),
    ];
    for (cond, b, desc, msg) in &env_errors {
        put_env(o, cond, b);
        o.expect_error(&format!("envelope_{cond}"), desc, msg);
    }
}

/// `rowcode_*`: parity of given data symbols, and decoding of printed rows.
pub fn rowcode(o: &mut Out, cx: &VectorCeremony) {
    let env1 = &cx.envs[0];
    let r4syms = cx.row_4_as_row_20();
    let rows1 = rows_of(env1);
    let enc = |o: &mut Out, cond: &str, row: u8, data: [u8; 9], desc: &str| {
        o.json(
            &format!("rowcode_{cond}.json"),
            &json!({
                "description": desc,
                "row": row,
                "data": data,
                "expect": {"outcome": "ok", "parity": rs32::parity(row, &data)},
            }),
        );
    };
    enc(
        o,
        "zero-row-1",
        1,
        [0; 9],
        "Row 1, all-zero data: the parity is not zero because the row number is part of the codeword.",
    );
    enc(o, "zero-row-13", 13, [0; 9], "Row 13, all-zero data.");
    enc(
        o,
        "all-31-row-13",
        13,
        [31; 9],
        "Row 13, every data symbol 31 (Z).",
    );
    enc(
        o,
        "single-1-row-1",
        1,
        [0, 0, 0, 0, 0, 0, 0, 0, 1],
        "Row 1, data 0…0 1.",
    );
    for r in [1usize, 4, 13] {
        enc(
            o,
            &format!("share-valid-row-{r}"),
            r as u8,
            rows1[r - 1][..9].try_into().expect("9"),
            &format!("Row {r} of share_valid.txt."),
        );
    }
    let dec = |o: &mut Out, cond: &str, row: u8, printed: [u8; 12], exp: Value, desc: &str| {
        o.json(
            &format!("rowcode_{cond}.json"),
            &json!({"description": desc, "row": row, "printed": printed, "expect": exp}),
        );
    };
    let good4 = rows1[3];
    dec(
        o,
        "decode-valid",
        4,
        good4,
        json!({"outcome": "valid"}),
        "Row 4 of share_valid.txt as printed.",
    );
    let mut one = good4;
    one[5] ^= 7;
    dec(
        o,
        "decode-one-error",
        4,
        one,
        json!({"outcome": "corrected", "column": 6, "corrected": good4}),
        "Row 4 with printed column 6 (1-based) changed by XOR 7.",
    );
    let mut one_p = good4;
    one_p[11] ^= 31;
    dec(
        o,
        "decode-one-error-in-parity",
        4,
        one_p,
        json!({"outcome": "corrected", "column": 12, "corrected": good4}),
        "Row 4 with the last parity symbol wrong.",
    );
    let mut two = good4;
    two[0] ^= 1;
    two[11] ^= 1;
    dec(
        o,
        "decode-two-errors",
        4,
        two,
        json!({"outcome": "uncorrectable"}),
        "Row 4 with columns 1 and 12 wrong: detected, not corrected.",
    );
    let mut swap = good4;
    swap.swap(2, 3);
    assert_ne!(swap, good4);
    dec(
        o,
        "decode-adjacent-transposition",
        4,
        swap,
        json!({"outcome": "uncorrectable"}),
        "Row 4 with columns 3 and 4 exchanged (a transposition is two errors).",
    );
    dec(
        o,
        "decode-other-row",
        4,
        rows1[4],
        json!({"outcome": "other_row", "other_row": 5}),
        "Row 5's text checked as row 4: all syndromes point at the row-number position.",
    );
    dec(
        o,
        "decode-row-20",
        4,
        r4syms,
        json!({"outcome": "other_row", "other_row": 20}),
        "Row 4's data with parity for row number 20: reported as row 20 although rows only go to 13.",
    );
}
