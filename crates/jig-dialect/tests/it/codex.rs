//! Tests of the codex dialects.
