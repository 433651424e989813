//! The files of a generation ceremony: built in memory from the key and the share points
//! ([`build_outputs`]), then written — shares first (0600), or sent to a printer — then root.pem
//! and manifest.json ([`write_outputs`]).

use std::path::Path;

use sha2::{Digest, Sha256};

use super::flow::{Flow, Run};
use super::steps;
use crate::cert::{self, RootCert, RootProfile};
use crate::console::Terminal;
use crate::encoding::hexfmt::fingerprint_display;
use crate::encoding::time::UtcTime;
use crate::error::{Error, Kind, Result};
use crate::fsio;
use crate::key::RootKey;
use crate::manifest::{self, CeremonyInfo, Manifest, RootInfo, ShareEntry};
use crate::plan::{Medium, Plan};
use crate::secret::{self, SecretBytes};
use crate::shamir::SharePoint;
use crate::share::text;
use crate::share::{Envelope, ShareHeader};
use crate::transcript::{Recorder, TOOL_ACTOR, event};

fn one_line(s: &str) -> String {
    crate::error::replace_unsafe(s, ' ')
}

/// Everything a generation ceremony writes, still in memory.
pub struct Outputs {
    /// root.pem contents.
    pub root_pem: String,
    /// The signed manifest.
    pub manifest: Manifest,
    /// Per share: file name and file contents (secret): the text form, or a paper shard PDF.
    pub shares: Vec<(String, SecretBytes)>,
    /// Per paper share: its index and compact form (what its QR code holds; secret), so a
    /// rehearsal can read the printed code back.
    pub paper_qr: Vec<(u8, SecretBytes)>,
}

/// Inputs of [`build_outputs`] that are not secret.
pub struct BuildParams<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The root profile.
    pub profile: &'a RootProfile,
    /// Ceremony id.
    pub ceremony_id: [u8; 16],
    /// Ceremony time.
    pub now: UtcTime,
    /// Whether all secret memory was locked.
    pub memory_locked: bool,
    /// Layout and paper size of paper shards.
    pub paper: &'a crate::paper::PaperLayout,
    /// Paper size of paper shards.
    pub paper_size: crate::pdfdoc::PaperSize,
}

/// Low-level: builds the root certificate, envelopes, share files and signed manifest from a
/// key and already-split share points. [`super::generate()`] is the checked entry point; this is public
/// for test vectors and tests that need a manifest signed over deliberately wrong shares.
pub fn build_outputs(key: &RootKey, points: &[SharePoint], p: &BuildParams<'_>) -> Result<Outputs> {
    let _scrub = secret::ScrubOnDrop;
    let plan = p.plan;
    let rehearsal = plan.ceremony.rehearsal;
    let root_pem = cert::build_root(key, p.profile, rehearsal, p.now)?;
    let root = RootCert::from_pem(root_pem.as_bytes(), "generated root certificate")?;
    if root.public_key_bytes() != key.public_key_bytes() {
        return Err(Error::new(
            Kind::SelfCheck,
            "self-check failed: the root certificate does not carry the generated key",
        ));
    }
    let created = p.now.to_string();
    let (k, n) = (plan.quorum.threshold, plan.quorum.shares);
    let mut entries = Vec::new();
    let mut shares = Vec::new();
    let mut paper_qr = Vec::new();
    for (pt, holder) in points.iter().zip(&plan.holders) {
        let header = ShareHeader {
            rehearsal,
            ceremony_id: p.ceremony_id,
            root_fingerprint: root.fingerprint[..16].try_into().unwrap_or([0; 16]),
            k,
            n,
            index: pt.x,
        };
        let env = Envelope::new(&header, pt.y.as_slice())?;
        let body = text::encode_file_form(&env)?;
        // Self-check: the text form decodes to the same envelope.
        let back = text::parse(body.as_slice())?;
        if !back.envelope.ct_eq(&env) {
            return Err(Error::new(
                Kind::SelfCheck,
                "self-check failed: a share's text form does not decode to its envelope",
            ));
        }
        let mut comment = format!(
            "# ROOTKEY SHARE {} OF {} — threshold {} (any {} shares rebuild the root key)\n",
            pt.x, n, k, k
        );
        if rehearsal {
            comment.push_str("# REHEARSAL — NOT A REAL SHARE\n");
        }
        comment.push_str(&format!(
            "# Holder: {} ({})\n# Ceremony: {}, id {}, {}\n# Root key: {}\n\
             # Keep secret: never copy, photograph or send. Lines starting with # are ignored.\n",
            one_line(&holder.name),
            one_line(&holder.role),
            one_line(&plan.ceremony.name),
            hex::encode(p.ceremony_id),
            created,
            fingerprint_display(&root.fingerprint),
        ));
        let name = share_file_name(pt.x, holder);
        let (name, file) = match holder.medium {
            Medium::Text => {
                let mut file = SecretBytes::zeroed(comment.len() + body.len())?;
                file.as_mut_slice()[..comment.len()].copy_from_slice(comment.as_bytes());
                file.as_mut_slice()[comment.len()..].copy_from_slice(body.as_slice());
                (name, file)
            }
            Medium::Paper => {
                let info = crate::paper::ShardInfo {
                    index: pt.x,
                    n,
                    threshold: k,
                    holder: holder.name.clone(),
                    role: holder.role.clone(),
                    ceremony_name: plan.ceremony.name.clone(),
                    ceremony_id: hex::encode(p.ceremony_id),
                    created: created.clone(),
                    root_fingerprint: root.fingerprint,
                    rehearsal,
                };
                let layout = p.paper.for_plan(plan);
                let pdf = crate::paper::shard_pdf(&info, &env, &layout, p.paper_size)?;
                paper_qr.push((pt.x, text::encode_compact(&env)?));
                (name, pdf)
            }
            Medium::Pkcs11 | Medium::Yubikey => {
                // The envelope itself: the `write-token` step seals it to the token.
                let mut bytes = SecretBytes::zeroed(env.as_bytes().len())?;
                bytes.as_mut_slice().copy_from_slice(env.as_bytes());
                (name, bytes)
            }
        };
        entries.push(ShareEntry {
            index: pt.x,
            holder: holder.name.clone(),
            role: holder.role.clone(),
            medium: holder.medium,
            envelope_sha256: hex::encode(env.digest()),
            token: None,
        });
        shares.push((name, file));
    }
    let mut manifest = Manifest {
        format: manifest::FORMAT.to_string(),
        ceremony: CeremonyInfo {
            id: hex::encode(p.ceremony_id),
            name: plan.ceremony.name.clone(),
            created,
            rehearsal,
            memory_locked: p.memory_locked,
            plan_sha256: hex::encode(plan.sha256),
        },
        root: RootInfo {
            public_key: hex::encode(root.public_key_bytes()),
            fingerprint: hex::encode(root.fingerprint),
            certificate_sha256: hex::encode(Sha256::digest(&root.der)),
        },
        threshold: k,
        shares_total: n,
        shares: entries,
        signature: String::new(),
    };
    manifest.sign(key)?;
    // With token holders the manifest is complete (and signed and verified again) only once
    // their `write-token` steps have filled in the `token` objects (`write_files`).
    if !plan.holders.iter().any(|h| h.medium.is_token()) {
        manifest.verify(&root, "generated manifest")?;
    }
    Ok(Outputs {
        root_pem,
        manifest,
        shares,
        paper_qr,
    })
}

/// The refusal for a token medium: the formats define it (`docs/formats.md`, "Ceremony plan",
/// "Share manifest v1", "Token payload v1") but generation does not write token shares yet.
pub fn token_media_not_written(index: u8, holder: &crate::plan::Holder) -> Error {
    Error::new(
        Kind::Plan,
        format!(
            "holder {index} ({:?}): medium = \"{}\" is not written by this version of rootkey generate yet",
            holder.name, holder.medium
        ),
    )
    .hint("put the holder on medium = \"text\" or \"paper\" for now")
}

/// The file name of share `index`, held by `holder`: `share-NN-SLUG.txt` or `.pdf`.
fn share_file_name(index: u8, holder: &crate::plan::Holder) -> String {
    let ext = match holder.medium {
        Medium::Text => "txt",
        Medium::Paper => "pdf",
        Medium::Pkcs11 | Medium::Yubikey => "token",
    };
    format!("share-{index:02}-{}.{ext}", fsio::slug(&holder.name))
}

/// Every file a generation (or rehearsal) from `plan` writes into its output directory, for
/// [`super::outdir::prepare_out_dir`]: the shares (index `i` for the `i`-th holder), root.pem,
/// manifest.json and the transcript.
pub fn generation_writes(plan: &Plan) -> Vec<String> {
    let mut names: Vec<String> = (1..=u8::MAX)
        .zip(&plan.holders)
        .map(|(i, h)| share_file_name(i, h))
        .collect();
    names.extend(["root.pem", "manifest.json", crate::transcript::FILE_NAME].map(String::from));
    names
}

/// Writes shares (0600) first — or, with a printer, sends paper shards to it through `lp`
/// without writing them — then root.pem, then manifest.json (the completion marker), recording
/// each in the transcript once it is done. Returns the shares printed. The caller has written
/// the header and the generation's entries up to `certificate-signed` in `rec`; the steps are
/// those of [`steps::generation`] from `receive-share` to `write-manifest`.
pub fn write_outputs(
    out: &Path,
    o: &Outputs,
    rec: &mut Recorder,
    printer: Option<&str>,
) -> Result<Vec<(u8, String)>> {
    let n = u8::try_from(o.shares.len()).unwrap_or(u8::MAX);
    let flow = Flow::resume_at(steps::generation(n, false), "receive-share")?;
    if o.manifest.shares.iter().any(|s| s.medium.is_token()) {
        return Err(Error::new(
            Kind::Internal,
            "internal: write_outputs writes no token shares (generation's write-token step does)",
        ));
    }
    let mut o = Outputs {
        root_pem: o.root_pem.clone(),
        manifest: o.manifest.clone(),
        shares: o
            .shares
            .iter()
            .map(|(n, b)| Ok((n.clone(), copy_secret(b)?)))
            .collect::<Result<_>>()?,
        paper_qr: Vec::new(),
    };
    write_files(
        &mut Run::new(flow, &mut Terminal, rec),
        out,
        &mut o,
        printer,
        None,
    )
}

/// A copy of `b` in locked memory.
fn copy_secret(b: &SecretBytes) -> Result<SecretBytes> {
    let mut c = SecretBytes::zeroed(b.len())?;
    c.as_mut_slice().copy_from_slice(b.as_slice());
    Ok(c)
}

/// What the `write-token` steps need: the plan's holders (their tokens) and the root key that
/// signs the manifest again once the token entries are in.
pub(super) struct Tokens<'a> {
    pub(super) plan: &'a Plan,
    pub(super) key: &'a RootKey,
    pub(super) piv_root: Option<&'a crate::token::piv::AttestationRoot>,
}

/// [`write_outputs`] in a generation's run: steps `write-token` (each token holder's, just
/// before their share), `receive-share` (each), `write-root-pem`, `write-manifest`. A token
/// holder's manifest entry gets its `token` object there, so the manifest is signed again with
/// `key` before it is written (token media need it).
pub(super) fn write_files(
    run: &mut Run<'_>,
    out: &Path,
    o: &mut Outputs,
    printer: Option<&str>,
    tokens: Option<Tokens<'_>>,
) -> Result<Vec<(u8, String)>> {
    let mut written: Vec<String> = Vec::new();
    let mut printed = Vec::new();
    // The hint names every secret file on disk at the time of the failure: the shares written,
    // the current one if it was linked into place, and a temporary copy that could not be
    // removed.
    // A share file on disk gets the hint every failed generation gives (SECRET, and how to
    // wipe it: `outdir::name_secret_leftovers`), in place of the write's own hint.
    let fail = |e: Error, written: &[String]| {
        if !super::outdir::secret_leftovers(out).is_empty() {
            super::outdir::name_secret_leftovers(out, Error { hint: None, ..e })
        } else if written.is_empty() {
            e
        } else {
            e.hint(format!(
                "the ceremony is incomplete; already done: {} — wipe them and run again in a new directory",
                written.join(", ")
            ))
        }
    };
    let ceremony_id = o.manifest.ceremony_id();
    let mut root_fingerprint = [0u8; 32];
    hex::decode_to_slice(&o.manifest.root.fingerprint, &mut root_fingerprint)
        .map_err(|_| Error::new(Kind::SelfCheck, "self-check failed: the root fingerprint"))?;
    for (i, (name, body)) in o.shares.iter().enumerate() {
        if o.manifest.shares[i].medium.is_token() {
            let Some(holder) = tokens.as_ref().and_then(|t| t.plan.holders.get(i)) else {
                return Err(Error::new(
                    Kind::Internal,
                    "internal: a token share without the plan's token",
                ));
            };
            let envelope = Envelope::from_bytes(copy_secret(body)?)?;
            let token = super::token_stage::write_token(
                run,
                &super::token_stage::TokenJob {
                    index: o.manifest.shares[i].index,
                    holder,
                    envelope: &envelope,
                    ceremony_id,
                    root_fingerprint,
                    out,
                    file: name,
                    rehearsal: tokens.as_ref().is_some_and(|t| t.plan.ceremony.rehearsal),
                    piv_root: tokens.as_ref().and_then(|t| t.piv_root),
                },
            )
            .map_err(|e| fail(e, &written))?;
            written.push(name.clone());
            o.manifest.shares[i].token = Some(token);
        }
        let entry = &o.manifest.shares[i];
        run.enter("receive-share").map_err(|e| fail(e, &written))?;
        let file = match printer.filter(|_| entry.medium == Medium::Paper) {
            Some(dest) => {
                print_pdf(dest, body, entry.index).map_err(|e| fail(e, &written))?;
                written.push(format!("share {} printed", entry.index));
                printed.push((entry.index, entry.holder.clone()));
                "-".to_string()
            }
            None if entry.medium.is_token() => name.clone(),
            None => {
                fsio::write_new(&out.join(name), body.as_slice(), fsio::SECRET_MODE)
                    .map_err(|e| fail(e, &written))?;
                written.push(name.clone());
                name.clone()
            }
        };
        let rec = run.entry();
        rec.record(
            &[TOOL_ACTOR, &entry.holder],
            event::ShareWritten {
                envelope_sha256: entry.envelope_sha256.clone(),
                file,
                holder: entry.holder.clone(),
                index: entry.index,
                medium: entry.medium,
                role: entry.role.clone(),
            },
        )
        .map_err(|e| fail(e, &written))?;
    }
    if o.manifest.shares.iter().any(|s| s.token.is_some()) {
        let key = tokens.as_ref().map(|t| t.key).ok_or_else(|| {
            Error::new(
                Kind::Internal,
                "internal: token shares written without the root key",
            )
        })?;
        o.manifest.sign(key).map_err(|e| fail(e, &written))?;
        let root = RootCert::from_pem(o.root_pem.as_bytes(), "generated root certificate")?;
        o.manifest
            .verify(&root, "generated manifest")
            .map_err(|e| fail(e, &written))?;
    }
    let json = o.manifest.to_json().map_err(|e| fail(e, &written))?;
    for (step, name, bytes) in [
        ("write-root-pem", "root.pem", o.root_pem.as_bytes()),
        ("write-manifest", "manifest.json", json.as_bytes()),
    ] {
        run.enter(step).map_err(|e| fail(e, &written))?;
        fsio::write_new(&out.join(name), bytes, fsio::PUBLIC_MODE)
            .map_err(|e| fail(e, &written))?;
        written.push(name.into());
        let rec = run.entry();
        rec.record(
            &[TOOL_ACTOR],
            event::ArtifactWritten {
                file: name.into(),
                sha256: hex::encode(Sha256::digest(bytes)),
            },
        )
        .map_err(|e| fail(e, &written))?;
    }
    Ok(printed)
}

/// Sends a PDF to `lp -d DEST` through its standard input (no file is written) and waits for
/// `lp` to accept the job.
fn print_pdf(dest: &str, pdf: &SecretBytes, index: u8) -> Result<()> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let what = format!("printing paper shard {index} with `lp -d {dest}`");
    let mut child = Command::new("lp")
        .args(["-d", dest, "-n", "1", "-t", &format!("rootkey share {index}"), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::new(Kind::Printer, format!("{what}: cannot run lp: {e}"))
                .hint("install the CUPS client (lp) on the ceremony machine, or write the shards to a RAM-backed directory")
        })?;
    // The pipe is closed (stdin dropped) before waiting. If `lp` exits without reading it all
    // (a wrong printer name), the write fails with a broken pipe; `lp`'s own reason is the
    // better message, so its exit status is looked at first.
    let sent = match child.stdin.take() {
        Some(mut stdin) => stdin.write_all(pdf.as_slice()),
        None => Ok(()),
    };
    let out = child
        .wait_with_output()
        .map_err(|e| Error::new(Kind::Printer, format!("{what}: {e}")))?;
    if out.status.success()
        && let Err(e) = sent
    {
        return Err(Error::new(
            Kind::Printer,
            format!(
                "{what}: the shard could not be sent to lp: {}",
                crate::console::io_reason(&e)
            ),
        )
        .hint("check the printer queue with `lpstat -o` and cancel a partial job"));
    }
    if !out.status.success() {
        return Err(Error::new(
            Kind::Printer,
            format!(
                "{what}: lp failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        )
        .hint("check the printer name with `lpstat -p`"));
    }
    Ok(())
}
