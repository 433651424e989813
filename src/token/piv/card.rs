//! Finding a YubiKey on the PC/SC readers, opening short-lived handles to it, and turning the
//! `yubikey` / PC/SC errors into messages that name the key and the next step.

use yubikey::reader::Context;
use yubikey::{Serial, Version, YubiKey};

use crate::error::{Error, Kind, Result};
use crate::token::TokenName;

/// The YubiKey a [`super::PivToken`] talks to: found once, reconnected for each operation.
#[derive(Debug)]
pub(super) struct Card {
    pub(super) serial: u32,
    pub(super) version: Version,
}

const START_PCSCD: &str =
    "start the PC/SC daemon (`sudo systemctl start pcscd`, or run `pcscd` as root) and run again";

/// What the PC/SC layer said, as the operator should read it: `None` if it is not a PC/SC
/// condition worth its own message.
fn pcsc_message(e: &pcsc::Error) -> Option<(Kind, &'static str, &'static str)> {
    use pcsc::Error as P;
    Some(match e {
        P::NoService | P::ServiceStopped | P::NoDir => (
            Kind::PcscUnavailable,
            "cannot reach pcscd, the PC/SC daemon: it is not running",
            START_PCSCD,
        ),
        P::NoReadersAvailable | P::UnknownReader | P::ReaderUnavailable => (
            Kind::NoReader,
            "no smart-card reader is available",
            "plug in the YubiKey (it is its own reader) and run again",
        ),
        P::RemovedCard
        | P::NoSmartcard
        | P::ResetCard
        | P::UnpoweredCard
        | P::UnresponsiveCard
        | P::CommError
        | P::NotTransacted => (
            Kind::TokenRemoved,
            "the YubiKey was removed or lost contact",
            "plug the YubiKey in again and run the step again",
        ),
        P::SharingViolation => (
            Kind::TokenBusy,
            "another program holds the YubiKey",
            "close other programs that use it (ykman, gpg-agent, a browser, pcscd clients) and run again",
        ),
        _ => return None,
    })
}

/// An error of the `yubikey` crate while `what`, naming the key.
pub(super) fn card_error(name: &TokenName, what: &str, e: yubikey::Error) -> Error {
    if let yubikey::Error::PcscError { inner: Some(p) } = &e
        && let Some((kind, msg, hint)) = pcsc_message(p)
    {
        let msg = if matches!(p, pcsc::Error::NoService | pcsc::Error::ServiceStopped) {
            format!("{name}: {what}: {msg}")
        } else {
            format!("{name}: {what}: {msg}; the step did not complete")
        };
        return Error::new(kind, msg).hint(hint);
    }
    Error::new(Kind::TokenFailed, format!("{name}: {what} failed: {e}"))
        .hint("check that the YubiKey is plugged in and its PIV application enabled (`ykman info`), then run again")
}

/// An error while looking for YubiKeys (no key named yet).
fn search_error(e: yubikey::Error) -> Error {
    if let yubikey::Error::PcscError { inner: Some(p) } = &e
        && let Some((kind, msg, hint)) = pcsc_message(p)
    {
        return Error::new(kind, format!("looking for YubiKeys: {msg}")).hint(hint);
    }
    Error::new(Kind::PcscUnavailable, format!("looking for YubiKeys: {e}")).hint(START_PCSCD)
}

/// How many PC/SC readers the daemon lists (no card is touched): for the pre-flight screen.
pub(super) fn readers() -> Result<usize> {
    let mut ctx = Context::open().map_err(search_error)?;
    Ok(ctx.iter().map_err(search_error)?.count())
}

/// Every YubiKey found on the readers: (serial, firmware). Readers without a card, or with a
/// card that is not a YubiKey PIV application, are skipped; no reader at all is an error.
pub(super) fn list() -> Result<Vec<(u32, Version)>> {
    let mut ctx = Context::open().map_err(search_error)?;
    let readers: Vec<_> = ctx.iter().map_err(search_error)?.collect();
    if readers.is_empty() {
        return Err(search_error(yubikey::Error::PcscError {
            inner: Some(pcsc::Error::NoReadersAvailable),
        }));
    }
    let mut found = Vec::new();
    for r in readers {
        if let Ok(yk) = r.open() {
            found.push((yk.serial().0, yk.version()));
            let _ = yk.disconnect(pcsc::Disposition::LeaveCard);
        }
    }
    found.sort();
    Ok(found)
}

impl Card {
    /// The YubiKey with `serial`, or the only one present.
    pub(super) fn find(serial: Option<u32>) -> Result<Card> {
        let found = list()?;
        let serials = || {
            found
                .iter()
                .map(|(s, _)| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match serial {
            Some(want) => found
                .iter()
                .find(|(s, _)| *s == want)
                .map(|&(serial, version)| Card { serial, version })
                .ok_or_else(|| {
                    // No YubiKey at all is the environment (exit 4); another one plugged in
                    // is the operator's mistake (exit 1), as a PKCS#11 token not found is.
                    let (kind, others) = if found.is_empty() {
                        (Kind::NoCard, "no YubiKey is plugged in".to_string())
                    } else {
                        (
                            Kind::TokenNotFound,
                            format!("present: serial {}", serials()),
                        )
                    };
                    Error::new(
                        kind,
                        format!("YubiKey serial {want} is not plugged in ({others})"),
                    )
                    .hint(format!("plug in YubiKey serial {want} and run again"))
                }),
            None => match found.as_slice() {
                [] => Err(Error::new(
                    Kind::NoCard,
                    "no YubiKey found: the smart-card readers hold no card with a PIV application",
                )
                .hint("plug in the YubiKey and run again")),
                [(serial, version)] => Ok(Card {
                    serial: *serial,
                    version: *version,
                }),
                _ => Err(Error::new(
                    Kind::TokenAmbiguous,
                    format!(
                        "{} YubiKeys are plugged in (serials {}); which one is meant?",
                        found.len(),
                        serials()
                    ),
                )
                .hint("name the YubiKey by its serial, or unplug the others")),
            },
        }
    }

    /// Whether this YubiKey is still plugged in (and answers as a PIV application).
    pub(super) fn present(&self) -> bool {
        list().is_ok_and(|found| found.iter().any(|(s, _)| *s == self.serial))
    }

    /// A new handle to this YubiKey. The caller drops it as soon as the operation is done.
    pub(super) fn connect(&self, name: &TokenName) -> Result<YubiKey> {
        YubiKey::open_by_serial(Serial(self.serial)).map_err(|e| match e {
            yubikey::Error::NotFound => Error::new(
                Kind::TokenRemoved,
                format!("{name}: the YubiKey is no longer plugged in"),
            )
            .hint("plug it in again and run the step again"),
            e => card_error(name, "connecting", e),
        })
    }
}
