//! jig-telemetry integration tests: one binary (STYLE rule 10).

mod response_model;
