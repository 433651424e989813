//! The auditor's report of a replayed transcript (`rootkey transcript report`): verification
//! result, ceremony facts, participants, pre-flight facts, the timeline, artifacts, quorum,
//! attestations and blank signature lines, as Markdown (the PDF is rendered from the same
//! [`Report`] by `rootkey transcript report`, in the ceremony layer).

use serde_json::Value;

use super::event::Action;
use super::verify::{Replay, Verdict};
use crate::cert;
use crate::encoding::hexfmt::fingerprint_display;

mod audit;
mod describe;
pub use describe::describe;
use describe::s;

/// One section of the report.
#[derive(Debug)]
pub enum Section {
    /// Label: value pairs.
    Facts(Vec<(String, String)>),
    /// A table.
    Table {
        /// Column headers.
        headers: Vec<String>,
        /// Relative column widths (PDF).
        widths: Vec<f32>,
        /// Rows.
        rows: Vec<Vec<String>>,
    },
    /// A paragraph.
    Text(String),
    /// Blank signature lines, one per label.
    Signatures(Vec<String>),
}

/// The report's content, independent of its rendering.
#[derive(Debug)]
pub struct Report {
    /// Title.
    pub title: String,
    /// The one-line verdict.
    pub verdict: String,
    /// (heading, sections).
    pub parts: Vec<(String, Vec<Section>)>,
    /// Footer (transcript file and its SHA-256).
    pub footer: String,
    /// Rehearsal?
    pub rehearsal: bool,
}

/// The kind of a ceremony as people say it (the report's "Ceremony" line, `transcript
/// verify`'s header line).
pub fn kind_name(k: super::Kind) -> &'static str {
    use super::Kind;
    match k {
        Kind::Generation => "root key generation",
        Kind::Rehearsal => "rehearsal (generation and quorum check)",
        Kind::QuorumCheck => "quorum check",
        Kind::Rotation => "rotation (intermediate signing)",
        Kind::Crl => "CRL signing",
        Kind::ShareAudit => "share audit (no key rebuilt)",
    }
}

/// What ceremony a header records: its kind and name. The name of a quorum check, rotation
/// or CRL is the root's generation ceremony (the manifest's), said so.
pub fn ceremony_line(h: &super::verify::Header) -> String {
    if h.plan.is_some() || matches!(h.kind, super::Kind::Generation | super::Kind::Rehearsal) {
        format!("{} \"{}\"", kind_name(h.kind), h.name)
    } else {
        format!("{} with the root of \"{}\"", kind_name(h.kind), h.name)
    }
}

/// The verdict line for people.
pub fn verdict_line(r: &Replay) -> String {
    match &r.verdict {
        Verdict::Sealed if r.completed_audit => format!(
            "VALID and COMPLETE — a share audit rebuilds no key; attested by {} listed witness(es)",
            r.attestations.len()
        ),
        Verdict::Sealed => "VALID and SEALED".into(),
        Verdict::Unsealed(w) => format!("VALID but UNSEALED — {w}"),
        Verdict::Invalid(e) => format!("INVALID — {}", e.message),
    }
}

/// Builds the report's content from a replay.
pub fn build(r: &Replay) -> Report {
    let mut parts = Vec::new();
    let h = r.header.as_ref();
    let mut result = vec![Section::Facts(vec![("Result".into(), verdict_line(r))])];
    result.push(Section::Table {
        headers: vec!["Check".into(), "Outcome".into()],
        widths: vec![1.0, 4.0],
        rows: r
            .checks
            .iter()
            .map(|(a, b)| vec![a.clone(), b.clone()])
            .collect(),
    });
    parts.push(("Verification".to_string(), result));
    let mut facts = vec![
        ("Transcript".to_string(), r.path.clone()),
        ("Transcript SHA-256".to_string(), hex::encode(r.file_sha256)),
        ("Entries".to_string(), r.entries.len().to_string()),
    ];
    if let Some(h) = h {
        facts.extend([
            ("Ceremony".to_string(), ceremony_line(h)),
            ("Ceremony id".to_string(), h.id.clone()),
            (
                "Rehearsal".to_string(),
                if h.rehearsal {
                    "yes — throwaway key"
                } else {
                    "no"
                }
                .to_string(),
            ),
            (
                "Quorum".to_string(),
                format!("{} of {}", h.quorum.0, h.quorum.1),
            ),
            (
                "Plan".to_string(),
                h.plan
                    .as_ref()
                    .map(|(f, s)| format!("{f}, SHA-256 {s}"))
                    .unwrap_or_else(|| format!("none (a {} runs no plan)", h.kind.as_str())),
            ),
            (
                "Tool".to_string(),
                format!(
                    "rootkey {}, binary SHA-256 {}",
                    h.tool_version, h.binary_sha256
                ),
            ),
        ]);
        if let (Some(first), Some(last)) = (r.entries.first(), r.entries.last()) {
            facts.push((
                "Time".to_string(),
                format!("{} to {} (UTC)", first.time, last.time),
            ));
        }
    }
    if let Some(k) = r.seal_key {
        facts.push((
            "Sealed by".to_string(),
            fingerprint_display(&cert::fingerprint(&k)),
        ));
        if let Some(head) = r.sealed_head {
            facts.push(("Sealed head".to_string(), hex::encode(head)));
        }
    }
    parts.push(("Ceremony".to_string(), vec![Section::Facts(facts)]));
    if let Some(h) = h {
        parts.push((
            "Participants".to_string(),
            vec![Section::Table {
                headers: vec!["Name".into(), "Role".into(), "Share".into()],
                widths: vec![2.0, 3.0, 0.7],
                rows: h
                    .participants
                    .iter()
                    .map(|p| {
                        vec![
                            p.name.clone(),
                            p.role.clone(),
                            p.share.map(|s| s.to_string()).unwrap_or_else(|| "—".into()),
                        ]
                    })
                    .collect(),
            }],
        ));
        parts.push((
            "Pre-flight checks".to_string(),
            vec![Section::Facts(
                h.preflight
                    .iter()
                    .map(|(k, v)| {
                        let shown = match v {
                            Value::Array(a) if a.is_empty() => "none".to_string(),
                            Value::Array(a) => {
                                a.iter().map(|x| s(Some(x))).collect::<Vec<_>>().join(", ")
                            }
                            other => s(Some(other)),
                        };
                        (k.replace('_', " "), shown)
                    })
                    .collect(),
            )],
        ));
    }
    parts.push((
        "Timeline".to_string(),
        vec![Section::Table {
            headers: vec![
                "Step".into(),
                "Time (UTC)".into(),
                "Who".into(),
                "What".into(),
            ],
            widths: vec![0.45, 2.5, 1.5, 4.6],
            rows: r
                .entries
                .iter()
                .map(|e| {
                    vec![
                        e.seq.to_string(),
                        e.time.clone(),
                        e.actors.join(", "),
                        describe(e),
                    ]
                })
                .collect(),
        }],
    ));
    let mut artifacts = Vec::new();
    for e in &r.entries {
        let d = &e.details;
        match e.kind() {
            Some(Action::ArtifactWritten) => artifacts.push(vec![
                s(d.get("file")),
                s(d.get("sha256")),
                format!("{} (written)", e.seq),
            ]),
            // The inputs a signing ceremony read and recorded (copied into its directory).
            Some(Action::CsrChecked | Action::PreviousChecked | Action::PreviousCrlChecked) => {
                artifacts.push(vec![
                    s(d.get("file")),
                    s(d.get("sha256")),
                    format!("{} (read)", e.seq),
                ])
            }
            Some(Action::ContextLoaded) => {
                for k in ["root", "manifest"] {
                    artifacts.push(vec![
                        s(d.get(k).and_then(|v| v.get("file"))),
                        s(d.get(k).and_then(|v| v.get("sha256"))),
                        format!("{} (read)", e.seq),
                    ]);
                }
            }
            _ => {}
        }
    }
    parts.push((
        "Artifacts".to_string(),
        vec![Section::Table {
            headers: vec!["File".into(), "SHA-256".into(), "Step".into()],
            widths: vec![1.3, 4.5, 0.9],
            rows: artifacts,
        }],
    ));
    let shares: Vec<Vec<String>> = r
        .entries
        .iter()
        .filter(|e| {
            matches!(
                e.kind(),
                Some(Action::ShareWritten | Action::SharePresented)
            )
        })
        .map(|e| {
            vec![
                s(e.details.get("index")),
                s(e.details.get("holder")),
                if e.is(Action::ShareWritten) {
                    "written".to_string()
                } else {
                    "presented".to_string()
                },
                s(e.details.get("envelope_sha256")),
            ]
        })
        .collect();
    let mut quorum = vec![Section::Table {
        headers: vec![
            "Share".into(),
            "Holder".into(),
            "Event".into(),
            "Envelope SHA-256".into(),
        ],
        widths: vec![0.6, 2.0, 1.0, 4.5],
        rows: shares,
    }];
    if let Some(e) = r.entries.iter().find(|e| e.is(Action::KeyRebuilt)) {
        quorum.push(Section::Text(format!(
            "Quorum that rebuilt the key: shares {}.",
            s(e.details.get("quorum"))
        )));
    }
    match h.filter(|h| h.kind == super::Kind::ShareAudit) {
        Some(h) => parts.push(("Share audit".to_string(), audit::sections(r, h))),
        None => parts.push(("Shares and quorum".to_string(), quorum)),
    }
    let exceptions: Vec<Vec<String>> = r
        .entries
        .iter()
        .filter(|e| e.is(Action::Exception))
        .map(|e| {
            vec![
                e.seq.to_string(),
                format!("{} ({})", s(e.details.get("step")), s(e.details.get("key"))),
                e.actors.join(", "),
                s(e.details.get("text")),
            ]
        })
        .collect();
    parts.push((
        "Exceptions recorded by the witness".to_string(),
        if exceptions.is_empty() {
            vec![Section::Text("None.".into())]
        } else {
            vec![Section::Table {
                headers: vec![
                    "Entry".into(),
                    "Step".into(),
                    "Witness".into(),
                    "Exception".into(),
                ],
                widths: vec![0.5, 1.8, 1.5, 5.0],
                rows: exceptions,
            }]
        },
    ));
    parts.push((
        "Witness attestations".to_string(),
        if r.attestations.is_empty() {
            vec![Section::Text("None.".into())]
        } else {
            vec![Section::Table {
                headers: vec![
                    "Witness".into(),
                    "Key fingerprint".into(),
                    "Time (UTC)".into(),
                    "Witness list entry".into(),
                ],
                widths: vec![1.6, 3.6, 2.5, 1.0],
                rows: r
                    .attestations
                    .iter()
                    .map(|a| {
                        vec![
                            a.name.clone(),
                            fingerprint_display(&cert::fingerprint(&a.public_key)),
                            a.time.clone(),
                            a.listed_as.clone().unwrap_or_else(|| "not checked".into()),
                        ]
                    })
                    .collect(),
            }]
        },
    ));
    parts.push((
        "Auditors".to_string(),
        vec![
            Section::Text(
                "We replayed this transcript with rootkey and checked the result above.".into(),
            ),
            Section::Signatures(vec![
                "Auditor 1 — name and signature".into(),
                "Auditor 2 — name and signature".into(),
            ]),
        ],
    ));
    Report {
        title: "Ceremony transcript report".into(),
        verdict: verdict_line(r),
        parts,
        footer: format!("{} — SHA-256 {}", r.path, hex::encode(r.file_sha256)),
        rehearsal: h.is_some_and(|h| h.rehearsal),
    }
}

/// Escapes text for a Markdown table cell or line: no markup, no line breaks, no HTML, and
/// no unsafe characters.
fn md(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    for c in t.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if crate::error::is_unsafe_char(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Renders the report as Markdown.
pub fn markdown(rep: &Report) -> String {
    let mut o = String::new();
    o.push_str(&format!("# {}\n\n", md(&rep.title)));
    if rep.rehearsal {
        o.push_str("**REHEARSAL — throwaway key, not a real ceremony.**\n\n");
    }
    o.push_str(&format!("**Result: {}**\n\n", md(&rep.verdict)));
    for (heading, sections) in &rep.parts {
        o.push_str(&format!("## {}\n\n", md(heading)));
        for sec in sections {
            match sec {
                Section::Facts(kv) => {
                    for (k, v) in kv {
                        o.push_str(&format!("- **{}:** {}\n", md(k), md(v)));
                    }
                    o.push('\n');
                }
                Section::Table { headers, rows, .. } => {
                    let hs: Vec<String> = headers.iter().map(|h| md(h)).collect();
                    o.push_str(&format!("| {} |\n", hs.join(" | ")));
                    o.push_str(&format!("|{}\n", "---|".repeat(headers.len())));
                    for r in rows {
                        let cells: Vec<String> = r.iter().map(|c| md(c)).collect();
                        o.push_str(&format!("| {} |\n", cells.join(" | ")));
                    }
                    o.push('\n');
                }
                Section::Text(t) => o.push_str(&format!("{}\n\n", md(t))),
                Section::Signatures(labels) => {
                    for l in labels {
                        o.push_str(&format!(
                            "{}:\n\nName: ______________________________\n\nSignature: __________________________    Date: ______________\n\n",
                            md(l)
                        ));
                    }
                }
            }
        }
    }
    o.push_str(&format!("---\n\n{}\n", md(&rep.footer)));
    o
}

#[cfg(test)]
mod tests;
