//! One line per transcript entry, for the report's timeline: the public facts of each action
//! in words (a `-` file is said in words: typed at the keyboard, sent to the printer).

use serde_json::Value;

use super::super::event::{Action, ConfirmMethod, EntropySource, HashSource};
use super::super::verify::Entry;
use crate::cert;
use crate::encoding::hexfmt::fingerprint_display;

/// A `file` member as people read it: `-` is no file (a share typed at the keyboard, or a
/// paper shard sent to the printer: `none`).
fn file_or(f: String, none: &str) -> String {
    if f == "-" { none.to_string() } else { f }
}

/// A detail value as text (`—` when absent).
pub(super) fn s(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Array(a)) => a.iter().map(|x| s(Some(x))).collect::<Vec<_>>().join(", "),
        Some(Value::Null) | None => "—".into(),
        Some(other) => other.to_string(),
    }
}

fn short(h: &str) -> String {
    if h.chars().count() > 16 {
        format!("{}…", h.chars().take(16).collect::<String>())
    } else {
        h.to_string()
    }
}

fn fp_of_hex(h: &str) -> String {
    let mut k = [0u8; 32];
    if hex::decode_to_slice(h, &mut k).is_ok() {
        fingerprint_display(&cert::fingerprint(&k))
    } else {
        h.to_string()
    }
}

/// A one-line description of an entry's public facts.
pub fn describe(e: &Entry) -> String {
    let Some(action) = e.kind() else {
        return format!("(unknown action `{}`)", e.action);
    };
    // Read once: the report keeps only the text.
    let d = e.details.read_once();
    // Members are named by the action's details struct (`event.rs`); debug builds check that.
    let member = |k: &str| {
        debug_assert!(
            action.members().contains(&k),
            "{k} is no member of {action:?}"
        );
        d.get(k)
    };
    let g = |k: &str| s(member(k));
    // Serials and CRL numbers as openssl prints them (no DER sign byte, upper case).
    let n = |k: &str| crate::encoding::hexfmt::serial_hex_display(&g(k));
    let sub = |o: &str, k: &str| s(member(o).and_then(|v| v.get(k)));
    match action {
        Action::Header => format!(
            "{} ceremony \"{}\" started (rootkey {})",
            sub("ceremony", "kind"),
            sub("ceremony", "name"),
            sub("tool", "version")
        ),
        Action::Entropy => {
            if g("source") == EntropySource::OsDice.as_str() {
                format!(
                    "seed from the OS generator mixed with {} dice rolls",
                    g("dice_rolls")
                )
            } else {
                "seed from the OS random generator".into()
            }
        }
        Action::KeyGenerated => format!("root key generated: {}", fp_of_hex(&g("public_key"))),
        Action::SharesSplit => format!(
            "seed split {}-of-{}; all {} subsets recombined",
            g("threshold"),
            g("shares"),
            g("subsets_checked")
        ),
        Action::CertificateSigned => format!(
            "root certificate \"{}\", serial {}, valid {} to {}, DER SHA-256 {}",
            g("subject"),
            n("serial"),
            g("not_before"),
            g("not_after"),
            short(&g("certificate_sha256"))
        ),
        Action::ShareWritten => format!(
            "share {} for {} ({}) {} ({}), envelope SHA-256 {}",
            g("index"),
            g("holder"),
            g("role"),
            match g("file").as_str() {
                "-" => "sent to the printer".to_string(),
                f => format!("written to {f}"),
            },
            g("medium"),
            short(&g("envelope_sha256"))
        ),
        Action::TokenWritten => format!(
            "share {} for {} sealed to {} token \"{}\" (serial {}, key {}), payload {} ({}), SHA-256 {}",
            g("index"),
            g("holder"),
            g("medium"),
            g("label"),
            g("serial"),
            g("key_ref"),
            g("payload_file"),
            g("location"),
            short(&g("payload_sha256"))
        ),
        Action::ArtifactWritten => {
            format!("{} written, SHA-256 {}", g("file"), short(&g("sha256")))
        }
        Action::KeyWiped => "generated key wiped before the rebuild".into(),
        Action::ChecklistAcknowledged => format!(
            "checklist step {} acknowledged ({}): {}",
            g("step"),
            g("initials"),
            g("title")
        ),
        Action::Exception => format!(
            "exception recorded by the witness at step {} ({}): {}",
            g("step"),
            g("key"),
            g("text")
        ),
        Action::StepConfirmed => format!(
            "critical step {} ({}) confirmed by two people ({}, code {})",
            g("step"),
            g("key"),
            g("method"),
            g("code")
        ),
        Action::Slip => format!(
            "slip at {}: {} (try {}), asked again",
            g("step"),
            g("kind"),
            g("attempt")
        ),
        Action::ContextLoaded => format!(
            "{} and {} loaded and verified; root key {}",
            sub("root", "file"),
            sub("manifest", "file"),
            fp_of_hex(&sub("root", "public_key"))
        ),
        Action::SharePresented => format!(
            "{} presented share {} ({}), envelope SHA-256 {}{}",
            g("holder"),
            g("index"),
            file_or(g("file"), "typed at the keyboard"),
            short(&g("envelope_sha256")),
            match member("corrections").and_then(Value::as_u64) {
                Some(0) | None => String::new(),
                Some(c) => format!(", {c} character(s) corrected"),
            }
        ),
        Action::KeyRebuilt => format!(
            "root key rebuilt from shares {} and matches the root certificate",
            g("quorum")
        ),
        Action::ShareChecked => format!(
            "share {} {}",
            g("index"),
            if member("agrees") == Some(&Value::Bool(true)) {
                "agrees with the quorum"
            } else {
                "DOES NOT agree with the quorum"
            }
        ),
        Action::Seal => format!(
            "transcript sealed by root key {}",
            fp_of_hex(&g("public_key"))
        ),
        Action::Aborted => format!("ABORTED: {}", g("reason")),
        Action::CsrChecked => format!(
            "CSR {} checked: {}, {} key; SHA-256 {} matches the out-of-band hash ({}); profile \"{}\"",
            g("file"),
            g("subject"),
            g("key_type"),
            short(&g("csr_sha256")),
            if g("hash_source") == HashSource::Typed.as_str() {
                "typed"
            } else {
                "given on the command line"
            },
            sub("profile", "name")
        ),
        Action::PreviousChecked => {
            let warnings = member("warnings")
                .and_then(Value::as_array)
                .map(|w| w.iter().map(|x| s(Some(x))).collect::<Vec<_>>().join("; "))
                .unwrap_or_default();
            format!(
                "previous intermediate {} (serial {}, until {}): overlap {} day(s){}",
                g("file"),
                n("serial"),
                g("not_after"),
                g("overlap_days"),
                if warnings.is_empty() {
                    String::new()
                } else {
                    format!(" — WARNING: {warnings}")
                }
            )
        }
        Action::CertificatePrepared => format!(
            "certificate prepared: {}, serial {}, valid {} to {}, TBS SHA-256 {}",
            g("subject"),
            n("serial"),
            g("not_before"),
            g("not_after"),
            short(&g("tbs_sha256"))
        ),
        Action::PreviousCrlChecked => format!(
            "previous CRL {} (number {}, thisUpdate {}, {})",
            g("file"),
            n("crl_number"),
            g("this_update"),
            match member("revoked_count").and_then(Value::as_u64) {
                Some(c) => format!("{c} revoked, all to be carried forward"),
                None => "its revocations not recorded (first form)".into(),
            }
        ),
        Action::CrlPrepared => format!(
            "CRL prepared: number {}, {} revoked ({} carried forward), {} to {}, TBS SHA-256 {}",
            n("crl_number"),
            member("revoked_count")
                .and_then(Value::as_u64)
                .unwrap_or_else(|| member("revoked")
                    .and_then(Value::as_array)
                    .map_or(0, |a| a.len() as u64)),
            g("carried_forward"),
            g("this_update"),
            g("next_update"),
            short(&g("tbs_sha256"))
        ),
        Action::Confirmed => format!(
            "{} confirmed TBS SHA-256 {} ({})",
            g("name"),
            short(&g("tbs_sha256")),
            if g("method") == ConfirmMethod::TypedCode.as_str() {
                "typed the code"
            } else {
                "named on the command line"
            }
        ),
        Action::CertificateIssued => format!(
            "intermediate signed: serial {}, certificate SHA-256 {}",
            n("serial"),
            short(&g("certificate_sha256"))
        ),
        Action::CrlIssued => format!(
            "CRL signed: number {}, SHA-256 {}",
            n("crl_number"),
            short(&g("crl_sha256"))
        ),
        Action::ShareRefused => format!(
            "share {} REFUSED ({}): {}",
            match member("claimed_index") {
                Some(Value::Number(n)) => n.to_string(),
                _ => "of no holder here".into(),
            },
            file_or(g("file"), "typed at the keyboard"),
            g("reason")
        ),
        Action::AuditCompleted => {
            let list = |k: &str| match member(k).and_then(Value::as_array) {
                Some(a) if !a.is_empty() => g(k),
                _ => "none".into(),
            };
            format!(
                "audit completed: proved {}; failed {}; absent {}; {} refused",
                list("proven"),
                list("failed"),
                list("absent"),
                g("refused")
            )
        }
    }
}
