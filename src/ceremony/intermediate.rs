//! The rotation ceremony (`rootkey intermediate sign`, transcript kind `rotation`): a quorum
//! signs the yearly intermediate CA certificate from a CSR, after two people confirm it. The
//! steps are those of [`super::quorum`].

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
use super::steps::{self, Quorum, RotationShape};
use super::{Context, summary};
use crate::cert::csr::Csr;
use crate::cert::intermediate::{self, Draft, PreviousCheck, Request};
use crate::cert::profile::{IntermediateProfile, extension_name};
use crate::console::share_input::Source;
use crate::console::{Confirmation, Console};
use crate::encoding::hexfmt::{hash_display, parse_sha256};
use crate::encoding::time::UtcTime;
use crate::error::Result;
use crate::transcript::{self, Kind, Recorder, TOOL_ACTOR, event};

/// File names a rotation writes into its output directory (besides the transcript and copies
/// of its inputs).
pub const INTERMEDIATE_FILE: &str = "intermediate.pem";
/// The PEM bundle for Vault's `pki/intermediate/set-signed`: intermediate, then root.
pub const CHAIN_FILE: &str = "intermediate-chain.pem";
/// How the out-of-band CSR hash was given (the transcript's `csr-checked.hash_source`).
pub use crate::transcript::event::HashSource;

mod csr_hash;
pub use csr_hash::{
    HASH_MISMATCH_TRIES, HASH_TYPING_TRIES, check_out_of_band, differing_groups, out_of_band_hash,
};

/// What `intermediate sign` works from.
pub struct IntermediateJob<'a> {
    /// root.pem and manifest.json, verified.
    pub ctx: &'a Context,
    /// The two context files as read (copied into the output directory).
    pub context_files: [&'a InputFile; 2],
    /// The CSR file and the checked CSR.
    pub csr_file: &'a InputFile,
    /// The checked CSR.
    pub csr: &'a Csr,
    /// How its hash was given.
    pub hash_source: HashSource,
    /// The profile and its file.
    pub profile: &'a IntermediateProfile,
    /// The profile's base name.
    pub profile_file: &'a str,
    /// The previous intermediate, if given.
    pub previous: Option<(&'a InputFile, &'a x509_cert::Certificate)>,
    /// notBefore.
    pub not_before: UtcTime,
}

/// What `intermediate sign` did.
#[derive(Debug)]
pub struct IntermediateReport {
    /// The confirmed draft.
    pub draft: Draft,
    /// The previous-intermediate check.
    pub previous: Option<PreviousCheck>,
    /// Who confirmed.
    pub confirmations: Vec<Confirmation>,
    /// The quorum.
    pub quorum: CombineReport,
    /// SHA-256 of the certificate DER.
    pub certificate_sha256: [u8; 32],
}

fn intermediate_inputs<'a>(job: &IntermediateJob<'a>) -> Vec<&'a InputFile> {
    let mut inputs: Vec<&InputFile> =
        vec![job.context_files[0], job.context_files[1], job.csr_file];
    if let Some((f, _)) = job.previous {
        inputs.push(f);
    }
    inputs
}

/// Every file `intermediate sign` writes into its output directory (input copies, outputs,
/// transcript), for [`super::outdir::prepare_out_dir`]; refuses clashing input names.
pub fn intermediate_writes(job: &IntermediateJob<'_>) -> Result<Vec<String>> {
    writes(&intermediate_inputs(job), &[INTERMEDIATE_FILE, CHAIN_FILE])
}

/// Prepares the intermediate's TBS and checks the previous intermediate — everything the
/// confirmers see — without any key.
pub fn prepare_intermediate(job: &IntermediateJob<'_>) -> Result<(Draft, Option<PreviousCheck>)> {
    let draft = intermediate::prepare(
        &job.ctx.root,
        job.profile,
        &Request {
            subject: &job.csr.subject,
            spki: &job.csr.spki,
        },
        job.not_before,
    )?;
    let previous = match job.previous {
        Some((f, cert)) => Some(intermediate::check_previous(
            cert,
            &format!("previous intermediate {}", f.name),
            &job.ctx.root,
            &draft,
            job.profile,
        )?),
        None => None,
    };
    Ok((draft, previous))
}

/// The summary the confirmers check.
pub fn intermediate_summary(
    job: &IntermediateJob<'_>,
    draft: &Draft,
    previous: Option<&PreviousCheck>,
) -> String {
    let mut s = String::new();
    s.push_str("INTERMEDIATE CA CERTIFICATE TO BE SIGNED\n");
    if job.ctx.manifest.ceremony.rehearsal {
        s.push_str("  (REHEARSAL root: not a real certificate)\n");
    }
    s.push_str(&format!("  Subject:        {}\n", draft.subject));
    s.push_str(&format!("  Issuer:         {}\n", draft.issuer));
    s.push_str(&format!("  Key type:       {}\n", job.csr.key_type));
    s.push_str(&format!(
        "  Key (SPKI) SHA-256: {}\n",
        crate::encoding::hexfmt::hex_lines(&draft.spki_sha256, 22)
    ));
    s.push_str(&format!(
        "  Serial:         {}\n",
        crate::encoding::hexfmt::serial_display(&draft.serial)
    ));
    s.push_str(&format!(
        "  Valid:          {} to {}\n                  ({} days + {} days of overlap)\n",
        draft.not_before, draft.not_after, job.profile.validity_days, job.profile.overlap_days
    ));
    s.push_str(&format!(
        "  Profile:        {} ({})\n",
        job.profile.name, job.profile_file
    ));
    s.push_str("  Extensions:\n");
    for e in &draft.extensions {
        s.push_str(&format!(
            "    {}{}: {}\n",
            e.name,
            if e.critical { " (critical)" } else { "" },
            e.value
        ));
    }
    let requested: Vec<String> = job
        .csr
        .extensions
        .iter()
        .map(|e| extension_name(&e.extn_id))
        .collect();
    if !requested.is_empty() {
        s.push_str(&format!(
            "  Requested by the CSR (not copied): {}\n",
            requested.join(", ")
        ));
    }
    s.push_str(&format!(
        "  CSR SHA-256 (matches the out-of-band hash):\n{}",
        hash_display(&job.csr.sha256)
    ));
    if let Some(p) = previous {
        s.push_str(&format!(
            "  Previous intermediate: serial {}, valid until {}, overlap {} day(s)\n",
            crate::encoding::hexfmt::serial_hex_display(&p.serial),
            p.not_after,
            p.overlap_days
        ));
        for w in &p.warnings {
            s.push_str(&format!("  WARNING: {w}\n"));
        }
    }
    s.push_str(&format!(
        "  TBS SHA-256:    {}\n  Confirmation code: {}\n",
        crate::encoding::hexfmt::hex_lines(&draft.tbs_sha256, 18),
        intermediate::short_code(&draft.tbs_sha256)
    ));
    crate::encoding::hexfmt::wrap_indented(&s, crate::console::SCREEN_COLUMNS)
}

/// The rotation's stage after `check-csr`: the CSR and how its hash was given are recorded.
pub struct CsrChecked<'r> {
    run: Run<'r>,
}

/// The rotation's stage after `check-previous` (or without a previous intermediate).
pub struct PreviousDone<'r> {
    run: Run<'r>,
}

impl<'r> ContextLoaded<'r> {
    /// Step `check-csr`: records the CSR of `job`, checked before the ceremony started.
    pub fn check_csr(mut self, job: &IntermediateJob<'_>) -> Result<CsrChecked<'r>> {
        let rec = self.run.at("check-csr")?;
        rec.record(
            &[TOOL_ACTOR],
            event::CsrChecked {
                csr_sha256: hex::encode(job.csr.sha256),
                file: job.csr_file.name.clone(),
                hash_source: job.hash_source,
                key_type: job.csr.key_type.to_string(),
                profile: event::ProfileRef {
                    file: job.profile_file.to_string(),
                    name: job.profile.name.clone(),
                    sha256: hex::encode(job.profile.sha256),
                },
                requested_extensions: job
                    .csr
                    .extensions
                    .iter()
                    .map(|e| extension_name(&e.extn_id))
                    .collect(),
                sha256: job.csr_file.sha256(),
                spki_sha256: hex::encode(Sha256::digest(&job.csr.spki_der)),
                subject: job.csr.subject_text.clone(),
            },
        )?;
        Ok(CsrChecked { run: self.run })
    }
}

impl<'r> CsrChecked<'r> {
    /// Step `check-previous` when `job` has a previous intermediate (`previous` is its
    /// check); nothing otherwise.
    pub fn check_previous(
        mut self,
        job: &IntermediateJob<'_>,
        previous: Option<&PreviousCheck>,
    ) -> Result<PreviousDone<'r>> {
        if let (Some((f, _)), Some(p)) = (job.previous, previous) {
            let rec = self.run.at("check-previous")?;
            rec.record(
                &[TOOL_ACTOR],
                event::PreviousChecked {
                    file: f.name.clone(),
                    not_after: p.not_after,
                    overlap_days: p.overlap_days,
                    serial: p.serial.clone(),
                    sha256: f.sha256(),
                    warnings: p.warnings.clone(),
                },
            )?;
        }
        Ok(PreviousDone { run: self.run })
    }
}

impl<'r> PreviousDone<'r> {
    /// Step `prepare-certificate`: records the draft the confirmers will see.
    pub fn prepare(self, draft: &Draft) -> Result<Prepared<'r>> {
        Prepared::record(self.run, "prepare-certificate", |rec| {
            rec.record(
                &[TOOL_ACTOR],
                event::CertificatePrepared {
                    issuer: draft.issuer.clone(),
                    not_after: draft.not_after,
                    not_before: draft.not_before,
                    serial: hex::encode(&draft.serial),
                    spki_sha256: hex::encode(draft.spki_sha256),
                    subject: draft.subject.clone(),
                    tbs_sha256: hex::encode(draft.tbs_sha256),
                },
            )
        })
    }
}

/// The rotation's steps ([`steps::intermediate`]) of `job` for `sources`.
fn rotation_steps(job: &IntermediateJob<'_>, sources: &[Source]) -> Vec<steps::Step> {
    steps::intermediate(
        quorum_of(job.ctx, sources),
        RotationShape {
            previous: job.previous.is_some(),
            typed_hash: job.hash_source == HashSource::Typed,
        },
    )
}

/// The rotation ceremony (see the module documentation). `prepared` is what
/// [`prepare_intermediate`] returned for `job`: the draft recorded, shown, confirmed and signed
/// is that one, prepared once. `out` must have been prepared with
/// [`super::outdir::prepare_out_dir`]; `rec` writes its transcript there, and holds its header
/// alone. The steps from `start-ceremony` on are those of [`steps::intermediate`], told to
/// `console`.
pub fn sign_intermediate(
    job: &IntermediateJob<'_>,
    prepared: (Draft, Option<PreviousCheck>),
    console: &mut dyn Console,
    sources: Vec<Source>,
    out: &Path,
    rec: &mut Recorder,
) -> Result<IntermediateReport> {
    let flow = Flow::resume_at(rotation_steps(job, &sources), "start-ceremony")?;
    rotate(
        Started::new(Run::new(flow, console, rec))?,
        job,
        prepared,
        sources,
        out,
    )
}

/// The rotation from its header on: Started → ContextLoaded → CsrChecked → PreviousDone →
/// Prepared → Confirmed (the key rebuilt) → Signed → sealed.
fn rotate(
    started: Started<'_>,
    job: &IntermediateJob<'_>,
    prepared: (Draft, Option<PreviousCheck>),
    sources: Vec<Source>,
    out: &Path,
) -> Result<IntermediateReport> {
    let inputs = intermediate_inputs(job);
    writes(&inputs, &[INTERMEDIATE_FILE, CHAIN_FILE])?;
    copy_inputs(started.run.rec, out, &inputs)?;
    let (draft, previous) = prepared;
    let summary = intermediate_summary(job, &draft, previous.as_ref());
    let confirmed = started
        .load_context(job.ctx)?
        .check_csr(job)?
        .check_previous(job, previous.as_ref())?
        .prepare(&draft)?
        .confirm(job.ctx, &summary, &draft.tbs_sha256, sources)?;
    let signature = confirmed.key().sign(&draft.tbs_der);
    let der = intermediate::assemble(&draft, &signature, &job.ctx.root)?;
    let certificate_sha256: [u8; 32] = Sha256::digest(&der).into();
    let signed = confirmed.issued("issue-certificate", |rec| {
        rec.record(
            &[TOOL_ACTOR],
            event::CertificateIssued {
                certificate_sha256: hex::encode(certificate_sha256),
                serial: hex::encode(&draft.serial),
                tbs_sha256: hex::encode(draft.tbs_sha256),
            },
        )
    })?;
    let pem = intermediate::to_pem(&der)?;
    let chain = format!("{pem}{}", intermediate::to_pem(&job.ctx.root.der)?);
    let (confirmations, quorum) = signed.write_and_seal(
        out,
        &[
            ("write-intermediate", INTERMEDIATE_FILE, pem.as_bytes()),
            ("write-chain", CHAIN_FILE, chain.as_bytes()),
        ],
    )?;
    Ok(IntermediateReport {
        draft,
        previous,
        confirmations,
        quorum,
        certificate_sha256,
    })
}

/// The arguments of `rootkey intermediate sign` (see its `--help`).
pub struct Args {
    /// The CSR file.
    pub csr: PathBuf,
    /// `--csr-sha256`: the CSR's hash delivered out of band (none: typed at the prompt).
    pub csr_sha256: Option<String>,
    /// The intermediate profile.
    pub profile: PathBuf,
    /// root.pem.
    pub root: PathBuf,
    /// manifest.json.
    pub manifest: PathBuf,
    /// The output directory.
    pub out: PathBuf,
    /// The previous intermediate.
    pub previous: Option<PathBuf>,
    /// `--not-before` (default: now).
    pub not_before: Option<String>,
    /// Shares and confirmers.
    pub quorum: QuorumArgs,
}

/// `rootkey intermediate sign` (see its `--help`): checks everything public before any share
/// is asked for, then runs the rotation's steps ([`steps::intermediate`]) at `console` (the
/// terminal, with the confirmers of `--confirm`, or a guided runner's) and shows its summary.
/// Returns the exit code.
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
        csr,
        csr_sha256,
        profile,
        root,
        manifest,
        out,
        previous,
        not_before,
        quorum,
    } = args;
    // Everything public is checked before any share is asked for.
    let given_hash = csr_sha256
        .as_deref()
        .map(|h| parse_sha256(h, "--csr-sha256"))
        .transpose()?;
    let not_before = not_before
        .as_deref()
        .map(|t| UtcTime::parse_arg(t, "--not-before"))
        .transpose()?
        .map_or_else(UtcTime::now, Ok)?;
    check_confirmers(&quorum.confirm)?;
    let (ctx, root_file, manifest_file) = load_context(&manifest, &root)?;
    let csr_file = InputFile::read(&csr, 64 * 1024, "CSR")?;
    let csr_origin = format!("CSR {}", csr.display());
    let request = crate::cert::csr::parse(&csr_file.bytes, &csr_origin)?;
    let profile_file = InputFile::read(&profile, 1 << 20, "intermediate profile")?;
    let profile_obj = IntermediateProfile::from_toml(
        &String::from_utf8_lossy(&profile_file.bytes),
        &profile.display().to_string(),
    )?;
    let requested: Vec<_> = request.extensions.iter().map(|e| e.extn_id).collect();
    profile_obj.check_request(&request.subject_text, &requested, &csr_origin)?;
    let prev = match &previous {
        Some(p) => {
            let mut f = InputFile::read(p, 64 * 1024, "previous intermediate")?;
            // Last year's file is usually called intermediate.pem too: its copy gets a prefix.
            f.name = format!("previous-{}", f.name);
            let c = crate::cert::intermediate::load_certificate(
                &f.bytes,
                &format!("previous intermediate {}", p.display()),
            )?;
            Some((f, c))
        }
        None => None,
    };
    // The step list is known once the context is: the shares that will be presented, the
    // previous intermediate, whether the CSR hash is typed.
    let sources = match presenters {
        Some(p) => holder_sources(p, &ctx, &manifest)?,
        None => quorum_sources(&quorum, &ctx, &manifest)?,
    };
    let presented = sources.len();
    let mut flow = Flow::new(steps::intermediate(
        Quorum {
            threshold: ctx.manifest.threshold,
            presented: u8::try_from(presented).unwrap_or(u8::MAX),
        },
        RotationShape {
            previous: prev.is_some(),
            typed_hash: given_hash.is_none(),
        },
    ));
    if given_hash.is_none() {
        flow.enter(console, "type-csr-hash")?;
    }
    let hash_source = out_of_band_hash(console, &csr, &request, given_hash)?;
    let job = IntermediateJob {
        ctx: &ctx,
        context_files: [&root_file, &manifest_file],
        csr_file: &csr_file,
        csr: &request,
        hash_source,
        profile: &profile_obj,
        profile_file: &profile_file.name,
        previous: prev.as_ref().map(|(f, c)| (f, c)),
        not_before,
    };
    // The validity, the root's limits and the previous intermediate are checked before the
    // ceremony starts; this draft is the one shown, confirmed and signed.
    let prepared = prepare_intermediate(&job)?;
    let writes = intermediate_writes(&job)?;
    let (mut rec, sources) = start_signing(&ctx, Kind::Rotation, &out, &writes, &quorum, sources)?;
    let r = transcript::recorded(&mut rec, |rec| {
        rotate(
            Started::new(Run::new(flow, &mut *console, rec))?,
            &job,
            prepared,
            sources,
            &out,
        )
    })
    .map_err(|e| at_prompt_next_step(&out, e))?;
    after_seal(&out, || {
        if let Some(p) = &r.previous {
            for w in &p.warnings {
                console.warn(w)?;
            }
        }
        console.out("the summary", &summary::rotated(&r, &out, &root_file.name))?;
        disagreement_exit(&r.quorum)
    })
}
