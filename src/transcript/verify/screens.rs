//! The entries `rootkey run` writes between the steps of any kind (docs/formats.md,
//! "Exceptions and step confirmations"): `exception` (the plan's witness typed the exception
//! keyword at a prompt) and `step-confirmed` (two people confirmed a critical step).

use super::details::D;
use super::*;
use crate::error::TranscriptFailure as F;

/// The longest exception text (characters).
pub const MAX_EXCEPTION: usize = 200;

/// Whether `key` is the key of a critical step (`receive-share-3`): the list of
/// `ceremony::script::is_critical`, restated here for the verifier.
pub fn is_critical_key(key: &str) -> bool {
    const FIXED: [&str; 5] = [
        "generate-root-key",
        "sign-root-certificate",
        "write-manifest",
        "issue-certificate",
        "issue-crl",
    ];
    if FIXED.contains(&key) {
        return true;
    }
    ["receive-share-", "write-token-"].iter().any(|p| {
        key.strip_prefix(p).is_some_and(|i| {
            !i.is_empty()
                && !i.starts_with('0')
                && i.len() <= 3
                && i.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

/// Whether `code` has the form of a step confirmation code: `7F3A-09C2`.
pub fn is_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 9
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit() || (b'A'..=b'F').contains(c))
}

fn step_and_key<'a>(d: &D<'a>) -> Result<(u64, &'a str)> {
    let step = d.u64("step")?;
    if step == 0 {
        return Err(d.err("step", "must be at least 1"));
    }
    let key = d.str("key")?;
    if key.trim().is_empty() {
        return Err(d.err("key", "must not be blank"));
    }
    Ok((step, key))
}

fn participant(e: &Entry, who: &str, people: &[String], what: &str) -> Result<()> {
    if !people.iter().any(|p| p == who) {
        return Err(at(
            e,
            F::Script,
            format!("{what}: actor {who:?} is not a participant of the header"),
        ));
    }
    Ok(())
}

/// Checks an `exception` entry.
pub(super) fn exception(e: &Entry, people: &[String]) -> Result<()> {
    let m = e.details.read_once();
    let d = D::nested(e, &m, "details".into());
    d.keys(event::Exception::MEMBERS)?;
    step_and_key(&d)?;
    let text = d.str("text")?;
    if text.trim().is_empty() || text.chars().count() > MAX_EXCEPTION {
        return Err(d.err(
            "text",
            &format!("must be one line of 1 to {MAX_EXCEPTION} characters"),
        ));
    }
    let [who] = e.actors.as_slice() else {
        return Err(at(
            e,
            F::Script,
            "exception: actors must be the one witness who recorded it",
        ));
    };
    participant(e, who, people, "exception")
}

/// Checks a `step-confirmed` entry.
pub(super) fn step_confirmed(e: &Entry, people: &[String]) -> Result<()> {
    let m = e.details.read_once();
    let d = D::nested(e, &m, "details".into());
    d.keys(event::StepConfirmed::MEMBERS)?;
    let (_, key) = step_and_key(&d)?;
    if !is_critical_key(key) {
        return Err(d.err("key", "is not the key of a critical step"));
    }
    if !is_code(d.str("code")?) {
        return Err(d.err(
            "code",
            "is not two groups of 4 upper-case hex digits joined by `-`",
        ));
    }
    if event::ConfirmMethod::parse(d.str("method")?).is_none() {
        let listed = event::ConfirmMethod::listed();
        return Err(d.err("method", &format!("must be {listed}")));
    }
    let [a, b] = e.actors.as_slice() else {
        return Err(at(
            e,
            F::Script,
            "step-confirmed: actors must be the two people who confirmed",
        ));
    };
    if a.trim().to_lowercase() == b.trim().to_lowercase() {
        return Err(at(
            e,
            F::Script,
            format!("step-confirmed: {a:?} cannot confirm twice (two different people)"),
        ));
    }
    participant(e, a, people, "step-confirmed")?;
    participant(e, b, people, "step-confirmed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn critical_keys_and_codes() {
        assert!(is_critical_key("receive-share-3") && is_critical_key("write-token-12"));
        assert!(is_critical_key("issue-crl") && !is_critical_key("receive-share-"));
        assert!(!is_critical_key("receive-share-03") && !is_critical_key("seal-transcript"));
        assert!(is_code("7F3A-09C2") && !is_code("7f3a-09c2") && !is_code("7F3A09C2"));
    }
}
