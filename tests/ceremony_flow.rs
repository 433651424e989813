//! The step lists drive the ceremonies: a whole `intermediate sign` and a whole `crl sign` run
//! through the library (`ceremony::intermediate::run`, `ceremony::crl::run`) at a scripted
//! console, the two confirmers typing the code shown, against a rehearsal ceremony made by the
//! binary. The console is told every step of the kind's list, in order (`Console::step`), the
//! transcript holds the steps' entries and verifies; a wrong confirmation code stops the
//! ceremony before anything is signed.

mod common;

use std::path::{Path, PathBuf};

use rootkey::ceremony::steps::{self, Quorum, RotationShape, Step};
use rootkey::ceremony::{self, QuorumArgs};
use rootkey::console::{Channel, Console, Question, Scripted, StepView};
use rootkey::error::{Result, exit};
use rootkey::secret::{SecretBytes, SecretError};

use common::{actions, csr_der_sha256, rehearsal, repo_path, rootkey, s, transcript_entries};

/// A scripted console whose confirmers type the code the prompt shows (or a wrong one): the
/// code of a rotation depends on its random serial, and of a CRL on the clock.
struct Confirmers {
    script: Scripted,
    wrong_codes: bool,
    codes_typed: usize,
}

impl Confirmers {
    fn new(script: Scripted, wrong_codes: bool) -> Confirmers {
        Confirmers {
            script: script
                .line(Question::ConfirmerName { confirmer: 1 }, "Carol Confirmer")
                .line(Question::ConfirmerName { confirmer: 2 }, "Dave Confirmer"),
            wrong_codes,
            codes_typed: 0,
        }
    }
}

impl Console for Confirmers {
    fn ask_secret(
        &mut self,
        question: &Question,
        prompt: &str,
        max: usize,
    ) -> std::result::Result<SecretBytes, SecretError> {
        self.script.ask_secret(question, prompt, max)
    }

    fn ask_line(&mut self, question: &Question, prompt: &str) -> Result<String> {
        match question {
            Question::ConfirmationCode { .. } => {
                self.codes_typed += 1;
                let code = prompt
                    .rsplit("type the code ")
                    .next()
                    .and_then(|c| c.strip_suffix(": "))
                    .expect("the prompt shows the code");
                assert_eq!(code.len(), 9, "{prompt}");
                Ok(if self.wrong_codes {
                    "0000-0000".to_string()
                } else {
                    code.to_lowercase()
                })
            }
            _ => self.script.ask_line(question, prompt),
        }
    }

    fn tell(&mut self, to: Channel, what: &str, text: &str) -> Result<()> {
        self.script.tell(to, what, text)
    }

    fn step(&mut self, step: &StepView) -> Result<()> {
        self.script.step(step)
    }
}

/// The StepViews a run of `list` tells, step by step.
fn views(list: &[Step]) -> Vec<(usize, usize, String, &'static str, &'static str)> {
    list.iter()
        .enumerate()
        .map(|(i, s)| (i + 1, list.len(), s.key(), s.role.as_str(), s.title))
        .collect()
}

fn told(c: &Confirmers) -> Vec<(usize, usize, String, &'static str, &'static str)> {
    c.script
        .steps()
        .iter()
        .map(|v| (v.n, v.total, v.key.clone(), v.role, v.title))
        .collect()
}

/// Shares 1, 3 and 5 of the rehearsal, from their files; the confirmers type.
fn quorum() -> QuorumArgs {
    let c = &rehearsal().c;
    QuorumArgs {
        shares: [1, 3, 5].map(|i| c.share(i).to_path_buf()).to_vec(),
        qr_images: vec![],
        keyboard: false,
        tokens: Default::default(),
        confirm: vec![],
        allow_unlocked_memory: true,
        people: vec![],
    }
}

fn rotation_args(out: &Path) -> ceremony::intermediate::Args {
    let c = &rehearsal().c;
    ceremony::intermediate::Args {
        csr: repo_path("tests/vectors/csr_ed25519.pem"),
        csr_sha256: None,
        profile: repo_path("templates/intermediate.toml"),
        root: c.root.clone(),
        manifest: c.manifest.clone(),
        out: out.to_path_buf(),
        previous: None,
        not_before: None,
        quorum: quorum(),
    }
}

/// `rootkey transcript verify OUT/transcript.jsonl --root ROOT --artifacts OUT`: exit 0, valid
/// and sealed.
fn verifies(out: &Path) {
    let root = out.join("root.pem");
    rootkey([
        "transcript".to_string(),
        "verify".into(),
        s(&out.join("transcript.jsonl")),
        "--root".into(),
        s(&root),
        "--artifacts".into(),
        s(out),
    ])
    .code(0);
}

fn out_dir(name: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().expect("tempdir");
    let out = d.path().join(name);
    (d, out)
}

#[test]
fn a_rotation_tells_every_step_of_its_list_and_its_transcript_verifies() {
    let (_d, out) = out_dir("rotation");
    let csr = repo_path("tests/vectors/csr_ed25519.pem");
    let script = Scripted::new().line(Question::CsrSha256, &csr_der_sha256(&csr));
    let mut console = Confirmers::new(script, false);
    let code = ceremony::intermediate::run(rotation_args(&out), &mut console).expect("signed");
    assert_eq!(code, exit::OK);

    let list = steps::intermediate(
        Quorum::exact(3),
        RotationShape {
            previous: false,
            typed_hash: true,
        },
    );
    assert_eq!(told(&console), views(&list));
    assert_eq!(console.script.steps()[0].id, "type-csr-hash");
    assert_eq!(console.script.steps().last().unwrap().id, "seal-transcript");
    assert_eq!(console.codes_typed, 2);
    assert_eq!(console.script.unanswered(), 0);
    // Nobody asked a question the script did not hold; the summary went to standard output.
    assert!(
        console
            .script
            .text(Channel::Out)
            .contains("INTERMEDIATE SIGNED: "),
        "{}",
        console.script.text(Channel::Out)
    );
    summary_fits_80_columns(&console.script.text(Channel::Terminal), "TO BE SIGNED");
    let entries = transcript_entries(&out.join("transcript.jsonl"));
    let expected: Vec<&str> = steps::records(&list).iter().map(|a| a.as_str()).collect();
    assert_eq!(actions(&entries), expected);
    assert!(out.join(ceremony::INTERMEDIATE_FILE).is_file());
    verifies(&out);
}

#[test]
fn a_crl_tells_every_step_of_its_list_and_its_transcript_verifies() {
    let (_d, out) = out_dir("crl");
    let c = &rehearsal().c;
    let args = ceremony::crl::Args {
        root: c.root.clone(),
        manifest: c.manifest.clone(),
        revoke: vec!["5f:3a:91:keyCompromise".into()],
        previous_crl: None,
        next_update_days: 30,
        out: out.clone(),
        quorum: quorum(),
    };
    let mut console = Confirmers::new(Scripted::new(), false);
    let code = ceremony::crl::run(args, &mut console).expect("signed");
    assert_eq!(code, exit::OK);

    let list = steps::crl(Quorum::exact(3), false);
    assert_eq!(told(&console), views(&list));
    let keys: Vec<&str> = console.script.steps().iter().map(|v| v.id).collect();
    assert_eq!(
        keys[..4],
        ["start-ceremony", "load-context", "prepare-crl", "confirm"]
    );
    assert_eq!(console.codes_typed, 2);
    summary_fits_80_columns(&console.script.text(Channel::Terminal), "TO BE SIGNED");
    let entries = transcript_entries(&out.join("transcript.jsonl"));
    let expected: Vec<&str> = steps::records(&list).iter().map(|a| a.as_str()).collect();
    assert_eq!(actions(&entries), expected);
    assert!(out.join(ceremony::CRL_FILE).is_file());
    verifies(&out);
}

#[test]
fn a_wrong_confirmation_code_aborts_the_rotation_before_signing() {
    let (_d, out) = out_dir("wrong-code");
    let mut args = rotation_args(&out);
    args.csr_sha256 = Some(csr_der_sha256(&args.csr));
    let mut console = Confirmers::new(Scripted::new(), true);
    let e = ceremony::intermediate::run(args, &mut console).expect_err("wrong code");
    assert_eq!(e.exit_code(), exit::INPUT);
    assert_eq!(
        e.message,
        "Carol Confirmer did not type the confirmation code: nothing was signed"
    );
    assert_eq!(console.codes_typed, 3, "three tries");
    // The steps told end at the first confirmation: no share was presented.
    let list = steps::intermediate(Quorum::exact(3), RotationShape::default());
    let at = list.iter().position(|s| s.key() == "confirm-1").unwrap();
    assert_eq!(told(&console), views(&list)[..=at]);
    let entries = transcript_entries(&out.join("transcript.jsonl"));
    assert_eq!(
        actions(&entries),
        [
            "header",
            "context-loaded",
            "csr-checked",
            "certificate-prepared",
            "aborted"
        ]
    );
    assert!(!out.join(ceremony::INTERMEDIATE_FILE).exists());
    assert!(!out.join(ceremony::CHAIN_FILE).exists());
}

/// Every line of the confirmation summary (from its title to the confirmation code) fits an
/// 80-column terminal without wrapping.
fn summary_fits_80_columns(out: &str, title: &str) {
    let start = out.find(title).expect("the summary is shown");
    let end = start
        + out[start..]
            .find("Confirmation code:")
            .expect("the code is shown");
    for line in out[start..end].lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line:?}",
            line.chars().count()
        );
    }
}
