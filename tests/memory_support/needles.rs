//! What a memory image is searched for: the secrets of one ceremony, derived from its output
//! shares with the library (`rootkey::share`, `rootkey::shamir`) — the product is never asked
//! to print a secret.
//!
//! For every share: its 32-byte value, and the text of rows 7–13 as printed (`07 G30M 2WX6
//! PJMN` without the row number: `G30M 2WX6 PJMN`) and without spaces (`G30M2WX6PJMN`, which
//! is also how the compact `RKS1:` form and the QR code hold them). Rows 1–6 encode only the
//! public header (version, flags, ceremony id, root fingerprint: docs/formats.md, "Share
//! envelope v1"), identical in every share of the ceremony, and are not secret. For the
//! ceremony: the seed, both 32-byte halves of SHA-512(seed) (the expanded Ed25519 key), and
//! the seed in hex. Typed dice: as typed and without spaces.

use std::fs;
use std::path::Path;
use std::process::Command;

use rootkey::secret::SecretBytes;
use rootkey::shamir::{SharePoint, combine};
use rootkey::share::Envelope;
use rootkey::share::text::{encode_file_form, parse};
use sha2::{Digest, Sha512};

/// A byte string searched for, and what it is (for messages; never the secret itself).
pub struct Needle {
    pub what: String,
    pub bytes: Vec<u8>,
}

/// The envelopes of every share file (`share-*.txt`) and paper shard (`share-*.pdf`, its rows
/// read back with `pdftotext`) in a ceremony directory, by index.
pub fn envelopes(dir: &Path) -> Vec<Envelope> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("share-")
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = match f.extension().and_then(|e| e.to_str()) {
            Some("txt") => fs::read_to_string(&f).unwrap(),
            Some("pdf") => pdf_rows(&f),
            _ => continue,
        };
        let d = parse(text.as_bytes()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        out.push(d.envelope);
    }
    out.sort_by_key(|e| e.header().index);
    out
}

/// The share text printed on a paper shard: the header line and the 13 rows.
fn pdf_rows(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .args(["-layout", "-f", "1", "-l", "1"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils; .ci/run installs it)");
    assert!(o.status.success(), "pdftotext {}: {o:?}", pdf.display());
    let mut text = String::from("ROOTKEY SHARE V1\n");
    for l in String::from_utf8_lossy(&o.stdout).lines() {
        let l = l.trim();
        let b = l.as_bytes();
        if l.len() == 17 && b[..2].iter().all(u8::is_ascii_digit) && b[2] == b' ' {
            text.push_str(l);
            text.push('\n');
        }
    }
    text
}

/// The seed rebuilt from the first k of `envs`.
pub fn seed_of(envs: &[Envelope]) -> SecretBytes {
    let k = envs[0].header().k;
    let points: Vec<SharePoint> = envs
        .iter()
        .take(usize::from(k))
        .map(|e| SharePoint {
            x: e.header().index,
            y: SecretBytes::copy_from(e.value()).unwrap(),
        })
        .collect();
    let refs: Vec<&SharePoint> = points.iter().collect();
    combine(&refs, k).unwrap()
}

/// The seed, the expanded key, every share value and rows 7–13 of every share of a ceremony
/// whose shares are `envs`; checks that the seed is the one of `root.pem`.
pub fn ceremony(envs: &[Envelope], root_pem: &Path) -> Vec<Needle> {
    assert!(
        envs.len() >= usize::from(envs[0].header().k),
        "too few shares to rebuild the seed"
    );
    let seed = seed_of(envs);
    let key = rootkey::key::RootKey::from_seed(&seed).unwrap();
    assert_eq!(
        key.public_key_bytes().to_vec(),
        root_public_key(root_pem),
        "the seed rebuilt from the shares is not root.pem's key"
    );
    let mut v = Vec::new();
    let expanded = Sha512::digest(seed.as_slice());
    v.push(needle("the seed", seed.as_slice()));
    v.push(needle(
        "the seed in hex",
        hex::encode(seed.as_slice()).as_bytes(),
    ));
    v.push(needle("SHA-512(seed)[..32] (scalar half)", &expanded[..32]));
    v.push(needle("SHA-512(seed)[32..] (prefix half)", &expanded[32..]));
    for e in envs {
        v.extend(share(e));
    }
    v
}

/// The value and rows 7–13 (both forms) of one share.
pub fn share(e: &Envelope) -> Vec<Needle> {
    let i = e.header().index;
    let mut v = vec![needle(&format!("share {i}'s value"), e.value())];
    let form = encode_file_form(e).unwrap();
    let text = String::from_utf8(form.as_slice().to_vec()).unwrap();
    for line in text.lines().filter(|l| l.len() == 17) {
        let (row, body) = line.split_at(3);
        if row.trim() < "07" {
            continue;
        }
        let row = row.trim();
        v.push(needle(
            &format!("share {i} row {row} as printed"),
            body.as_bytes(),
        ));
        let compact: String = body.chars().filter(|c| *c != ' ').collect();
        v.push(needle(
            &format!("share {i} row {row} without spaces"),
            compact.as_bytes(),
        ));
    }
    assert_eq!(v.len(), 1 + 7 * 2, "share {i}: rows 7–13 not found");
    v
}

/// The typed dice, as typed and without spaces.
pub fn dice(typed: &str) -> Vec<Needle> {
    let compact: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    vec![
        needle("the typed dice", typed.as_bytes()),
        needle("the typed dice without spaces", compact.as_bytes()),
    ]
}

pub fn needle(what: &str, bytes: &[u8]) -> Needle {
    Needle {
        what: what.to_string(),
        bytes: bytes.to_vec(),
    }
}

/// The 32-byte Ed25519 public key of a certificate (openssl).
fn root_public_key(root_pem: &Path) -> Vec<u8> {
    let o = Command::new("sh")
        .arg("-c")
        .arg("openssl x509 -in \"$0\" -noout -pubkey | openssl pkey -pubin -outform DER")
        .arg(root_pem)
        .output()
        .unwrap();
    assert!(o.status.success(), "openssl: {o:?}");
    o.stdout[o.stdout.len() - 32..].to_vec()
}

/// The value of share `x` of the ceremony whose shares include `envs` (at least k of them):
/// over GF(2^8), g(z) = f(z + x) is a polynomial of the same degree with g(0) = f(x) and
/// g(x_i + x) = f(x_i), so Lagrange at 0 over the shifted points gives f(x). Used for token
/// shares, whose values are in no file.
pub fn value_of_share(envs: &[Envelope], x: u8) -> SecretBytes {
    let k = envs[0].header().k;
    let points: Vec<SharePoint> = envs
        .iter()
        .take(usize::from(k))
        .map(|e| SharePoint {
            x: e.header().index ^ x,
            y: SecretBytes::copy_from(e.value()).unwrap(),
        })
        .collect();
    assert!(
        points.iter().all(|p| p.x != 0),
        "share {x} is one of those given"
    );
    let refs: Vec<&SharePoint> = points.iter().collect();
    combine(&refs, k).unwrap()
}

/// The envelope share `index` of this ceremony would have with `value`.
pub fn envelope_of(envs: &[Envelope], index: u8, value: &[u8]) -> Envelope {
    let mut h = envs[0].header();
    h.index = index;
    Envelope::new(&h, value).unwrap()
}
