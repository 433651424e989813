//! The header and the ceremony scripts: which actions, in which order, with which details.

use super::chain::{exact_keys, hex32, safe_text};

/// Longest string in `details` (characters, i.e. Unicode code points).
pub(super) const MAX_TEXT: usize = 2000;
use super::*;

// ---------------------------------------------------------------------------------------
// Typed access to `details`.

pub(super) struct D<'a> {
    pub(super) e: &'a Entry,
    pub(super) m: &'a Map<String, Value>,
    pub(super) path: String,
}

impl<'a> D<'a> {
    pub(super) fn of(e: &'a Entry) -> D<'a> {
        D {
            e,
            m: &e.details,
            path: "details".into(),
        }
    }
    pub(super) fn err(&self, key: &str, what: &str) -> Error {
        at(self.e, "malformed", format!("`{}.{key}` {what}", self.path))
    }
    pub(super) fn keys(&self, keys: &[&str]) -> Result<()> {
        exact_keys(self.m, keys, &format!("`{}`", self.path))
            .map_err(|w| at(self.e, "malformed", w))
    }
    pub(super) fn get(&self, key: &str) -> Result<&'a Value> {
        self.m.get(key).ok_or_else(|| self.err(key, "is missing"))
    }
    pub(super) fn str(&self, key: &str) -> Result<&'a str> {
        match self.get(key)?.as_str() {
            Some(s) if s.chars().count() > MAX_TEXT => {
                Err(self.err(key, &format!("is longer than {MAX_TEXT} characters")))
            }
            Some(s) if safe_text(s, MAX_TEXT) => Ok(s),
            Some(_) => Err(self.err(key, "holds control or invisible characters")),
            None => Err(self.err(key, "is not a string")),
        }
    }
    pub(super) fn name(&self, key: &str) -> Result<&'a str> {
        let s = self.str(key)?;
        if s.trim().is_empty() || s.chars().count() > 200 {
            return Err(self.err(key, "must be a name of 1 to 200 characters"));
        }
        Ok(s)
    }
    pub(super) fn file(&self, key: &str) -> Result<&'a str> {
        let s = self.str(key)?;
        if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') {
            return Err(self.err(key, "must be a bare file name"));
        }
        Ok(s)
    }
    pub(super) fn hex32(&self, key: &str) -> Result<[u8; 32]> {
        self.get(key)?
            .as_str()
            .and_then(hex32)
            .ok_or_else(|| self.err(key, "is not 64 lower-case hex digits"))
    }
    pub(super) fn hex_str(&self, key: &str) -> Result<String> {
        Ok(hex::encode(self.hex32(key)?))
    }
    pub(super) fn u64(&self, key: &str) -> Result<u64> {
        self.get(key)?
            .as_u64()
            .ok_or_else(|| self.err(key, "is not a non-negative integer"))
    }
    pub(super) fn u8(&self, key: &str) -> Result<u8> {
        u8::try_from(self.u64(key)?).map_err(|_| self.err(key, "is larger than 255"))
    }
    pub(super) fn bool(&self, key: &str) -> Result<bool> {
        self.get(key)?
            .as_bool()
            .ok_or_else(|| self.err(key, "is not true or false"))
    }
    pub(super) fn obj(&self, key: &str) -> Result<D<'a>> {
        let m = self
            .get(key)?
            .as_object()
            .ok_or_else(|| self.err(key, "is not an object"))?;
        Ok(D {
            e: self.e,
            m,
            path: format!("{}.{key}", self.path),
        })
    }
    pub(super) fn arr(&self, key: &str) -> Result<&'a Vec<Value>> {
        self.get(key)?
            .as_array()
            .ok_or_else(|| self.err(key, "is not an array"))
    }
}

pub(super) fn parse_header(e: &Entry) -> Result<Header> {
    if e.action != "header" {
        return Err(at(
            e,
            "script",
            format!("the first entry must be `header`, found `{}`", e.action),
        ));
    }
    if e.actors != [TOOL_ACTOR] {
        return Err(at(e, "script", "the header's actors must be [\"rootkey\"]"));
    }
    let d = D::of(e);
    d.keys(&[
        "ceremony",
        "format",
        "participants",
        "plan",
        "preflight",
        "quorum",
        "tool",
    ])?;
    if d.str("format")? != FORMAT {
        return Err(d.err("format", &format!("is not \"{FORMAT}\"")));
    }
    let c = d.obj("ceremony")?;
    c.keys(&["id", "kind", "name", "rehearsal"])?;
    let id = c.str("id")?;
    if id.len() != 32 || hex::decode(id).is_err() || id.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(c.err("id", "is not 32 lower-case hex digits"));
    }
    let kind = Kind::parse(c.str("kind")?).ok_or_else(|| {
        c.err(
            "kind",
            "is not generation, rehearsal, quorum-check, rotation or crl",
        )
    })?;
    let name = c.name("name")?.to_string();
    let rehearsal = c.bool("rehearsal")?;
    if kind == Kind::Rehearsal && !rehearsal {
        return Err(c.err("rehearsal", "must be true for a rehearsal"));
    }
    let q = d.obj("quorum")?;
    q.keys(&["shares", "threshold"])?;
    let (k, n) = (q.u8("threshold")?, q.u8("shares")?);
    crate::share::check_k_n(k, n).map_err(|x| at(e, "malformed", x.message))?;
    let plan = match d.get("plan")? {
        Value::Null => None,
        _ => {
            let p = d.obj("plan")?;
            p.keys(&["file", "sha256"])?;
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
    t.keys(&["binary_sha256", "name", "version"])?;
    if t.str("name")? != "rootkey" {
        return Err(t.err("name", "is not \"rootkey\""));
    }
    let tool_version = t.name("version")?.to_string();
    let binary_sha256 = t.hex_str("binary_sha256")?;
    let p = d.obj("preflight")?;
    p.keys(&[
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
    ])?;
    if !is_time_string(p.str("clock")?) {
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
    for v in p.arr("network_interfaces_up")? {
        if !v.as_str().is_some_and(|s| safe_text(s, 200)) {
            return Err(p.err("network_interfaces_up", "holds something other than names"));
        }
    }
    let mut participants = Vec::new();
    for (i, v) in d.arr("participants")?.iter().enumerate() {
        let m = v
            .as_object()
            .ok_or_else(|| d.err("participants", "holds something other than objects"))?;
        let pd = D {
            e,
            m,
            path: format!("details.participants[{i}]"),
        };
        pd.keys(&["name", "role", "share"])?;
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

/// Facts gathered from the script for the later checks.
#[derive(Default)]
pub(super) struct Facts<'a> {
    /// Every entry that states the ceremony's root public key.
    pub(super) root_keys: Vec<(&'a Entry, [u8; 32])>,
    /// Every entry that states the root certificate's DER hash.
    pub(super) certificate_hashes: Vec<(&'a Entry, String)>,
    /// (entry, file, sha256, what it is) of every artifact.
    pub(super) artifacts: Vec<(&'a Entry, String, String, Artifact)>,
    /// (entry, share index, envelope SHA-256 hex) of every share written or presented.
    pub(super) envelopes: Vec<(&'a Entry, u8, String)>,
    /// The ceremony id the manifest must carry.
    pub(super) manifest_ceremony_id: Option<String>,
    /// `certificate-signed` and its `certificate_sha256` (generation and rehearsal).
    pub(super) root_certificate: Option<(&'a Entry, String)>,
    /// (file, sha256) of each `artifact-written` of the generation steps.
    pub(super) written: Vec<(&'static str, String)>,
}

/// The media a share is written to (`share-written.medium`; docs/formats.md, "Ceremony plan").
pub(super) const MEDIA: &[&str] = &["text", "paper"];

#[derive(Clone, PartialEq, Eq)]
pub(super) enum Artifact {
    Root,
    Manifest,
    /// An input copied into the output directory (CSR, previous certificate or CRL): hash only.
    Input,
    /// A certificate or CRL the ceremony issued (PEM or DER) whose DER has this SHA-256 (hex).
    Issued(String),
}

pub(super) struct Cursor<'a> {
    es: &'a [Entry],
    pos: usize,
}

impl<'a> Cursor<'a> {
    /// The next entry if it is `action`; None when the transcript has ended (or ends with
    /// `aborted` here); an error for any other action.
    pub(super) fn next(&mut self, action: &str, why: &str) -> Result<Option<&'a Entry>> {
        let Some(e) = self.es.get(self.pos) else {
            return Ok(None);
        };
        if e.action == "aborted" {
            if self.pos + 1 == self.es.len() {
                return Ok(None);
            }
            // Nothing may follow `aborted`: the entry after it is the one that does not
            // belong (docs/formats.md, "Replay", step 3).
            return Err(after_end(
                &self.es[self.pos + 1],
                "`aborted`",
                self.es[self.pos].line,
            ));
        }
        if !ACTIONS.contains(&e.action.as_str()) && action != "seal" {
            return Err(at(
                e,
                "script",
                format!(
                    "`{}` is not an action of this format (expected `{action}`: {why})",
                    e.action
                ),
            ));
        }
        if e.action != action {
            // Where the seal belongs, anything else is a damaged (or replaced) seal.
            let kind = if action == "seal" {
                "bad seal"
            } else {
                "script"
            };
            return Err(at(
                e,
                kind,
                format!("expected `{action}` ({why}), found `{}`", e.action),
            ));
        }
        self.pos += 1;
        Ok(Some(e))
    }

    pub(super) fn peek_is(&self, action: &str) -> bool {
        self.es.get(self.pos).is_some_and(|e| e.action == action)
    }
}

/// Every action of the format (docs/formats.md, "Actions" and "Rotation and CRL ceremonies").
pub(super) const ACTIONS: &[&str] = &[
    "header",
    "entropy",
    "key-generated",
    "shares-split",
    "certificate-signed",
    "share-written",
    "artifact-written",
    "key-wiped",
    "context-loaded",
    "share-presented",
    "key-rebuilt",
    "share-checked",
    "csr-checked",
    "previous-checked",
    "certificate-prepared",
    "previous-crl-checked",
    "crl-prepared",
    "confirmed",
    "certificate-issued",
    "crl-issued",
    "seal",
    "aborted",
];

/// The finding for entry `e`, which follows the end of the ceremony (`aborted` or the seal)
/// on line `end_line`: it is the entry that does not belong.
pub(super) fn after_end(e: &Entry, end: &str, end_line: usize) -> Error {
    at(
        e,
        "script",
        format!(
            "`{}` after {end} (line {end_line}): nothing may follow {end}",
            e.action
        ),
    )
}

pub(super) fn actors_are(e: &Entry, want: &[&str]) -> Result<()> {
    if e.actors.iter().map(String::as_str).ne(want.iter().copied()) {
        return Err(at(
            e,
            "script",
            format!("actors are {:?}, expected {:?}", e.actors, want),
        ));
    }
    Ok(())
}

pub(super) fn binom(n: u64, k: u64) -> u64 {
    (0..k).fold(1u64, |acc, i| acc * (n - i) / (i + 1))
}

macro_rules! step {
    ($cur:expr, $action:expr, $why:expr) => {
        match $cur.next($action, $why)? {
            Some(e) => e,
            None => return Ok(()),
        }
    };
}

pub(super) fn check_script<'a>(es: &'a [Entry], h: &Header) -> Result<Facts<'a>> {
    let mut facts = Facts::default();
    let mut cur = Cursor { es, pos: 1 };
    let res = script_steps(&mut cur, h, &mut facts);
    res?;
    let sealed = es[..cur.pos].last().is_some_and(|p| p.action == "seal");
    // The script may stop at a final `aborted` entry (not after a seal).
    if !sealed && cur.pos + 1 == es.len() && es[cur.pos].action == "aborted" {
        cur.pos += 1;
    }
    if cur.pos < es.len() {
        let e = &es[cur.pos];
        if sealed {
            return Err(after_end(e, "the seal", es[cur.pos - 1].line));
        }
        if e.action == "aborted" {
            return Err(after_end(&es[cur.pos + 1], "`aborted`", e.line));
        }
        return Err(at(e, "script", format!("unexpected `{}` here", e.action)));
    }
    // The script may stop early; an `aborted` entry is checked for shape.
    if let Some(last) = es.last().filter(|e| e.action == "aborted") {
        let d = D::of(last);
        d.keys(&["reason"])?;
        d.str("reason")?;
        actors_are(last, &[TOOL_ACTOR])?;
    }
    Ok(facts)
}

pub(super) fn script_steps<'a>(
    cur: &mut Cursor<'a>,
    h: &Header,
    facts: &mut Facts<'a>,
) -> Result<()> {
    let (k, n) = h.quorum;
    if matches!(h.kind, Kind::Generation | Kind::Rehearsal) {
        facts.manifest_ceremony_id = Some(h.id.clone());
        let e = step!(cur, "entropy", "the seed is made first");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(&["dice_rolls", "source"])?;
        let rolls = d.u64("dice_rolls")?;
        match d.str("source")? {
            "os" if rolls == 0 => {}
            "os+dice" if rolls >= crate::key::MIN_DICE_ROLLS as u64 => {}
            _ => {
                return Err(d.err(
                    "source",
                    "must be \"os\" with 0 dice rolls or \"os+dice\" with at least 99",
                ));
            }
        }
        let e = step!(cur, "key-generated", "the root key follows the seed");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(&["fingerprint", "public_key"])?;
        let pk = d.hex32("public_key")?;
        if d.hex32("fingerprint")? != cert::fingerprint(&pk) {
            return Err(d.err(
                "fingerprint",
                "is not the SHA-256 of the key's SubjectPublicKeyInfo",
            ));
        }
        facts.root_keys.push((e, pk));
        let e = step!(cur, "shares-split", "the seed is split next");
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(&["shares", "subsets_checked", "threshold"])?;
        if (d.u8("threshold")?, d.u8("shares")?) != (k, n) {
            return Err(at(
                e,
                "script",
                "threshold and shares differ from the header's quorum",
            ));
        }
        if d.u64("subsets_checked")? != binom(n as u64, k as u64) {
            return Err(d.err(
                "subsets_checked",
                &format!("must be C({n}, {k}) = {}", binom(n as u64, k as u64)),
            ));
        }
        let e = step!(
            cur,
            "certificate-signed",
            "the root certificate is signed next"
        );
        actors_are(e, &[TOOL_ACTOR])?;
        let d = D::of(e);
        d.keys(&[
            "certificate_sha256",
            "fingerprint",
            "not_after",
            "not_before",
            "serial",
            "subject",
        ])?;
        if d.hex32("fingerprint")? != cert::fingerprint(&pk) {
            return Err(at(
                e,
                "script",
                "`details.fingerprint` is not the generated key's fingerprint",
            ));
        }
        facts
            .certificate_hashes
            .push((e, d.hex_str("certificate_sha256")?));
        // Strict TIME20 (a real date and time), and a validity that is not empty.
        let not_before = super::signing::seconds(&d, "not_before")?;
        if super::signing::seconds(&d, "not_after")? <= not_before {
            return Err(d.err("not_after", "must be later than not_before"));
        }
        facts.root_certificate = Some((e, d.hex_str("certificate_sha256")?));
        let serial = d.str("serial")?;
        if serial.is_empty()
            || serial.len() > 42
            || hex::decode(serial).is_err()
            || serial.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Err(d.err(
                "serial",
                "is not 2 to 42 lower-case hex digits (the serial's DER content bytes)",
            ));
        }
        d.str("subject")?;
        for idx in 1..=n {
            let e = step!(cur, "share-written", "one per holder, in plan order");
            let d = D::of(e);
            d.keys(&[
                "envelope_sha256",
                "file",
                "holder",
                "index",
                "medium",
                "role",
            ])?;
            if d.u8("index")? != idx {
                return Err(at(
                    e,
                    "script",
                    format!("`details.index` must be {idx} (shares are written in order)"),
                ));
            }
            let holder = d.name("holder")?;
            let p = h
                .participants
                .iter()
                .find(|p| p.share == Some(idx))
                .ok_or_else(|| d.err("index", "has no holder in the header"))?;
            if p.name != holder || p.role != d.str("role")? {
                return Err(at(
                    e,
                    "script",
                    format!(
                        "share {idx} was written for \"{holder}\", but the header gives it to \"{}\" ({})",
                        p.name, p.role
                    ),
                ));
            }
            actors_are(e, &[TOOL_ACTOR, holder])?;
            facts
                .envelopes
                .push((e, idx, d.hex_str("envelope_sha256")?));
            d.file("file")?;
            if !MEDIA.contains(&d.name("medium")?) {
                return Err(d.err(
                    "medium",
                    &format!("is not a known medium ({})", MEDIA.join(" or ")),
                ));
            }
        }
        for file in ["root.pem", "manifest.json"] {
            let e = step!(cur, "artifact-written", "root.pem, then manifest.json");
            actors_are(e, &[TOOL_ACTOR])?;
            let d = D::of(e);
            d.keys(&["file", "sha256"])?;
            if d.file("file")? != file {
                return Err(d.err("file", &format!("must be {file} at this step")));
            }
            let role = if file == "root.pem" {
                Artifact::Root
            } else {
                Artifact::Manifest
            };
            let sha = d.hex_str("sha256")?;
            facts.written.push((file, sha.clone()));
            facts.artifacts.push((e, file.to_string(), sha, role));
        }
        if h.kind == Kind::Generation {
            step!(cur, "seal", "a generation ends with the seal");
            return Ok(());
        }
        let e = step!(
            cur,
            "key-wiped",
            "the generated key is wiped before the rebuild"
        );
        actors_are(e, &[TOOL_ACTOR])?;
        D::of(e).keys(&[])?;
    }
    // Quorum check (also the second half of a rehearsal, and the core of rotation and CRL
    // ceremonies).
    let Some(pk) = super::quorum::context_step(cur, h, facts)? else {
        return Ok(());
    };
    let confirmed = match h.kind {
        Kind::Rotation => match super::signing::rotation_prelude(cur, facts)? {
            Some(t) => Some(t),
            None => return Ok(()),
        },
        Kind::Crl => match super::signing::crl_prelude(cur, facts)? {
            Some(t) => Some(t),
            None => return Ok(()),
        },
        _ => None,
    };
    if super::quorum::quorum_steps(cur, h, facts, pk)?.is_none() {
        return Ok(());
    }
    if let Some(prepared) = confirmed
        && super::signing::issued_steps(cur, h, facts, &prepared)?.is_none()
    {
        return Ok(());
    }
    step!(cur, "seal", "the ceremony ends with the seal");
    Ok(())
}

/// Like `step!`, for helpers returning `Result<Option<T>>`: `Ok(None)` when the transcript ends.
macro_rules! step_o {
    ($cur:expr, $action:expr, $why:expr) => {
        match $cur.next($action, $why)? {
            Some(e) => e,
            None => return Ok(None),
        }
    };
}
pub(super) use step_o;
