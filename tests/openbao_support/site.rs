//! The site the guide's commands run in, and small helpers: the flags standing for people at
//! the prompts, certificate times, and the leak check of a guide block's output.

use std::fs;
use std::path::{Path, PathBuf};

use super::guide::BlockRun;
use crate::common::{self, Ceremony, s, sh_stdout};

/// One day in seconds.
pub const DAY: i64 = 86_400;

/// The flags standing for what people do at a ceremony's prompts: shares 1, 2 and 3, the two
/// confirmers, and the test machine's network exception.
pub fn quorum_flags(c: &Ceremony) -> Vec<String> {
    let mut a = common::share_args(c, &[1, 2, 3]);
    a.extend(common::CONFIRMERS.map(String::from));
    a.extend([
        "--allow-network".to_string(),
        common::TEST_NETWORK_EXCEPTION.to_string(),
    ]);
    a
}

/// A rehearsal root (five text shares) in `tmp/ceremony`, and the site directory the guide's
/// commands run in: root.pem, manifest.json and the shipped `templates/intermediate.toml`.
pub fn ceremony_and_site(tmp: &Path) -> (Ceremony, PathBuf) {
    let c = Ceremony::rehearse(&tmp.join("ceremony"));
    let site = tmp.join("site");
    fs::create_dir_all(site.join("templates")).unwrap();
    fs::copy(&c.root, site.join("root.pem")).unwrap();
    fs::copy(&c.manifest, site.join("manifest.json")).unwrap();
    fs::copy(
        common::repo_path("templates/intermediate.toml"),
        site.join("templates/intermediate.toml"),
    )
    .unwrap();
    (c, site)
}

/// notBefore (`startdate`) or notAfter (`enddate`) of a certificate, in seconds since 1970.
pub fn cert_time(cert: &Path, which: &str) -> i64 {
    let script = format!(
        "date -u -d \"$(openssl x509 -in '{}' -noout -{which} | cut -d= -f2)\" +%s",
        s(cert)
    );
    sh_stdout(&script, Path::new("/")).trim().parse().unwrap()
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a time in seconds since 1970.
pub fn iso(t: i64) -> String {
    sh_stdout(
        &format!("date -u -d @{t} +%Y-%m-%dT%H:%M:%SZ"),
        Path::new("/"),
    )
    .trim()
    .to_string()
}

/// Asserts that no share row of `c` appears in what a guide block printed.
pub fn no_secrets(r: &BlockRun, c: &Ceremony) {
    let all = format!("{}{}", r.stdout, r.stderr);
    for p in &c.secrets.0 {
        assert!(
            !all.contains(p.as_str()),
            "openbao/{} printed a share row",
            r.name
        );
    }
}
