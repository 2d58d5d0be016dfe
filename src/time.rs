//! Event timestamps: RFC 3339 / ISO 8601 as ACS writes them (`2022-09-13T00:55:08.2240104+00:00`,
//! `...Z`), to and from Unix milliseconds. Time is always an input; nothing here reads a clock.

/// Parses an RFC 3339 date-time into Unix milliseconds (fraction truncated to ms, offset
/// applied). `None` for anything else.
pub fn parse_rfc3339_millis(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(i)? {
        b'Z' | b'z' if i + 1 == b.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == b.len() && b[i + 3] == b':' => {
            let oh = num(i + 1..i + 3)?;
            let om = num(i + 4..i + 6)?;
            let m = oh * 60 + om;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some(((days * 86_400 + h * 3600 + mi * 60 + se) - offset_minutes * 60) * 1000 + millis)
}

/// Formats Unix milliseconds as `2025-04-01T12:00:00.123Z`.
pub fn format_rfc3339_millis(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    // Digits by hand: this runs for every emulated event, and format! was a visible cost.
    let mut out = String::with_capacity(24);
    for (v, width, sep) in [
        (y, 4, '-'),
        (m, 2, '-'),
        (d, 2, 'T'),
        (t / 3600, 2, ':'),
        (t % 3600 / 60, 2, ':'),
        (t % 60, 2, '.'),
        (ms, 3, 'Z'),
    ] {
        let digits = v.unsigned_abs().to_string();
        for _ in digits.len()..width {
            out.push('0');
        }
        out.push_str(&digits);
        out.push(sep);
    }
    out
}

// Howard Hinnant's civil-date algorithms (public domain).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_acs_timestamps() {
        assert_eq!(parse_rfc3339_millis("2025-04-01T12:00:00Z"), Some(1_743_508_800_000));
        assert_eq!(parse_rfc3339_millis("2025-04-01T12:00:00.2240104+00:00"), Some(1_743_508_800_224));
        assert_eq!(parse_rfc3339_millis("2025-04-01T14:00:00.5+02:00"), Some(1_743_508_800_500));
        assert_eq!(parse_rfc3339_millis("2025-04-01T12:00:00.05Z"), Some(1_743_508_800_050));
        assert_eq!(parse_rfc3339_millis("1970-01-01T00:00:00Z"), Some(0));
    }

    #[test]
    fn refuses_other_text() {
        for bad in [
            "",
            "2025-04-01",
            "2025-04-01T12:00:00",
            "2025-13-01T12:00:00Z",
            "2025-04-01T12:00:00.Z",
            "2025-04-01T12:00:00+0200",
            "2025-04-01T12:00:00Zjunk",
            "２０２５-04-01T12:00:00Z",
        ] {
            assert_eq!(parse_rfc3339_millis(bad), None, "{bad}");
        }
    }

    #[test]
    fn formats_and_round_trips() {
        assert_eq!(format_rfc3339_millis(1_743_508_800_224), "2025-04-01T12:00:00.224Z");
        for ms in [0, 951_782_400_001, 1_743_508_800_224] {
            assert_eq!(parse_rfc3339_millis(&format_rfc3339_millis(ms)), Some(ms));
        }
    }
}
