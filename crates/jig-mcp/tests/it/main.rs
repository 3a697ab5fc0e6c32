//! jig-mcp against real servers: the official `server-everything` and
//! `server-filesystem` (npm, installed by `.ci/deps --tests`) and a tiny
//! python server that crashes or hangs on demand. Loopback and child
//! processes only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod failures;
mod http;
mod servers;
mod support;
