//! Integration tests of the `jig` binary, run as a child process against real
//! temp dirs, the bundled example and scripted models.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod acp;
mod agents;
mod bench_agents;
mod bench_eval;
mod bench_loop;
mod bench_search;
mod bench_sessions;
mod commands;
mod crash;
mod crash_compaction;
mod dialects;
mod durability;
mod e2e;
mod eval_atif;
mod eval_batch;
mod eval_calibrate;
mod eval_interview;
mod eval_judge;
mod eval_report;
mod eval_run;
mod eval_traits;
mod eval_user;
mod guardrails;
mod local;
mod mcp_client;
mod mcp_serve;
mod providers;
mod questions;
mod sandbox_escapes;
mod sdk;
mod startup;
mod support;
mod trust;
mod tui;
