//! Integration tests of jig-tools: real temp dirs, real processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agents;
mod edit_write;
mod exec_session;
mod list_dir;
mod read_file;
mod rg;
mod rg_parity;
mod search;
mod shell;
mod tools;
