//! The step list of a ceremony, driving it: a [`Flow`] is a kind's list ([`super::steps`])
//! with a cursor, and a [`Run`] is a flow with the console it tells and the transcript it
//! writes. Each step of a ceremony's code enters its step by id ([`Run::enter`]), which tells
//! the console ([`Console::step`]: number, total, role, title) and fails with an internal
//! error — never a panic — unless it is the next step of the list and the step before it has
//! written its entry; a step writes exactly its own entry ([`Run::entry`], [`Entry::record`]),
//! whose action must be the one the list says.
//!
//! The ceremonies are written as typed stages over a `Run` ([`super::stages`] and the kinds'
//! own), each consuming the one before, so that the code cannot skip or reorder a stage at
//! compile time, and this cursor checks at run time that the stages follow the list.

use super::steps::Step;
use crate::console::{Console, Record, StepView};
use crate::error::{Error, Kind, Result};
use crate::key::RootKey;
use crate::transcript::Recorder;
use crate::transcript::event::{self, Action, Event};

/// A ceremony kind's step list with a cursor (see the module documentation).
#[derive(Clone, Debug)]
pub struct Flow {
    steps: Vec<Step>,
    /// The index of the next step to enter.
    next: usize,
    /// The entry the current step has still to write.
    owed: Option<Action>,
    /// The `seq` of the next transcript entry, told to the console with each step
    /// ([`StepView::entry`]); kept by [`Run::enter`].
    next_entry: u64,
}

/// An internal error: the code of a ceremony and its step list disagree.
fn internal(message: String) -> Error {
    Error::new(Kind::Internal, format!("internal error: {message}"))
        .hint("nothing more was done; report this as a bug in rootkey")
}

impl Flow {
    /// A flow at the first step of `steps`.
    pub fn new(steps: Vec<Step>) -> Flow {
        Flow {
            steps,
            next: 0,
            owed: None,
            next_entry: 0,
        }
    }

    /// A flow at the first step `id` of `steps`: the steps before it were done by the caller
    /// (a library caller that wrote the earlier entries itself) and are not shown.
    pub fn resume_at(steps: Vec<Step>, id: &str) -> Result<Flow> {
        let next = steps
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| internal(format!("no step {id} in the step list")))?;
        Ok(Flow {
            steps,
            next,
            owed: None,
            next_entry: 0,
        })
    }

    /// The whole list.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The step at `i` as the console sees it.
    fn view(&self, i: usize) -> StepView {
        let s = &self.steps[i];
        StepView {
            n: i + 1,
            total: self.steps.len(),
            id: s.id,
            key: s.key(),
            role: s.role.as_str(),
            title: s.title,
            // `start-ceremony`'s entry is the header, written with the transcript (seq 0).
            entry: if s.records == Some(Action::Header) {
                0
            } else {
                self.next_entry
            },
        }
    }

    /// Enters step `id` (see the module documentation) and tells `console`.
    pub fn enter(&mut self, console: &mut dyn Console, id: &str) -> Result<Step> {
        if let Some(owed) = self.owed {
            return Err(internal(format!(
                "step {} entered before step {} wrote its {} entry",
                id,
                self.steps[self.next - 1].key(),
                owed.as_str()
            )));
        }
        let Some(step) = self.steps.get(self.next).copied() else {
            return Err(internal(format!(
                "step {id} entered after the last step of the list"
            )));
        };
        if step.id != id {
            return Err(internal(format!(
                "step {id} entered where the list has step {} ({} of {})",
                step.key(),
                self.next + 1,
                self.steps.len()
            )));
        }
        console.step(&self.view(self.next))?;
        self.next += 1;
        self.owed = step.records;
        Ok(step)
    }

    /// Checks that the current step owes `action` and marks it written.
    fn pay(&mut self, action: Action) -> Result<()> {
        let key = match self.next.checked_sub(1) {
            Some(i) => self.steps[i].key(),
            None => "(none)".into(),
        };
        match self.owed {
            Some(a) if a == action => {
                self.owed = None;
                Ok(())
            }
            Some(a) => Err(internal(format!(
                "step {key} wrote a {} entry, its step records {}",
                action.as_str(),
                a.as_str()
            ))),
            None => Err(internal(format!(
                "step {key} wrote a {} entry, but it records none (or has written it)",
                action.as_str()
            ))),
        }
    }

    /// Whether every step has been entered and written.
    pub fn is_done(&self) -> bool {
        self.next == self.steps.len() && self.owed.is_none()
    }
}

/// A ceremony in progress: its [`Flow`], the console it asks and tells, the transcript it
/// writes. The stages of a ceremony own one each, in turn.
pub struct Run<'r> {
    pub(super) flow: Flow,
    /// The ceremony's console.
    pub(super) console: &'r mut dyn Console,
    /// The ceremony's transcript.
    pub(super) rec: &'r mut Recorder,
}

impl Drop for Run<'_> {
    /// What the console handed over that no entry has taken yet — an exception typed just
    /// before a failure — is written before the `aborted` entry the caller then writes (not
    /// after an interruption, when only `aborted` is accepted, nor after the seal).
    fn drop(&mut self) {
        if !self.rec.is_closed() && crate::transcript::interruption().is_none() {
            // A failure here leaves the `aborted` entry to say why the ceremony stopped.
            let _ = write_records(self.rec, self.console.take_records());
        }
    }
}

/// The transcript entry the current step writes (one, of the step's action).
pub struct Entry<'a> {
    flow: &'a mut Flow,
    rec: &'a mut Recorder,
    /// What the console handed over during the step (an exception typed at one of its
    /// prompts), written just before the step's entry.
    pending: Vec<Record>,
}

impl Entry<'_> {
    /// Writes `event`, done by `actors`, which must be the step's entry.
    pub fn record(self, actors: &[&str], event: impl Into<Event>) -> Result<()> {
        let event = event.into();
        self.flow.pay(event.action())?;
        write_records(self.rec, self.pending)?;
        self.rec.record(actors, event)
    }
}

/// Writes what a console handed over ([`Console::take_records`]), in order.
fn write_records(rec: &mut Recorder, records: Vec<Record>) -> Result<()> {
    for r in records {
        match r {
            Record::Acknowledged(a) => rec.record(
                &[a.person.as_str()],
                event::ChecklistAcknowledged {
                    initials: a.initials,
                    step: a.step as u64,
                    title: a.title,
                    text_sha256: a.text_sha256,
                },
            )?,
            Record::Exception(x) => rec.record(
                &[x.witness.as_str()],
                event::Exception {
                    key: x.key,
                    step: x.step as u64,
                    text: x.text,
                },
            )?,
            Record::StepConfirmed(c) => rec.record(
                &[c.names[0].as_str(), c.names[1].as_str()],
                event::StepConfirmed {
                    code: c.code,
                    key: c.key,
                    method: c.method,
                    step: c.step as u64,
                },
            )?,
        }
    }
    Ok(())
}

impl<'r> Run<'r> {
    /// A run of `flow` at `console`, writing `rec`.
    pub fn new(flow: Flow, console: &'r mut dyn Console, rec: &'r mut Recorder) -> Run<'r> {
        Run { flow, console, rec }
    }

    /// Enters step `id` ([`Flow::enter`]), unless the ceremony was interrupted; the
    /// transcript notes the step, which an `aborted` entry names.
    pub fn enter(&mut self, id: &str) -> Result<Step> {
        if let Some(e) = crate::transcript::interruption() {
            return Err(e);
        }
        self.flow.next_entry = self.rec.len();
        if self.console.shows_steps() {
            self.rec.durable()?;
        }
        let step = self.flow.enter(self.console, id)?;
        // The checklist steps the console ran before this one (and the witness's exceptions,
        // the step confirmations), recorded before its entry (`start-ceremony`'s is the
        // header, written already).
        write_records(self.rec, self.console.take_records())?;
        let v = self.flow.view(self.flow.next - 1);
        self.rec
            .at_step(format!("step {}/{} {} ({})", v.n, v.total, v.key, v.title));
        Ok(step)
    }

    /// The entry the current step writes.
    pub fn entry(&mut self) -> Entry<'_> {
        let pending = self.console.take_records();
        Entry {
            flow: &mut self.flow,
            rec: self.rec,
            pending,
        }
    }

    /// Enters step `id` and returns the entry it writes.
    pub fn at(&mut self, id: &str) -> Result<Entry<'_>> {
        self.enter(id)?;
        Ok(self.entry())
    }

    /// Step `seal-transcript`: `key` seals the transcript, then is wiped.
    pub fn seal(&mut self, key: RootKey) -> Result<()> {
        self.enter(super::steps::SEAL.id)?;
        self.flow.pay(Action::Seal)?;
        self.rec.seal(&key)?;
        drop(key);
        Ok(())
    }

    /// Step `start-ceremony`, whose entry is the header the recorder wrote when it was
    /// created: it must be the transcript's only entry.
    pub fn start(&mut self) -> Result<()> {
        let len = self.rec.len();
        self.enter(super::steps::START.id)?;
        self.flow.pay(Action::Header)?;
        if len != 1 {
            return Err(internal(format!(
                "the ceremony starts on a transcript of {len} entries, not on its header alone"
            )));
        }
        Ok(())
    }

    /// The ceremony's end: every step of the list was entered and wrote its entry.
    pub fn finish(self) -> Result<()> {
        if self.flow.is_done() {
            return Ok(());
        }
        Err(internal(match self.flow.steps.get(self.flow.next) {
            Some(s) => format!(
                "the ceremony ended before step {} ({} of {})",
                s.key(),
                self.flow.next + 1,
                self.flow.steps.len()
            ),
            None => "the ceremony ended before its last step wrote its entry".into(),
        }))
    }

    /// The ceremony's transcript, for what is not a step of its own (its kind, its id).
    pub fn recorder(&self) -> &Recorder {
        self.rec
    }

    /// The ceremony's console, to ask or show a person something: the transcript is written
    /// up to date first ([`Recorder::durable`]), so that no one acts on a ceremony whose
    /// transcript is not on disk.
    pub fn console(&mut self) -> Result<&mut dyn Console> {
        self.rec.durable()?;
        Ok(self.console)
    }

    /// The ceremony's console for a read that asks and shows nothing (a share already read
    /// from its file or photo before the ceremony started): the transcript may stay held.
    pub fn quiet_console(&mut self) -> &mut dyn Console {
        self.console
    }

    /// Writes the transcript up to date ([`Recorder::durable`]): before an output is written.
    pub fn durable(&mut self) -> Result<()> {
        self.rec.durable()
    }

    /// The flow.
    pub fn flow(&self) -> &Flow {
        &self.flow
    }
}

#[cfg(test)]
mod tests {
    use super::super::steps::{self, Quorum};
    use super::*;
    use crate::console::Scripted;

    fn flow() -> Flow {
        Flow::new(steps::quorum_check(Quorum::exact(2)))
    }

    #[test]
    fn steps_are_entered_in_order_and_told_to_the_console() {
        let mut f = flow();
        let mut c = Scripted::new();
        f.enter(&mut c, "start-ceremony").unwrap();
        f.pay(Action::Header).unwrap();
        f.enter(&mut c, "load-context").unwrap();
        f.pay(Action::ContextLoaded).unwrap();
        f.enter(&mut c, "present-share").unwrap();
        let v: Vec<(usize, usize, &str, String)> = c
            .steps()
            .iter()
            .map(|s| (s.n, s.total, s.role, s.key.clone()))
            .collect();
        assert_eq!(
            v,
            [
                (1, 6, "Ceremony officer", "start-ceremony".to_string()),
                (2, 6, "rootkey", "load-context".to_string()),
                (3, 6, "Holder", "present-share-1".to_string()),
            ]
        );
        assert_eq!(c.steps()[2].title, "Present your share");
        assert!(!f.is_done());
    }

    #[test]
    fn a_skipped_reordered_or_unwritten_step_is_an_internal_error() {
        let mut c = Scripted::new();
        let mut f = flow();
        let e = f.enter(&mut c, "load-context").unwrap_err();
        assert_eq!(
            e.message,
            "internal error: step load-context entered where the list has step start-ceremony (1 of 6)"
        );
        assert_eq!(e.exit_code(), crate::error::exit::ENVIRONMENT);
        f.enter(&mut c, "start-ceremony").unwrap();
        let e = f.enter(&mut c, "load-context").unwrap_err();
        assert_eq!(
            e.message,
            "internal error: step load-context entered before step start-ceremony wrote its header entry"
        );
        let e = f.pay(Action::KeyRebuilt).unwrap_err();
        assert_eq!(
            e.message,
            "internal error: step start-ceremony wrote a key-rebuilt entry, its step records header"
        );
        f.pay(Action::Header).unwrap();
        assert!(f.pay(Action::Header).is_err(), "one entry per step");
        assert!(Flow::resume_at(steps::quorum_check(Quorum::exact(2)), "no-such").is_err());
        let mut f =
            Flow::resume_at(steps::quorum_check(Quorum::exact(2)), "seal-transcript").unwrap();
        f.enter(&mut c, "seal-transcript").unwrap();
        f.pay(Action::Seal).unwrap();
        assert!(f.is_done());
        let e = f.enter(&mut c, "seal-transcript").unwrap_err();
        assert!(e.message.contains("after the last step"), "{}", e.message);
    }

    #[test]
    fn a_ceremony_that_ends_early_is_an_internal_error() {
        let mut rec = Recorder::in_memory(&header()).unwrap();
        let mut c = Scripted::new();
        let mut run = Run::new(flow(), &mut c, &mut rec);
        run.start().unwrap();
        let e = run.finish().unwrap_err();
        assert_eq!(
            e.message,
            "internal error: the ceremony ended before step load-context (2 of 6)"
        );
    }

    fn header() -> crate::transcript::HeaderInfo {
        crate::transcript::HeaderInfo {
            ceremony_id: [1; 16],
            kind: crate::transcript::Kind::QuorumCheck,
            name: "t".into(),
            rehearsal: true,
            plan: None,
            quorum: (2, 3),
            participants: vec![],
            preflight: serde_json::json!({}),
        }
    }

    #[test]
    fn an_entry_of_another_action_is_not_written() {
        let mut rec = Recorder::in_memory(&header()).unwrap();
        let mut c = Scripted::new();
        let mut run = Run::new(flow(), &mut c, &mut rec);
        run.start().unwrap();
        let e = run
            .at("load-context")
            .unwrap()
            .record(&["rootkey"], event::KeyWiped {})
            .unwrap_err();
        assert!(
            e.message.contains("wrote a key-wiped entry"),
            "{}",
            e.message
        );
        drop(run);
        assert_eq!(rec.len(), 1, "nothing written");
    }

    /// A console that hands over one exception per step it enters.
    struct Excepting(Scripted, u64);

    impl Console for Excepting {
        fn ask_secret(
            &mut self,
            q: &crate::console::Question,
            p: &str,
            max: usize,
        ) -> std::result::Result<crate::secret::SecretBytes, crate::secret::SecretError> {
            self.0.ask_secret(q, p, max)
        }
        fn ask_line(&mut self, q: &crate::console::Question, p: &str) -> Result<String> {
            self.0.ask_line(q, p)
        }
        fn tell(&mut self, to: crate::console::Channel, what: &str, text: &str) -> Result<()> {
            self.0.tell(to, what, text)
        }
        fn step(&mut self, _: &StepView) -> Result<()> {
            self.1 += 1;
            Ok(())
        }
        fn take_records(&mut self) -> Vec<Record> {
            (0..std::mem::take(&mut self.1))
                .map(|_| {
                    Record::Exception(crate::console::ExceptionNote {
                        witness: "Wendy".into(),
                        step: 2,
                        key: "load-context".into(),
                        text: "late".into(),
                    })
                })
                .collect()
        }
    }

    #[test]
    fn records_are_written_before_the_next_entry_and_before_an_abort() {
        let mut rec = Recorder::in_memory(&header()).unwrap();
        let mut c = Excepting(Scripted::new(), 0);
        let mut run = Run::new(flow(), &mut c, &mut rec);
        run.start().unwrap();
        // Entered: the console's record is written before the step's own entry.
        run.enter("load-context").unwrap();
        c_len(&run, 3);
        drop(run);
        assert_eq!(rec.len(), 3, "nothing pending at the drop");
        let mut c = Excepting(Scripted::new(), 1);
        let run = Run::new(flow(), &mut c, &mut rec);
        // A record still pending when the run fails is written before `aborted`.
        drop(run);
        assert_eq!(rec.len(), 4);
        rec.abort("failed").unwrap();
        let text = String::from_utf8(rec.bytes().unwrap().to_vec()).unwrap();
        let actions: Vec<&str> = text
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                match v["action"].as_str().unwrap() {
                    "exception" => "exception",
                    "header" => "header",
                    "aborted" => "aborted",
                    _ => "other",
                }
            })
            .collect();
        assert_eq!(
            actions,
            ["header", "exception", "exception", "exception", "aborted"]
        );
    }

    fn c_len(run: &Run<'_>, n: u64) {
        assert_eq!(run.recorder().len(), n);
    }
}
