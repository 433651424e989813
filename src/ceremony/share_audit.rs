//! The share audit (`rootkey share audit`, transcript kind `share-audit`; docs/formats.md,
//! "Share audit"): the yearly check that every share is still there and intact. Each share
//! given is read and checked **alone** against the root-signed manifest, one at a time, as
//! `rootkey share verify` checks it; no share is combined with another and no key is rebuilt.
//! A share that fails its check is recorded (`share-refused`, with the category of the
//! failure, never its text) and the audit goes on; the transcript ends with `audit-completed`
//! (who proved, whose share failed, who did not appear), which the witnesses attest instead of
//! a seal.

use std::path::PathBuf;

use super::combine::verify_share;
use super::flow::{Flow, Run};
use super::session::{RehearsalFrom, check_unlocked_memory, harden, output_facts, preflight};
use super::stages::Started;
use super::{Context, new_ceremony_id, quorum_header, steps};
use crate::console::Console;
use crate::console::share_input::{self as input, Source};
use crate::encoding::names::base_name;
use crate::error::{Error, Kind as ErrorKind, Result, exit};
use crate::secret;
use crate::transcript::event::{AuditCompleted, RefusalReason, SharePresented, ShareRefused};
use crate::transcript::{self, Kind, Recorder, TOOL_ACTOR};

mod summary;

/// The arguments of `rootkey share audit` (see `rootkey share audit --help`).
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
    /// How many shares to read at the keyboard, after the others.
    pub keyboard: usize,
    /// Shares on hardware tokens.
    pub tokens: super::TokenArgs,
    /// Continue without locked memory (rehearsal ceremonies only).
    pub allow_unlocked_memory: bool,
}

/// A share that passed its check alone.
#[derive(Debug)]
pub struct Proved {
    /// Its index.
    pub index: u8,
    /// Its holder (the manifest's).
    pub holder: String,
    /// Where it came from (`file PATH`, `QR image PATH`, `keyboard entry 2`, …).
    pub origin: String,
}

/// A share that did not pass its check.
#[derive(Debug)]
pub struct Refused {
    /// The index it states when it states this ceremony and root key.
    pub claimed: Option<u8>,
    /// Where it came from.
    pub origin: String,
    /// The category recorded.
    pub reason: RefusalReason,
    /// What was wrong, for the screen (never recorded, never secret).
    pub message: String,
}

/// The outcome of a share audit.
#[derive(Debug)]
pub struct AuditReport {
    /// The shares proved, in the order given.
    pub proved: Vec<Proved>,
    /// The shares refused, in the order given.
    pub refused: Vec<Refused>,
    /// The manifest's holders (index, name) whose share did not appear.
    pub absent: Vec<(u8, String)>,
    /// Indices claimed by refused shares and not proved.
    pub failed: Vec<u8>,
}

impl AuditReport {
    /// Exit code of `rootkey share audit`: 0 every holder proved their share; 3 a share given
    /// failed its check (a share given twice is not a failure: its holder proved it); else 1
    /// when some holders did not appear.
    pub fn exit_code(&self) -> i32 {
        if self
            .refused
            .iter()
            .any(|r| r.reason != RefusalReason::Duplicate)
        {
            exit::VERIFICATION
        } else if !self.absent.is_empty() {
            exit::INPUT
        } else {
            exit::OK
        }
    }
}

/// `rootkey share audit`: checks the names, loads the context, hardens the process, prepares
/// the output directory and the transcript, checks each share alone (the steps of
/// [`steps::share_audit`]) at `console`, and shows the summary. Returns the exit code.
pub fn run(args: Args, console: &mut dyn Console) -> Result<i32> {
    for (paths, what) in [(&args.shares, "share file"), (&args.qr_images, "QR image")] {
        for p in paths {
            transcript::check_recordable_name(p, what)?;
            check_present(p, what)?;
        }
    }
    transcript::check_recordable_name(&args.manifest, "manifest")?;
    transcript::check_recordable_name(&args.root, "root certificate")?;
    let ctx = Context::load(&args.manifest, &args.root).map_err(|e| match e.hint {
        Some(_) => e,
        None => e.hint(
            "give the manifest.json and root.pem the generation wrote; the audit did not start",
        ),
    })?;
    let tokens = super::quorum::token_shares(&ctx, &args.manifest, &args.tokens)?;
    let mut sources: Vec<Source> = args.shares.iter().cloned().map(Source::File).collect();
    sources.extend(args.qr_images.iter().cloned().map(Source::QrImage));
    sources.extend(tokens.into_iter().map(|t| Source::Token(Box::new(t))));
    sources.extend((0..args.keyboard).map(|_| Source::Keyboard));
    if sources.is_empty() {
        return Err(Error::new(ErrorKind::TooFewShares, "no share given to audit")
            .hint("give the shares presented: share files, --qr-image PHOTO, --token-share INDEX, or --type once per share typed at the keyboard"));
    }
    let n = u8::try_from(sources.len()).unwrap_or(u8::MAX);
    let mut sources = sources.into_iter();
    let start = Start {
        out: args.out,
        root: args.root,
        allow_unlocked_memory: args.allow_unlocked_memory,
        people: Vec::new(),
    };
    start.run(&ctx, n, console, &mut |_, _| Ok(sources.next()))
}

/// Where the share of the n-th `prove-share` step comes from, asked once that step is
/// entered; None: the holder did not appear (the step records nothing).
pub type Pick<'a> = dyn FnMut(&mut dyn Console, usize) -> Result<Option<Source>> + 'a;

/// What a share audit needs besides its context and its shares.
pub struct Start {
    /// Output directory for the transcript.
    pub out: PathBuf,
    /// The root certificate's path, as the next step shows it.
    pub root: PathBuf,
    /// Continue without locked memory (rehearsal ceremonies only).
    pub allow_unlocked_memory: bool,
    /// People without a share recorded in the header before the holders (`rootkey run`: the
    /// plan's participants, who may acknowledge checklist steps).
    pub people: Vec<transcript::Participant>,
}

impl Start {
    /// Hardens the process, prepares the output directory and the transcript, runs the
    /// audit's steps ([`steps::share_audit`] with `steps` shares, each read from what `pick`
    /// gives) at `console` and shows the summary. Returns the exit code.
    pub fn run(
        self,
        ctx: &Context,
        steps: u8,
        console: &mut dyn Console,
        pick: &mut Pick<'_>,
    ) -> Result<i32> {
        check_unlocked_memory(
            self.allow_unlocked_memory,
            ctx.manifest.ceremony.rehearsal,
            RehearsalFrom::Manifest,
        )?;
        let hardening = harden(self.allow_unlocked_memory)?;
        super::session::refuse_network(ctx.manifest.ceremony.rehearsal)?;
        super::outdir::prepare_out_dir(&self.out, &[transcript::FILE_NAME])?;
        let mut header = quorum_header(
            ctx,
            Kind::ShareAudit,
            new_ceremony_id()?,
            preflight(
                &hardening,
                ctx.manifest.ceremony.rehearsal,
                &output_facts(&self.out, false, None)?,
            )?,
        );
        header.participants.splice(0..0, self.people);
        let mut rec = Recorder::create(&self.out, &header)?;
        let flow = Flow::new(steps::share_audit(steps));
        let report = transcript::recorded(&mut rec, |rec| {
            audit(Run::new(flow, &mut *console, rec), ctx, steps, pick)
        })
        .map_err(|e| super::quorum::at_prompt_next_step(&self.out, e))?;
        let path = self.out.join(transcript::FILE_NAME);
        let shown = console.out(
            "the summary",
            &summary::audited(&report, ctx, &path, &self.root),
        );
        shown.map_err(|e| summary::not_shown(e, &path))?;
        if let Some(e) = summary::outcome_error(&report) {
            let _ = crate::console::report_error(&e);
        }
        Ok(report.exit_code())
    }
}

/// A share file or photo that is not there at all is the operator's mistake (a wrong path),
/// refused before the audit starts; one that is there but holds no share is recorded as
/// `unreadable`.
fn check_present(p: &std::path::Path, what: &str) -> Result<()> {
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(_) => Err(Error::new(
            ErrorKind::Unreadable,
            format!("{what} {}: not a regular file", p.display()),
        )),
        Err(e) => Err(Error::new(
            ErrorKind::Unreadable,
            format!(
                "{what} {}: cannot read: {}",
                p.display(),
                crate::console::io_reason(&e)
            ),
        )),
    }
    .map_err(|e| e.hint("check the path; the audit did not start and nothing was written"))
}

/// The steps after the header: `load-context`, one `prove-share` per source, then
/// `complete-audit` and `attest-transcript` (done by the witnesses afterwards).
fn audit(run: Run<'_>, ctx: &Context, steps: u8, pick: &mut Pick<'_>) -> Result<AuditReport> {
    let _scrub = secret::ScrubOnDrop;
    let mut run = Started::new(run)?.load_context(ctx)?.run;
    let mut proved: Vec<Proved> = Vec::new();
    let mut refused: Vec<Refused> = Vec::new();
    for i in 0..steps as usize {
        run.enter("prove-share")?;
        let Some(source) = pick(run.console()?, i + 1)? else {
            continue;
        };
        let file = recorded_file(&source);
        match prove(run.console()?, source, i + 1, ctx, &proved)? {
            Ok(p) => {
                run.rec.record(
                    &[&p.holder],
                    SharePresented {
                        corrections: p.corrections,
                        envelope_sha256: p.envelope_sha256.clone(),
                        file,
                        holder: p.holder.clone(),
                        index: p.index,
                    },
                )?;
                run.console()?.out(
                    "the share's result",
                    &summary::proved_line(p.index, &p.holder, &p.origin),
                )?;
                proved.push(Proved {
                    index: p.index,
                    holder: p.holder,
                    origin: p.origin,
                });
            }
            Err(r) => {
                run.rec.record(
                    &[TOOL_ACTOR],
                    ShareRefused {
                        claimed_index: r.claimed,
                        file,
                        reason: r.reason,
                    },
                )?;
                run.console()?
                    .out("the share's result", &summary::refused_line(&r, ctx))?;
                refused.push(r);
            }
        }
    }
    let n = ctx.manifest.shares_total;
    let mut proven: Vec<u8> = proved.iter().map(|p| p.index).collect();
    proven.sort_unstable();
    let mut failed: Vec<u8> = refused
        .iter()
        .filter_map(|r| r.claimed)
        .filter(|i| !proven.contains(i))
        .collect();
    failed.sort_unstable();
    failed.dedup();
    let absent: Vec<u8> = (1..=n)
        .filter(|i| !proven.contains(i) && !failed.contains(i))
        .collect();
    run.at("complete-audit")?.record(
        &[TOOL_ACTOR],
        AuditCompleted {
            absent: absent.clone(),
            failed: failed.clone(),
            proven,
            refused: refused.len() as u64,
        },
    )?;
    run.enter("attest-transcript")?;
    run.finish()?;
    let holder = |i: u8| {
        ctx.manifest
            .shares
            .iter()
            .find(|s| s.index == i)
            .map(|s| s.holder.clone())
            .unwrap_or_default()
    };
    Ok(AuditReport {
        proved,
        refused,
        absent: absent.into_iter().map(|i| (i, holder(i))).collect(),
        failed,
    })
}

/// What the transcript records as a share's `file`: the file's or photo's name, a token
/// share's payload file, or `-` for the keyboard.
fn recorded_file(source: &Source) -> String {
    match source {
        Source::File(p) | Source::QrImage(p) => base_name(p),
        Source::Token(t) => t.token.payload_file.clone(),
        // (The audit asks its holders itself; a plan's holder turn is read like the keyboard.)
        Source::Keyboard | Source::Read(_) | Source::Holder(_) => "-".into(),
    }
}

/// Where a share comes from, for messages before it could be read.
fn origin_of(source: &Source, ordinal: usize) -> String {
    match source {
        Source::File(p) => format!("file {}", p.display()),
        Source::QrImage(p) => format!("QR image {}", p.display()),
        Source::Token(t) => format!("--token-share {}", t.index),
        Source::Holder(h) => format!("holder {} ({})", h.index, h.holder),
        Source::Keyboard | Source::Read(_) => format!("keyboard entry {ordinal}"),
    }
}

/// A share proved.
struct Passed {
    index: u8,
    holder: String,
    origin: String,
    envelope_sha256: String,
    corrections: u64,
}

/// Reads the share from `source` and checks it alone against `ctx`. `Ok(Err(_))` is a share
/// refused (recorded, and the audit goes on); `Err` stops the audit (interrupted, cancelled
/// at a prompt, an internal error).
fn prove(
    console: &mut dyn Console,
    source: Source,
    ordinal: usize,
    ctx: &Context,
    proved: &[Proved],
) -> Result<std::result::Result<Passed, Refused>> {
    let origin = origin_of(&source, ordinal);
    let stops = |e: &Error| {
        matches!(
            e.kind,
            ErrorKind::Interrupted | ErrorKind::Cancelled | ErrorKind::Internal
        ) || transcript::interruption().is_some()
    };
    let presented = match input::read(console, source, ordinal) {
        Ok(p) => p,
        Err(e) if stops(&e) => return Err(e),
        Err(e) => {
            let reason = match e.kind {
                ErrorKind::ShareChecksum
                | ErrorKind::ShareRow
                | ErrorKind::RowTypo
                | ErrorKind::BadCharacter
                | ErrorKind::ShareFormat
                | ErrorKind::TooManyTries
                | ErrorKind::TokenPayload(_) => RefusalReason::Damaged,
                _ => RefusalReason::Unreadable,
            };
            return Ok(Err(Refused {
                claimed: None,
                origin,
                reason,
                message: e.message,
            }));
        }
    };
    let origin = presented.origin.clone();
    let h = presented.envelope.header();
    let m = &ctx.manifest;
    let same_ceremony = h.ceremony_id == m.ceremony_id()
        && m.root
            .fingerprint
            .starts_with(&hex::encode(h.root_fingerprint));
    let claimed = (same_ceremony && (1..=m.shares_total).contains(&h.index)).then_some(h.index);
    if let Some(i) = claimed
        && let Some(first) = proved.iter().find(|p| p.index == i)
    {
        return Ok(Err(Refused {
            claimed,
            message: format!(
                "share {i} (holder \"{}\") was already proved in this audit ({})",
                first.holder, first.origin
            ),
            origin,
            reason: RefusalReason::Duplicate,
        }));
    }
    let corrections = presented.corrections.len() as u64;
    match verify_share(presented, ctx) {
        Ok(v) => Ok(Ok(Passed {
            index: v.entry.index,
            holder: v.entry.holder.clone(),
            origin,
            envelope_sha256: v.entry.envelope_sha256.clone(),
            corrections,
        })),
        Err(e) if stops(&e) => Err(e),
        Err(e) => Ok(Err(Refused {
            claimed,
            origin,
            reason: if same_ceremony {
                RefusalReason::NotListed
            } else {
                RefusalReason::Foreign
            },
            message: e.message,
        })),
    }
}
