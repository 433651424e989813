//! rootkey command line: every flag is defined here; each subcommand calls one library function.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use rootkey::ceremony::{self, Context, GenerateOptions};
use rootkey::cert::{DEFAULT_ROOT_PROFILE, RootProfile};
use rootkey::error::{Error, clean_lines, exit};
use rootkey::plan::Plan;
use rootkey::secret::{self, MemoryPolicy, SecretBytes};
use rootkey::{key, summary};

#[derive(Parser)]
#[command(
    name = "rootkey",
    version,
    about = "Air-gapped Shamir ceremonies for an offline Ed25519 root CA key",
    long_about = "rootkey generates an offline Ed25519 root key in locked memory, self-signs the root \
certificate, splits the key k-of-n with Shamir's scheme into checksummed, self-verifying shares, and \
lets a quorum prove that their shares rebuild that exact key.\n\n\
Exit codes: 0 success; 1 bad input or operator mistake (nothing done); 2 usage error; \
3 verification failed (signature, digest or rebuilt key does not match: possible tampering); \
4 environment refused (memory locking, file system, randomness)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a generation ceremony from a plan: new root key, root.pem, shares, manifest.json
    #[command(after_help = "Examples:\n  \
        rootkey generate --plan ceremony-scripts/root-generation.toml --out /media/ceremony-2026\n  \
        rootkey generate --plan ceremony-scripts/root-generation.toml --profile templates/root.toml --dice --out ./out")]
    Generate {
        /// Ceremony plan (TOML): name, threshold, holders and their media
        #[arg(long, value_name = "PLAN.toml")]
        plan: PathBuf,
        /// Output directory; created if missing, refused if it already holds a ceremony
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Root certificate profile (default: the bundled templates/root.toml)
        #[arg(long, value_name = "PROFILE.toml")]
        profile: Option<PathBuf>,
        /// Also mix at least 99 typed d6 rolls into the seed (prompted, hidden input)
        #[arg(long)]
        dice: bool,
        /// Continue if secret memory cannot be locked (rehearsal plans only; recorded)
        #[arg(long)]
        allow_unlocked_memory: bool,
    },
    /// Full rehearsal with a throwaway key: generate with the bundled rehearsal plan, then
    /// rebuild from 3 of the 5 shares
    #[command(after_help = "Example:\n  rootkey rehearse --out /tmp/rootkey-rehearsal")]
    Rehearse {
        /// Output directory; created if missing, refused if it already holds a ceremony
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Continue if secret memory cannot be locked (recorded in the manifest)
        #[arg(long)]
        allow_unlocked_memory: bool,
    },
    /// Operations on a single share
    #[command(
        subcommand,
        after_help = "Example:\n  rootkey share verify out/share-02-bob.txt --manifest out/manifest.json --root out/root.pem"
    )]
    Share(ShareCommand),
    /// Rebuild the root key from k or more shares and check it against root.pem
    #[command(after_help = "Examples:\n  \
        rootkey combine --manifest out/manifest.json --root out/root.pem out/share-01-*.txt out/share-03-*.txt out/share-05-*.txt")]
    Combine {
        /// The ceremony's manifest.json
        #[arg(long, value_name = "manifest.json")]
        manifest: PathBuf,
        /// The ceremony's root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
        /// Share files (text form), at least k
        #[arg(value_name = "SHARE", required = true)]
        shares: Vec<PathBuf>,
        /// Continue if secret memory cannot be locked (rehearsal ceremonies only)
        #[arg(long)]
        allow_unlocked_memory: bool,
    },
}

#[derive(Subcommand)]
enum ShareCommand {
    /// Check one share alone against the root-signed manifest, without any other share
    #[command(after_help = "Example:\n  \
        rootkey share verify out/share-02-bob.txt --manifest out/manifest.json --root out/root.pem")]
    Verify {
        /// The share file (text form)
        #[arg(value_name = "SHARE")]
        share: PathBuf,
        /// The ceremony's manifest.json
        #[arg(long, value_name = "manifest.json")]
        manifest: PathBuf,
        /// The ceremony's root certificate
        #[arg(long, value_name = "root.pem")]
        root: PathBuf,
    },
}

/// Hardens the process before any secret exists and applies the memory policy.
fn harden(allow_unlocked: bool) -> Result<(), Error> {
    secret::set_memory_policy(if allow_unlocked {
        MemoryPolicy::AllowUnlocked
    } else {
        MemoryPolicy::RequireLocked
    });
    let report = secret::harden_process()?;
    if report.swap_active {
        eprintln!(
            "warning: swap is active on this machine. Secrets stay in locked memory, but a ceremony \
             machine should run without swap (swapoff -a)."
        );
    }
    if !report.memory_locked {
        eprintln!(
            "warning: secret memory could not be locked (--allow-unlocked-memory): rehearsal only"
        );
    }
    Ok(())
}

fn read_dice() -> Result<SecretBytes, Error> {
    eprintln!(
        "Roll a six-sided die at least {} times and type the results (digits 1-6, spaces allowed).",
        key::MIN_DICE_ROLLS
    );
    // Read straight into locked memory with echo off (no intermediate heap buffers).
    let typed = secret::read_hidden_line("dice rolls (hidden): ", 1024)
        .map_err(|e| Error::input(format!("cannot read dice rolls: {e}")))?;
    key::parse_dice(&typed)
}

/// Exit code of a combine: a share that does not agree with the quorum is a verification
/// failure, reported on stderr too.
fn disagreement_exit(r: &ceremony::CombineReport) -> i32 {
    for (i, holder, origin) in &r.disagreeing {
        let e = Error::verification(format!(
            "share {i} (holder \"{holder}\", file {origin}) does not agree with the quorum: it would rebuild another key"
        ))
        .hint("do not use this share; investigate how it was altered");
        eprintln!("error: {e}");
    }
    if r.disagreeing.is_empty() {
        exit::OK
    } else {
        exit::VERIFICATION
    }
}

fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Generate {
            plan,
            out,
            profile,
            dice,
            allow_unlocked_memory,
        } => {
            let plan = Plan::load(&plan)?;
            let profile = match &profile {
                Some(p) => {
                    let bytes = rootkey::fsio::read_public(p, 1 << 20, "root profile")?;
                    let text = String::from_utf8_lossy(&bytes);
                    RootProfile::from_toml(&text, &p.display().to_string())?
                }
                None => RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "templates/root.toml")?,
            };
            if allow_unlocked_memory && !plan.ceremony.rehearsal {
                return Err(Error::operator(
                    "--allow-unlocked-memory is only allowed for rehearsal plans (rehearsal = true)",
                )
                .hint("raise RLIMIT_MEMLOCK instead (ulimit -l) for a real ceremony"));
            }
            harden(allow_unlocked_memory)?;
            // Every secret takes at least a page; check the whole need before anyone types.
            secret::probe_lock(ceremony::locked_pages_needed(plan.quorum.shares))?;
            rootkey::fsio::prepare_out_dir(&out)?;
            let dice = if dice { Some(read_dice()?) } else { None };
            let report = ceremony::generate(&GenerateOptions {
                plan: &plan,
                profile: &profile,
                out: &out,
                dice: dice.as_ref(),
            })?;
            print!("{}", clean_lines(&summary::generated(&report)));
            Ok(exit::OK)
        }
        Command::Rehearse {
            out,
            allow_unlocked_memory,
        } => {
            harden(allow_unlocked_memory)?;
            secret::probe_lock(ceremony::locked_pages_needed(rootkey::plan::DEFAULT_SHARES))?;
            rootkey::fsio::prepare_out_dir(&out)?;
            let r = ceremony::rehearse(&out)?;
            print!("{}", clean_lines(&summary::generated(&r.generated)));
            println!();
            print!("{}", clean_lines(&summary::combined(&r.combined)));
            print!(
                "{}",
                clean_lines(&format!(
                    "\nREHEARSAL complete. Check the certificate yourself:\n  openssl verify -CAfile {0} {0}\n  openssl x509 -in {0} -noout -text\n",
                    r.generated.root_path.display()
                ))
            );
            Ok(disagreement_exit(&r.combined))
        }
        Command::Share(ShareCommand::Verify {
            share,
            manifest,
            root,
        }) => {
            harden(false)?;
            let ctx = Context::load(&manifest, &root)?;
            let v = ceremony::verify_share_file(&share, &ctx)?;
            print!(
                "{}",
                clean_lines(&summary::verified(
                    &v,
                    ctx.manifest.ceremony.rehearsal,
                    &ctx.root.fingerprint
                ))
            );
            Ok(exit::OK)
        }
        Command::Combine {
            manifest,
            root,
            shares,
            allow_unlocked_memory,
        } => {
            let ctx = Context::load(&manifest, &root)?;
            if allow_unlocked_memory && !ctx.manifest.ceremony.rehearsal {
                return Err(Error::operator(
                    "--allow-unlocked-memory is only allowed for rehearsal ceremonies",
                ));
            }
            harden(allow_unlocked_memory)?;
            let r = ceremony::combine(&ctx, &shares)?;
            print!("{}", clean_lines(&summary::combined(&r)));
            Ok(disagreement_exit(&r))
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
