//! The header entry (`docs/formats.md`, "Actions", `header`): the first entry, its ceremony,
//! quorum, participants, plan, tool and pre-flight facts.

use super::chain::safe_text;
use super::details::D;
use super::*;
use crate::error::TranscriptFailure as F;

pub(super) fn parse_header(e: &Entry) -> Result<Header> {
    if !e.is(Action::Header) {
        return Err(at(
            e,
            F::Script,
            format!("the first entry must be `header`, found `{}`", e.action),
        ));
    }
    if e.actors != [TOOL_ACTOR] {
        return Err(at(
            e,
            F::Script,
            "the header's actors must be [\"rootkey\"]",
        ));
    }
    let d = D::of(e);
    d.keys(event::Header::MEMBERS)?;
    if d.str("format")? != FORMAT {
        return Err(d.err("format", &format!("is not \"{FORMAT}\"")));
    }
    let c = d.obj("ceremony")?;
    c.keys(event::Ceremony::MEMBERS)?;
    let id = c.str("id")?;
    if id.len() != 32 || hex::decode(id).is_err() || id.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(c.err("id", "is not 32 lower-case hex digits"));
    }
    let kind = Kind::parse(c.str("kind")?)
        .ok_or_else(|| c.err("kind", &format!("is not {}", Kind::listed_bare())))?;
    let name = c.name("name")?.to_string();
    let rehearsal = c.bool("rehearsal")?;
    if kind == Kind::Rehearsal && !rehearsal {
        return Err(c.err("rehearsal", "must be true for a rehearsal"));
    }
    let q = d.obj("quorum")?;
    q.keys(event::Quorum::MEMBERS)?;
    let (k, n) = (q.u8("threshold")?, q.u8("shares")?);
    crate::share::check_k_n(k, n).map_err(|x| at(e, F::Malformed, x.message))?;
    let plan = match d.get("plan")? {
        Value::Null => None,
        _ => {
            let p = d.obj("plan")?;
            p.keys(event::PlanRef::MEMBERS)?;
            Some((p.file("file")?.to_string(), p.hex_str("sha256")?))
        }
    };
    if matches!(kind, Kind::Generation | Kind::Rehearsal) == plan.is_none() {
        return Err(d.err(
            "plan",
            "must be null exactly for a quorum check, rotation or CRL (generation and rehearsal run a plan)",
        ));
    }
    let t = d.obj("tool")?;
    t.keys(event::Tool::MEMBERS)?;
    if t.str("name")? != "rootkey" {
        return Err(t.err("name", "is not \"rootkey\""));
    }
    let tool_version = t.name("version")?.to_string();
    let binary_sha256 = t.hex_str("binary_sha256")?;
    let p = d.obj("preflight")?;
    // `network_exception` and `answers_file` are the optional members (docs/formats.md,
    // "header").
    let exception = p.m.contains_key(NETWORK_EXCEPTION);
    let answers = p.m.contains_key(ANSWERS_FILE);
    p.keys(match (exception, answers) {
        (false, false) => event::Preflight::MEMBERS,
        (true, false) => PREFLIGHT_WITH_EXCEPTION,
        (false, true) => PREFLIGHT_WITH_ANSWERS,
        (true, true) => PREFLIGHT_WITH_BOTH,
    })?;
    if !UtcTime::is_transcript_form(p.str("clock")?) {
        return Err(p.err("clock", "is not a real UTC time YYYY-MM-DDTHH:MM:SS.sssZ"));
    }
    for b in [
        "core_dumps_disabled",
        "memory_locked",
        "persistent_output_allowed",
        "process_dumpable",
        "swap_active",
    ] {
        p.bool(b)?;
    }
    p.str("host")?;
    p.str("kernel")?;
    p.name("output_filesystem")?;
    if !p.get("printer")?.is_null() {
        p.name("printer")?;
    }
    let up = p.arr("network_interfaces_up")?;
    for v in up {
        if !v.as_str().is_some_and(|s| safe_text(s, 200)) {
            return Err(p.err("network_interfaces_up", "holds something other than names"));
        }
    }
    if exception {
        let x = p.obj(NETWORK_EXCEPTION)?;
        x.keys(&["interfaces", "reason"])?;
        if x.str("reason")?.trim().is_empty() {
            return Err(x.err("reason", "is blank"));
        }
        if up.is_empty() || x.arr("interfaces")? != up {
            return Err(x.err(
                "interfaces",
                "is not the (non-empty) list `network_interfaces_up`",
            ));
        }
    }
    if answers {
        let x = p.obj(ANSWERS_FILE)?;
        x.keys(&["file", "sha256", "unattended"])?;
        x.file("file")?;
        x.hex32("sha256")?;
        if !x.bool("unattended")? && !rehearsal {
            return Err(x.err(
                "unattended",
                "is false in a real (non-rehearsal) ceremony: an answers file runs one only with --i-understand-this-is-unattended",
            ));
        }
    }
    let mut participants = Vec::new();
    for (i, v) in d.arr("participants")?.iter().enumerate() {
        let m = v
            .as_object()
            .ok_or_else(|| d.err("participants", "holds something other than objects"))?;
        let pd = D::nested(e, m, format!("details.participants[{i}]"));
        pd.keys(event::Participant::MEMBERS)?;
        let share = match pd.get("share")? {
            Value::Null => None,
            _ => Some(pd.u8("share")?),
        };
        participants.push(Participant {
            name: pd.name("name")?.to_string(),
            role: pd.str("role")?.to_string(),
            share,
        });
    }
    // Each share index 1..n is held by exactly one listed participant.
    for idx in 1..=n {
        let c = participants.iter().filter(|p| p.share == Some(idx)).count();
        if c != 1 {
            return Err(d.err(
                "participants",
                &format!("must list exactly one holder of share {idx} (found {c})"),
            ));
        }
    }
    if let Some(p) = participants
        .iter()
        .find(|p| p.share.is_some_and(|s| s == 0 || s > n))
    {
        return Err(d.err(
            "participants",
            &format!("lists a share index outside 1…{n} for {}", p.name),
        ));
    }
    // Those without a share first, then the holders of shares 1…n in order.
    if !participants
        .iter()
        .skip_while(|p| p.share.is_none())
        .map(|p| p.share)
        .eq((1..=n).map(Some))
    {
        return Err(d.err(
            "participants",
            "must list the people without a share first, then the holders of shares 1…n in order",
        ));
    }
    Ok(Header {
        kind,
        id: id.to_string(),
        name,
        rehearsal,
        plan,
        quorum: (k, n),
        participants,
        tool_version,
        binary_sha256,
        preflight: p.m.clone(),
    })
}

/// The optional pre-flight member: the administrator's exception for a network interface up.
const NETWORK_EXCEPTION: &str = "network_exception";

/// The optional pre-flight member: the answers file that answered the ceremony's questions.
const ANSWERS_FILE: &str = "answers_file";

/// `preflight`'s members when it holds `answers_file`.
const PREFLIGHT_WITH_ANSWERS: &[&str] = &[
    "answers_file",
    "clock",
    "core_dumps_disabled",
    "host",
    "kernel",
    "memory_locked",
    "network_interfaces_up",
    "output_filesystem",
    "persistent_output_allowed",
    "printer",
    "process_dumpable",
    "swap_active",
];

/// `preflight`'s members when it holds both optional members.
const PREFLIGHT_WITH_BOTH: &[&str] = &[
    "answers_file",
    "clock",
    "core_dumps_disabled",
    "host",
    "kernel",
    "memory_locked",
    "network_exception",
    "network_interfaces_up",
    "output_filesystem",
    "persistent_output_allowed",
    "printer",
    "process_dumpable",
    "swap_active",
];

/// `preflight`'s members when it holds `network_exception` (sorted, as canonical JSON has them).
const PREFLIGHT_WITH_EXCEPTION: &[&str] = &[
    "clock",
    "core_dumps_disabled",
    "host",
    "kernel",
    "memory_locked",
    "network_exception",
    "network_interfaces_up",
    "output_filesystem",
    "persistent_output_allowed",
    "printer",
    "process_dumpable",
    "swap_active",
];
