//! `stockcheck FILE.csv`: prints the SKUs to reorder, one per line.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: stockcheck FILE.csv");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("stockcheck: cannot read {path}: {error}");
            return ExitCode::from(2);
        }
    };
    match stockcheck::parse(&text) {
        Ok(items) => {
            for sku in stockcheck::to_reorder(&items) {
                println!("{sku}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("stockcheck: {path}: {error}");
            ExitCode::FAILURE
        }
    }
}
