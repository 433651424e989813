//! UTC time: one representation ([`der::DateTime`], whole seconds, years 1970–9999) and its
//! text form `YYYY-MM-DDTHH:MM:SSZ`, written by [`utc_string`] and read by [`parse_utc`] and,
//! on the command line, [`parse_time`].

use std::time::SystemTime;

use der::DateTime;

use crate::error::{Error, Result};

/// Formats a time as `YYYY-MM-DDTHH:MM:SSZ` (the manifest's `created`).
pub fn utc_string(t: DateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minutes(),
        t.seconds()
    )
}

/// The system clock's `now` as a [`DateTime`] (an environment error if the clock is outside
/// 1970–9999).
pub fn datetime(now: SystemTime) -> Result<DateTime> {
    DateTime::from_system_time(now).map_err(|e| Error::environment(format!("system clock: {e}")))
}

/// The system clock's `now` as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn system_utc_string(now: SystemTime) -> Result<String> {
    Ok(utc_string(datetime(now)?))
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (UTC, ASCII digits only), the form certificates' times take in
/// summaries and transcripts.
pub fn parse_utc(s: &str) -> Option<DateTime> {
    let b = s.as_bytes();
    let shape = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    // ASCII digits only (`parse` alone would accept a sign).
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|x| x.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|x| x.parse::<u16>().ok())
    };
    match (
        shape,
        num(0..4),
        num(5..7),
        num(8..10),
        num(11..13),
        num(14..16),
        num(17..19),
    ) {
        (true, Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(se)) => {
            DateTime::new(y, mo as u8, d as u8, h as u8, mi as u8, se as u8).ok()
        }
        _ => None,
    }
}

/// Parses a time given on the command line: `YYYY-MM-DDTHH:MM:SSZ` (UTC) or `YYYY-MM-DD`
/// (midnight UTC).
pub fn parse_time(s: &str, what: &str) -> Result<SystemTime> {
    let t = s.trim();
    let full = if t.len() == 10 {
        format!("{t}T00:00:00Z")
    } else {
        t.to_string()
    };
    parse_utc(&full).map(|d| d.to_system_time()).ok_or_else(|| {
        Error::operator(format!(
            "{what} {s:?}: not a time; use YYYY-MM-DDTHH:MM:SSZ (UTC) or YYYY-MM-DD"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let t = parse_time("2027-01-02", "--at").unwrap();
        assert_eq!(
            t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(),
            1_798_848_000
        );
        assert!(parse_time("2027-01-02T03:04:05Z", "--at").is_ok());
        for bad in [
            "2027-13-01",
            "yesterday",
            "2027-01-02 03:04:05",
            "",
            "2027-+1-02",
        ] {
            let e = parse_time(bad, "--at").unwrap_err();
            assert!(e.message.contains("--at"), "{}", e.message);
        }
    }

    #[test]
    fn round_trip() {
        let s = "2031-12-31T23:59:58Z";
        assert_eq!(utc_string(parse_utc(s).unwrap()), s);
        assert_eq!(
            system_utc_string(SystemTime::UNIX_EPOCH).unwrap(),
            "1970-01-01T00:00:00Z"
        );
    }
}
