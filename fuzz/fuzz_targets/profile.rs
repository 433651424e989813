//! The profile parsers: the root profile (`cert::RootProfile::from_toml`, templates/root.toml,
//! and the subject it gives), the intermediate profile (`cert::profile::IntermediateProfile::
//! from_toml`, templates/intermediate.toml, and its subject patterns) and the paper layout
//! (`paper::PaperLayout::from_toml`, templates/paper.toml). The first byte picks the parser;
//! the rest is the TOML text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rootkey::cert::RootProfile;
use rootkey::cert::profile::IntermediateProfile;
use rootkey::paper::PaperLayout;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match pick % 3 {
        0 => {
            if let Ok(p) = RootProfile::from_toml(text, "root.toml") {
                let _ = p.subject_name(true);
                let _ = p.subject_name(false);
            }
        }
        1 => {
            if let Ok(p) = IntermediateProfile::from_toml(text, "intermediate.toml") {
                let _ = p.total_days();
                let _ =
                    p.subject_allowed("CN=Example Corp Intermediate CA 2029,O=Example Corp,C=US");
                let _ = p.check_request("CN=x", &[], "CSR req.pem");
            }
        }
        _ => {
            let _ = PaperLayout::from_toml(text, "paper.toml");
        }
    }
});
