//! Integration tests of jig-model: the scripted and replay providers, driven
//! through the real `ModelClient` trait with real files in temp directories.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod anthropic_wire;
mod http_chat;
mod http_providers;
mod openai_wire;
mod prefix_stability;
mod replay;
mod scripted;
mod scripted_guards;
mod shared_client;
mod skipped_events;
mod structured_output;
mod support;
