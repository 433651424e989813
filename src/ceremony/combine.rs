//! The quorum check (`rootkey combine`, transcript kind `quorum-check`) and the check of one
//! share alone (`rootkey share verify`): each share is verified alone against the root-signed
//! manifest, then a k-subset that rebuilds the key in root.pem is searched for
//! ([`rebuild_quorum`], also the quorum step of the signing ceremonies) and the remaining
//! shares are checked against it.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::flow::{Entry, Flow, Run};
use super::session::{
    RehearsalFrom, after_seal, check_unlocked_memory, disagreement_exit, harden, output_facts,
    preflight,
};
use super::stages::{ContextLoaded, Started};
use super::steps::{self, Quorum};
use super::{Context, new_ceremony_id, quorum_header, summary};
use crate::cert::RootCert;
use crate::console::{
    Console, SCREEN_COLUMNS, Terminal,
    share_input::{self as input, Presented, Source},
    wrap,
};
use crate::encoding::hexfmt::fingerprint_display;
use crate::error::Kind as ErrorKind;
use crate::error::{Error, Result, exit};
use crate::key::RootKey;
use crate::manifest::ShareEntry;
use crate::secret::{self, SecretBytes};
use crate::shamir::{self, SharePoint};
use crate::share::Envelope;
use crate::share::text::Correction;
use crate::transcript::{self, Kind, Recorder, TOOL_ACTOR, event};

/// Where the share of `rootkey share verify` comes from (clap allows exactly one).
pub enum OneShare {
    /// A share file.
    File(PathBuf),
    /// A photo of a paper shard's QR code.
    QrImage(PathBuf),
    /// Typed (or scanned) at the keyboard.
    Keyboard,
    /// Read from a hardware token (`--token-share INDEX`, exactly one index).
    Token(super::TokenArgs),
}

/// `rootkey share verify`: checks one share alone against `manifest` and `root` and shows
/// the result. Returns the exit code.
pub fn verify_one(share: OneShare, manifest: PathBuf, root: PathBuf) -> Result<i32> {
    harden(false)?;
    let ctx = Context::load(&manifest, &root)?;
    let source = match share {
        OneShare::File(p) => Source::File(p),
        OneShare::QrImage(p) => Source::QrImage(p),
        OneShare::Keyboard => Source::Keyboard,
        OneShare::Token(t) => {
            let mut found = super::quorum::token_shares(&ctx, &manifest, &t)?;
            match (found.pop(), found.is_empty()) {
                (Some(one), true) => Source::Token(Box::new(one)),
                _ => {
                    return Err(Error::new(
                        ErrorKind::Internal,
                        "share verify reads exactly one token share",
                    ));
                }
            }
        }
    };
    let mut console = Terminal;
    let v = verify_share(input::read(&mut console, source, 1)?, &ctx)?;
    console.out(
        "the summary",
        &summary::verified(&v, ctx.manifest.ceremony.rehearsal, &ctx.root.fingerprint),
    )?;
    Ok(exit::OK)
}

/// The arguments of `rootkey combine` (see `rootkey combine --help`).
pub struct Args {
    /// Output directory for the transcript.
    pub out: PathBuf,
    /// The ceremony's manifest.json.
    pub manifest: PathBuf,
    /// The ceremony's root certificate.
    pub root: PathBuf,
    /// Share files.
    pub shares: Vec<PathBuf>,
    /// Photos of paper shards' QR codes.
    pub qr_images: Vec<PathBuf>,
    /// Then ask at the keyboard.
    pub keyboard: bool,
    /// Shares on hardware tokens.
    pub tokens: super::TokenArgs,
    /// Continue without locked memory (rehearsal ceremonies only).
    pub allow_unlocked_memory: bool,
}

/// `rootkey combine`: checks the names, loads the context, hardens the process, prepares the
/// output directory and the transcript, runs the quorum check (the steps of
/// [`steps::quorum_check`]) at `console` and shows its summary. Returns the exit code.
pub fn run(args: Args, console: &mut dyn Console) -> Result<i32> {
    let Args {
        out,
        manifest,
        root,
        shares,
        qr_images,
        keyboard,
        tokens,
        allow_unlocked_memory,
    } = args;
    transcript::check_recordable_name(&manifest, "manifest")?;
    transcript::check_recordable_name(&root, "root certificate")?;
    for s in &shares {
        transcript::check_recordable_name(s, "share file")?;
    }
    for s in &qr_images {
        transcript::check_recordable_name(s, "QR image")?;
    }
    let ctx = Context::load(&manifest, &root)?;
    let tokens = super::quorum::token_shares(&ctx, &manifest, &tokens)?;
    check_unlocked_memory(
        allow_unlocked_memory,
        ctx.manifest.ceremony.rehearsal,
        RehearsalFrom::Manifest,
    )?;
    let hardening = harden(allow_unlocked_memory)?;
    // Every share that needs no person is checked before the output directory exists.
    let sources = super::quorum::check_sources_early(
        &ctx,
        input::sources(
            &shares,
            &qr_images,
            tokens,
            keyboard,
            ctx.manifest.threshold,
        ),
    )
    .map_err(quorum_not_started)?;
    super::session::refuse_network(ctx.manifest.ceremony.rehearsal)?;
    super::outdir::prepare_out_dir(&out, &[transcript::FILE_NAME])?;
    let header = quorum_header(
        &ctx,
        Kind::QuorumCheck,
        new_ceremony_id()?,
        preflight(
            &hardening,
            ctx.manifest.ceremony.rehearsal,
            &output_facts(&out, false, None)?,
        )?,
    );
    let mut rec = Recorder::create_deferred(&out, &header)?;
    let flow = Flow::new(steps::quorum_check(quorum_of(&ctx, &sources)));
    let r = transcript::recorded(&mut rec, |rec| {
        Started::new(Run::new(flow, &mut *console, rec))?
            .load_context(&ctx)?
            .rebuild(&ctx, sources)?
            .seal()
    })
    .map_err(|e| super::quorum::at_prompt_next_step(&out, e))?;
    after_seal(&out, || {
        console.out(
            "the summary",
            &summary::quorum_checked(&r, &out.join(transcript::FILE_NAME)),
        )?;
        disagreement_exit(&r)
    })
}

/// A failure before the quorum check started (no output directory, no transcript yet).
fn quorum_not_started(e: Error) -> Error {
    Error {
        message: format!(
            "{} — the quorum check did not start; no share was combined",
            e.message
        ),
        ..e
    }
}

/// A share read from a file and verified alone against the manifest.
#[derive(Debug)]
pub struct VerifiedShare {
    /// Where it came from (`share file PATH`, `QR image PATH`, `share 3 typed at the keyboard`).
    pub origin: String,
    /// What the transcript records: the file's name, or `-` for the keyboard.
    pub file: String,
    /// Its manifest entry.
    pub entry: ShareEntry,
    /// The envelope.
    pub envelope: Envelope,
    /// Rows corrected while decoding.
    pub corrections: Vec<Correction>,
}

/// Reads one share file and verifies it alone: text form, checksum, ceremony, root key,
/// and that its digest is the one the root-signed manifest lists for its index.
pub fn verify_share_file(path: &Path, ctx: &Context) -> Result<VerifiedShare> {
    verify_share(input::decode(input::read_file(path)?)?, ctx)
}

/// Verifies a share read from any source alone (see [`verify_share_file`]).
pub fn verify_share(share: Presented, ctx: &Context) -> Result<VerifiedShare> {
    let _scrub = secret::ScrubOnDrop;
    let origin = share.origin;
    let h = share.envelope.header();
    // Name the holder only when the share claims this ceremony; a foreign share's index means
    // nothing here.
    let same_ceremony = h.ceremony_id == ctx.manifest.ceremony_id()
        && ctx
            .manifest
            .root
            .fingerprint
            .starts_with(&hex::encode(h.root_fingerprint));
    let holder = ctx
        .manifest
        .shares
        .iter()
        .find(|s| s.index == h.index && same_ceremony)
        .map(|s| format!(" (holder \"{}\")", s.holder))
        .unwrap_or_default();
    let entry = ctx
        .manifest
        .entry_for(&h, &share.envelope.digest())
        .map_err(|e| e.context(format!("share {}{holder}, {origin}", h.index)))?
        .clone();
    Ok(VerifiedShare {
        origin,
        file: share.file,
        entry,
        envelope: share.envelope,
        corrections: share.corrections,
    })
}

/// How many times a share entered at the keyboard may turn out to be one already presented
/// (the same paper typed or scanned again) before the ceremony stops.
pub const DUPLICATE_TRIES: usize = 3;

/// Outcome of [`combine`].
#[derive(Debug)]
pub struct CombineReport {
    /// Shares that formed the quorum (index, holder).
    pub quorum: Vec<(u8, String)>,
    /// Shares given beyond the quorum that agree with it.
    pub agreeing: Vec<(u8, String)>,
    /// Shares that do not agree with the quorum: (index, holder, origin).
    pub disagreeing: Vec<(u8, String, String)>,
    /// Corrections made while decoding, per share index.
    pub corrections: Vec<(u8, Correction)>,
    /// Root fingerprint.
    pub fingerprint: [u8; 32],
    /// Root subject.
    pub subject: String,
    /// Rehearsal ceremony?
    pub rehearsal: bool,
    /// Whether all secret memory was locked.
    pub memory_locked: bool,
}

fn rebuild(points: &[&SharePoint], k: u8) -> Result<RootKey> {
    let _scrub = secret::ScrubOnDrop;
    let seed = shamir::combine(points, k)?;
    RootKey::from_seed(&seed)
}

/// The first k-subset of `points` (in the order of [`shamir::for_each_subset`]) whose secret
/// is the seed of the key in `root`, if any. Each subset is rebuilt into one locked
/// [`shamir::Combiner`] and its public key derived on the stack, which is wiped once, when the
/// search ends (not per subset: a search may try thousands).
fn find_quorum(points: &[SharePoint], k: u8, root: &RootCert) -> Result<Option<Vec<usize>>> {
    let _scrub = secret::ScrubOnDrop;
    let mut combiner = shamir::Combiner::new()?;
    let want = root.public_key_bytes();
    let mut quorum = None;
    let mut err = None;
    shamir::for_each_subset(points.len(), k as usize, |idx| {
        if quorum.is_some() || err.is_some() {
            return;
        }
        let subset: Vec<&SharePoint> = idx.iter().map(|&i| &points[i]).collect();
        match combiner.combine(&subset, k).and_then(public_key_of) {
            Ok(pk) if pk == want => quorum = Some(idx.to_vec()),
            Ok(_) => {}
            Err(e) => err = Some(e),
        }
    });
    match err {
        Some(e) => Err(e),
        None => Ok(quorum),
    }
}

/// For each share of `further`: whether it agrees with the quorum `q`, that is whether the
/// first k - 1 shares of `q` with it rebuild the key in `root` (one locked combiner, one stack
/// wipe for all).
fn check_further(
    points: &[SharePoint],
    q: &[usize],
    further: &[usize],
    k: u8,
    root: &RootCert,
) -> Result<Vec<bool>> {
    let _scrub = secret::ScrubOnDrop;
    let mut combiner = shamir::Combiner::new()?;
    let want = root.public_key_bytes();
    further
        .iter()
        .map(|&i| {
            let mut subset: Vec<&SharePoint> =
                q[..k as usize - 1].iter().map(|&j| &points[j]).collect();
            subset.push(&points[i]);
            Ok(public_key_of(combiner.combine(&subset, k)?)? == want)
        })
        .collect()
}

/// The Ed25519 public key of `seed`. The signing key is built on the stack and zeroized on
/// drop; its expanded form's stack copies are left for the caller's stack scrub.
fn public_key_of(seed: &SecretBytes) -> Result<[u8; 32]> {
    let bytes: &[u8; 32] = seed
        .as_slice()
        .try_into()
        .map_err(|_| Error::input("an Ed25519 seed must be 32 bytes"))?;
    Ok(ed25519_dalek::SigningKey::from_bytes(bytes)
        .verifying_key()
        .to_bytes())
}

/// Rebuilds the root key from share files: each share is verified alone, then a k-subset that
/// rebuilds the key in root.pem is searched for; remaining shares are checked against it. Each
/// step is recorded in `rec`, which the rebuilt key seals before it is wiped; nothing secret is
/// printed or written. Shares from the keyboard are asked for at the operator's terminal
/// ([`combine_with`] asks at any console).
pub fn combine(ctx: &Context, sources: Vec<Source>, rec: &mut Recorder) -> Result<CombineReport> {
    combine_with(&mut Terminal, ctx, sources, rec)
}

/// [`combine`], asking for shares from the keyboard at `console`.
/// The caller has written the header (and, in a rehearsal, the generation's entries); the
/// steps from `load-context` on are those of [`steps::quorum_check`].
pub fn combine_with(
    console: &mut dyn Console,
    ctx: &Context,
    sources: Vec<Source>,
    rec: &mut Recorder,
) -> Result<CombineReport> {
    let flow = Flow::resume_at(
        steps::quorum_check(quorum_of(ctx, &sources)),
        "load-context",
    )?;
    ContextLoaded::record(Run::new(flow, console, rec), ctx)?
        .rebuild(ctx, sources)?
        .seal()
}

/// How many shares a ceremony against `ctx` is given from `sources`, for its step list.
pub(super) fn quorum_of(ctx: &Context, sources: &[Source]) -> Quorum {
    Quorum {
        threshold: ctx.manifest.threshold,
        presented: u8::try_from(sources.len()).unwrap_or(u8::MAX),
    }
}

/// Writes the `context-loaded` entry (`rec`, of step `load-context`): which root.pem and
/// manifest.json this ceremony uses.
pub fn record_context(ctx: &Context, rec: Entry<'_>) -> Result<()> {
    let m = &ctx.manifest;
    rec.record(
        &[TOOL_ACTOR],
        event::ContextLoaded {
            manifest: event::LoadedManifest {
                ceremony_id: m.ceremony.id.clone(),
                file: ctx.manifest_file.0.clone(),
                sha256: hex::encode(ctx.manifest_file.1),
            },
            root: event::LoadedRoot {
                certificate_sha256: hex::encode(Sha256::digest(&ctx.root.der)),
                file: ctx.root_file.0.clone(),
                fingerprint: hex::encode(ctx.root.fingerprint),
                public_key: hex::encode(ctx.root.public_key_bytes()),
                sha256: hex::encode(ctx.root_file.1),
            },
        },
    )
}

/// The quorum part of a ceremony: reads and verifies each share alone (recording
/// `share-presented`), rebuilds the key from a k-subset that matches root.pem (`key-rebuilt`)
/// and checks the remaining shares against it (`share-checked`). Returns the rebuilt key, in
/// locked memory, for the caller to use, seal with and drop. Shares from the keyboard are asked
/// for at `console`.
pub fn rebuild_quorum(
    run: &mut Run<'_>,
    ctx: &Context,
    sources: Vec<Source>,
) -> Result<(RootKey, CombineReport)> {
    let _scrub = secret::ScrubOnDrop;
    let m = &ctx.manifest;
    let k = m.threshold;
    let mut shares: Vec<VerifiedShare> = Vec::new();
    for (i, source) in sources.into_iter().enumerate() {
        run.enter("present-share")?;
        let keyboard = matches!(source, Source::Keyboard);
        let mut source = Some(source);
        let mut attempt = 1;
        let s = loop {
            let from = source.take().unwrap_or(Source::Keyboard);
            // A share read before the ceremony started asks and shows nothing.
            let console = match from {
                Source::Read(_) | Source::File(_) | Source::QrImage(_) => run.quiet_console(),
                _ => run.console()?,
            };
            let s = verify_share(input::read(console, from, i + 1)?, ctx)?;
            let Some(prev) = shares.iter().find(|p| p.entry.index == s.entry.index) else {
                break s;
            };
            // The same paper typed or scanned again is a slip: the next holder is asked for.
            if keyboard && attempt < DUPLICATE_TRIES {
                crate::transcript::slip::note("same-share", attempt, None);
                run.console()?.err(
                    "the share prompt",
                    &format!(
                        "{}\n  try {attempt} of {DUPLICATE_TRIES}: the holder of another share presents theirs\n",
                        wrap(
                            &format!(
                                "share {} (holder \"{}\") was already presented ({})",
                                s.entry.index, s.entry.holder, prev.origin
                            ),
                            SCREEN_COLUMNS
                        )
                    ),
                )?;
                attempt += 1;
                continue;
            }
            let files = if prev.origin == s.origin {
                format!("the same {} was given twice", s.origin)
            } else {
                format!("{} and {} hold the same share", prev.origin, s.origin)
            };
            return Err(Error::new(
                ErrorKind::DuplicateShare,
                format!(
                    "share {} (holder \"{}\") is given twice: {files}",
                    s.entry.index, s.entry.holder
                ),
            )
            .hint("each holder presents their share once; ask another holder for theirs"));
        };
        let rec = run.entry();
        rec.record(
            &[&s.entry.holder],
            event::SharePresented {
                corrections: s.corrections.len() as u64,
                envelope_sha256: s.entry.envelope_sha256.clone(),
                file: s.file.clone(),
                holder: s.entry.holder.clone(),
                index: s.entry.index,
            },
        )?;
        shares.push(s);
    }
    if shares.len() < k as usize {
        let have: Vec<String> = shares
            .iter()
            .map(|s| format!("{} ({})", s.entry.index, s.entry.holder))
            .collect();
        return Err(Error::new(
            ErrorKind::TooFewShares,
            format!(
                "{} share(s) given, the threshold is {k}: {} more needed (have: share {})",
                shares.len(),
                k as usize - shares.len(),
                if have.is_empty() {
                    "none".into()
                } else {
                    have.join(", ")
                }
            ),
        )
        .hint("ask further holders to present their shares"));
    }
    let points: Vec<SharePoint> = shares
        .iter()
        .map(|s| {
            Ok(SharePoint {
                x: s.entry.index,
                y: SecretBytes::copy_from(s.envelope.value())?,
            })
        })
        .collect::<Result<_>>()?;
    let quorum = find_quorum(&points, k, &ctx.root)?;
    let name = |i: usize| (shares[i].entry.index, shares[i].entry.holder.clone());
    let Some(q) = quorum else {
        let all: Vec<String> = shares
            .iter()
            .map(|s| format!("{} ({})", s.entry.index, s.entry.holder))
            .collect();
        return Err(Error::new(ErrorKind::WrongKey, format!(
            "shares {} rebuild a key that does not match root.pem ({}); no {k} of them agree with the root certificate",
            all.join(", "),
            fingerprint_display(&ctx.root.fingerprint)
        ))
        .hint("the manifest was signed over wrong shares or the root certificate is from another ceremony; stop and investigate"));
    };
    let key = rebuild(&q.iter().map(|&i| &points[i]).collect::<Vec<_>>(), k)?;
    if key.public_key_bytes() != ctx.root.public_key_bytes() {
        return Err(Error::new(
            ErrorKind::Internal,
            "internal error: the quorum no longer rebuilds the root key",
        ));
    }
    let mut quorum_idx: Vec<u8> = q.iter().map(|&i| shares[i].entry.index).collect();
    quorum_idx.sort_unstable();
    let rec = run.at("rebuild-key")?;
    rec.record(
        &[TOOL_ACTOR],
        event::KeyRebuilt {
            public_key: hex::encode(key.public_key_bytes()),
            quorum: quorum_idx,
        },
    )?;
    let mut agreeing = Vec::new();
    let mut disagreeing = Vec::new();
    let further: Vec<usize> = (0..points.len()).filter(|i| !q.contains(i)).collect();
    let agreement = check_further(&points, &q, &further, k, &ctx.root)?;
    for (&i, agrees) in further.iter().zip(agreement) {
        let rec = run.at("check-further-share")?;
        rec.record(
            &[TOOL_ACTOR],
            event::ShareChecked {
                agrees,
                index: shares[i].entry.index,
            },
        )?;
        if agrees {
            agreeing.push(name(i));
        } else {
            disagreeing.push((name(i).0, name(i).1, shares[i].origin.clone()));
        }
    }
    let report = CombineReport {
        quorum: q.iter().map(|&i| name(i)).collect(),
        agreeing,
        disagreeing,
        corrections: shares
            .iter()
            .flat_map(|s| s.corrections.iter().map(|c| (s.entry.index, c.clone())))
            .collect(),
        fingerprint: ctx.root.fingerprint,
        subject: ctx.root.subject.clone(),
        rehearsal: m.ceremony.rehearsal,
        memory_locked: !secret::unlocked_memory_used(),
    };
    Ok((key, report))
}
