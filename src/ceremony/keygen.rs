//! The generation's stages (`rootkey generate`, and the first half of `rootkey rehearse`), each
//! consuming the one before and writing its step's entry ([`super::steps::generation`]):
//! [`Started`] → [`Seeding`] (the dice typed, if asked for) → [`Seeded`] (`draw-seed`) →
//! [`Keyed`] (`generate-root-key`) → [`Split`] (`split-seed`) → [`RootSigned`]
//! (`sign-root-certificate`) → [`Written`] (`receive-share` each, `write-root-pem`,
//! `write-manifest`) → sealed ([`Written::seal`], then `attest-transcript`), or for a rehearsal
//! [`KeyWiped`] (`wipe-generated-key`) → the shared [`ContextLoaded`] and the rebuild.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::flow::Run;
use super::generate::{GenerateOptions, GenerateReport, read_dice};
use super::outputs::{BuildParams, Outputs, build_outputs, write_files};
use super::stages::{ContextLoaded, Started};
use crate::cert::{self, RootCert};
use crate::encoding::time::UtcTime;
use crate::error::Result;
use crate::key::{self, RootKey};
use crate::secret::{self, SecretBytes};
use crate::shamir::{self, SharePoint};
use crate::transcript::{Kind, TOOL_ACTOR, event};

/// The generation's stage before the seed: the header written, the dice typed if asked for.
pub struct Seeding<'r> {
    pub(super) run: Run<'r>,
}

impl<'r> Started<'r> {
    /// Step `type-dice` when `dice`: the officer types the rolls ([`read_dice`]), returned
    /// for [`GenerateOptions::dice`].
    pub fn type_dice(mut self, dice: bool) -> Result<(Seeding<'r>, Option<SecretBytes>)> {
        let dice = if dice {
            self.run.enter("type-dice")?;
            Some(read_dice(self.run.console()?)?)
        } else {
            None
        };
        Ok((Seeding { run: self.run }, dice))
    }
}

impl<'r> Seeding<'r> {
    /// Step `draw-seed`: a new seed from the OS, mixed with `dice` if given.
    pub fn draw_seed(mut self, dice: Option<&SecretBytes>) -> Result<Seeded<'r>> {
        self.run.enter("draw-seed")?;
        let seed = key::generate_seed(dice)?;
        let dice_rolls = dice.map(|d| d.len()).unwrap_or(0);
        let rec = self.run.entry();
        rec.record(
            &[TOOL_ACTOR],
            event::Entropy {
                dice_rolls: dice_rolls as u64,
                source: if dice.is_some() {
                    event::EntropySource::OsDice
                } else {
                    event::EntropySource::Os
                },
            },
        )?;
        Ok(Seeded {
            run: self.run,
            seed,
        })
    }
}

/// The seed is drawn (in locked memory).
pub struct Seeded<'r> {
    run: Run<'r>,
    seed: SecretBytes,
}

impl<'r> Seeded<'r> {
    /// Step `generate-root-key`: the root key from the seed.
    pub fn generate_key(mut self) -> Result<Keyed<'r>> {
        self.run.enter("generate-root-key")?;
        let key = RootKey::from_seed(&self.seed)?;
        let pk = key.public_key_bytes();
        let rec = self.run.entry();
        rec.record(
            &[TOOL_ACTOR],
            event::KeyGenerated {
                fingerprint: hex::encode(cert::fingerprint(&pk)),
                public_key: hex::encode(pk),
            },
        )?;
        Ok(Keyed {
            run: self.run,
            seed: self.seed,
            key,
        })
    }
}

/// The root key exists; the seed is still held, to be split.
pub struct Keyed<'r> {
    run: Run<'r>,
    seed: SecretBytes,
    key: RootKey,
}

impl<'r> Keyed<'r> {
    /// Step `split-seed`: the seed split `threshold` of `shares`, every k-subset checked;
    /// then the seed is wiped.
    pub fn split(mut self, threshold: u8, shares: u8) -> Result<Split<'r>> {
        self.run.enter("split-seed")?;
        let mut rng = rand_core::UnwrapErr(getrandom::SysRng);
        let (points, subsets_checked) = shamir::split(&self.seed, threshold, shares, &mut rng)?;
        drop(self.seed);
        let rec = self.run.entry();
        rec.record(
            &[TOOL_ACTOR],
            event::SharesSplit {
                shares,
                subsets_checked: subsets_checked as u64,
                threshold,
            },
        )?;
        Ok(Split {
            run: self.run,
            key: self.key,
            points,
            subsets_checked,
        })
    }
}

/// The seed is split into share points and wiped.
pub struct Split<'r> {
    run: Run<'r>,
    key: RootKey,
    points: Vec<SharePoint>,
    subsets_checked: usize,
}

impl<'r> Split<'r> {
    /// Step `sign-root-certificate`: builds every output in memory ([`build_outputs`]: the
    /// self-signed root, the share envelopes and files, the signed manifest), then wipes the
    /// points.
    /// `now` is the ceremony's time (the root's notBefore, the manifest's creation).
    pub fn sign_root(mut self, opts: &GenerateOptions<'_>, now: UtcTime) -> Result<RootSigned<'r>> {
        self.run.enter("sign-root-certificate")?;
        let memory_locked = !secret::unlocked_memory_used();
        let outputs = build_outputs(
            &self.key,
            &self.points,
            &BuildParams {
                plan: opts.plan,
                profile: opts.profile,
                ceremony_id: self.run.recorder().ceremony_id(),
                now,
                memory_locked,
                paper: opts.paper,
                paper_size: opts.paper_size,
            },
        )?;
        drop(self.points);
        let root = RootCert::from_pem(outputs.root_pem.as_bytes(), "root.pem")?;
        let rec = self.run.entry();
        rec.record(
            &[TOOL_ACTOR],
            event::CertificateSigned {
                certificate_sha256: hex::encode(Sha256::digest(&root.der)),
                fingerprint: hex::encode(root.fingerprint),
                not_after: root.not_after,
                not_before: root.not_before,
                serial: root.serial_hex.clone(),
                subject: root.subject.clone(),
            },
        )?;
        self.run.console()?.milestone(
            "the root fingerprint",
            &super::summary::root_signed(&root.fingerprint),
        )?;
        Ok(RootSigned {
            run: self.run,
            key: self.key,
            outputs,
            root,
            subsets_checked: self.subsets_checked,
            memory_locked,
        })
    }
}

/// Everything is built in memory and checked; nothing is written yet.
pub struct RootSigned<'r> {
    run: Run<'r>,
    key: RootKey,
    outputs: Outputs,
    root: RootCert,
    subsets_checked: usize,
    memory_locked: bool,
}

impl<'r> RootSigned<'r> {
    /// Steps `receive-share` (each), `write-root-pem`, `write-manifest`: the files of
    /// [`super::outputs::write_outputs`]. Returns the report of the generation.
    pub fn write(mut self, opts: &GenerateOptions<'_>) -> Result<(Written<'r>, GenerateReport)> {
        let (plan, out) = (opts.plan, opts.out);
        let tokens = super::outputs::Tokens {
            plan,
            key: &self.key,
            piv_root: opts.piv_attestation_root,
        };
        let printed = write_files(
            &mut self.run,
            out,
            &mut self.outputs,
            opts.printer,
            Some(tokens),
        )?;
        let outputs = self.outputs;
        let report = GenerateReport {
            ceremony_id: outputs.manifest.ceremony.id.clone(),
            fingerprint: self.root.fingerprint,
            subject: self.root.subject,
            root_path: out.join("root.pem"),
            manifest_path: out.join("manifest.json"),
            transcript_path: self.run.recorder().path().map(Path::to_path_buf),
            sealed: self.run.recorder().kind() == Kind::Generation,
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
                .map(|(e, (name, _))| (e.index, e.holder.clone(), out.join(name)))
                .collect(),
            threshold: plan.quorum.threshold,
            subsets_checked: self.subsets_checked,
            rehearsal: plan.ceremony.rehearsal,
            memory_locked: self.memory_locked,
        };
        Ok((
            Written {
                run: self.run,
                key: self.key,
            },
            report,
        ))
    }
}

/// The generation's files are written; the key is still held.
pub struct Written<'r> {
    run: Run<'r>,
    key: RootKey,
}

impl<'r> Written<'r> {
    /// A generation's end: step `seal-transcript` (the root key seals the transcript and is
    /// wiped), then `attest-transcript`, which the witnesses do afterwards.
    pub fn seal(mut self) -> Result<()> {
        self.run.seal(self.key)?;
        self.run.enter("attest-transcript")?;
        self.run.finish()
    }

    /// A rehearsal's middle: step `wipe-generated-key`, for the rebuild that follows.
    pub fn wipe_key(mut self) -> Result<KeyWiped<'r>> {
        self.run.enter("wipe-generated-key")?;
        drop(self.key);
        let rec = self.run.entry();
        rec.record(&[TOOL_ACTOR], event::KeyWiped {})?;
        Ok(KeyWiped { run: self.run })
    }
}

/// A rehearsal's generated key is wiped; its rebuild comes next.
pub struct KeyWiped<'r> {
    run: Run<'r>,
}

impl<'r> KeyWiped<'r> {
    /// Step `load-context`: the generated root.pem and manifest.json.
    pub fn load_context(self, ctx: &super::Context) -> Result<ContextLoaded<'r>> {
        ContextLoaded::record(self.run, ctx)
    }
}

/// The generation's steps `draw-seed` to `write-manifest` (see [`super::generate()`]), with the
/// dice of `opts`. The key is still held: a generation seals its transcript with it
/// ([`Written::seal`]), a rehearsal wipes it for the rebuild that follows
/// ([`Written::wipe_key`]). Nothing is written unless every check passed.
pub fn generate_in<'r>(
    seeding: Seeding<'r>,
    opts: &GenerateOptions<'_>,
) -> Result<(Written<'r>, GenerateReport)> {
    let _scrub = secret::ScrubOnDrop;
    let (k, n) = (opts.plan.quorum.threshold, opts.plan.quorum.shares);
    let now = UtcTime::now()?;
    seeding
        .draw_seed(opts.dice)?
        .generate_key()?
        .split(k, n)?
        .sign_root(opts, now)?
        .write(opts)
}
