//! Each ceremony kind as an ordered list of named steps: a stable id, the role that acts, a
//! short title, and the transcript entry the step writes (`docs/formats.md`, "Ceremony
//! transcript v1"). One function per kind — [`generation`], [`rehearsal`], [`quorum_check`],
//! [`intermediate`], [`crl`], [`share_audit`] — returns its steps in order, with the steps that repeat per share
//! or per confirmer expanded, so that a printed script and a "Step 7/23" counter can be built
//! from it.
//!
//! The lists drive the flows in the other files of this module: each ceremony runs over a
//! [`super::flow::Flow`] made from its list, and each of its typed stages ([`super::stages`]
//! and the kinds' own) enters its step by id — told to the console as "Step n/total" — and
//! writes exactly that step's entry; a step entered out of the list's order, or an entry of
//! another action, is an internal error. `tests/ceremony_steps.rs` runs every kind through the
//! binary and checks that the actions of the transcript it writes are the `records` of these
//! steps, in order, and that each step's role matches the entry's actors;
//! `tests/ceremony_flow.rs` checks the steps a console is told. A failed step ends the
//! transcript with `aborted` instead of the rest of the list; that entry is not a step.

use crate::transcript::event::Action;
use Action as A;
use Role::{Confirmer, Holder, Officer, Tool, Witness};

/// Who acts at a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The ceremony officer at the keyboard: starts the ceremony, types what the tool asks
    /// (dice, a hash delivered out of band). The entries they cause name the tool as actor.
    Officer,
    /// A share holder: receives a share (`share-written` names the tool and the holder) or
    /// presents one (`share-presented` names the holder).
    Holder,
    /// A witness: attests the sealed transcript afterwards (`rootkey transcript attest`, into
    /// `transcript.attestations`, not the transcript itself).
    Witness,
    /// One of the two people who confirm what will be signed (`confirmed` names them).
    Confirmer,
    /// rootkey alone, with nobody acting (the entry names the tool).
    Tool,
}

impl Role {
    /// The role's name in a script header ("Step 7/23 · Holder (Carol) · …").
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Officer => "Ceremony officer",
            Role::Holder => "Holder",
            Role::Witness => "Witness",
            Role::Confirmer => "Confirmer",
            Role::Tool => "rootkey",
        }
    }
}

/// One step of a ceremony.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// Stable, kebab-case id (`generate-root-key`); the same for every repetition of a step.
    pub id: &'static str,
    /// For a step done once per share or per confirmer: which one, from 1 (for
    /// `receive-share`, the share index; for `present-share`, the order of presentation).
    pub nth: Option<u8>,
    /// Who acts.
    pub role: Role,
    /// Short and imperative, at most [`MAX_TITLE`] characters.
    pub title: &'static str,
    /// The transcript entry the step writes, if any.
    pub records: Option<Action>,
}

/// The longest title: `Step 23/23 · Holder (name) · ` and a title of this length leave 20
/// columns of 80 for the name.
pub const MAX_TITLE: usize = 40;

impl Step {
    const fn new(
        id: &'static str,
        role: Role,
        title: &'static str,
        records: Option<Action>,
    ) -> Step {
        Step {
            id,
            nth: None,
            role,
            title,
            records,
        }
    }

    const fn nth(self, n: u8) -> Step {
        Step {
            nth: Some(n),
            ..self
        }
    }

    /// The id, with the repetition for a repeated step: `present-share-2`; unique in a list.
    pub fn key(&self) -> String {
        match self.nth {
            Some(n) => format!("{}-{n}", self.id),
            None => self.id.to_string(),
        }
    }
}

/// How many shares a quorum ceremony is given: at least `threshold` are presented; the first
/// k-subset that rebuilds the key is the quorum, every further share is checked against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quorum {
    /// k.
    pub threshold: u8,
    /// Shares presented (files, QR photos and typed shares together), at least `threshold`.
    pub presented: u8,
}

impl Quorum {
    /// Exactly k shares.
    pub fn exact(threshold: u8) -> Quorum {
        Quorum {
            threshold,
            presented: threshold,
        }
    }
}

/// The options of a rotation that change its steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RotationShape {
    /// `--previous` was given (`previous-checked`).
    pub previous: bool,
    /// The CSR hash is typed at a prompt (no `--csr-sha256`), before the ceremony starts.
    pub typed_hash: bool,
}

/// The first step of every kind: the header.
pub const START: Step = Step::new(
    "start-ceremony",
    Officer,
    "Start the ceremony",
    Some(A::Header),
);
/// The last step of every kind (but a generation's attestation): the seal.
pub const SEAL: Step = Step::new(
    "seal-transcript",
    Tool,
    "Seal the transcript, wipe the key",
    Some(A::Seal),
);

/// The generation steps up to the public files (shared with the rehearsal).
fn generation_core(tokens: &[bool], dice: bool, steps: &mut Vec<Step>) {
    steps.push(START);
    if dice {
        steps.push(Step::new(
            "type-dice",
            Officer,
            "Roll the dice and type the rolls",
            None,
        ));
    }
    steps.push(Step::new(
        "draw-seed",
        Tool,
        if dice {
            "Draw the seed, mix in the dice"
        } else {
            "Draw the seed"
        },
        Some(A::Entropy),
    ));
    steps.extend([
        Step::new(
            "generate-root-key",
            Tool,
            "Generate the root key",
            Some(A::KeyGenerated),
        ),
        Step::new(
            "split-seed",
            Tool,
            "Split the seed, check every k-subset",
            Some(A::SharesSplit),
        ),
        Step::new(
            "sign-root-certificate",
            Tool,
            "Self-sign the root certificate",
            Some(A::CertificateSigned),
        ),
    ]);
    let receive = Step::new(
        "receive-share",
        Holder,
        "Receive your share (file or printout)",
        Some(A::ShareWritten),
    );
    let token = Step::new(
        "write-token",
        Holder,
        "Insert your token, type its PIN",
        Some(A::TokenWritten),
    );
    for (i, &on_token) in (1..=u8::MAX).zip(tokens) {
        if on_token {
            steps.push(token.nth(i));
        }
        steps.push(receive.nth(i));
    }
    steps.extend([
        Step::new(
            "write-root-pem",
            Tool,
            "Write root.pem",
            Some(A::ArtifactWritten),
        ),
        Step::new(
            "write-manifest",
            Tool,
            "Write manifest.json",
            Some(A::ArtifactWritten),
        ),
    ]);
}

/// The quorum steps: context, shares, rebuild, further shares (no seal).
fn quorum_core(q: Quorum, steps: &mut Vec<Step>) {
    let present = Step::new(
        "present-share",
        Holder,
        "Present your share",
        Some(A::SharePresented),
    );
    steps.extend((1..=q.presented).map(|i| present.nth(i)));
    steps.push(Step::new(
        "rebuild-key",
        Tool,
        "Rebuild the key, compare with root.pem",
        Some(A::KeyRebuilt),
    ));
    let check = Step::new(
        "check-further-share",
        Tool,
        "Check a further share against the key",
        Some(A::ShareChecked),
    );
    steps.extend((1..=q.presented.saturating_sub(q.threshold)).map(|i| check.nth(i)));
}

const LOAD_CONTEXT: Step = Step::new(
    "load-context",
    Tool,
    "Load root.pem and manifest.json",
    Some(A::ContextLoaded),
);

/// Two confirmers, then the quorum (both signing ceremonies).
fn confirm_then_quorum(q: Quorum, steps: &mut Vec<Step>) {
    let confirm = Step::new(
        "confirm",
        Confirmer,
        "Confirm what will be signed",
        Some(A::Confirmed),
    );
    steps.extend([confirm.nth(1), confirm.nth(2)]);
    quorum_core(q, steps);
}

/// `rootkey generate`: `shares` holders (n of the plan), with or without `--dice`. The last
/// step, the witnesses' attestation, comes after the run (docs/ceremony-guide.md, "Generation
/// ceremony", step 5).
pub fn generation(shares: u8, dice: bool) -> Vec<Step> {
    generation_for(&vec![false; shares as usize], dice)
}

/// `rootkey generate` for holders whose share goes to a hardware token (`tokens[i]` for the
/// holder of share i + 1): each token holder's `write-token` step (the payload written to the
/// token and read back, `token-written`) comes just before their `receive-share`.
pub fn generation_for(tokens: &[bool], dice: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    generation_core(tokens, dice, &mut steps);
    steps.push(SEAL);
    steps.push(Step::new(
        "attest-transcript",
        Witness,
        "Attest the sealed transcript",
        None,
    ));
    steps
}

/// `rootkey rehearse`: a generation of `shares` shares, the key wiped, then a rebuild from
/// `threshold` of them, sealed by the rebuilt key.
pub fn rehearsal(shares: u8, threshold: u8) -> Vec<Step> {
    rehearsal_for(&vec![false; shares as usize], threshold)
}

/// [`rehearsal`] of a plan whose holders may be on hardware tokens (`tokens[i]` for the holder
/// of share i + 1, as [`generation_for`]): each token holder's `write-token` step comes just
/// before their `receive-share`, as in a generation (`rootkey run` of a rehearsal plan).
pub fn rehearsal_for(tokens: &[bool], threshold: u8) -> Vec<Step> {
    let mut steps = Vec::new();
    generation_core(tokens, false, &mut steps);
    steps.push(Step::new(
        "wipe-generated-key",
        Tool,
        "Wipe the generated key",
        Some(A::KeyWiped),
    ));
    steps.push(LOAD_CONTEXT);
    quorum_core(Quorum::exact(threshold), &mut steps);
    steps.push(SEAL);
    steps
}

/// `rootkey combine`: a quorum check with `q.presented` shares.
pub fn quorum_check(q: Quorum) -> Vec<Step> {
    let mut steps = vec![START, LOAD_CONTEXT];
    quorum_core(q, &mut steps);
    steps.push(SEAL);
    steps
}

/// `rootkey intermediate sign`: the rotation ceremony.
pub fn intermediate(q: Quorum, shape: RotationShape) -> Vec<Step> {
    let mut steps = Vec::new();
    if shape.typed_hash {
        steps.push(Step::new(
            "type-csr-hash",
            Officer,
            "Type the CSR hash given out of band",
            None,
        ));
    }
    steps.extend([
        START,
        LOAD_CONTEXT,
        Step::new(
            "check-csr",
            Tool,
            "Check the CSR and its hash",
            Some(A::CsrChecked),
        ),
    ]);
    if shape.previous {
        steps.push(Step::new(
            "check-previous",
            Tool,
            "Check the previous intermediate",
            Some(A::PreviousChecked),
        ));
    }
    steps.push(Step::new(
        "prepare-certificate",
        Tool,
        "Lay out the certificate to sign",
        Some(A::CertificatePrepared),
    ));
    confirm_then_quorum(q, &mut steps);
    steps.extend([
        Step::new(
            "issue-certificate",
            Tool,
            "Sign the certificate, check it back",
            Some(A::CertificateIssued),
        ),
        Step::new(
            "write-intermediate",
            Tool,
            "Write intermediate.pem",
            Some(A::ArtifactWritten),
        ),
        Step::new(
            "write-chain",
            Tool,
            "Write intermediate-chain.pem",
            Some(A::ArtifactWritten),
        ),
        SEAL,
    ]);
    steps
}

/// `rootkey crl sign`: the CRL ceremony; `previous` when `--previous-crl` is given (not
/// `--first-crl`).
pub fn crl(q: Quorum, previous: bool) -> Vec<Step> {
    let mut steps = vec![START, LOAD_CONTEXT];
    if previous {
        steps.push(Step::new(
            "check-previous-crl",
            Tool,
            "Check the previous CRL",
            Some(A::PreviousCrlChecked),
        ));
    }
    steps.push(Step::new(
        "prepare-crl",
        Tool,
        "Lay out the CRL to sign",
        Some(A::CrlPrepared),
    ));
    confirm_then_quorum(q, &mut steps);
    steps.extend([
        Step::new(
            "issue-crl",
            Tool,
            "Sign the CRL, check it back",
            Some(A::CrlIssued),
        ),
        Step::new(
            "write-crl-der",
            Tool,
            "Write root.crl",
            Some(A::ArtifactWritten),
        ),
        Step::new(
            "write-crl-pem",
            Tool,
            "Write root.crl.pem",
            Some(A::ArtifactWritten),
        ),
        SEAL,
    ]);
    steps
}

/// `rootkey share audit` (`share-audit.toml`): each holder in turn proves their share alone
/// against the root-signed manifest; no key is rebuilt, so the transcript is not sealed: it
/// ends with `complete-audit`, which lists the holders proven, failed and absent, and the
/// witnesses attest it (`docs/formats.md`, "Share audit"). One `prove-share-i` per share
/// presented: a plan's script has one per holder of the manifest, in index order; `rootkey
/// share audit` one per share given, in the order given. Each writes `share-presented` or
/// `share-refused` (see [`PROVE_SHARE`]); `complete-audit` writes `audit-completed`, the last
/// entry.
pub fn share_audit(shares: u8) -> Vec<Step> {
    let mut steps = vec![START, LOAD_CONTEXT];
    steps.extend((1..=shares).map(|i| PROVE_SHARE.nth(i)));
    steps.push(Step::new(
        "complete-audit",
        Tool,
        "List who proved and who was absent",
        Some(A::AuditCompleted),
    ));
    steps.push(Step::new(
        "attest-transcript",
        Witness,
        "Attest the completed audit",
        None,
    ));
    steps
}

/// A holder of a share audit proves their share (file, QR photo, typed rows or token). It
/// writes `share-presented` when the share passes its check alone and `share-refused` when it
/// does not, so its `records` is None and `ceremony::share_audit` writes the entry itself.
const PROVE_SHARE: Step = Step::new(
    "prove-share",
    Holder,
    "Prove your share against the manifest",
    None,
);

/// The actions `steps` record, in order (what the transcript holds after a successful run).
pub fn records(steps: &[Step]) -> Vec<Action> {
    steps.iter().filter_map(|s| s.records).collect()
}

#[cfg(test)]
mod tests;
