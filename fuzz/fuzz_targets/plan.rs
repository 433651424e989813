//! The plan parser (`plan::Plan::parse`: v1 and v2 plans, ceremony-scripts/*.toml), then what
//! a ceremony derives from a plan that parsed: its participants, the paper layout for it, and
//! the kind checks of each command.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootkey::paper::{DEFAULT_PAPER_LAYOUT, PaperLayout};
use rootkey::plan::Plan;
use std::sync::LazyLock;

static LAYOUT: LazyLock<PaperLayout> =
    LazyLock::new(|| PaperLayout::from_toml(DEFAULT_PAPER_LAYOUT, "paper.toml").expect("layout"));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = Plan::parse(text, "plan.toml") else {
        return;
    };
    let _ = plan.version();
    let _ = plan.kind();
    let _ = rootkey::transcript::plan_participants(&plan);
    let _ = LAYOUT.for_plan(&plan);
});
