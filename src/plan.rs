//! Ceremony plans (`ceremony-scripts/*.toml`): version 1 (`docs/formats.md`, "Ceremony plan")
//! and version 2 (`docs/plans.md`; the added tables are read and checked in `src/plan/v2.rs`).

mod locate;
mod token;
mod v2;

use locate::Seg::{Index, Key};
pub use token::{TokenSpec, TokenTable};
pub use v2::{ActorRole, Checklist, Params, Place, PlanKind, Roles, V2};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::encoding::value_list::value_list;
use crate::error::{Error, Kind, Result};
use crate::share::check_k_n;

/// The bundled rehearsal plan (`ceremony-scripts/rehearsal.toml`).
pub const REHEARSAL_PLAN: &str = include_str!("../ceremony-scripts/rehearsal.toml");

value_list! {
    /// Where a holder's share goes: the one representation of a medium, in the plan
    /// (`medium`), the manifest (`shares[].medium`) and the transcript
    /// (`share-written.medium`), always as the strings `"text"` and `"paper"`
    /// (docs/formats.md, "Ceremony plan").
    pub enum Medium {
        /// A text file holding the share's text form (0600), for typing or printing by hand.
        Text = "text",
        /// A one-page PDF paper shard with a QR code (`templates/paper.toml`), written to a
        /// RAM-backed directory or sent straight to a printer.
        Paper = "paper",
        /// A payload encrypted to a key generated on a PKCS#11 token (`token` table:
        /// `module`, `label` and/or `serial`), stored on the token when it can hold data and
        /// always in a payload file.
        Pkcs11 = "pkcs11",
        /// A payload encrypted to a key generated in a YubiKey's PIV slot (`token` table:
        /// `serial`, `slot`), stored in a PIV data object and in a payload file.
        Yubikey = "yubikey",
    }
}

impl Medium {
    /// True for the hardware-token media (`pkcs11`, `yubikey`).
    pub fn is_token(self) -> bool {
        matches!(self, Medium::Pkcs11 | Medium::Yubikey)
    }
}

impl AsRef<str> for Medium {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// One share holder.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holder {
    /// Person's name.
    pub name: String,
    /// Role in the ceremony / organisation.
    pub role: String,
    /// Medium for the share.
    pub medium: Medium,
    /// The `token` table as written (token media only).
    #[serde(default, rename = "token")]
    pub token_table: Option<toml::Spanned<TokenTable>>,
    /// The checked token of a token medium (filled by [`Plan::parse`]).
    #[serde(skip)]
    pub token: Option<TokenSpec>,
}

/// A person taking part without holding a share (ceremony officer, witness, auditor).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanParticipant {
    /// Person's name.
    pub name: String,
    /// Role in the ceremony.
    pub role: String,
}

/// `[ceremony]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CeremonySection {
    /// Ceremony name.
    pub name: String,
    /// Throwaway rehearsal?
    #[serde(default)]
    pub rehearsal: bool,
    /// v2: the ceremony kind (`docs/plans.md`); checked into [`V2::kind`].
    #[serde(default)]
    pub kind: Option<toml::Spanned<PlanKind>>,
}

/// `[quorum]` table; the whole table and each key default to the policy's 3-of-5.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuorumSection {
    /// k (default 3).
    #[serde(default = "default_threshold")]
    pub threshold: u8,
    /// n (default 5).
    #[serde(default = "default_shares")]
    pub shares: u8,
}

/// Longest ceremony name, person name or role accepted (characters).
pub const MAX_NAME: usize = 200;

/// Default threshold k.
pub const DEFAULT_THRESHOLD: u8 = 3;
/// Default number of shares n.
pub const DEFAULT_SHARES: u8 = 5;

fn default_threshold() -> u8 {
    DEFAULT_THRESHOLD
}
fn default_shares() -> u8 {
    DEFAULT_SHARES
}

impl Default for QuorumSection {
    fn default() -> Self {
        QuorumSection {
            threshold: DEFAULT_THRESHOLD,
            shares: DEFAULT_SHARES,
        }
    }
}

/// A ceremony plan: v1 (a generation: ceremony, quorum, people; `docs/formats.md`,
/// "Ceremony plan") or v2 (`version = 2`: also the kind and its inputs, the roles and the
/// checklist; `docs/plans.md`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// `version` as written (absent: 1).
    #[serde(default)]
    version: Option<toml::Spanned<i64>>,
    /// Ceremony facts.
    pub ceremony: CeremonySection,
    /// k and n (default 3-of-5).
    #[serde(default)]
    pub quorum: QuorumSection,
    /// People taking part who hold no share (optional; recorded in the transcript).
    #[serde(default)]
    pub participants: Vec<PlanParticipant>,
    /// Exactly n holders, share i goes to holder i.
    pub holders: Vec<Holder>,
    #[serde(default)]
    roles: Option<toml::Spanned<v2::RolesTable>>,
    #[serde(default)]
    checklist: Option<toml::Spanned<Vec<v2::ChecklistTable>>>,
    #[serde(default)]
    generation: Option<toml::Spanned<v2::GenerationTable>>,
    #[serde(default)]
    rotation: Option<toml::Spanned<v2::RotationTable>>,
    #[serde(default)]
    crl: Option<toml::Spanned<v2::CrlTable>>,
    #[serde(default, rename = "share-audit")]
    share_audit: Option<toml::Spanned<v2::AuditTable>>,
    /// SHA-256 of the plan file's bytes (not part of the TOML).
    #[serde(skip)]
    pub sha256: [u8; 32],
    /// The file name the plan was parsed as (`origin` of [`Plan::parse`]), for errors.
    #[serde(skip)]
    pub origin: String,
    /// What a v2 plan adds, checked (`None` for a v1 plan).
    #[serde(skip)]
    pub v2: Option<V2>,
}

impl Plan {
    /// Parses and validates a plan; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Plan> {
        Plan::parse_checked(text, origin).map_err(|e| match e.hint {
            Some(_) => e,
            None => e.hint(PLAN_HINT),
        })
    }

    fn parse_checked(text: &str, origin: &str) -> Result<Plan> {
        let mut plan: Plan = toml::from_str(text).map_err(|e| syntax_error(origin, text, &e))?;
        plan.sha256 = Sha256::digest(text.as_bytes()).into();
        plan.origin = origin.to_string();
        let q = &plan.quorum;
        let at = |path: &[locate::Seg]| locate::at(origin, text, path);
        check_k_n(q.threshold, q.shares).map_err(|e| {
            let key = if q.shares > 16 || !e.message.contains("threshold") {
                "shares"
            } else {
                "threshold"
            };
            e.context(at(&[Key("quorum"), Key(key)]))
        })?;
        if plan.holders.len() != q.shares as usize {
            return Err(Error::new(
                Kind::Plan,
                format!(
                    "{}: [quorum] shares = {} but {} holders are listed",
                    at(&[Key("quorum"), Key("shares")]),
                    q.shares,
                    plan.holders.len()
                ),
            ));
        }
        if plan.ceremony.name.chars().any(crate::error::is_unsafe_char) {
            return Err(Error::new(
                Kind::Plan,
                format!(
                    "{}: ceremony.name must be a single line without control characters",
                    at(&[Key("ceremony"), Key("name")])
                ),
            ));
        }
        if plan.ceremony.name.trim().is_empty() {
            return Err(Error::new(
                Kind::Plan,
                format!(
                    "{}: ceremony.name is empty",
                    at(&[Key("ceremony"), Key("name")])
                ),
            ));
        }
        // Names are recorded in transcripts, whose readers accept at most 200 characters.
        let too_long = |s: &str| s.chars().count() > MAX_NAME;
        if too_long(&plan.ceremony.name)
            || plan
                .participants
                .iter()
                .map(|p| (&p.name, &p.role))
                .chain(plan.holders.iter().map(|h| (&h.name, &h.role)))
                .any(|(n, r)| too_long(n) || too_long(r))
        {
            return Err(Error::new(
                Kind::Plan,
                format!("plan {origin}: names and roles are limited to {MAX_NAME} characters"),
            ));
        }
        for (i, p) in plan.participants.iter().enumerate() {
            if p.name.trim().is_empty()
                || p.name
                    .chars()
                    .chain(p.role.chars())
                    .any(crate::error::is_unsafe_char)
            {
                return Err(Error::new(
                    Kind::Plan,
                    format!(
                        "{}: participant {}: name must not be empty, and name and role must be single lines without control characters",
                        at(&[Key("participants"), Index(i), Key("name")]),
                        i + 1
                    ),
                ));
            }
            if let Some(j) = plan.participants[..i].iter().position(|o| o.name == p.name) {
                return Err(Error::new(
                    Kind::Plan,
                    format!(
                        "{}: participants {} and {} are both named \"{}\"",
                        at(&[Key("participants"), Index(i), Key("name")]),
                        j + 1,
                        i + 1,
                        p.name
                    ),
                ));
            }
        }
        for (i, h) in plan.holders.iter().enumerate() {
            if h.name.trim().is_empty() {
                return Err(Error::new(
                    Kind::Plan,
                    format!(
                        "{}: holder {} has an empty name",
                        at(&[Key("holders"), Index(i), Key("name")]),
                        i + 1
                    ),
                ));
            }
            if h.name
                .chars()
                .chain(h.role.chars())
                .any(crate::error::is_unsafe_char)
            {
                return Err(Error::new(
                    Kind::Plan,
                    format!(
                        "{}: holder {} ({:?}): name and role must be single lines without control characters",
                        at(&[Key("holders"), Index(i), Key("name")]),
                        i + 1,
                        h.name
                    ),
                ));
            }
            if let Some(j) = plan.holders[..i].iter().position(|o| o.name == h.name) {
                return Err(Error::new(
                    Kind::Plan,
                    format!(
                        "{}: holders {} and {} are both named \"{}\"; each share needs its own holder",
                        at(&[Key("holders"), Index(i), Key("name")]),
                        j + 1,
                        i + 1,
                        h.name
                    ),
                ));
            }
        }
        for (i, h) in plan.holders.iter_mut().enumerate() {
            let who = format!("holder {} ({:?})", i + 1, h.name);
            h.token = match (&h.token_table, h.medium.is_token()) {
                (Some(t), true) => Some(t.get_ref().resolve(h.medium, origin, text)?),
                (None, true) => {
                    return Err(Error::new(
                        Kind::Plan,
                        format!(
                            "{}: {who} has medium = \"{}\" but no [holders.token] table naming the token",
                            locate::at(origin, text, &[Key("holders"), Index(i), Key("medium")]),
                            h.medium
                        ),
                    )
                    .hint(token_hint(h.medium)));
                }
                (Some(t), false) => {
                    let (line, column) = crate::tomlpos::position(text, t.span().start);
                    return Err(Error::new(
                        Kind::Plan,
                        format!(
                            "plan {origin}, line {line}, column {column}: {who} has medium = \"{}\", which takes no token table",
                            h.medium
                        ),
                    )
                    .hint("remove the [holders.token] table, or set the holder's medium to \"pkcs11\" or \"yubikey\""));
                }
                (None, false) => None,
            };
        }
        let tables = v2::Tables {
            roles: plan.roles.take(),
            checklist: plan.checklist.take(),
            generation: plan.generation.take(),
            rotation: plan.rotation.take(),
            crl: plan.crl.take(),
            share_audit: plan.share_audit.take(),
        };
        let kind = plan.ceremony.kind.clone();
        plan.v2 = v2::resolve(
            &plan,
            plan.version.as_ref(),
            kind.as_ref(),
            &tables,
            origin,
            text,
        )?;
        Ok(plan)
    }

    /// 1 or 2.
    pub fn version(&self) -> u8 {
        if self.v2.is_some() { 2 } else { 1 }
    }

    /// Refuses a plan of another kind than `kind`, which `command` runs (a v1 plan is a
    /// generation's): e.g. `rootkey generate` given `intermediate-rotation.toml`.
    pub fn require_kind(&self, kind: PlanKind, command: &str) -> Result<()> {
        if self.kind() == kind {
            return Ok(());
        }
        let at = match &self.v2 {
            Some(v) => format!(
                "plan {}, line {}, column {}",
                self.origin, v.kind_at.0, v.kind_at.1
            ),
            None => format!("plan {}", self.origin),
        };
        Err(Error::new(
            Kind::Plan,
            format!(
                "{at}: a plan of kind \"{}\"; `{command}` runs a plan of kind \"{kind}\"",
                self.kind()
            ),
        )
        .hint(format!(
            "give a {kind} plan (ceremony-scripts/ has one per kind)"
        )))
    }

    /// The ceremony kind: a v1 plan is a generation's.
    pub fn kind(&self) -> PlanKind {
        self.v2.as_ref().map_or(PlanKind::Generation, |v| v.kind)
    }

    /// Loads a plan file.
    pub fn load(path: &std::path::Path) -> Result<Plan> {
        let bytes = crate::fsio::read_public(path, 1 << 20, "plan")?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::new(
                Kind::Plan,
                format!(
                    "plan {}: not UTF-8 text (byte {})",
                    path.display(),
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        Plan::parse(&text, &path.display().to_string())
    }
}

/// The next step of a plan error that has no more specific one.
const PLAN_HINT: &str =
    "correct the plan (its keys: docs/plans.md), then run `rootkey plan check` again";

/// A TOML syntax, type or key error: `plan ORIGIN, line L, column C, key K: message` (the key
/// when it can be told).
fn syntax_error(origin: &str, text: &str, e: &toml::de::Error) -> Error {
    let described = crate::tomlpos::describe(origin, text, e);
    let message = match e.span() {
        Some(span) => {
            let (line, column) = crate::tomlpos::position(text, span.start);
            let prefix = format!("{origin}, line {line}");
            match described.strip_prefix(&prefix) {
                Some(rest) => format!("{prefix}, column {column}{rest}"),
                None => described,
            }
        }
        None => described,
    };
    Error::new(Kind::Plan, format!("plan {message}")).hint(PLAN_HINT)
}

fn token_hint(m: Medium) -> &'static str {
    match m {
        Medium::Yubikey => {
            "add `[holders.token]` after the holder, e.g. `serial = \"12345678\"` and `slot = \"82\"`"
        }
        _ => {
            "add `[holders.token]` after the holder with `module = \"/usr/lib/softhsm/libsofthsm2.so\"` and `label = \"...\"` or `serial = \"...\"`"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medium_strings() {
        for &m in Medium::ALL {
            assert_eq!(Medium::parse(m.as_str()), Some(m));
            let json = serde_json::to_string(&m).unwrap();
            assert_eq!(json, format!("\"{}\"", m.as_str()));
        }
        assert_eq!(Medium::parse("Text"), None);
        // As the manifest's and the verifier's messages list them.
        assert_eq!(
            Medium::listed(),
            r#""text", "paper", "pkcs11" or "yubikey""#
        );
        assert_eq!(Medium::listed_bare(), "text, paper, pkcs11 or yubikey");
        assert_eq!(Medium::parse("vellum"), None);
    }

    #[test]
    fn bundled_plans_parse() {
        let p = Plan::parse(REHEARSAL_PLAN, "rehearsal.toml").unwrap();
        assert!(p.ceremony.rehearsal);
        assert_eq!((p.quorum.threshold, p.quorum.shares), (3, 5));
        let real = include_str!("../ceremony-scripts/root-generation.toml");
        let p = Plan::parse(real, "root-generation.toml").unwrap();
        assert!(!p.ceremony.rehearsal);
        assert_eq!(p.holders.len(), 5);
    }

    #[test]
    fn quorum_defaults_to_3_of_5() {
        let t = REHEARSAL_PLAN.replace("[quorum]\nthreshold = 3\nshares = 5\n", "");
        assert!(!t.contains("[quorum]"));
        let p = Plan::parse(&t, "p.toml").unwrap();
        assert_eq!((p.quorum.threshold, p.quorum.shares), (3, 5));
        let t = REHEARSAL_PLAN.replace("threshold = 3\n", "");
        assert_eq!(Plan::parse(&t, "p.toml").unwrap().quorum.threshold, 3);
    }

    #[test]
    fn unknown_medium_names_line() {
        let t = REHEARSAL_PLAN.replacen("medium = \"text\"", "medium = \"carrier-pigeon\"", 1);
        let e = Plan::parse(&t, "p.toml").unwrap_err();
        assert_eq!(e.kind, Kind::Plan);
        assert!(e.message.starts_with("plan p.toml, line "), "{}", e.message);
        assert!(
            e.message.contains("carrier-pigeon") || e.message.contains("variant"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_command_refuses_a_plan_of_another_kind() {
        let rotation = include_str!("../ceremony-scripts/intermediate-rotation.toml");
        let p = Plan::parse(rotation, "r.toml").unwrap();
        assert!(
            p.require_kind(PlanKind::Rotation, "rootkey intermediate sign")
                .is_ok()
        );
        let e = p
            .require_kind(PlanKind::Generation, "rootkey generate")
            .unwrap_err();
        assert_eq!(e.kind, Kind::Plan);
        let line = rotation
            .lines()
            .position(|l| l.starts_with("kind = "))
            .unwrap()
            + 1;
        assert_eq!(
            e.message,
            format!(
                "plan r.toml, line {line}, column 8: a plan of kind \"rotation\"; `rootkey generate` runs a plan of kind \"generation\""
            )
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("give a generation plan (ceremony-scripts/ has one per kind)")
        );
        // A v1 plan is a generation's.
        let v1 = Plan::parse(
            REHEARSAL_PLAN
                .split("version = 2\n")
                .nth(1)
                .unwrap()
                .replace("kind = \"generation\"\n", "")
                .split("\n[roles]")
                .next()
                .unwrap(),
            "v1.toml",
        )
        .unwrap();
        assert_eq!(v1.version(), 1);
        assert!(
            v1.require_kind(PlanKind::Generation, "rootkey generate")
                .is_ok()
        );
        let e = v1
            .require_kind(PlanKind::Crl, "rootkey crl sign")
            .unwrap_err();
        assert!(
            e.message
                .starts_with("plan v1.toml: a plan of kind \"generation\""),
            "{}",
            e.message
        );
    }
}
