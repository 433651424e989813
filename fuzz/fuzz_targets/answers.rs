//! The answers file of `rootkey run --answers` (`console::answers::Answers::parse`, a parser
//! written by hand over locked memory), then the checks of its ids against a plan's questions.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootkey::console::answers::{Answers, known_id};

fuzz_target!(|data: &[u8]| {
    let Ok(a) = Answers::parse(data, "answers.toml") else {
        return;
    };
    let _ = a.ids();
    let _ = a.check_ids(|id| known_id(id, 5, &[1, 2, 3]), "the plan");
    let _ = a.unused();
});
