//! Revocation entries: the reasons rootkey accepts (RFC 5280 §5.3.1) and the `--revoke
//! SERIAL[:REASON]` argument.

use crate::encoding::time::UtcTime;
use x509_cert::ext::pkix::CrlReason;

use super::MAX_INTEGER_OCTETS;
use crate::error::{Error, Kind, Result};

/// CRLReason (RFC 5280 §5.3.1), without certificateHold and removeFromCRL (a revocation in this
/// PKI is final) and aACompromise (attribute certificates are not used).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// unspecified (0): written as no reasonCode at all (§5.3.1).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
}

impl Reason {
    /// Every accepted reason, in code order.
    pub const ALL: [Reason; 7] = [
        Reason::Unspecified,
        Reason::KeyCompromise,
        Reason::CaCompromise,
        Reason::AffiliationChanged,
        Reason::Superseded,
        Reason::CessationOfOperation,
        Reason::PrivilegeWithdrawn,
    ];

    /// Parses an RFC 5280 name, case-insensitive, also in kebab-case (`key-compromise`,
    /// `ca-compromise`, `cessation-of-operation`; `_` works like `-`).
    pub fn parse(s: &str) -> Result<Reason> {
        let norm: String = s
            .chars()
            .filter(|c| *c != '-' && *c != '_')
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(r) = Reason::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(&norm))
        {
            return Ok(r);
        }
        let accepted = Reason::ALL.map(|r| r.as_str()).join(", ");
        let why = match norm.as_str() {
            "" => "is empty".to_string(),
            "certificatehold" | "removefromcrl" => {
                "is not used: there are no certificate holds in this PKI, a revocation is final"
                    .to_string()
            }
            "aacompromise" => "is not used: it concerns attribute certificates".to_string(),
            _ => "is not a CRL reason".to_string(),
        };
        Err(Error::new(
            Kind::Argument,
            format!("revocation reason {s:?} {why}; accepted reasons: {accepted}"),
        ))
    }

    /// The RFC 5280 name (camelCase, as `openssl crl -text` prints it, e.g. `keyCompromise`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::Unspecified => "unspecified",
            Reason::KeyCompromise => "keyCompromise",
            Reason::CaCompromise => "cACompromise",
            Reason::AffiliationChanged => "affiliationChanged",
            Reason::Superseded => "superseded",
            Reason::CessationOfOperation => "cessationOfOperation",
            Reason::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    pub(super) fn to_x509(self) -> CrlReason {
        match self {
            Reason::Unspecified => CrlReason::Unspecified,
            Reason::KeyCompromise => CrlReason::KeyCompromise,
            Reason::CaCompromise => CrlReason::CaCompromise,
            Reason::AffiliationChanged => CrlReason::AffiliationChanged,
            Reason::Superseded => CrlReason::Superseded,
            Reason::CessationOfOperation => CrlReason::CessationOfOperation,
            Reason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        }
    }

    pub(super) fn from_x509(r: CrlReason) -> Option<Reason> {
        Reason::ALL.into_iter().find(|x| x.to_x509() == r)
    }
}

/// Written as its RFC 5280 name ([`Reason::as_str`]), as transcripts record it
/// (`crl-prepared.revoked[].reason`).
impl serde::Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Read back from its RFC 5280 name exactly (not the lenient [`Reason::parse`] of `--revoke`).
impl<'de> serde::Deserialize<'de> for Reason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Reason, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        Reason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not a CRL reason name")))
    }
}

/// One revocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The serial number's DER INTEGER content bytes: positive, minimal, at most 20 octets.
    pub serial: Vec<u8>,
    /// revocationDate.
    pub revoked_at: UtcTime,
    /// The reason, if one was given (an explicit `unspecified` is written as none).
    pub reason: Option<Reason>,
}

impl Revocation {
    /// The serial number in lower-case hex (the DER content bytes).
    pub fn serial_hex(&self) -> String {
        hex::encode(&self.serial)
    }

    /// The serial as a person compares it: as `openssl x509 -noout -serial` prints it (upper
    /// case, no DER sign byte).
    pub fn serial_shown(&self) -> String {
        crate::encoding::hexfmt::serial_display(&self.serial)
    }
}

/// The problem with serial/CRL number content bytes, if any: they must be a positive, minimal
/// DER INTEGER of at most 20 octets.
pub(super) fn integer_problem(content: &[u8]) -> Option<String> {
    match content {
        [] => Some("is empty".into()),
        [0, next, ..] if next & 0x80 == 0 => Some("is not minimally encoded".into()),
        [first, ..] if first & 0x80 != 0 => Some("is negative".into()),
        _ if content.iter().all(|b| *b == 0) => Some("is zero".into()),
        _ if content.len() > MAX_INTEGER_OCTETS => Some(format!(
            "is {} octets long; RFC 5280 allows at most {MAX_INTEGER_OCTETS}",
            content.len()
        )),
        _ => None,
    }
}

/// `bytes` as the content of a positive minimal DER INTEGER (None for zero).
pub(super) fn minimal_positive(bytes: &[u8]) -> Option<Vec<u8>> {
    let start = bytes.iter().position(|b| *b != 0)?;
    let mut v = Vec::with_capacity(bytes.len() - start + 1);
    if bytes[start] & 0x80 != 0 {
        v.push(0);
    }
    v.extend_from_slice(&bytes[start..]);
    Some(v)
}

/// Parses a `--revoke SERIAL[:REASON]` argument. SERIAL is hex, case-insensitive, optionally
/// with a `0x` or `serial=` prefix, or as colon-separated byte pairs (`3a:9f:…`, as
/// `openssl x509 -text` prints it); an odd number of digits without colons is read as a number
/// (`abc` = `0abc`). The text after the last colon is a REASON when it is not two hex digits.
pub fn parse_revoke_arg(arg: &str, revoked_at: UtcTime) -> Result<Revocation> {
    let fail = |what: String| {
        Error::new(Kind::Argument, format!("--revoke {arg:?}: {what}")).hint(
            "give the serial number in hex as `openssl x509 -noout -serial` prints it, \
             optionally followed by :REASON (e.g. 3A9F04:keyCompromise)",
        )
    };
    let text = arg.trim();
    let (serial_text, reason) = match text.rsplit_once(':') {
        Some((_, "")) => return Err(fail("nothing after the last ':'".into())),
        Some((s, r)) if !(r.len() == 2 && r.bytes().all(|b| b.is_ascii_hexdigit())) => {
            let reason = Reason::parse(r).map_err(|e| e.context(format!("--revoke {arg:?}")))?;
            (s, Some(reason))
        }
        _ => (text, None),
    };
    let s = serial_text;
    let s = match s.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("serial=") => &s[7..],
        _ => s,
    };
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if s.is_empty() {
        return Err(fail("the serial number is empty".into()));
    }
    let digits = if s.contains(':') {
        let mut d = String::with_capacity(s.len());
        for g in s.split(':') {
            if g.len() != 2 || !g.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(fail(format!(
                    "{g:?} is not two hex digits (with colons, write every byte as two digits)"
                )));
            }
            d.push_str(g);
        }
        d
    } else if s.bytes().all(|b| b.is_ascii_hexdigit()) {
        if s.len() % 2 == 1 {
            format!("0{s}")
        } else {
            s.to_string()
        }
    } else {
        return Err(fail(
            "the serial number is not hexadecimal (digits 0-9 and a-f)".into(),
        ));
    };
    let bytes = hex::decode(&digits).map_err(|e| fail(format!("not hexadecimal: {e}")))?;
    let serial = minimal_positive(&bytes).ok_or_else(|| {
        fail("serial number 0 is not a certificate serial (RFC 5280 §4.1.2.2: positive)".into())
    })?;
    if let Some(problem) = integer_problem(&serial) {
        return Err(fail(format!("the serial number {problem}")));
    }
    Ok(Revocation {
        serial,
        revoked_at,
        reason,
    })
}
