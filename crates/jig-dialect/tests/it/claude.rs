//! Tests of the claude dialect.
