//! Integration tests for jig-sandbox. Every sandbox case runs a real
//! `bash -c` through the real helper (`jig-sandbox-exec`, which calls
//! `helper_main`, or `view_main` for the view cases), in temp directories
//! under `CARGO_TARGET_TMPDIR` so that
//! "outside the workspace" is also outside `/tmp` (which is writable).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod allowed;
mod containment;
mod escapes;
mod in_process;
mod limits;
mod protected;
mod support;
mod view;
mod view_isolation;
