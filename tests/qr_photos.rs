//! The photo corpus of issue 16 (README, "Photo corpus"): twelve rehearsal paper shards
//! (`tests/fixtures/qr-photos/shards/`) rendered at 300 dpi and distorted like phone photos over
//! a fixed grid (`scripts/photo-corpus.py`: pdftoppm + ImageMagick, fixed seeds, cached under
//! `target/photo-corpus/`); the real binary reads each photo with `share verify --qr-image`, and
//! zbarimg reads it too. How many of each row's 12 photos each one reads must be exactly the
//! committed table `tests/fixtures/qr-photos/table.tsv` (regenerate it with the script's
//! `--table`, its header says how). What the table must show — rootkey at least as good as
//! zbarimg on every row and 11 of 12 on the issue's four rows — is a test of its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const TABLE: &str = "tests/fixtures/qr-photos/table.tsv";
const PER_ROW: u32 = 12;
/// Photos decoded at once (CI has 2 cores).
const WORKERS: usize = 2;

/// The four rows of issue 16's table, as the table's `what` column describes them.
const ISSUE_ROWS: [(&str, &str); 4] = [
    (
        "issue-7deg-1000px",
        "page, 1000 px, 7 deg, blur 1.5, noise 0.6, keystone 4 %, JPEG 40",
    ),
    (
        "issue-8deg-uneven",
        "close-up, 300 dpi, 8 deg, blur 1.5, noise 0.6, keystone 6 %, uneven light 45 %, JPEG 40",
    ),
    (
        "issue-3deg-blur2-1000px",
        "page, 1000 px, 3 deg, blur 2.0, noise 0.5, keystone 2 %, JPEG 40",
    ),
    (
        "issue-closeup-10deg-400px",
        "close-up, 400 px, 10 deg, blur 2.0, uneven light 45 %, JPEG 40",
    ),
];

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// One row of the committed table.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    variant: String,
    zbarimg: u32,
    rootkey: u32,
    what: String,
}

fn committed_table() -> Vec<Row> {
    let text = std::fs::read_to_string(repo(TABLE)).unwrap();
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    assert_eq!(
        lines.next(),
        Some("variant\tzbarimg\tzxing-cpp\trootkey\twhat"),
        "{TABLE}: header"
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{TABLE}: {l:?}");
            let count = |s: &str| {
                let n: u32 = s.parse().unwrap_or_else(|_| panic!("{TABLE}: {l:?}"));
                assert!(n <= PER_ROW, "{TABLE}: {l:?}");
                n
            };
            // zxing-cpp (f[2]) is informational: a count, or "-" when not measured.
            assert!(f[2] == "-" || count(f[2]) <= PER_ROW);
            Row {
                variant: f[0].to_string(),
                zbarimg: count(f[1]),
                rootkey: count(f[3]),
                what: f[4].to_string(),
            }
        })
        .collect()
}

/// One photo of the corpus (a line of its corpus.tsv).
struct Photo {
    variant: String,
    image: String,
    index: String,
    manifest: String,
    root: String,
    expected: String,
}

/// The corpus, made (or found in the cache) by the script.
fn corpus() -> Vec<Photo> {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../photo-corpus");
    let out = Command::new("python3")
        .arg(repo("scripts/photo-corpus.py"))
        .arg("--out")
        .arg(&cache)
        .output()
        .expect("python3 must be installed to run this test");
    assert!(
        out.status.success(),
        "scripts/photo-corpus.py failed (it needs pdftoppm and /usr/bin/convert):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let index = String::from_utf8(out.stdout).unwrap();
    std::fs::read_to_string(index.trim())
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 7, "corpus.tsv: {l:?}");
            Photo {
                variant: f[0].into(),
                image: f[1].into(),
                index: f[3].into(),
                manifest: f[4].into(),
                root: f[5].into(),
                expected: f[6].into(),
            }
        })
        .collect()
}

/// rootkey reads the photo as its own share: exit 0 and "OK: share N of" (the share the
/// root-signed manifest lists under that number).
fn rootkey_reads(p: &Photo) -> bool {
    let out = Command::new(env!("CARGO_BIN_EXE_rootkey"))
        .args(["share", "verify", "--qr-image", &p.image])
        .args(["--manifest", &p.manifest, "--root", &p.root])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    out.status.success()
        && String::from_utf8_lossy(&out.stdout).contains(&format!("OK: share {} of ", p.index))
}

/// zbarimg reads exactly the expected payload.
fn zbarimg_reads(p: &Photo) -> bool {
    let out = Command::new("zbarimg")
        .args(["-q", "--raw", &p.image])
        .stdin(Stdio::null())
        .output()
        .expect("zbarimg (zbar-tools) must be installed to run this test");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l == p.expected)
}

#[test]
fn rootkey_and_zbarimg_read_as_many_photos_of_each_row_as_the_committed_table_says() {
    let table = committed_table();
    let started = Instant::now();
    let photos = corpus();
    let made = started.elapsed();
    // (zbarimg, rootkey, photos) per row, in the grid's order.
    let mut order: Vec<String> = Vec::new();
    for p in &photos {
        if !order.contains(&p.variant) {
            order.push(p.variant.clone());
        }
    }
    let counts: Mutex<BTreeMap<String, (u32, u32, u32)>> = Mutex::new(BTreeMap::new());
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| {
                while let Some(p) = photos.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let (zb, rk) = (zbarimg_reads(p), rootkey_reads(p));
                    let mut c = counts.lock().unwrap();
                    let e = c.entry(p.variant.clone()).or_default();
                    e.0 += u32::from(zb);
                    e.1 += u32::from(rk);
                    e.2 += 1;
                }
            });
        }
    });
    let counts = counts.into_inner().unwrap();
    eprintln!(
        "photo corpus: {} photos made or found in {:.1} s, decoded in {:.1} s",
        photos.len(),
        made.as_secs_f64(),
        (started.elapsed() - made).as_secs_f64()
    );
    let measured: Vec<(String, u32, u32)> = order
        .iter()
        .map(|v| {
            let (zb, rk, n) = counts[v];
            assert_eq!(n, PER_ROW, "row {v} has {n} photos");
            (v.clone(), zb, rk)
        })
        .collect();
    let expected: Vec<(String, u32, u32)> = table
        .iter()
        .map(|r| (r.variant.clone(), r.zbarimg, r.rootkey))
        .collect();
    let show = |rows: &[(String, u32, u32)]| {
        rows.iter()
            .map(|(v, zb, rk)| format!("{v}\tzbarimg {zb}\trootkey {rk}\n"))
            .collect::<String>()
    };
    assert_eq!(
        measured,
        expected,
        "the photos read per row differ from {TABLE}\nmeasured:\n{}committed:\n{}\
         if the decoder or the grid changed on purpose, regenerate the table (its header says how)",
        show(&measured),
        show(&expected)
    );
}

#[test]
fn the_table_has_the_four_rows_of_the_issue_as_described_there() {
    let table = committed_table();
    for (variant, what) in ISSUE_ROWS {
        let row = table
            .iter()
            .find(|r| r.variant == variant)
            .unwrap_or_else(|| panic!("{TABLE} has no row {variant}"));
        assert_eq!(row.what, what, "{TABLE}: row {variant}");
    }
    assert!(table.len() >= 12, "the grid covers each axis alone too");
}

#[test]
fn the_table_shows_rootkey_at_least_as_good_as_zbarimg_and_11_of_12_on_the_issue_rows() {
    let table = committed_table();
    let mut short = Vec::new();
    for r in &table {
        let issue = ISSUE_ROWS.iter().any(|(v, _)| *v == r.variant);
        if r.rootkey < r.zbarimg || (issue && r.rootkey < 11) {
            short.push(format!(
                "{}: rootkey {} of 12, zbarimg {}{}",
                r.variant,
                r.rootkey,
                r.zbarimg,
                if issue {
                    " (an issue row: at least 11)"
                } else {
                    ""
                }
            ));
        }
    }
    assert!(
        short.is_empty(),
        "{TABLE}: rootkey reads fewer photos than it must:\n{}",
        short.join("\n")
    );
}
