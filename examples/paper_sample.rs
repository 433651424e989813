//! Writes sample paper shards for a look: `cargo run --example paper_sample -- OUT_DIR`.
//!
//! The shares are made from a fixed, public test value: they protect nothing.

use rootkey::paper::{PaperLayout, ShardInfo, shard_pdf};
use rootkey::pdfdoc::PaperSize;
use rootkey::share::{Envelope, ShareHeader};

fn main() -> rootkey::Result<()> {
    let out = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let layout = PaperLayout::default();
    for (name, rehearsal, size, holder) in [
        ("rehearsal-a4", true, PaperSize::A4, "Alice Example"),
        ("real-letter", false, PaperSize::Letter, "Bob Example"),
        (
            "long-letter",
            true,
            PaperSize::Letter,
            "Maximiliane Josephine Alexandra von und zu Hohenzollern-Sigmaringen, Chief Information Security Officer of the Example Corporation",
        ),
    ] {
        let header = ShareHeader {
            rehearsal,
            ceremony_id: [0x5a; 16],
            root_fingerprint: [0xc3; 16],
            k: 3,
            n: 5,
            index: 2,
        };
        let env = Envelope::new(&header, &[0x42; 32])?;
        let mut fp = [0xc3; 32];
        fp[16..].copy_from_slice(&[0x11; 16]);
        let info = ShardInfo {
            index: 2,
            n: 5,
            threshold: 3,
            holder: holder.into(),
            role: "Security officer".into(),
            ceremony_name: "Example Corp Root CA 2026 - generation".into(),
            ceremony_id: hex::encode([0x5a; 16]),
            created: "2026-03-01T10:00:00Z".into(),
            root_fingerprint: fp,
            rehearsal,
        };
        let pdf = shard_pdf(&info, &env, &layout, size)?;
        let path = std::path::Path::new(&out).join(format!("{name}.pdf"));
        std::fs::write(&path, pdf.as_slice())
            .map_err(|e| rootkey::Error::environment(format!("{}: {e}", path.display())))?;
        println!("{} ({} bytes)", path.display(), pdf.len());
    }
    Ok(())
}
