//! Independent helpers, written from docs/formats.md and not from rootkey's code: GF(2^8)
//! arithmetic, Shamir evaluation, the raw envelope layout and the row code's text forms.

use sha2::{Digest, Sha256};

use rootkey::share::ENVELOPE_LEN;
use rootkey::share::rs32;
use rootkey::share::text::ALPHABET;

/// GF(2^8) multiplication modulo x^8 + x^4 + x^3 + x^2 + 1 (0x11D), as blahaj uses.
pub fn gf256_mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let hi = a & 0x80;
        a <<= 1;
        if hi != 0 {
            a ^= 0x1d;
        }
        b >>= 1;
    }
    p
}

/// Shamir y values: f_i(x) = secret[i] + c1[i]·x + c2[i]·x² + … over GF(2^8).
pub fn shamir_eval(secret: &[u8], coeffs: &[Vec<u8>], x: u8) -> Vec<u8> {
    (0..secret.len())
        .map(|i| {
            let mut acc = 0u8;
            for c in coeffs.iter().rev() {
                acc = gf256_mul(acc, x) ^ c[i];
            }
            gf256_mul(acc, x) ^ secret[i]
        })
        .collect()
}

/// The 73 envelope bytes with a correct checksum, for any field values.
pub fn raw_envelope(
    flags: u8,
    id: &[u8; 16],
    fp: &[u8],
    k: u8,
    n: u8,
    index: u8,
    value: &[u8],
) -> Vec<u8> {
    let mut b = vec![1u8, flags];
    b.extend_from_slice(id);
    b.extend_from_slice(&fp[..16]);
    b.extend_from_slice(&[k, n, index]);
    b.extend_from_slice(value);
    let sum = Sha256::digest(&b);
    b.extend_from_slice(&sum[..4]);
    assert_eq!(b.len(), ENVELOPE_LEN);
    b
}

/// A copy of `env` with byte `at` set to `value` (checksum not updated).
pub fn with_byte(env: &[u8], at: usize, value: u8) -> Vec<u8> {
    let mut b = env.to_vec();
    b[at] = value;
    b
}

pub fn with_checksum(mut b: Vec<u8>) -> Vec<u8> {
    let sum = Sha256::digest(&b[..69]);
    b[69..].copy_from_slice(&sum[..4]);
    b
}

/// The 13 rows of 12 symbols (9 data + 3 parity) for any 73 bytes.
pub fn rows_of(bytes: &[u8]) -> Vec<[u8; 12]> {
    (0..13)
        .map(|r| {
            let mut row = [0u8; 12];
            for (j, d) in row.iter_mut().take(9).enumerate() {
                let i = r * 9 + j;
                for b in 0..5 {
                    let bit = i * 5 + b;
                    let set = bit < 584 && bytes[bit / 8] & (0x80 >> (bit % 8)) != 0;
                    *d = (*d << 1) | u8::from(set);
                }
            }
            let data: [u8; 9] = row[..9].try_into().expect("9");
            row[9..].copy_from_slice(&rs32::parity(r as u8 + 1, &data));
            row
        })
        .collect()
}

pub fn row_string(row: &[u8; 12]) -> String {
    let c: Vec<char> = row.iter().map(|&s| ALPHABET[s as usize] as char).collect();
    format!(
        "{} {} {}",
        c[..4].iter().collect::<String>(),
        c[4..8].iter().collect::<String>(),
        c[8..].iter().collect::<String>()
    )
}

pub fn file_form_of(rows: &[[u8; 12]]) -> String {
    let mut s = String::from("ROOTKEY SHARE V1\n");
    for (i, r) in rows.iter().enumerate() {
        s.push_str(&format!("{:02} {}\n", i + 1, row_string(r)));
    }
    s
}

pub fn compact_of(rows: &[[u8; 12]]) -> String {
    let mut s = String::from("RKS1:");
    for r in rows {
        s.extend(r.iter().map(|&x| ALPHABET[x as usize] as char));
    }
    s
}

pub fn symbol_char(v: u8) -> char {
    ALPHABET[v as usize] as char
}
