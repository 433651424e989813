//! rootkey command line: every flag is defined here; each subcommand calls one library function.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use rootkey::ceremony::{self, Context, GenerateOptions};
use rootkey::cert::profile::IntermediateProfile;
use rootkey::cert::{DEFAULT_ROOT_PROFILE, RootProfile};
use rootkey::console;
use rootkey::error::{Error, exit};
use rootkey::paper::{DEFAULT_PAPER_LAYOUT, PaperLayout};
use rootkey::plan::{Medium, Plan};
use rootkey::secret::{self, HardeningReport, MemoryPolicy, SecretBytes};
use rootkey::share::input::Source;
use rootkey::transcript::{self, Kind, Recorder, verify};
use rootkey::{key, signing, summary};

#[derive(Parser)]
#[command(
    name = "rootkey",
    version,
    about = "Air-gapped Shamir ceremonies for an offline Ed25519 root CA key",
    long_about = "rootkey generates an offline Ed25519 root key in locked memory, self-signs the root \
certificate, splits the key k-of-n with Shamir's scheme into checksummed, self-verifying shares, and \
lets a quorum prove that their shares rebuild that exact key.\n\n\
Every ceremony writes a hash-chained transcript (transcript.jsonl) into its output directory; \
auditors replay it with `rootkey transcript verify`.\n\n\
Exit codes: 0 success; 1 bad input or operator mistake (nothing done); 2 usage error; \
3 verification failed (signature, digest or rebuilt key does not match: possible tampering); \
4 environment refused (memory locking, file system, randomness, output that could not be \
written). `transcript verify` and `transcript report` use their own: 0 valid and sealed, \
1 invalid, 2 usage error, 3 valid but unsealed (aborted or interrupted), 4 the report or the \
answer could not be written."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a generation ceremony from a plan: new root key, root.pem, shares, manifest.json
    #[command(after_help = "Examples:\n  \
        rootkey generate --plan ceremony-scripts/root-generation.toml --out /media/ceremony-2026\n  \
        rootkey generate --plan ceremony-scripts/root-generation.toml --profile templates/root.toml --dice --out ./out")]
    Generate {
        /// Ceremony plan (TOML): name, threshold, holders and their media
        #[arg(long, value_name = "PLAN.toml")]
        plan: PathBuf,
        /// Output directory; created if missing, refused if it already holds a ceremony
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Root certificate profile (default: the bundled templates/root.toml)
        #[arg(long, value_name = "PROFILE.toml")]
        profile: Option<PathBuf>,
        /// Also mix at least 99 typed d6 rolls into the seed (prompted, hidden input)
        #[arg(long)]
        dice: bool,
        /// Send paper shards straight to this printer (`lp -d PRINTER`, through stdin; no
        /// file is written)
        #[arg(long, value_name = "PRINTER")]
        print_to: Option<String>,
        /// Allow paper shard PDFs on a persistent (not RAM-backed) file system; recorded
        /// (always allowed for rehearsal plans)
        #[arg(long)]
        allow_persistent_output: bool,
        /// Paper shard layout (default: the bundled templates/paper.toml)
        #[arg(long, value_name = "PAPER.toml")]
        paper_layout: Option<PathBuf>,
        /// Paper size of the shards (default: the layout's)
        #[arg(long, value_enum)]
        paper: Option<Paper>,
        /// Continue if secret memory cannot be locked (rehearsal plans only; recorded)
        #[arg(long)]
        allow_unlocked_memory: bool,
    },
    /// Full rehearsal with a throwaway key: generate with the bundled rehearsal plan, then
    /// rebuild from 3 of the 5 shares
    #[command(after_help = "Example:\n  rootkey rehearse --out /tmp/rootkey-rehearsal")]
    Rehearse {
        /// Output directory; created if missing, refused if it already holds a ceremony
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Continue if secret memory cannot be locked (recorded in the manifest)
        #[arg(long)]
        allow_unlocked_memory: bool,
    },
    /// Operations on a single share
    #[command(
        subcommand,
        after_help = "Example:\n  rootkey share verify out/share-02-bob.txt --manifest out/manifest.json --root out/root.pem"
    )]
    Share(ShareCommand),
    /// Ceremony transcripts: verify (replay), attest (witness signature), report
    #[command(subcommand)]
    Transcript(TranscriptCommand),
    /// Paper shards: wipe the shard PDFs once they are printed
    #[command(subcommand)]
    Paper(PaperCommand),
    /// Rotation: a quorum signs the yearly intermediate CA certificate from a CSR (e.g. from
    /// HashiCorp Vault PKI)
    #[command(subcommand)]
    Intermediate(IntermediateCommand),
    /// Revocation: a quorum signs a certificate revocation list (CRL)
    #[command(subcommand)]
    Crl(CrlCommand),
    /// Customer side: check certificates against the root (and a CRL), offline
    #[command(subcommand)]
    Chain(ChainCommand),
    /// Rebuild the root key from k or more shares and check it against root.pem (a quorum
    /// check, recorded and sealed in DIR/transcript.jsonl)
    #[command(after_help = "Examples:\n  \
        rootkey combine --manifest out/manifest.json --root out/root.pem --out check-2026 out/share-01-*.txt out/share-03-*.txt out/share-05-*.txt\n  \
        rootkey combine --manifest M --root R --out check share-01.txt --qr-image carol.jpg --type    (the third typed or scanned)\n  \
        rootkey combine --manifest M --root R --out check    (all shares typed or scanned)")]
    Combine {
        /// Output directory for the transcript; created if missing, refused if it already
        /// holds a ceremony
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The ceremony's manifest.json
        #[arg(long, value_name = "manifest.json")]
        manifest: PathBuf,
        /// The ceremony's root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// Share files (text form)
        #[arg(value_name = "SHARE")]
        shares: Vec<PathBuf>,
        /// A photo or scan (PNG or JPEG) of a paper shard's QR code; repeat for each
        #[arg(long = "qr-image", value_name = "PHOTO")]
        qr_images: Vec<PathBuf>,
        /// Then ask at the keyboard (typed rows, or a USB QR scanner) for shares until the
        /// threshold is reached; the default when no SHARE and no --qr-image is given
        #[arg(long = "type")]
        keyboard: bool,
        /// Continue if secret memory cannot be locked (rehearsal ceremonies only)
        #[arg(long)]
        allow_unlocked_memory: bool,
    },
}

/// Where the shares of a signing ceremony come from, and who confirms.
#[derive(clap::Args)]
struct Quorum {
    /// Share file (text form); repeat for each
    #[arg(long = "share", value_name = "FILE")]
    shares: Vec<PathBuf>,
    /// Photo (PNG/JPEG) of a paper shard's QR code; repeat for each
    #[arg(long = "qr-image", value_name = "PHOTO")]
    qr_images: Vec<PathBuf>,
    /// Also type or scan shares at the keyboard (the default when no share is given)
    #[arg(long = "type")]
    keyboard: bool,
    /// Name of a person confirming what will be signed; give it twice with two distinct
    /// names for a scripted run (default: both confirm interactively by typing the code shown)
    #[arg(long = "confirm", value_name = "NAME")]
    confirm: Vec<String>,
    /// Continue if secret memory cannot be locked (rehearsal roots only; recorded)
    #[arg(long)]
    allow_unlocked_memory: bool,
}

#[derive(Subcommand)]
enum IntermediateCommand {
    /// Check a CSR, show the certificate for two-person confirmation, rebuild the root key from
    /// k shares, sign, and write DIR/intermediate.pem and DIR/intermediate-chain.pem
    #[command(
        after_help = "Output: DIR/intermediate.pem, DIR/intermediate-chain.pem (intermediate then root, for \
Vault's pki/intermediate/set-signed), DIR/transcript.jsonl, and copies of the inputs.\n\n\
Examples:\n  \
rootkey intermediate sign --csr prod-2026.csr --profile templates/intermediate.toml --root root.pem \\\n      \
--manifest manifest.json --previous prod-2025.pem --out rotation-2026\n  \
rootkey intermediate sign --csr prod-2026.csr --csr-sha256 3f9a… --profile templates/intermediate.toml \\\n      \
--root root.pem --manifest manifest.json --out rotation-2026 --confirm \"Ann Officer\" --confirm \"Bob Officer\" \\\n      \
--share alice.txt --share bob.txt --qr-image carol.jpg"
    )]
    Sign {
        /// The certificate signing request (PKCS#10, PEM or DER)
        #[arg(long, value_name = "REQ.pem")]
        csr: PathBuf,
        /// SHA-256 of the CSR's DER as delivered out of band (default: typed at the prompt)
        #[arg(long, value_name = "HEX")]
        csr_sha256: Option<String>,
        /// Intermediate certificate profile
        #[arg(long, value_name = "PROFILE.toml")]
        profile: PathBuf,
        /// The root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// The root ceremony's manifest.json
        #[arg(long, value_name = "manifest.json")]
        manifest: PathBuf,
        /// Output directory; created if missing, refused if it already holds a ceremony
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The previous intermediate: warn on a gap or short overlap, refuse a reused key
        #[arg(long, value_name = "PREV.pem")]
        previous: Option<PathBuf>,
        /// notBefore (default: now), as YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD (midnight UTC)
        #[arg(long, value_name = "TIME")]
        not_before: Option<String>,
        #[command(flatten)]
        quorum: Quorum,
    },
}

#[derive(Subcommand)]
enum CrlCommand {
    /// Build the next CRL (previous entries carried forward, CRL number + 1), show it for
    /// two-person confirmation, rebuild the root key from k shares, sign, and write DIR/root.crl
    #[command(
        after_help = "Output: DIR/root.crl (DER), DIR/root.crl.pem, DIR/transcript.jsonl, and copies of the inputs.\n\n\
Examples:\n  \
rootkey crl sign --root root.pem --manifest manifest.json --previous-crl crl-2026/root.crl \\\n      \
--revoke 5f:3a:…:91:keyCompromise --out crl-2027\n  \
rootkey crl sign --root root.pem --manifest manifest.json --first-crl --out crl-first"
    )]
    Sign {
        /// The root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// The root ceremony's manifest.json
        #[arg(long, value_name = "manifest.json")]
        manifest: PathBuf,
        /// Revoke a certificate: serial in hex (colons allowed), optionally with a reason
        /// (keyCompromise, cACompromise, affiliationChanged, superseded,
        /// cessationOfOperation, privilegeWithdrawn, unspecified); repeat for each
        #[arg(long, value_name = "SERIAL[:REASON]")]
        revoke: Vec<String>,
        /// The previous CRL signed by this root: its entries are carried forward and the CRL
        /// number continues from it
        #[arg(
            long,
            value_name = "CRL",
            conflicts_with = "first_crl",
            required_unless_present = "first_crl"
        )]
        previous_crl: Option<PathBuf>,
        /// There is no previous CRL: this one gets CRL number 1
        #[arg(long)]
        first_crl: bool,
        /// Days from thisUpdate (now) to nextUpdate, 1 to 365
        #[arg(long, value_name = "DAYS", default_value_t = 180)]
        next_update_days: u32,
        /// Output directory; created if missing, refused if it already holds a ceremony
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        quorum: Quorum,
    },
}

#[derive(Subcommand)]
enum ChainCommand {
    /// Verify certificates against the root, offline: signatures up the chain, validity at a
    /// time, CA constraints and (with --crl) revocation
    #[command(
        after_help = "Exit codes: 0 every certificate verifies; 1 bad input; 2 usage error; 3 a certificate does not verify; 4 the answer could not be written.\n\n\
Examples:\n  \
rootkey chain verify --root root.pem intermediate.pem\n  \
rootkey chain verify --root root.pem --crl root.crl --at 2027-01-01 intermediate.pem leaf.pem"
    )]
    Verify {
        /// The trusted root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// A CRL signed by the root
        #[arg(long, value_name = "CRL")]
        crl: Option<PathBuf>,
        /// Check validity at this time instead of now (YYYY-MM-DDTHH:MM:SSZ or YYYY-MM-DD)
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Certificates (PEM, possibly several per file, or DER), issuer first or in any order
        #[arg(value_name = "CERT", required = true)]
        certs: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TranscriptCommand {
    /// Replay a transcript: hash chain, script, seal, attestations, artifacts and plan
    #[command(
        after_help = "Exit codes: 0 valid and sealed; 1 invalid (tampered, or a check failed); \
2 usage error; 3 valid but unsealed (the ceremony was aborted or interrupted); 4 the answer \
could not be written (standard output failed).\n\n\
Example:\n  rootkey transcript verify out/transcript.jsonl --root out/root.pem --artifacts out \\\n      \
--plan ceremony-scripts/root-generation.toml --witnesses carol.pub.pem dave.pub.pem"
    )]
    Verify {
        /// The transcript (transcript.jsonl); its .attestations file is read if present
        #[arg(value_name = "TRANSCRIPT")]
        transcript: PathBuf,
        #[command(flatten)]
        against: Against,
    },
    /// Sign the sealed head of a transcript as a witness (appends to TRANSCRIPT's
    /// .attestations file)
    #[command(after_help = "Example:\n  \
        openssl genpkey -algorithm ed25519 -out carol.pem && openssl pkey -in carol.pem -pubout -out carol.pub.pem\n  \
        rootkey transcript attest out/transcript.jsonl --root out/root.pem --key carol.pem --name \"Carol Witness\"")]
    Attest {
        /// The sealed transcript
        #[arg(value_name = "TRANSCRIPT")]
        transcript: PathBuf,
        /// The ceremony's root certificate, as the witness saw it at the ceremony: the
        /// transcript must be sealed by its key
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// The witness's Ed25519 private key, unencrypted PKCS#8 PEM
        #[arg(long, value_name = "KEY.pem")]
        key: PathBuf,
        /// The witness's name, as recorded
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Replay a transcript and write the auditor's report (Markdown, optionally PDF)
    #[command(
        after_help = "Exit codes as for `transcript verify` (4 also when the report file cannot be \
written); the report is written in every case.\n\n\
Example:\n  rootkey transcript report out/transcript.jsonl --root out/root.pem --artifacts out --out report.md --pdf report.pdf"
    )]
    Report {
        /// The transcript
        #[arg(value_name = "TRANSCRIPT")]
        transcript: PathBuf,
        /// Markdown report to write (refused if it exists)
        #[arg(long, value_name = "report.md")]
        out: PathBuf,
        /// Also write the report as PDF (refused if it exists)
        #[arg(long, value_name = "report.pdf")]
        pdf: Option<PathBuf>,
        /// Paper size of the PDF
        #[arg(long, value_enum, default_value_t = Paper::A4)]
        paper: Paper,
        #[command(flatten)]
        against: Against,
    },
}

/// Paper sizes for printed documents.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Paper {
    /// ISO A4 (210 × 297 mm)
    A4,
    /// US Letter (8.5 × 11 in)
    Letter,
}

impl Paper {
    fn size(self) -> rootkey::pdfdoc::PaperSize {
        match self {
            Paper::A4 => rootkey::pdfdoc::PaperSize::A4,
            Paper::Letter => rootkey::pdfdoc::PaperSize::Letter,
        }
    }
}

/// What a transcript is checked against.
#[derive(clap::Args)]
struct Against {
    /// The ceremony's root certificate: the seal must be by its key
    #[arg(long, value_name = "root.pem")]
    root: Option<PathBuf>,
    /// Directory holding the artifacts the transcript names (root.pem, manifest.json)
    #[arg(long, value_name = "DIR")]
    artifacts: Option<PathBuf>,
    /// The ceremony plan: must be the one recorded, and the transcript must follow it
    #[arg(long, value_name = "PLAN.toml")]
    plan: Option<PathBuf>,
    /// Public keys (PEM) of the witnesses you know; any other attestation is refused
    #[arg(long, value_name = "KEY.pub.pem", num_args = 1..)]
    witnesses: Option<Vec<PathBuf>>,
    /// Require an attestation by every key given with --witnesses
    #[arg(long, requires = "witnesses")]
    all_witnesses: bool,
}

#[derive(Subcommand)]
enum PaperCommand {
    /// Overwrite and remove the paper shard PDFs (share-*.pdf) in DIR after printing
    #[command(after_help = "Example:\n  rootkey paper wipe /dev/shm/root-2026")]
    Wipe {
        /// The ceremony output directory holding share-NN-*.pdf
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum ShareCommand {
    /// Check one share alone against the root-signed manifest, without any other share
    #[command(after_help = "Examples:\n  \
        rootkey share verify out/share-02-bob.txt --manifest out/manifest.json --root out/root.pem\n  \
        rootkey share verify --qr-image carol.jpg --manifest out/manifest.json --root out/root.pem\n  \
        rootkey share verify --type --manifest out/manifest.json --root out/root.pem")]
    Verify {
        /// The share file (text form)
        #[arg(value_name = "SHARE", required_unless_present_any = ["qr_image", "keyboard"], conflicts_with_all = ["qr_image", "keyboard"])]
        share: Option<PathBuf>,
        /// A photo or scan (PNG or JPEG) of a paper shard's QR code instead of a file
        #[arg(long = "qr-image", value_name = "PHOTO", conflicts_with = "keyboard")]
        qr_image: Option<PathBuf>,
        /// Type the share's rows (or scan its QR code with a USB scanner) at the keyboard
        #[arg(long = "type")]
        keyboard: bool,
        /// The ceremony's manifest.json
        #[arg(long, value_name = "manifest.json")]
        manifest: PathBuf,
        /// The ceremony's root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
    },
}

/// Hardens the process before any secret exists and applies the memory policy.
fn harden(allow_unlocked: bool) -> Result<HardeningReport, Error> {
    secret::set_memory_policy(if allow_unlocked {
        MemoryPolicy::AllowUnlocked
    } else {
        MemoryPolicy::RequireLocked
    });
    let report = secret::harden_process()?;
    if report.swap_active {
        console::warn(
            "swap is active on this machine. Secrets stay in locked memory, but a ceremony \
             machine should run without swap (swapoff -a).",
        )?;
    }
    if !report.memory_locked {
        console::warn(
            "secret memory could not be locked (--allow-unlocked-memory): rehearsal only",
        )?;
    }
    Ok(report)
}

/// Pre-flight facts for the transcript header; warns about network interfaces that are up
/// (real ceremonies only: a rehearsal may run anywhere).
fn preflight(
    h: &HardeningReport,
    rehearsal: bool,
    out: &transcript::OutputFacts,
) -> Result<serde_json::Value, Error> {
    let p = transcript::preflight(h, out, std::time::SystemTime::now())?;
    let up = transcript::network_interfaces_up();
    if !up.is_empty() && !rehearsal {
        console::warn(&format!(
            "network interface(s) up: {} — a ceremony machine should be air-gapped (recorded in the transcript)",
            up.join(", ")
        ))?;
    }
    Ok(p)
}

/// Where the outputs go: the output directory's file system, whether secret outputs may sit
/// on persistent storage, and the printer for paper shards.
fn output_facts(
    out: &std::path::Path,
    persistent_allowed: bool,
    printer: Option<&str>,
) -> Result<transcript::OutputFacts, Error> {
    Ok(transcript::OutputFacts {
        filesystem: rootkey::fsio::filesystem_type(out)?,
        persistent_allowed,
        printer: printer.map(str::to_string),
    })
}

type WitnessList = Vec<(String, [u8; 32])>;

fn load_against(a: &Against) -> Result<(Option<rootkey::cert::RootCert>, WitnessList), Error> {
    let root = a
        .root
        .as_deref()
        .map(rootkey::cert::RootCert::load)
        .transpose()?;
    let mut keys = Vec::new();
    for p in a.witnesses.iter().flatten() {
        let b = rootkey::fsio::read_public(p, 64 * 1024, "witness key")?;
        keys.push((
            p.display().to_string(),
            verify::witness_key_from_pem(&b, &p.display().to_string())?,
        ));
    }
    Ok((root, keys))
}

fn replay(t: &std::path::Path, a: &Against) -> Result<verify::Replay, Error> {
    let (root, keys) = load_against(a)?;
    verify::replay(
        t,
        &verify::ReplayOptions {
            root: root.as_ref(),
            artifacts: a.artifacts.as_deref(),
            plan: a.plan.as_deref(),
            witnesses: a.witnesses.as_ref().map(|_| keys.as_slice()),
            all_witnesses: a.all_witnesses,
        },
    )
}

/// Prints the outcome of a replay and returns the exit code of `transcript verify`. A failed
/// write of the summary or the warning is an error (exit 4: the answer was not delivered); the
/// error that explains an invalid verdict is the answer's last line, and if standard error
/// refuses it the verdict's exit code still stands.
fn print_replay(r: &verify::Replay) -> Result<i32, Error> {
    console::out("the replay summary", &summary::replayed(r))?;
    if !r.root_checked && matches!(r.verdict, verify::Verdict::Sealed) {
        console::warn(
            "no --root given: the seal was checked only against the key recorded in the transcript; \
             a transcript forged and sealed with another key would pass",
        )?;
    }
    if let verify::Verdict::Invalid(e) = &r.verdict {
        let _ = console::report_error(e);
    }
    Ok(r.exit_code())
}

/// `transcript verify` and `report` when the transcript or what it is checked against cannot
/// be read: the answer is "invalid" (1), whether or not standard error takes the reason.
fn unreadable(e: &Error) -> Result<i32, Error> {
    let _ = console::report_error(e);
    Ok(verify::INVALID)
}

fn read_dice() -> Result<SecretBytes, Error> {
    console::err(
        "the dice instructions",
        &format!(
            "Roll a six-sided die at least {} times and type the results (digits 1-6, spaces allowed).\n",
            key::MIN_DICE_ROLLS
        ),
    )?;
    // Read straight into locked memory with echo off (no intermediate heap buffers).
    let typed = secret::read_hidden_line("dice rolls (hidden): ", 1024)
        .map_err(|e| Error::input(format!("cannot read dice rolls: {e}")))?;
    key::parse_dice(&typed)
}

/// Exit code of a combine: a share that does not agree with the quorum is a verification
/// failure, reported on stderr too.
fn disagreement_exit(r: &ceremony::CombineReport) -> Result<i32, Error> {
    for (i, holder, origin) in &r.disagreeing {
        let e = Error::verification(format!(
            "share {i} (holder \"{holder}\", {origin}) does not agree with the quorum: it would rebuild another key"
        ))
        .hint("do not use this share; investigate how it was altered");
        console::report_error(&e)?;
    }
    Ok(if r.disagreeing.is_empty() {
        exit::OK
    } else {
        exit::VERIFICATION
    })
}

/// Shows the outcome of a ceremony whose transcript in `out` is sealed; if it cannot be shown,
/// the error says that the ceremony is complete and sealed, and only its summary was lost.
fn after_seal(
    out: &std::path::Path,
    show: impl FnOnce() -> Result<i32, Error>,
) -> Result<i32, Error> {
    show().map_err(|e| console::after_seal(e, &out.join(transcript::FILE_NAME)))
}

/// The share sources of a signing ceremony: files, photos, then the keyboard (the default
/// when nothing else is given) for as many as the threshold still needs.
fn quorum_sources(q: &Quorum, threshold: u8) -> Result<Vec<Source>, Error> {
    for s in &q.shares {
        transcript::check_recordable_name(s, "share file")?;
    }
    for s in &q.qr_images {
        transcript::check_recordable_name(s, "QR image")?;
    }
    let mut sources: Vec<Source> = q.shares.iter().cloned().map(Source::File).collect();
    sources.extend(q.qr_images.iter().cloned().map(Source::QrImage));
    if q.keyboard || sources.is_empty() {
        let more = (threshold as usize).saturating_sub(sources.len()).max(1);
        sources.extend((0..more).map(|_| Source::Keyboard));
    }
    Ok(sources)
}

fn confirmer(q: &Quorum) -> Result<Box<dyn signing::Confirm>, Error> {
    match q.confirm.len() {
        0 => Ok(Box::new(signing::TerminalConfirm)),
        2 => {
            for n in &q.confirm {
                signing::check_confirmer_name(n)?;
            }
            Ok(Box::new(signing::ScriptedConfirm {
                names: q.confirm.clone(),
            }))
        }
        n => Err(Error::operator(format!(
            "--confirm given {n} time(s): the two-person rule needs two distinct names (or none, to confirm interactively)"
        ))
        .hint("--confirm \"First Person\" --confirm \"Second Person\"")),
    }
}

/// Loads root.pem and manifest.json once, for the context and for the copies.
fn load_context(
    manifest: &std::path::Path,
    root: &std::path::Path,
) -> Result<(Context, signing::InputFile, signing::InputFile), Error> {
    let r = signing::InputFile::read(root, ceremony::MAX_ROOT_BYTES, "root certificate")?;
    let m = signing::InputFile::read(manifest, ceremony::MAX_MANIFEST_BYTES, "manifest")?;
    let ctx = Context::from_bytes(&m.bytes, manifest, &r.bytes, root)?;
    Ok((ctx, r, m))
}

/// Hardening, the locked-memory probe and the output directory for a ceremony against `ctx`.
fn start_signing(
    ctx: &Context,
    kind: Kind,
    out: &std::path::Path,
    writes: &[String],
    allow_unlocked: bool,
) -> Result<Recorder, Error> {
    if allow_unlocked && !ctx.manifest.ceremony.rehearsal {
        return Err(Error::operator(
            "--allow-unlocked-memory is only allowed for rehearsal ceremonies",
        ));
    }
    let hardening = harden(allow_unlocked)?;
    secret::probe_lock(ceremony::locked_pages_needed(ctx.manifest.shares_total))?;
    let writes: Vec<&str> = writes.iter().map(String::as_str).collect();
    rootkey::fsio::prepare_out_dir(out, &writes)?;
    let header = ceremony::quorum_header(
        ctx,
        kind,
        ceremony::new_ceremony_id()?,
        preflight(
            &hardening,
            ctx.manifest.ceremony.rehearsal,
            &output_facts(out, false, None)?,
        )?,
    );
    Recorder::create(out, &header)
}

/// A failure before the ceremony started (no transcript, no output directory yet).
fn nothing_started(e: Error) -> Error {
    Error {
        message: format!(
            "{} — the ceremony did not start; nothing was signed",
            e.message
        ),
        ..e
    }
}

#[allow(clippy::too_many_arguments)]
fn intermediate_sign(
    csr: PathBuf,
    csr_sha256: Option<String>,
    profile: PathBuf,
    root: PathBuf,
    manifest: PathBuf,
    out: PathBuf,
    previous: Option<PathBuf>,
    not_before: Option<String>,
    quorum: Quorum,
) -> Result<i32, Error> {
    // Everything public is checked before any share is asked for.
    let given_hash = csr_sha256
        .as_deref()
        .map(|h| rootkey::encoding::hexfmt::parse_sha256(h, "--csr-sha256"))
        .transpose()?;
    let not_before = not_before
        .as_deref()
        .map(|t| rootkey::encoding::time::parse_time(t, "--not-before"))
        .transpose()?
        .unwrap_or_else(std::time::SystemTime::now);
    let mut confirm = confirmer(&quorum)?;
    let (ctx, root_file, manifest_file) = load_context(&manifest, &root)?;
    let csr_file = signing::InputFile::read(&csr, 64 * 1024, "CSR")?;
    let csr_origin = format!("CSR {}", csr.display());
    let request = rootkey::cert::csr::parse(&csr_file.bytes, &csr_origin)?;
    let profile_file = signing::InputFile::read(&profile, 1 << 20, "intermediate profile")?;
    let profile_obj = IntermediateProfile::from_toml(
        &String::from_utf8_lossy(&profile_file.bytes),
        &profile.display().to_string(),
    )?;
    let requested: Vec<_> = request.extensions.iter().map(|e| e.extn_id).collect();
    profile_obj.check_request(&request.subject_text, &requested, &csr_origin)?;
    let prev = match &previous {
        Some(p) => {
            let mut f = signing::InputFile::read(p, 64 * 1024, "previous intermediate")?;
            // Last year's file is usually called intermediate.pem too: its copy gets a prefix.
            f.name = format!("previous-{}", f.name);
            let c = rootkey::cert::intermediate::load_certificate(
                &f.bytes,
                &format!("previous intermediate {}", p.display()),
            )?;
            Some((f, c))
        }
        None => None,
    };
    // With --csr-sha256 the comparison is automatic and the confirmation summary shows the
    // CSR and its hash; without it, the CSR is shown before its hash is asked for.
    let (expected, hash_source) = match given_hash {
        Some(h) => (h, signing::HashSource::CommandLine),
        None => {
            console::out(
                "the CSR summary",
                &format!(
                    "CSR {}\n  Subject: {}\n  Key type: {}\n  SHA-256 of the CSR (DER):\n{}",
                    csr.display(),
                    request.subject_text,
                    request.key_type,
                    rootkey::encoding::hexfmt::hash_display(&request.sha256)
                ),
            )
            .map_err(nothing_started)?;
            let typed = signing::read_visible_line(
                "Type the CSR's SHA-256 as delivered out of band (64 hex digits): ",
            )?;
            (
                rootkey::encoding::hexfmt::parse_sha256(&typed, "the typed CSR hash")?,
                signing::HashSource::Typed,
            )
        }
    };
    signing::check_out_of_band(&request, &expected, &csr_origin)?;
    if hash_source == signing::HashSource::Typed {
        console::out(
            "the CSR hash check",
            "The CSR's SHA-256 matches the hash delivered out of band.\n",
        )
        .map_err(nothing_started)?;
    }
    let job = signing::IntermediateJob {
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
    // ceremony starts.
    signing::prepare_intermediate(&job)?;
    let writes = signing::intermediate_writes(&job)?;
    let sources = quorum_sources(&quorum, ctx.manifest.threshold)?;
    let mut rec = start_signing(
        &ctx,
        Kind::Rotation,
        &out,
        &writes,
        quorum.allow_unlocked_memory,
    )?;
    let r = transcript::recorded(&mut rec, |rec| {
        signing::sign_intermediate(&job, confirm.as_mut(), sources, &out, rec)
    })?;
    after_seal(&out, || {
        if let Some(p) = &r.previous {
            for w in &p.warnings {
                console::warn(w)?;
            }
        }
        console::out(
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
                out.join(signing::INTERMEDIATE_FILE).display(),
                out.join(signing::CHAIN_FILE).display(),
                signing::CHAIN_FILE,
                out.join(transcript::FILE_NAME).display(),
                out.join(&root_file.name).display(),
                out.join(signing::INTERMEDIATE_FILE).display(),
                out.join(&root_file.name).display(),
                out.join(signing::INTERMEDIATE_FILE).display(),
                out.join(transcript::FILE_NAME).display(),
                out.join(&root_file.name).display(),
                out.display(),
            ),
        )?;
        disagreement_exit(&r.quorum)
    })
}

#[allow(clippy::too_many_arguments)]
fn crl_sign(
    root: PathBuf,
    manifest: PathBuf,
    revoke: Vec<String>,
    previous_crl: Option<PathBuf>,
    next_update_days: u32,
    out: PathBuf,
    quorum: Quorum,
) -> Result<i32, Error> {
    let now = std::time::SystemTime::now();
    let revoked_at = rootkey::encoding::time::datetime(now)?;
    let revocations = revoke
        .iter()
        .map(|a| rootkey::cert::crl::parse_revoke_arg(a, revoked_at))
        .collect::<Result<Vec<_>, Error>>()?;
    let mut confirm = confirmer(&quorum)?;
    let (ctx, root_file, manifest_file) = load_context(&manifest, &root)?;
    let prev = match &previous_crl {
        Some(p) => {
            let mut f = signing::InputFile::read(p, 16 << 20, "previous CRL")?;
            f.name = format!("previous-{}", f.name);
            let c = rootkey::cert::crl::load_previous(
                &f.bytes,
                &format!("previous CRL {}", p.display()),
                &ctx.root,
            )?;
            Some((f, c))
        }
        None => None,
    };
    let job = signing::CrlJob {
        ctx: &ctx,
        context_files: [&root_file, &manifest_file],
        previous: prev.as_ref().map(|(f, c)| (f, c)),
        revoke: &revocations,
        this_update: now,
        next_update_days,
    };
    signing::prepare_crl(&job)?;
    let writes = signing::crl_writes(&job)?;
    let sources = quorum_sources(&quorum, ctx.manifest.threshold)?;
    let mut rec = start_signing(&ctx, Kind::Crl, &out, &writes, quorum.allow_unlocked_memory)?;
    let r = transcript::recorded(&mut rec, |rec| {
        signing::sign_crl(&job, confirm.as_mut(), sources, &out, rec)
    })?;
    after_seal(&out, || {
        console::out(
            "the summary",
            &format!(
                "{}\nCRL SIGNED: number {}, {} revoked certificate(s), next update {}\n  CRL SHA-256 {}\n  confirmed by {}\n\
Written:\n  {}\n  {}\n  {}  (sealed by the root key)\n\
Check it:\n  openssl crl -in {} -noout -verify -CAfile {}\n  rootkey transcript verify {} --root {} --artifacts {}\n",
                summary::combined(&r.quorum),
                hex::encode(&r.draft.number),
                r.draft.revoked.len(),
                rootkey::encoding::time::utc_string(r.draft.next_update),
                hex::encode(r.crl_sha256),
                r.confirmations
                    .iter()
                    .map(|c| format!("\"{}\"", c.name))
                    .collect::<Vec<_>>()
                    .join(" and "),
                out.join(signing::CRL_FILE).display(),
                out.join(signing::CRL_PEM_FILE).display(),
                out.join(transcript::FILE_NAME).display(),
                out.join(signing::CRL_PEM_FILE).display(),
                out.join(&root_file.name).display(),
                out.join(transcript::FILE_NAME).display(),
                out.join(&root_file.name).display(),
                out.display(),
            ),
        )?;
        disagreement_exit(&r.quorum)
    })
}

fn chain_verify(
    root: PathBuf,
    crl: Option<PathBuf>,
    at: Option<String>,
    certs: Vec<PathBuf>,
) -> Result<i32, Error> {
    use rootkey::cert::chain;
    let at = at
        .as_deref()
        .map(|t| rootkey::encoding::time::parse_time(t, "--at"))
        .transpose()?
        .unwrap_or_else(std::time::SystemTime::now);
    let root_cert = rootkey::cert::RootCert::load(&root)?;
    let crl = match &crl {
        Some(p) => {
            let b = rootkey::fsio::read_public(p, 16 << 20, "CRL")?;
            Some(rootkey::cert::crl::load_previous(
                &b,
                &format!("CRL {}", p.display()),
                &root_cert,
            )?)
        }
        None => None,
    };
    let mut given = Vec::new();
    for p in &certs {
        let b = rootkey::fsio::read_public(p, 1 << 20, "certificate")?;
        given.extend(chain::load_certificates(&b, &p.display().to_string())?);
    }
    let report = chain::verify(&root_cert, crl.as_ref(), at, &given)?;
    console::out("the summary", &summary::chain(&report, &root_cert))?;
    Ok(if report.all_valid() {
        exit::OK
    } else {
        exit::VERIFICATION
    })
}

fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Transcript(cmd) => run_transcript(cmd),
        Command::Intermediate(IntermediateCommand::Sign {
            csr,
            csr_sha256,
            profile,
            root,
            manifest,
            out,
            previous,
            not_before,
            quorum,
        }) => intermediate_sign(
            csr, csr_sha256, profile, root, manifest, out, previous, not_before, quorum,
        ),
        Command::Crl(CrlCommand::Sign {
            root,
            manifest,
            revoke,
            previous_crl,
            first_crl: _,
            next_update_days,
            out,
            quorum,
        }) => crl_sign(
            root,
            manifest,
            revoke,
            previous_crl,
            next_update_days,
            out,
            quorum,
        ),
        Command::Chain(ChainCommand::Verify {
            root,
            crl,
            at,
            certs,
        }) => chain_verify(root, crl, at, certs),
        Command::Paper(PaperCommand::Wipe { dir }) => {
            let shards = ceremony::paper_shards(&dir)?;
            // Every file is tried, even when its outcome cannot be shown; each outcome is
            // reported.
            let mut failed = Vec::new();
            let mut lost: Option<Error> = None;
            let mut refused_only = true;
            for p in &shards {
                let shown = match rootkey::fsio::overwrite_and_remove(std::slice::from_ref(p)) {
                    Ok(_) => console::out(
                        "the list of wiped files",
                        &format!("wiped {}\n", p.display()),
                    ),
                    Err(e) => {
                        refused_only &= e.fault == rootkey::error::Fault::Operator;
                        failed.push(p.display().to_string());
                        console::report_error(&e)
                    }
                };
                if let Err(e) = shown {
                    lost.get_or_insert(e);
                }
            }
            let summary = console::out(
                "the list of wiped files",
                &format!(
                    "{} paper shard file(s) overwritten and removed from {}\n",
                    shards.len() - failed.len(),
                    dir.display()
                ),
            );
            if let Err(e) = summary {
                lost.get_or_insert(e);
            }
            if !failed.is_empty() {
                let msg = format!(
                    "{} file(s) could not be wiped: {}",
                    failed.len(),
                    failed.join(", ")
                );
                // A refused file (a link, not a regular file, other hard links) is the
                // operator's to sort out (exit 1); anything else is the machine's (exit 4).
                let e = if refused_only {
                    Error::operator(msg)
                } else {
                    Error::environment(msg)
                };
                Err(e.hint("they may still hold shares: deal with each as its error says"))
            } else if let Some(e) = lost {
                Err(Error::environment(format!(
                    "{} — every one of the {} paper shard file(s) in {} was overwritten and removed",
                    e.message,
                    shards.len(),
                    dir.display()
                )))
            } else {
                Ok(exit::OK)
            }
        }
        Command::Generate {
            plan: plan_path,
            out,
            profile,
            dice,
            print_to,
            allow_persistent_output,
            paper_layout,
            paper,
            allow_unlocked_memory,
        } => {
            transcript::check_recordable_name(&plan_path, "plan")?;
            let plan = Plan::load(&plan_path)?;
            let profile = match &profile {
                Some(p) => {
                    let bytes = rootkey::fsio::read_public(p, 1 << 20, "root profile")?;
                    let text = String::from_utf8_lossy(&bytes);
                    RootProfile::from_toml(&text, &p.display().to_string())?
                }
                None => RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "templates/root.toml")?,
            };
            if allow_unlocked_memory && !plan.ceremony.rehearsal {
                return Err(Error::operator(
                    "--allow-unlocked-memory is only allowed for rehearsal plans (rehearsal = true)",
                )
                .hint("raise RLIMIT_MEMLOCK instead (ulimit -l) for a real ceremony"));
            }
            let layout = match &paper_layout {
                Some(p) => {
                    let bytes = rootkey::fsio::read_public(p, 1 << 20, "paper layout")?;
                    let text = String::from_utf8_lossy(&bytes);
                    PaperLayout::from_toml(&text, &p.display().to_string())?
                }
                None => PaperLayout::from_toml(DEFAULT_PAPER_LAYOUT, "templates/paper.toml")?,
            };
            let paper_size = paper.map(Paper::size).unwrap_or(layout.paper);
            let persistent_allowed = allow_persistent_output || plan.ceremony.rehearsal;
            let hardening = harden(allow_unlocked_memory)?;
            // Every secret takes at least a page; check the whole need before anyone types.
            secret::probe_lock(ceremony::locked_pages_needed(plan.quorum.shares))?;
            let writes = ceremony::generation_writes(&plan);
            rootkey::fsio::prepare_out_dir(
                &out,
                &writes.iter().map(String::as_str).collect::<Vec<_>>(),
            )?;
            let facts = output_facts(&out, persistent_allowed, print_to.as_deref())?;
            if let Some(p) = print_to.as_deref()
                && (p.is_empty() || p.contains('/') || p.starts_with('-'))
            {
                return Err(Error::operator(format!(
                    "--print-to {p:?}: not a printer name (no `/` instances, no leading `-`)"
                ))
                .hint("list printers with: lpstat -p"));
            }
            // A layout that cannot fit is refused before any key exists.
            ceremony::check_paper_layout(&plan, &layout, paper_size)?;
            let paper_files =
                print_to.is_none() && plan.holders.iter().any(|h| h.medium == Medium::Paper);
            if paper_files && !persistent_allowed && hardening.swap_active {
                return Err(Error::operator(
                    "swap is active: paper shards on tmpfs could be swapped to disk",
                )
                .hint("turn swap off (swapoff -a), print directly with --print-to PRINTER, or pass --allow-persistent-output (recorded)"));
            }
            if paper_files
                && !persistent_allowed
                && !rootkey::fsio::is_ram_backed(&facts.filesystem)
            {
                return Err(Error::operator(format!(
                    "--out {}: paper shards must not land on a persistent disk, but this directory is on {}",
                    out.display(),
                    facts.filesystem
                ))
                .hint("use a RAM-backed directory (e.g. --out /dev/shm/ceremony), print directly with --print-to PRINTER, or pass --allow-persistent-output (recorded)"));
            }
            let header = ceremony::plan_header(
                &plan,
                &rootkey::encoding::names::base_name(&plan_path),
                Kind::Generation,
                ceremony::new_ceremony_id()?,
                preflight(&hardening, plan.ceremony.rehearsal, &facts)?,
            );
            let mut rec = Recorder::create(&out, &header)?;
            let report = transcript::recorded(&mut rec, |rec| {
                let dice = if dice { Some(read_dice()?) } else { None };
                ceremony::generate(
                    &GenerateOptions {
                        plan: &plan,
                        profile: &profile,
                        out: &out,
                        dice: dice.as_ref(),
                        paper: &layout,
                        paper_size,
                        printer: print_to.as_deref(),
                    },
                    rec,
                )
            })?;
            after_seal(&out, || {
                console::out("the summary", &summary::generated(&report))?;
                Ok(exit::OK)
            })
        }
        Command::Rehearse {
            out,
            allow_unlocked_memory,
        } => {
            let hardening = harden(allow_unlocked_memory)?;
            let plan = ceremony::rehearsal_plan()?;
            secret::probe_lock(ceremony::locked_pages_needed(plan.quorum.shares))?;
            let writes = ceremony::generation_writes(&plan);
            rootkey::fsio::prepare_out_dir(
                &out,
                &writes.iter().map(String::as_str).collect::<Vec<_>>(),
            )?;
            let header = ceremony::plan_header(
                &plan,
                "rehearsal.toml",
                Kind::Rehearsal,
                ceremony::new_ceremony_id()?,
                preflight(&hardening, true, &output_facts(&out, true, None)?)?,
            );
            let mut rec = Recorder::create(&out, &header)?;
            let layout = PaperLayout::from_toml(DEFAULT_PAPER_LAYOUT, "templates/paper.toml")?;
            let r = transcript::recorded(&mut rec, |rec| {
                ceremony::rehearse(&out, &plan, &layout, rec)
            })?;
            after_seal(&out, || {
                console::out(
                    "the summary",
                    &format!(
                        "{3}\n{4}\nREHEARSAL complete. Transcript: {1}\nCheck it and the certificate yourself:\n  rootkey transcript verify {1} --root {0} --artifacts {2}\n  openssl verify -CAfile {0} {0}\n  openssl x509 -in {0} -noout -text\n",
                        r.generated.root_path.display(),
                        out.join(transcript::FILE_NAME).display(),
                        out.display(),
                        summary::generated(&r.generated),
                        summary::combined(&r.combined),
                    ),
                )?;
                disagreement_exit(&r.combined)
            })
        }
        Command::Share(ShareCommand::Verify {
            share,
            qr_image,
            keyboard,
            manifest,
            root,
        }) => {
            harden(false)?;
            let ctx = Context::load(&manifest, &root)?;
            let source = match (share, qr_image) {
                (Some(p), _) => Source::File(p),
                (None, Some(p)) => Source::QrImage(p),
                // clap lets only `--type` through here.
                (None, None) => {
                    debug_assert!(keyboard);
                    Source::Keyboard
                }
            };
            let v = ceremony::verify_share_text(rootkey::share::input::read(source, 1)?, &ctx)?;
            console::out(
                "the summary",
                &summary::verified(&v, ctx.manifest.ceremony.rehearsal, &ctx.root.fingerprint),
            )?;
            Ok(exit::OK)
        }
        Command::Combine {
            out,
            manifest,
            root,
            shares,
            qr_images,
            keyboard,
            allow_unlocked_memory,
        } => {
            transcript::check_recordable_name(&manifest, "manifest")?;
            transcript::check_recordable_name(&root, "root certificate")?;
            for s in &shares {
                transcript::check_recordable_name(s, "share file")?;
            }
            for s in &qr_images {
                transcript::check_recordable_name(s, "QR image")?;
            }
            let ctx = Context::load(&manifest, &root)?;
            if allow_unlocked_memory && !ctx.manifest.ceremony.rehearsal {
                return Err(Error::operator(
                    "--allow-unlocked-memory is only allowed for rehearsal ceremonies",
                ));
            }
            let hardening = harden(allow_unlocked_memory)?;
            rootkey::fsio::prepare_out_dir(&out, &[transcript::FILE_NAME])?;
            let header = ceremony::quorum_header(
                &ctx,
                Kind::QuorumCheck,
                ceremony::new_ceremony_id()?,
                preflight(
                    &hardening,
                    ctx.manifest.ceremony.rehearsal,
                    &output_facts(&out, false, None)?,
                )?,
            );
            let mut rec = Recorder::create(&out, &header)?;
            let mut sources: Vec<Source> = shares.into_iter().map(Source::File).collect();
            sources.extend(qr_images.into_iter().map(Source::QrImage));
            if keyboard || sources.is_empty() {
                let k = ctx.manifest.threshold as usize;
                let more = k.saturating_sub(sources.len()).max(1);
                sources.extend((0..more).map(|_| Source::Keyboard));
            }
            let r = transcript::recorded(&mut rec, |rec| ceremony::combine(&ctx, sources, rec))?;
            after_seal(&out, || {
                console::out(
                    "the summary",
                    &format!(
                        "{}Transcript: {} (sealed by the rebuilt key)\n",
                        summary::combined(&r),
                        out.join(transcript::FILE_NAME).display()
                    ),
                )?;
                disagreement_exit(&r)
            })
        }
    }
}

/// A report file that could not be written: the file system's fault (exit 4), never a verdict
/// on the transcript. `written` is the Markdown report if it was written before the PDF failed.
fn report_not_written(e: Error, written: Option<&std::path::Path>) -> Error {
    if e.fault != rootkey::error::Fault::Environment || e.hint.is_some() {
        return e;
    }
    let done = match written {
        Some(md) => format!("{} was written; ", md.display()),
        None => String::new(),
    };
    e.hint(format!(
        "{done}free space or choose a writable place for the report, then run `transcript report` again (the transcript was not changed)"
    ))
}

fn run_transcript(cmd: TranscriptCommand) -> Result<i32, Error> {
    match cmd {
        TranscriptCommand::Verify {
            transcript,
            against,
        } => match replay(&transcript, &against) {
            Ok(r) => print_replay(&r),
            Err(e) => unreadable(&e),
        },
        TranscriptCommand::Attest {
            transcript,
            root,
            key,
            name,
        } => {
            harden(false)?;
            let root = rootkey::cert::RootCert::load(&root)?;
            let pem = rootkey::fsio::read_secret(&key, 16 * 1024)
                .map_err(|e| e.context(format!("witness key {}", key.display())))?;
            let a = transcript::attest(&transcript, &root, &pem, &name)?;
            console::out("the summary", &summary::attested(&a, &name)).map_err(|e| {
                Error::environment(format!(
                    "{} — the attestation was appended to {}; only its summary on screen was lost",
                    e.message,
                    a.path.display()
                ))
                .hint(format!(
                    "do not attest again; `rootkey transcript verify {}` lists the attestations",
                    transcript.display()
                ))
            })?;
            Ok(exit::OK)
        }
        TranscriptCommand::Report {
            transcript,
            out,
            pdf,
            paper,
            against,
        } => {
            let r = match replay(&transcript, &against) {
                Ok(r) => r,
                Err(e) => return unreadable(&e),
            };
            let rep = transcript::report::build(&r);
            let md = transcript::report::markdown(&rep);
            // Render the PDF first: nothing is written if it cannot be made.
            let pdf_bytes = match &pdf {
                Some(_) => Some(transcript::report::pdf(&rep, paper.size())?),
                None => None,
            };
            // Both names are checked before the first is written.
            rootkey::fsio::check_new_file(&out, "--out")?;
            if let Some(p) = &pdf {
                rootkey::fsio::check_new_file(p, "--pdf")?;
            }
            // From here on a failure is the environment's (exit 4), never "invalid".
            rootkey::fsio::write_new(&out, md.as_bytes(), rootkey::fsio::PUBLIC_MODE)
                .map_err(|e| report_not_written(e, None))?;
            console::out(
                "the list of reports written",
                &format!("report written: {}\n", out.display()),
            )?;
            if let (Some(p), Some(bytes)) = (&pdf, &pdf_bytes) {
                rootkey::fsio::write_new(p, bytes, rootkey::fsio::PUBLIC_MODE)
                    .map_err(|e| report_not_written(e, Some(&out)))?;
                console::out(
                    "the list of reports written",
                    &format!("report written: {}\n", p.display()),
                )?;
            }
            print_replay(&r)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // If standard error refuses the message too, nothing more can be shown: the exit
            // code still says what happened.
            let _ = console::report_error(&e);
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Help, version and usage errors: printed by clap (in its colours), but a page that cannot
/// be written is an environment failure (exit 4), never a panic or a silent success.
fn clap_exit(e: &clap::Error) -> ExitCode {
    use std::io::Write;
    let printed = e.print().and_then(|()| {
        if e.use_stderr() {
            std::io::stderr().flush()
        } else {
            std::io::stdout().flush()
        }
    });
    match printed {
        Ok(()) => ExitCode::from(e.exit_code() as u8),
        // A usage error whose message cannot be shown is still a usage error.
        Err(_) if e.use_stderr() => ExitCode::from(exit::USAGE as u8),
        Err(io) => {
            let what = if e.kind() == clap::error::ErrorKind::DisplayVersion {
                "the version"
            } else {
                "the help"
            };
            let _ = console::report_error(
                &Error::environment(format!(
                    "could not write {what} to standard output: {}",
                    console::io_reason(&io)
                ))
                .hint("make room where standard output goes, or keep the reading end of its pipe open until rootkey exits"),
            );
            ExitCode::from(exit::ENVIRONMENT as u8)
        }
    }
}
