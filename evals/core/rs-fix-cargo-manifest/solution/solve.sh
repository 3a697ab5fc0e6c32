#!/bin/bash
# Oracle solution: edition 2021 (TryFrom in the prelude), no unused unreachable dependency, the real
# binary path.
set -euo pipefail
cat > /app/Cargo.toml <<'TOML'
[package]
name = "stockcheck"
version = "1.2.0"
edition = "2021"
description = "Flags warehouse items that need reordering"
publish = false

[dependencies]

[[bin]]
name = "stockcheck"
path = "src/cli.rs"

[workspace]
TOML
