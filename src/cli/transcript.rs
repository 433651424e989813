//! `rootkey transcript verify`, `attest` and `report`.

use std::path::PathBuf;

use clap::Subcommand;

use super::Paper;
use crate::ceremony::{self, audit};
use crate::error::Result;

#[derive(Subcommand)]
pub(crate) enum TranscriptCommand {
    /// Replay a transcript: hash chain, script, seal, attestations, artifacts and plan
    #[command(
        after_help = "Exit codes: 0 valid and sealed; 1 invalid (tampered, or a check failed); \
2 usage error; 3 valid but unsealed (the ceremony was aborted or interrupted); 4 the answer \
could not be written (standard output failed).\n\n\
Example:\n  rootkey transcript verify out/transcript.jsonl --root out/root.pem --artifacts out \\\n      \
--plan ceremony-scripts/root-generation.toml --witnesses carol.pub.pem dave.pub.pem"
    )]
    Verify {
        /// The transcript (transcript.jsonl); its .attestations file is read if present
        #[arg(value_name = "TRANSCRIPT")]
        transcript: PathBuf,
        #[command(flatten)]
        against: Against,
    },
    /// Sign the sealed head of a transcript as a witness (appends to TRANSCRIPT's
    /// .attestations file)
    #[command(
        override_usage = "rootkey transcript attest --root <root.pem> --key <KEY.pem>\n         \
--name <NAME> <TRANSCRIPT>",
        after_help = "Example:\n  \
openssl genpkey -algorithm ed25519 -out carol.pem\n  \
openssl pkey -in carol.pem -pubout -out carol.pub.pem\n  \
rootkey transcript attest out/transcript.jsonl --root out/root.pem \\\n      \
--key carol.pem --name \"Carol Witness\""
    )]
    Attest {
        /// The sealed transcript
        #[arg(value_name = "TRANSCRIPT")]
        transcript: PathBuf,
        /// The ceremony's root certificate, as the witness saw it at the ceremony: the
        /// transcript must be sealed by its key
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// The witness's Ed25519 private key, unencrypted PKCS#8 PEM
        #[arg(long, value_name = "KEY.pem")]
        key: PathBuf,
        /// The witness's name, as recorded
        #[arg(long, value_name = "NAME")]
        name: String,
    },
    /// Replay a transcript and write the auditor's report (Markdown, optionally PDF)
    #[command(
        after_help = "Exit codes as for `transcript verify` (4 also when the report file cannot be \
written); the report is written in every case.\n\n\
Example:\n  rootkey transcript report out/transcript.jsonl --root out/root.pem \\\n      \
--artifacts out --out report.md --pdf report.pdf"
    )]
    Report {
        /// The transcript
        #[arg(value_name = "TRANSCRIPT")]
        transcript: PathBuf,
        /// Markdown report to write (refused if it exists)
        #[arg(long, value_name = "report.md")]
        out: PathBuf,
        /// Also write the report as PDF (refused if it exists)
        #[arg(long, value_name = "report.pdf")]
        pdf: Option<PathBuf>,
        /// Paper size of the PDF
        #[arg(long, value_enum, default_value_t = Paper::A4)]
        paper: Paper,
        #[command(flatten)]
        against: Against,
    },
}

/// What a transcript is checked against.
#[derive(clap::Args)]
pub(crate) struct Against {
    /// The ceremony's root certificate: the seal must be by its key
    #[arg(long, value_name = "root.pem")]
    root: Option<PathBuf>,
    /// Directory holding the artifacts the transcript names (root.pem, manifest.json)
    #[arg(long, value_name = "DIR")]
    artifacts: Option<PathBuf>,
    /// The ceremony plan: must be the one recorded, and the transcript must follow it
    #[arg(long, value_name = "PLAN.toml")]
    plan: Option<PathBuf>,
    /// Public keys (PEM) of the witnesses you know; any other attestation is refused
    #[arg(long, value_name = "KEY.pub.pem", num_args = 1..)]
    witnesses: Option<Vec<PathBuf>>,
    /// Require an attestation by every key given with --witnesses
    #[arg(long, requires = "witnesses")]
    all_witnesses: bool,
}

impl Against {
    fn args(self) -> audit::Against {
        audit::Against {
            root: self.root,
            artifacts: self.artifacts,
            plan: self.plan,
            witnesses: self.witnesses,
            all_witnesses: self.all_witnesses,
        }
    }
}

pub(super) fn run(c: TranscriptCommand) -> Result<i32> {
    match c {
        TranscriptCommand::Verify {
            transcript,
            against,
        } => ceremony::audit::verify(transcript, against.args()),
        TranscriptCommand::Attest {
            transcript,
            root,
            key,
            name,
        } => ceremony::audit::attest(transcript, root, key, name),
        TranscriptCommand::Report {
            transcript,
            out,
            pdf,
            paper,
            against,
        } => ceremony::audit::report(transcript, out, pdf, paper.size(), against.args()),
    }
}
