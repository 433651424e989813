//! Library-level fixtures: the shipped intermediate profile, a test machine's pre-flight
//! facts, and the rotation job of the vector CSR.

use super::*;

/// The shipped intermediate profile (`templates/intermediate.toml`), parsed under the name
/// `intermediate.toml`.
pub fn shipped_profile() -> rootkey::cert::profile::IntermediateProfile {
    let text = fs::read_to_string(repo_path("templates/intermediate.toml")).expect("profile");
    rootkey::cert::profile::IntermediateProfile::from_toml(&text, "intermediate.toml")
        .expect("profile")
}

/// The pre-flight facts of a hardened test machine (memory locked, no network, tmpfs output,
/// no printer) with the given clock, host and kernel, as a ceremony header records them.
pub fn preflight_facts(clock: &str, host: &str, kernel: &str) -> serde_json::Value {
    serde_json::json!({
        "clock": clock,
        "core_dumps_disabled": true,
        "host": host,
        "kernel": kernel,
        "memory_locked": true,
        "network_interfaces_up": [],
        "output_filesystem": "tmpfs",
        "persistent_output_allowed": true,
        "printer": null,
        "process_dumpable": false,
        "swap_active": false,
    })
}

/// The vector CSR `tests/vectors/csr_ed25519.pem`, read and parsed, and the shipped profile:
/// what the library-level rotation tests sign.
pub struct VectorRotation {
    pub csr_file: rootkey::ceremony::InputFile,
    pub csr: rootkey::cert::csr::Csr,
    pub profile: rootkey::cert::profile::IntermediateProfile,
}

impl VectorRotation {
    pub fn load() -> VectorRotation {
        let name = "csr_ed25519.pem";
        let bytes = fs::read(repo_path("tests/vectors").join(name)).expect("csr");
        let csr = rootkey::cert::csr::parse(&bytes, name).expect("csr");
        VectorRotation {
            csr_file: rootkey::ceremony::InputFile {
                name: name.into(),
                bytes,
            },
            csr,
            profile: shipped_profile(),
        }
    }

    /// The job that signs it against `ctx` (read from `context_files`, root then manifest)
    /// from `not_before`, its hash given on the command line, with no previous intermediate.
    pub fn job<'a>(
        &'a self,
        ctx: &'a rootkey::ceremony::Context,
        context_files: [&'a rootkey::ceremony::InputFile; 2],
        not_before: rootkey::encoding::time::UtcTime,
    ) -> rootkey::ceremony::IntermediateJob<'a> {
        rootkey::ceremony::IntermediateJob {
            ctx,
            context_files,
            csr_file: &self.csr_file,
            csr: &self.csr,
            hash_source: rootkey::ceremony::HashSource::CommandLine,
            profile: &self.profile,
            profile_file: "intermediate.toml",
            previous: None,
            not_before,
        }
    }
}

/// Writes into `dir` what a generation ceremony of `plan` (its text, parsed under `plan_name`)
/// writes — root.pem, manifest.json and the share files — for `key` split into `points` (which
/// a test may have altered: a share that disagrees). No transcript is written.
pub fn write_ceremony(
    dir: &Path,
    key: &rootkey::key::RootKey,
    points: &[rootkey::shamir::SharePoint],
    plan: &str,
    plan_name: &str,
    ceremony_id: u8,
) {
    use rootkey::ceremony::{self, BuildParams};
    let plan = rootkey::plan::Plan::parse(plan, plan_name).unwrap();
    let profile = rootkey::cert::RootProfile::from_toml(
        rootkey::cert::DEFAULT_ROOT_PROFILE,
        "templates/root.toml",
    )
    .unwrap();
    let outputs = ceremony::build_outputs(
        key,
        points,
        &BuildParams {
            plan: &plan,
            profile: &profile,
            ceremony_id: [ceremony_id; 16],
            now: rootkey::encoding::time::UtcTime::now().unwrap(),
            memory_locked: true,
            paper: &rootkey::paper::PaperLayout::default(),
            paper_size: rootkey::pdfdoc::PaperSize::A4,
        },
    )
    .unwrap();
    fs::create_dir_all(dir).unwrap();
    let file = Path::new(plan_name).file_name().unwrap().to_string_lossy();
    let header = ceremony::plan_header(
        &plan,
        &file,
        rootkey::transcript::Kind::Generation,
        [ceremony_id; 16],
        serde_json::json!({}),
    );
    let mut rec = rootkey::transcript::Recorder::in_memory(&header).unwrap();
    ceremony::write_outputs(dir, &outputs, &mut rec, None).unwrap();
}
