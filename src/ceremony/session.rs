//! What every command does around its ceremony: process hardening and the memory policy
//! before any secret exists, the pre-flight facts of the transcript header, and the outcome
//! shown after the seal.

use std::path::Path;

use crate::console;
use crate::error::{Error, Kind, Result, exit};
use crate::secret::{self, HardeningReport, MemoryPolicy};
use crate::transcript;

/// Where a ceremony's rehearsal flag comes from, for the unlocked-memory rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RehearsalFrom {
    /// The plan's `rehearsal = true` (generation).
    Plan,
    /// The manifest of the root (quorum check and the signing ceremonies).
    Manifest,
}

/// The unlocked-memory rule, checked before anything is written: `--allow-unlocked-memory`
/// only for rehearsals (`rehearsal`, read from `from`). `rootkey rehearse` always is one.
pub fn check_unlocked_memory(
    allow_unlocked: bool,
    rehearsal: bool,
    from: RehearsalFrom,
) -> Result<()> {
    if !allow_unlocked || rehearsal {
        return Ok(());
    }
    Err(match from {
        RehearsalFrom::Plan => Error::new(
            Kind::UnlockedMemoryRefused,
            "--allow-unlocked-memory is only allowed for rehearsal plans (rehearsal = true)",
        )
        .hint("raise RLIMIT_MEMLOCK instead (ulimit -l) for a real ceremony"),
        RehearsalFrom::Manifest => Error::new(
            Kind::UnlockedMemoryRefused,
            "--allow-unlocked-memory is only allowed for rehearsal ceremonies",
        ),
    })
}

/// Hardens the process before any secret exists and applies the memory policy.
pub fn harden(allow_unlocked: bool) -> Result<HardeningReport> {
    secret::set_memory_policy(if allow_unlocked {
        MemoryPolicy::AllowUnlocked
    } else {
        MemoryPolicy::RequireLocked
    });
    let report = secret::harden_process()?;
    // From here Ctrl-C, SIGTERM and SIGHUP stop the ceremony at its step, with `aborted`
    // recorded and every secret wiped as it unwinds (secret::install_interrupt_handlers).
    secret::install_interrupt_handlers()?;
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
pub fn preflight(
    h: &HardeningReport,
    rehearsal: bool,
    out: &transcript::OutputFacts,
) -> Result<serde_json::Value> {
    let p = transcript::preflight(h, out, crate::encoding::time::UtcTime::now()?)?;
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
pub fn output_facts(
    out: &Path,
    persistent_allowed: bool,
    printer: Option<&str>,
) -> Result<transcript::OutputFacts> {
    Ok(transcript::OutputFacts {
        filesystem: crate::fsio::filesystem_type(out)?,
        persistent_allowed,
        printer: printer.map(str::to_string),
    })
}

/// Exit code of a combine: a share that does not agree with the quorum is a verification
/// failure, reported on stderr too.
pub fn disagreement_exit(r: &super::CombineReport) -> Result<i32> {
    for (i, holder, origin) in &r.disagreeing {
        let e = Error::new(Kind::WrongKey, format!(
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
pub fn after_seal(out: &Path, show: impl FnOnce() -> Result<i32>) -> Result<i32> {
    show().map_err(|e| console::after_seal(e, &out.join(transcript::FILE_NAME)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlocked_memory_rule() {
        for from in [RehearsalFrom::Plan, RehearsalFrom::Manifest] {
            assert!(check_unlocked_memory(false, false, from).is_ok());
            assert!(check_unlocked_memory(true, true, from).is_ok());
            let e = check_unlocked_memory(true, false, from).unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::UnlockedMemoryRefused);
            assert!(
                e.message
                    .starts_with("--allow-unlocked-memory is only allowed for rehearsal")
            );
        }
        let e = check_unlocked_memory(true, false, RehearsalFrom::Plan).unwrap_err();
        assert!(
            e.message.ends_with("rehearsal plans (rehearsal = true)"),
            "{}",
            e.message
        );
        let e = check_unlocked_memory(true, false, RehearsalFrom::Manifest).unwrap_err();
        assert!(e.message.ends_with("rehearsal ceremonies"), "{}", e.message);
    }
}
