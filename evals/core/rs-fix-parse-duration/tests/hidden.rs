//! Hidden tests for parse_duration, compiled with the crate's lib.rs as a module.

#[path = "/app/src/lib.rs"]
#[allow(dead_code)]
mod durations;

use durations::{parse_duration, DurationError};

#[test]
fn several_units() {
    assert_eq!(parse_duration("1h30m"), Ok(5_400));
    assert_eq!(parse_duration("2d12h"), Ok(216_000));
    assert_eq!(parse_duration("1d1h1m1s"), Ok(90_061));
    assert_eq!(parse_duration("10m5s"), Ok(605));
    assert_eq!(parse_duration("1h0m"), Ok(3_600));
}

#[test]
fn single_units_still_work() {
    assert_eq!(parse_duration("90s"), Ok(90));
    assert_eq!(parse_duration("0s"), Ok(0));
    assert_eq!(parse_duration("15m"), Ok(900));
}

#[test]
fn trailing_numbers_are_refused() {
    assert_eq!(parse_duration("1h30"), Err(DurationError::MissingUnit));
    assert_eq!(parse_duration("10"), Err(DurationError::MissingUnit));
    assert_eq!(parse_duration("0s5"), Err(DurationError::MissingUnit));
}

#[test]
fn other_errors() {
    assert_eq!(parse_duration(""), Err(DurationError::Empty));
    assert_eq!(parse_duration("h"), Err(DurationError::MissingUnit));
    assert_eq!(parse_duration("1m1h"), Err(DurationError::BadUnit('h')));
    assert_eq!(parse_duration("1h1h"), Err(DurationError::BadUnit('h')));
    assert_eq!(parse_duration("5x"), Err(DurationError::BadUnit('x')));
    assert_eq!(parse_duration("99999999999999999999s"), Err(DurationError::Overflow));
    assert_eq!(parse_duration("213503982334602d"), Err(DurationError::Overflow));
}
