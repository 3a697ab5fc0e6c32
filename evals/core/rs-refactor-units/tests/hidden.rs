//! Hidden tests: the refactored functions against the original implementation.

#[path = "/app/src/lib.rs"]
#[allow(dead_code)]
mod humanize;

use humanize::{format_rate, format_size};

/// The implementation before the refactor.
mod original {
    /// `bytes` as a size: `512 B`, `1.5 KiB`, `3.0 GiB`; one decimal above bytes.
    pub fn original_size(bytes: u64) -> String {
        if bytes < 1024 {
            format!("{bytes} B")
        } else if bytes < 1024 * 1024 {
            format!("{:.1} KiB", bytes as f64 / 1024.0)
        } else if bytes < 1024 * 1024 * 1024 {
            format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
        } else if bytes < 1024 * 1024 * 1024 * 1024 {
            format!("{:.1} GiB", bytes as f64 / (1024.0 * 1024.0 * 1024.0))
        } else {
            format!("{:.1} TiB", bytes as f64 / (1024.0 * 1024.0 * 1024.0 * 1024.0))
        }
    }

    /// `bytes_per_second` as a rate: `800 B/s`, `2.4 MiB/s`.
    pub fn original_rate(bytes_per_second: u64) -> String {
        if bytes_per_second < 1024 {
            format!("{bytes_per_second} B/s")
        } else if bytes_per_second < 1024 * 1024 {
            format!("{:.1} KiB/s", bytes_per_second as f64 / 1024.0)
        } else if bytes_per_second < 1024 * 1024 * 1024 {
            format!("{:.1} MiB/s", bytes_per_second as f64 / (1024.0 * 1024.0))
        } else if bytes_per_second < 1024 * 1024 * 1024 * 1024 {
            format!("{:.1} GiB/s", bytes_per_second as f64 / (1024.0 * 1024.0 * 1024.0))
        } else {
            format!("{:.1} TiB/s", bytes_per_second as f64 / (1024.0 * 1024.0 * 1024.0 * 1024.0))
        }
    }
    pub use self::{original_rate as rate, original_size as size};
}

fn inputs() -> Vec<u64> {
    let mut values = vec![0, 1, 999, 1000, 1023, 1024, 1025, 1536, 10_239, 10_240, 1_048_575, 1_048_576];
    for power in 0..64 {
        let base = 1u64 << power;
        values.extend([base.saturating_sub(1), base, base.saturating_add(1)]);
        for step in [3u64, 7, 10, 100, 1000] {
            values.push(base.saturating_mul(step) / 10);
        }
    }
    let mut state: u64 = 42;
    for _ in 0..20_000 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        values.push(state >> (state % 60));
    }
    values.push(u64::MAX);
    values
}

#[test]
fn every_output_is_unchanged() {
    for value in inputs() {
        assert_eq!(format_size(value), original::size(value), "format_size({value})");
        assert_eq!(format_rate(value), original::rate(value), "format_rate({value})");
    }
}
