//! The printed ceremony script (`rootkey plan render`): title page facts, the materials
//! checklist, every step of the merged list ([`super::script`]) with boxes for initials and
//! time, and the witness's exception-log page — one model ([`Printed`]) rendered as Markdown
//! or as PDF ([`crate::pdfdoc`]), so that both say the same.

use super::{ScriptKind, ScriptStep, StepKind};
use crate::error::Result;
use crate::pdfdoc::{self, Block, Document, PaperSize};
use crate::plan::{Medium, Params, Plan, TokenSpec};

/// Rows of the exception log.
const LOG_ROWS: usize = 14;

/// What the printed script says, before it is laid out.
#[derive(Clone, Debug, PartialEq)]
pub struct Printed {
    /// "Ceremony script: NAME".
    pub title: String,
    /// Kind, rehearsal, plan file and hash, quorum.
    pub facts: Vec<(String, String)>,
    /// Role → name.
    pub people: Vec<(String, String)>,
    /// Share holders: index, name, role, medium.
    pub holders: Vec<[String; 4]>,
    /// One line per thing to bring.
    pub materials: Vec<String>,
    /// The merged step list.
    pub steps: Vec<ScriptStep>,
    /// "REHEARSAL" for a rehearsal plan.
    pub watermark: Option<String>,
}

/// The printed script of `plan` (file name `file`) run as `kind` with its merged `steps`.
pub fn printed(plan: &Plan, file: &str, kind: ScriptKind, steps: Vec<ScriptStep>) -> Printed {
    let (k, n) = (plan.quorum.threshold, plan.quorum.shares);
    let mut facts = vec![
        ("Ceremony".into(), plan.ceremony.name.clone()),
        ("Kind".into(), kind.title().to_string()),
        (
            "Rehearsal".into(),
            if plan.ceremony.rehearsal {
                "yes: throwaway key, every output marked REHEARSAL"
            } else {
                "no: a real ceremony"
            }
            .into(),
        ),
        ("Quorum".into(), format!("{k} of {n} shares")),
        (
            "Plan".into(),
            format!("{file} (version {})", plan.version()),
        ),
        ("Plan SHA-256".into(), hex::encode(plan.sha256)),
        ("Steps".into(), steps.len().to_string()),
        ("Date and place".into(), String::new()),
    ];
    if let Some(v) = &plan.v2 {
        facts.extend(inputs(&v.params));
    }
    let mut people = Vec::new();
    if let Some(v) = &plan.v2 {
        let r = &v.roles;
        people.push((
            "Ceremony administrator".to_string(),
            r.administrator.clone(),
        ));
        people.push(("Crypto officers".into(), r.crypto_officers.join(", ")));
        people.push(("Internal witness".into(), r.witness.clone()));
        if !r.confirmers.is_empty() {
            people.push(("Confirmers".into(), r.confirmers.join(", ")));
        }
        if let Some(a) = &r.auditor {
            people.push(("Auditor".into(), a.clone()));
        }
    }
    people.extend(
        plan.participants
            .iter()
            .map(|p| (format!("Participant: {}", p.role), p.name.clone())),
    );
    let holders = plan
        .holders
        .iter()
        .enumerate()
        .map(|(i, h)| {
            [
                format!("{}", i + 1),
                h.name.clone(),
                h.role.clone(),
                medium_line(h.medium, h.token.as_ref()),
            ]
        })
        .collect();
    Printed {
        title: format!("Ceremony script: {}", plan.ceremony.name),
        facts,
        people,
        holders,
        materials: materials(plan, kind),
        steps,
        watermark: plan.ceremony.rehearsal.then(|| "REHEARSAL".to_string()),
    }
}

fn medium_line(m: Medium, token: Option<&TokenSpec>) -> String {
    match (m, token) {
        (Medium::Text, _) => "text file".into(),
        (Medium::Paper, _) => "paper shard".into(),
        (_, Some(t)) => t.describe(),
        (m, None) => m.to_string(),
    }
}

/// The inputs a v2 plan names, as title-page facts.
fn inputs(p: &Params) -> Vec<(String, String)> {
    let f = |a: &str, b: &str| (a.to_string(), b.to_string());
    match p {
        Params::Generation {
            profile,
            dice,
            print_to,
        } => {
            let mut v = vec![f(
                "Root profile",
                profile
                    .as_deref()
                    .unwrap_or("built-in (templates/root.toml)"),
            )];
            v.push(f(
                "Dice",
                if *dice {
                    "yes: the rolls are typed"
                } else {
                    "no"
                },
            ));
            if let Some(p) = print_to {
                v.push(f("Printer", p));
            }
            v
        }
        Params::Rotation {
            root,
            manifest,
            csr,
            csr_sha256,
            profile,
            previous,
            ..
        } => vec![
            f("Root certificate", root),
            f("Manifest", manifest),
            f("CSR", csr),
            f(
                "CSR SHA-256",
                csr_sha256
                    .as_deref()
                    .unwrap_or("read aloud by the requester, typed at the ceremony"),
            ),
            f("Intermediate profile", profile),
            f(
                "Previous intermediate",
                previous.as_deref().unwrap_or("none"),
            ),
        ],
        Params::Crl {
            root,
            manifest,
            previous_crl,
            revoke,
            next_update_days,
            ..
        } => vec![
            f("Root certificate", root),
            f("Manifest", manifest),
            f(
                "Previous CRL",
                previous_crl
                    .as_deref()
                    .unwrap_or("none: this is the first CRL"),
            ),
            f(
                "Revocations",
                &if revoke.is_empty() {
                    "none".to_string()
                } else {
                    revoke.join(", ")
                },
            ),
            f("Next update", &format!("in {next_update_days} days")),
        ],
        Params::ShareAudit { root, manifest } => {
            vec![f("Root certificate", root), f("Manifest", manifest)]
        }
    }
}

/// What to bring, derived from the plan: the machine, the people's media, the inputs.
fn materials(plan: &Plan, kind: ScriptKind) -> Vec<String> {
    let mut m = vec![
        "The ceremony machine (no network hardware connected), its live boot medium and the medium's checked hash".to_string(),
        format!("This script printed, and the plan file ({})", plan.origin),
        "Pens; a clock everyone can see".into(),
    ];
    let params = plan.v2.as_ref().map(|v| &v.params);
    let generating = matches!(
        kind,
        ScriptKind::Generation | ScriptKind::RehearsalGeneration
    );
    let presenting: Vec<usize> = match params {
        Some(Params::Rotation { presenting, .. } | Params::Crl { presenting, .. })
            if !presenting.is_empty() =>
        {
            presenting.iter().map(|&i| usize::from(i)).collect()
        }
        _ => (1..=plan.holders.len()).collect(),
    };
    let papers = plan
        .holders
        .iter()
        .filter(|h| h.medium == Medium::Paper)
        .count();
    for (i, h) in plan.holders.iter().enumerate() {
        let idx = i + 1;
        if !generating && !presenting.contains(&idx) {
            continue;
        }
        let line = match (h.medium, generating) {
            (Medium::Yubikey | Medium::Pkcs11, true) => format!(
                "Holder {idx} ({}): {}, its PIN known to the holder only",
                h.name,
                h.token
                    .as_ref()
                    .map_or("the token".into(), TokenSpec::describe)
            ),
            (Medium::Yubikey | Medium::Pkcs11, false) => format!(
                "Holder {idx} ({}): {} and its payload file share-{idx:02}-….token, and the PIN",
                h.name,
                h.token
                    .as_ref()
                    .map_or("the token".into(), TokenSpec::describe)
            ),
            (Medium::Paper, true) => format!(
                "Holder {idx} ({}): a tamper-evident envelope for the paper shard",
                h.name
            ),
            (Medium::Paper, false) => format!(
                "Holder {idx} ({}): the paper shard in its sealed envelope",
                h.name
            ),
            (Medium::Text, true) => format!(
                "Holder {idx} ({}): paper and pen, or a printer, for the text share",
                h.name
            ),
            (Medium::Text, false) => format!(
                "Holder {idx} ({}): the text share (file or printout)",
                h.name
            ),
        };
        m.push(line);
    }
    if generating {
        if papers > 0 {
            match params {
                Some(Params::Generation { print_to: Some(p), .. }) => {
                    m.push(format!("Printer {p}, connected by cable (no network), with {papers} sheets of paper"))
                }
                _ => m.push(format!(
                    "A printer connected by cable (no network) and {papers} sheets of paper for the paper shards"
                )),
            }
        }
        if plan.holders.iter().any(|h| h.medium == Medium::Yubikey) {
            m.push("Yubico's PIV attestation CA (piv-attestation-ca.pem), checked as docs/yubikey.md says".into());
        }
        if matches!(params, Some(Params::Generation { dice: true, .. })) {
            m.push("Five or more casino dice and a tray".into());
        }
        if let Some(Params::Generation {
            profile: Some(p), ..
        }) = params
        {
            m.push(format!("The root profile {p}"));
        }
        m.push("Two new USB sticks for root.pem, manifest.json and the transcript".into());
    } else {
        if plan.holders.iter().any(|h| h.medium == Medium::Paper) {
            m.push("A camera or USB QR scanner for the paper shards (or they are typed)".into());
        }
        match params {
            Some(Params::Rotation {
                root,
                manifest,
                csr,
                profile,
                previous,
                ..
            }) => {
                m.push(format!(
                    "USB stick with the generation's {root} and {manifest}"
                ));
                m.push(format!(
                    "USB stick with the CSR {csr} (write-protected if it can be)"
                ));
                m.push(format!("The intermediate profile {profile}"));
                if let Some(p) = previous {
                    m.push(format!("The previous intermediate {p}"));
                }
                m.push("A new USB stick for intermediate.pem, intermediate-chain.pem and the transcript".into());
            }
            Some(Params::Crl {
                root,
                manifest,
                previous_crl,
                ..
            }) => {
                m.push(format!(
                    "USB stick with the generation's {root} and {manifest}"
                ));
                if let Some(p) = previous_crl {
                    m.push(format!("The previous CRL {p}"));
                }
                m.push("The signed revocation requests".into());
                m.push("A new USB stick for root.crl, root.crl.pem and the transcript".into());
            }
            Some(Params::ShareAudit { root, manifest }) => {
                m.push(format!(
                    "USB stick with the generation's {root} and {manifest}"
                ));
                m.push("A new USB stick for the transcript and its report".into());
            }
            _ => m.push("USB stick with the generation's root.pem and manifest.json".into()),
        }
    }
    m
}

/// How a step reads under its title: the checklist text, or the two-person code.
fn step_note(s: &ScriptStep) -> Vec<String> {
    let mut v = Vec::new();
    if let Some(t) = &s.text {
        v.push(t.clone());
    }
    match s.kind {
        StepKind::Checklist => v.push("Acknowledged: the person named initials the box.".into()),
        StepKind::Builtin { critical: true, .. } => {
            v.push("Critical: two different people type back the code shown on the screen.".into())
        }
        StepKind::Builtin { .. } => {}
    }
    v
}

/// The script as Markdown (plain text, checkboxes and fill-in lines).
pub fn markdown(p: &Printed) -> String {
    let mut s = format!("# {}\n\n", p.title);
    if p.watermark.is_some() {
        s.push_str("**REHEARSAL — throwaway key, nothing here is real.**\n\n");
    }
    for (k, v) in &p.facts {
        let v = if v.is_empty() {
            "________________________________"
        } else {
            v
        };
        s.push_str(&format!("- {k}: {v}\n"));
    }
    s.push_str("\n## People\n\n");
    for (k, v) in &p.people {
        s.push_str(&format!("- {k}: {v}\n"));
    }
    s.push_str("\n| Share | Holder | Role | Medium |\n|---|---|---|---|\n");
    for h in &p.holders {
        s.push_str(&format!("| {} | {} | {} | {} |\n", h[0], h[1], h[2], h[3]));
    }
    s.push_str("\n## Materials\n\n");
    for m in &p.materials {
        s.push_str(&format!("- [ ] {m}\n"));
    }
    s.push_str("\n## Steps\n\nThe screens show the same numbers, people and titles.\n");
    for st in &p.steps {
        s.push_str(&format!("\n### {}\n\n", st.header()));
        for line in step_note(st) {
            s.push_str(&format!("{line}\n\n"));
        }
        s.push_str("Initials: ________  Time: ________\n");
    }
    s.push_str(
        "\n## Witness's exception log\n\nEvery deviation from this script, as it happens.\n\n",
    );
    s.push_str(
        "| Time | Step | What happened | Action taken | Initials |\n|---|---|---|---|---|\n",
    );
    for _ in 0..LOG_ROWS {
        s.push_str("|  |  |  |  |  |\n");
    }
    s
}

/// The script as a PDF document.
pub fn document(p: &Printed) -> Document {
    let mut blocks = vec![
        Block::KeyValue(p.facts.clone()),
        Block::Heading("People".into()),
        Block::KeyValue(p.people.clone()),
        Block::Table {
            headers: vec!["Share".into(), "Holder".into(), "Role".into(), "Medium".into()],
            widths: vec![0.6, 2.5, 2.5, 2.0],
            rows: p.holders.iter().map(|h| h.to_vec()).collect(),
        },
        Block::Heading("Materials".into()),
        Block::Table {
            headers: vec!["Done".into(), "Bring".into()],
            widths: vec![0.6, 7.0],
            rows: p.materials.iter().map(|m| vec![String::new(), m.clone()]).collect(),
        },
        Block::Heading("Steps".into()),
        Block::Paragraph("The screens show the same numbers, people and titles. Initial each step and write the time when it is done.".into()),
    ];
    let rows = p
        .steps
        .iter()
        .map(|s| {
            let mut what = vec![s.actor_line(), s.title.clone()];
            what.extend(step_note(s));
            vec![
                format!("{}/{}", s.number, s.total),
                what.join("\n"),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    blocks.push(Block::Table {
        headers: vec![
            "Step".into(),
            "Who and what".into(),
            "Initials".into(),
            "Time".into(),
        ],
        widths: vec![0.8, 6.0, 1.2, 1.0],
        rows,
    });
    blocks.push(Block::Heading("Witness's exception log".into()));
    blocks.push(Block::Paragraph(
        "Every deviation from this script, as it happens.".into(),
    ));
    blocks.push(Block::Table {
        headers: vec![
            "Time".into(),
            "Step".into(),
            "What happened".into(),
            "Action taken".into(),
            "Initials".into(),
        ],
        widths: vec![1.0, 0.8, 3.5, 3.0, 1.0],
        rows: vec![vec!["\n".to_string(); 5]; LOG_ROWS],
    });
    blocks.push(Block::SignatureLines(vec![
        "Internal witness".into(),
        "Ceremony administrator".into(),
    ]));
    Document {
        title: p.title.clone(),
        subtitle: Some("Printed by rootkey plan render from the plan's merged step list".into()),
        blocks,
        footer: p.title.clone(),
        watermark: p.watermark.clone(),
    }
}

/// The script as PDF bytes.
pub fn pdf(p: &Printed, size: PaperSize) -> Result<Vec<u8>> {
    pdfdoc::render(&document(p), size)
}
