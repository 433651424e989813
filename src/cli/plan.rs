//! `rootkey plan check` and `rootkey plan render`.

use std::path::PathBuf;

use clap::Subcommand;

use super::Paper;
use crate::ceremony::script::command;
use crate::error::Result;

#[derive(Subcommand)]
pub(crate) enum PlanCommand {
    /// Check a ceremony plan (v1 or v2) and show its kind, quorum, holders, roles and steps;
    /// an error names the file, line and column
    #[command(
        after_help = "Exit codes: 0 the plan is good; 1 it is not (the error says where); 2 usage error.\n\n\
Example:\n  rootkey plan check ceremony-scripts/root-generation.toml"
    )]
    Check {
        /// The plan (TOML; docs/plans.md)
        #[arg(value_name = "PLAN")]
        plan: PathBuf,
    },
    /// Write the printable ceremony script of a plan: facts, materials, every step with
    /// boxes for initials and time, the witness's exception log
    #[command(
        after_help = "The steps, their numbers, people and titles are the ones the guided runner shows.\n\n\
Examples:\n  rootkey plan render ceremony-scripts/root-generation.toml --out script.pdf\n  \
rootkey plan render ceremony-scripts/rehearsal.toml --out rehearsal-script.md"
    )]
    Render {
        /// The plan (TOML; docs/plans.md)
        #[arg(value_name = "PLAN")]
        plan: PathBuf,
        /// The script to write, Markdown (.md) or PDF (.pdf); refused if it exists
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Paper size of the PDF
        #[arg(long, value_enum, default_value = "a4")]
        paper: Paper,
    },
}

pub(super) fn run(c: PlanCommand) -> Result<i32> {
    match c {
        PlanCommand::Check { plan } => command::check(plan),
        PlanCommand::Render { plan, out, paper } => command::render_file(plan, out, paper.size()),
    }
}
