//! Test support for jig, and nothing else: no jig crate may depend on it
//! outside `[dev-dependencies]`.
//!
//! It is a crate rather than a `tests/` module because several crates' test
//! binaries need the same fake provider server: jig-model drives its HTTP
//! clients against it, and jig-cli drives whole `jig exec` sessions through
//! it. Copying the server into each would let the copies drift apart, and
//! then one crate would test against a different wire than the other.
//!
//! [`FakeServer`] speaks real HTTP/1.1 and real SSE on 127.0.0.1 (only the
//! far end of the socket is fake); [`streams`] builds the event sequences
//! each provider really sends, so tests script replies by meaning
//! (`text`, `tool call`) instead of by hand-written JSON.
//!
//! [`FakeVendor`] adds both vendors' batch APIs (OpenAI Files + Batches,
//! Anthropic Message Batches) beside their live endpoints, answering both
//! from one model function, for `jig eval run --batch`.
//!
//! Panicking is how test support reports a broken test setup, so
//! `unwrap`/`expect` are allowed here, unlike in jig's library crates.
#![deny(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod fake_server;
pub mod fake_vendor;
pub mod streams;

pub use fake_server::{End, FakeServer, Reply, Request};
pub use fake_vendor::FakeVendor;
