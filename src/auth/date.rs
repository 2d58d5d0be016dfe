//! IMF-fixdate (RFC 7231 / RFC 1123) — the `x-ms-date` and `Repeatability-First-Sent` format.
//!
//! Time is an input of the core: callers pass Unix seconds; nothing here reads a clock.

use std::fmt;

use crate::time::{civil_from_days, days_from_civil};

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A point in time with one-second precision, printed as `Tue, 01 Apr 2025 12:00:00 GMT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HttpDate {
    unix_seconds: i64,
}

impl HttpDate {
    /// From seconds since the Unix epoch (UTC).
    pub fn from_unix_seconds(unix_seconds: i64) -> Self {
        Self { unix_seconds }
    }

    /// From milliseconds since the Unix epoch (what `Date.now()` gives), truncated to seconds.
    pub fn from_unix_millis(millis: i64) -> Self {
        Self { unix_seconds: millis.div_euclid(1000) }
    }

    /// Seconds since the Unix epoch.
    pub fn unix_seconds(self) -> i64 {
        self.unix_seconds
    }

    /// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`). The weekday is checked too,
    /// because a wrong weekday means the sender built the string by hand and got something wrong.
    pub fn parse(value: &str) -> Option<Self> {
        let b = value.as_bytes();
        if b.len() != 29 || &b[3..5] != b", " || &b[25..] != b" GMT" {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = value.get(r)?;
            if !s.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let day = num(5..7)?;
        let month = MONTHS.iter().position(|m| value.get(8..11) == Some(*m))? as i64 + 1;
        let year = num(12..16)?;
        let (h, mi, s) = (num(17..19)?, num(20..22)?, num(23..25)?);
        if b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || b[19] != b':' || b[22] != b':' {
            return None;
        }
        if !(1..=days_in_month(year, month)).contains(&day) || h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let date = Self { unix_seconds: days_from_civil(year, month, day) * 86_400 + h * 3600 + mi * 60 + s };
        (date.to_string()[..3] == value[..3]).then_some(date)
    }
}

impl fmt::Display for HttpDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix_seconds.div_euclid(86_400);
        let secs = self.unix_seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        if (0..=9999).contains(&y) {
            // Every request signs one or two dates: written by hand, not through `write!`'s
            // padding machinery (a hot path in the size-optimised wasm).
            let mut out = *b"Thu, 01 Jan 1970 00:00:00 GMT";
            out[..3].copy_from_slice(DAYS[days.rem_euclid(7) as usize].as_bytes());
            let two = |out: &mut [u8], at: usize, v: i64| {
                out[at] = b'0' + (v / 10) as u8;
                out[at + 1] = b'0' + (v % 10) as u8;
            };
            two(&mut out, 5, d);
            out[8..11].copy_from_slice(MONTHS[(m - 1) as usize].as_bytes());
            two(&mut out, 12, y / 100);
            two(&mut out, 14, y % 100);
            two(&mut out, 17, secs / 3600);
            two(&mut out, 20, secs % 3600 / 60);
            two(&mut out, 23, secs % 60);
            // Only ASCII was written.
            return f.write_str(std::str::from_utf8(&out).map_err(|_| fmt::Error)?);
        }
        write!(
            f,
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            DAYS[days.rem_euclid(7) as usize],
            d,
            MONTHS[(m - 1) as usize],
            y,
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        )
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_the_spec_date() {
        // 2025-04-01T12:00:00Z, the SPEC §1.3 test vector's date.
        assert_eq!(HttpDate::from_unix_seconds(1_743_508_800).to_string(), "Tue, 01 Apr 2025 12:00:00 GMT");
        assert_eq!(HttpDate::from_unix_seconds(784_111_777).to_string(), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(HttpDate::from_unix_seconds(0).to_string(), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(HttpDate::from_unix_millis(1_709_164_800_999).to_string(), "Thu, 29 Feb 2024 00:00:00 GMT");
    }

    #[test]
    fn parses_what_it_formats() {
        for secs in [0, 784_111_777, 951_782_400, 1_743_508_800, 4_102_444_799] {
            let d = HttpDate::from_unix_seconds(secs);
            assert_eq!(HttpDate::parse(&d.to_string()), Some(d));
        }
    }

    #[test]
    fn refuses_malformed_dates() {
        for bad in [
            "",
            "Tue, 01 Apr 2025 12:00:00 UTC",
            "Wed, 01 Apr 2025 12:00:00 GMT",
            "Tue, 31 Apr 2025 12:00:00 GMT",
            "Tue, 01 Abr 2025 12:00:00 GMT",
            "Tue, 01 Apr 2025 24:00:00 GMT",
            "Tue,  1 Apr 2025 12:00:00 GMT",
            "2025-04-01T12:00:00Z",
            "Tue, 01 Apr 2025 12:00:0é GMT",
        ] {
            assert_eq!(HttpDate::parse(bad), None, "{bad:?}");
        }
    }
}
