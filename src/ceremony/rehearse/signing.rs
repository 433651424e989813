//! Rehearsals of the signing ceremonies (`rootkey rehearse --kind rotation|crl`): a throwaway
//! rehearsal root (the bundled rehearsal plan with every share as a text file), then the real
//! `intermediate sign` over a throwaway CSR made here — an Ed25519 key generated in-process,
//! no openssl — with the quorum read back from the rehearsal's own shares 1, 3 and 5 and the
//! plan's ceremony officer and witness as the two confirmers; for a CRL, then the real
//! `crl sign` of a first CRL revoking that rehearsal intermediate. Each part has its own
//! output directory and transcript under `OUT`: `root/`, `rotation/`, `crl/`.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use der::{Decode, DecodePem, Encode, EncodePem, pem::LineEnding};
use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};
use x509_cert::request::{CertReq, CertReqInfo, Version};
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::ceremony::{crl, generate, intermediate, quorum::QuorumArgs};
use crate::console::{Console, NamedConfirmers};
use crate::error::{Error, Kind, Result, exit};
use crate::fsio;
use crate::plan::Plan;

/// What a signing rehearsal goes as far as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningKind {
    /// Root, then the rotation (an intermediate signed from a throwaway CSR).
    Rotation,
    /// Root, rotation, then a first CRL revoking the rehearsal intermediate.
    Crl,
}

/// The subject of the throwaway CSR: allowed by the bundled intermediate profile
/// (`CN=Example Corp Intermediate CA prod/*`) and marked as a rehearsal.
pub const REHEARSAL_CSR_SUBJECT: &str = "CN=Example Corp Intermediate CA prod/REHEARSAL";

/// The bundled rehearsal plan with every holder on a text share (the signing ceremonies read
/// them back from their files).
pub fn text_rehearsal_plan() -> String {
    crate::plan::REHEARSAL_PLAN.replace("medium = \"paper\"", "medium = \"text\"")
}

/// `rootkey rehearse --kind rotation|crl --out OUT`: the root at `console`, then the signing
/// ceremonies with the plan's ceremony officer and witness named as confirmers. Returns the
/// exit code of the first part that does not succeed, or success.
pub fn run(
    kind: SigningKind,
    out: &Path,
    allow_unlocked_memory: bool,
    console: &mut dyn Console,
) -> Result<i32> {
    prepare(out)?;
    let plan_text = text_rehearsal_plan();
    let plan_path = out.join("rehearsal-text.toml");
    fsio::write_new(&plan_path, plan_text.as_bytes(), fsio::PUBLIC_MODE)?;
    let plan = Plan::parse(&plan_text, "rehearsal-text.toml")?;
    let root_dir = out.join("root");
    let code = generate::run(
        generate::Args {
            plan: plan_path,
            out: root_dir.clone(),
            profile: None,
            dice: false,
            print_to: None,
            allow_persistent_output: false,
            paper_layout: None,
            paper: None,
            allow_unlocked_memory,
            piv_attestation_root: None,
        },
        console,
    )?;
    if code != exit::OK {
        return Ok(code);
    }
    let shares = share_files(&root_dir, &[1, 3, 5])?;
    let names: Vec<String> = plan.participants.iter().map(|p| p.name.clone()).collect();
    let quorum = || QuorumArgs {
        shares: shares.clone(),
        qr_images: Vec::new(),
        keyboard: false,
        tokens: Default::default(),
        confirm: names.clone(),
        allow_unlocked_memory,
        people: Vec::new(),
    };
    let mut confirmers = NamedConfirmers {
        names: names.clone(),
    };
    let (csr, csr_sha256) = throwaway_csr(out)?;
    let profile = out.join("intermediate.toml");
    fsio::write_new(
        &profile,
        crate::cert::profile::DEFAULT_INTERMEDIATE_PROFILE.as_bytes(),
        fsio::PUBLIC_MODE,
    )?;
    let rotation = out.join("rotation");
    let code = intermediate::run(
        intermediate::Args {
            csr,
            csr_sha256: Some(csr_sha256),
            profile,
            root: root_dir.join("root.pem"),
            manifest: root_dir.join("manifest.json"),
            out: rotation.clone(),
            previous: None,
            not_before: None,
            quorum: quorum(),
        },
        &mut confirmers,
    )?;
    if code != exit::OK {
        return Ok(code);
    }
    if kind == SigningKind::Rotation {
        done(out, kind, console)?;
        return Ok(code);
    }
    let serial = issued_serial(&rotation.join(intermediate::INTERMEDIATE_FILE))?;
    let code = crl::run(
        crl::Args {
            root: root_dir.join("root.pem"),
            manifest: root_dir.join("manifest.json"),
            revoke: vec![format!("{serial}:superseded")],
            previous_crl: None,
            next_update_days: 30,
            out: out.join("crl"),
            quorum: quorum(),
        },
        &mut confirmers,
    )?;
    if code == exit::OK {
        done(out, kind, console)?;
    }
    Ok(code)
}

/// The closing lines of a signing rehearsal: where each part's transcript is, and how to
/// audit them.
fn done(out: &Path, kind: SigningKind, console: &mut dyn Console) -> Result<()> {
    let dir = crate::ceremony::summary::shell_word(&out.display().to_string());
    let mut parts = vec!["root", "rotation"];
    if kind == SigningKind::Crl {
        parts.push("crl");
    }
    let mut s = format!(
        "\nREHEARSAL of a {} complete: one directory and transcript per part\n  \
         cd {dir}\n",
        if kind == SigningKind::Crl {
            "CRL"
        } else {
            "rotation"
        },
    );
    for p in parts {
        s.push_str(&format!(
            "  rootkey transcript verify {p}/transcript.jsonl --root root/root.pem \\\n      \
             --artifacts {p}\n"
        ));
    }
    console.out("the summary", &s)
}

/// The text share files `share-NN-*.txt` of `dir` for the given share numbers, in order.
fn share_files(dir: &Path, indices: &[u8]) -> Result<Vec<PathBuf>> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::new(Kind::Io, format!("{}: cannot list: {e}", dir.display())))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    indices
        .iter()
        .map(|i| {
            let prefix = format!("share-{i:02}-");
            names
                .iter()
                .find(|n| n.starts_with(&prefix) && n.ends_with(".txt"))
                .map(|n| dir.join(n))
                .ok_or_else(|| Error::environment(format!("{}: no text share {i}", dir.display())))
        })
        .collect()
}

/// `out` is created (0700) or must be an empty directory: the parts' directories go in it.
fn prepare(out: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::read_dir(out) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::new(
                    Kind::WouldOverwrite,
                    format!(
                        "{}: not empty; a signing rehearsal needs a new directory",
                        out.display()
                    ),
                )
                .hint("give --out a directory that does not exist yet"));
            }
            Ok(())
        }
        Err(_) => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(out)
            .map_err(|e| {
                Error::new(Kind::Io, format!("{}: cannot create: {e}", out.display()))
                    .hint("choose a writable place for --out")
            }),
    }
}

/// A throwaway CSR for the rehearsal rotation, written to `out/rehearsal.csr` (PEM): a new
/// Ed25519 key from the OS generator signs a PKCS#10 request for [`REHEARSAL_CSR_SUBJECT`];
/// the key is dropped (zeroized) once it has signed. Returns the file and the SHA-256 of the
/// request's DER, hex (the "out-of-band" hash of the rehearsal).
pub fn throwaway_csr(out: &Path) -> Result<(PathBuf, String)> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| Error::environment(format!("OS random generator: {e}")))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    zeroize::Zeroize::zeroize(&mut seed);
    let spki = crate::cert::ed25519_spki_der(&key.verifying_key().to_bytes());
    let info = CertReqInfo {
        version: Version::V1,
        subject: x509_cert::name::Name::from_str(REHEARSAL_CSR_SUBJECT)
            .map_err(|e| Error::environment(format!("rehearsal CSR subject: {e}")))?,
        public_key: SubjectPublicKeyInfoOwned::from_der(&spki)
            .map_err(|e| Error::environment(format!("rehearsal CSR key: {e}")))?,
        attributes: Default::default(),
    };
    let tbs = info
        .to_der()
        .map_err(|e| Error::environment(format!("rehearsal CSR: {e}")))?;
    let signature = key.sign(&tbs).to_bytes();
    let req = CertReq {
        info,
        algorithm: AlgorithmIdentifierOwned {
            oid: crate::cert::ED25519_OID,
            parameters: None,
        },
        signature: der::asn1::BitString::from_bytes(&signature)
            .map_err(|e| Error::environment(format!("rehearsal CSR signature: {e}")))?,
    };
    let der_bytes = req
        .to_der()
        .map_err(|e| Error::environment(format!("rehearsal CSR: {e}")))?;
    let pem = req
        .to_pem(LineEnding::LF)
        .map_err(|e| Error::environment(format!("rehearsal CSR: {e}")))?;
    let path = out.join("rehearsal.csr");
    fsio::write_new(&path, pem.as_bytes(), fsio::PUBLIC_MODE)?;
    Ok((path, hex::encode(Sha256::digest(&der_bytes))))
}

/// The serial (hex, colon-free) of the certificate in `pem_file`.
fn issued_serial(pem_file: &Path) -> Result<String> {
    let bytes = fsio::read_public(pem_file, 64 * 1024, "rehearsal intermediate")?;
    let cert = x509_cert::Certificate::from_pem(&bytes)
        .map_err(|e| Error::environment(format!("{}: {e}", pem_file.display())))?;
    Ok(hex::encode(
        cert.tbs_certificate().serial_number().as_bytes(),
    ))
}
