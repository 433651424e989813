//! The secrets of a ceremony, worked out from the shares it wrote (never printed by the
//! product), and where each may be written.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rootkey::secret::SecretBytes;
use rootkey::shamir::{self, SharePoint};
use rootkey::share::{Envelope, text};
use sha2::{Digest, Sha512};

use super::{Dest, Secret, Trace};

/// The share files and shard PDFs of `dir`, by share index.
pub fn share_outputs(dir: &Path) -> Vec<(u8, PathBuf)> {
    let mut v: Vec<(u8, PathBuf)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let n = p.file_name()?.to_str()?.to_string();
            let i = n.strip_prefix("share-")?.get(..2)?.parse().ok()?;
            (n.ends_with(".txt") || n.ends_with(".pdf")).then_some((i, p))
        })
        .collect();
    v.sort();
    v
}

/// The envelope printed on a shard PDF: its 13 rows read back with `pdftotext`, decoded as
/// the one-line form.
pub fn pdf_envelope(pdf: &Path) -> Envelope {
    let o = Command::new("pdftotext")
        .args(["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()])
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(o.status.success(), "pdftotext {}: {o:?}", pdf.display());
    let page = String::from_utf8_lossy(&o.stdout);
    let mut rows = vec![String::new(); 13];
    for line in page.lines() {
        let w: Vec<&str> = line.split_whitespace().collect();
        for i in 0..w.len().saturating_sub(3) {
            let n: usize = match w[i].parse() {
                Ok(n) if (1..=13).contains(&n) && w[i].len() == 2 => n,
                _ => continue,
            };
            if w[i + 1..i + 4].iter().all(|g| g.len() == 4) && rows[n - 1].is_empty() {
                rows[n - 1] = w[i + 1..i + 4].concat();
            }
        }
    }
    let compact = format!("RKS1:{}", rows.concat());
    text::parse(compact.as_bytes())
        .unwrap_or_else(|e| panic!("{}: no share read back: {e}", pdf.display()))
        .envelope
}

/// Every secret of one share (owned by its index): value (raw and hex), envelope, compact
/// form, file form, each row as printed and without spaces, and the file's own bytes.
pub fn share_secrets(env: &Envelope, file: Option<&[u8]>) -> Vec<Secret> {
    let i = env.header().index;
    let mut v = Vec::new();
    let mut add = |name: String, bytes: Vec<u8>| {
        v.push(Secret {
            name: format!("share {i} {name}"),
            bytes,
            owner: Some(i),
        })
    };
    add("value".into(), env.value().to_vec());
    add("value (hex)".into(), hex::encode(env.value()).into_bytes());
    add("envelope".into(), env.as_bytes().to_vec());
    add(
        "compact form".into(),
        text::encode_compact(env).unwrap().as_slice().to_vec(),
    );
    let form = text::encode_file_form(env).unwrap().as_slice().to_vec();
    let rows: Vec<String> = String::from_utf8(form.clone())
        .unwrap()
        .lines()
        .filter(|l| l.len() > 3 && l.as_bytes()[..2].iter().all(u8::is_ascii_digit))
        .map(|l| l[3..].trim().to_string())
        .collect();
    assert_eq!(rows.len(), 13);
    add("file form".into(), form);
    for (r, row) in rows.iter().enumerate() {
        add(
            format!("row {} as printed", r + 1),
            row.clone().into_bytes(),
        );
        add(
            format!("row {} without spaces", r + 1),
            row.replace(' ', "").into_bytes(),
        );
    }
    if let Some(f) = file {
        add("share file".into(), f.to_vec());
    }
    v
}

/// The seed rebuilt from `k` of the envelopes, and SHA-512(seed) in halves: raw and hex.
pub fn seed_secrets(envs: &[Envelope], k: u8) -> Vec<Secret> {
    let points: Vec<SharePoint> = envs
        .iter()
        .map(|e| SharePoint {
            x: e.header().index,
            y: SecretBytes::copy_from(e.value()).unwrap(),
        })
        .collect();
    let refs: Vec<&SharePoint> = points.iter().take(usize::from(k)).collect();
    let seed = shamir::combine(&refs, k).unwrap().as_slice().to_vec();
    let h = Sha512::digest(&seed);
    let mut v = Vec::new();
    for (name, b) in [
        ("the seed", &seed[..]),
        ("SHA-512(seed), first half", &h[..32]),
        ("SHA-512(seed), second half", &h[32..]),
    ] {
        v.push(Secret {
            name: name.into(),
            bytes: b.to_vec(),
            owner: None,
        });
        v.push(Secret {
            name: format!("{name} (hex)"),
            bytes: hex::encode(b).into_bytes(),
            owner: None,
        });
    }
    v
}

/// Drops what is not one share's secret: rows every share of a ceremony has alike (rows 1–6
/// hold the public envelope header: version, ceremony id, root fingerprint, k and n). Each
/// share keeps at least its seven value rows.
pub fn own_secrets(mut v: Vec<Secret>) -> Vec<Secret> {
    let shared = |s: &Secret, v: &[Secret]| {
        v.iter()
            .any(|o| o.owner.is_some() && o.owner != s.owner && o.bytes == s.bytes)
    };
    let keep: Vec<bool> = v
        .iter()
        .map(|s| s.owner.is_none() || !shared(s, &v))
        .collect();
    let mut k = keep.iter();
    v.retain(|_| *k.next().unwrap());
    for i in v
        .iter()
        .filter_map(|s| s.owner)
        .collect::<std::collections::BTreeSet<_>>()
    {
        let rows = v
            .iter()
            .filter(|s| s.owner == Some(i) && s.name.ends_with("without spaces"))
            .count();
        assert!(rows >= 7, "share {i}: only {rows} rows of its own");
    }
    v
}

/// The secrets of the ceremony in `dir` (threshold `k`): every share's, from its text file or
/// shard PDF, and the seed's.
pub fn ceremony_secrets(dir: &Path, k: u8) -> Vec<Secret> {
    let mut envs = Vec::new();
    let mut v = Vec::new();
    for (i, p) in share_outputs(dir) {
        let (env, file) = if p.extension().is_some_and(|e| e == "pdf") {
            (pdf_envelope(&p), None)
        } else {
            let f = fs::read(&p).unwrap();
            (text::parse(&f).unwrap().envelope, Some(f))
        };
        assert_eq!(env.header().index, i, "{}", p.display());
        v.extend(share_secrets(&env, file.as_deref()));
        envs.push(env);
    }
    assert!(
        envs.len() >= usize::from(k),
        "{}: fewer shares than the threshold",
        dir.display()
    );
    v.extend(seed_secrets(&envs, k));
    own_secrets(v)
}

/// Where a secret may go: a share's own file in `out` (any name `share-NN-…`), or the printer
/// pipe for the shares in `printed`; the seed and everything else nowhere.
pub fn designated<'a>(
    t: &'a Trace,
    out: &'a Path,
    printed: &'a [u8],
) -> impl Fn(&Secret, &Dest) -> bool + 'a {
    move |s, d| {
        let Some(i) = s.owner else { return false };
        if printed.contains(&i) && *d == Dest::Pipe {
            return true;
        }
        let names = t.names(d);
        !names.is_empty()
            && names.iter().all(|n| {
                n.parent() == Some(out)
                    && n.file_name()
                        .and_then(|f| f.to_str())
                        .is_some_and(|f| f.starts_with(&format!("share-{i:02}-")))
            })
    }
}
