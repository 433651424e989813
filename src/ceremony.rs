//! The ceremonies: generation (`generate`, `rehearse`), checking one share alone, and
//! rebuilding the key from a quorum (`combine`). One library function per command.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::cert::{self, RootCert, RootProfile};
use crate::encoding::hexfmt::fingerprint_display;
use crate::encoding::names::base_name;
use crate::encoding::time::system_utc_string;
use crate::error::{Error, Result};
use crate::fsio;
use crate::key::{self, RootKey};
use crate::manifest::{self, CeremonyInfo, Manifest, RootInfo, ShareEntry};
use crate::plan::{Medium, Plan};
use crate::secret::{self, SecretBytes};
use crate::shamir::{self, SharePoint};
use crate::share::input::{self, ShareText, Source};
use crate::share::text::{self, Correction};
use crate::share::{Envelope, ShareHeader};
use crate::transcript::{HeaderInfo, Kind, Participant, Recorder, TOOL_ACTOR};
use serde_json::json;

/// Upper bound of the locked pages a generation ceremony with `n` shares holds at once (seed,
/// key, dice, and per share its point, envelope, text and compact forms and its file — a
/// paper shard PDF takes about four pages; plus working buffers).
pub fn locked_pages_needed(n: u8) -> usize {
    16 + 12 * n as usize
}

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
    pub now: SystemTime,
    /// Whether all secret memory was locked.
    pub memory_locked: bool,
    /// Layout and paper size of paper shards.
    pub paper: &'a crate::paper::PaperLayout,
    /// Paper size of paper shards.
    pub paper_size: crate::pdfdoc::PaperSize,
}

/// Low-level: builds the root certificate, envelopes, share files and signed manifest from a
/// key and already-split share points. [`generate`] is the checked entry point; this is public
/// for test vectors and tests that need a manifest signed over deliberately wrong shares.
pub fn build_outputs(key: &RootKey, points: &[SharePoint], p: &BuildParams<'_>) -> Result<Outputs> {
    let _scrub = secret::ScrubOnDrop;
    let plan = p.plan;
    let rehearsal = plan.ceremony.rehearsal;
    let root_pem = cert::build_root(key, p.profile, rehearsal, p.now)?;
    let root = RootCert::from_pem(root_pem.as_bytes(), "generated root certificate")?;
    if root.public_key_bytes() != key.public_key_bytes() {
        return Err(Error::environment(
            "self-check failed: the root certificate does not carry the generated key",
        ));
    }
    let created = system_utc_string(p.now)?;
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
            return Err(Error::environment(
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
                let pdf = crate::paper::shard_pdf(&info, &env, p.paper, p.paper_size)?;
                paper_qr.push((pt.x, text::encode_compact(&env)?));
                (name, pdf)
            }
        };
        entries.push(ShareEntry {
            index: pt.x,
            holder: holder.name.clone(),
            role: holder.role.clone(),
            medium: holder.medium.as_str().to_string(),
            envelope_sha256: hex::encode(env.digest()),
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
    manifest.verify(&root, "generated manifest")?;
    Ok(Outputs {
        root_pem,
        manifest,
        shares,
        paper_qr,
    })
}

/// What [`generate`] wrote.
#[derive(Debug)]
pub struct GenerateReport {
    /// Ceremony id, hex.
    pub ceremony_id: String,
    /// Root key fingerprint.
    pub fingerprint: [u8; 32],
    /// Root certificate subject.
    pub subject: String,
    /// Path of root.pem.
    pub root_path: PathBuf,
    /// Path of manifest.json.
    pub manifest_path: PathBuf,
    /// Path of the transcript (None for an in-memory transcript).
    pub transcript_path: Option<PathBuf>,
    /// Whether the root key sealed the transcript (generation; a rehearsal seals later).
    pub sealed: bool,
    /// Paper shards sent to a printer (index, holder).
    pub printed: Vec<(u8, String)>,
    /// Rehearsals only: each paper share's compact form, to read its QR code back.
    pub paper_qr: Vec<(u8, SecretBytes)>,
    /// (index, holder, path) per share.
    pub shares: Vec<(u8, String, PathBuf)>,
    /// k.
    pub threshold: u8,
    /// Number of k-subsets checked before writing.
    pub subsets_checked: usize,
    /// Rehearsal?
    pub rehearsal: bool,
    /// Whether all secret memory was locked.
    pub memory_locked: bool,
}

/// Options for [`generate`].
pub struct GenerateOptions<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The root certificate profile.
    pub profile: &'a RootProfile,
    /// Output directory (must not hold a ceremony).
    pub out: &'a Path,
    /// Normalised dice rolls to mix into the seed.
    pub dice: Option<&'a SecretBytes>,
    /// Layout of paper shards.
    pub paper: &'a crate::paper::PaperLayout,
    /// Paper size of paper shards.
    pub paper_size: crate::pdfdoc::PaperSize,
    /// Send paper shards to this `lp` destination instead of writing them.
    pub printer: Option<&'a str>,
}

/// The file name of share `index`, held by `holder`: `share-NN-SLUG.txt` or `.pdf`.
fn share_file_name(index: u8, holder: &crate::plan::Holder) -> String {
    let ext = match holder.medium {
        Medium::Text => "txt",
        Medium::Paper => "pdf",
    };
    format!("share-{index:02}-{}.{ext}", fsio::slug(&holder.name))
}

/// Every file a generation (or rehearsal) from `plan` writes into its output directory, for
/// [`fsio::prepare_out_dir`]: the shares (index `i` for the `i`-th holder), root.pem,
/// manifest.json and the transcript.
pub fn generation_writes(plan: &Plan) -> Vec<String> {
    let mut names: Vec<String> = (1..=u8::MAX)
        .zip(&plan.holders)
        .map(|(i, h)| share_file_name(i, h))
        .collect();
    names.extend(["root.pem", "manifest.json", crate::transcript::FILE_NAME].map(String::from));
    names
}

/// The generation ceremony: new seed → root key → k-of-n split checked on every k-subset →
/// root certificate → share files (0600) + root.pem + signed manifest.json, each step recorded
/// in `rec` as it happens. A generation transcript is sealed by the root key before the key is
/// wiped; in a rehearsal the key is wiped (and recorded so) for the rebuild that follows.
/// Nothing is written unless every check passed. The caller prepares `opts.out`
/// ([`fsio::prepare_out_dir`]) and creates the transcript there.
pub fn generate(opts: &GenerateOptions<'_>, rec: &mut Recorder) -> Result<GenerateReport> {
    let _scrub = secret::ScrubOnDrop;
    let plan = opts.plan;
    let now = SystemTime::now();
    let seed = key::generate_seed(opts.dice)?;
    let dice_rolls = opts.dice.map(|d| d.len()).unwrap_or(0);
    rec.record(
        &[TOOL_ACTOR],
        "entropy",
        json!({
            "dice_rolls": dice_rolls,
            "source": if opts.dice.is_some() { "os+dice" } else { "os" },
        }),
    )?;
    let key = RootKey::from_seed(&seed)?;
    let pk = key.public_key_bytes();
    rec.record(
        &[TOOL_ACTOR],
        "key-generated",
        json!({
            "fingerprint": hex::encode(cert::fingerprint(&pk)),
            "public_key": hex::encode(pk),
        }),
    )?;
    let ceremony_id = rec.ceremony_id();
    let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
    let (points, subsets_checked) =
        shamir::split(&seed, plan.quorum.threshold, plan.quorum.shares, &mut rng)?;
    drop(seed);
    rec.record(
        &[TOOL_ACTOR],
        "shares-split",
        json!({
            "shares": plan.quorum.shares,
            "subsets_checked": subsets_checked,
            "threshold": plan.quorum.threshold,
        }),
    )?;
    let memory_locked = !secret::unlocked_memory_used();
    let outputs = build_outputs(
        &key,
        &points,
        &BuildParams {
            plan,
            profile: opts.profile,
            ceremony_id,
            now,
            memory_locked,
            paper: opts.paper,
            paper_size: opts.paper_size,
        },
    )?;
    drop(points);
    let root = RootCert::from_pem(outputs.root_pem.as_bytes(), "root.pem")?;
    rec.record(
        &[TOOL_ACTOR],
        "certificate-signed",
        json!({
            "certificate_sha256": hex::encode(Sha256::digest(&root.der)),
            "fingerprint": hex::encode(root.fingerprint),
            "not_after": root.not_after,
            "not_before": root.not_before,
            "serial": root.serial_hex,
            "subject": root.subject,
        }),
    )?;
    let printed = write_outputs(opts.out, &outputs, rec, opts.printer)?;
    if rec.kind() == Kind::Generation {
        rec.seal(&key)?;
        drop(key);
    } else {
        drop(key);
        rec.record(&[TOOL_ACTOR], "key-wiped", json!({}))?;
    }
    Ok(GenerateReport {
        ceremony_id: outputs.manifest.ceremony.id.clone(),
        fingerprint: root.fingerprint,
        subject: root.subject,
        root_path: opts.out.join("root.pem"),
        manifest_path: opts.out.join("manifest.json"),
        transcript_path: rec.path().map(Path::to_path_buf),
        sealed: rec.kind() == Kind::Generation,
        printed,
        paper_qr: if plan.ceremony.rehearsal {
            outputs.paper_qr
        } else {
            Vec::new()
        },
        shares: outputs
            .manifest
            .shares
            .iter()
            .zip(&outputs.shares)
            .map(|(e, (name, _))| (e.index, e.holder.clone(), opts.out.join(name)))
            .collect(),
        threshold: plan.quorum.threshold,
        subsets_checked,
        rehearsal: plan.ceremony.rehearsal,
        memory_locked,
    })
}

/// Writes shares (0600) first — or, with a printer, sends paper shards to it through `lp`
/// without writing them — then root.pem, then manifest.json (the completion marker), recording
/// each in the transcript once it is done. Returns the shares printed.
pub fn write_outputs(
    out: &Path,
    o: &Outputs,
    rec: &mut Recorder,
    printer: Option<&str>,
) -> Result<Vec<(u8, String)>> {
    let mut written: Vec<String> = Vec::new();
    let mut printed = Vec::new();
    // The hint names every secret file on disk at the time of the failure: the shares written,
    // the current one if it was linked into place, and a temporary copy that could not be
    // removed.
    let fail = |e: Error, written: &[String]| {
        let secrets = fsio::secret_leftovers(out);
        if !secrets.is_empty() {
            e.hint(format!(
                "the ceremony is incomplete; {} in {} {} SECRET (shares of a key whose ceremony never completed): wipe them with {}, then run again in a new, empty directory",
                secrets.join(", "),
                out.display(),
                if secrets.len() == 1 { "is" } else { "are" },
                fsio::wipe_command(out, &secrets)
            ))
        } else if written.is_empty() {
            e
        } else {
            e.hint(format!(
                "the ceremony is incomplete; already done: {} — wipe them and run again in a new directory",
                written.join(", ")
            ))
        }
    };
    for ((name, body), entry) in o.shares.iter().zip(&o.manifest.shares) {
        let file = match printer.filter(|_| entry.medium == Medium::Paper.as_str()) {
            Some(dest) => {
                print_pdf(dest, body, entry.index).map_err(|e| fail(e, &written))?;
                written.push(format!("share {} printed", entry.index));
                printed.push((entry.index, entry.holder.clone()));
                "-".to_string()
            }
            None => {
                fsio::write_new(&out.join(name), body.as_slice(), fsio::SECRET_MODE)
                    .map_err(|e| fail(e, &written))?;
                written.push(name.clone());
                name.clone()
            }
        };
        rec.record(
            &[TOOL_ACTOR, &entry.holder],
            "share-written",
            json!({
                "envelope_sha256": entry.envelope_sha256,
                "file": file,
                "holder": entry.holder,
                "index": entry.index,
                "medium": entry.medium,
                "role": entry.role,
            }),
        )
        .map_err(|e| fail(e, &written))?;
    }
    let json = o.manifest.to_json().map_err(|e| fail(e, &written))?;
    for (name, bytes) in [
        ("root.pem", o.root_pem.as_bytes()),
        ("manifest.json", json.as_bytes()),
    ] {
        fsio::write_new(&out.join(name), bytes, fsio::PUBLIC_MODE)
            .map_err(|e| fail(e, &written))?;
        written.push(name.into());
        rec.record(
            &[TOOL_ACTOR],
            "artifact-written",
            json!({"file": name, "sha256": hex::encode(Sha256::digest(bytes))}),
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
            Error::environment(format!("{what}: cannot run lp: {e}"))
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
        .map_err(|e| Error::environment(format!("{what}: {e}")))?;
    if out.status.success()
        && let Err(e) = sent
    {
        return Err(Error::environment(format!(
            "{what}: the shard could not be sent to lp: {}",
            crate::console::io_reason(&e)
        ))
        .hint("check the printer queue with `lpstat -o` and cancel a partial job"));
    }
    if !out.status.success() {
        return Err(Error::environment(format!(
            "{what}: lp failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
        .hint("check the printer name with `lpstat -p`"));
    }
    Ok(())
}

/// The transcript header of a generation or rehearsal run from `plan` (`plan_file` is the
/// plan's file name as recorded).
pub fn plan_header(
    plan: &Plan,
    plan_file: &str,
    kind: Kind,
    ceremony_id: [u8; 16],
    preflight: serde_json::Value,
) -> HeaderInfo {
    let participants = crate::transcript::plan_participants(plan);
    HeaderInfo {
        ceremony_id,
        kind,
        name: plan.ceremony.name.clone(),
        rehearsal: plan.ceremony.rehearsal,
        plan: Some((plan_file.to_string(), plan.sha256)),
        quorum: (plan.quorum.threshold, plan.quorum.shares),
        participants,
        preflight,
    }
}

/// The transcript header of a ceremony run against `ctx` (`combine`, `intermediate sign`,
/// `crl sign`): no plan; the participants are the manifest's holders.
pub fn quorum_header(
    ctx: &Context,
    kind: Kind,
    ceremony_id: [u8; 16],
    preflight: serde_json::Value,
) -> HeaderInfo {
    let m = &ctx.manifest;
    HeaderInfo {
        ceremony_id,
        kind,
        name: m.ceremony.name.clone(),
        rehearsal: m.ceremony.rehearsal,
        plan: None,
        quorum: (m.threshold, m.shares_total),
        participants: m
            .shares
            .iter()
            .map(|s| Participant {
                name: s.holder.clone(),
                role: s.role.clone(),
                share: Some(s.index),
            })
            .collect(),
        preflight,
    }
}

/// True for a paper shard's name (`share-NN-SLUG.pdf`) or a temporary copy of one left by an
/// interrupted run (`.share-NN-SLUG.pdf.tmp-XXXX`).
fn is_shard_name(n: &str) -> bool {
    let shard = |s: &str| {
        s.strip_prefix("share-").is_some_and(|r| {
            r.len() > 3
                && r.as_bytes()[..2].iter().all(u8::is_ascii_digit)
                && r.as_bytes()[2] == b'-'
        })
    };
    (shard(n) && n.ends_with(".pdf"))
        || n.strip_prefix('.')
            .and_then(|r| r.split_once(".pdf.tmp-"))
            .is_some_and(|(base, _)| shard(base))
}

/// The paper shard files of a ceremony directory (`share-NN-*.pdf`, and temporary copies left
/// by an interrupted run), sorted. The directory must hold a ceremony (`manifest.json` or
/// `transcript.jsonl`), so that no other PDF is ever wiped; an error if there are none.
pub fn paper_shards(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.join("manifest.json").exists() && !dir.join(crate::transcript::FILE_NAME).exists() {
        return Err(Error::operator(format!(
            "{}: not a ceremony directory (no manifest.json or transcript.jsonl); nothing wiped",
            dir.display()
        )));
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::operator(format!("{}: cannot list: {e}", dir.display())))?;
    let mut shards: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| is_shard_name(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    shards.sort();
    if shards.is_empty() {
        return Err(Error::operator(format!(
            "{}: no paper shard files (share-NN-*.pdf) to wipe",
            dir.display()
        )));
    }
    Ok(shards)
}

/// Lays out a stand-in paper shard for every paper holder of `plan` (with the holder's real
/// name and role), so that a layout that cannot fit is refused before any key exists.
pub fn check_paper_layout(
    plan: &Plan,
    layout: &crate::paper::PaperLayout,
    size: crate::pdfdoc::PaperSize,
) -> Result<()> {
    let (k, n) = (plan.quorum.threshold, plan.quorum.shares);
    for (i, h) in plan.holders.iter().enumerate() {
        if h.medium != Medium::Paper {
            continue;
        }
        let index = i as u8 + 1;
        let header = ShareHeader {
            rehearsal: plan.ceremony.rehearsal,
            ceremony_id: [0; 16],
            root_fingerprint: [0; 16],
            k,
            n,
            index,
        };
        let env = Envelope::new(&header, &[0u8; 32])?;
        let info = crate::paper::ShardInfo {
            index,
            n,
            threshold: k,
            holder: h.name.clone(),
            role: h.role.clone(),
            ceremony_name: plan.ceremony.name.clone(),
            ceremony_id: hex::encode([0u8; 16]),
            created: "2000-01-01T00:00:00Z".into(),
            root_fingerprint: [0; 32],
            rehearsal: plan.ceremony.rehearsal,
        };
        crate::paper::shard_pdf(&info, &env, layout, size)
            .map_err(|e| e.context(format!("paper layout, holder {index} (\"{}\")", h.name)))?;
    }
    Ok(())
}

/// A new random ceremony id.
pub fn new_ceremony_id() -> Result<[u8; 16]> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id)
        .map_err(|e| Error::environment(format!("the OS random number generator failed: {e}")))?;
    Ok(id)
}

/// Largest root.pem read.
pub const MAX_ROOT_BYTES: u64 = 64 * 1024;
/// Largest manifest.json read.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// The verified public context of a ceremony: its root certificate and signed manifest.
pub struct Context {
    /// The root certificate.
    pub root: RootCert,
    /// The verified manifest.
    pub manifest: Manifest,
    /// root.pem's file name and SHA-256 of its bytes.
    pub root_file: (String, [u8; 32]),
    /// manifest.json's file name and SHA-256 of its bytes.
    pub manifest_file: (String, [u8; 32]),
}

impl Context {
    /// Loads root.pem and manifest.json (each read once) and verifies the manifest's signature.
    pub fn load(manifest: &Path, root: &Path) -> Result<Context> {
        let root_bytes = fsio::read_public(root, MAX_ROOT_BYTES, "root certificate")?;
        let m_bytes = fsio::read_public(manifest, MAX_MANIFEST_BYTES, "manifest")?;
        Context::from_bytes(&m_bytes, manifest, &root_bytes, root)
    }

    /// As [`Context::load`], from bytes already read (`manifest` and `root` name the files).
    pub fn from_bytes(
        m_bytes: &[u8],
        manifest: &Path,
        root_bytes: &[u8],
        root: &Path,
    ) -> Result<Context> {
        let root_cert =
            RootCert::from_pem(root_bytes, &format!("root certificate {}", root.display()))?;
        let m = Manifest::from_json(m_bytes, &manifest.display().to_string())?;
        m.verify(&root_cert, &manifest.display().to_string())?;
        Ok(Context {
            root: root_cert,
            manifest: m,
            root_file: (base_name(root), Sha256::digest(root_bytes).into()),
            manifest_file: (base_name(manifest), Sha256::digest(m_bytes).into()),
        })
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
    verify_share_text(input::read_file(path)?, ctx)
}

/// Verifies a share read from any source alone (see [`verify_share_file`]).
pub fn verify_share_text(st: ShareText, ctx: &Context) -> Result<VerifiedShare> {
    let _scrub = secret::ScrubOnDrop;
    let origin = st.origin;
    let decoded =
        text::parse(st.text.as_slice()).map_err(|e| e.context(format!("share {origin}")))?;
    drop(st.text);
    let h = decoded.envelope.header();
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
        .entry_for(&h, &decoded.envelope.digest())
        .map_err(|e| e.context(format!("share {}{holder}, {origin}", h.index)))?
        .clone();
    let mut corrections = st.corrections;
    corrections.extend(decoded.corrections);
    Ok(VerifiedShare {
        origin,
        file: st.file,
        entry,
        envelope: decoded.envelope,
        corrections,
    })
}

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

fn rebuild_matches(points: &[&SharePoint], k: u8, root: &RootCert) -> Result<bool> {
    Ok(rebuild(points, k)?.public_key_bytes() == root.public_key_bytes())
}

/// Rebuilds the root key from share files: each share is verified alone, then a k-subset that
/// rebuilds the key in root.pem is searched for; remaining shares are checked against it. Each
/// step is recorded in `rec`, which the rebuilt key seals before it is wiped; nothing secret is
/// printed or written.
pub fn combine(ctx: &Context, sources: Vec<Source>, rec: &mut Recorder) -> Result<CombineReport> {
    record_context(ctx, rec)?;
    let (key, report) = rebuild_quorum(ctx, sources, rec)?;
    rec.seal(&key)?;
    drop(key);
    Ok(report)
}

/// Records the `context-loaded` entry: which root.pem and manifest.json this ceremony uses.
pub fn record_context(ctx: &Context, rec: &mut Recorder) -> Result<()> {
    let m = &ctx.manifest;
    rec.record(
        &[TOOL_ACTOR],
        "context-loaded",
        json!({
            "manifest": {
                "ceremony_id": m.ceremony.id,
                "file": ctx.manifest_file.0,
                "sha256": hex::encode(ctx.manifest_file.1),
            },
            "root": {
                "certificate_sha256": hex::encode(Sha256::digest(&ctx.root.der)),
                "file": ctx.root_file.0,
                "fingerprint": hex::encode(ctx.root.fingerprint),
                "public_key": hex::encode(ctx.root.public_key_bytes()),
                "sha256": hex::encode(ctx.root_file.1),
            },
        }),
    )
}

/// The quorum part of a ceremony: reads and verifies each share alone (recording
/// `share-presented`), rebuilds the key from a k-subset that matches root.pem (`key-rebuilt`)
/// and checks the remaining shares against it (`share-checked`). Returns the rebuilt key, in
/// locked memory, for the caller to use, seal with and drop.
pub fn rebuild_quorum(
    ctx: &Context,
    sources: Vec<Source>,
    rec: &mut Recorder,
) -> Result<(RootKey, CombineReport)> {
    let _scrub = secret::ScrubOnDrop;
    let m = &ctx.manifest;
    let k = m.threshold;
    let mut shares: Vec<VerifiedShare> = Vec::new();
    for (i, source) in sources.into_iter().enumerate() {
        let s = verify_share_text(input::read(source, i + 1)?, ctx)?;
        if let Some(prev) = shares.iter().find(|p| p.entry.index == s.entry.index) {
            let files = if prev.origin == s.origin {
                format!("the same {} was given twice", s.origin)
            } else {
                format!("{} and {} hold the same share", prev.origin, s.origin)
            };
            return Err(Error::operator(format!(
                "share {} (holder \"{}\") is given twice: {files}",
                s.entry.index, s.entry.holder
            ))
            .hint("each holder presents their share once; ask another holder for theirs"));
        }
        rec.record(
            &[&s.entry.holder],
            "share-presented",
            json!({
                "corrections": s.corrections.len(),
                "envelope_sha256": s.entry.envelope_sha256,
                "file": s.file,
                "holder": s.entry.holder,
                "index": s.entry.index,
            }),
        )?;
        shares.push(s);
    }
    if shares.len() < k as usize {
        let have: Vec<String> = shares
            .iter()
            .map(|s| format!("{} ({})", s.entry.index, s.entry.holder))
            .collect();
        return Err(Error::operator(format!(
            "{} share(s) given, the threshold is {k}: {} more needed (have: share {})",
            shares.len(),
            k as usize - shares.len(),
            if have.is_empty() {
                "none".into()
            } else {
                have.join(", ")
            }
        ))
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
    let mut quorum: Option<Vec<usize>> = None;
    let mut err = None;
    shamir::for_each_subset(points.len(), k as usize, |idx| {
        if quorum.is_some() || err.is_some() {
            return;
        }
        let subset: Vec<&SharePoint> = idx.iter().map(|&i| &points[i]).collect();
        match rebuild_matches(&subset, k, &ctx.root) {
            Ok(true) => quorum = Some(idx.to_vec()),
            Ok(false) => {}
            Err(e) => err = Some(e),
        }
    });
    if let Some(e) = err {
        return Err(e);
    }
    let name = |i: usize| (shares[i].entry.index, shares[i].entry.holder.clone());
    let Some(q) = quorum else {
        let all: Vec<String> = shares
            .iter()
            .map(|s| format!("{} ({})", s.entry.index, s.entry.holder))
            .collect();
        return Err(Error::verification(format!(
            "shares {} rebuild a key that does not match root.pem ({}); no {k} of them agree with the root certificate",
            all.join(", "),
            fingerprint_display(&ctx.root.fingerprint)
        ))
        .hint("the manifest was signed over wrong shares or the root certificate is from another ceremony; stop and investigate"));
    };
    let key = rebuild(&q.iter().map(|&i| &points[i]).collect::<Vec<_>>(), k)?;
    if key.public_key_bytes() != ctx.root.public_key_bytes() {
        return Err(Error::environment(
            "internal error: the quorum no longer rebuilds the root key",
        ));
    }
    let mut quorum_idx: Vec<u8> = q.iter().map(|&i| shares[i].entry.index).collect();
    quorum_idx.sort_unstable();
    rec.record(
        &[TOOL_ACTOR],
        "key-rebuilt",
        json!({
            "public_key": hex::encode(key.public_key_bytes()),
            "quorum": quorum_idx,
        }),
    )?;
    let mut agreeing = Vec::new();
    let mut disagreeing = Vec::new();
    for i in (0..points.len()).filter(|i| !q.contains(i)) {
        let mut subset: Vec<&SharePoint> =
            q[..k as usize - 1].iter().map(|&j| &points[j]).collect();
        subset.push(&points[i]);
        let agrees = rebuild_matches(&subset, k, &ctx.root)?;
        rec.record(
            &[TOOL_ACTOR],
            "share-checked",
            json!({"agrees": agrees, "index": shares[i].entry.index}),
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

/// What [`rehearse`] did.
#[derive(Debug)]
pub struct RehearsalReport {
    /// The generation part.
    pub generated: GenerateReport,
    /// The rebuild part.
    pub combined: CombineReport,
}

/// The bundled rehearsal plan, parsed.
pub fn rehearsal_plan() -> Result<Plan> {
    Plan::parse(
        crate::plan::REHEARSAL_PLAN,
        "ceremony-scripts/rehearsal.toml",
    )
}

/// A whole rehearsal: generate with the bundled rehearsal plan and a throwaway key (text
/// shares and paper shard PDFs), then rebuild from shares 1, 3 and 5 — text shares read back
/// from their files, paper shares from their QR codes: the code's module matrix (the one drawn
/// on the shard) is rendered to an image and decoded with the `--qr-image` decoder; the PDF
/// itself is not rasterised. One transcript (kind `rehearsal`) records both halves and is
/// sealed by the rebuilt key.
pub fn rehearse(
    out: &Path,
    plan: &Plan,
    paper: &crate::paper::PaperLayout,
    rec: &mut Recorder,
) -> Result<RehearsalReport> {
    let profile = RootProfile::from_toml(cert::DEFAULT_ROOT_PROFILE, "templates/root.toml")?;
    let mut generated = generate(
        &GenerateOptions {
            plan,
            profile: &profile,
            out,
            dice: None,
            paper,
            paper_size: paper.paper,
            printer: None,
        },
        rec,
    )?;
    let ctx = Context::load(&generated.manifest_path, &generated.root_path)?;
    let mut paper_qr = std::mem::take(&mut generated.paper_qr);
    let mut sources: Vec<Source> = Vec::new();
    for (i, _, p) in generated
        .shares
        .iter()
        .filter(|(i, _, _)| i % 2 == 1)
        .take(plan.quorum.threshold as usize)
    {
        match paper_qr.iter().position(|(j, _)| j == i) {
            Some(at) => {
                let (_, compact) = paper_qr.swap_remove(at);
                sources.push(Source::Read(input::read_rendered_qr(
                    &compact,
                    paper.qr_ec,
                    &format!("QR code of paper shard {i}"),
                )?));
            }
            None => sources.push(Source::File(p.clone())),
        }
    }
    drop(paper_qr);
    let combined = combine(&ctx, sources, rec)?;
    Ok(RehearsalReport {
        generated,
        combined,
    })
}
