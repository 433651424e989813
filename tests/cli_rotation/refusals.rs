//! What is refused: bad CSRs, wrong out-of-band hashes, forbidden extensions and too few or
//! duplicate confirmers before the ceremony starts (no output directory); too few or foreign
//! shares abort the ceremony without signing; a profile that would outlive the root.

use std::fs;

use crate::common::{self, Ceremony, rehearsal as fixture, s, sh_ok};
use crate::fixture::*;

#[test]
fn bad_csrs_and_wrong_hashes_are_refused_before_any_share() {
    let f = fixture();
    let work = f.dir.join("bad");
    fs::create_dir_all(&work).unwrap();
    let good = common::openssl_csr(&work, "good", "p256", SUBJECT);
    // Tampered signature: flip the last byte of the DER (inside the signature).
    let mut der = sh_ok_bytes("openssl req -in good.csr -outform DER", &work);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    fs::write(work.join("tampered.der"), &der).unwrap();
    let out = work.join("o1");
    refused_before_start(
        &sign(&work.join("tampered.der"), &out, &[]),
        &out,
        common::VERIFICATION,
        &["tampered.der", "self-signature does not verify"],
    );
    // A subject the profile does not allow.
    let evil = common::openssl_csr(&work, "evil", "p256", "/CN=Mallory Intermediate CA");
    let out = work.join("o2");
    refused_before_start(
        &sign(&evil, &out, &[]),
        &out,
        common::INPUT,
        &["\"CN=Mallory Intermediate CA\" is not allowed by the profile"],
    );
    // RSA 1024.
    let weak = common::openssl_csr(&work, "weak", "rsa1024", SUBJECT);
    let out = work.join("o3");
    refused_before_start(
        &sign(&weak, &out, &[]),
        &out,
        common::INPUT,
        &["1024", "2048"],
    );
    // Garbage.
    fs::write(work.join("garbage.csr"), b"\x00\x01 this is not a CSR \xff").unwrap();
    let out = work.join("o4");
    let r = sign_as(
        &f.c,
        &work.join("garbage.csr"),
        &"00".repeat(32),
        &out,
        &[
            "--confirm",
            "A",
            "--confirm",
            "B",
            "--share",
            &s(f.c.share(1)),
        ],
    );
    refused_before_start(&r, &out, common::INPUT, &["garbage.csr"]);
    // A wrong out-of-band hash.
    let out = work.join("o5");
    let r = sign_as(
        &f.c,
        &good,
        &"ab".repeat(32),
        &out,
        &[
            "--confirm",
            "A",
            "--confirm",
            "B",
            "--share",
            &s(f.c.share(1)),
        ],
    );
    refused_before_start(
        &r,
        &out,
        common::VERIFICATION,
        &["does not match the hash delivered out of band"],
    );
    // A forbidden requested extension (nameConstraints is not in the profile's allow-list).
    fs::write(
        work.join("nc.cnf"),
        "[req]\ndistinguished_name=dn\nreq_extensions=ext\n[dn]\n[ext]\nnameConstraints=critical,permitted;DNS:example.com\n",
    )
    .unwrap();
    sh_ok(
        &format!("openssl req -new -key good.key -subj '{SUBJECT}' -config nc.cnf -out nc.csr"),
        &work,
    );
    let out = work.join("o6");
    refused_before_start(
        &sign(&work.join("nc.csr"), &out, &[]),
        &out,
        common::INPUT,
        &["nameConstraints", "forbids"],
    );
    // One confirmer; the same confirmer twice.
    let out = work.join("o7");
    let r = sign(&good, &out, &["--confirm", "Ann Officer"]);
    refused_before_start(&r, &out, common::INPUT, &["two-person rule"]);
    let out = work.join("o8");
    let r = sign(&good, &out, &["--confirm", "Ann", "--confirm", " ann "]);
    r.code(common::INPUT).stderr_has(&["two distinct people"]);
}

#[test]
fn too_few_or_foreign_shares_are_refused_before_anyone_confirms() {
    let f = fixture();
    let work = f.dir.join("shares");
    fs::create_dir_all(&work).unwrap();
    let csr = common::openssl_csr(&work, "k", "ed25519", SUBJECT);
    // Two share files for a threshold of 3, and no --type: refused before anything starts.
    let out = work.join("few");
    let r = sign(
        &csr,
        &out,
        &["--share", &s(f.c.share(1)), "--share", &s(f.c.share(2))],
    );
    refused_before_start(
        &r,
        &out,
        common::INPUT,
        &[
            "2 share(s) given and no --type: the threshold is 3, 1 more needed",
            "— the ceremony did not start; nothing was signed",
            "or add --type",
        ],
    );
    // A share from another ceremony: found before anyone confirms.
    let other = Ceremony::rehearse(&work.join("other"));
    let out = work.join("foreign");
    let r = sign(
        &csr,
        &out,
        &[
            "--share",
            &s(f.c.share(1)),
            "--share",
            &s(f.c.share(2)),
            "--share",
            &s(other.share(3)),
        ],
    );
    refused_before_start(
        &r,
        &out,
        common::VERIFICATION,
        &["share 3", "another ceremony", "the ceremony did not start"],
    );
}

#[test]
fn a_profile_outliving_the_root_is_refused() {
    let f = fixture();
    let work = f.dir.join("short-root");
    fs::create_dir_all(&work).unwrap();
    // A root valid for one year: 365 + 90 days cannot fit.
    let rp = work.join("root-1y.toml");
    fs::write(
        &rp,
        "validity_years = 1\npath_len = 1\n[subject]\ncommon_name = \"Short Root\"\n",
    )
    .unwrap();
    let plan = common::text_rehearsal_plan();
    common::generate_run(&plan, &work.join("root"), &["--profile", &s(&rp)]).ok();
    let c = Ceremony::open(&work.join("root"));
    let csr = common::openssl_csr(&work, "k", "p256", SUBJECT);
    let out = work.join("out");
    let r = sign_as(
        &c,
        &csr,
        &common::csr_der_sha256(&csr),
        &out,
        &["--confirm", "A", "--confirm", "B"],
    );
    refused_before_start(
        &r,
        &out,
        common::INPUT,
        &["past the root certificate's notAfter"],
    );
}
