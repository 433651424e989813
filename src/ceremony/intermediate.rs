//! The rotation ceremony (`rootkey intermediate sign`, transcript kind `rotation`): a quorum
//! signs the yearly intermediate CA certificate from a CSR, after two people confirm it. The
//! steps are those of [`super::quorum`].

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::combine::CombineReport;
use super::quorum::{
    InputFile, QuorumArgs, confirm_then_rebuild, copy_inputs, load_context, nothing_started,
    quorum_sources, start_signing, write_and_seal, writes,
};
use super::session::{after_seal, disagreement_exit};
use super::{Context, record_context, summary};
use crate::cert::csr::Csr;
use crate::cert::intermediate::{self, Draft, PreviousCheck, Request};
use crate::cert::profile::{IntermediateProfile, extension_name};
use crate::console::{Confirmation, Console, Question, confirmer, share_input::Source};
use crate::encoding::hexfmt::{hash_display, parse_sha256};
use crate::encoding::time::UtcTime;
use crate::error::{Error, Result};
use crate::transcript::{self, Kind, Recorder, TOOL_ACTOR, event};

/// File names a rotation writes into its output directory (besides the transcript and copies
/// of its inputs).
pub const INTERMEDIATE_FILE: &str = "intermediate.pem";
/// The PEM bundle for Vault's `pki/intermediate/set-signed`: intermediate, then root.
pub const CHAIN_FILE: &str = "intermediate-chain.pem";
/// How the out-of-band CSR hash was given (the transcript's `csr-checked.hash_source`).
pub use crate::transcript::event::HashSource;

/// Compares the CSR's hash with the one delivered out of band.
pub fn check_out_of_band(csr: &Csr, given: &[u8; 32], origin: &str) -> Result<()> {
    if csr.sha256 != *given {
        return Err(Error::verification(format!(
            "{origin}: SHA-256 {} does not match the hash delivered out of band {}: this is not the CSR that was sent",
            hex::encode(csr.sha256),
            hex::encode(given)
        ))
        .hint("stop: get the CSR again over a trusted path and compare the hash with the requester"));
    }
    Ok(())
}

/// Step 1's out-of-band check of the CSR at `csr` (parsed as `request`): against
/// `--csr-sha256` when given (`given`), else the CSR is shown and its hash is typed at
/// `console`. Returns how the hash was given; a failure here starts nothing.
pub fn out_of_band_hash(
    console: &mut dyn Console,
    csr: &Path,
    request: &Csr,
    given: Option<[u8; 32]>,
) -> Result<HashSource> {
    let csr_origin = format!("CSR {}", csr.display());
    // With --csr-sha256 the comparison is automatic and the confirmation summary shows the
    // CSR and its hash; without it, the CSR is shown before its hash is asked for.
    let (expected, hash_source) = match given {
        Some(h) => (h, HashSource::CommandLine),
        None => {
            console
                .out(
                    "the CSR summary",
                    &format!(
                        "CSR {}\n  Subject: {}\n  Key type: {}\n  SHA-256 of the CSR (DER):\n{}",
                        csr.display(),
                        request.subject_text,
                        request.key_type,
                        hash_display(&request.sha256)
                    ),
                )
                .map_err(nothing_started)?;
            let typed = console.ask_line(
                &Question::CsrSha256,
                "Type the CSR's SHA-256 as delivered out of band (64 hex digits): ",
            )?;
            (
                parse_sha256(&typed, "the typed CSR hash")?,
                HashSource::Typed,
            )
        }
    };
    check_out_of_band(request, &expected, &csr_origin)?;
    if hash_source == HashSource::Typed {
        console
            .out(
                "the CSR hash check",
                "The CSR's SHA-256 matches the hash delivered out of band.\n",
            )
            .map_err(nothing_started)?;
    }
    Ok(hash_source)
}

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
        hex::encode(draft.spki_sha256)
    ));
    s.push_str(&format!(
        "  Serial:         {}\n",
        hex::encode(&draft.serial)
    ));
    s.push_str(&format!(
        "  Valid:          {} to {} ({} + {} days overlap)\n",
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
            p.serial, p.not_after, p.overlap_days
        ));
        for w in &p.warnings {
            s.push_str(&format!("  WARNING: {w}\n"));
        }
    }
    s.push_str(&format!(
        "  TBS SHA-256:    {}\n  Confirmation code: {}\n",
        hex::encode(draft.tbs_sha256),
        intermediate::short_code(&draft.tbs_sha256)
    ));
    s
}

/// The rotation ceremony (see the module documentation). `prepared` is what
/// [`prepare_intermediate`] returned for `job`: the draft recorded, shown, confirmed and signed
/// is that one, prepared once. `out` must have been prepared with
/// [`super::outdir::prepare_out_dir`]; `rec` writes its transcript there.
pub fn sign_intermediate(
    job: &IntermediateJob<'_>,
    prepared: (Draft, Option<PreviousCheck>),
    console: &mut dyn Console,
    sources: Vec<Source>,
    out: &Path,
    rec: &mut Recorder,
) -> Result<IntermediateReport> {
    let inputs = intermediate_inputs(job);
    writes(&inputs, &[INTERMEDIATE_FILE, CHAIN_FILE])?;
    copy_inputs(out, &inputs)?;
    record_context(job.ctx, rec)?;
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
    let (draft, previous) = prepared;
    if let (Some((f, _)), Some(p)) = (job.previous, &previous) {
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
    )?;
    let summary = intermediate_summary(job, &draft, previous.as_ref());
    let (confirmations, key, quorum) =
        confirm_then_rebuild(job.ctx, console, &summary, &draft.tbs_sha256, sources, rec)?;
    let signature = key.sign(&draft.tbs_der);
    let der = intermediate::assemble(&draft, &signature, &job.ctx.root)?;
    let certificate_sha256: [u8; 32] = Sha256::digest(&der).into();
    rec.record(
        &[TOOL_ACTOR],
        event::CertificateIssued {
            certificate_sha256: hex::encode(certificate_sha256),
            serial: hex::encode(&draft.serial),
            tbs_sha256: hex::encode(draft.tbs_sha256),
        },
    )?;
    let pem = intermediate::to_pem(&der)?;
    let chain = format!("{pem}{}", intermediate::to_pem(&job.ctx.root.der)?);
    write_and_seal(
        out,
        &[
            (INTERMEDIATE_FILE, pem.as_bytes()),
            (CHAIN_FILE, chain.as_bytes()),
        ],
        key,
        rec,
    )?;
    Ok(IntermediateReport {
        draft,
        previous,
        confirmations,
        quorum,
        certificate_sha256,
    })
}

/// `rootkey intermediate sign` (see its `--help`): checks everything public before any share
/// is asked for, then runs [`sign_intermediate`] and shows its summary. Returns the exit code.
#[allow(clippy::too_many_arguments)]
pub fn run(
    csr: PathBuf,
    csr_sha256: Option<String>,
    profile: PathBuf,
    root: PathBuf,
    manifest: PathBuf,
    out: PathBuf,
    previous: Option<PathBuf>,
    not_before: Option<String>,
    quorum: QuorumArgs,
) -> Result<i32> {
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
    let mut console = confirmer(&quorum.confirm)?;
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
    let hash_source = out_of_band_hash(console.as_mut(), &csr, &request, given_hash)?;
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
    let sources = quorum_sources(&quorum, ctx.manifest.threshold)?;
    let mut rec = start_signing(
        &ctx,
        Kind::Rotation,
        &out,
        &writes,
        quorum.allow_unlocked_memory,
    )?;
    let r = transcript::recorded(&mut rec, |rec| {
        sign_intermediate(&job, prepared, console.as_mut(), sources, &out, rec)
    })?;
    after_seal(&out, || {
        if let Some(p) = &r.previous {
            for w in &p.warnings {
                console.warn(w)?;
            }
        }
        console.out(
            "the summary",
            &format!(
                "{}\nINTERMEDIATE SIGNED: {}\n  serial {}\n  valid {} to {}\n  certificate SHA-256 {}\n  confirmed by {}\n\
Written:\n  {}\n  {}  (for Vault: pki/intermediate/set-signed certificate=@{})\n  {}  (sealed by the root key)\n\
Check it:\n  openssl verify -CAfile {} {}\n  rootkey chain verify --root {} {}\n  rootkey transcript verify {} --root {} --artifacts {}\n",
                summary::combined(&r.quorum),
                r.draft.subject,
                hex::encode(&r.draft.serial),
                r.draft.not_before,
                r.draft.not_after,
                hex::encode(r.certificate_sha256),
                r.confirmations
                    .iter()
                    .map(|c| format!("\"{}\"", c.name))
                    .collect::<Vec<_>>()
                    .join(" and "),
                out.join(INTERMEDIATE_FILE).display(),
                out.join(CHAIN_FILE).display(),
                CHAIN_FILE,
                out.join(transcript::FILE_NAME).display(),
                out.join(&root_file.name).display(),
                out.join(INTERMEDIATE_FILE).display(),
                out.join(&root_file.name).display(),
                out.join(INTERMEDIATE_FILE).display(),
                out.join(transcript::FILE_NAME).display(),
                out.join(&root_file.name).display(),
                out.display(),
            ),
        )?;
        disagreement_exit(&r.quorum)
    })
}
