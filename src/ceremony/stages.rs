//! The stages several ceremony kinds share, as types that consume the stage before them (as
//! rustls' `Expect*` handshake states do): the header written ([`Started`]), the context
//! loaded ([`ContextLoaded`]), what will be signed laid out ([`Prepared`]), confirmed by two
//! people and the key rebuilt ([`Confirmed`]), signed ([`Signed`]); and for the quorum check
//! and the rehearsal, the key rebuilt ([`Rebuilt`]). Each transition enters its step of the
//! kind's list ([`super::flow`]) and writes exactly that step's entry. The kinds add their
//! own stages in their files (the CSR check and the previous intermediate in
//! [`super::intermediate`], the previous CRL in [`super::crl`], the generation in
//! [`super::generate`]).

use std::path::Path;

use sha2::{Digest, Sha256};

use super::Context;
use super::combine::{CombineReport, rebuild_quorum, record_context};
use super::flow::{Entry, Run};
use crate::console::confirm::{Confirmation, check_two, confirm};
use crate::console::share_input::Source;
use crate::error::Result;
use crate::fsio;
use crate::key::RootKey;
use crate::transcript::{TOOL_ACTOR, event};

/// The header is written (step `start-ceremony`).
pub struct Started<'r> {
    pub(super) run: Run<'r>,
}

impl<'r> Started<'r> {
    /// Enters `start-ceremony` on `run`, whose transcript holds its header alone.
    pub fn new(mut run: Run<'r>) -> Result<Started<'r>> {
        run.start()?;
        Ok(Started { run })
    }

    /// Step `load-context`: records which root.pem and manifest.json the ceremony uses.
    pub fn load_context(self, ctx: &Context) -> Result<ContextLoaded<'r>> {
        ContextLoaded::record(self.run, ctx)
    }
}

/// The context is recorded (step `load-context`).
pub struct ContextLoaded<'r> {
    pub(super) run: Run<'r>,
}

impl<'r> ContextLoaded<'r> {
    /// Step `load-context` on `run`, from whatever stage came before it.
    pub(super) fn record(mut run: Run<'r>, ctx: &Context) -> Result<ContextLoaded<'r>> {
        record_context(ctx, run.at("load-context")?)?;
        Ok(ContextLoaded { run })
    }

    /// Steps `present-share` (each), `rebuild-key`, `check-further-share` (each): the quorum
    /// rebuilds the key from `sources`.
    pub fn rebuild(mut self, ctx: &Context, sources: Vec<Source>) -> Result<Rebuilt<'r>> {
        let (key, report) = rebuild_quorum(&mut self.run, ctx, sources)?;
        Ok(Rebuilt {
            run: self.run,
            key,
            report,
        })
    }
}

/// The quorum rebuilt the key (quorum check, rehearsal).
pub struct Rebuilt<'r> {
    run: Run<'r>,
    key: RootKey,
    report: CombineReport,
}

impl Rebuilt<'_> {
    /// Step `seal-transcript`: the rebuilt key seals the transcript and is wiped.
    pub fn seal(mut self) -> Result<CombineReport> {
        self.run.seal(self.key)?;
        self.run.finish()?;
        Ok(self.report)
    }
}

/// What will be signed is laid out and recorded (`certificate-prepared`, `crl-prepared`).
pub struct Prepared<'r> {
    run: Run<'r>,
}

impl<'r> Prepared<'r> {
    /// Step `id` (the kind's `prepare-…`) on `run`: `write` records the draft.
    pub(super) fn record(
        mut run: Run<'r>,
        id: &str,
        write: impl FnOnce(Entry<'_>) -> Result<()>,
    ) -> Result<Prepared<'r>> {
        write(run.at(id)?)?;
        Ok(Prepared { run })
    }

    /// Steps `confirm` (twice), then the quorum: shows `summary`, takes two confirmations of
    /// `tbs_sha256` and records them, then rebuilds the key from `sources`.
    pub fn confirm(
        mut self,
        ctx: &Context,
        summary: &str,
        tbs_sha256: &[u8; 32],
        sources: Vec<Source>,
    ) -> Result<Confirmed<'r>> {
        self.run.enter("confirm")?;
        let confirmations = confirm(self.run.console()?, summary, tbs_sha256)?;
        check_two(&confirmations)?;
        for (i, c) in confirmations.iter().enumerate() {
            if i > 0 {
                self.run.enter("confirm")?;
            }
            let rec = self.run.entry();
            rec.record(
                &[&c.name],
                event::Confirmed {
                    method: c.method,
                    name: c.name.clone(),
                    tbs_sha256: hex::encode(tbs_sha256),
                },
            )?;
        }
        let (key, quorum) = rebuild_quorum(&mut self.run, ctx, sources)?;
        Ok(Confirmed {
            run: self.run,
            key,
            confirmations,
            quorum,
        })
    }
}

/// Two people confirmed, and the quorum rebuilt the key.
pub struct Confirmed<'r> {
    run: Run<'r>,
    /// The rebuilt key.
    key: RootKey,
    /// Who confirmed.
    pub confirmations: Vec<Confirmation>,
    /// The quorum.
    pub quorum: CombineReport,
}

impl<'r> Confirmed<'r> {
    /// The rebuilt key, to sign the confirmed bytes with.
    pub fn key(&self) -> &RootKey {
        &self.key
    }

    /// Step `id` (the kind's `issue-…`): `write` records what was signed and checked.
    pub(super) fn issued(
        mut self,
        id: &str,
        write: impl FnOnce(Entry<'_>) -> Result<()>,
    ) -> Result<Signed<'r>> {
        write(self.run.at(id)?)?;
        Ok(Signed {
            run: self.run,
            key: self.key,
            confirmations: self.confirmations,
            quorum: self.quorum,
        })
    }
}

/// Signed and checked back; nothing written yet.
pub struct Signed<'r> {
    run: Run<'r>,
    key: RootKey,
    confirmations: Vec<Confirmation>,
    quorum: CombineReport,
}

impl Signed<'_> {
    /// One `write-…` step per file (step id, file name, bytes): writes each issued file into
    /// `out` (recording `artifact-written`), then step `seal-transcript`: the key seals the
    /// transcript and is wiped. Returns who confirmed and the quorum.
    pub fn write_and_seal(
        mut self,
        out: &Path,
        files: &[(&str, &str, &[u8])],
    ) -> Result<(Vec<Confirmation>, CombineReport)> {
        for (id, file, bytes) in files {
            self.run.enter(id)?;
            self.run.durable()?;
            fsio::write_new(&out.join(file), bytes, fsio::PUBLIC_MODE)?;
            let rec = self.run.entry();
            rec.record(
                &[TOOL_ACTOR],
                event::ArtifactWritten {
                    file: file.to_string(),
                    sha256: hex::encode(Sha256::digest(bytes)),
                },
            )?;
        }
        self.run.seal(self.key)?;
        self.run.finish()?;
        Ok((self.confirmations, self.quorum))
    }
}
