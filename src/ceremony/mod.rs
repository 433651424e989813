//! The ceremonies, one file per kind, each built only from the layers below it (formats,
//! media, console): [`generate`] (generation), [`rehearse`] (rehearsal), [`combine`] (quorum
//! check, and one share alone), [`intermediate`] (rotation) and [`crl`] (revocation), with
//! the steps they share — [`context`] (root.pem, manifest.json, transcript header),
//! [`outdir`] (the output directory, refused before anything is written), [`outputs`] (the
//! generation's files), [`quorum`] (confirm → rebuild → sign → seal), [`session`] (hardening,
//! pre-flight, the outcome after the seal) and [`summary`] (what the operator reads); [`steps`]
//! lists each kind's steps in order (id, role, title, the entry each writes), and [`script`]
//! merges them with a plan's checklist into the numbered list screens and printed scripts
//! share (`rootkey plan check`, `plan render`). A ceremony asks
//! and tells only through a [`crate::console::Console`]; the two-person rule is the console's
//! [`crate::console::confirm`] dialogue. The commands that are not ceremonies live here too, as
//! flows over the same layers: [`chain`] (customer check), [`audit`] (transcript verify,
//! attest, report), [`paper_wipe`] and [`token_info`] (token list and describe).
//!
//! Each kind has a `run` function taking its arguments and the console it asks and tells at,
//! which [`crate::cli`] calls with the operator's [`crate::console::Terminal`] (with the
//! confirmers named by `--confirm`); a guided runner passes its own. Each kind runs over its
//! step list ([`steps`]): [`flow`] holds the list's cursor, [`stages`] the typed stages the
//! kinds share (header, context, prepared, confirmed, signed, sealed).

pub mod audit;
pub mod chain;
pub mod combine;
pub mod context;
pub mod crl;
pub mod flow;
pub mod generate;
pub mod intermediate;
pub mod keygen;
pub mod outdir;
pub mod outputs;
pub mod paper_wipe;
pub mod quorum;
pub mod rehearse;
pub mod run;
pub mod script;
pub mod session;
pub mod share_audit;
pub mod stages;
pub mod steps;
pub mod summary;
pub mod token_info;
pub mod token_stage;

/// The confirmers named on the command line (`--confirm NAME` twice), at the terminal.
pub use crate::console::NamedConfirmers as ScriptedConfirm;
pub use crate::console::{Confirmation, Method};
pub use combine::{
    CombineReport, VerifiedShare, combine, combine_with, rebuild_quorum, record_context,
    verify_share, verify_share_file,
};
pub use context::{
    Context, MAX_MANIFEST_BYTES, MAX_ROOT_BYTES, locked_pages_needed, new_ceremony_id, plan_header,
    quorum_header,
};
pub use crl::{CRL_FILE, CRL_PEM_FILE, CrlJob, CrlReport, sign_crl};
pub use generate::{GenerateOptions, GenerateReport, check_paper_layout, generate};
pub use intermediate::{
    CHAIN_FILE, HashSource, INTERMEDIATE_FILE, IntermediateJob, IntermediateReport,
    sign_intermediate,
};
pub use outputs::{BuildParams, Outputs, build_outputs, generation_writes, write_outputs};
pub use paper_wipe::paper_shards;
pub use quorum::{InputFile, QuorumArgs, TokenArgs};
pub use rehearse::{RehearsalReport, rehearsal_plan, rehearse};
pub use steps::{Quorum, Role, RotationShape, Step};
