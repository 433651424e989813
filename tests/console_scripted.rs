//! The ceremonies run through a scripted console, without a terminal: shares typed row by row,
//! confirmation codes typed (wrong, then right), the same person twice, the out-of-band CSR
//! hash typed, dice rolls. Everything runs on the vector ceremony's files (tests/vectors), in
//! an in-memory transcript.

mod common;

use rootkey::encoding::time::UtcTime;
use std::path::{Path, PathBuf};

use rootkey::ceremony::{
    self, Context, CrlJob, HashSource, InputFile, Method, generate, intermediate::out_of_band_hash,
};
use rootkey::console::share_input::Source;
use rootkey::console::{Channel, Question, Scripted};
use rootkey::error::{Kind as ErrorKind, exit};
use rootkey::transcript::{Kind, Recorder};

/// 2029-02-01T00:00:00Z, inside the vector root's validity.
const FEB_2029: u64 = 1_864_598_400;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn at(secs: u64) -> UtcTime {
    UtcTime::from_unix_secs(secs).expect("a time inside 1970–9999")
}

fn input(name: &str) -> InputFile {
    InputFile {
        name: name.to_string(),
        bytes: std::fs::read(dir().join(name)).expect("vector file"),
    }
}

fn context() -> Context {
    Context::load(
        &dir().join("manifest_valid.json"),
        &dir().join("cert_valid.pem"),
    )
    .expect("context")
}

fn recorder(ctx: &Context, kind: Kind) -> Recorder {
    let preflight = common::preflight_facts("2029-02-01T00:00:00.000Z", "scripted", "6.1.0");
    Recorder::in_memory(&ceremony::quorum_header(ctx, kind, [9; 16], preflight)).expect("recorder")
}

/// The 13 rows of a vector share file, as printed on paper ("01 XXXX XXXX XXXX").
fn rows(share_file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir().join(share_file)).expect("share");
    let rows: Vec<String> = text
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
        .collect();
    assert_eq!(rows.len(), 13, "{share_file}");
    rows
}

/// `console` with the rows of `files` typed as keyboard shares 1, 2, ….
fn typed_shares(mut console: Scripted, files: &[&str]) -> Scripted {
    for (s, f) in files.iter().enumerate() {
        for (r, row) in rows(f).iter().enumerate() {
            console = console
                .secret(
                    Question::ShareRow {
                        share: s + 1,
                        row: r + 1,
                    },
                    row.as_bytes(),
                )
                .expect("locked memory");
        }
    }
    console
}

fn transcript(rec: &Recorder) -> String {
    String::from_utf8(rec.bytes().expect("in memory").to_vec()).expect("utf-8")
}

#[test]
fn combine_rebuilds_the_key_from_shares_typed_at_the_keyboard() {
    let ctx = context();
    let mut rec = recorder(&ctx, Kind::QuorumCheck);
    let mut console = typed_shares(
        Scripted::new(),
        &[
            "share_valid-2.txt",
            "share_valid-4.txt",
            "share_valid-5.txt",
        ],
    );
    let r = ceremony::combine_with(&mut console, &ctx, keyboard(3), &mut rec).expect("combine");
    let quorum: Vec<u8> = r.quorum.iter().map(|(i, _)| *i).collect();
    assert_eq!(quorum, [2, 4, 5]);
    assert!(r.disagreeing.is_empty() && r.corrections.is_empty());
    assert_eq!(console.unanswered(), 0);
    let err = console.text(Channel::Err);
    assert!(
        err.starts_with("Share 1: scan its QR code with the scanner, or type its 13 rows"),
        "{err}"
    );
    assert_eq!(err.matches("  row 13/13 ok\n").count(), 3, "{err}");
    assert_eq!(console.text(Channel::Out), "");
    let t = transcript(&rec);
    assert_eq!(
        t.matches("\"action\":\"share-presented\"").count(),
        3,
        "{t}"
    );
    assert_eq!(t.matches("\"file\":\"-\"").count(), 3, "{t}");
    assert!(t.contains("\"action\":\"seal\""), "{t}");
    // Nothing typed reaches the transcript.
    for row in rows("share_valid-2.txt") {
        assert!(!t.contains(&row[3..]), "a typed row is in the transcript");
    }
}

#[test]
fn the_same_share_typed_again_asks_for_another_then_is_refused() {
    let ctx = context();
    let mut rec = recorder(&ctx, Kind::QuorumCheck);
    // Share 1 is Bob's; the second share is Bob's again, three times.
    let mut console = typed_shares(Scripted::new(), &["share_valid-2.txt"]);
    for _ in 0..3 {
        for (r, row) in rows("share_valid-2.txt").iter().enumerate() {
            console = console
                .secret(
                    Question::ShareRow {
                        share: 2,
                        row: r + 1,
                    },
                    row.as_bytes(),
                )
                .expect("locked memory");
        }
    }
    let e = ceremony::combine_with(&mut console, &ctx, keyboard(2), &mut rec).expect_err("refused");
    assert_eq!(e.kind, ErrorKind::DuplicateShare);
    assert_eq!(e.exit_code(), exit::INPUT);
    assert_eq!(
        e.message,
        "share 2 (holder \"Bob Example\") is given twice: keyboard entry 1 and keyboard entry 2 hold the same share"
    );
    assert_eq!(console.unanswered(), 0);
    let err = console.text(Channel::Err);
    for n in 1..=2 {
        assert!(
            err.contains(&format!(
                "share 2 (holder \"Bob Example\") was already presented (keyboard entry 1)\n  try {n} of 3: the holder of another share presents theirs\n"
            )),
            "{err}"
        );
    }
    // Only the first presentation is recorded.
    let t = transcript(&rec);
    assert_eq!(
        t.matches("\"action\":\"share-presented\"").count(),
        1,
        "{t}"
    );
}

#[test]
fn crl_signed_after_typed_codes_wrong_then_right() {
    let ctx = context();
    let (root, manifest) = (input("cert_valid.pem"), input("manifest_valid.json"));
    let job = CrlJob {
        ctx: &ctx,
        context_files: [&root, &manifest],
        previous: None,
        revoke: &[],
        this_update: at(FEB_2029),
        next_update_days: 30,
    };
    let out = tempfile::tempdir().expect("tempdir");
    let mut rec = recorder(&ctx, Kind::Crl);
    // The code is only known once the CRL is laid out: a first run that stops at the first
    // code shows it.
    let mut probe = Scripted::new()
        .line(Question::ConfirmerName { confirmer: 1 }, "Carol")
        .line(Question::ConfirmationCode { confirmer: 1 }, "0000-0000");
    let e = ceremony::sign_crl(
        &job,
        ceremony::crl::prepare_crl(&job).expect("prepare"),
        &mut probe,
        vec![],
        out.path(),
        &mut rec,
    )
    .expect_err("stop");
    assert_eq!(e.kind, ErrorKind::Cancelled);
    assert_eq!(
        e.message,
        "scripted console: no answer left for confirmer-1-code at the confirmation prompt (confirmer 1 of 2): nothing was signed"
    );
    let shown = probe.text(Channel::Terminal);
    assert!(
        shown.starts_with("CERTIFICATE REVOCATION LIST TO BE SIGNED\n"),
        "{shown}"
    );
    let code = code_of(&shown);
    assert_eq!(code.len(), 9, "{code}");
    assert!(
        shown.contains(&format!("  Confirmation code: {code}\n")),
        "{shown}"
    );

    // The same person again is asked for another name, three times in all; then refused
    // before any share is asked for. (A CRL's bytes are the same in every run, so the code
    // shown above is the code now.)
    let out = tempfile::tempdir().expect("tempdir");
    let mut rec = recorder(&ctx, Kind::Crl);
    let mut twice = Scripted::new()
        .line(Question::ConfirmerName { confirmer: 1 }, "Carol Confirmer")
        .line(Question::ConfirmationCode { confirmer: 1 }, &code);
    for _ in 0..3 {
        twice = twice.line(
            Question::ConfirmerName { confirmer: 2 },
            " carol confirmer ",
        );
    }
    let e = ceremony::sign_crl(
        &job,
        ceremony::crl::prepare_crl(&job).expect("prepare"),
        &mut twice,
        keyboard(3),
        out.path(),
        &mut rec,
    )
    .expect_err("same person");
    assert_eq!(e.kind, ErrorKind::SamePersonTwice);
    assert_eq!(e.exit_code(), exit::INPUT);
    assert_eq!(
        e.message,
        "\"carol confirmer\" already confirmed: the two-person rule needs two distinct people (try 3 of 3; nothing was signed)"
    );
    assert_eq!(twice.unanswered(), 0);
    assert!(
        !twice
            .asked()
            .iter()
            .any(|q| matches!(q, Question::ShareRow { .. })),
        "no share was asked for"
    );
    assert!(!transcript(&rec).contains("\"action\":\"confirmed\""));

    let out = tempfile::tempdir().expect("tempdir");
    let mut rec = recorder(&ctx, Kind::Crl);
    let console = Scripted::new()
        .line(Question::ConfirmerName { confirmer: 1 }, "Carol Confirmer")
        .line(Question::ConfirmationCode { confirmer: 1 }, "0000-0000")
        .line(
            Question::ConfirmationCode { confirmer: 1 },
            &code.to_lowercase(),
        )
        .line(Question::ConfirmerName { confirmer: 2 }, "Dave Confirmer")
        .line(Question::ConfirmationCode { confirmer: 2 }, &code);
    let mut console = typed_shares(
        console,
        &[
            "share_valid-3.txt",
            "share_valid-4.txt",
            "share_valid-5.txt",
        ],
    );
    let r = ceremony::sign_crl(
        &job,
        ceremony::crl::prepare_crl(&job).expect("prepare"),
        &mut console,
        keyboard(3),
        out.path(),
        &mut rec,
    )
    .expect("crl sign");
    let who: Vec<(&str, Method)> = r
        .confirmations
        .iter()
        .map(|c| (c.name.as_str(), c.method))
        .collect();
    assert_eq!(
        who,
        [
            ("Carol Confirmer", Method::TypedCode),
            ("Dave Confirmer", Method::TypedCode)
        ]
    );
    assert_eq!(console.unanswered(), 0);
    assert!(
        console
            .text(Channel::Terminal)
            .contains("\nthat is not the code shown (try 1 of 3)\n")
    );
    let t = transcript(&rec);
    assert_eq!(t.matches("\"method\":\"typed-code\"").count(), 2, "{t}");
    assert!(t.contains("\"action\":\"crl-issued\""), "{t}");
    assert!(out.path().join(ceremony::CRL_PEM_FILE).is_file());
}

#[test]
fn wrong_codes_stop_a_rotation_before_any_share_is_read() {
    let ctx = context();
    let (root, manifest) = (input("cert_valid.pem"), input("manifest_valid.json"));
    let rotation = common::VectorRotation::load();
    let job = rotation.job(&ctx, [&root, &manifest], at(FEB_2029));
    let out = tempfile::tempdir().expect("tempdir");
    let mut rec = recorder(&ctx, Kind::Rotation);
    let mut console = Scripted::new()
        .line(Question::ConfirmerName { confirmer: 1 }, "Carol")
        .line(Question::ConfirmationCode { confirmer: 1 }, "x")
        .line(Question::ConfirmationCode { confirmer: 1 }, "y")
        .line(Question::ConfirmationCode { confirmer: 1 }, "z");
    let e = ceremony::sign_intermediate(
        &job,
        ceremony::intermediate::prepare_intermediate(&job).expect("prepare"),
        &mut console,
        keyboard(3),
        out.path(),
        &mut rec,
    )
    .expect_err("three wrong codes");
    assert_eq!(e.kind, ErrorKind::ConfirmationRefused);
    assert_eq!(
        e.message,
        "Carol did not type the confirmation code: nothing was signed"
    );
    assert!(
        !console
            .asked()
            .iter()
            .any(|q| matches!(q, Question::ShareRow { .. })),
        "no share was asked for"
    );
    let t = transcript(&rec);
    assert!(t.contains("\"action\":\"certificate-prepared\""), "{t}");
    assert!(!t.contains("\"action\":\"confirmed\""), "{t}");
    assert!(!out.path().join(ceremony::INTERMEDIATE_FILE).exists());
}

#[test]
fn the_csr_hash_is_typed_after_the_csr_is_shown() {
    let path = dir().join("csr_ed25519.pem");
    let bytes = std::fs::read(&path).expect("csr");
    let csr = rootkey::cert::csr::parse(&bytes, "csr").expect("csr");
    let right = hex::encode(csr.sha256);

    let mut c = Scripted::new().line(Question::CsrSha256, &right.to_uppercase());
    assert_eq!(
        out_of_band_hash(&mut c, &path, &csr, None).expect("typed"),
        HashSource::Typed
    );
    let out = c.text(Channel::Out);
    assert!(
        out.starts_with(&format!("CSR {}\n  Subject: ", path.display())),
        "{out}"
    );
    // The CSR's own hash is shown only once the delivered one matched it.
    assert!(
        out.contains(&format!(
            "  Key type: {}\nThe CSR's SHA-256 matches the hash delivered out of band:\n  {} ",
            csr.key_type,
            &right[..4]
        )),
        "{out}"
    );
    let first_groups = format!("{} {}", &right[..4], &right[4..8]);
    assert_eq!(out.matches(&first_groups).count(), 1, "{out}");
    assert_eq!(
        c.shown()
            .iter()
            .filter(|s| matches!(s, rootkey::console::Shown::Asked(..)))
            .count(),
        1
    );

    let mut wrong = right.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = std::str::from_utf8(&wrong).unwrap();
    let mut c = Scripted::new()
        .line(Question::CsrSha256, wrong)
        .line(Question::CsrSha256, wrong);
    let e = out_of_band_hash(&mut c, &path, &csr, None).expect_err("mismatch");
    assert_eq!(e.kind, ErrorKind::HashMismatch);
    assert_eq!(e.exit_code(), exit::VERIFICATION);
    assert!(!c.text(Channel::Out).contains("matches"));

    let mut c = Scripted::new()
        .line(Question::CsrSha256, "not a hash")
        .line(Question::CsrSha256, "not a hash")
        .line(Question::CsrSha256, "not a hash");
    let e = out_of_band_hash(&mut c, &path, &csr, None).expect_err("malformed");
    assert_eq!(e.kind, ErrorKind::TypedValue);
    assert_eq!(e.exit_code(), exit::INPUT);
    assert!(
        e.message.starts_with("the typed CSR hash: not a SHA-256"),
        "{}",
        e.message
    );

    // Given on the command line: nothing is shown or asked.
    let mut c = Scripted::new();
    assert_eq!(
        out_of_band_hash(&mut c, &path, &csr, Some(csr.sha256)).expect("given"),
        HashSource::CommandLine
    );
    assert!(c.shown().is_empty());
}

#[test]
fn dice_rolls_are_asked_hidden() {
    let rolls = "123456 ".repeat(17);
    let mut c = Scripted::new()
        .secret(Question::Dice, rolls.as_bytes())
        .expect("locked memory");
    let dice = generate::read_dice(&mut c).expect("dice");
    assert_eq!(dice.len(), 102);
    assert!(
        c.text(Channel::Err)
            .starts_with("Roll a six-sided die at least 99 times"),
        "{}",
        c.text(Channel::Err)
    );
    assert_eq!(
        c.shown().last(),
        Some(&rootkey::console::Shown::Asked(
            Question::Dice,
            "dice rolls (hidden): ".into()
        ))
    );
    // A slip is asked for again, three times in all.
    let mut c = Scripted::new();
    for _ in 0..3 {
        c = c
            .secret(Question::Dice, &[b'1'; 1025])
            .expect("locked memory");
    }
    let e = generate::read_dice(&mut c).expect_err("too long");
    assert_eq!(e.kind, ErrorKind::Dice);
    assert_eq!(
        e.message,
        "dice rolls: input too long (more than 1024 characters were typed) (try 3 of 3; no key was made)"
    );
    assert_eq!(c.unanswered(), 0);
}

fn keyboard(n: usize) -> Vec<Source> {
    (0..n).map(|_| Source::Keyboard).collect()
}

/// The confirmation code in a summary shown at the terminal.
fn code_of(shown: &str) -> String {
    let code = shown
        .lines()
        .find_map(|l| l.strip_prefix("  Confirmation code: "))
        .expect("code")
        .to_string();
    assert_eq!(code.len(), 9, "{code}");
    code
}
