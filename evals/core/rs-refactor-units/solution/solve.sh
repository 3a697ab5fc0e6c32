#!/bin/bash
# Oracle solution: a unit table and one scale helper used by both formatters.
set -euo pipefail
cd /app
python3 - <<'PY'
from pathlib import Path

path = Path("src/lib.rs")
text = path.read_text()
tests = text[text.index("#[cfg(test)]"):]
head = '''//! Human-readable sizes and transfer rates for the download manager's UI,
//! in binary units (1 KiB = 1024 bytes).

const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];

fn scale(value: u64) -> (f64, &'static str) {
    let mut index = 0;
    while index + 1 < UNITS.len() && value >= 1u64 << (10 * (index + 1)) {
        index += 1;
    }
    (value as f64 / (1u64 << (10 * index)) as f64, UNITS[index])
}

pub fn format_size(bytes: u64) -> String {
    match scale(bytes) {
        (_, "B") => format!("{bytes} B"),
        (value, unit) => format!("{value:.1} {unit}"),
    }
}

pub fn format_rate(bytes_per_second: u64) -> String {
    match scale(bytes_per_second) {
        (_, "B") => format!("{bytes_per_second} B/s"),
        (value, unit) => format!("{value:.1} {unit}/s"),
    }
}

'''
path.write_text(head + tests)
PY
