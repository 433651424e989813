//! The kind's table of a plan v2 (`docs/plans.md`, "Kinds and their tables"): `[generation]`,
//! `[rotation]`, `[crl]`, `[share-audit]` as written, and their checks into [`Params`].

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{Ctx, PlanKind, Tables};
use crate::error::Result;
use crate::plan::Plan;

/// `[generation]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(in crate::plan) struct GenerationTable {
    #[serde(default)]
    profile: Option<Spanned<String>>,
    #[serde(default)]
    dice: bool,
    #[serde(default)]
    print_to: Option<Spanned<String>>,
}

/// `[rotation]` as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(in crate::plan) struct RotationTable {
    root: Spanned<String>,
    manifest: Spanned<String>,
    csr: Spanned<String>,
    #[serde(default)]
    csr_sha256: Option<Spanned<String>>,
    profile: Spanned<String>,
    #[serde(default)]
    previous: Option<Spanned<String>>,
    #[serde(default)]
    presenting: Option<Spanned<Vec<Spanned<i64>>>>,
}

/// `[crl]` as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(in crate::plan) struct CrlTable {
    root: Spanned<String>,
    manifest: Spanned<String>,
    #[serde(default)]
    previous_crl: Option<Spanned<String>>,
    #[serde(default)]
    first_crl: Option<Spanned<bool>>,
    #[serde(default)]
    revoke: Vec<Spanned<String>>,
    #[serde(default)]
    next_update_days: Option<Spanned<i64>>,
    #[serde(default)]
    presenting: Option<Spanned<Vec<Spanned<i64>>>>,
}

/// `[share-audit]` as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::plan) struct AuditTable {
    root: Spanned<String>,
    manifest: Spanned<String>,
}

/// The inputs of a signing or audit ceremony that the plan names (paths as written, relative
/// to the plan's directory).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Params {
    /// `[generation]`.
    Generation {
        /// Root certificate profile (`--profile`), default the built-in one.
        profile: Option<String>,
        /// Dice are rolled and typed (`--dice`).
        dice: bool,
        /// Paper shards go straight to this printer (`--print-to`).
        print_to: Option<String>,
    },
    /// `[rotation]`.
    Rotation {
        /// root.pem.
        root: String,
        /// manifest.json.
        manifest: String,
        /// The CSR.
        csr: String,
        /// The CSR hash delivered out of band; `None`: typed at the ceremony.
        csr_sha256: Option<String>,
        /// Intermediate profile.
        profile: String,
        /// The previous intermediate.
        previous: Option<String>,
        /// Share indices of the holders expected to present (empty: any k).
        presenting: Vec<u8>,
    },
    /// `[crl]`.
    Crl {
        /// root.pem.
        root: String,
        /// manifest.json.
        manifest: String,
        /// The previous CRL; `None`: `first-crl = true`.
        previous_crl: Option<String>,
        /// `SERIAL[:REASON]` as `--revoke` takes them.
        revoke: Vec<String>,
        /// Days to nextUpdate (default 180).
        next_update_days: u32,
        /// Share indices of the holders expected to present (empty: any k).
        presenting: Vec<u8>,
    },
    /// `[share-audit]`.
    ShareAudit {
        /// root.pem.
        root: String,
        /// manifest.json.
        manifest: String,
    },
}

/// The kind's table: required for rotation, CRL and share audit, optional for generation; a
/// table of another kind is refused.
pub(super) fn params(
    cx: &Ctx,
    plan: &Plan,
    kind: PlanKind,
    t: &Tables,
    anchor: Range<usize>,
) -> Result<Params> {
    let others = [
        (
            PlanKind::Generation,
            t.generation.as_ref().map(|x| x.span()),
            "generation",
        ),
        (
            PlanKind::Rotation,
            t.rotation.as_ref().map(|x| x.span()),
            "rotation",
        ),
        (PlanKind::Crl, t.crl.as_ref().map(|x| x.span()), "crl"),
        (
            PlanKind::ShareAudit,
            t.share_audit.as_ref().map(|x| x.span()),
            "share-audit",
        ),
    ];
    for (k, span, key) in others {
        if let Some(span) = span
            && k != kind
        {
            return Err(cx.err(
                span,
                key,
                format!(
                    "a [{key}] table in a plan of kind {kind:?}",
                    kind = kind.as_str()
                ),
            ));
        }
    }
    let missing = |key: &str| {
        cx.err(
            anchor.clone(),
            key,
            format!("a plan of kind \"{kind}\" needs a [{key}] table"),
        )
    };
    Ok(match kind {
        PlanKind::Generation => {
            let g = t
                .generation
                .as_ref()
                .map(|g| g.get_ref().clone())
                .unwrap_or_default();
            Params::Generation {
                profile: g
                    .profile
                    .as_ref()
                    .map(|p| cx.path(p, "generation.profile"))
                    .transpose()?,
                dice: g.dice,
                print_to: g
                    .print_to
                    .as_ref()
                    .map(|p| cx.line(p, "generation.print-to", 200))
                    .transpose()?,
            }
        }
        PlanKind::Rotation => {
            let r = t
                .rotation
                .as_ref()
                .ok_or_else(|| missing("rotation"))?
                .get_ref();
            let csr_sha256 = match &r.csr_sha256 {
                Some(h) => {
                    let v = h.get_ref();
                    if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(cx.err(
                            h.span(),
                            "rotation.csr-sha256",
                            "must be 64 hex digits (the CSR's SHA-256 as delivered out of band)",
                        ));
                    }
                    Some(v.to_ascii_lowercase())
                }
                None => None,
            };
            Params::Rotation {
                root: cx.path(&r.root, "rotation.root")?,
                manifest: cx.path(&r.manifest, "rotation.manifest")?,
                csr: cx.path(&r.csr, "rotation.csr")?,
                csr_sha256,
                profile: cx.path(&r.profile, "rotation.profile")?,
                previous: r
                    .previous
                    .as_ref()
                    .map(|p| cx.path(p, "rotation.previous"))
                    .transpose()?,
                presenting: cx.presenting(plan, &r.presenting, "rotation.presenting")?,
            }
        }
        PlanKind::Crl => {
            let c = t.crl.as_ref().ok_or_else(|| missing("crl"))?;
            let span = c.span();
            let c = c.get_ref();
            let first = c.first_crl.as_ref().is_some_and(|f| *f.get_ref());
            let previous_crl = match (&c.previous_crl, first) {
                (Some(p), false) => Some(cx.path(p, "crl.previous-crl")?),
                (None, true) => None,
                (Some(p), true) => {
                    return Err(cx.err(
                        p.span(),
                        "crl.previous-crl",
                        "give `previous-crl` or `first-crl = true`, not both",
                    ));
                }
                (None, false) => {
                    return Err(cx.err(span, "crl", "name the previous CRL (`previous-crl = \"PATH\"`) or say `first-crl = true`"));
                }
            };
            let mut revoke = Vec::new();
            for r in &c.revoke {
                revoke.push(cx.line(r, "crl.revoke", 200)?);
            }
            let next_update_days = match &c.next_update_days {
                None => 180,
                Some(d) => u32::try_from(*d.get_ref())
                    .ok()
                    .filter(|d| (1..=365).contains(d))
                    .ok_or_else(|| {
                        cx.err(
                            d.span(),
                            "crl.next-update-days",
                            format!("{} is not 1 to 365", d.get_ref()),
                        )
                    })?,
            };
            Params::Crl {
                root: cx.path(&c.root, "crl.root")?,
                manifest: cx.path(&c.manifest, "crl.manifest")?,
                previous_crl,
                revoke,
                next_update_days,
                presenting: cx.presenting(plan, &c.presenting, "crl.presenting")?,
            }
        }
        PlanKind::ShareAudit => {
            let a = t
                .share_audit
                .as_ref()
                .ok_or_else(|| missing("share-audit"))?
                .get_ref();
            Params::ShareAudit {
                root: cx.path(&a.root, "share-audit.root")?,
                manifest: cx.path(&a.manifest, "share-audit.manifest")?,
            }
        }
    })
}
