//! Signing ceremonies (docs/ceremony-guide.md, "Rotation" and "Revocation"): a quorum rebuilds
//! the root key to sign one intermediate CA certificate (`rootkey intermediate sign`, transcript
//! kind `rotation`) or one CRL (`rootkey crl sign`, kind `crl`).
//!
//! The steps, each recorded before the next starts:
//! 1. the public context (root.pem, manifest.json) and the request (CSR and its out-of-band
//!    hash, or the previous CRL and the revocations) are checked — no share is asked for yet;
//! 2. the exact to-be-signed bytes are laid out from public facts and shown;
//! 3. two distinct people confirm them ([`Confirm`]);
//! 4. the holders present their shares; the key is rebuilt in locked memory and checked
//!    against root.pem ([`ceremony::rebuild_quorum`]);
//! 5. the key signs the confirmed bytes; the result is parsed back and must carry those bytes
//!    and verify under root.pem;
//! 6. the files are written, the transcript is sealed by the key, and the key is wiped.

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::time::SystemTime;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::ceremony::{self, CombineReport, Context};
use crate::cert::crl::{self, CrlDraft, CrlParams, ParsedCrl, Revocation};
use crate::cert::csr::Csr;
use crate::cert::intermediate::{self, Draft, PreviousCheck, Request};
use crate::cert::profile::{IntermediateProfile, extension_name};
use crate::encoding::hexfmt::hash_display;
use crate::encoding::names::base_name;
use crate::encoding::time::utc_string;
use crate::error::{Error, Result};
use crate::fsio;
use crate::key::RootKey;
use crate::share::input::Source;
use crate::transcript::{Recorder, TOOL_ACTOR};

/// File names a rotation writes into its output directory (besides the transcript and copies
/// of its inputs).
pub const INTERMEDIATE_FILE: &str = "intermediate.pem";
/// The PEM bundle for Vault's `pki/intermediate/set-signed`: intermediate, then root.
pub const CHAIN_FILE: &str = "intermediate-chain.pem";
/// The CRL, DER (what a cRLDistributionPoints URL serves).
pub const CRL_FILE: &str = "root.crl";
/// The CRL, PEM.
pub const CRL_PEM_FILE: &str = "root.crl.pem";

/// How a confirmation was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Typed the short code at the terminal.
    TypedCode,
    /// Named with `--confirm` (scripted run).
    CommandLine,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::TypedCode => "typed-code",
            Method::CommandLine => "command-line",
        }
    }
}

/// One person's confirmation.
#[derive(Clone, Debug)]
pub struct Confirmation {
    /// Their name.
    pub name: String,
    /// How they confirmed.
    pub method: Method,
}

/// The two-person rule: shows what will be signed and returns who confirmed it.
pub trait Confirm {
    /// Shows `summary` and collects two confirmations of `tbs_sha256`.
    fn confirm(&mut self, summary: &str, tbs_sha256: &[u8; 32]) -> Result<Vec<Confirmation>>;
}

/// Checks a name given for a confirmation.
pub fn check_confirmer_name(name: &str) -> Result<()> {
    if name.trim().is_empty()
        || name.chars().count() > 200
        || name.chars().any(crate::error::is_unsafe_char)
    {
        return Err(Error::operator(format!(
            "confirmer name {:?} must be 1 to 200 characters without control characters",
            crate::error::replace_unsafe(name, '?')
        )));
    }
    Ok(())
}

/// Two confirmations by distinct people (names compared trimmed, case-insensitively).
fn check_two(list: &[Confirmation]) -> Result<()> {
    if list.len() != 2 {
        return Err(Error::operator(format!(
            "{} confirmation(s) given; the two-person rule needs exactly two distinct people",
            list.len()
        ))
        .hint("name two people: --confirm \"First Person\" --confirm \"Second Person\""));
    }
    for c in list {
        check_confirmer_name(&c.name)?;
    }
    if list[0].name.trim().to_lowercase() == list[1].name.trim().to_lowercase() {
        return Err(Error::operator(format!(
            "\"{}\" cannot confirm twice: the two-person rule needs two distinct people",
            list[1].name.trim()
        )));
    }
    Ok(())
}

/// Scripted confirmations (`--confirm NAME` twice): the summary is printed on standard output,
/// the names are taken as given. If the summary cannot be printed nobody has seen what they
/// confirm: the ceremony stops (and its transcript records why) before any share is read.
pub struct ScriptedConfirm {
    /// The names.
    pub names: Vec<String>,
}

impl Confirm for ScriptedConfirm {
    fn confirm(&mut self, summary: &str, _tbs: &[u8; 32]) -> Result<Vec<Confirmation>> {
        crate::console::out("the confirmation summary", summary).map_err(|e| {
            let hint = e.hint.clone().unwrap_or_default();
            e.hint(format!(
                "nothing was signed and no share was read; {hint}, then run the ceremony again with a new --out directory"
            ))
        })?;
        let list: Vec<Confirmation> = self
            .names
            .iter()
            .map(|n| Confirmation {
                name: n.trim().to_string(),
                method: Method::CommandLine,
            })
            .collect();
        check_two(&list)?;
        Ok(list)
    }
}

/// Interactive confirmations at the controlling terminal: each person types their name and the
/// short code shown (a wrong code is asked for again, at most 3 times).
pub struct TerminalConfirm;

fn tty() -> Result<(std::io::BufReader<std::fs::File>, std::fs::File)> {
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            Error::operator(format!("cannot open the terminal /dev/tty: {e}"))
                .hint("run at a terminal, or give the names with --confirm NAME --confirm NAME")
        })?;
    let w = f
        .try_clone()
        .map_err(|e| Error::environment(format!("terminal: {e}")))?;
    Ok((std::io::BufReader::new(f), w))
}

/// Reads one visible line from the terminal (not for secrets).
pub fn read_visible_line(prompt: &str) -> Result<String> {
    let (mut r, mut w) = tty()?;
    w.write_all(prompt.as_bytes())
        .and_then(|_| w.flush())
        .map_err(|e| Error::environment(format!("terminal: {e}")))?;
    let mut line = String::new();
    let n = r
        .by_ref()
        .take(4096)
        .read_line(&mut line)
        .map_err(|e| Error::input(format!("terminal: {e}")))?;
    if n == 0 {
        return Err(Error::operator("input ended (Ctrl-D): cancelled"));
    }
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

impl Confirm for TerminalConfirm {
    fn confirm(&mut self, summary: &str, tbs: &[u8; 32]) -> Result<Vec<Confirmation>> {
        let (_, mut w) = tty()?;
        let code = intermediate::short_code(tbs);
        let text = format!(
            "{}\nTwo people must confirm. Each checks the summary above against the request, then types their name and the code {code}.\n",
            crate::error::clean_lines(summary)
        );
        w.write_all(text.as_bytes())
            .map_err(|e| Error::environment(format!("terminal: {e}")))?;
        let mut list: Vec<Confirmation> = Vec::new();
        for n in 1..=2 {
            let name = read_visible_line(&format!("confirmer {n} of 2, your name: "))?;
            let name = name.trim().to_string();
            check_confirmer_name(&name)?;
            if list
                .iter()
                .any(|c| c.name.to_lowercase() == name.to_lowercase())
            {
                return Err(Error::operator(format!(
                    "\"{name}\" already confirmed: the two-person rule needs two distinct people"
                )));
            }
            let mut ok = false;
            for attempt in 1..=3 {
                let typed = read_visible_line(&format!("{name}, type the code {code}: "))?;
                if intermediate::code_matches(&typed, tbs) {
                    ok = true;
                    break;
                }
                writeln!(w, "that is not the code shown (try {attempt} of 3)")
                    .map_err(|e| Error::environment(format!("terminal: {e}")))?;
            }
            if !ok {
                return Err(Error::operator(format!(
                    "{name} did not type the confirmation code: nothing was signed"
                )));
            }
            list.push(Confirmation {
                name,
                method: Method::TypedCode,
            });
        }
        check_two(&list)?;
        Ok(list)
    }
}

/// A file the ceremony read: its base name and the SHA-256 of its bytes.
#[derive(Clone, Debug)]
pub struct InputFile {
    /// The name recorded and given to the copy in the output directory: the base name (with a
    /// `previous-` prefix for the previous intermediate or CRL, set by the caller).
    pub name: String,
    /// The bytes as read.
    pub bytes: Vec<u8>,
}

impl InputFile {
    /// Reads a public input file (at most `max` bytes).
    pub fn read(path: &Path, max: u64, what: &str) -> Result<InputFile> {
        crate::transcript::check_recordable_name(path, what)?;
        let bytes = fsio::read_public(path, max, what)?;
        Ok(InputFile {
            name: base_name(path),
            bytes,
        })
    }
    fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.bytes))
    }
}

/// How the out-of-band CSR hash was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashSource {
    /// `--csr-sha256`.
    CommandLine,
    /// Typed at the prompt.
    Typed,
}

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
    pub not_before: SystemTime,
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

/// Writes the copies of the ceremony's inputs (one per name; [`writes`] has checked that equal
/// names mean equal bytes). Called before the first transcript entry that names any of them,
/// so that an interrupted ceremony never records a file its directory does not hold.
fn copy_inputs(out: &Path, files: &[&InputFile]) -> Result<()> {
    for (i, f) in files.iter().enumerate() {
        if !files[..i].iter().any(|g| g.name == f.name) {
            fsio::write_new(&out.join(&f.name), &f.bytes, fsio::PUBLIC_MODE)?;
        }
    }
    Ok(())
}

/// Every name a ceremony writes into its output directory: the copies of `inputs`, `outputs`
/// and the transcript. Refuses an input named like an output and two different inputs with
/// the same name, before anything is written.
fn writes(inputs: &[&InputFile], outputs: &[&str]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for (i, f) in inputs.iter().enumerate() {
        if outputs.contains(&f.name.as_str()) || f.name == crate::transcript::FILE_NAME {
            return Err(Error::operator(format!(
                "an input file is named {}, like a file this ceremony writes; rename it",
                f.name
            )));
        }
        if inputs[..i]
            .iter()
            .any(|g| g.name == f.name && g.bytes != f.bytes)
        {
            return Err(Error::operator(format!(
                "two different input files are both named {}; rename one",
                f.name
            )));
        }
        if !names.contains(&f.name) {
            names.push(f.name.clone());
        }
    }
    names.extend(outputs.iter().map(|o| o.to_string()));
    names.push(crate::transcript::FILE_NAME.to_string());
    Ok(names)
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
/// transcript), for [`fsio::prepare_out_dir`]; refuses clashing input names.
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

fn record_confirmations(rec: &mut Recorder, list: &[Confirmation], tbs: &[u8; 32]) -> Result<()> {
    for c in list {
        rec.record(
            &[&c.name],
            "confirmed",
            json!({
                "method": c.method.as_str(),
                "name": c.name,
                "tbs_sha256": hex::encode(tbs),
            }),
        )?;
    }
    Ok(())
}

/// Steps 3 and 4 of both ceremonies: shows `summary`, takes two confirmations of `tbs_sha256`
/// and records them, then rebuilds the key from the shares (recorded by
/// [`ceremony::rebuild_quorum`]).
fn confirm_then_rebuild(
    ctx: &Context,
    confirm: &mut dyn Confirm,
    summary: &str,
    tbs_sha256: &[u8; 32],
    sources: Vec<Source>,
    rec: &mut Recorder,
) -> Result<(Vec<Confirmation>, RootKey, CombineReport)> {
    let confirmations = confirm.confirm(summary, tbs_sha256)?;
    check_two(&confirmations)?;
    record_confirmations(rec, &confirmations, tbs_sha256)?;
    let (key, quorum) = ceremony::rebuild_quorum(ctx, sources, rec)?;
    Ok((confirmations, key, quorum))
}

/// Step 6 of both ceremonies: writes each issued file (recording `artifact-written`), seals the
/// transcript with the key and wipes it.
fn write_and_seal(
    out: &Path,
    files: &[(&str, &[u8])],
    key: RootKey,
    rec: &mut Recorder,
) -> Result<()> {
    for (file, bytes) in files {
        fsio::write_new(&out.join(file), bytes, fsio::PUBLIC_MODE)?;
        rec.record(
            &[TOOL_ACTOR],
            "artifact-written",
            json!({"file": file, "sha256": hex::encode(Sha256::digest(bytes))}),
        )?;
    }
    rec.seal(&key)?;
    drop(key);
    Ok(())
}

/// The rotation ceremony (see the module documentation). `out` must have been prepared with
/// [`fsio::prepare_out_dir`]; `rec` writes its transcript there.
pub fn sign_intermediate(
    job: &IntermediateJob<'_>,
    confirm: &mut dyn Confirm,
    sources: Vec<Source>,
    out: &Path,
    rec: &mut Recorder,
) -> Result<IntermediateReport> {
    let inputs = intermediate_inputs(job);
    writes(&inputs, &[INTERMEDIATE_FILE, CHAIN_FILE])?;
    copy_inputs(out, &inputs)?;
    ceremony::record_context(job.ctx, rec)?;
    rec.record(
        &[TOOL_ACTOR],
        "csr-checked",
        json!({
            "csr_sha256": hex::encode(job.csr.sha256),
            "file": job.csr_file.name,
            "hash_source": match job.hash_source {
                HashSource::CommandLine => "command-line",
                HashSource::Typed => "typed",
            },
            "key_type": job.csr.key_type.to_string(),
            "profile": {
                "file": job.profile_file,
                "name": job.profile.name,
                "sha256": hex::encode(job.profile.sha256),
            },
            "requested_extensions": job.csr.extensions.iter().map(|e| extension_name(&e.extn_id)).collect::<Vec<_>>(),
            "sha256": job.csr_file.sha256(),
            "spki_sha256": hex::encode(Sha256::digest(&job.csr.spki_der)),
            "subject": job.csr.subject_text,
        }),
    )?;
    let (draft, previous) = prepare_intermediate(job)?;
    if let (Some((f, _)), Some(p)) = (job.previous, &previous) {
        rec.record(
            &[TOOL_ACTOR],
            "previous-checked",
            json!({
                "file": f.name,
                "not_after": p.not_after,
                "overlap_days": p.overlap_days,
                "serial": p.serial,
                "sha256": f.sha256(),
                "warnings": p.warnings,
            }),
        )?;
    }
    rec.record(
        &[TOOL_ACTOR],
        "certificate-prepared",
        json!({
            "issuer": draft.issuer,
            "not_after": draft.not_after,
            "not_before": draft.not_before,
            "serial": hex::encode(&draft.serial),
            "spki_sha256": hex::encode(draft.spki_sha256),
            "subject": draft.subject,
            "tbs_sha256": hex::encode(draft.tbs_sha256),
        }),
    )?;
    let summary = intermediate_summary(job, &draft, previous.as_ref());
    let (confirmations, key, quorum) =
        confirm_then_rebuild(job.ctx, confirm, &summary, &draft.tbs_sha256, sources, rec)?;
    let signature = key.sign(&draft.tbs_der);
    let der = intermediate::assemble(&draft, &signature, &job.ctx.root)?;
    let certificate_sha256: [u8; 32] = Sha256::digest(&der).into();
    rec.record(
        &[TOOL_ACTOR],
        "certificate-issued",
        json!({
            "certificate_sha256": hex::encode(certificate_sha256),
            "serial": hex::encode(&draft.serial),
            "tbs_sha256": hex::encode(draft.tbs_sha256),
        }),
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
    pub this_update: SystemTime,
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
/// transcript), for [`fsio::prepare_out_dir`]; refuses clashing input names.
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
    s.push_str(&format!("  CRL number:   {}\n", hex::encode(&d.number)));
    s.push_str(&format!(
        "  thisUpdate:   {}\n  nextUpdate:   {}\n",
        utc_string(d.this_update),
        utc_string(d.next_update)
    ));
    match job.previous {
        Some((f, p)) => s.push_str(&format!(
            "  Previous CRL: {} (number {}), {} entr{} carried forward\n",
            f.name,
            hex::encode(&p.number),
            d.carried_forward,
            if d.carried_forward == 1 { "y" } else { "ies" }
        )),
        None => s.push_str("  Previous CRL: none (this is the first CRL)\n"),
    }
    s.push_str(&format!("  Revoked certificates ({}):\n", d.revoked.len()));
    for (i, r) in d.revoked.iter().enumerate() {
        s.push_str(&format!(
            "    serial {}  revoked {}  reason {}{}\n",
            hex::encode(&r.serial),
            utc_string(r.revoked_at),
            r.reason.map(|x| x.as_str()).unwrap_or("(none)"),
            if i < d.carried_forward { "" } else { "  NEW" }
        ));
    }
    s.push_str(&format!(
        "  TBS SHA-256:  {}\n  Confirmation code: {}\n",
        hex::encode(d.tbs_sha256),
        intermediate::short_code(&d.tbs_sha256)
    ));
    s
}

/// The CRL ceremony (see the module documentation).
pub fn sign_crl(
    job: &CrlJob<'_>,
    confirm: &mut dyn Confirm,
    sources: Vec<Source>,
    out: &Path,
    rec: &mut Recorder,
) -> Result<CrlReport> {
    let inputs = crl_inputs(job);
    writes(&inputs, &[CRL_FILE, CRL_PEM_FILE])?;
    copy_inputs(out, &inputs)?;
    ceremony::record_context(job.ctx, rec)?;
    if let Some((f, p)) = job.previous {
        rec.record(
            &[TOOL_ACTOR],
            "previous-crl-checked",
            json!({
                "crl_number": hex::encode(&p.number),
                "file": f.name,
                "sha256": f.sha256(),
                "this_update": utc_string(p.this_update),
            }),
        )?;
    }
    let draft = prepare_crl(job)?;
    // The list by count and digest (and in full while short): any CRL fits one entry.
    let mut details = crate::transcript::crl_list::members(crate::transcript::crl_list::list(
        draft.revoked.iter().map(|r| {
            (
                r.reason.map(|x| x.as_str().to_string()),
                hex::encode(&r.serial),
            )
        }),
    ))?;
    details.extend(
        json!({
            "carried_forward": draft.carried_forward,
            "crl_number": hex::encode(&draft.number),
            "next_update": utc_string(draft.next_update),
            "tbs_sha256": hex::encode(draft.tbs_sha256),
            "this_update": utc_string(draft.this_update),
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    rec.record(&[TOOL_ACTOR], "crl-prepared", Value::Object(details))?;
    let summary = crl_summary(job, &draft);
    let (confirmations, key, quorum) =
        confirm_then_rebuild(job.ctx, confirm, &summary, &draft.tbs_sha256, sources, rec)?;
    let signature = key.sign(&draft.tbs_der);
    let der = crl::assemble(&draft, &signature, &job.ctx.root)?;
    let crl_sha256: [u8; 32] = Sha256::digest(&der).into();
    rec.record(
        &[TOOL_ACTOR],
        "crl-issued",
        json!({
            "crl_number": hex::encode(&draft.number),
            "crl_sha256": hex::encode(crl_sha256),
            "tbs_sha256": hex::encode(draft.tbs_sha256),
        }),
    )?;
    let pem = crl::to_pem(&der)?;
    write_and_seal(
        out,
        &[(CRL_FILE, der.as_slice()), (CRL_PEM_FILE, pem.as_bytes())],
        key,
        rec,
    )?;
    Ok(CrlReport {
        draft,
        confirmations,
        quorum,
        crl_sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_distinct_names() {
        let two = |a: &str, b: &str| {
            check_two(&[
                Confirmation {
                    name: a.into(),
                    method: Method::CommandLine,
                },
                Confirmation {
                    name: b.into(),
                    method: Method::CommandLine,
                },
            ])
        };
        assert!(two("Ann", "Bob").is_ok());
        let e = two("Ann", " ann ").unwrap_err();
        assert!(e.message.contains("two distinct people"), "{}", e.message);
        assert!(two("Ann", "").is_err());
        let e = check_two(&[Confirmation {
            name: "Ann".into(),
            method: Method::CommandLine,
        }])
        .unwrap_err();
        assert!(e.message.contains("1 confirmation"), "{}", e.message);
    }
}
