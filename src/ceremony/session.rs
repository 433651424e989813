//! What every command does around its ceremony: process hardening and the memory policy
//! before any secret exists, the pre-flight facts of the transcript header, and the outcome
//! shown after the seal.

use std::path::Path;

use crate::console::{self, Console};
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

/// The administrator's exception for a network interface that is up (`--allow-network
/// REASON`), set once by the command line before the ceremony starts.
static NETWORK_EXCEPTION: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Records the administrator's exception (`--allow-network REASON`): a real ceremony then
/// starts although a network interface is up, and the reason goes into the transcript's
/// pre-flight facts (`preflight.network_exception`).
pub fn allow_network(reason: Option<String>) {
    if let Ok(mut g) = NETWORK_EXCEPTION.lock() {
        *g = reason;
    }
}

fn network_exception() -> Option<String> {
    NETWORK_EXCEPTION.lock().ok().and_then(|g| g.clone())
}

/// An answers file that answers this ceremony's questions (`rootkey run --answers FILE`):
/// recorded in the transcript's pre-flight facts (`preflight.answers_file`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswersUse {
    /// The file's base name.
    pub file: String,
    /// SHA-256 (hex) of its bytes.
    pub sha256: String,
    /// Whether `--i-understand-this-is-unattended` was given.
    pub unattended: bool,
}

/// The answers file in use, set once by `rootkey run` before the ceremony starts.
static ANSWERS_FILE: std::sync::Mutex<Option<AnswersUse>> = std::sync::Mutex::new(None);

/// Records that an answers file answers this ceremony (see [`AnswersUse`]).
pub fn use_answers(answers: Option<AnswersUse>) {
    if let Ok(mut g) = ANSWERS_FILE.lock() {
        *g = answers;
    }
}

fn answers_use() -> Option<AnswersUse> {
    ANSWERS_FILE.lock().ok().and_then(|g| g.clone())
}

/// The hardware tokens a ceremony will use, noted before its pre-flight for the screen's
/// tokens line ([`note_tokens`]): how many shares are on YubiKeys and on PKCS#11 tokens, and
/// the PKCS#11 modules that reach them.
#[derive(Clone, Debug, Default)]
pub struct TokenNeeds {
    /// Shares on YubiKeys.
    pub yubikeys: usize,
    /// Shares on PKCS#11 tokens.
    pub pkcs11: usize,
    /// The PKCS#11 modules (plan or `--pkcs11-module`).
    pub modules: Vec<std::path::PathBuf>,
}

static TOKEN_NEEDS: std::sync::Mutex<Option<TokenNeeds>> = std::sync::Mutex::new(None);

/// Notes the tokens the ceremony will use (generation: the plan's token holders; signing: the
/// token shares given), for the pre-flight screen.
pub fn note_tokens(needs: TokenNeeds) {
    if let Ok(mut g) = TOKEN_NEEDS.lock() {
        *g = Some(needs);
    }
}

/// The pre-flight screen's tokens line: what can be checked before any holder comes — pcscd
/// and its readers for YubiKeys (no card is touched: each token is checked at its holder's
/// step), each PKCS#11 module readable.
fn token_line() -> String {
    let needs = TOKEN_NEEDS
        .lock()
        .ok()
        .and_then(|g| g.clone())
        .unwrap_or_default();
    if needs.yubikeys == 0 && needs.pkcs11 == 0 {
        return screen_line("tokens", "", "none used by this ceremony");
    }
    let mut ok = Vec::new();
    if needs.yubikeys > 0 {
        match crate::token::piv::readers() {
            Ok(n) => ok.push(format!(
                "{} share(s) on YubiKeys: pcscd up, {n} reader(s)",
                needs.yubikeys
            )),
            Err(e) => {
                return screen_line(
                    "tokens",
                    "PROBLEM",
                    &format!("YubiKeys: {} — start pcscd, plug a reader", e.message),
                );
            }
        }
    }
    if needs.pkcs11 > 0 {
        if let Some(m) = needs.modules.iter().find(|m| !m.is_file()) {
            return screen_line(
                "tokens",
                "PROBLEM",
                &format!("PKCS#11 module {} is not there", m.display()),
            );
        }
        ok.push(format!(
            "{} share(s) on PKCS#11: module(s) there",
            needs.pkcs11
        ));
    }
    // Each token itself is checked at its holder's step (docs/ceremony-guide.md).
    screen_line("tokens", "OK", &ok.join("; "))
}

/// The longest reason `--allow-network` takes (the transcript's limit for a string).
const MAX_REASON: usize = 2000;

/// The pre-flight of every ceremony, before its transcript exists: the facts for the
/// transcript header, shown as a screen on the terminal (each line OK or a problem and what to
/// do; 80 columns, at most 10 lines), and the refusal of a real (non-rehearsal) ceremony while
/// a network interface is up, unless the administrator recorded an exception
/// (`--allow-network REASON`, in `preflight.network_exception`). An interruption that came
/// before stops the ceremony here.
pub fn preflight(
    h: &HardeningReport,
    rehearsal: bool,
    out: &transcript::OutputFacts,
) -> Result<serde_json::Value> {
    if let Some(e) = transcript::interruption() {
        return Err(e);
    }
    let exception = checked_exception()?;
    let now = crate::encoding::time::UtcTime::now()?;
    let mut p = transcript::preflight(h, out, now)?;
    let up = transcript::network_interfaces_up();
    let excepted = exception.filter(|_| !up.is_empty());
    if let (Some(reason), Some(m)) = (&excepted, p.as_object_mut()) {
        m.insert(
            "network_exception".into(),
            serde_json::json!({"interfaces": up, "reason": reason}),
        );
    }
    if let (Some(a), Some(m)) = (answers_use(), p.as_object_mut()) {
        m.insert(
            "answers_file".into(),
            serde_json::json!({"file": a.file, "sha256": a.sha256, "unattended": a.unattended}),
        );
    }
    let screen = preflight_screen(h, rehearsal, out, &up, excepted.as_deref(), now);
    // The screen is for the people in the room: on the terminal, when there is one.
    // Without one (a script, CI), the facts are in the transcript all the same.
    let _ = console::Terminal.tell(console::Channel::Terminal, "the pre-flight", &screen);
    if !up.is_empty() && !rehearsal && excepted.is_none() {
        return Err(network_refused(&up));
    }
    Ok(p)
}

/// The administrator's exception (`--allow-network REASON`), checked: 1 to [`MAX_REASON`]
/// characters of text.
fn checked_exception() -> Result<Option<String>> {
    let exception = network_exception();
    if let Some(r) = &exception
        && (r.trim().is_empty()
            || r.chars().count() > MAX_REASON
            || r.chars().any(crate::error::is_unsafe_char))
    {
        return Err(Error::new(
            Kind::Argument,
            format!("--allow-network: the reason must be 1 to {MAX_REASON} characters of text, not blank, without control or invisible characters"),
        )
        .hint("say why the ceremony may run with a network interface up, e.g. --allow-network \"internal wired link to the printer only\""));
    }
    Ok(exception)
}

/// The network rule of [`preflight`], checked before the output directory is created, so that
/// a refused ceremony leaves nothing behind (not even an empty `--out`): a real ceremony does
/// not start while a network interface is up, unless the administrator recorded an
/// exception. [`preflight`] applies the same rule again (and shows the screen) once the
/// directory exists.
pub fn refuse_network(rehearsal: bool) -> Result<()> {
    let exception = checked_exception()?;
    let up = transcript::network_interfaces_up();
    if up.is_empty() || rehearsal || exception.is_some() {
        return Ok(());
    }
    Err(network_refused(&up))
}

fn network_refused(up: &[String]) -> Error {
    Error::new(
        Kind::NetworkUp,
        format!(
            "network interface(s) up: {} — a real ceremony starts only on an air-gapped machine; nothing was written",
            up.join(", ")
        ),
    )
    .hint(format!(
        "unplug the network cable and turn Wi-Fi off (`ip link` lists the interfaces; `ip link set {} down`), then run again in a new, empty directory; or, if the administrator accepts it, run again with --allow-network \"REASON\" (recorded in the transcript)",
        up[0]
    ))
}

/// One line of the pre-flight screen: `  LABEL        STATUS  TEXT`, cut to 80 columns.
fn screen_line(label: &str, status: &str, text: &str) -> String {
    let line = format!("  {label:<13}{status:<8}{text}");
    let mut cut: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        cut.pop();
        cut.push('…');
    }
    cut
}

/// The pre-flight screen (see [`preflight`]): a title and one line per fact, at most 80
/// columns each.
pub fn preflight_screen(
    h: &HardeningReport,
    rehearsal: bool,
    out: &transcript::OutputFacts,
    up: &[String],
    exception: Option<&str>,
    now: crate::encoding::time::UtcTime,
) -> String {
    const OK: &str = "OK";
    const BAD: &str = "PROBLEM";
    let mut l = vec![format!(
        "Pre-flight ({}): each line OK, or a PROBLEM and what to do",
        if rehearsal {
            "rehearsal"
        } else {
            "real ceremony"
        }
    )];
    let clock = now.transcript_string();
    l.push(screen_line(
        "clock",
        "",
        &format!(
            "{} {} UTC — compare with a watch (recorded)",
            &clock[..10],
            &clock[11..19]
        ),
    ));
    l.push(match (up.is_empty(), exception) {
        (true, _) => screen_line("network", OK, "no interface up (loopback aside)"),
        (false, Some(r)) => screen_line(
            "network",
            BAD,
            &format!("{} up; exception recorded: {r}", up.join(", ")),
        ),
        (false, None) if rehearsal => screen_line(
            "network",
            BAD,
            &format!(
                "{} up — unplug, Wi-Fi off (a real ceremony refuses)",
                up.join(", ")
            ),
        ),
        (false, None) => screen_line(
            "network",
            BAD,
            &format!("{} up — unplug the cable, turn Wi-Fi off", up.join(", ")),
        ),
    });
    l.push(if h.swap_active {
        screen_line(
            "swap",
            BAD,
            "active — run `swapoff -a` before a real ceremony",
        )
    } else {
        screen_line("swap", OK, "off")
    });
    l.push(if h.core_dumps_disabled && h.not_dumpable {
        screen_line("core dumps", OK, "disabled for this process")
    } else {
        screen_line("core dumps", BAD, "possible — check `ulimit -c` and prctl")
    });
    l.push(if h.memory_locked {
        screen_line("memory lock", OK, "secrets stay in locked RAM")
    } else {
        screen_line(
            "memory lock",
            BAD,
            "NOT locked (rehearsal only) — raise `ulimit -l`",
        )
    });
    let fs = &out.filesystem;
    l.push(if crate::fsio::is_ram_backed(fs) {
        screen_line(
            "output",
            OK,
            &format!("{fs}: RAM-backed, gone at power-off"),
        )
    } else if out.persistent_allowed {
        screen_line(
            "output",
            OK,
            &format!("{fs}: persistent disk, allowed (recorded)"),
        )
    } else {
        screen_line(
            "output",
            BAD,
            &format!("{fs}: persistent disk — prefer a RAM disk (/dev/shm)"),
        )
    });
    l.push(token_line());
    l.push(match &out.printer {
        Some(p) => screen_line(
            "printer",
            OK,
            &format!("paper shards go to lp destination {p}"),
        ),
        None => screen_line("printer", "", "none: no shard is printed by rootkey"),
    });
    let mut s = l.join("\n");
    s.push('\n');
    s
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

    /// The pre-flight screen fits 80 columns and a 24-line terminal, whatever it shows.
    #[test]
    fn the_preflight_screen_fits_80_columns() {
        let bad = HardeningReport {
            core_dumps_disabled: false,
            not_dumpable: false,
            swap_active: true,
            memory_locked: false,
        };
        let out = transcript::OutputFacts {
            filesystem: "fuse.a-very-long-file-system-type-name".into(),
            persistent_allowed: false,
            printer: Some("a-printer-with-a-long-name-in-the-vault".into()),
        };
        let up: Vec<String> = ["eth0", "wlan0", "enp0s31f6", "wwan0"]
            .map(String::from)
            .to_vec();
        let now = crate::encoding::time::UtcTime::now().unwrap();
        for (rehearsal, exception) in [(false, None), (true, None), (false, Some("x".repeat(300)))]
        {
            let s = preflight_screen(&bad, rehearsal, &out, &up, exception.as_deref(), now);
            let lines: Vec<&str> = s.lines().collect();
            assert_eq!(lines.len(), 9, "{s}");
            for l in &lines {
                assert!(
                    l.chars().count() <= 80,
                    "{} columns: {l}",
                    l.chars().count()
                );
            }
            assert!(
                lines[2].starts_with("  network      PROBLEM eth0, wlan0"),
                "{s}"
            );
            assert!(lines[3].starts_with("  swap         PROBLEM active"), "{s}");
            assert!(
                lines[5].starts_with("  memory lock  PROBLEM NOT locked"),
                "{s}"
            );
        }
    }

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
