//! The vector ceremony: its fixed, public inputs and a way to run it again with rootkey.

use sha2::{Digest, Sha256};

use rootkey::ceremony::{self, BuildParams, Outputs};
use rootkey::cert::{DEFAULT_ROOT_PROFILE, RootProfile};
use rootkey::encoding::time::UtcTime;
use rootkey::key::RootKey;
use rootkey::plan::Plan;
use rootkey::shamir::SharePoint;

use crate::harness::secret;
use crate::reference::shamir_eval;

/// The fixed, public test seed: 00 01 02 … 1f.
pub const SEED: [u8; 32] = {
    let mut s = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        s[i] = i as u8;
        i += 1;
    }
    s
};
/// Ceremony id of the vector ceremony: c0 c1 … cf.
pub const CEREMONY_ID: [u8; 16] = {
    let mut s = [0u8; 16];
    let mut i = 0;
    while i < 16 {
        s[i] = 0xc0 + i as u8;
        i += 1;
    }
    s
};
/// Ceremony time: 2028-02-29T12:34:56Z (a leap day, to show the validity rule).
pub const CEREMONY_UNIX: u64 = 1_835_440_496;
/// Labels hashed (SHA-256) to obtain the Shamir polynomial coefficients of x^1 and x^2.
pub const COEFF_LABELS: [&str; 2] = [
    "rootkey test vectors: shamir coefficient 1",
    "rootkey test vectors: shamir coefficient 2",
];

pub const PLAN_TOML: &str = r#"# Test-vector ceremony plan (docs/formats.md, "Ceremony plan").
# A rehearsal: the vectors' root key comes from a published seed and must never be used.

[ceremony]
name = "Test vector ceremony"
rehearsal = true

[quorum]
threshold = 3
shares = 5

[[holders]]
name = "Alice Example"
role = "security officer (token, EU)"
medium = "text"

[[holders]]
name = "Bob Example"
role = "security officer (token, US)"
medium = "text"

[[holders]]
name = "Carol Example"
role = "legal counsel (paper)"
medium = "text"

[[holders]]
name = "Dave Example"
role = "CTO (paper)"
medium = "text"

[[holders]]
name = "Zoë O'Neil"
role = "CISO (paper)"
medium = "text"
"#;

pub fn root_key() -> RootKey {
    RootKey::from_seed(&secret(&SEED)).expect("root key")
}

pub fn ceremony_time() -> UtcTime {
    UtcTime::from_unix_secs(CEREMONY_UNIX).expect("time")
}

/// The fixed Shamir coefficients of x^1 and x^2 (random in a real ceremony).
pub fn coefficients() -> Vec<Vec<u8>> {
    COEFF_LABELS
        .iter()
        .map(|l| Sha256::digest(l.as_bytes()).to_vec())
        .collect()
}

pub fn vector_points() -> Vec<SharePoint> {
    let c = coefficients();
    (1..=5u8)
        .map(|x| SharePoint {
            x,
            y: secret(&shamir_eval(&SEED, &c, x)),
        })
        .collect()
}

/// Re-runs the vector ceremony with rootkey's `build_outputs` (new certificate serial).
pub fn rebuild_ceremony() -> Outputs {
    let plan = Plan::parse(PLAN_TOML, "plan_valid.toml").expect("plan");
    let profile = RootProfile::from_toml(DEFAULT_ROOT_PROFILE, "root.toml").expect("profile");
    ceremony::build_outputs(
        &root_key(),
        &vector_points(),
        &BuildParams {
            plan: &plan,
            profile: &profile,
            ceremony_id: CEREMONY_ID,
            now: ceremony_time(),
            memory_locked: true,
            paper: &rootkey::paper::PaperLayout::default(),
            paper_size: rootkey::pdfdoc::PaperSize::A4,
        },
    )
    .expect("build_outputs")
}
