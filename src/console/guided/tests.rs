//! Unit tests of the guided console, with the scripted console.

use super::*;
use crate::console::{Scripted, Shown};

fn builtin(number: usize, key: &str) -> GuidedStep {
    GuidedStep {
        number,
        key: key.into(),
        header: format!("Step {number}/3 · rootkey · {key}"),
        checklist: None,
    }
}

fn view(key: &str, entry: u64) -> StepView {
    StepView {
        n: 1,
        total: 2,
        id: "x",
        key: key.into(),
        role: "rootkey",
        title: "t",
        entry,
    }
}

#[test]
fn checklists_run_before_their_step_and_headers_name_the_entry() {
    let steps = vec![
        GuidedStep {
            number: 1,
            key: "checklist-1".into(),
            header: "Step 1/3 · Witness (Wendy Witness) · Cables".into(),
            checklist: Some(Checklist {
                person: Some("Wendy Witness".into()),
                role: "Witness".into(),
                title: "Cables".into(),
                text: "No cable".into(),
            }),
        },
        builtin(2, "a"),
        builtin(3, "b"),
    ];
    let q = Question::ChecklistInitials { step: 1 };
    let mut inner = Scripted::new().line(q.clone(), "OO").line(q, "ww");
    let mut g = Guided::new(&mut inner, steps);
    g.clear = false;
    g.step(&view("a", 1)).unwrap();
    let acks = g.take_acknowledgements();
    assert_eq!(
        acks,
        [Acknowledgement {
            person: "Wendy Witness".into(),
            initials: "ww".into(),
            step: 1,
            title: "Cables".into(),
            text_sha256: hex::encode(Sha256::digest(b"No cable")),
        }]
    );
    assert!(g.take_acknowledgements().is_empty());
    let e = g.step(&view("c", 2)).unwrap_err();
    assert_eq!(
        e.message,
        "internal error: step c entered where the script has step b"
    );
    let shown: Vec<String> = inner
        .shown()
        .iter()
        .map(|s| match s {
            Shown::Text(_, t) => t.clone(),
            Shown::Asked(q, p) => format!("{}: {p}", q.id()),
        })
        .collect();
    assert_eq!(
        shown,
        [
            "\nStep 1/3 · Witness (Wendy Witness) · Cables\n\
             ───────────────────────────────────────────\nNo cable\n\n",
            "checklist-1-initials: Wendy Witness: once this is done, type your initials: ",
            "those are not the initials of Wendy Witness\n  try 2 of 3: Wendy Witness types their own initials\n",
            "checklist-1-initials: Wendy Witness: once this is done, type your initials: ",
            // Entry 1 + the acknowledgement + the slip of the wrong initials.
            "\nStep 2/3 · rootkey · a\n──────────────────────\ntranscript entry #3\n\n",
        ]
    );
}

#[test]
fn three_wrong_initials_end_with_the_next_step() {
    let c = Checklist {
        person: Some("Wendy Witness".into()),
        role: "Witness".into(),
        title: "Cables".into(),
        text: "No cable".into(),
    };
    let steps = vec![
        GuidedStep {
            number: 1,
            key: "checklist-1".into(),
            header: "Step 1/2 · Witness (Wendy Witness) · Cables".into(),
            checklist: Some(c),
        },
        builtin(2, "a"),
    ];
    let q = Question::ChecklistInitials { step: 1 };
    let mut inner = Scripted::new()
        .line(q.clone(), "OO")
        .line(q.clone(), "W")
        .line(q, "WWW");
    let mut g = Guided::new(&mut inner, steps);
    g.clear = false;
    let e = g.step(&view("a", 1)).unwrap_err();
    assert_eq!(
        e.message,
        "step 1 (Cables): 3 tries, and the initials typed were not those of Wendy Witness"
    );
    assert_eq!(e.exit_code(), crate::error::exit::INPUT);
    assert!(g.take_acknowledgements().is_empty());
}

fn texts(c: &Scripted) -> Vec<String> {
    c.shown()
        .iter()
        .map(|s| match s {
            Shown::Text(_, t) => t.clone(),
            Shown::Asked(q, p) => format!("{}: {p}", q.id()),
        })
        .collect()
}

fn people(g: Guided<'_>) -> Guided<'_> {
    g.with_people(
        None,
        vec!["Ann".into(), "Bob".into()],
        vec!["generate-root-key".into()],
    )
}

fn two_steps() -> Vec<GuidedStep> {
    vec![builtin(1, "a"), builtin(2, "generate-root-key")]
}

#[test]
fn the_exception_keyword_records_an_exception_and_asks_again() {
    let q = Question::CsrSha256;
    let x = Question::ExceptionText { step: 1 };
    let row = Question::ShareRow { share: 1, row: 1 };
    let mut inner = Scripted::new()
        .line(q.clone(), " EXCEPTION ")
        .line(x.clone(), "  Holder 2 arrived late  ")
        .line(q.clone(), "abc")
        .secret(row.clone(), b"EXCEPTION")
        .unwrap()
        .line(x.clone(), "")
        .secret(row.clone(), b"ROW")
        .unwrap();
    let mut g = Guided::new(&mut inner, vec![builtin(1, "a")]).with_people(
        Some("Wendy Witness".into()),
        vec![],
        vec![],
    );
    g.clear = false;
    g.step(&view("a", 1)).unwrap();
    assert_eq!(g.ask_line(&q, "hash: ").unwrap(), "abc");
    // A hidden answer: the keyword fits even where at most 3 characters are asked for.
    assert_eq!(g.ask_secret(&row, "row 1: ", 3).unwrap().as_slice(), b"ROW");
    assert_eq!(
        g.take_records(),
        [Record::Exception(crate::console::ExceptionNote {
            witness: "Wendy Witness".into(),
            step: 1,
            key: "a".into(),
            text: "Holder 2 arrived late".into(),
        })]
    );
    let shown = texts(&inner);
    assert_eq!(
        shown[1..],
        [
            "csr-sha256: hash: ",
            "\nException at step 1 (a). Wendy Witness types it in one line (at most 200\ncharacters; Enter alone records nothing). It is recorded in the transcript\nbefore its next entry.\n",
            "exception-1-text: exception: ",
            "Exception noted for Wendy Witness. The question again:\n",
            "csr-sha256: hash: ",
            "share-1-row-1: row 1: ",
            "\nException at step 1 (a). Wendy Witness types it in one line (at most 200\ncharacters; Enter alone records nothing). It is recorded in the transcript\nbefore its next entry.\n",
            "exception-1-text: exception: ",
            "No exception recorded. The question again:\n",
            "share-1-row-1: row 1: ",
        ]
    );
}

#[test]
fn exceptions_before_the_transcript_without_a_witness_and_after_the_seal() {
    let q = Question::CsrSha256;
    let mut inner = Scripted::new()
        .line(q.clone(), "EXCEPTION")
        .line(Question::ExceptionText { step: 1 }, "early")
        .line(q.clone(), "x");
    let mut g = Guided::new(&mut inner, vec![builtin(1, "a")]).with_people(
        Some("Wendy Witness".into()),
        vec![],
        vec![],
    );
    g.ask_line(&q, "hash: ").unwrap();
    assert_eq!(g.take_records().len(), 1);
    assert!(
        texts(&inner)[1]
            .replace('\n', " ")
            .contains("The transcript does not exist yet: it is recorded just after its header.")
    );
    let mut inner = Scripted::new()
        .line(q.clone(), "EXCEPTION")
        .line(q.clone(), "x");
    let mut g = Guided::new(&mut inner, vec![builtin(1, "a")]);
    g.ask_line(&q, "hash: ").unwrap();
    assert!(g.take_records().is_empty());
    assert!(texts(&inner)[1].starts_with("This plan names no witness ([roles] witness)"));
    let mut inner = Scripted::new()
        .line(q.clone(), "EXCEPTION")
        .line(q.clone(), "x");
    let mut g = Guided::new(&mut inner, vec![builtin(1, "a")]).with_people(
        Some("W".into()),
        vec![],
        vec![],
    );
    g.sealed = true;
    g.ask_line(&q, "hash: ").unwrap();
    assert!(g.take_records().is_empty());
    assert!(texts(&inner)[1].starts_with("The transcript is sealed"));
}

#[test]
fn a_critical_step_needs_two_confirmers_typing_its_code() {
    let name = |c| Question::StepConfirmerName {
        step: 2,
        confirmer: c,
    };
    let code = |c| Question::StepCode {
        step: 2,
        confirmer: c,
    };
    let mut inner = Scripted::new()
        .line(name(1), "Mallory")
        .line(name(1), "oscar officer")
        .line(code(1), "y")
        .line(code(1), "7f3a 09c2")
        .line(name(2), "Oscar Officer")
        .line(name(2), "Wendy Witness")
        .line(code(2), "7F3A-09C2");
    let mut g = Guided::new(&mut inner, two_steps()).with_people(
        None,
        vec!["Oscar Officer".into(), "Wendy Witness".into()],
        vec!["generate-root-key".into()],
    );
    g.clear = false;
    g.fixed_code = Some("7F3A-09C2".into());
    g.step(&view("a", 1)).unwrap();
    g.step(&view("generate-root-key", 1)).unwrap();
    assert_eq!(
        g.take_records(),
        [Record::StepConfirmed(crate::console::StepConfirmation {
            names: ["Oscar Officer".into(), "Wendy Witness".into()],
            step: 2,
            key: "generate-root-key".into(),
            code: "7F3A-09C2".into(),
            method: crate::console::Method::TypedCode,
        })]
    );
    let shown = texts(&inner);
    assert_eq!(
        shown[1..],
        [
            "\nStep 2/3 · rootkey · generate-root-key\n──────────────────────────────────────\ntranscript entry #2\n\n",
            "Critical step: two people confirm it before rootkey goes on. Oscar Officer and\nWendy Witness: check that this is step 2, \"t\", of the printed script; then each\ntypes their name and this code:\n\n    7F3A-09C2\n\n",
            "step-2-confirmer-1-name: confirmer 1 of 2, your name: ",
            "\"Mallory\" is not one of the plan's confirmers (Oscar Officer, Wendy Witness)\n  try 2 of 3: confirmer 1, type your name as the plan writes it\n",
            "step-2-confirmer-1-name: confirmer 1 of 2, your name: ",
            "step-2-confirmer-1-code: Oscar Officer, type the code 7F3A-09C2: ",
            "that is not the code on the screen\n  try 2 of 3: Oscar Officer types the code 7F3A-09C2\n",
            "step-2-confirmer-1-code: Oscar Officer, type the code 7F3A-09C2: ",
            "step-2-confirmer-2-name: confirmer 2 of 2, your name: ",
            "Oscar Officer already confirmed: the two-person rule needs two different people\n  try 2 of 3: the other confirmer types their own name as confirmer 2\n",
            "step-2-confirmer-2-name: confirmer 2 of 2, your name: ",
            "step-2-confirmer-2-code: Wendy Witness, type the code 7F3A-09C2: ",
        ]
    );
}

#[test]
fn three_wrong_codes_stop_and_named_confirmers_confirm_by_name() {
    let code = Question::StepCode {
        step: 2,
        confirmer: 1,
    };
    let mut inner = Scripted::new()
        .line(
            Question::StepConfirmerName {
                step: 2,
                confirmer: 1,
            },
            "Ann",
        )
        .line(code.clone(), "1")
        .line(code.clone(), "2")
        .line(code, "3");
    let mut g = people(Guided::new(
        &mut inner,
        vec![builtin(2, "generate-root-key")],
    ));
    g.fixed_code = Some("0000-0000".into());
    let e = g.step(&view("generate-root-key", 1)).unwrap_err();
    assert_eq!(
        e.message,
        "step 2 (t): 3 tries, and Ann did not type the code shown"
    );
    assert_eq!(e.exit_code(), crate::error::exit::INPUT);
    let mut inner = Scripted::new().named_confirmers(&["bob", " Ann "]);
    let mut g = people(Guided::new(
        &mut inner,
        vec![builtin(2, "generate-root-key")],
    ));
    g.fixed_code = Some("0000-0000".into());
    g.step(&view("generate-root-key", 1)).unwrap();
    let Record::StepConfirmed(c) = &g.take_records()[0] else {
        panic!("not a confirmation")
    };
    assert_eq!(c.names, ["bob".to_string(), "Ann".to_string()]);
    assert_eq!(c.method, crate::console::Method::CommandLine);
    let mut inner = Scripted::new().named_confirmers(&["Ann", "Eve"]);
    let mut g = people(Guided::new(
        &mut inner,
        vec![builtin(2, "generate-root-key")],
    ));
    let e = g.step(&view("generate-root-key", 1)).unwrap_err();
    assert_eq!(
        e.message,
        "step 2 (t): \"Eve\" is not one of the plan's confirmers (Ann, Bob)"
    );
    let mut inner = Scripted::new().named_confirmers(&["Ann", "ann"]);
    let mut g = people(Guided::new(
        &mut inner,
        vec![builtin(2, "generate-root-key")],
    ));
    let e = g.step(&view("generate-root-key", 1)).unwrap_err();
    assert!(e.message.contains("cannot confirm twice"), "{}", e.message);
}

#[test]
fn long_text_stops_at_a_more_line_when_paging() {
    let mut inner = Scripted::new()
        .line(Question::More, "")
        .line(Question::More, "");
    let mut g = Guided::new(&mut inner, vec![]);
    g.page = true;
    g.out_tty = Some(true);
    let text: String = (1..=50).map(|i| format!("line {i}\n")).collect();
    g.tell(Channel::Out, "the summary", &text).unwrap();
    let shown = texts(&inner);
    assert_eq!(shown.len(), 5, "{shown:?}");
    assert_eq!(shown[0].lines().count(), PAGE_LINES);
    assert!(shown[0].ends_with("line 22\n"));
    assert_eq!(shown[1], "more: -- more: press Enter --");
    assert!(shown[2].starts_with("line 23\n") && shown[2].ends_with("line 44\n"));
    assert_eq!(
        shown[4],
        "line 45\nline 46\nline 47\nline 48\nline 49\nline 50\n"
    );
    // Not paged where nobody answers at a terminal.
    let mut inner = Scripted::new();
    let mut g = Guided::new(&mut inner, vec![]);
    g.out_tty = Some(true);
    g.tell(Channel::Out, "the summary", &text).unwrap();
    assert_eq!(texts(&inner), [text]);
}

#[test]
fn lines_wider_than_the_screen_are_broken_keeping_their_indent() {
    let mut inner = Scripted::new();
    let mut g = Guided::new(&mut inner, vec![]);
    let long = format!("  {}\nshort\n", "word ".repeat(20).trim_end());
    g.tell(Channel::Err, "x", &long).unwrap();
    g.tell(Channel::Out, "x", &long).unwrap();
    let shown = texts(&inner);
    assert_eq!(
        shown[0],
        format!(
            "  {}\n  {}\nshort\n",
            "word ".repeat(15).trim_end(),
            "word ".repeat(5).trim_end()
        )
    );
    assert_eq!(shown[1], long, "standard output is left as written");
}
