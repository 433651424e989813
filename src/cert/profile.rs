//! The intermediate certificate profile (`templates/intermediate.toml`; docs/formats.md,
//! "Intermediate certificate profile"): which CSR subjects may be signed, which requested
//! extensions are tolerated, the validity and the certificate's optional extensions.

use der::asn1::ObjectIdentifier;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Kind, Result};

/// The default intermediate profile shipped in `templates/intermediate.toml`.
pub const DEFAULT_INTERMEDIATE_PROFILE: &str = include_str!("../../templates/intermediate.toml");

/// Hard ceiling on an intermediate's lifetime (issue 5: "never more than 8 years"): 8 × 365 +
/// 2 leap days.
pub const MAX_VALIDITY_DAYS: u32 = 8 * 365 + 2;

/// Extension names a profile may use, with their OIDs (RFC 5280 §4.2).
pub const EXTENSION_NAMES: [(&str, &str); 12] = [
    ("authorityKeyIdentifier", "2.5.29.35"),
    ("subjectKeyIdentifier", "2.5.29.14"),
    ("keyUsage", "2.5.29.15"),
    ("certificatePolicies", "2.5.29.32"),
    ("subjectAltName", "2.5.29.17"),
    ("basicConstraints", "2.5.29.19"),
    ("nameConstraints", "2.5.29.30"),
    ("policyConstraints", "2.5.29.36"),
    ("extendedKeyUsage", "2.5.29.37"),
    ("cRLDistributionPoints", "2.5.29.31"),
    ("inhibitAnyPolicy", "2.5.29.54"),
    ("authorityInfoAccess", "1.3.6.1.5.5.7.1.1"),
];

/// Key purpose names a profile's `extensions.extended_key_usage` may use, with their OIDs
/// (RFC 5280 §4.2.1.12, id-kp-*).
pub const KEY_PURPOSE_NAMES: [(&str, &str); 6] = [
    ("serverAuth", "1.3.6.1.5.5.7.3.1"),
    ("clientAuth", "1.3.6.1.5.5.7.3.2"),
    ("codeSigning", "1.3.6.1.5.5.7.3.3"),
    ("emailProtection", "1.3.6.1.5.5.7.3.4"),
    ("timeStamping", "1.3.6.1.5.5.7.3.8"),
    ("OCSPSigning", "1.3.6.1.5.5.7.3.9"),
];

/// The name of a key purpose OID, or its dotted form.
pub fn key_purpose_name(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    KEY_PURPOSE_NAMES
        .iter()
        .find(|(_, o)| *o == dotted)
        .map(|(n, _)| n.to_string())
        .unwrap_or(dotted)
}

/// The name of an extension OID, or its dotted form.
pub fn extension_name(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    EXTENSION_NAMES
        .iter()
        .find(|(_, o)| *o == dotted)
        .map(|(n, _)| n.to_string())
        .unwrap_or(dotted)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: String,
    subject: RawSubject,
    validity: RawValidity,
    #[serde(default)]
    extensions: RawExtensions,
    request: RawRequest,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubject {
    allowed: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValidity {
    days: u32,
    overlap_days: u32,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExtensions {
    #[serde(default)]
    digital_signature: bool,
    #[serde(default)]
    crl_distribution_points: Vec<String>,
    #[serde(default)]
    ca_issuers: Vec<String>,
    #[serde(default)]
    policies: Vec<String>,
    #[serde(default)]
    extended_key_usage: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    allowed_extensions: Vec<String>,
}

/// A checked intermediate profile.
#[derive(Clone, Debug)]
pub struct IntermediateProfile {
    /// Label shown in summaries and recorded in transcripts.
    pub name: String,
    /// Subject patterns (RFC 4514 text, `*` and `?` wildcards).
    pub subject_allowed: Vec<String>,
    /// Days of use.
    pub validity_days: u32,
    /// Days of overlap with the next intermediate.
    pub overlap_days: u32,
    /// keyUsage digitalSignature as well.
    pub digital_signature: bool,
    /// cRLDistributionPoints URIs.
    pub crl_distribution_points: Vec<String>,
    /// authorityInfoAccess caIssuers URIs.
    pub ca_issuers: Vec<String>,
    /// certificatePolicies OIDs.
    pub policies: Vec<ObjectIdentifier>,
    /// extendedKeyUsage key purposes, in the profile's order (empty: no extension).
    pub extended_key_usage: Vec<ObjectIdentifier>,
    /// Extensions a CSR may request.
    pub allowed_request_extensions: Vec<ObjectIdentifier>,
    /// SHA-256 of the profile file's bytes.
    pub sha256: [u8; 32],
}

fn bad(origin: &str, what: impl std::fmt::Display) -> Error {
    Error::new(
        Kind::ProfileFile,
        format!("intermediate profile {origin}: {what}"),
    )
    .hint(
        "correct that line of the profile (docs/formats.md, \"Intermediate certificate profile\")",
    )
}

/// A URI for cRLDistributionPoints / caIssuers: `http://` (RFC 5280 §4.2.1.13 and §4.2.2.1
/// expect HTTP or LDAP; HTTPS cannot be fetched before the chain is trusted) and printable
/// ASCII (IA5String).
fn check_uri(origin: &str, field: &str, uri: &str) -> Result<()> {
    let ok = (uri.starts_with("http://") || uri.starts_with("ldap://"))
        && uri.len() > "http://".len()
        && uri.len() <= 1024
        && uri.bytes().all(|b| b.is_ascii_graphic());
    if !ok {
        return Err(bad(
            origin,
            format!(
                "extensions.{field}: {uri:?} is not an http:// or ldap:// URI of printable ASCII"
            ),
        ));
    }
    Ok(())
}

fn parse_oid(origin: &str, field: &str, s: &str) -> Result<ObjectIdentifier> {
    let dotted = EXTENSION_NAMES
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, o)| *o)
        .unwrap_or(s);
    ObjectIdentifier::new(dotted).map_err(|_| {
        bad(
            origin,
            format!("{field}: {s:?} is neither a known extension name nor a dotted OID"),
        )
    })
}

/// `extensions.extended_key_usage`: each entry a name of [`KEY_PURPOSE_NAMES`] (exactly as
/// RFC 5280 spells it) or a dotted OID, none twice, anyExtendedKeyUsage refused (it would
/// restrict nothing: leave the list empty instead).
fn parse_key_purposes(origin: &str, names: &[String]) -> Result<Vec<ObjectIdentifier>> {
    let field = "extensions.extended_key_usage";
    let known = || {
        KEY_PURPOSE_NAMES
            .iter()
            .map(|(n, _)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out: Vec<ObjectIdentifier> = Vec::new();
    for s in names {
        let named = KEY_PURPOSE_NAMES.iter().find(|(n, _)| n == s);
        let dotted = named.map(|(_, o)| *o).unwrap_or(s);
        let starts_with_digit = s.starts_with(|c: char| c.is_ascii_digit());
        let oid = match ObjectIdentifier::new(dotted) {
            Ok(oid) if named.is_some() || starts_with_digit => oid,
            _ => {
                return Err(bad(
                    origin,
                    format!(
                        "{field}: {s:?} is neither a known key purpose ({}) nor a dotted OID",
                        known()
                    ),
                ));
            }
        };
        if oid.to_string() == "2.5.29.37.0" {
            return Err(bad(
                origin,
                format!(
                    "{field}: anyExtendedKeyUsage ({s}) restricts nothing; leave the list empty for an intermediate without extendedKeyUsage"
                ),
            ));
        }
        if out.contains(&oid) {
            return Err(bad(origin, format!("{field}: {s:?} is given twice")));
        }
        out.push(oid);
    }
    Ok(out)
}

impl IntermediateProfile {
    /// Parses and checks a profile; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<IntermediateProfile> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            Error::new(Kind::ProfileFile, format!(
                "intermediate profile {}",
                crate::tomlpos::describe(origin, text, &e)
            ))
            .hint("correct that line of the profile (docs/formats.md, \"Intermediate certificate profile\")")
        })?;
        let at = |key: &str| crate::tomlpos::at(origin, text, key);
        if raw.name.trim().is_empty()
            || raw.name.chars().count() > 200
            || raw.name.chars().any(crate::error::is_unsafe_char)
        {
            return Err(bad(
                &at("name"),
                "name must be 1 to 200 characters without control characters",
            ));
        }
        if raw.subject.allowed.is_empty() {
            return Err(bad(
                &at("subject.allowed"),
                "subject.allowed is empty: no CSR could be signed",
            ));
        }
        for p in &raw.subject.allowed {
            if p.trim().is_empty()
                || !p.contains('=')
                || p.chars().any(crate::error::is_unsafe_char)
            {
                return Err(bad(
                    &at("subject.allowed"),
                    format!(
                        "subject.allowed: {p:?} is not an RFC 4514 pattern such as \"CN=Example Intermediate *\""
                    ),
                ));
            }
        }
        let v = &raw.validity;
        if v.days == 0 {
            return Err(bad(
                &at("validity.days"),
                "validity.days must be at least 1",
            ));
        }
        let total = v.days.saturating_add(v.overlap_days);
        if total > MAX_VALIDITY_DAYS {
            return Err(bad(
                &at("validity.overlap_days"),
                format!(
                    "validity.days + validity.overlap_days = {total} days is more than 8 years ({MAX_VALIDITY_DAYS} days)"
                ),
            ));
        }
        let x = &raw.extensions;
        for u in &x.crl_distribution_points {
            check_uri(
                &at("extensions.crl_distribution_points"),
                "crl_distribution_points",
                u,
            )?;
        }
        for u in &x.ca_issuers {
            check_uri(&at("extensions.ca_issuers"), "ca_issuers", u)?;
        }
        let policies = x
            .policies
            .iter()
            .map(|p| {
                ObjectIdentifier::new(p).map_err(|_| {
                    bad(
                        &at("extensions.policies"),
                        format!("extensions.policies: {p:?} is not a dotted OID"),
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let extended_key_usage =
            parse_key_purposes(&at("extensions.extended_key_usage"), &x.extended_key_usage)?;
        let allowed = raw
            .request
            .allowed_extensions
            .iter()
            .map(|s| {
                parse_oid(
                    &at("request.allowed_extensions"),
                    "request.allowed_extensions",
                    s,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(IntermediateProfile {
            name: raw.name,
            subject_allowed: raw.subject.allowed,
            validity_days: v.days,
            overlap_days: v.overlap_days,
            digital_signature: x.digital_signature,
            crl_distribution_points: x.crl_distribution_points.clone(),
            ca_issuers: x.ca_issuers.clone(),
            policies,
            extended_key_usage,
            allowed_request_extensions: allowed,
            sha256: Sha256::digest(text.as_bytes()).into(),
        })
    }

    /// Total lifetime in days (use plus overlap).
    pub fn total_days(&self) -> u32 {
        self.validity_days + self.overlap_days
    }

    /// Whether `subject` (RFC 4514 text) matches one of the allowed patterns.
    pub fn subject_allowed(&self, subject: &str) -> bool {
        self.subject_allowed
            .iter()
            .any(|p| pattern_matches(p, subject))
    }

    /// Checks a request's subject and requested extensions against the profile. `origin`
    /// names the CSR in errors.
    pub fn check_request(
        &self,
        subject: &str,
        requested: &[ObjectIdentifier],
        origin: &str,
    ) -> Result<()> {
        if !self.subject_allowed(subject) {
            return Err(Error::new(Kind::ProfileRefuses, format!(
                "{origin}: subject \"{subject}\" is not allowed by the profile \"{}\" (allowed: {})",
                self.name,
                self.subject_allowed
                    .iter()
                    .map(|p| format!("\"{p}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .hint("ask for a CSR with an allowed subject, or use the profile for this subject"));
        }
        for oid in requested {
            if !self.allowed_request_extensions.contains(oid) {
                return Err(Error::new(Kind::ProfileRefuses, format!(
                    "{origin}: requests the extension {} ({oid}), which the profile \"{}\" forbids",
                    extension_name(oid),
                    self.name
                ))
                .hint("the certificate's extensions come from the profile only; ask for a CSR without it"));
            }
        }
        Ok(())
    }
}

/// Glob match over RFC 4514 text: `*` = any run of characters that are not an unescaped `,`
/// or `+`; `?` = one such character; `\` in the subject escapes the next character (it and
/// the escaped character are matched literally by the pattern and count as ordinary
/// characters for the wildcards).
pub fn pattern_matches(pattern: &str, subject: &str) -> bool {
    // Tokenise the subject into (char, is_separator) pairs.
    let mut toks: Vec<(char, bool)> = Vec::new();
    let mut it = subject.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            toks.push((c, false));
            if let Some(n) = it.next() {
                toks.push((n, false));
            }
        } else {
            toks.push((c, c == ',' || c == '+'));
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    // Classic DP over pattern × subject.
    let (n, m) = (p.len(), toks.len());
    let mut dp = vec![vec![false; m + 1]; n + 1];
    dp[0][0] = true;
    for i in 1..=n {
        if p[i - 1] == '*' {
            dp[i][0] = dp[i - 1][0];
        }
        for j in 1..=m {
            let (c, sep) = toks[j - 1];
            dp[i][j] = match p[i - 1] {
                '*' => dp[i - 1][j] || (!sep && dp[i][j - 1]),
                '?' => !sep && dp[i - 1][j - 1],
                pc => pc == c && dp[i - 1][j - 1],
            };
        }
    }
    dp[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profile_parses() {
        let p = IntermediateProfile::from_toml(DEFAULT_INTERMEDIATE_PROFILE, "x").unwrap();
        assert_eq!((p.validity_days, p.overlap_days), (365, 90));
        assert!(p.subject_allowed("CN=Example Corp Intermediate CA prod/2026"));
        assert!(!p.subject_allowed("CN=Example Corp Intermediate CA prod/2026,O=Evil"));
        assert!(!p.subject_allowed("CN=Evil Intermediate CA prod/2026"));
        assert_eq!(p.allowed_request_extensions.len(), 4);
        assert!(p.extended_key_usage.is_empty());
        let all = DEFAULT_INTERMEDIATE_PROFILE.replace(
            "extended_key_usage = []",
            "extended_key_usage = [\"serverAuth\", \"clientAuth\", \"codeSigning\", \"emailProtection\", \"timeStamping\", \"OCSPSigning\", \"1.3.6.1.4.1.311.10.3.13\"]",
        );
        let p = IntermediateProfile::from_toml(&all, "x").unwrap();
        let names: Vec<String> = p.extended_key_usage.iter().map(key_purpose_name).collect();
        assert_eq!(
            names,
            [
                "serverAuth",
                "clientAuth",
                "codeSigning",
                "emailProtection",
                "timeStamping",
                "OCSPSigning",
                "1.3.6.1.4.1.311.10.3.13"
            ]
        );
        assert_eq!(p.extended_key_usage[5].to_string(), "1.3.6.1.5.5.7.3.9");
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("CN=a*", "CN=abc"));
        assert!(pattern_matches("CN=a*,O=x", "CN=abc,O=x"));
        assert!(!pattern_matches("CN=a*", "CN=ab,O=x"));
        assert!(!pattern_matches("CN=a*", "CN=ab+UID=x"));
        assert!(pattern_matches("CN=a*", "CN=a\\,b"));
        assert!(pattern_matches("CN=prod/20??", "CN=prod/2026"));
        assert!(!pattern_matches("CN=prod/20??", "CN=prod/202"));
        assert!(!pattern_matches("cn=x", "CN=x"));
    }

    #[test]
    fn refusals_name_the_problem() {
        let base = DEFAULT_INTERMEDIATE_PROFILE;
        let cases = [
            (
                base.replace("days = 365", "days = 3000"),
                "more than 8 years",
            ),
            (base.replace("days = 365", "days = 0"), "at least 1"),
            (
                base.replace("http://pki.example.com/root.crl", "https://x/y"),
                "crl_distribution_points",
            ),
            (base.replace("\"2.5.29.32.0\"", "\"anyPolicy\""), "policies"),
            (
                base.replace("\"subjectAltName\"]", "\"bogus\"]"),
                "allowed_extensions",
            ),
            (
                // The shipped `allowed = [...]` array (over several lines) emptied.
                {
                    let a = base.find("allowed = [").unwrap();
                    let b = a + base[a..].find(']').unwrap();
                    format!("{}allowed = []{}", &base[..a], &base[b + 1..])
                },
                "subject.allowed is empty",
            ),
            (format!("{base}\nsurprise = 1\n"), "surprise"),
            (
                base.replace(
                    "extended_key_usage = []",
                    "extended_key_usage = [\"codesigning\"]",
                ),
                "extensions.extended_key_usage: \"codesigning\" is neither a known key purpose (serverAuth, clientAuth, codeSigning, emailProtection, timeStamping, OCSPSigning) nor a dotted OID",
            ),
            (
                base.replace("extended_key_usage = []", "extended_key_usage = [\"1\"]"),
                "\"1\" is neither",
            ),
            (
                base.replace(
                    "extended_key_usage = []",
                    "extended_key_usage = [\"codeSigning\", \"1.3.6.1.5.5.7.3.3\"]",
                ),
                "\"1.3.6.1.5.5.7.3.3\" is given twice",
            ),
            (
                base.replace(
                    "extended_key_usage = []",
                    "extended_key_usage = [\"2.5.29.37.0\"]",
                ),
                "anyExtendedKeyUsage (2.5.29.37.0) restricts nothing",
            ),
            (
                base.replace(
                    "extended_key_usage = []",
                    "extended_key_usage = \"serverAuth\"",
                ),
                "extended_key_usage",
            ),
        ];
        for (text, want) in cases {
            let e = IntermediateProfile::from_toml(&text, "p.toml").unwrap_err();
            assert_eq!(e.kind, Kind::ProfileFile, "{want}");
            assert!(e.message.contains(want), "{want}: {}", e.message);
            assert!(e.message.contains("p.toml"), "{}", e.message);
        }
    }

    #[test]
    fn request_checks() {
        let p = IntermediateProfile::from_toml(DEFAULT_INTERMEDIATE_PROFILE, "x").unwrap();
        let bc = ObjectIdentifier::new_unwrap("2.5.29.19");
        let nc = ObjectIdentifier::new_unwrap("2.5.29.30");
        p.check_request("CN=Example Corp Intermediate CA prod/2026", &[bc], "CSR r")
            .unwrap();
        let e = p
            .check_request("CN=Example Corp Intermediate CA prod/2026", &[nc], "CSR r")
            .unwrap_err();
        assert_eq!(e.kind, Kind::ProfileRefuses);
        assert!(e.message.contains("nameConstraints"), "{}", e.message);
        let e = p.check_request("CN=Mallory", &[], "CSR r").unwrap_err();
        assert_eq!(e.kind, Kind::ProfileRefuses);
        assert!(
            e.message.contains("\"CN=Mallory\" is not allowed"),
            "{}",
            e.message
        );
    }
}
