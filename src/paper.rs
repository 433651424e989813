//! Paper shards: one printed page per share holder, with the share as a QR code and as the 13
//! numbered rows of its text form (`docs/formats.md`, "Share text form v1").
//!
//! The page ([`shard_pdf`]) carries the title "ROOT KEY SHARE i OF n — threshold k", the
//! holder's name and role, the ceremony's name, id and date, the root key fingerprint, a QR
//! code of the share's one-line form (`RKS1:…`, QR alphanumeric mode, [`qr_modules`]), the
//! file form printed beside the code, short instructions for the holder, fill-in fields for the
//! tamper-evident envelope and signature lines for the holder and a witness. Rehearsal shards
//! carry a diagonal "REHEARSAL — NOT A REAL SHARE" watermark. The layout parameters come from
//! `templates/paper.toml` ([`PaperLayout`]). The page is always exactly one: long names are
//! wrapped, then cut, and a layout whose instructions cannot fit is refused.
//!
//! # Secret copies
//! The PDF holds the share, so it is returned as locked [`SecretBytes`], and the share text
//! this module builds (rows, QR module matrix) is zeroized after use. Copies it cannot reach
//! are **not** wiped: qrcode's internal bit and codeword buffers, printpdf's drawing operations
//! and lopdf's object tree and compressed content stream are ordinary heap memory freed without
//! zeroizing. Run with process hardening (no core dumps, no swap; [`crate::secret`]) and on the
//! offline ceremony machine only.

use serde::Deserialize;
use toml::Spanned;
use zeroize::Zeroize;

use crate::error::{Error, Kind, Result};
use crate::pdfdoc::{self, Block, Document, PaperSize, QrCode};
use crate::secret::SecretBytes;
use crate::share::Envelope;
use crate::share::text::{self, COMPACT_PREFIX};

mod qr;
pub use qr::qr_modules;

/// The default layout shipped in `templates/paper.toml`.
pub const DEFAULT_PAPER_LAYOUT: &str = include_str!("../templates/paper.toml");

/// The diagonal watermark of rehearsal shards.
pub const REHEARSAL_WATERMARK: &str = "REHEARSAL \u{2014} NOT A REAL SHARE";

/// Smallest and largest QR symbol side accepted in a layout, in millimetres.
const QR_SIZE_RANGE: (f32, f32) = (30.0, 80.0);
/// Longest text accepted for one layout entry.
const MAX_LAYOUT_TEXT: usize = 400;

/// QR error-correction level of the printed code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum QrEc {
    /// About 15 % of codewords recoverable.
    M,
    /// About 25 %.
    Q,
    /// About 30 %.
    H,
}

impl QrEc {
    fn level(self) -> qrcode::EcLevel {
        match self {
            QrEc::M => qrcode::EcLevel::M,
            QrEc::Q => qrcode::EcLevel::Q,
            QrEc::H => qrcode::EcLevel::H,
        }
    }

    /// The level's letter.
    pub fn letter(self) -> char {
        match self {
            QrEc::M => 'M',
            QrEc::Q => 'Q',
            QrEc::H => 'H',
        }
    }
}

/// Layout parameters of a paper shard (`templates/paper.toml`; see the comments there).
#[derive(Clone, Debug, PartialEq)]
pub struct PaperLayout {
    /// Paper size when the caller chooses none.
    pub paper: PaperSize,
    /// Side of the QR symbol without its quiet zone, in millimetres.
    pub qr_size_mm: f32,
    /// QR error-correction level.
    pub qr_ec: QrEc,
    /// Print the one-line `RKS1:` form under the code as well.
    pub print_compact_form: bool,
    /// Instructions for the holder, one paragraph each (placeholders not yet replaced).
    pub instructions: Vec<String>,
    /// Labels of the fill-in fields (envelope serial number, …).
    pub envelope_fields: Vec<String>,
    /// Labels of the signature lines.
    pub signatures: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayout {
    paper: Option<Spanned<String>>,
    #[serde(default)]
    qr: RawQr,
    #[serde(default)]
    text: RawText,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQr {
    size_mm: Option<Spanned<f32>>,
    error_correction: Option<QrEc>,
    print_compact_form: Option<bool>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    instructions: Option<Spanned<Vec<String>>>,
    envelope_fields: Option<Spanned<Vec<String>>>,
    signatures: Option<Spanned<Vec<String>>>,
}

/// Line number (1-based) of byte offset `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    1 + text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

impl PaperLayout {
    /// Parses a layout; `origin` names the file in errors, which also give the line.
    ///
    /// # Errors
    /// [`Kind::PaperLayout`] for TOML syntax errors, unknown keys, wrong types and values out
    /// of range.
    pub fn from_toml(text: &str, origin: &str) -> Result<PaperLayout> {
        let at = |span: Option<std::ops::Range<usize>>| match span {
            Some(r) => format!("paper layout {origin}, line {}", line_of(text, r.start)),
            None => format!("paper layout {origin}"),
        };
        let raw: RawLayout = toml::from_str(text).map_err(|e| {
            Error::new(
                Kind::PaperLayout,
                format!(
                    "paper layout {}",
                    crate::tomlpos::describe(origin, text, &e)
                ),
            )
        })?;
        let defaults = default_raw()?;
        let paper = match &raw.paper {
            None => defaults.paper,
            Some(p) => match PaperSize::parse(&p.get_ref().to_ascii_lowercase()) {
                Some(size) => size,
                None => {
                    return Err(Error::new(
                        Kind::PaperLayout,
                        format!(
                            "{}: paper = \"{}\" must be {}",
                            at(Some(p.span())),
                            p.get_ref().to_ascii_lowercase(),
                            PaperSize::listed()
                        ),
                    ));
                }
            },
        };
        let qr_size_mm = match &raw.qr.size_mm {
            None => defaults.qr_size_mm,
            Some(s) => {
                let v = *s.get_ref();
                let (lo, hi) = QR_SIZE_RANGE;
                if !(lo..=hi).contains(&v) {
                    return Err(Error::new(
                        Kind::PaperLayout,
                        format!(
                            "{}: qr.size_mm = {v} must be between {lo} and {hi}",
                            at(Some(s.span()))
                        ),
                    ));
                }
                v
            }
        };
        let mut texts = Vec::new();
        for (name, value, default) in [
            ("instructions", raw.text.instructions, defaults.instructions),
            (
                "envelope_fields",
                raw.text.envelope_fields,
                defaults.envelope_fields,
            ),
            ("signatures", raw.text.signatures, defaults.signatures),
        ] {
            let Some(value) = value else {
                texts.push(default);
                continue;
            };
            let span = value.span();
            let list = value.into_inner();
            if list.len() > 12 {
                return Err(Error::new(
                    Kind::PaperLayout,
                    format!(
                        "{}: text.{name} has {} entries, at most 12 fit",
                        at(Some(span)),
                        list.len()
                    ),
                ));
            }
            if let Some(bad) = list.iter().find(|s| {
                s.trim().is_empty()
                    || s.chars().count() > MAX_LAYOUT_TEXT
                    || s.chars().any(crate::error::is_unsafe_char)
            }) {
                let shown: String = bad.chars().take(40).collect();
                return Err(Error::new(
                    Kind::PaperLayout,
                    format!(
                        "{}: text.{name} entry \"{}\" must be 1 to {MAX_LAYOUT_TEXT} characters without control characters",
                        at(Some(span)),
                        shown.escape_debug()
                    ),
                ));
            }
            texts.push(list);
        }
        let mut texts = texts.into_iter();
        let mut next = || texts.next().unwrap_or_default();
        Ok(PaperLayout {
            paper,
            qr_size_mm,
            qr_ec: raw.qr.error_correction.unwrap_or(defaults.qr_ec),
            print_compact_form: raw
                .qr
                .print_compact_form
                .unwrap_or(defaults.print_compact_form),
            instructions: next(),
            envelope_fields: next(),
            signatures: next(),
        })
    }
}

impl Default for PaperLayout {
    /// The layout of `templates/paper.toml`.
    fn default() -> PaperLayout {
        default_raw().unwrap_or_else(|_| PaperLayout {
            paper: PaperSize::A4,
            qr_size_mm: 55.0,
            qr_ec: QrEc::Q,
            print_compact_form: false,
            instructions: Vec::new(),
            envelope_fields: vec!["Tamper-evident envelope serial no.".into()],
            signatures: vec!["Share holder".into(), "Witness".into()],
        })
    }
}

/// Who a holder tells when a plan names nobody to tell (`{owner}` in the layout's texts).
pub const DEFAULT_OWNER: &str = "the ceremony owner";

impl PaperLayout {
    /// This layout for a ceremony of `plan`: `{owner}` in its texts becomes the person the
    /// holder tells if the envelope is lost, damaged or opened — the first participant of the
    /// plan whose name or role says "administrator" or "ceremony officer", as `NAME (ROLE)`;
    /// left for [`DEFAULT_OWNER`] when the plan names none.
    pub fn for_plan(&self, plan: &crate::plan::Plan) -> PaperLayout {
        let owner = plan.participants.iter().find(|p| {
            let text = format!("{} {}", p.name, p.role).to_lowercase();
            text.contains("administrator") || text.contains("ceremony officer")
        });
        let Some(owner) = owner else {
            return self.clone();
        };
        let who = if owner.name.eq_ignore_ascii_case(&owner.role) {
            owner.name.clone()
        } else {
            format!("{} ({})", owner.name, owner.role)
        };
        let put = |v: &[String]| -> Vec<String> {
            v.iter().map(|t| t.replace("{owner}", &who)).collect()
        };
        PaperLayout {
            instructions: put(&self.instructions),
            envelope_fields: put(&self.envelope_fields),
            signatures: put(&self.signatures),
            ..self.clone()
        }
    }
}

/// The shipped template, read without falling back on itself.
fn default_raw() -> Result<PaperLayout> {
    let raw: RawLayout = toml::from_str(DEFAULT_PAPER_LAYOUT)
        .map_err(|e| Error::environment(format!("built-in paper layout: {}", e.message())))?;
    let list = |v: Option<Spanned<Vec<String>>>| v.map(Spanned::into_inner).unwrap_or_default();
    Ok(PaperLayout {
        paper: raw
            .paper
            .as_ref()
            .and_then(|p| PaperSize::parse(p.get_ref()))
            .unwrap_or(PaperSize::A4),
        qr_size_mm: raw.qr.size_mm.map_or(55.0, Spanned::into_inner),
        qr_ec: raw.qr.error_correction.unwrap_or(QrEc::Q),
        print_compact_form: raw.qr.print_compact_form.unwrap_or(false),
        instructions: list(raw.text.instructions),
        envelope_fields: list(raw.text.envelope_fields),
        signatures: list(raw.text.signatures),
    })
}

/// What the page says about the share and its ceremony (the share itself comes from the
/// [`Envelope`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardInfo {
    /// Share index, 1..=n.
    pub index: u8,
    /// Number of shares.
    pub n: u8,
    /// Threshold k.
    pub threshold: u8,
    /// Holder's name.
    pub holder: String,
    /// Holder's role.
    pub role: String,
    /// Ceremony name (from the plan).
    pub ceremony_name: String,
    /// Ceremony id, 32 lower-case hex digits.
    pub ceremony_id: String,
    /// Ceremony date as printed (e.g. `2026-03-01T10:00:00Z`).
    pub created: String,
    /// Root key fingerprint: SHA-256 of the root SubjectPublicKeyInfo.
    pub root_fingerprint: [u8; 32],
    /// Rehearsal share (watermarked).
    pub rehearsal: bool,
}

impl ShardInfo {
    /// Checks that the page would describe `env` truthfully.
    fn check(&self, env: &Envelope) -> Result<()> {
        let h = env.header();
        let mismatch = |what: &str| {
            Err(Error::new(
                Kind::ShardMismatch,
                format!(
                    "paper shard {}: the {what} does not match the share",
                    self.index
                ),
            ))
        };
        if (self.index, self.n, self.threshold) != (h.index, h.n, h.k) {
            return mismatch("share number, count or threshold");
        }
        if self.rehearsal != h.rehearsal {
            return mismatch("rehearsal flag");
        }
        if !self
            .ceremony_id
            .eq_ignore_ascii_case(&hex::encode(h.ceremony_id))
        {
            return mismatch("ceremony id");
        }
        if self.root_fingerprint[..16] != h.root_fingerprint {
            return mismatch("root key fingerprint");
        }
        Ok(())
    }

    /// Replaces the placeholders of a layout text.
    fn fill(&self, s: &str) -> String {
        s.replace("{owner}", DEFAULT_OWNER)
            .replace("{index}", &self.index.to_string())
            .replace("{n}", &self.n.to_string())
            .replace("{k}", &self.threshold.to_string())
            .replace("{holder}", &self.holder)
            .replace("{role}", &self.role)
    }
}

/// Limits for the free-text fields, tried in turn until the page fits.
const FIELD_LIMITS: [usize; 4] = [usize::MAX, 120, 60, 30];

/// `s` cut to `limit` characters, ending in `...` when cut.
fn cut(s: &str, limit: usize) -> String {
    if s.chars().count() <= limit {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(limit.saturating_sub(3)).collect();
    out.push_str("...");
    out
}

/// Renders the paper shard of `envelope` as a one-page PDF.
///
/// # Errors
/// [`Kind::ShardMismatch`] if `info` disagrees with the envelope (share number, count,
/// threshold, rehearsal flag, ceremony id, fingerprint), [`Kind::PaperLayout`] if the layout's
/// texts cannot fit on one page;
/// [`Error::environment`] if locked memory or the PDF writer fail.
pub fn shard_pdf(
    info: &ShardInfo,
    envelope: &Envelope,
    layout: &PaperLayout,
    paper: PaperSize,
) -> Result<SecretBytes> {
    shard(info, envelope, layout, paper, true)?
        .ok_or_else(|| Error::environment("paper shard: the PDF was not rendered"))
}

/// Checks that the shard of `envelope` fits on one page, with the same checks and refusals as
/// [`shard_pdf`], without rendering the PDF: the page is laid out, never serialised. A
/// generation runs this for every paper holder before the key exists (with a dummy share of
/// the same shape), so a layout that cannot fit is refused before anything is written.
///
/// # Errors
/// As [`shard_pdf`].
pub fn shard_fits(
    info: &ShardInfo,
    envelope: &Envelope,
    layout: &PaperLayout,
    paper: PaperSize,
) -> Result<()> {
    shard(info, envelope, layout, paper, false).map(|_| ())
}

/// [`shard_pdf`] (`render`) or [`shard_fits`]: the first field limit at which the page fits,
/// rendered or not.
fn shard(
    info: &ShardInfo,
    envelope: &Envelope,
    layout: &PaperLayout,
    paper: PaperSize,
    render: bool,
) -> Result<Option<SecretBytes>> {
    info.check(envelope)?;
    let file_form = text::encode_file_form(envelope)?;
    let compact = text::encode_compact(envelope)?;
    let (width, modules) = qr_modules(compact.as_slice(), layout.qr_ec)?;
    let mut doc = Document::default();
    let result = (|| {
        for limit in FIELD_LIMITS {
            wipe(&mut doc);
            doc = page(info, layout, &file_form, &compact, width, &modules, limit)?;
            if pdfdoc::page_count(&doc, paper)? == 1 {
                if !render {
                    return Ok(None);
                }
                let mut pdf = pdfdoc::render(&doc, paper)?;
                return Ok(Some(SecretBytes::take_from(&mut pdf)?));
            }
        }
        Err(Error::new(Kind::PaperLayout,
            "paper shard: the layout's instructions, fields and signature lines do not fit on one page",
        )
        .hint("shorten text.instructions or drop entries in the paper layout"))
    })();
    wipe(&mut doc);
    let mut modules = modules;
    modules.zeroize();
    result
}

/// The document of one shard, free-text fields cut to `limit` characters.
fn page(
    info: &ShardInfo,
    layout: &PaperLayout,
    file_form: &SecretBytes,
    compact: &SecretBytes,
    width: usize,
    modules: &[bool],
    limit: usize,
) -> Result<Document> {
    let s = |v: &str| v.to_owned();
    let title = format!(
        "ROOT KEY SHARE {} OF {} \u{2014} threshold {}",
        info.index, info.n, info.threshold
    );
    let beside = std::str::from_utf8(file_form.as_slice())
        .map_err(|_| Error::environment("share file form is not text"))?
        .lines()
        .map(str::to_owned)
        .collect();
    let under = if layout.print_compact_form {
        let c = std::str::from_utf8(compact.as_slice())
            .map_err(|_| Error::environment("share compact form is not text"))?;
        vec![s(c)]
    } else {
        Vec::new()
    };
    let mut blocks = vec![
        Block::KeyValue(vec![
            (s("Holder"), cut(&info.holder, limit)),
            (s("Role"), cut(&info.role, limit)),
            (s("Ceremony"), cut(&info.ceremony_name, limit)),
            (s("Ceremony id"), cut(&info.ceremony_id, 64)),
            (s("Date"), cut(&info.created, 64)),
            (
                s("Root key fingerprint"),
                fingerprint_lines(&info.root_fingerprint),
            ),
        ]),
        Block::QrCode(QrCode {
            width,
            modules: modules.to_vec(),
            size_mm: layout.qr_size_mm,
            // No version or error-correction jargon: the holder needs neither.
            caption: vec![format!("QR code: the one-line form ({COMPACT_PREFIX}...)")],
            under,
            beside,
        }),
    ];
    if !layout.instructions.is_empty() {
        blocks.push(Block::Heading(s("Instructions for the holder")));
        let text: Vec<String> = layout
            .instructions
            .iter()
            .map(|i| format!("\u{2022} {}", info.fill(i)))
            .collect();
        blocks.push(Block::Paragraph(cut(&text.join("\n"), 4 * MAX_LAYOUT_TEXT)));
    }
    let fill = |v: &[String]| -> Vec<String> {
        v.iter()
            .map(|l| cut(&info.fill(l), limit.max(60)))
            .collect()
    };
    blocks.push(Block::Fields(fill(&layout.envelope_fields)));
    blocks.push(Block::SignatureLines(fill(&layout.signatures)));
    Ok(Document {
        title,
        subtitle: None,
        blocks,
        footer: format!(
            "rootkey paper share {} of {} - ceremony {}{}",
            info.index,
            info.n,
            info.ceremony_id,
            if info.rehearsal { " - REHEARSAL" } else { "" }
        ),
        watermark: info.rehearsal.then(|| s(REHEARSAL_WATERMARK)),
    })
}

/// The fingerprint as `SHA256:` and 16 groups of 4 hex digits
/// ([`crate::encoding::hexfmt::fingerprint_display`]), broken after the eighth group.
fn fingerprint_lines(fp: &[u8; 32]) -> String {
    let full = crate::encoding::hexfmt::fingerprint_display(fp);
    let mut groups = full.split(' ');
    let first: Vec<&str> = groups.by_ref().take(8).collect();
    let rest: Vec<&str> = groups.collect();
    format!("{}\n{}", first.join(" "), rest.join(" "))
}

/// Zeroizes the share text a document holds (its rows and QR modules).
fn wipe(doc: &mut Document) {
    for block in &mut doc.blocks {
        match block {
            Block::QrCode(q) => {
                q.modules.zeroize();
                q.beside.zeroize();
                q.under.zeroize();
            }
            Block::Mono(lines) => lines.zeroize(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
