//! jig-tui's integration tests: rendered screens (ratatui's test backend,
//! pinned with insta), keys, the transcript's layout cost, and a real
//! scripted session driven through the event loop.

mod keys;
mod screens;
mod support;
mod transcript;
