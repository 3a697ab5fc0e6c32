//! Human-written durations for the job scheduler's config: `90s`, `15m`,
//! `1h30m`, `2d12h`. Units are `d`, `h`, `m` and `s`; each may appear once,
//! largest first. The result is a number of seconds.

use std::fmt;

/// Why a duration did not parse.
#[derive(Debug, PartialEq, Eq)]
pub enum DurationError {
    /// The text was empty.
    Empty,
    /// A number had no unit after it.
    MissingUnit,
    /// A unit letter that is not `d`, `h`, `m` or `s`, or a unit out of order.
    BadUnit(char),
    /// The value does not fit in a `u64` of seconds.
    Overflow,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Empty => write!(f, "empty duration"),
            DurationError::MissingUnit => write!(f, "number without a unit"),
            DurationError::BadUnit(unit) => write!(f, "unexpected unit `{unit}`"),
            DurationError::Overflow => write!(f, "duration too long"),
        }
    }
}

const UNITS: [(char, u64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// Parses `text` into seconds.
pub fn parse_duration(text: &str) -> Result<u64, DurationError> {
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    let mut total: u64 = 0;
    let mut number: Option<u64> = None;
    let mut next_unit = 0;
    for c in text.chars() {
        if let Some(digit) = c.to_digit(10) {
            let so_far = number.unwrap_or(0);
            number = Some(
                so_far
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(u64::from(digit)))
                    .ok_or(DurationError::Overflow)?,
            );
            continue;
        }
        let position = UNITS[next_unit..]
            .iter()
            .position(|(unit, _)| *unit == c)
            .ok_or(DurationError::BadUnit(c))?;
        let (_, seconds) = UNITS[next_unit + position];
        let value = number.ok_or(DurationError::MissingUnit)?;
        total = value
            .checked_mul(seconds)
            .and_then(|part| total.checked_add(part))
            .ok_or(DurationError::Overflow)?;
        next_unit += position + 1;
    }
    if number.is_some() && total == 0 {
        return Err(DurationError::MissingUnit);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_units() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("2d"), Ok(172_800));
    }

    #[test]
    fn errors() {
        assert_eq!(parse_duration(""), Err(DurationError::Empty));
        assert_eq!(parse_duration("10"), Err(DurationError::MissingUnit));
        assert_eq!(parse_duration("5x"), Err(DurationError::BadUnit('x')));
    }
}
