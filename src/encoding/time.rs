//! UTC time: one type, [`UtcTime`], for every time rootkey reads, writes or compares — the
//! command line's `--at` and `--not-before`, certificate and CRL validity, the manifest's
//! `created`, and transcript entries' `time`.
//!
//! Its text forms (docs/formats.md, "Transcript v1"):
//! * `YYYY-MM-DDTHH:MM:SSZ` (`TIME20`, certificates and summaries): [`UtcTime::parse`] and
//!   [`std::fmt::Display`];
//! * `YYYY-MM-DDTHH:MM:SS.sssZ` (`TIME`, transcript entries): [`UtcTime::transcript_string`],
//!   and [`UtcTime::is_transcript_form`] for the verifier's (laxer) grammar;
//! * on the command line, `TIME20` or `YYYY-MM-DD` (midnight): [`UtcTime::parse_arg`].

use std::fmt;
use std::time::{Duration, SystemTime};

use der::DateTime;

use crate::error::{Error, Kind, Result};

/// An instant between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z, to the millisecond
/// (certificates, CRLs and `TIME20` use whole seconds; only a transcript entry's own `time`
/// shows the milliseconds).
// Invariant: `millis` < 1000; `at` is within 1970–9999 (as every `der::DateTime` is).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct UtcTime {
    at: DateTime,
    millis: u16,
}

impl UtcTime {
    /// The system clock now (an environment error outside 1970–9999).
    pub fn now() -> Result<UtcTime> {
        UtcTime::clock(SystemTime::now())
    }

    /// A reading `t` of the system clock (an environment error outside 1970–9999).
    pub fn clock(t: SystemTime) -> Result<UtcTime> {
        let d = t
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| Error::environment("the system clock is before 1970"))?;
        let at = DateTime::from_unix_duration(Duration::from_secs(d.as_secs()))
            .map_err(|e| Error::environment(format!("system clock: {e}")))?;
        Ok(UtcTime {
            at,
            millis: d.subsec_millis() as u16,
        })
    }

    /// The time `secs` seconds after 1970-01-01T00:00:00Z, if before the year 10000.
    pub fn from_unix_secs(secs: u64) -> Option<UtcTime> {
        DateTime::from_unix_duration(Duration::from_secs(secs))
            .ok()
            .map(UtcTime::from)
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (the milliseconds dropped).
    pub fn unix_secs(self) -> u64 {
        self.at.unix_duration().as_secs()
    }

    /// The same time without its milliseconds: what a certificate or CRL can hold.
    pub fn whole_seconds(self) -> UtcTime {
        UtcTime::from(self.at)
    }

    /// `days` × 86 400 seconds later, if before the year 10000.
    pub fn plus_days(self, days: u64) -> Option<UtcTime> {
        let secs = self.unix_secs().checked_add(days.checked_mul(86_400)?)?;
        UtcTime::from_unix_secs(secs).map(|t| UtcTime {
            millis: self.millis,
            ..t
        })
    }

    /// The same date and time `years` calendar years later, 29 February becoming 28 February
    /// in a year that is not a leap year; None after the year 9999.
    pub fn plus_years(self, years: u16) -> Option<UtcTime> {
        let t = self.at;
        let y = t.year().checked_add(years)?;
        let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
        let day = if t.month() == 2 && t.day() == 29 && !leap {
            28
        } else {
            t.day()
        };
        let at = DateTime::new(y, t.month(), day, t.hour(), t.minutes(), t.seconds()).ok()?;
        Some(UtcTime {
            at,
            millis: self.millis,
        })
    }

    /// As a [`SystemTime`].
    pub fn to_system_time(self) -> SystemTime {
        self.at.to_system_time() + Duration::from_millis(u64::from(self.millis))
    }

    /// As a [`der::DateTime`] (whole seconds).
    pub fn to_datetime(self) -> DateTime {
        self.at
    }

    /// As an X.509 `Time` (whole seconds): UTCTime through 2049, GeneralizedTime from 2050
    /// (RFC 5280 §4.1.2.5).
    pub fn to_x509(self) -> x509_cert::time::Time {
        x509_cert::time::Time::from(self.at)
    }

    /// The time an X.509 `Time` holds.
    pub fn from_x509(t: &x509_cert::time::Time) -> UtcTime {
        UtcTime::from(t.to_date_time())
    }

    /// Parses `YYYY-MM-DDTHH:MM:SSZ` strictly (`TIME20`: ASCII digits, no sign, a real date and
    /// time, year 1970–9999, second 00–59).
    pub fn parse(s: &str) -> Option<UtcTime> {
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
                DateTime::new(y, mo as u8, d as u8, h as u8, mi as u8, se as u8)
                    .ok()
                    .map(UtcTime::from)
            }
            _ => None,
        }
    }

    /// Parses a time given on the command line: `YYYY-MM-DDTHH:MM:SSZ` (UTC) or `YYYY-MM-DD`
    /// (midnight UTC); `what` (the flag) names it in the error.
    pub fn parse_arg(s: &str, what: &str) -> Result<UtcTime> {
        let t = s.trim();
        let full = if t.len() == 10 {
            format!("{t}T00:00:00Z")
        } else {
            t.to_string()
        };
        UtcTime::parse(&full).ok_or_else(|| {
            Error::new(
                Kind::Argument,
                format!("{what} {s:?}: not a time; use YYYY-MM-DDTHH:MM:SSZ (UTC) or YYYY-MM-DD"),
            )
        })
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ`, a transcript entry's `time`.
    pub fn transcript_string(self) -> String {
        format!("{}.{:03}Z", &self.to_string()[..19], self.millis)
    }

    /// True for a well-formed transcript `TIME`, `YYYY-MM-DDTHH:MM:SS.sssZ` as docs/formats.md
    /// ("Ceremony transcript v1", times) defines it: digits in the right places and a real date
    /// and time — year 1970–9999, day within its month, hour 00–23, minute 00–59, second 00–59
    /// (rootkey never writes a leap second).
    pub fn is_transcript_form(s: &str) -> bool {
        UtcTime::parse_transcript(s).is_some()
    }

    /// Parses a transcript `TIME` (see [`UtcTime::is_transcript_form`]), milliseconds included.
    pub fn parse_transcript(s: &str) -> Option<UtcTime> {
        let b = s.as_bytes();
        if b.len() != 24 {
            return None;
        }
        let shape = b"dddd-dd-ddTdd:dd:dd.dddZ";
        if !b.iter().zip(shape).all(|(&c, &p)| {
            if p == b'd' {
                c.is_ascii_digit()
            } else {
                c == p
            }
        }) {
            return None;
        }
        let t = UtcTime::parse(&format!("{}Z", &s[..19]))?;
        let millis = s[20..23].parse::<u16>().ok()?;
        Some(UtcTime { millis, ..t })
    }
}

/// A transcript `TIME` (`YYYY-MM-DDTHH:MM:SS.sssZ`, with milliseconds) as a serde field form:
/// `#[serde(with = "crate::encoding::time::transcript_form")]` on a [`UtcTime`] member (the
/// header's `preflight.clock`).
pub mod transcript_form {
    use super::UtcTime;

    /// Writes [`UtcTime::transcript_string`].
    pub fn serialize<S: serde::Serializer>(
        t: &UtcTime,
        s: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&t.transcript_string())
    }

    /// Reads [`UtcTime::parse_transcript`].
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> std::result::Result<UtcTime, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        UtcTime::parse_transcript(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("{s:?} is not a time YYYY-MM-DDTHH:MM:SS.sssZ"))
        })
    }
}

/// Serialises as `YYYY-MM-DDTHH:MM:SSZ` (`TIME20`), the form certificate and CRL times take
/// in transcript entries (whole seconds: a transcript entry's own `time` is written with
/// [`UtcTime::transcript_string`]).
impl serde::Serialize for UtcTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Reads `YYYY-MM-DDTHH:MM:SSZ` strictly ([`UtcTime::parse`]).
impl<'de> serde::Deserialize<'de> for UtcTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<UtcTime, D::Error> {
        let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
        UtcTime::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!("{s:?} is not a time YYYY-MM-DDTHH:MM:SSZ"))
        })
    }
}

impl From<DateTime> for UtcTime {
    fn from(at: DateTime) -> UtcTime {
        UtcTime { at, millis: 0 }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (whole seconds; see [`UtcTime::transcript_string`] for the form
/// with milliseconds).
impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.at;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minutes(),
            t.seconds()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line() {
        let t = UtcTime::parse_arg("2027-01-02", "--at").unwrap();
        assert_eq!(t.unix_secs(), 1_798_848_000);
        assert!(UtcTime::parse_arg("2027-01-02T03:04:05Z", "--at").is_ok());
        for bad in [
            "2027-13-01",
            "yesterday",
            "2027-01-02 03:04:05",
            "",
            "2027-+1-02",
        ] {
            let e = UtcTime::parse_arg(bad, "--at").unwrap_err();
            assert_eq!(e.kind, Kind::Argument);
            assert!(
                e.message.starts_with(&format!("--at {bad:?}: not a time")),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn round_trip() {
        let s = "2031-12-31T23:59:58Z";
        let t = UtcTime::parse(s).unwrap();
        assert_eq!(t.to_string(), s);
        assert_eq!(UtcTime::from_x509(&t.to_x509()), t);
        assert_eq!(UtcTime::from_unix_secs(t.unix_secs()), Some(t));
        assert_eq!(
            UtcTime::clock(SystemTime::UNIX_EPOCH).unwrap().to_string(),
            "1970-01-01T00:00:00Z"
        );
        assert!(UtcTime::parse("2027-02-29T00:00:00Z").is_none());
        assert!(UtcTime::parse("2028-02-29T00:00:60Z").is_none());
        assert!(UtcTime::from_unix_secs(253_402_300_800).is_none());
        assert!(
            UtcTime::parse("9999-12-31T23:59:59Z")
                .unwrap()
                .plus_days(1)
                .is_none()
        );
    }

    #[test]
    fn leap_day_years() {
        let d = UtcTime::parse("2028-02-29T01:02:03Z").unwrap();
        assert_eq!(
            d.plus_years(10).unwrap().to_string(),
            "2038-02-28T01:02:03Z"
        );
        assert_eq!(d.plus_years(4).unwrap().to_string(), "2032-02-29T01:02:03Z");
        assert!(d.plus_years(8000).is_none());
    }

    #[test]
    fn transcript_form() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_830_249_296_789);
        let t = UtcTime::clock(at).unwrap();
        assert_eq!(t.transcript_string(), "2027-12-31T10:34:56.789Z");
        assert_eq!(t.to_string(), "2027-12-31T10:34:56Z");
        assert_eq!(
            t.whole_seconds().transcript_string(),
            "2027-12-31T10:34:56.000Z"
        );
        assert_eq!(t.to_system_time(), at);
        assert!(t.whole_seconds() < t);
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2027-12-31T10:34:56Z\""
        );
        assert!(UtcTime::is_transcript_form(&t.transcript_string()));
        assert_eq!(UtcTime::parse_transcript(&t.transcript_string()), Some(t));
        assert_eq!(
            serde_json::from_str::<UtcTime>("\"2027-12-31T10:34:56Z\"").unwrap(),
            t.whole_seconds()
        );
        assert!(serde_json::from_str::<UtcTime>("\"2027-12-31T10:34:56.789Z\"").is_err());
        assert!(UtcTime::is_transcript_form("2028-02-29T12:34:56.789Z"));
        for bad in [
            "2028-02-29T12:34:56Z",
            "2028-13-01T00:00:00.000Z",
            "2028-02-29 12:34:56.789Z",
            "2028-02-29T24:00:00.000Z",
            "2027-02-29T00:00:00.000Z",
            "2027-02-30T00:00:00.000Z",
            "2026-12-31T23:59:60.000Z",
            "1969-12-31T23:59:59.999Z",
            "",
        ] {
            assert!(!UtcTime::is_transcript_form(bad), "{bad}");
        }
    }
}
