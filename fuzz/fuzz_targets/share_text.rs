//! The share readers: the text decoder (file form and the compact `RKS1:` form of the paper
//! QR code, both through `share::text::parse`), one typed row (`decode_row`), and the share
//! envelope (`Envelope::from_bytes`, the decoded bytes behind both). The first byte picks
//! the reader; the rest is its input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootkey::secret::{SecretBytes, sha256_parts};
use rootkey::share::{ENVELOPE_LEN, Envelope, text};

/// The envelope's body: everything before its 4-byte checksum.
const BODY_LEN: usize = ENVELOPE_LEN - 4;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    match pick % 5 {
        // The envelope as given (any length, any checksum) ...
        0 => envelope(rest),
        // ... and with its checksum made right, so that the fields behind it are reached.
        1 => {
            if rest.len() >= BODY_LEN {
                let mut b = rest[..BODY_LEN].to_vec();
                let sum = sha256_parts(&[&b]);
                b.extend_from_slice(&sum[..4]);
                envelope(&b);
            }
        }
        // One row as typed at the keyboard: row number, then its symbols.
        2 => {
            if let Some((&row, typed)) = rest.split_first() {
                let mut out = [0u8; text::ROW_LEN];
                let _ = text::decode_row(row, typed, &mut out);
            }
        }
        // A share file or a QR code's text (file form or compact form).
        _ => {
            if let Ok(d) = text::parse(rest) {
                let _ = d.envelope.header();
                let _ = d.corrections.len();
            }
        }
    }
});

/// An envelope that reads must encode, in both text forms, to text that reads back to it.
fn envelope(bytes: &[u8]) {
    let Ok(b) = SecretBytes::copy_from(bytes) else {
        return;
    };
    let Ok(env) = Envelope::from_bytes(b) else {
        return;
    };
    let _ = env.header().check();
    let file = text::encode_file_form(&env).expect("encode a valid envelope");
    let back = text::parse(file.as_slice()).expect("parse its own file form");
    assert!(back.envelope.ct_eq(&env));
    let compact = text::encode_compact(&env).expect("encode compact");
    let back = text::parse(compact.as_slice()).expect("parse its own compact form");
    assert!(back.envelope.ct_eq(&env));
}
