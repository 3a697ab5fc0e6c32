//! Human-readable sizes and transfer rates for the download manager's UI,
//! in binary units (1 KiB = 1024 bytes).

/// `bytes` as a size: `512 B`, `1.5 KiB`, `3.0 GiB`; one decimal above bytes.
pub fn format_size(bytes: u64) -> String {
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
pub fn format_rate(bytes_per_second: u64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(format_size(0), "0 B");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(3 * 1024 * 1024 * 1024), "3.0 GiB");
    }

    #[test]
    fn rates() {
        assert_eq!(format_rate(800), "800 B/s");
        assert_eq!(format_rate(2_516_582), "2.4 MiB/s");
    }
}
