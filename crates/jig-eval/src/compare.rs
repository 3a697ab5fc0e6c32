//! Being written (issue 21).
