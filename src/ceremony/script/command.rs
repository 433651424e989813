//! `rootkey plan check` and `rootkey plan render`: the plan read and checked as the runner
//! will read it, its merged step list ([`super::script`]) built, then a summary shown or the
//! printed script written.

use std::path::{Path, PathBuf};

use super::render;
use super::{ScriptKind, ScriptStep, StepKind, script};
use crate::console;
use crate::error::{Error, Kind, Result, exit};
use crate::pdfdoc::PaperSize;
use crate::plan::{Medium, Plan};

/// Screen width of the summary.
const WIDTH: usize = 80;

/// The plan at `path`, checked, with its kind and merged step list.
fn load(path: &Path) -> Result<(Plan, ScriptKind, Vec<ScriptStep>)> {
    let plan = Plan::load(path).map_err(|e| match e.hint {
        Some(_) => e,
        None => e.hint("check the plan's path (the shipped plans are in ceremony-scripts/)"),
    })?;
    let kind = ScriptKind::of(&plan);
    let steps = script(&plan, kind)?;
    Ok((plan, kind, steps))
}

/// `line` cut to [`WIDTH`] characters (`…` marks a cut).
fn fit(line: String) -> String {
    if line.chars().count() <= WIDTH {
        return line;
    }
    let mut s: String = line.chars().take(WIDTH - 1).collect();
    s.push('…');
    s
}

/// What `plan check` prints for a good plan.
pub fn summary(path: &Path, plan: &Plan, kind: ScriptKind, steps: &[ScriptStep]) -> String {
    let (k, n) = (plan.quorum.threshold, plan.quorum.shares);
    let mut lines = vec![
        format!("plan {}: OK (plan v{})", path.display(), plan.version()),
        format!("  ceremony:  {}", plan.ceremony.name),
        format!(
            "  kind:      {}{}",
            kind.title(),
            if plan.ceremony.rehearsal {
                " (rehearsal: throwaway key)"
            } else {
                " (real)"
            }
        ),
        format!("  quorum:    {k} of {n} shares"),
    ];
    for (i, h) in plan.holders.iter().enumerate() {
        let medium = match (&h.token, h.medium) {
            (Some(_), m) => m.to_string(),
            (None, Medium::Text) => "text file".into(),
            (None, Medium::Paper) => "paper shard".into(),
            (None, m) => m.to_string(),
        };
        let label = if i == 0 {
            "  holders:   "
        } else {
            "             "
        };
        lines.push(format!("{label}{}. {} ({medium})", i + 1, h.name));
    }
    if let Some(v) = &plan.v2 {
        let r = &v.roles;
        lines.push(format!("  admin:     {}", r.administrator));
        lines.push(format!("  officers:  {}", r.crypto_officers.join(", ")));
        lines.push(format!("  witness:   {}", r.witness));
        if !r.confirmers.is_empty() {
            lines.push(format!("  confirm:   {}", r.confirmers.join(", ")));
        }
        if let Some(a) = &r.auditor {
            lines.push(format!("  auditor:   {a}"));
        }
    }
    let checklist = steps
        .iter()
        .filter(|s| s.kind == StepKind::Checklist)
        .count();
    let critical = steps.iter().filter(|s| s.is_critical()).count();
    lines.push(format!(
        "  steps:     {} ({} built-in, {checklist} checklist; {critical} critical)",
        steps.len(),
        steps.len() - checklist
    ));
    if plan.version() == 1 {
        lines.push(
            "  note:      a v1 plan names no roles or checklist (docs/plans.md, \"Version 2\")"
                .into(),
        );
    }
    lines.push("  next step: print the room's script with".into());
    let mut out: String = lines.into_iter().map(|l| fit(l) + "\n").collect();
    // The command is shown whole, to be copied.
    out.push_str(&format!(
        "    rootkey plan render {} --out script.pdf\n",
        path.display()
    ));
    out
}

/// `rootkey plan check PLAN`.
pub fn check(path: PathBuf) -> Result<i32> {
    let (plan, kind, steps) = load(&path)?;
    console::out("the plan summary", &summary(&path, &plan, kind, &steps))?;
    Ok(exit::OK)
}

/// What `--out` asks for, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.md`.
    Markdown,
    /// `.pdf`.
    Pdf,
}

impl Format {
    /// The format `out` names by its extension.
    pub fn of(out: &Path) -> Result<Format> {
        match out.extension().and_then(|e| e.to_str()) {
            Some("md") => Ok(Format::Markdown),
            Some("pdf") => Ok(Format::Pdf),
            _ => Err(Error::new(
                Kind::Argument,
                format!(
                    "--out {}: the script is written as Markdown (.md) or PDF (.pdf); this name has neither extension",
                    out.display()
                ),
            )
            .hint("give a file name ending in .md or .pdf, e.g. --out script.pdf")),
        }
    }
}

/// `rootkey plan render PLAN --out FILE`: the printed script, written atomically to a new
/// file (never over an existing one).
pub fn render_file(path: PathBuf, out: PathBuf, paper: PaperSize) -> Result<i32> {
    let format = Format::of(&out)?;
    let (plan, kind, steps) = load(&path)?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let printed = render::printed(&plan, &file, kind, steps);
    let bytes = match format {
        Format::Markdown => render::markdown(&printed).into_bytes(),
        Format::Pdf => render::pdf(&printed, paper)?,
    };
    crate::ceremony::outdir::check_new_file(&out, "--out")?;
    crate::fsio::write_new(&out, &bytes, crate::fsio::PUBLIC_MODE)?;
    console::out(
        "the name of the script written",
        &format!(
            "script written: {} ({} steps)\n",
            out.display(),
            printed.steps.len()
        ),
    )
    .map_err(|e| e.hint("do not render again: the script is complete"))?;
    Ok(exit::OK)
}
