//! The steps both signing ceremonies share (docs/ceremony-guide.md, "Rotation" and "Revocation"): a quorum rebuilds
//! the root key to sign one intermediate CA certificate (`rootkey intermediate sign`, transcript
//! kind `rotation`) or one CRL (`rootkey crl sign`, kind `crl`).
//!
//! The steps, each recorded before the next starts:
//! 1. the public context (root.pem, manifest.json) and the request (CSR and its out-of-band
//!    hash, or the previous CRL and the revocations) are checked — no share is asked for yet;
//! 2. the exact to-be-signed bytes are laid out from public facts and shown;
//! 3. two distinct people confirm them ([`confirm`], at the ceremony's [`Console`]);
//! 4. the holders present their shares; the key is rebuilt in locked memory and checked
//!    against root.pem ([`super::combine::rebuild_quorum`]);
//! 5. the key signs the confirmed bytes; the result is parsed back and must carry those bytes
//!    and verify under root.pem;
//! 6. the files are written, the transcript is sealed by the key, and the key is wiped.

//!
//! [`super::intermediate`] and [`super::crl`] differ only in steps 1, 2 and 5; steps 3, 4 and 6
//! are the shared stages [`super::stages::Prepared::confirm`] and
//! [`super::stages::Signed::write_and_seal`]; this file holds what both do before the
//! ceremony starts (inputs, output names, hardening, the transcript's creation).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::combine::verify_share;
use super::session::{RehearsalFrom, check_unlocked_memory, harden, output_facts, preflight};
use super::{Context, locked_pages_needed, new_ceremony_id, quorum_header};
use crate::console::share_input::{self, Source, TokenShare};
use crate::encoding::names::base_name;
use crate::error::Kind as ErrorKind;
use crate::error::{Error, Result};
use crate::fsio;
use crate::secret::{self, SecretBytes};
use crate::transcript::{self, Kind, Recorder};

/// Where the shares of a signing ceremony come from, and who confirms (the flags
/// `--share`, `--qr-image`, `--type`, `--confirm`, `--allow-unlocked-memory`).
pub struct QuorumArgs {
    /// Share files.
    pub shares: Vec<PathBuf>,
    /// Photos of paper shards' QR codes.
    pub qr_images: Vec<PathBuf>,
    /// Also type or scan shares at the keyboard.
    pub keyboard: bool,
    /// Shares on hardware tokens.
    pub tokens: TokenArgs,
    /// The confirmers' names (none: interactive).
    pub confirm: Vec<String>,
    /// Continue without locked memory (rehearsal roots only).
    pub allow_unlocked_memory: bool,
    /// People without a share recorded in the transcript header before the holders: the
    /// plan's participants when `rootkey run` runs the ceremony (they acknowledge its
    /// checklist steps); none for the expert commands.
    pub people: Vec<transcript::Participant>,
}

/// The token shares of a ceremony (`--token-share INDEX`, `--pkcs11-module PATH`).
#[derive(Clone, Debug, Default)]
pub struct TokenArgs {
    /// The indices of the shares to read from their tokens, in order.
    pub indices: Vec<u8>,
    /// The PKCS#11 modules to search for PKCS#11 tokens, in order.
    pub pkcs11_modules: Vec<PathBuf>,
}

/// The token shares `a` names, with what the manifest of `ctx` (read from `manifest`) says
/// about each; the payload files are looked for beside the manifest. Refused before anything
/// starts: an index the manifest does not list on a token, an index given twice, a PKCS#11
/// share without `--pkcs11-module`, a module that is not a PKCS#11 library.
pub fn token_shares(ctx: &Context, manifest: &Path, a: &TokenArgs) -> Result<Vec<TokenShare>> {
    let m = &ctx.manifest;
    let dir = manifest.parent().unwrap_or(Path::new("."));
    for p in &a.pkcs11_modules {
        crate::token::pkcs11::Module::load(p)?;
    }
    let mut out: Vec<TokenShare> = Vec::new();
    for &index in &a.indices {
        if out.iter().any(|t| t.index == index) {
            return Err(Error::new(
                ErrorKind::DuplicateShare,
                format!("--token-share {index} is given twice"),
            )
            .hint("name each token share once"));
        }
        let Some(e) = m.shares.iter().find(|s| s.index == index) else {
            return Err(Error::new(
                ErrorKind::NotATokenShare,
                format!(
                    "--token-share {index}: the manifest lists shares 1 to {}",
                    m.shares.len()
                ),
            )
            .hint("give the index of a share the manifest lists on a token"));
        };
        let (true, Some(token)) = (e.medium.is_token(), &e.token) else {
            return Err(Error::new(
                ErrorKind::NotATokenShare,
                format!(
                    "--token-share {index}: share {index} (holder \"{}\") is on {}, not on a token",
                    e.holder,
                    e.medium.as_str()
                ),
            )
            .hint("present it with --share FILE, --qr-image PHOTO or --type"));
        };
        if e.medium == crate::plan::Medium::Pkcs11 && a.pkcs11_modules.is_empty() {
            return Err(Error::new(
                ErrorKind::NotATokenShare,
                format!(
                    "--token-share {index}: share {index} (holder \"{}\") is on a PKCS#11 token (serial {}), and no --pkcs11-module is given",
                    e.holder,
                    crate::error::replace_unsafe(&token.serial, '?')
                ),
            )
            .hint("give --pkcs11-module PATH, the module that reaches the token (e.g. /usr/lib/softhsm/libsofthsm2.so)"));
        }
        out.push(TokenShare {
            index,
            holder: e.holder.clone(),
            medium: e.medium,
            token: token.clone(),
            ceremony_id: m.ceremony_id(),
            root_fingerprint: ctx.root.fingerprint,
            payload_path: dir.join(&token.payload_file),
            pkcs11_modules: a.pkcs11_modules.clone(),
            rehearsal: m.ceremony.rehearsal,
        });
    }
    if !out.is_empty() {
        let on = |medium| out.iter().filter(|t| t.medium == medium).count();
        super::session::note_tokens(super::session::TokenNeeds {
            yubikeys: on(crate::plan::Medium::Yubikey),
            pkcs11: on(crate::plan::Medium::Pkcs11),
            modules: a.pkcs11_modules.clone(),
        });
    }
    Ok(out)
}

/// A holder the plan expects to present at their own step (`rootkey run` of a signing plan):
/// their share index, the medium the plan gives them, and the PKCS#11 module of a PKCS#11
/// token (from the plan's token table).
#[derive(Clone, Debug)]
pub struct Presenter {
    /// The share index.
    pub index: u8,
    /// The holder's medium in the plan.
    pub medium: crate::plan::Medium,
    /// A PKCS#11 token's module.
    pub pkcs11_module: Option<PathBuf>,
}

/// The sources of a signing ceremony run from a plan: one [`Source::Holder`] per presenter,
/// in order, each asked at its own `present-share` step as its medium says and checked alone
/// as it is presented ([`verify_share`], and that it is the expected holder's share). A
/// token share is checked as `--token-share` is ([`token_shares`], and its payload file
/// before anyone confirms, by [`check_sources_early`]).
pub fn holder_sources(
    presenters: &[Presenter],
    ctx: &Context,
    manifest: &Path,
) -> Result<Vec<Source>> {
    use share_input::holder::{HolderTurn, Way};
    let mut out = Vec::with_capacity(presenters.len());
    for p in presenters {
        let way = if p.medium.is_token() {
            let tokens = TokenArgs {
                indices: vec![p.index],
                pkcs11_modules: p.pkcs11_module.iter().cloned().collect(),
            };
            let mut t = token_shares(ctx, manifest, &tokens)?;
            Way::Token(Box::new(t.remove(0)))
        } else if p.medium == crate::plan::Medium::Paper {
            Way::Paper
        } else {
            Way::File
        };
        let Some(entry) = ctx.manifest.shares.iter().find(|s| s.index == p.index) else {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "share {} is expected to be presented, but the manifest lists shares 1 to {}",
                    p.index,
                    ctx.manifest.shares.len()
                ),
            ));
        };
        let (index, holder) = (p.index, entry.holder.clone());
        // What the check needs of the context, owned (the source outlives this call).
        let check_ctx = Context {
            root: ctx.root.clone(),
            manifest: ctx.manifest.clone(),
            root_file: ctx.root_file.clone(),
            manifest_file: ctx.manifest_file.clone(),
        };
        let expected = holder.clone();
        let check =
            move |s: share_input::Presented| -> Result<share_input::Presented> {
                let v = verify_share(s, &check_ctx)?;
                if v.entry.index != index {
                    return Err(Error::new(
                    ErrorKind::DuplicateShare,
                    format!(
                        "{} is share {} (holder \"{}\"), not share {index} (holder \"{expected}\")",
                        v.origin, v.entry.index, v.entry.holder
                    ),
                )
                .hint(format!("{expected} presents their own share, number {index}")));
                }
                Ok(share_input::Presented {
                    envelope: v.envelope,
                    origin: v.origin,
                    file: v.file,
                    corrections: v.corrections,
                })
            };
        out.push(Source::Holder(Box::new(HolderTurn {
            index,
            holder,
            way,
            check: Box::new(check),
        })));
    }
    Ok(out)
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
    pub(super) fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.bytes))
    }
}

/// Writes the copies of the ceremony's inputs (one per name; [`writes`] has checked that equal
/// names mean equal bytes) once the transcript's header is on disk and before the entries after
/// it ([`Recorder::before_entries`]; called before the first entry that names any of them), so
/// that an interrupted ceremony never records a file its directory does not hold, and never
/// leaves copies without a transcript.
pub(super) fn copy_inputs(rec: &mut Recorder, out: &Path, files: &[&InputFile]) -> Result<()> {
    let mut copies: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        if !files[..i].iter().any(|g| g.name == f.name) {
            copies.push((out.join(&f.name), f.bytes.clone()));
        }
    }
    rec.before_entries(Box::new(move || {
        copies
            .iter()
            .try_for_each(|(path, bytes)| fsio::write_new(path, bytes, fsio::PUBLIC_MODE))
    }))
}

/// Every name a ceremony writes into its output directory: the copies of `inputs`, `outputs`
/// and the transcript. Refuses an input named like an output and two different inputs with
/// the same name, before anything is written.
pub(super) fn writes(inputs: &[&InputFile], outputs: &[&str]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for (i, f) in inputs.iter().enumerate() {
        if outputs.contains(&f.name.as_str()) || f.name == crate::transcript::FILE_NAME {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "an input file is named {}, like a file this ceremony writes; rename it",
                    f.name
                ),
            ));
        }
        if inputs[..i]
            .iter()
            .any(|g| g.name == f.name && g.bytes != f.bytes)
        {
            return Err(Error::new(
                ErrorKind::Argument,
                format!(
                    "two different input files are both named {}; rename one",
                    f.name
                ),
            ));
        }
        if !names.contains(&f.name) {
            names.push(f.name.clone());
        }
    }
    names.extend(outputs.iter().map(|o| o.to_string()));
    names.push(crate::transcript::FILE_NAME.to_string());
    Ok(names)
}

/// The share sources of a signing ceremony against `ctx` (read from `manifest`): files,
/// photos, tokens, then the keyboard (the default when nothing else is given) for as many as
/// the threshold still needs.
pub fn quorum_sources(q: &QuorumArgs, ctx: &Context, manifest: &Path) -> Result<Vec<Source>> {
    for s in &q.shares {
        transcript::check_recordable_name(s, "share file")?;
    }
    for s in &q.qr_images {
        transcript::check_recordable_name(s, "QR image")?;
    }
    Ok(share_input::sources(
        &q.shares,
        &q.qr_images,
        token_shares(ctx, manifest, &q.tokens)?,
        q.keyboard,
        ctx.manifest.threshold,
    ))
}

/// Checks every share that can be read without a person before anyone confirms or presents
/// anything (a signing ceremony's confirmations, a quorum check's keyboard entries): each
/// share file and photo is read, decoded and verified alone against the manifest of `ctx`,
/// and a token share's payload file is checked ([`share_input::check_payload_early`]); a share given
/// twice is refused, and so are fewer shares than the threshold without the keyboard. Keyboard
/// and token shares themselves can only be read at the quorum step.
/// Returns the sources with each file and photo replaced by its text as read
/// ([`Source::Read`], in locked memory), so that the quorum step decodes, verifies and records
/// it then, in the transcript's order, without reading the file or decoding the photo again.
pub fn check_sources_early(ctx: &Context, sources: Vec<Source>) -> Result<Vec<Source>> {
    let _scrub = secret::ScrubOnDrop;
    // (index, holder, origin) of each share checked so far.
    let mut seen: Vec<(u8, String, String)> = Vec::new();
    let mut out = Vec::with_capacity(sources.len());
    for source in sources {
        let (index, holder, origin, source) = match source {
            Source::File(p) => checked_early(share_input::read_file(&p)?, ctx)?,
            Source::QrImage(p) => checked_early(share_input::read_qr_image(&p)?, ctx)?,
            Source::Token(t) => {
                share_input::check_payload_early(&t)?;
                let origin = format!("--token-share {}", t.index);
                (t.index, t.holder.clone(), origin, Source::Token(t))
            }
            Source::Holder(h) => {
                if let share_input::holder::Way::Token(t) = &h.way {
                    share_input::check_payload_early(t)?;
                }
                out.push(Source::Holder(h));
                continue;
            }
            other => {
                out.push(other);
                continue;
            }
        };
        if let Some((_, _, first)) = seen.iter().find(|(i, _, _)| *i == index) {
            let files = if *first == origin {
                format!("the same {origin} was given twice")
            } else {
                format!("{first} and {origin} hold the same share")
            };
            return Err(Error::new(
                ErrorKind::DuplicateShare,
                format!("share {index} (holder \"{holder}\") is given twice: {files}"),
            )
            .hint("each holder presents their share once; ask another holder for theirs"));
        }
        seen.push((index, holder, origin));
        out.push(source);
    }
    // Without the keyboard (`--type`), the shares given are all there will be.
    let k = ctx.manifest.threshold as usize;
    if out.len() < k && !out.iter().any(|s| matches!(s, Source::Keyboard)) {
        let have: Vec<String> = seen.iter().map(|(i, h, _)| format!("{i} ({h})")).collect();
        return Err(Error::new(
            ErrorKind::TooFewShares,
            format!(
                "{} share(s) given and no --type: the threshold is {k}, {} more needed (have: share {})",
                out.len(),
                k - out.len(),
                have.join(", ")
            ),
        )
        .hint("give the missing shares with --share FILE, --qr-image PHOTO or --token-share INDEX, or add --type to type or scan them at the keyboard"));
    }
    Ok(out)
}

/// A share read from a file or a photo (`text`), verified alone against `ctx` on a copy;
/// returns its index, holder and origin, and `text` itself as a [`Source::Read`].
fn checked_early(
    text: share_input::ShareText,
    ctx: &Context,
) -> Result<(u8, String, String, Source)> {
    let copy = share_input::ShareText {
        text: SecretBytes::copy_from(text.text.as_slice())?,
        origin: text.origin.clone(),
        file: text.file.clone(),
    };
    let v = verify_share(share_input::decode(copy)?, ctx)?;
    Ok((
        v.entry.index,
        v.entry.holder.clone(),
        v.origin.clone(),
        Source::Read(text),
    ))
}

/// Loads root.pem and manifest.json once, for the context and for the copies.
pub fn load_context(manifest: &Path, root: &Path) -> Result<(Context, InputFile, InputFile)> {
    let r = InputFile::read(root, super::MAX_ROOT_BYTES, "root certificate")?;
    let m = InputFile::read(manifest, super::MAX_MANIFEST_BYTES, "manifest")?;
    let ctx = Context::from_bytes(&m.bytes, manifest, &r.bytes, root)?;
    Ok((ctx, r, m))
}

/// Hardening, the locked-memory probe, the early check of every share that needs no person
/// ([`check_sources_early`]: a share file of another ceremony is refused here, before anyone
/// confirms, and nothing has started), then the output directory and the transcript for a
/// ceremony against `ctx`. Returns the transcript and the sources checked.
pub fn start_signing(
    ctx: &Context,
    kind: Kind,
    out: &Path,
    writes: &[String],
    quorum: &QuorumArgs,
    sources: Vec<Source>,
) -> Result<(Recorder, Vec<Source>)> {
    let allow_unlocked = quorum.allow_unlocked_memory;
    check_unlocked_memory(
        allow_unlocked,
        ctx.manifest.ceremony.rehearsal,
        RehearsalFrom::Manifest,
    )?;
    let hardening = harden(allow_unlocked)?;
    secret::probe_lock(locked_pages_needed(ctx.manifest.shares_total))?;
    let sources = check_sources_early(ctx, sources).map_err(nothing_started)?;
    let writes: Vec<&str> = writes.iter().map(String::as_str).collect();
    super::session::refuse_network(ctx.manifest.ceremony.rehearsal)?;
    super::outdir::prepare_out_dir(out, &writes)?;
    let mut header = quorum_header(
        ctx,
        kind,
        new_ceremony_id()?,
        preflight(
            &hardening,
            ctx.manifest.ceremony.rehearsal,
            &output_facts(out, false, None)?,
        )?,
    );
    header
        .participants
        .splice(0..0, quorum.people.iter().cloned());
    Ok((Recorder::create_deferred(out, &header)?, sources))
}

/// A failure before the ceremony started (no transcript, no output directory yet).
pub fn nothing_started(e: Error) -> Error {
    Error {
        message: format!(
            "{} — the ceremony did not start; nothing was signed",
            e.message
        ),
        ..e
    }
}

/// The next step after a ceremony whose transcript in `out` was created stopped at a prompt:
/// cancelled there (Ctrl-C at a hidden prompt, Ctrl-D at any), or a slip asked again until its
/// tries ran out. The output directory holds the transcript with its `aborted` entry: it is
/// kept for the record, and the ceremony is run again in a new directory. Other errors keep
/// their own next step.
pub fn at_prompt_next_step(out: &Path, e: Error) -> Error {
    let at_prompt = matches!(
        e.kind,
        ErrorKind::Cancelled
            | ErrorKind::Dice
            | ErrorKind::BadCharacter
            | ErrorKind::ConfirmationRefused
            | ErrorKind::SamePersonTwice
            | ErrorKind::DuplicateShare
            | ErrorKind::TooManyTries
    );
    if !at_prompt || !out.join(crate::transcript::FILE_NAME).is_file() {
        return e;
    }
    let keep = format!(
        "{} holds the aborted transcript of this run: keep it, and run again with a new --out directory",
        out.display()
    );
    let hint = match &e.hint {
        Some(h) => format!("{h}; {keep}"),
        None => keep,
    };
    e.hint(hint)
}

/// Checks the `--confirm` names (none, or two valid and distinct ones) where a signing
/// ceremony checks its arguments; the cli has made the console from them
/// ([`crate::console::confirmer`] refuses the same names).
pub fn check_confirmers(names: &[String]) -> Result<()> {
    crate::console::confirmer(names).map(drop)
}
