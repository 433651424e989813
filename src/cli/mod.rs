//! The command line: the clap definitions (one file per command group; every flag, its help
//! and the examples are defined here, once) and the mapping of each command onto one
//! [`crate::ceremony`] function. Exit codes: [`crate::error::exit`].

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::ceremony;
use crate::console;
use crate::error::{Error, Kind, Result, exit};

mod chain;
mod combine;
mod crl;
mod generate;
mod intermediate;
mod paper;
mod plan;
mod run;
mod share;
mod token;
mod transcript;

#[derive(Parser)]
#[command(
    name = "rootkey",
    version,
    // Help is wrapped to the terminal (COLUMNS when it is not one), at most 100 columns.
    max_term_width = 100,
    about = "Air-gapped Shamir ceremonies for an offline Ed25519 root CA key",
    long_about = "rootkey generates an offline Ed25519 root key in locked memory, self-signs the root \
certificate, splits the key k-of-n with Shamir's scheme into checksummed, self-verifying shares, and \
lets a quorum prove that their shares rebuild that exact key.\n\n\
Every ceremony writes a hash-chained transcript (transcript.jsonl) into its output directory; \
auditors replay it with `rootkey transcript verify`.\n\n\
Exit codes: 0 success; 1 bad input or operator mistake (nothing done); 2 usage error; \
3 verification failed (signature, digest or rebuilt key does not match: possible tampering); \
4 environment refused (memory locking, file system, randomness, output that could not be \
written). `transcript verify` and `transcript report` use their own: 0 valid and sealed, \
1 invalid, 2 usage error, 3 valid but unsealed (aborted or interrupted), 4 the report or the \
answer could not be written."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Let a real ceremony start although a network interface is up; REASON is recorded in
    /// the transcript's pre-flight facts
    #[arg(long = "allow-network", value_name = "REASON", global = true)]
    allow_network: Option<String>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run a generation ceremony from a plan: new root key, root.pem, shares, manifest.json
    #[command(
        after_help = "Paper shards are written only to a RAM-backed directory (/dev/shm), or \
piped to a printer with --print-to; text shares and token payloads may go anywhere.\n\n\
Examples:\n  \
rootkey generate --plan ceremony-scripts/root-generation.toml \\\n      \
--piv-attestation-root piv-attestation-ca.pem --out /dev/shm/ceremony-2026\n  \
rootkey generate --plan ceremony-scripts/root-generation.toml \\\n      \
--piv-attestation-root piv-attestation-ca.pem --profile templates/root.toml \\\n      \
--dice --out /dev/shm/root-2026\n  \
rootkey generate --plan ceremony-scripts/rehearsal.toml --out /tmp/rehearsal-gen"
    )]
    Generate(generate::GenerateArgs),
    /// Full rehearsal with a throwaway key: generate with the bundled rehearsal plan, then
    /// rebuild from 3 of the 5 shares; or rehearse a rotation or a CRL
    #[command(after_help = "Examples:\n  \
rootkey rehearse --out /tmp/rootkey-rehearsal\n  \
rootkey rehearse --kind rotation --out /tmp/rootkey-rotation\n  \
rootkey rehearse --kind crl --out /tmp/rootkey-crl")]
    Rehearse(generate::RehearseArgs),
    /// Run a ceremony plan step by step: each screen starts with the script's step header
    /// and the plan's checklist steps are acknowledged in turn (generation and share-audit plans for now)
    #[command(after_help = "Examples:\n  \
rootkey run ceremony-scripts/rehearsal.toml --out /tmp/rootkey-run\n  \
rootkey run ceremony-scripts/rehearsal.toml \\\n      \
--answers ceremony-scripts/rehearsal-answers.toml --out /tmp/rootkey-run\n  \
rootkey run ceremony-scripts/root-generation.toml \\\n      \
--piv-attestation-root piv-attestation-ca.pem --out /dev/shm/ceremony-2026")]
    Run(run::RunArgs),
    /// Shares: check one alone; audit them all (no key rebuilt); wipe the text share files
    #[command(
        subcommand,
        after_help = "Examples:\n  \
rootkey share verify out/share-02-bob.txt \\\n      \
--manifest out/manifest.json --root out/root.pem\n  \
rootkey share audit --manifest out/manifest.json --root out/root.pem \\\n      \
--out audit-2027 out/share-01-*.txt out/share-03-*.txt\n  \
rootkey share wipe out    (after every holder checked a text share)"
    )]
    Share(share::ShareCommand),
    /// Ceremony transcripts: verify (replay), attest (witness signature), report
    #[command(subcommand)]
    Transcript(transcript::TranscriptCommand),
    /// Paper shards: wipe the shard PDFs once they are printed
    #[command(subcommand)]
    Paper(paper::PaperCommand),
    /// Rotation: a quorum signs the yearly intermediate CA certificate from a CSR (e.g. from
    /// HashiCorp Vault PKI)
    #[command(subcommand)]
    Intermediate(intermediate::IntermediateCommand),
    /// Revocation: a quorum signs a certificate revocation list (CRL)
    #[command(subcommand)]
    Crl(crl::CrlCommand),
    /// Customer side: check certificates against the root (and a CRL), offline
    #[command(subcommand)]
    Chain(chain::ChainCommand),
    /// Rebuild the root key from k or more shares and check it against root.pem (a quorum
    /// check, recorded and sealed in DIR/transcript.jsonl)
    #[command(
        override_usage = "rootkey combine [OPTIONS] --out <DIR> --manifest <manifest.json>\n         \
--root <root.pem> [SHARE]...",
        after_help = "Examples:\n  \
rootkey combine --manifest out/manifest.json --root out/root.pem \\\n      \
--out check-2026 out/share-01-*.txt out/share-03-*.txt out/share-05-*.txt\n  \
rootkey combine --manifest M --root R --out check share-01.txt \\\n      \
--qr-image carol.jpg --type    (the third typed or scanned)\n  \
rootkey combine --manifest M --root R --out check \\\n      \
--token-share 1 --token-share 2 \\\n      \
--pkcs11-module /usr/lib/softhsm/libsofthsm2.so share-03.txt\n  \
rootkey combine --manifest M --root R --out check    (all typed or scanned)"
    )]
    Combine(combine::CombineArgs),
    /// Hardware tokens: the pre-flight before a ceremony (list the YubiKeys and PKCS#11
    /// tokens present, describe one)
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Ceremony plans: check one, or render its printable script
    #[command(subcommand)]
    Plan(plan::PlanCommand),
}

/// Where the shares of a signing ceremony come from, and who confirms.
#[derive(clap::Args)]
pub(crate) struct Quorum {
    /// Share file (text form); repeat for each
    #[arg(long = "share", value_name = "FILE")]
    shares: Vec<PathBuf>,
    /// Photo (PNG/JPEG) of a paper shard's QR code; repeat for each
    #[arg(long = "qr-image", value_name = "PHOTO")]
    qr_images: Vec<PathBuf>,
    /// Also type or scan shares at the keyboard (the default when no share is given)
    #[arg(long = "type")]
    keyboard: bool,
    #[command(flatten)]
    tokens: TokenShares,
    /// Name of a person confirming what will be signed; give it twice with two distinct
    /// names for a scripted run (default: both confirm interactively by typing the code shown)
    #[arg(long = "confirm", value_name = "NAME")]
    confirm: Vec<String>,
    /// Continue if secret memory cannot be locked (rehearsal roots only; recorded)
    #[arg(long)]
    allow_unlocked_memory: bool,
}

impl Quorum {
    /// The console of a signing ceremony: the terminal, with the two confirmers of
    /// `--confirm` when two are given. The ceremony checks the names among its other
    /// arguments, in their order, and refuses any other count.
    fn console(&self) -> Box<dyn console::Console> {
        match self.confirm.len() {
            2 => Box::new(console::NamedConfirmers {
                names: self.confirm.clone(),
            }),
            _ => Box::new(console::Terminal),
        }
    }

    fn args(self) -> ceremony::QuorumArgs {
        ceremony::QuorumArgs {
            shares: self.shares,
            qr_images: self.qr_images,
            keyboard: self.keyboard,
            tokens: self.tokens.args(),
            confirm: self.confirm,
            allow_unlocked_memory: self.allow_unlocked_memory,
            people: Vec::new(),
        }
    }
}

/// Shares read from hardware tokens.
#[derive(clap::Args)]
pub(crate) struct TokenShares {
    /// Read share INDEX from its holder's token (YubiKey or PKCS#11), as the manifest lists
    /// it; the holder types the PIN. The payload file is looked for beside the manifest (else
    /// the token's copy is read). Repeat for each
    #[arg(long = "token-share", value_name = "INDEX", value_parser = clap::value_parser!(u8).range(1..=16))]
    indices: Vec<u8>,
    /// The PKCS#11 module that reaches the PKCS#11 token shares (e.g.
    /// /usr/lib/softhsm/libsofthsm2.so); repeat to search several, in order
    #[arg(long = "pkcs11-module", value_name = "PATH")]
    pkcs11_modules: Vec<PathBuf>,
}

impl TokenShares {
    fn args(self) -> ceremony::TokenArgs {
        ceremony::TokenArgs {
            indices: self.indices,
            pkcs11_modules: self.pkcs11_modules,
        }
    }
}

/// Paper sizes for printed documents.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Paper {
    /// ISO A4 (210 × 297 mm)
    A4,
    /// US Letter (8.5 × 11 in)
    Letter,
}

impl Paper {
    pub(crate) fn size(self) -> crate::pdfdoc::PaperSize {
        match self {
            Paper::A4 => crate::pdfdoc::PaperSize::A4,
            Paper::Letter => crate::pdfdoc::PaperSize::Letter,
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    ceremony::session::allow_network(cli.allow_network);
    match cli.command {
        Command::Generate(a) => generate::run(a),
        Command::Rehearse(a) => generate::rehearse(a),
        Command::Run(a) => run::run(a),
        Command::Share(c) => share::run(c),
        Command::Transcript(c) => transcript::run(c),
        Command::Paper(c) => paper::run(c),
        Command::Intermediate(c) => intermediate::run(c),
        Command::Crl(c) => crl::run(c),
        Command::Chain(c) => chain::run(c),
        Command::Combine(a) => combine::run(a),
        Command::Token(c) => token::run(c),
        Command::Plan(c) => plan::run(c),
    }
}

impl Command {
    /// Whether the command may write a transcript, whose header records the binary's hash.
    fn writes_transcript(&self) -> bool {
        matches!(
            self,
            Command::Generate(_)
                | Command::Rehearse(_)
                | Command::Run(_)
                | Command::Share(_)
                | Command::Intermediate(_)
                | Command::Crl(_)
                | Command::Combine(_)
        )
    }
}

/// The whole command line: parses the arguments, runs the command, reports an error and
/// returns the exit code. `src/main.rs` only calls this.
pub fn main() -> ExitCode {
    // Building the command tree and parsing takes a while: when the first argument names a
    // command that may write a transcript, hashing starts before that (again after parsing,
    // for `--allow-network R` written first; starting twice does nothing).
    const TRANSCRIPT_COMMANDS: [&str; 7] = [
        "generate",
        "rehearse",
        "run",
        "share",
        "intermediate",
        "crl",
        "combine",
    ];
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| TRANSCRIPT_COMMANDS.iter().any(|c| a == *c))
    {
        crate::transcript::start_binary_sha256();
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    if cli.command.writes_transcript() {
        // The transcript header's binary_sha256, hashed while the inputs are read.
        crate::transcript::start_binary_sha256();
    }
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // If standard error refuses the message too, nothing more can be shown: the exit
            // code still says what happened.
            let _ = console::report_error(&e);
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Help, version and usage errors: printed by clap (in its colours), but a page that cannot
/// be written is an environment failure (exit 4), never a panic or a silent success.
fn clap_exit(e: &clap::Error) -> ExitCode {
    match console::clap_message(e) {
        Ok(()) => ExitCode::from(e.exit_code() as u8),
        // A usage error whose message cannot be shown is still a usage error.
        Err(_) if e.use_stderr() => ExitCode::from(exit::USAGE as u8),
        Err(io) => {
            let what = if e.kind() == clap::error::ErrorKind::DisplayVersion {
                "the version"
            } else {
                "the help"
            };
            let _ = console::report_error(
                &Error::new(Kind::Io, format!(
                    "could not write {what} to standard output: {}",
                    console::io_reason(&io)
                ))
                .hint("make room where standard output goes, or keep the reading end of its pipe open until rootkey exits"),
            );
            ExitCode::from(exit::ENVIRONMENT as u8)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;
    use crate::error::exit::{self, transcript as verdict};

    fn has_all(text: &str, phrases: &[String]) {
        for p in phrases {
            assert!(text.contains(p.as_str()), "{p:?} is not in:\n{text}");
        }
    }

    /// The exit codes are defined once, in `error::exit`; the help texts and README's tables
    /// describe them and must agree with those numbers.
    #[test]
    fn help_and_readme_state_the_exit_codes_of_error_exit() {
        let cmd = Cli::command();
        let about = cmd.get_long_about().unwrap().to_string();
        has_all(
            &about,
            &[
                format!("{} success; ", exit::OK),
                format!("{} bad input or operator mistake", exit::INPUT),
                format!("{} usage error; ", exit::USAGE),
                format!("{} verification failed", exit::VERIFICATION),
                format!("{} environment refused", exit::ENVIRONMENT),
                format!("{} valid and sealed, ", verdict::SEALED),
                format!("{} invalid, ", verdict::INVALID),
                format!("{} valid but unsealed", verdict::UNSEALED),
                format!(
                    "{} the report or the answer could not be written",
                    exit::ENVIRONMENT
                ),
            ],
        );
        let sub = |a: &str, b: &str| {
            cmd.find_subcommand(a)
                .and_then(|c| c.find_subcommand(b))
                .and_then(|c| c.get_after_help())
                .unwrap()
                .to_string()
        };
        has_all(
            &sub("transcript", "verify"),
            &[
                format!("{} valid and sealed; ", verdict::SEALED),
                format!("{} invalid (", verdict::INVALID),
                format!("{} usage error; ", exit::USAGE),
                format!("{} valid but unsealed", verdict::UNSEALED),
                format!("{} the answer could not be written", exit::ENVIRONMENT),
            ],
        );
        has_all(
            &sub("chain", "verify"),
            &[
                format!("{} every certificate verifies; ", exit::OK),
                format!("{} bad input; ", exit::INPUT),
                format!("{} usage error; ", exit::USAGE),
                format!("{} a certificate does not verify; ", exit::VERIFICATION),
                format!("{} the answer could not be written", exit::ENVIRONMENT),
            ],
        );
        has_all(
            &sub("token", "list"),
            &[
                format!("{} listed", exit::OK),
                format!("{} a module that is not a PKCS#11 library", exit::INPUT),
                format!("{} usage error; ", exit::USAGE),
                format!("{} the environment refused", exit::ENVIRONMENT),
            ],
        );
        has_all(
            &sub("token", "describe"),
            &[
                format!("{} described; ", exit::OK),
                format!("{} no such token", exit::INPUT),
                format!("{} usage error; ", exit::USAGE),
                format!("{} the environment refused", exit::ENVIRONMENT),
            ],
        );
        let readme = include_str!("../../README.md");
        has_all(
            readme,
            &[
                format!("| {} | success |", exit::OK),
                format!("| {} | bad input or operator mistake", exit::INPUT),
                format!("| {} | usage error", exit::USAGE),
                format!("| {} | verification failed", exit::VERIFICATION),
                format!("| {} | the environment refused", exit::ENVIRONMENT),
                format!(
                    "| {} | the transcript is valid and sealed |",
                    verdict::SEALED
                ),
                format!("| {} | invalid: tampered", verdict::INVALID),
                format!("| {} | valid but unsealed", verdict::UNSEALED),
                format!(
                    "| {} | the answer could not be delivered",
                    exit::ENVIRONMENT
                ),
            ],
        );
    }
}
