//! `rootkey run` of a share-audit plan (`ceremony-scripts/share-audit.toml`): the share audit
//! of [`crate::ceremony::share_audit`], one holder at a time in the plan's order. At each
//! holder's step (`Step n/N · Holder (name) · Prove your share against the manifest`) the
//! holder says how they present their share — a file or photo path, `type` (typed rows or a USB
//! QR scanner), `token` (a YubiKey, PIN at a hidden prompt), or Enter when they did not appear —
//! and it is checked alone against the manifest. The plan's `[share-audit]` table names the
//! manifest and root.pem; its holders must be the manifest's. The plan's participants are
//! recorded in the header before the holders, so that they can acknowledge checklist steps.

use std::path::{Path, PathBuf};

use crate::ceremony::share_audit::Start;
use crate::ceremony::{Context, TokenArgs};
use crate::console::share_input::Source;
use crate::console::{Console, Question, SCREEN_COLUMNS, wrap};
use crate::error::{Error, Kind, Result};
use crate::plan::{Medium, Params, Plan};
use crate::transcript::Participant;

/// How many unusable answers a holder may give before the audit stops.
const TRIES: usize = 3;

/// Runs the share audit of `plan` (read from `plan_path`) into `out` at `console`.
pub fn run_plan(
    plan: &Plan,
    plan_path: &Path,
    out: PathBuf,
    allow_unlocked_memory: bool,
    console: &mut dyn Console,
) -> Result<i32> {
    let Some(Params::ShareAudit { root, manifest }) = plan.v2.as_ref().map(|v| &v.params) else {
        return Err(Error::new(
            Kind::Plan,
            format!("plan {}: no [share-audit] table", plan_path.display()),
        )
        .hint("name the generation's root.pem and manifest.json in [share-audit]"));
    };
    let dir = plan_path.parent().unwrap_or_else(|| Path::new(""));
    let (root, manifest) = (dir.join(root), dir.join(manifest));
    let ctx = Context::load(&manifest, &root).map_err(|e| match e.hint {
        Some(_) => e,
        None => e.hint(format!(
            "[share-audit] in {} names root.pem and manifest.json relative to the plan: bring the generation's files there",
            plan_path.display()
        )),
    })?;
    let holders: Vec<(&str, &str)> = ctx
        .manifest
        .shares
        .iter()
        .map(|s| (s.holder.as_str(), s.role.as_str()))
        .collect();
    let planned: Vec<(&str, &str)> = plan
        .holders
        .iter()
        .map(|h| (h.name.as_str(), h.role.as_str()))
        .collect();
    if let Some(i) = (0..holders.len().max(planned.len()))
        .find(|&i| holders.get(i).map(|h| h.0) != planned.get(i).map(|h| h.0))
    {
        return Err(Error::new(
            Kind::Plan,
            format!(
                "plan {}: holder {} is {}, but the manifest's holder of share {} is {}",
                plan_path.display(),
                i + 1,
                planned
                    .get(i)
                    .map_or("missing".into(), |h| format!("\"{}\"", h.0)),
                i + 1,
                holders
                    .get(i)
                    .map_or("missing".into(), |h| format!("\"{}\"", h.0)),
            ),
        )
        .hint(
            "list the generation's holders in the plan, in share order, as the manifest names them",
        ));
    }
    let people = plan
        .participants
        .iter()
        .map(|p| Participant {
            name: p.name.clone(),
            role: p.role.clone(),
            share: None,
        })
        .collect();
    let media: Vec<Medium> = plan.holders.iter().map(|h| h.medium).collect();
    let start = Start {
        out,
        root,
        allow_unlocked_memory,
        people,
    };
    let n = u8::try_from(holders.len()).unwrap_or(u8::MAX);
    start.run(&ctx, n, console, &mut |c: &mut dyn Console, i: usize| {
        ask_source(c, &ctx, &manifest, i, media.get(i - 1).copied())
    })
}

/// Asks holder `i` how they present their share; None: they did not appear.
fn ask_source(
    console: &mut dyn Console,
    ctx: &Context,
    manifest: &Path,
    i: usize,
    medium: Option<Medium>,
) -> Result<Option<Source>> {
    let index = u8::try_from(i).unwrap_or(u8::MAX);
    let how = match medium {
        Some(m) if m.is_token() => "type `token` to read it from your token (PIN hidden)",
        Some(Medium::Paper) => "give the path of a photo of your paper shard",
        _ => "give the path of your share file",
    };
    console.out(
        "the holder's instructions",
        &format!(
            "{}\n",
            wrap(
                &format!(
                    "Share {i}: {how}, or `type` to type its rows or scan its QR code; press Enter if the holder did not appear."
                ),
                SCREEN_COLUMNS
            )
        ),
    )?;
    for attempt in 1..=TRIES {
        let answer = console.ask_line(
            &Question::ShareSource { share: index },
            &format!("  share {i}: "),
        )?;
        let answer = answer.trim();
        let source = match answer {
            "" => return Ok(None),
            "type" => Ok(Source::Keyboard),
            "token" => crate::ceremony::quorum::token_shares(
                ctx,
                manifest,
                &TokenArgs {
                    indices: vec![index],
                    pkcs11_modules: Vec::new(),
                },
            )
            .map(|mut t| t.remove(0))
            .map(|t| Source::Token(Box::new(t))),
            path => {
                let p = PathBuf::from(path);
                let photo = p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    ["png", "jpg", "jpeg"].contains(&e.to_ascii_lowercase().as_str())
                });
                let what = if photo { "QR image" } else { "share file" };
                crate::transcript::check_recordable_name(&p, what)
                    .and_then(|()| match std::fs::metadata(&p) {
                        Ok(m) if m.is_file() => Ok(()),
                        _ => Err(Error::new(
                            Kind::Unreadable,
                            format!("{what} {path}: no such file"),
                        )),
                    })
                    .map(|()| {
                        if photo {
                            Source::QrImage(p)
                        } else {
                            Source::File(p)
                        }
                    })
            }
        };
        match source {
            Ok(s) => return Ok(Some(s)),
            Err(e) if attempt < TRIES => console.err(
                "the share prompt",
                &format!(
                    "{}\n  try {attempt} of {TRIES}: give the path again, `type`, `token`, or Enter\n",
                    wrap(&e.message, SCREEN_COLUMNS)
                ),
            )?,
            Err(e) => return Err(e),
        }
    }
    Err(Error::new(
        Kind::TooManyTries,
        format!("share {i}: no usable answer"),
    ))
}
