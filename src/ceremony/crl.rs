//! The CRL ceremony (`rootkey crl sign`, transcript kind `crl`): a quorum signs the next
//! certificate revocation list, after two people confirm it. The steps are those of
//! [`super::quorum`].

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::combine::CombineReport;
use super::combine::quorum_of;
use super::flow::{Flow, Run};
use super::quorum::{
    InputFile, Presenter, QuorumArgs, at_prompt_next_step, check_confirmers, copy_inputs,
    holder_sources, load_context, quorum_sources, start_signing, writes,
};
use super::session::{after_seal, disagreement_exit};
use super::stages::{ContextLoaded, Prepared, Started};
use super::steps;
use super::{Context, summary};
use crate::cert::crl::{self, CrlDraft, CrlParams, ParsedCrl, Revocation};
use crate::cert::intermediate;
use crate::console::{Confirmation, Console, share_input::Source};
use crate::encoding::hexfmt::serial_display;
use crate::encoding::time::UtcTime;
use crate::error::Result;
use crate::transcript::{self, Kind, Recorder, TOOL_ACTOR, event};

/// The CRL, DER (what a cRLDistributionPoints URL serves).
pub const CRL_FILE: &str = "root.crl";
/// The CRL, PEM.
pub const CRL_PEM_FILE: &str = "root.crl.pem";

/// What `crl sign` works from.
pub struct CrlJob<'a> {
    /// root.pem and manifest.json, verified.
    pub ctx: &'a Context,
    /// The two context files as read.
    pub context_files: [&'a InputFile; 2],
    /// The previous CRL (checked against the root), if any.
    pub previous: Option<(&'a InputFile, &'a ParsedCrl)>,
    /// New revocations.
    pub revoke: &'a [Revocation],
    /// thisUpdate.
    pub this_update: UtcTime,
    /// nextUpdate − thisUpdate, in days.
    pub next_update_days: u32,
}

/// What `crl sign` did.
#[derive(Debug)]
pub struct CrlReport {
    /// The confirmed draft.
    pub draft: CrlDraft,
    /// Who confirmed.
    pub confirmations: Vec<Confirmation>,
    /// The quorum.
    pub quorum: CombineReport,
    /// SHA-256 of the CRL DER.
    pub crl_sha256: [u8; 32],
}

fn crl_inputs<'a>(job: &CrlJob<'a>) -> Vec<&'a InputFile> {
    let mut inputs: Vec<&InputFile> = vec![job.context_files[0], job.context_files[1]];
    if let Some((f, _)) = job.previous {
        inputs.push(f);
    }
    inputs
}

/// Every file `crl sign` writes into its output directory (input copies, outputs,
/// transcript), for [`super::outdir::prepare_out_dir`]; refuses clashing input names.
pub fn crl_writes(job: &CrlJob<'_>) -> Result<Vec<String>> {
    writes(&crl_inputs(job), &[CRL_FILE, CRL_PEM_FILE])
}

/// Prepares the CRL's TBS (no key).
pub fn prepare_crl(job: &CrlJob<'_>) -> Result<CrlDraft> {
    crl::prepare(&CrlParams {
        root: &job.ctx.root,
        previous: job.previous.map(|(_, p)| p),
        revoke: job.revoke,
        this_update: job.this_update,
        next_update_days: job.next_update_days,
    })
}

/// The summary the confirmers check.
pub fn crl_summary(job: &CrlJob<'_>, d: &CrlDraft) -> String {
    let mut s = String::new();
    s.push_str("CERTIFICATE REVOCATION LIST TO BE SIGNED\n");
    if job.ctx.manifest.ceremony.rehearsal {
        s.push_str("  (REHEARSAL root: not a real CRL)\n");
    }
    s.push_str(&format!("  Issuer:       {}\n", job.ctx.root.subject));
    s.push_str("  Scope:        CA certificates only (issuingDistributionPoint, critical)\n");
    s.push_str(&format!("  CRL number:   {}\n", serial_display(&d.number)));
    s.push_str(&format!(
        "  thisUpdate:   {}\n  nextUpdate:   {}\n",
        d.this_update, d.next_update
    ));
    match job.previous {
        Some((f, p)) => s.push_str(&format!(
            "  Previous CRL: {} (number {}), {} entr{} carried forward\n",
            f.name,
            serial_display(&p.number),
            d.carried_forward,
            if d.carried_forward == 1 { "y" } else { "ies" }
        )),
        None => s.push_str("  Previous CRL: none (this is the first CRL)\n"),
    }
    s.push_str(&format!("  Revoked certificates ({}):\n", d.revoked.len()));
    for (i, r) in d.revoked.iter().enumerate() {
        // Two lines per entry: a 20-byte serial alone takes 40 columns.
        s.push_str(&format!(
            "    serial {}{}\n      revoked {}, reason {}\n",
            serial_display(&r.serial),
            if i < d.carried_forward { "" } else { "  NEW" },
            r.revoked_at,
            r.reason.map(|x| x.as_str()).unwrap_or("(none)"),
        ));
    }
    s.push_str(&format!(
        "  TBS SHA-256:  {}\n  Confirmation code: {}\n",
        crate::encoding::hexfmt::hex_lines(&d.tbs_sha256, 16),
        intermediate::short_code(&d.tbs_sha256)
    ));
    crate::encoding::hexfmt::wrap_indented(&s, crate::console::SCREEN_COLUMNS)
}

/// A CRL's revocations as a transcript records them (docs/formats.md, "The revocation list").
fn revocation_list(revoked: &[Revocation]) -> Result<crate::transcript::crl_list::List> {
    crate::transcript::crl_list::List::new(revoked.iter().map(|r| event::Revoked {
        reason: r.reason,
        serial: hex::encode(&r.serial),
    }))
}

/// The CRL ceremony's stage after `check-previous-crl` (or without a previous CRL).
pub struct PreviousCrlDone<'r> {
    run: Run<'r>,
}

impl<'r> ContextLoaded<'r> {
    /// Step `check-previous-crl` when `job` has a previous CRL; nothing otherwise.
    pub fn check_previous_crl(mut self, job: &CrlJob<'_>) -> Result<PreviousCrlDone<'r>> {
        if let Some((f, p)) = job.previous {
            // Its list by count and digest: what `crl-prepared` must carry forward first.
            let list = revocation_list(&p.revoked)?;
            let rec = self.run.at("check-previous-crl")?;
            rec.record(
                &[TOOL_ACTOR],
                event::PreviousCrlChecked {
                    crl_number: hex::encode(&p.number),
                    file: f.name.clone(),
                    revoked_count: list.count,
                    revoked_sha256: list.sha256,
                    sha256: f.sha256(),
                    this_update: p.this_update,
                },
            )?;
        }
        Ok(PreviousCrlDone { run: self.run })
    }
}

impl<'r> PreviousCrlDone<'r> {
    /// Step `prepare-crl`: records the draft the confirmers will see.
    pub fn prepare(self, draft: &CrlDraft) -> Result<Prepared<'r>> {
        // The list by count and digest (and in full while short): any CRL fits one entry.
        let list = revocation_list(&draft.revoked)?;
        Prepared::record(self.run, "prepare-crl", |rec| {
            rec.record(
                &[TOOL_ACTOR],
                event::CrlPrepared {
                    carried_forward: draft.carried_forward as u64,
                    crl_number: hex::encode(&draft.number),
                    next_update: draft.next_update,
                    revoked: list.listed,
                    revoked_count: list.count,
                    revoked_sha256: list.sha256,
                    tbs_sha256: hex::encode(draft.tbs_sha256),
                    this_update: draft.this_update,
                },
            )
        })
    }
}

/// The CRL ceremony's steps ([`steps::crl`]) of `job` for `sources`.
fn crl_steps(job: &CrlJob<'_>, sources: &[Source]) -> Vec<steps::Step> {
    steps::crl(quorum_of(job.ctx, sources), job.previous.is_some())
}

/// The CRL ceremony (see the module documentation). `draft` is what [`prepare_crl`] returned
/// for `job`: the draft recorded, shown, confirmed and signed is that one, prepared once.
/// `rec` holds the header alone; the steps from `start-ceremony` on are those of
/// [`steps::crl`], told to `console`.
pub fn sign_crl(
    job: &CrlJob<'_>,
    draft: CrlDraft,
    console: &mut dyn Console,
    sources: Vec<Source>,
    out: &Path,
    rec: &mut Recorder,
) -> Result<CrlReport> {
    let flow = Flow::resume_at(crl_steps(job, &sources), "start-ceremony")?;
    crl_ceremony(
        Started::new(Run::new(flow, console, rec))?,
        job,
        draft,
        sources,
        out,
    )
}

/// The CRL ceremony from its header on: Started → ContextLoaded → PreviousCrlDone → Prepared
/// → Confirmed (the key rebuilt) → Signed → sealed.
fn crl_ceremony(
    started: Started<'_>,
    job: &CrlJob<'_>,
    draft: CrlDraft,
    sources: Vec<Source>,
    out: &Path,
) -> Result<CrlReport> {
    let inputs = crl_inputs(job);
    writes(&inputs, &[CRL_FILE, CRL_PEM_FILE])?;
    copy_inputs(started.run.rec, out, &inputs)?;
    let summary = crl_summary(job, &draft);
    let confirmed = started
        .load_context(job.ctx)?
        .check_previous_crl(job)?
        .prepare(&draft)?
        .confirm(job.ctx, &summary, &draft.tbs_sha256, sources)?;
    let signature = confirmed.key().sign(&draft.tbs_der);
    let der = crl::assemble(&draft, &signature, &job.ctx.root)?;
    let crl_sha256: [u8; 32] = Sha256::digest(&der).into();
    let signed = confirmed.issued("issue-crl", |rec| {
        rec.record(
            &[TOOL_ACTOR],
            event::CrlIssued {
                crl_number: hex::encode(&draft.number),
                crl_sha256: hex::encode(crl_sha256),
                tbs_sha256: hex::encode(draft.tbs_sha256),
            },
        )
    })?;
    let pem = crl::to_pem(&der)?;
    let (confirmations, quorum) = signed.write_and_seal(
        out,
        &[
            ("write-crl-der", CRL_FILE, der.as_slice()),
            ("write-crl-pem", CRL_PEM_FILE, pem.as_bytes()),
        ],
    )?;
    Ok(CrlReport {
        draft,
        confirmations,
        quorum,
        crl_sha256,
    })
}

/// The arguments of `rootkey crl sign` (see its `--help`).
pub struct Args {
    /// root.pem.
    pub root: PathBuf,
    /// manifest.json.
    pub manifest: PathBuf,
    /// `--revoke SERIAL[:REASON]`, each.
    pub revoke: Vec<String>,
    /// The previous CRL (none: `--first-crl`).
    pub previous_crl: Option<PathBuf>,
    /// Days from thisUpdate to nextUpdate.
    pub next_update_days: u32,
    /// The output directory.
    pub out: PathBuf,
    /// Shares and confirmers.
    pub quorum: QuorumArgs,
}

/// `rootkey crl sign` (see its `--help`): checks the revocations and the previous CRL before
/// any share is asked for, then runs the CRL ceremony's steps ([`steps::crl`]) at `console`
/// and shows its summary. Returns the exit code.
pub fn run(args: Args, console: &mut dyn Console) -> Result<i32> {
    run_presented(args, console, None)
}

/// As [`run`]; with `presenters` (`rootkey run` of a plan), the shares come from the plan's
/// holders, each asked at their own step ([`holder_sources`]) instead of from `args.quorum`'s
/// files, photos, tokens and keyboard.
pub fn run_presented(
    args: Args,
    console: &mut dyn Console,
    presenters: Option<&[Presenter]>,
) -> Result<i32> {
    let Args {
        root,
        manifest,
        revoke,
        previous_crl,
        next_update_days,
        out,
        quorum,
    } = args;
    // thisUpdate and the revocation dates are the same whole second.
    let now = UtcTime::now()?.whole_seconds();
    let revoked_at = now;
    let revocations = revoke
        .iter()
        .map(|a| crate::cert::crl::parse_revoke_arg(a, revoked_at))
        .collect::<Result<Vec<_>>>()?;
    check_confirmers(&quorum.confirm)?;
    let (ctx, root_file, manifest_file) = load_context(&manifest, &root)?;
    let prev = match &previous_crl {
        Some(p) => {
            let mut f = InputFile::read(p, 16 << 20, "previous CRL")?;
            f.name = format!("previous-{}", f.name);
            let c = crate::cert::crl::load_previous(
                &f.bytes,
                &format!("previous CRL {}", p.display()),
                &ctx.root,
            )?;
            Some((f, c))
        }
        None => None,
    };
    let job = CrlJob {
        ctx: &ctx,
        context_files: [&root_file, &manifest_file],
        previous: prev.as_ref().map(|(f, c)| (f, c)),
        revoke: &revocations,
        this_update: now,
        next_update_days,
    };
    // Checked before the ceremony starts; this draft is the one shown, confirmed and signed.
    let draft = prepare_crl(&job)?;
    let writes = crl_writes(&job)?;
    let sources = match presenters {
        Some(p) => holder_sources(p, &ctx, &manifest)?,
        None => quorum_sources(&quorum, &ctx, &manifest)?,
    };
    let (mut rec, sources) = start_signing(&ctx, Kind::Crl, &out, &writes, &quorum, sources)?;
    let flow = Flow::new(crl_steps(&job, &sources));
    let r = transcript::recorded(&mut rec, |rec| {
        crl_ceremony(
            Started::new(Run::new(flow, &mut *console, rec))?,
            &job,
            draft,
            sources,
            &out,
        )
    })
    .map_err(|e| at_prompt_next_step(&out, e))?;
    after_seal(&out, || {
        console.out(
            "the summary",
            &summary::crl_signed(&r, &out, &root_file.name),
        )?;
        disagreement_exit(&r.quorum)
    })
}
